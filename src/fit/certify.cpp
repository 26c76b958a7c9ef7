// Certification: the scale-free projected-gradient test every converged
// fit must pass.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "fit/fit_internal.hpp"
#include "scalefit/error.hpp"

namespace scalefit::detail {

// Projected gradient of the objective, relative to the sum of absolute
// contributions: scale-free, so "converged" means the same at any weight.
// An exact fit (every residual below 1e-7 relative, e.g. noise-free data)
// has no meaningful gradient direction: the parameters are then as precise
// as the design's conditioning allows, and it counts as stationary.
double RelativeGradient(const Setup& s, const detail::ResidualModel& model,
                        const std::vector<double>& z) {
  std::vector<double> r, J;
  if (!model.RawJacobian(z, &r, &J)) return kInf;
  const int n = s.pd.num_rows, P = s.P;
  double max_r = 0.0;
  for (int i = 0; i < n; ++i) {
    const double scale =
        InLogSpace(s.pd.objective) ? 1.0 : std::abs(s.target[i]);
    max_r = std::max(max_r, std::abs(r[i]) / std::max(scale, 1e-300));
  }
  if (max_r <= 1e-7) return 0.0;
  double worst = 0.0;
  for (int k = 0; k < P; ++k) {
    if (s.map.constant[k]) continue;
    double g = 0.0, g_abs = 0.0;
    for (int i = 0; i < n; ++i) {
      const double w = s.sqrt_w[i] * s.sqrt_w[i];
      const double d =
          w * ObjectiveDerivative(r[i], s.pd.objective, s.pd.delta);
      g += d * J[i * P + k];
      g_abs += std::abs(d * J[i * P + k]);
    }
    const double tol = 1e-10 * (1.0 + std::abs(z[k]));
    if ((z[k] <= s.pd.lower[k] + tol && g > 0) ||
        (z[k] >= s.pd.upper[k] - tol && g < 0))
      g = 0.0;  // pinned at a bound, pushing outward: stationary
    if (g_abs > 0) worst = std::max(worst, std::abs(g) / g_abs);
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
