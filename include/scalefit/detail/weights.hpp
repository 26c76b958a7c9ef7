/// @file weights.hpp
/// The one normalisation of per-row weights (fit, covariance, diagnostics):
/// w̃_i = w_i / mean(w), so that multiplying every weight by a constant
/// changes nothing. Not API.
///
/// WARNING: weights that are each finite can overflow as a sum (1e308 each);
/// dividing by the largest first keeps every step finite.
#pragma once

#include <algorithm>
#include <vector>

#include "scalefit/data.hpp"

namespace scalefit::detail {

struct NormalizedWeights {
  std::vector<double> w;  ///< w̃_i, mean 1
  double scale = 1.0;     ///< mean(w) in the user's units: w_i = scale · w̃_i
};

inline NormalizedWeights NormalizeWeights(const Observations& obs) {
  const int n = obs.num_rows();
  NormalizedWeights out;
  out.w.resize(n);
  double wmax = 0.0;
  for (int i = 0; i < n; ++i) wmax = std::max(wmax, obs.weight(i));
  if (n == 0 || !(wmax > 0.0)) return out;
  double sum = 0.0;  // of w_i / wmax: at most n
  for (int i = 0; i < n; ++i) sum += obs.weight(i) / wmax;
  const double mean_rel = sum / n;  // in (0, 1]
  for (int i = 0; i < n; ++i) out.w[i] = (obs.weight(i) / wmax) / mean_rel;
  out.scale = wmax * mean_rel;
  return out;
}

}  // namespace scalefit::detail
