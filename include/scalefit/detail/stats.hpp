/// @file stats.hpp
/// Small statistics helpers shared by the analyses, each written once:
/// the type-7 quantile of sorted values, the median, the sample standard
/// deviation and the count of distinct values under a relative tolerance
/// (src/stats.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "scalefit/error.hpp"

namespace scalefit::detail {

/// The q-quantile (0 ≤ q ≤ 1) of SORTED values by linear interpolation
/// between order statistics (Hyndman & Fan 1996 type 7, numpy's default
/// "linear"): h = q·(n − 1), v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]). When one
/// of the two order statistics is infinite the result is that one (the
/// limit of the interpolation; avoids inf − inf). Throws InvalidArgument for
/// no values.
inline double SortedQuantile(const std::vector<double>& v, double q) {
  if (v.empty()) throw InvalidArgument("Quantile: no values");
  const double h = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  const double t = h - static_cast<double>(lo);
  if (t == 0.0 || v[lo] == v[hi]) return v[lo];
  if (std::isinf(v[lo])) return v[lo];
  if (std::isinf(v[hi])) return v[hi];
  return v[lo] + t * (v[hi] - v[lo]);
}

/// The median: the middle value, or the mean of the two middle values
/// (0 for no values).
inline double Median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  // Selection, not a sort: linear in the number of values.
  const size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + m, v.end());
  if (v.size() % 2) return v[m];
  return 0.5 * (*std::max_element(v.begin(), v.begin() + m) + v[m]);
}

/// Sample standard deviation (divisor n − 1); NaN for fewer than 2 values.
inline double StdDev(const std::vector<double>& v) {
  if (v.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double mean = 0.0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

/// Relative tolerance under which two values count as one: 1e-9.
inline constexpr double kDistinctTolerance = 1e-9;

/// Number of distinct values: after sorting, a value is new when it differs
/// from the previous one by more than kDistinctTolerance × its magnitude.
/// Defined in src/stats.cpp (its sort comes from Highway, a private
/// dependency).
int CountDistinct(std::vector<double> v);

}  // namespace scalefit::detail
