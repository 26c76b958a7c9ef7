/// @file statistics.hpp
/// The statistics every interval uses: the normal quantile, the level check
/// (`level` is the coverage of a CENTRAL, TWO-SIDED interval everywhere)
/// and the type-7 quantile of bootstrap percentiles.
#pragma once

#include <string>
#include <vector>

namespace scalefit {

/// Φ⁻¹(p), the standard normal quantile, for 0 < p < 1 (Acklam's rational
/// approximation refined by one Halley step on erfc: |error| < 1e-15
/// relative in the central region). Throws InvalidArgument outside (0, 1).
double NormalQuantile(double p);

/// Throws InvalidArgument("<where>: level must be in (0, 1), got ...")
/// unless 0 < level < 1.
void CheckLevel(double level, const std::string& where);

/// The q-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation between
/// order statistics (Hyndman & Fan type 7, numpy's default). Throws
/// InvalidArgument when `values` is empty.
double Quantile(std::vector<double> values, double q);

}  // namespace scalefit
