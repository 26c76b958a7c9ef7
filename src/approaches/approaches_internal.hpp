// Helpers shared by Approach 1 (envelope.cpp) and Approach 2 (isoflop.cpp).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "scalefit/approaches.hpp"

namespace scalefit::detail {

inline constexpr double kApproachesNaN =
    std::numeric_limits<double>::quiet_NaN();

/// Throws InvalidArgument naming `fn`, the column and the first row that is
/// not finite and > 0.
void CheckColumn(const char* fn, const char* name,
                 const std::vector<double>& v);

/// Throws InvalidArgument unless column `name` has `want` values.
void CheckLength(const char* fn, const char* name, size_t got, size_t want);

/// Row indices for an error message (the first 8, then the count).
std::string RowList(const std::vector<int>& rows);

/// The power law y = coefficient · C^exponent by OLS in log-log space;
/// throws InvalidArgument with fewer than 2 distinct C.
PowerLawFit MakePowerLaw(const std::vector<double>& C,
                         const std::vector<double>& y);

/// " [lower, upper]" of a power law's exponent, or "" without an interval.
std::string Interval(const PowerLawFit& f);

}  // namespace scalefit::detail
