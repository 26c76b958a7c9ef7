// Delta-method intervals on allocations (uncertainty/allocation_intervals.hpp):
// the Chinchilla closed forms differentiated with ceres::Jet under C = k·N·D,
// and, under any other FLOP model (kaplan, hoffmann_detailed, a user model;
// 6ND with method "numeric"), the implicit function theorem on the
// allocation's root condition, differentiated with nested Jets through
// laws::Chinchilla along the FLOP model's own log D(log N, log C).
#include <ceres/jet.h>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "scalefit/error.hpp"
#include "uncertainty/uncertainty_internal.hpp"

// Mixed double / nested-Jet arithmetic. ceres defines s·f, s + f, ... only
// for a scalar s of the Jet's own scalar type; formulas written for double
// and Jet<double, N> (flops.hpp) multiply by double constants, which for a
// Jet<Jet<double, M>, N> is a Jet<double, M>. Found by argument-dependent
// lookup, so they live in ceres' namespace; only for nested Jets (no
// ambiguity with ceres' own operators).
namespace ceres {

template <typename T>
using NestedOnly = std::enable_if_t<!std::is_arithmetic_v<T>, int>;

#define SCALEFIT_NESTED_JET_OP(op)                             \
  template <typename T, int N, NestedOnly<T> = 0>              \
  inline Jet<T, N> operator op(double s, const Jet<T, N>& f) { \
    return T(s) op f;                                          \
  }                                                            \
  template <typename T, int N, NestedOnly<T> = 0>              \
  inline Jet<T, N> operator op(const Jet<T, N>& f, double s) { \
    return f op T(s);                                          \
  }
SCALEFIT_NESTED_JET_OP(+)
SCALEFIT_NESTED_JET_OP(-)
SCALEFIT_NESTED_JET_OP(*)
SCALEFIT_NESTED_JET_OP(/)
#undef SCALEFIT_NESTED_JET_OP

}  // namespace ceres

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using detail::ChinIdx;
using detail::DeltaInterval;
using detail::DeltaVariance;

// The preconditions shared by the delta-method allocation tables
// (compute_optimal, loss_to_compute): the chinchilla law, whose templated
// formula gives the second derivatives the implicit function theorem needs
// (any FLOP model).
void CheckDeltaAllocation(const FitResult& r, double level,
                          const FlopModel& flops, const std::string& what,
                          const std::string& bootstrap_method) {
  CheckLevel(level, what);
  detail::RequireData(r, what + " with level");
  if (!detail::IsChinchilla(r))
    throw InvalidArgument(
        what +
        " with level: delta-method intervals need the chinchilla law; for '" +
        r.law->info().name + "' under '" + flops.name() +
        "' use the bootstrap (BootstrapResult::" + bootstrap_method + ")");
}

struct ChinchillaDelta {
  using Jet = ceres::Jet<double, 5>;
  Covariance cov;
  ChinIdx ix;
  double z;
  std::vector<double> p;
  Jet pj[5];

  ChinchillaDelta(const FitResult& r, double level)
      : cov(ComputeCovariance(r)),
        ix(detail::ChinchillaIndices(r.law->info())),
        z(NormalQuantile(0.5 * (1.0 + level))),
        p(r.values()) {
    for (int j = 0; j < 5; ++j) pj[j] = Jet(p[j], j);
  }

  // Row i of `col` from the gradient g of its quantity: of the quantity
  // itself (log_scale = false) or of its log (true: the interval is
  // exp(log q ± z·se(log q))).
  void Fill(const std::vector<double>& g, bool log_scale, int i,
            AllocationColumn* col) const {
    const double se = std::sqrt(DeltaVariance(cov, g));
    if (col->std_errors.size() != col->mean.size())
      col->std_errors.assign(col->mean.size(), kNaN);
    col->std_errors[i] = log_scale ? se * col->mean[i] : se;
    DeltaInterval(col->mean[i], log_scale ? se * col->mean[i] : se, z, true,
                  &col->lower[i], &col->upper[i]);
  }
  void Fill(const Jet& q, bool log_scale, int i, AllocationColumn* col) const {
    std::vector<double> g(5);
    for (int j = 0; j < 5; ++j) g[j] = q.v[j];
    Fill(g, log_scale, i, col);
  }
  // Row i of a compute-optimal (budget_given) or loss-to-compute table from
  // the implicit derivatives of the solved plan (FrontierPlanGradients).
  void FillGeneral(const FlopModel& flops, bool budget_given, int i,
                   AllocationTable* t) const {
    const detail::PlanGradients pg =
        detail::FrontierPlanGradients(p, ix, flops, std::log(t->N_opt.mean[i]),
                                      std::log(t->C.mean[i]), budget_given);
    if (!budget_given) Fill(pg.d_log_C, true, i, &t->column("C"));
    Fill(pg.d_log_N, true, i, &t->column("N_opt"));
    Fill(pg.d_log_D, true, i, &t->column("D_opt"));
    Fill(pg.d_log_ratio, true, i, &t->column("tokens_per_param"));
    if (budget_given) Fill(pg.d_loss, false, i, &t->column("loss_opt"));
  }
};

// --- the general path: implicit differentiation of the allocation ----------

constexpr int kNumChin = 5;
constexpr int kU = kNumChin, kC = kNumChin + 1;  // Jet slots of log N, log C
using Jet5 = ceres::Jet<double, kNumChin>;
using Jet7 = ceres::Jet<double, kNumChin + 2>;

// The five chinchilla parameters as T in E, A, B, alpha, beta order, each a
// variable in the slot of its law index.
template <typename T, typename Make>
void ChinchillaArgs(const std::vector<double>& p, const ChinIdx& ix, Make make,
                    T* q) {
  const int idx[kNumChin] = {ix.E, ix.A, ix.B, ix.alpha, ix.beta};
  for (int m = 0; m < kNumChin; ++m) q[m] = make(p[idx[m]], idx[m]);
}

