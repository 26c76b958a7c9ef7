// Inference-aware allocation (Sardana & Frankle 2023): the plan that
// minimises training plus inference FLOPs for a target loss.
#include <cmath>
#include <limits>
#include <string>

#include "allocation/allocation_internal.hpp"
#include "scalefit/detail/roots.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

using detail::Bisect;
using detail::CheckFinitePositive;
using detail::kLogLimit;
using detail::LawSlice;
using detail::LossToComputeOne;
using detail::Minimize1D;
using detail::UseClosedForm;

InferenceAwarePlan InferenceAware(const FitResult& result, double target_loss,
                                  double inference_tokens,
                                  const FlopModel& flops_in,
                                  double inference_flops_per_param,
                                  const AllocationOptions& options) {
  const FlopModel flops = result.ResolveFlops(flops_in);
  if (!std::isfinite(inference_tokens) || !(inference_tokens >= 0.0)) {
    throw InvalidArgument("inference_tokens must be finite and >= 0 (got " +
                          FormatFull(inference_tokens) + ")");
  }
  CheckFinitePositive("inference_flops_per_param", inference_flops_per_param);
  const LawSlice s(result, options);
  const bool closed = UseClosedForm(s, flops, options);
  const Allocation opt = LossToComputeOne(s, flops, target_loss, closed, "");
  const double target_r = target_loss - s.offset();

  // log D(u) on the iso-loss curve R(e^u, D) = target_r (R decreasing in D);
  // NaN where N = e^u alone cannot reach the target.
  auto log_D = [&](double u) {
    auto g = [&](double y) {
      const double r = s.Reducible(u, y);
      return std::isnan(r) ? kNaN : target_r - r;
    };
    if (!(g(-kLogLimit) < 0.0) || !(g(kLogLimit) >= 0.0)) return kNaN;
    return Bisect(g, -kLogLimit, kLogLimit);
  };
  const double c_inf = inference_flops_per_param * inference_tokens;
  auto log_cost = [&](double u) {
    const double y = log_D(u);
    if (!std::isfinite(y)) return std::numeric_limits<double>::infinity();
    const double N = std::exp(u);
    return std::log(flops.Flops(N, std::exp(y)) + c_inf * N);
  };
  // Smallest N that can reach the target with unlimited data.
  const double u_c = std::log(opt.N_opt);
  auto reach = [&](double u) {
    const double r = s.Reducible(u, kLogLimit);
    return std::isnan(r) ? kNaN : target_r - r;
  };
  double u_min = 0.0;
  if (!(reach(0.0) > 0.0)) u_min = Bisect(reach, 0.0, u_c);
  const double u =
      inference_tokens == 0.0
          ? u_c
          : Minimize1D(log_cost, u_min, u_c + 2.0, 0.02,
                       "no interior inference-aware optimum for target " +
                           FormatFull(target_loss));
  InferenceAwarePlan p;
  p.target_loss = target_loss;
  p.inference_tokens = inference_tokens;
  p.N_opt = std::exp(u);
  p.D_opt = inference_tokens == 0.0 ? opt.D_opt : std::exp(log_D(u));
  p.tokens_per_param = p.D_opt / p.N_opt;
  p.training_flops = flops.Flops(p.N_opt, p.D_opt);
  p.inference_flops = c_inf * p.N_opt;
  p.total_flops = p.training_flops + p.inference_flops;
  p.chinchilla_N = opt.N_opt;
  p.chinchilla_D = opt.D_opt;
  p.chinchilla_total_flops = opt.C + c_inf * opt.N_opt;
  p.flop_convention = flops.name();
  return p;
}

}  // namespace scalefit
