// The rows that rank the default start grid (FitOptions::max_scoring_rows).
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "fit/fit_internal.hpp"

namespace scalefit::detail {

ScoringRows SelectScoringRows(const Setup& s, int max_rows) {
  const int all = s.pd.num_rows;
  const int ni = s.pd.num_inputs;
  std::vector<int> pick;
  if (max_rows <= 0 || all <= max_rows) {
    pick.resize(all);
    std::iota(pick.begin(), pick.end(), 0);
  } else {
    if (2 * ni < max_rows) {
      for (int k = 0; k < ni; ++k) {
        int lo = 0, hi = 0;
        for (int i = 1; i < all; ++i) {
          const double v = s.pd.x[static_cast<size_t>(i) * ni + k];
          if (v < s.pd.x[static_cast<size_t>(lo) * ni + k]) lo = i;
          if (v > s.pd.x[static_cast<size_t>(hi) * ni + k]) hi = i;
        }
        pick.push_back(lo);
        pick.push_back(hi);
      }
    }
    const int64_t stride = max_rows - static_cast<int64_t>(pick.size());
    for (int64_t j = 0; j < stride; ++j)  // centre of the j-th equal slice
      pick.push_back(static_cast<int>((2 * j + 1) * all / (2 * stride)));
    std::sort(pick.begin(), pick.end());
    pick.erase(std::unique(pick.begin(), pick.end()), pick.end());
  }
  ScoringRows r;
  r.n = static_cast<int>(pick.size());
  for (int i : pick) {
    for (int k = 0; k < ni; ++k) {
      r.x.push_back(s.pd.x[static_cast<size_t>(i) * ni + k]);
      r.log_x.push_back(s.pd.log_x[static_cast<size_t>(i) * ni + k]);
    }
    r.target.push_back(s.target[i]);
    r.sqrt_w.push_back(s.sqrt_w[i]);
  }
  const int stride = (r.n + 7) / 8 * 8;
  r.col_x.resize(static_cast<size_t>(ni) * stride);
  r.col_log_x.resize(static_cast<size_t>(ni) * stride);
  for (int k = 0; k < ni; ++k)
    for (int i = 0; i < stride; ++i) {
      const size_t from = static_cast<size_t>(std::min(i, r.n - 1)) * ni + k;
      r.col_x[static_cast<size_t>(k) * stride + i] = r.x[from];
      r.col_log_x[static_cast<size_t>(k) * stride + i] = r.log_x[from];
    }
  r.pad_target = r.target;
  r.pad_target.resize(stride, r.target[r.n - 1]);
  r.pad_sqrt_w = r.sqrt_w;
  r.pad_sqrt_w.resize(stride, 0.0);
  r.batch = {r.n,
             stride,
             r.col_x.data(),
             r.col_log_x.data(),
             r.pad_target.data(),
             r.pad_sqrt_w.data()};
  return r;
}

}  // namespace scalefit::detail