std::vector<double> Gradient(const Jet5& x) {
  std::vector<double> g(kNumChin);
  for (int j = 0; j < kNumChin; ++j) g[j] = x.v[j];
  return g;
}

}  // namespace

namespace detail {

TokensTaylor TokensAt(const FlopModel& flops, double u, double c) {
  constexpr double h = 1e-2;
  auto v = [&](double du, double dc) {
    const double y = flops.LogTokens(u + du, c + dc);
    if (!std::isfinite(y))
      throw InvalidArgument(
          "FLOP model '" + flops.name() + "' gives no token count near N = " +
          FormatFull(std::exp(u)) + ", C = " + FormatFull(std::exp(c)));
    return y;
  };
  const double v0 = v(0, 0);
  const double um2 = v(-2 * h, 0), um1 = v(-h, 0), up1 = v(h, 0),
               up2 = v(2 * h, 0);
  const double cm2 = v(0, -2 * h), cm1 = v(0, -h), cp1 = v(0, h),
               cp2 = v(0, 2 * h);
  auto d1 = [&](double m2, double m1, double p1, double p2) {
    return (m2 - 8.0 * m1 + 8.0 * p1 - p2) / (12.0 * h);
  };
  auto d2 = [&](double m2, double m1, double p1, double p2) {
    return (-m2 + 16.0 * m1 - 30.0 * v0 + 16.0 * p1 - p2) / (12.0 * h * h);
  };
  return TokensTaylor{
      v0,
      d1(um2, um1, up1, up2),
      d1(cm2, cm1, cp1, cp2),
      d2(um2, um1, up1, up2),
      (v(h, h) - v(h, -h) - v(-h, h) + v(-h, -h)) / (4.0 * h * h),
      d2(cm2, cm1, cp1, cp2)};
}

PlanGradients FrontierPlanGradients(const std::vector<double>& p,
                                    const ChinIdx& ix, const FlopModel& flops,
                                    double log_N, double log_C,
                                    bool budget_given) {
  // R = L(u, v(u, c); θ) and g = ∂R/∂u as Jets in (θ, u, c): the inner Jet
  // differentiates in u; v is its second-order Taylor model (TokensAt).
  using Nested = ceres::Jet<Jet7, 1>;
  Nested q[kNumChin];
  ChinchillaArgs(
      p, ix, [](double v, int j) { return Nested(Jet7(v, j)); }, q);
  const TokensTaylor tt = TokensAt(flops, log_N, log_C);
  const Nested du(Jet7(0.0, kU), 0), dc(Jet7(0.0, kC));
  const Nested v = tt.v + tt.vu * du + tt.vc * dc + 0.5 * tt.vuu * du * du +
                   tt.vuc * du * dc + 0.5 * tt.vcc * dc * dc;
  const Nested R = laws::Chinchilla::EvaluateAtLogs(q, log_N + du, v);
  const Jet7& r = R.a;
  const Jet7& g = R.v[0];
  const double gu = g.v[kU], gc = g.v[kC], ru = r.v[kU], rc = r.v[kC];
  const double det = gu * rc - gc * ru;
  if (!(gu > 0.0) || (!budget_given && !(det != 0.0)))
    throw NotIdentified(
        "the compute-optimal allocation at C = " + FormatFull(std::exp(log_C)) +
        " is not a strict minimum along the budget (d²L/d(log N)² = " +
        FormatFull(gu) + "), so it has no delta-method interval");
  Jet5 u(log_N), c(log_C);
  for (int j = 0; j < kNumChin; ++j) {
    if (budget_given) {
      u.v[j] = -g.v[j] / gu;
    } else {
      u.v[j] = (-g.v[j] * rc + gc * r.v[j]) / det;
      c.v[j] = (-gu * r.v[j] + ru * g.v[j]) / det;
    }
  }
  Jet5 q5[kNumChin];
  ChinchillaArgs(
      p, ix, [](double v, int j) { return Jet5(v, j); }, q5);
  const Jet5 log_D = tt.v + tt.vu * (u - log_N) + tt.vc * (c - log_C);
  const Jet5 loss = laws::Chinchilla::EvaluateAtLogs(q5, u, log_D);
  PlanGradients out;
  out.log_C = c.a;
  out.log_N = u.a;
  out.log_D = log_D.a;
  out.loss = loss.a;
  out.d_log_C = Gradient(c);
  out.d_log_N = Gradient(u);
  out.d_log_D = Gradient(log_D);
  out.d_log_ratio = Gradient(log_D - u);
  out.d_loss = Gradient(loss);
  return out;
}

PlanWithGradients OptimalPlanWithGradients(const FitResult& r, double C,
                                           const FlopModel& flops) {
  AllocationOptions o;
  o.allow_unidentified = true;
  PlanWithGradients out;
  out.plan = scalefit::ComputeOptimal(r, C, flops, o);
  out.gradients =
      FrontierPlanGradients(r.values(), ChinchillaIndices(r.law->info()), flops,
                            std::log(out.plan.N_opt), std::log(C), true);
  return out;
}

}  // namespace detail

namespace {

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
  // Closed form (chinchilla under C = k·N·D, method auto / closed_form)
  // differentiated; else the allocation the table was solved by, implicitly.
  for (int i = 0; i < t.num_rows(); ++i) {
    if (t.method != "closed_form") {
      d.FillGeneral(flops, true, i, &t);
      continue;
    }
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
    if (t.method != "closed_form") {
      d.FillGeneral(flops, false, i, &t);
      continue;
    }
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
