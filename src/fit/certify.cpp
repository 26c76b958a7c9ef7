// Certification: the scale-free projected-gradient test every converged
// fit must pass.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "fit/fit_internal.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/error.hpp"

namespace scalefit::detail {

// Projected gradient of the objective, relative to the sum of absolute
// contributions: scale-free, so "converged" means the same at any weight.
// An exact fit (every residual below 1e-7 relative, e.g. noise-free data)
// has no meaningful gradient direction: the parameters are then as precise
// as the design's conditioning allows, and it counts as stationary.
double RelativeGradient(const Setup& s, const detail::ResidualModel& model,
                        const std::vector<double>& z) {
  const int n = s.pd.num_rows, P = s.P;
  if (n == 0) return kInf;
  // Blocks of kBlockRows rows (a multiple of 8), each summed into its own
  // slot on the rows' threads and the slots added in block order: the same
  // sums on any number of threads, and no num_rows × P Jacobian held.
  constexpr int kBlockRows = 8192;
  const int blocks = (n + kBlockRows - 1) / kBlockRows;
  // Per block: finite, max |r| / scale, then g_k and Σ|g_k terms| per k.
  const int slot = 2 + 2 * P;
  std::vector<double> sums(static_cast<size_t>(blocks) * slot, 0.0);
  const int workers = std::max(1, std::min(s.pd.row_threads, blocks));
  std::vector<std::vector<double>> r(workers), J(workers);
  ParallelFor(blocks, workers, [&](int worker, int b) {
    const int begin = b * kBlockRows, end = std::min(n, begin + kBlockRows);
    // Sized to the block (a few rows for a small data set: no large
    // allocation per certification).
    r[worker].resize(end - begin);
    J[worker].resize(static_cast<size_t>(end - begin) * P);
    double* out = sums.data() + static_cast<size_t>(b) * slot;
    if (!model.RawJacobianRows(z, begin, end, r[worker].data(),
                               J[worker].data()))
      return;
    out[0] = 1.0;
    double max_r = 0.0;
    double* g = out + 2;
    double* g_abs = out + 2 + P;
    for (int i = begin; i < end; ++i) {
      const double ri = r[worker][i - begin];
      const double scale =
          InLogSpace(s.pd.objective) ? 1.0 : std::abs(s.target[i]);
      max_r = std::max(max_r, std::abs(ri) / std::max(scale, 1e-300));
      const double w = s.sqrt_w[i] * s.sqrt_w[i];
      const double d = w * ObjectiveDerivative(ri, s.pd.objective, s.pd.delta);
      const double* row = J[worker].data() + static_cast<size_t>(i - begin) * P;
      for (int k = 0; k < P; ++k) {
        g[k] += d * row[k];
        g_abs[k] += std::abs(d * row[k]);
      }
    }
    out[1] = max_r;
  });
  double max_r = 0.0;
  std::vector<double> g(P, 0.0), g_abs(P, 0.0);
  for (int b = 0; b < blocks; ++b) {
    const double* in = sums.data() + static_cast<size_t>(b) * slot;
    if (in[0] != 1.0) return kInf;  // the law is not finite in this block
    max_r = std::max(max_r, in[1]);
    for (int k = 0; k < P; ++k) {
      g[k] += in[2 + k];
      g_abs[k] += in[2 + P + k];
    }
  }
  if (max_r <= 1e-7) return 0.0;
  double worst = 0.0;
  for (int k = 0; k < P; ++k) {
    if (s.map.constant[k]) continue;
    const double tol = 1e-10 * (1.0 + std::abs(z[k]));
    if ((z[k] <= s.pd.lower[k] + tol && g[k] > 0) ||
        (z[k] >= s.pd.upper[k] - tol && g[k] < 0))
      g[k] = 0.0;  // pinned at a bound, pushing outward: stationary
    if (g_abs[k] > 0) worst = std::max(worst, std::abs(g[k]) / g_abs[k]);
  }
  return worst;
}

}  // namespace scalefit::detail

namespace scalefit {

OptimumCheck CheckOptimum(const FitResult& result) {
  if (!result.law || !result.has_data || !result.data)
    throw InvalidArgument("CheckOptimum: the result has no data attached");
  const LawModel& law = *result.law;
  const detail::Setup s = detail::MakeSetup(law, *result.data, result.options);
  std::vector<double> p = result.values();
  const std::vector<double> z = detail::UserToInternal(s, p);
  const std::unique_ptr<detail::ResidualModel> model =
      law.MakeResidualModel(s.pd);
  OptimumCheck c;
  std::vector<double> r, J;
  if (!model->RawJacobian(z, &r, &J)) {
    c.objective = kInf;
    c.relative_gradient = kInf;
    return c;
  }
  double f = 0.0;
  for (int i = 0; i < s.pd.num_rows; ++i)
    f += s.sqrt_w[i] * s.sqrt_w[i] *
         ObjectiveTerm(r[i], s.pd.objective, s.pd.delta);
  c.objective = f * s.weight_scale;
  c.relative_gradient = detail::RelativeGradient(s, *model, z);
  return c;
}

}  // namespace scalefit
