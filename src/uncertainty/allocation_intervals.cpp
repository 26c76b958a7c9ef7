// Delta-method intervals on allocations (uncertainty/allocation_intervals.hpp):
// the Chinchilla closed forms differentiated with ceres::Jet.
#include <ceres/jet.h>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "scalefit/error.hpp"
#include "uncertainty/uncertainty_internal.hpp"

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using detail::ChinIdx;
using detail::DeltaInterval;
using detail::DeltaVariance;

// The preconditions and the Jet machinery shared by the delta-method
// allocation tables (compute_optimal, loss_to_compute): the closed form
// needs the chinchilla law under a C = k·N·D FLOP model.
void CheckDeltaAllocation(const FitResult& r, double level,
                          const FlopModel& flops, const std::string& what,
                          const std::string& bootstrap_method) {
  CheckLevel(level, what);
  detail::RequireData(r, what + " with level");
  if (!detail::IsChinchilla(r) || !flops.is_six_nd())
    throw InvalidArgument(
        what +
        " with level: delta-method intervals need the "
        "chinchilla law under a C = k·N·D FLOP model (closed form); for '" +
        r.law->info().name + "' under '" + flops.name() +
        "' use the bootstrap (BootstrapResult::" + bootstrap_method + ")");
}

struct ChinchillaDelta {
  using Jet = ceres::Jet<double, 5>;
  Covariance cov;
  ChinIdx ix;
  double z;
  Jet pj[5];

  ChinchillaDelta(const FitResult& r, double level)
      : cov(ComputeCovariance(r)),
        ix(detail::ChinchillaIndices(r.law->info())),
        z(NormalQuantile(0.5 * (1.0 + level))) {
    const std::vector<double> p = r.values();
    for (int j = 0; j < 5; ++j) pj[j] = Jet(p[j], j);
  }

  // Row i of `col` from the Jet of its quantity q: q itself (log_scale =
  // false) or log q (true: the interval is exp(log q ± z·se(log q))).
  void Fill(const Jet& q, bool log_scale, int i, AllocationColumn* col) const {
    std::vector<double> g(5);
    for (int j = 0; j < 5; ++j) g[j] = q.v[j];
    const double se = std::sqrt(DeltaVariance(cov, g));
    if (col->std_errors.size() != col->mean.size())
      col->std_errors.assign(col->mean.size(), kNaN);
    col->std_errors[i] = log_scale ? se * col->mean[i] : se;
    DeltaInterval(col->mean[i], log_scale ? se * col->mean[i] : se, z, true,
                  &col->lower[i], &col->upper[i]);
  }
};

void ClearIntervals(AllocationTable* t,
                    std::initializer_list<const char*> names) {
  for (const char* name : names) {
    AllocationColumn& col = t->column(name);
    col.lower.assign(t->num_rows(), kNaN);
    col.upper.assign(t->num_rows(), kNaN);
    col.std_errors.assign(t->num_rows(), kNaN);
  }
}

}  // namespace

AllocationTable ComputeOptimalInterval(const FitResult& r,
                                       const std::vector<double>& C,
                                       double level, const FlopModel& flops_in,
                                       const AllocationOptions& options) {
  const FlopModel flops = r.ResolveFlops(flops_in);
  CheckDeltaAllocation(r, level, flops, "compute_optimal", "ComputeOptimal");
  AllocationTable t = scalefit::ComputeOptimal(r, C, flops, options);
  const ChinchillaDelta d(r, level);
  const ChinIdx& ix = d.ix;
  ClearIntervals(&t, {"N_opt", "D_opt", "tokens_per_param", "loss_opt"});
  for (int i = 0; i < t.num_rows(); ++i) {
    const auto f =
        ChinchillaFrontierAt(d.pj[ix.E], d.pj[ix.A], d.pj[ix.B], d.pj[ix.alpha],
                             d.pj[ix.beta], t.C.mean[i], flops.k());
    d.Fill(f.N_opt, false, i, &t.column("N_opt"));
    d.Fill(f.D_opt, false, i, &t.column("D_opt"));
    d.Fill(f.tokens_per_param, false, i, &t.column("tokens_per_param"));
    d.Fill(f.loss_opt, false, i, &t.column("loss_opt"));
  }
  t.level = level;
  t.interval_method = "delta";
  return t;
}

AllocationTable LossToComputeInterval(const FitResult& r,
                                      const std::vector<double>& target_loss,
                                      double level, const FlopModel& flops_in,
                                      const AllocationOptions& options) {
  const FlopModel flops = r.ResolveFlops(flops_in);
  CheckDeltaAllocation(r, level, flops, "loss_to_compute", "LossToCompute");
  // Point values, validation (target ≤ E throws NotIdentified) and the
  // identification check.
  AllocationTable t = scalefit::LossToCompute(r, target_loss, flops, options);
  const ChinchillaDelta d(r, level);
  const ChinIdx& ix = d.ix;
  ClearIntervals(&t, {"C", "N_opt", "D_opt", "tokens_per_param"});
  // The target is given: loss_opt has no uncertainty.
  for (int i = 0; i < t.num_rows(); ++i) {
    using Jet = ChinchillaDelta::Jet;
    const Jet log_Ck = ChinchillaLogComputeForLoss(
        d.pj[ix.E], d.pj[ix.A], d.pj[ix.B], d.pj[ix.alpha], d.pj[ix.beta],
        t.target_loss[i]);
    const auto f =
        ChinchillaFrontierAtLogCk(d.pj[ix.E], d.pj[ix.A], d.pj[ix.B],
                                  d.pj[ix.alpha], d.pj[ix.beta], log_Ck);
    // Natural logs of each positive quantity: intervals on the log scale.
    d.Fill(log_Ck, true, i, &t.column("C"));
    d.Fill(f.log_N_opt, true, i, &t.column("N_opt"));
    d.Fill(f.log_D_opt, true, i, &t.column("D_opt"));
    d.Fill(f.log_D_opt - f.log_N_opt, true, i, &t.column("tokens_per_param"));
  }
  t.level = level;
  t.interval_method = "delta";
  return t;
}

}  // namespace scalefit
