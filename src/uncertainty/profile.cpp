// Profile-objective intervals (uncertainty/profile.hpp): path-following
// local solves along one parameter or a derived quantity, calibrated by the
// fit's covariance.
#include "scalefit/uncertainty/profile.hpp"

#include <ceres/jet.h>

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/roots.hpp"
#include "scalefit/detail/threads.hpp"
#include "scalefit/error.hpp"
#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"
#include "scalefit/runtime_law.hpp"
#include "scalefit/uncertainty/covariance.hpp"
#include "uncertainty/uncertainty_internal.hpp"

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------
// What is profiled: a parameter, or a derived quantity held by eliminating
// one parameter of the chinchilla law.
// ---------------------------------------------------------------------------

enum class Derived { kNone, kA, kB, kNopt, kDopt };

// The chinchilla law with one parameter eliminated: the quantity q(θ) = v
// is held by computing the eliminated parameter from the others. Exact
// Jacobian by the chain rule through the law's exact gradient.
//
// N_opt and D_opt at a budget C under any FLOP model: the allocation is the
// stationary point of L = E + A·N^−α + B·D^−β along FLOPs(N, D) = C,
//   α·A·N^−α = β·B·D^−β·t,   t = −d log D/d log N along the budget,
// which is linear in A and in B. Holding N_opt = v fixes N = v, and D and t
// from the FLOP model alone (not from θ), so A follows in closed form; holding
// D_opt = v fixes D = v, N and t likewise, and B follows. Under C = k·N·D,
// D = C/(k·N) and t = 1.
class EliminatedLaw final : public BatchLaw {
 public:
  // log_v: the held value (log v for N_opt, D_opt; log a, log b for a, b).
  // log_other: log D at N = v (N_opt) or log N at D = v (D_opt); log_t:
  // log t there. Unused for a and b.
  EliminatedLaw(LawPtr base, LawInfo info, Derived kind, int eliminated,
                detail::ChinIdx ix, double log_v, double log_other,
                double log_t)
      : BatchLaw(std::move(info)),
        base_(std::move(base)),
        kind_(kind),
        elim_(eliminated),
        ix_(ix),
        log_v_(log_v),
        log_other_(log_other),
        log_t_(log_t) {}

  // Full parameters from the reduced ones, and ∂p_elim/∂p_full (0 at elim).
  void Full(const double* pr, std::vector<double>* p,
            std::vector<double>* dp) const {
    const int P = base_->info().num_params();
    p->assign(P, 0.0);
    for (int k = 0, j = 0; k < P; ++k)
      if (k != elim_) (*p)[k] = pr[j++];
    dp->assign(P, 0.0);
    std::vector<double>& q = *p;
    const double al = q[ix_.alpha], be = q[ix_.beta];
    switch (kind_) {
      case Derived::kA: {  // a = β/(α+β) = v  ⇒  β = α·v/(1−v)
        const double v = std::exp(log_v_), r = v / (1.0 - v);
        q[ix_.beta] = al * r;
        (*dp)[ix_.alpha] = r;
        break;
      }
      case Derived::kB: {  // b = α/(α+β) = v  ⇒  β = α·(1−v)/v
        const double v = std::exp(log_v_), r = (1.0 - v) / v;
        q[ix_.beta] = al * r;
        (*dp)[ix_.alpha] = r;
        break;
      }
      case Derived::kNopt: {
        // N = v, D = e^log_other:
        // log A = log β + log B + log t − β·log D + α·log v − log α.
        const double A = std::exp(std::log(be) + std::log(q[ix_.B]) + log_t_ -
                                  be * log_other_ + al * log_v_ - std::log(al));
        q[ix_.A] = A;
        (*dp)[ix_.alpha] = A * (log_v_ - 1.0 / al);
        (*dp)[ix_.beta] = A * (1.0 / be - log_other_);
        (*dp)[ix_.B] = A / q[ix_.B];
        break;
      }
      case Derived::kDopt: {
        // D = v, N = e^log_other:
        // log B = log α + log A − α·log N + β·log v − log β − log t.
        const double B =
            std::exp(std::log(al) + std::log(q[ix_.A]) - al * log_other_ +
                     be * log_v_ - std::log(be) - log_t_);
        q[ix_.B] = B;
        (*dp)[ix_.alpha] = B * (1.0 / al - log_other_);
        (*dp)[ix_.beta] = B * (log_v_ - 1.0 / be);
        (*dp)[ix_.A] = B / q[ix_.A];
        break;
      }
      case Derived::kNone:
        break;
    }
  }

  bool Batch(const double* pr, const double* x, int n, double* values,
             double* jac) const override {
    std::vector<double> p, dp;
    Full(pr, &p, &dp);
    const int P = base_->info().num_params(), Pr = P - 1;
    const int ni = base_->info().num_inputs();
    std::vector<double> g(P);
    for (int i = 0; i < n; ++i) {
      const double* xi = x + static_cast<size_t>(i) * ni;
      if (!jac) {
        values[i] = base_->Evaluate(p.data(), xi);
        continue;
      }
      values[i] = base_->ValueAndGradient(p.data(), xi, g.data());
      for (int k = 0, j = 0; k < P; ++k) {
        if (k == elim_) continue;
        jac[static_cast<size_t>(i) * Pr + j] = g[k] + g[elim_] * dp[k];
        ++j;
      }
    }
    return true;
  }

 private:
  LawPtr base_;
  Derived kind_;
  int elim_;
  detail::ChinIdx ix_;
  double log_v_, log_other_, log_t_;
};

// A profiled quantity and how to solve at one of its values.
struct Target {
  std::string name;
  Derived kind = Derived::kNone;
  int param = -1;       // parameter index (kNone)
  int eliminated = -1;  // parameter computed from the rest (derived)
  double log_C = 0.0;   // log of the budget, for N_opt and D_opt
  FlopModel flops = FlopModel::SixND();  // the fit's, for N_opt and D_opt
  bool positive = false;                 // walked in log
  double lower = -kInf, upper = kInf;    // bounds on u (internal coordinate)
  double estimate = 0.0;
  std::vector<double> gradient;  // ∇q at θ̂ (user units), for the scale
};

double ToU(const Target& t, double v) { return t.positive ? std::log(v) : v; }
double FromU(const Target& t, double u) { return t.positive ? std::exp(u) : u; }

// Everything the solves of one fit share.
struct Context {
  const FitResult* fit = nullptr;
  detail::ChinIdx ix{};
  double weight_scale = 1.0;  // Σw/n: objective (user) = scale · normalised
  double f_hat = 0.0;         // normalised objective at the fit
  Covariance cov;
  int n = 0, F = 0;
};

struct Solved {
  double objective = kNaN;  // FitResult::objective units
  bool converged = false;
  std::vector<double> params;  // full, user units
};

bool Involved(const FitOptions& o, const std::string& name) {
  for (const auto& f : o.fixed)
    if (f == name) return true;
  for (const auto& [a, b] : o.ties)
    if (a == name || b == name) return true;
  return false;
}

// For N_opt (D_opt) held at e^u on the budget of `t`: log D at N = e^u
// (log N at D = e^u) under the fit's FLOP model, and log t with
// t = −d log D/d log N there (EliminatedLaw). Under C = k·N·D in closed
// form; otherwise from FlopModel::LogTokens, the function the allocation
// solver searches along (log N by bisection; log D and t from
// detail::TokensAt, as the delta method's implicit derivatives).
void OnBudget(const Target& t, double u, double* log_other, double* log_t) {
  *log_other = 0.0;
  *log_t = 0.0;
  if (t.kind != Derived::kNopt && t.kind != Derived::kDopt) return;
  const FlopModel& fm = t.flops;
  const double c = t.log_C;
  if (fm.is_six_nd()) {
    *log_other = c - std::log(fm.k()) - u;
    return;
  }
  auto log_tokens = [&](double x) { return fm.LogTokens(x, c); };
  double log_N = u;
  if (t.kind == Derived::kDopt) {
    // s(x) = u − log D(x) increases with log N = x; NaN (no D) is "above".
    auto s = [&](double x) { return u - log_tokens(x); };
    const double guess = c - std::log(6.0) - u;
    double lo = guess - 1.0, hi = guess + 1.0;
    for (double step = 1.0; !(s(lo) < 0.0) && lo > -detail::kLogLimit;
         step *= 2.0)
      lo = std::max(guess - step, -detail::kLogLimit);
    for (double step = 1.0; s(hi) < 0.0 && hi < detail::kLogLimit; step *= 2.0)
      hi = std::min(guess + step, detail::kLogLimit);
    if (!(s(lo) < 0.0) || s(hi) < 0.0)
      throw InvalidArgument(
          "profile of '" + t.name + "': FLOP model '" + fm.name() +
          "' has no N with D = " + FormatFull(std::exp(u)) +
          " tokens at C = " + FormatFull(std::exp(c)) + " FLOPs");
    log_N = detail::Bisect(s, lo, hi);
  }
  // log D and the budget line's slope as the delta method's implicit
  // derivatives have them (detail::TokensAt).
  const detail::TokensTaylor tt = detail::TokensAt(fm, log_N, c);
  *log_other = t.kind == Derived::kDopt ? log_N : tt.v;
  const double slope = tt.vu;
  if (!std::isfinite(*log_other) || !(slope < 0.0))
    throw InvalidArgument(
        "profile of '" + t.name + "': FLOP model '" + fm.name() +
        "' gives no budget line through N = " + FormatFull(std::exp(log_N)) +
        " at C = " + FormatFull(std::exp(c)) + " FLOPs");
  *log_t = std::log(-slope);
}

// The constrained local solve at u from `start` (full user parameters).
Solved SolveAt(const Context& cx, const Target& t, double u,
               const std::vector<double>& start) {
  // A constrained solve that does not converge is recorded in its profile
  // point (ProfilePoint::converged), not warned about per solve.
  ScopedQuietWarnings quiet;
  const FitResult& fit = *cx.fit;
  const LawInfo& info = fit.law->info();
  FitOptions o = fit.options;
  o.start = "init";
  o.num_threads = 1;
  o.grid.clear();
  o.init.clear();
  Solved out;
  if (t.kind == Derived::kNone) {
    for (int k = 0; k < info.num_params(); ++k)
      o.init[info.params[k].name] = start[k];
    const std::string& name = info.params[t.param].name;
    o.init[name] = FromU(t, u);
    if (std::find(o.fixed.begin(), o.fixed.end(), name) == o.fixed.end())
      o.fixed.push_back(name);
    const FitResult r = FitWithoutDiagnostics(fit.law, *fit.data, o);
    out.objective = r.objective;
    out.converged = r.converged;
    out.params = r.values();
    return out;
  }
  // Derived: the reduced law.
  LawInfo reduced;
  reduced.name = info.name + "|" + t.name;
  reduced.formula = info.formula;
  reduced.input_names = info.input_names;
  for (int k = 0; k < info.num_params(); ++k)
    if (k != t.eliminated) reduced.params.push_back(info.params[k]);
  double log_other = 0.0, log_t = 0.0;
  OnBudget(t, u, &log_other, &log_t);
  auto law = std::make_shared<EliminatedLaw>(
      fit.law, reduced, t.kind, t.eliminated, cx.ix, u, log_other, log_t);
  for (int k = 0; k < info.num_params(); ++k)
    if (k != t.eliminated) o.init[info.params[k].name] = start[k];
  o.bounds.erase(info.params[t.eliminated].name);
  const FitResult r = FitWithoutDiagnostics(law, *fit.data, o);
  out.objective = r.objective;
  out.converged = r.converged;
  std::vector<double> pr = r.values(), dp;
  law->Full(pr.data(), &out.params, &dp);
  return out;
}

// ---------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------

Context MakeContext(const FitResult& fit) {
  detail::RequireData(fit, "profile");
  Context cx;
  cx.fit = &fit;
  cx.cov = ComputeCovariance(fit);
  cx.n = cx.cov.num_points;
  cx.F = cx.cov.num_free;
  double wsum = 0.0;
  for (int i = 0; i < fit.data->num_rows(); ++i) wsum += fit.data->weight(i);
  cx.weight_scale = wsum / fit.data->num_rows();
  cx.f_hat = fit.objective / cx.weight_scale;
  if (detail::IsChinchilla(fit))
    cx.ix = detail::ChinchillaIndices(fit.law->info());
  return cx;
}

Target ParameterTarget(const Context& cx, const std::string& name) {
  const FitResult& fit = *cx.fit;
  const LawInfo& info = fit.law->info();
  const int k = info.ParamIndex(name);
  const ParamValue& pv = fit.params[k];
  if (pv.fixed)
    throw InvalidArgument("profile: parameter '" + name +
                          "' is fixed in this fit; nothing to profile");
  if (!pv.tied_to.empty())
    throw InvalidArgument("profile: parameter '" + name + "' is tied to '" +
                          pv.tied_to + "'; profile '" + pv.tied_to +
                          "' instead");
  Target t;
  t.name = name;
  t.param = k;
  t.positive = info.params[k].positive;
  t.estimate = pv.value;
  t.lower =
      t.positive ? (pv.lower > 0.0 ? std::log(pv.lower) : -kInf) : pv.lower;
  t.upper = t.positive ? std::log(pv.upper) : pv.upper;
  t.gradient.assign(info.num_params(), 0.0);
  t.gradient[k] = 1.0;
  return t;
}

Target DerivedTarget(const Context& cx, const std::string& name) {
  const FitResult& fit = *cx.fit;
  if (!detail::IsChinchilla(fit))
    throw InvalidArgument("profile of '" + name +
                          "': derived quantities need the built-in chinchilla "
                          "law, got '" +
                          fit.law->info().name + "'");
  const detail::ChinIdx ix = cx.ix;
  const LawInfo& info = fit.law->info();
  Target t;
  t.name = name;
  double C = 0.0;
  auto budget = [&](const std::string& prefix) {
    const std::string s = name.substr(prefix.size());
    size_t used = 0;
    double c = kNaN;
    try {
      c = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || !std::isfinite(c) || !(c > 0.0))
      throw InvalidArgument("profile of '" + name + "': the budget after '" +
                            prefix + "' must be a number of FLOPs > 0");
    return c;
  };
  int elim = -1;
  if (name == "a") {
    t.kind = Derived::kA;
    elim = ix.beta;
  } else if (name == "b") {
    t.kind = Derived::kB;
    elim = ix.beta;
  } else if (name.rfind("N_opt@", 0) == 0) {
    t.kind = Derived::kNopt;
    C = budget("N_opt@");
    elim = ix.A;
  } else if (name.rfind("D_opt@", 0) == 0) {
    t.kind = Derived::kDopt;
    C = budget("D_opt@");
    elim = ix.B;
  } else {
    throw InvalidArgument("profile: unknown derived quantity '" + name +
                          "'; derived quantities: a, b, N_opt@<FLOPs>, "
                          "D_opt@<FLOPs>");
  }
  t.eliminated = elim;
  const std::string& en = info.params[elim].name;
  if (Involved(fit.options, en) ||
      ((t.kind == Derived::kA || t.kind == Derived::kB) &&
       Involved(fit.options, info.params[ix.alpha].name)))
    throw InvalidArgument("profile of '" + name + "': '" + en +
                          "' (or alpha) is fixed or tied in this fit, so '" +
                          name + "' cannot be held by eliminating it");
  const std::vector<double> p = fit.values();
  const int idx = t.kind == Derived::kA      ? 0
                  : t.kind == Derived::kB    ? 1
                  : t.kind == Derived::kNopt ? 3
                                             : 4;
  const std::vector<double> budgets =
      C > 0.0 ? std::vector<double>{C} : std::vector<double>{};
  const detail::DerivedRoute route = detail::RouteDerived(fit, budgets);
  t.flops = route.flops;
  t.log_C = C > 0.0 ? std::log(C) : 0.0;
  if (!route.closed) {
    // q and ∇q at θ̂ from the allocation under the fit's convention and its
    // implicit derivatives (the delta method's own).
    const detail::PlanGradients pg =
        detail::OptimalPlanWithGradients(fit, C, t.flops).gradients;
    const bool n = t.kind == Derived::kNopt;
    t.estimate = std::exp(n ? pg.log_N : pg.log_D);
    t.gradient = n ? pg.d_log_N : pg.d_log_D;
    for (double& g : t.gradient) g *= t.estimate;
    t.positive = true;
    return t;
  }
  // q and ∇q at θ̂ from the templated closed forms (Jets).
  using Jet = ceres::Jet<double, 5>;
  Jet pj[5];
  for (int j = 0; j < 5; ++j) pj[j] = Jet(p[j], j);
  const std::vector<Jet> vals =
      detail::DerivedValues(pj, ix, route.closed_budgets, route.k);
  t.estimate = vals[idx].a;
  t.gradient.assign(5, 0.0);
  for (int j = 0; j < 5; ++j) t.gradient[j] = vals[idx].v[j];
  // a, b live in (0, 1) and are walked on the linear scale; N_opt, D_opt in
  // log. The walk for a and b works on log v internally (the law's
  // transform takes log v), so map through ToU/FromU below.
  t.positive = true;
  if (t.kind == Derived::kA || t.kind == Derived::kB) {
    t.upper = 0.0;  // log 1
  }
  return t;
}

// ∇qᵀ M ∇q for a P × P row-major M in user units (the covariance: the Wald
// variance of q; the bread inverse: the profile's curvature).
double GradientQuadratic(const Target& t, const std::vector<double>& M) {
  return detail::BlockQuadratic(M, static_cast<int>(t.gradient.size()), 0,
                                t.gradient);
}

// Wald standard error of q: sqrt(∇qᵀ Σ ∇q), the delta method's (+inf when q
// depends on an unidentified parameter).
double WaldStdError(const Context& cx, const Target& t) {
  return std::sqrt(detail::DeltaVariance(cx.cov, t.gradient));
}

// c_q and t of the calibration, and its name.
void Calibrate(const Context& cx, const Target& t, double level, double* scale,
               double* threshold, std::string* name) {
  const FitResult& fit = *cx.fit;
  const double z = NormalQuantile(0.5 * (1.0 + level));
  if (fit.options.objective == Objective::kHuberLog) {
    *scale = GradientQuadratic(t, cx.cov.matrix) /
             GradientQuadratic(t, cx.cov.bread_inverse);
    *threshold = z * z;
    *name = "chi2(1), sandwich-adjusted";
  } else {
    *scale = cx.cov.residual_variance;
    const boost::math::students_t dist(static_cast<double>(cx.n - cx.F));
    const double tq = boost::math::quantile(dist, 0.5 * (1.0 + level));
    *threshold = tq * tq;
    *name = "F(1, n-F), sigma^2 estimated";
  }
  if (!std::isfinite(*scale) || !(*scale > 0.0))
    throw InvalidArgument(
        "profile of '" + t.name +
        "': the covariance is rank deficient or zero at the fit (" +
        cx.cov.message + "), so the profile has no calibration");
}

// ---------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------

struct Walker {
  const Context& cx;
  const Target& t;
  const ProfileOptions& o;
  double scale = 0.0, threshold = 0.0;
  Profile* pr = nullptr;

  double Deviance(double objective) const {
    return 2.0 * (objective / cx.weight_scale - cx.f_hat) / scale;
  }

  // Solves at u from `start`, records the point.
  const ProfilePoint& Point(double u, const std::vector<double>& start) {
    const Solved s = SolveAt(cx, t, u, start);
    ++pr->num_solves;
    ProfilePoint pt;
    pt.value = FromU(t, u);
    if (t.kind == Derived::kNone) pt.value = s.params[t.param];
    pt.objective = s.objective;
    pt.deviance = std::isfinite(s.objective) ? Deviance(s.objective) : kInf;
    pt.converged = s.converged;
    pt.params = s.params;
    pr->all_converged = pr->all_converged && s.converged;
    if (pt.deviance < -1e-6) pr->better_point = true;
    pr->points.push_back(pt);
    return pr->points.back();
  }

  // One side (+1 upper, −1 lower): the end value (user units) and its kind.
  void Side(int sgn, double u_hat, double h0, double* end, std::string* kind) {
    double u_in = u_hat, d_in = 0.0;
    std::vector<double> p_in = cx.fit->values();
    double h = h0;
    const double bound = sgn > 0 ? t.upper : t.lower;
    for (int step = 0; step < o.max_steps; ++step) {
      double u = u_in + sgn * h;
      bool at_bound = false;
      if (std::isfinite(bound) &&
          ((sgn > 0 && u >= bound) || (sgn < 0 && u <= bound))) {
        // Just inside the bound (the engine needs a feasible value).
        u = bound - sgn * 1e-9 * (1.0 + std::abs(bound));
        at_bound = true;
      }
      bool at_limit = false;
      if (std::abs(u - u_hat) >= o.max_span) {
        u = u_hat + sgn * o.max_span;
        at_bound = false;
        at_limit = true;
      }
      const ProfilePoint pt = Point(u, p_in);
      if (pt.deviance > threshold) {
        // Crossing between u_in and u: Brent on d − t, every solve started
        // from the last point inside.
        const std::vector<double> start = p_in;
        auto g = [&](double v) { return Point(v, start).deviance - threshold; };
        const double tol = 1e-7 * std::abs(u - u_in);
        const double root = detail::BrentRoot(g, u_in, u, d_in - threshold,
                                              pt.deviance - threshold, tol);
        *end = FromU(t, root);
        *kind = "crossing";
        return;
      }
      if (at_bound || at_limit) {
        if (at_bound) {
          *end = FromU(t, bound);
          *kind = "bound";
          return;
        }
        break;
      }
      u_in = u;
      d_in = pt.deviance;
      p_in = pt.params;
      h *= 1.5;
    }
    // No crossing within max_steps / max_span: unbounded on this side.
    if (t.kind == Derived::kA || t.kind == Derived::kB) {
      *end = sgn > 0 ? 1.0 : 0.0;
    } else if (sgn > 0) {
      *end = kInf;
    } else {
      *end = t.positive ? 0.0 : -kInf;
    }
    *kind = "search_limit";
  }
};

Profile RunProfile(const Context& cx, const Target& t,
                   const ProfileOptions& o) {
  Profile pr;
  pr.name = t.name;
  pr.estimate = t.estimate;
  pr.objective = cx.fit->objective;
  pr.level = o.level;
  pr.log_scale =
      t.positive && !(t.kind == Derived::kA || t.kind == Derived::kB);
  Walker w{cx, t, o};
  w.pr = &pr;
  Calibrate(cx, t, o.level, &w.scale, &w.threshold, &pr.calibration);
  pr.scale = w.scale;
  pr.threshold = w.threshold;
  // The fit itself.
  ProfilePoint fit_pt;
  fit_pt.value = t.estimate;
  fit_pt.objective = cx.fit->objective;
  fit_pt.deviance = 0.0;
  fit_pt.converged = cx.fit->converged;
  fit_pt.params = cx.fit->values();
  pr.points.push_back(fit_pt);
  // Initial step: half a Wald standard error in the walk's coordinate.
  const double u_hat = ToU(t, t.estimate);
  double se_u = WaldStdError(cx, t);
  if (t.positive) se_u /= std::abs(t.estimate);
  double h0 = 0.5 * se_u;
  if (!std::isfinite(h0) || !(h0 > 0.0)) h0 = 0.05 * (1.0 + std::abs(u_hat));
  h0 = std::min(h0, 0.25 * o.max_span);
  w.Side(-1, u_hat, h0, &pr.lower, &pr.lower_end);
  w.Side(+1, u_hat, h0, &pr.upper, &pr.upper_end);
  std::stable_sort(pr.points.begin(), pr.points.end(),
                   [](const ProfilePoint& a, const ProfilePoint& b) {
                     return a.value < b.value;
                   });
  // Identification.
  std::ostringstream why;
  auto num = [](double v) { return FormatShort(v, 6); };
  if (pr.lower_end != "crossing" || pr.upper_end != "crossing") {
    pr.weakly_identified = true;
    why << t.name << " is weakly identified: the profile stays within the "
        << FormatShort(100 * o.level, 4) << "% threshold ";
    if (pr.lower_end != "crossing" && pr.upper_end != "crossing")
      why << "on both sides";
    else if (pr.upper_end != "crossing")
      why << "above the estimate";
    else
      why << "below the estimate";
    why << " up to "
        << (pr.upper_end == "bound" || pr.lower_end == "bound"
                ? "a parameter bound"
                : "the search limit")
        << ": " << num(pr.lower) << " <= " << t.name << " <= " << num(pr.upper);
  } else {
    const bool log_like = pr.log_scale && pr.lower > 0.0;
    const double spread = log_like ? pr.upper / pr.lower
                                   : (pr.upper - pr.lower) /
                                         std::max(std::abs(t.estimate), 1e-300);
    const double limit = log_like ? o.max_ratio : o.max_relative_width;
    if (spread > limit) {
      pr.weakly_identified = true;
      why << t.name << " is weakly identified: its "
          << FormatShort(100 * o.level, 4) << "% profile interval ["
          << num(pr.lower) << ", " << num(pr.upper) << "] spans "
          << (log_like ? "a factor " : "") << num(spread)
          << (log_like ? " (above max_ratio "
                       : " x |estimate| (above "
                         "max_relative_width ")
          << num(limit) << ")";
    }
  }
  pr.identification = why.str();
  return pr;
}

std::string ParamList(const LawInfo& info, const std::vector<double>& p) {
  std::string out;
  for (int k = 0; k < info.num_params(); ++k)
    out += (k ? ", " : "") + info.params[k].name + " = " + FormatShort(p[k], 6);
  return out;
}

// The free non-linear parameters: what the profile check walks, and whose
// calibration scales the competing-basin check compares against.
std::vector<Target> CheckedTargets(const Context& cx) {
  const FitResult& fit = *cx.fit;
  const LawInfo& info = fit.law->info();
  std::vector<Target> targets;
  for (int k = 0; k < info.num_params(); ++k) {
    const ParamValue& pv = fit.params[k];
    if (pv.fixed || !pv.tied_to.empty() || info.params[k].linear) continue;
    targets.push_back(ParameterTarget(cx, pv.name));
  }
  return targets;
}

// Competing basins among the other polished starts (no solve). Replaces
// what an earlier call found, so running it twice adds nothing.
void AddCompetingBasins(const Context& cx, const std::vector<Target>& targets,
                        double level, FitResult* fit) {
  Diagnostics& dg = fit->diagnostics;
  const LawInfo& info = fit->law->info();
  dg.competing_basins.clear();
  dg.warnings.erase(std::remove_if(dg.warnings.begin(), dg.warnings.end(),
                                   [](const DiagnosticWarning& w) {
                                     return w.code == "competing_basin";
                                   }),
                    dg.warnings.end());
  if (fit->other_optima.empty()) return;
  double c = 0.0, t = 0.0;
  std::string name;
  for (const Target& tg : targets) {
    double ck, tk;
    try {
      Calibrate(cx, tg, level, &ck, &tk, &name);
    } catch (const Error&) {
      continue;
    }
    c = std::max(c, ck);
    t = tk;
  }
  if (!(c > 0.0)) return;
  for (const StartEnd& e : fit->other_optima) {
    const double dev = 2.0 * (e.objective / cx.weight_scale - cx.f_hat) / c;
    if (!(dev <= t)) continue;
    CompetingBasin cb;
    cb.params = e.params;
    cb.objective = e.objective;
    cb.deviance = dev;
    dg.competing_basins.push_back(cb);
  }
  if (dg.competing_basins.empty()) return;
  const CompetingBasin& cb = dg.competing_basins.front();
  dg.warnings.push_back(
      {"competing_basin",
       std::to_string(dg.competing_basins.size()) +
           " other optimum(s) fit these runs as well as the reported one "
           "(deviance " +
           FormatShort(cb.deviance, 4) + " <= " + FormatShort(t, 4) + ", the " +
           FormatShort(100 * level, 4) + "% threshold): the fit has " +
           ParamList(info, fit->values()) + "; another start ended at " +
           ParamList(info, cb.params) + " (objective " +
           FormatShort(cb.objective, 8) + " vs " +
           FormatShort(fit->objective, 8) +
           "). The data do not decide between them: add runs that "
           "separate them, or fix or tie a parameter"});
  dg.identified = false;
}

// The context of a result with data and computed diagnostics; false when
// there is nothing to check or no covariance (too few points: the design
// checks say so).
bool CheckContext(FitResult* fit, Context* cx) {
  if (!fit || !fit->has_data || !fit->data || !fit->diagnostics.computed)
    return false;
  try {
    *cx = MakeContext(*fit);
  } catch (const Error&) {
    return false;
  }
  // MakeContext keeps a pointer to the result: it must not move.
  cx->fit = fit;
  return true;
}

}  // namespace

void CheckCompetingBasins(FitResult* fit, double level) {
  if (!(level > 0.0 && level < 1.0))
    throw InvalidArgument("competing-basin check: level must be in (0, 1)");
  // Nothing to compare: no context (and no covariance) needed.
  if (!fit || fit->other_optima.empty()) return;
  Context cx;
  if (!CheckContext(fit, &cx)) return;
  AddCompetingBasins(cx, CheckedTargets(cx), level, fit);
}

void CheckIdentification(FitResult* fit, const ProfileOptions& o) {
  std::string why;
  if (!o.IsValid(&why))
    throw InvalidArgument("identification check: invalid options: " + why);
  if (fit && fit->diagnostics.profile_checked) return;  // already done
  Context cx;
  if (!CheckContext(fit, &cx)) return;
  Diagnostics& dg = fit->diagnostics;
  dg.profile_checked = true;
  const LawInfo& info = fit->law->info();

  // Weak identification of the free non-linear parameters.
  const std::vector<Target> targets = CheckedTargets(cx);
  std::vector<Profile> results(targets.size());
  std::vector<unsigned char> ran(targets.size(), 0);
  std::vector<std::string> errors(targets.size());
  detail::ParallelFor(
      static_cast<int>(targets.size()),
      detail::ResolveThreads(fit->options.num_threads), [&](int, int i) {
        const Target& t = targets[i];
        try {
          Profile quick;
          Walker w{cx, t, o};
          w.pr = &quick;
          Calibrate(cx, t, o.level, &w.scale, &w.threshold, &quick.calibration);
          const int P = static_cast<int>(cx.cov.names.size());
          const double var = cx.cov.matrix[t.param * P + t.param];
          const double u_hat = ToU(t, t.estimate);
          double se_u = std::sqrt(std::max(var, 0.0));
          if (t.positive) se_u /= std::abs(t.estimate);
          const double z = std::sqrt(w.threshold);
          bool flat = !(std::isfinite(se_u) && se_u > 0.0);
          bool wide = false;
          if (!flat) {
            const double half = z * se_u;
            wide = t.positive ? 2.0 * half > std::log(o.max_ratio)
                              : 2.0 * half >
                                    o.max_relative_width *
                                        std::max(std::abs(t.estimate), 1e-300);
            double implied = 0.0;  // width of the interval implied below
            for (int sgn : {-1, 1}) {
              double u = u_hat + sgn * std::min(half, o.max_span);
              const double bound = sgn > 0 ? t.upper : t.lower;
              if (std::isfinite(bound) &&
                  ((sgn > 0 && u >= bound) || (sgn < 0 && u <= bound)))
                u = bound - sgn * 1e-9 * (1.0 + std::abs(bound));
              const ProfilePoint pt = w.Point(u, fit->values());
              // A quadratic profile is at deviance t there; flatter than a
              // quarter of it (the Wald interval too narrow by > 2×), or
              // below the fit, calls for the full profile.
              if (pt.deviance < 0.25 * w.threshold) flat = true;
              // The end this side would have if the profile kept rising
              // quadratically from here: d grows as (u − û)².
              const double d = std::max(pt.deviance, 1e-300);
              implied += std::abs(u - u_hat) *
                         std::sqrt(std::max(1.0, w.threshold / d));
            }
            // An interval that, so extrapolated, exceeds the stated range
            // (a profile flatter on one side than the Wald interval says).
            wide = wide ||
                   (t.positive
                        ? implied > std::log(o.max_ratio)
                        : implied > o.max_relative_width *
                                        std::max(std::abs(t.estimate), 1e-300));
          }
          if (flat || wide || quick.better_point) {
            results[i] = RunProfile(cx, t, o);
            ran[i] = 1;
          }
        } catch (const Error& e) {
          errors[i] = e.what();
        }
      });
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!ran[i]) continue;
    const Profile& pr = results[i];
    if (pr.weakly_identified) {
      WeakParameter wp;
      wp.name = pr.name;
      wp.estimate = pr.estimate;
      wp.lower = pr.lower;
      wp.upper = pr.upper;
      wp.level = pr.level;
      wp.reason = pr.identification;
      dg.weak_parameters.push_back(wp);
      dg.warnings.push_back(
          {"weakly_identified",
           pr.identification +
               ". Estimates and plans that depend on it are not determined "
               "by these runs: add runs that move it (see the profile: "
               "fit.profile(\"" +
               pr.name + "\")), or fix it"});
      dg.identified = false;
    }
    if (pr.better_point) {
      double best = pr.objective;
      const ProfilePoint* at = nullptr;
      for (const ProfilePoint& p : pr.points)
        if (p.objective < best) {
          best = p.objective;
          at = &p;
        }
      if (at)
        dg.warnings.push_back(
            {"better_optimum",
             "the profile of " + pr.name + " reached a lower objective (" +
                 FormatShort(at->objective, 8) + " < " +
                 FormatShort(pr.objective, 8) + ") at " +
                 ParamList(info, at->params) +
                 ": the fit is not at its global optimum; refit from there "
                 "(init=...) or with more starts"});
      dg.identified = false;
    }
  }

  AddCompetingBasins(cx, targets, o.level, fit);
}

bool ProfileOptions::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (!(level > 0.0 && level < 1.0)) return fail("level must be in (0, 1)");
  if (max_steps < 1) return fail("max_steps must be >= 1");
  if (!(max_span > 0.0) || !std::isfinite(max_span))
    return fail("max_span must be finite and > 0");
  if (!(max_ratio > 1.0)) return fail("max_ratio must be > 1");
  if (!(max_relative_width > 0.0))
    return fail("max_relative_width must be > 0");
  if (const std::string p = detail::ThreadsProblem("num_threads", num_threads);
      !p.empty())
    return fail(p);
  return true;
}

Profile ProfileParameter(const FitResult& fit, const std::string& name,
                         const ProfileOptions& o) {
  std::string why;
  if (!o.IsValid(&why))
    throw InvalidArgument("profile: invalid options: " + why);
  const Context cx = MakeContext(fit);
  return RunProfile(cx, ParameterTarget(cx, name), o);
}

Profile ProfileDerived(const FitResult& fit, const std::string& name,
                       const ProfileOptions& o) {
  std::string why;
  if (!o.IsValid(&why))
    throw InvalidArgument("profile: invalid options: " + why);
  const Context cx = MakeContext(fit);
  return RunProfile(cx, DerivedTarget(cx, name), o);
}

IntervalTable ProfileConfInt(const FitResult& fit, const ProfileOptions& o,
                             const std::vector<std::string>& derived,
                             std::vector<Profile>* profiles) {
  std::string why;
  if (!o.IsValid(&why))
    throw InvalidArgument("profile: invalid options: " + why);
  const Context cx = MakeContext(fit);
  const LawInfo& info = fit.law->info();
  std::vector<Target> targets;
  std::vector<int> row_of_target;
  IntervalTable t;
  t.level = o.level;
  t.method = "profile";
  for (int k = 0; k < info.num_params(); ++k) {
    const ParamValue& pv = fit.params[k];
    t.names.push_back(pv.name);
    t.mean.push_back(pv.value);
    t.std_errors.push_back(cx.cov.std_errors[k]);
    t.log_scale.push_back(info.params[k].positive);
    t.lower.push_back(pv.value);
    t.upper.push_back(pv.value);
    if (pv.fixed) continue;
    if (!pv.tied_to.empty()) continue;  // filled from the leader below
    targets.push_back(ParameterTarget(cx, pv.name));
    row_of_target.push_back(k);
  }
  for (const std::string& d : derived) {
    targets.push_back(DerivedTarget(cx, d));
    row_of_target.push_back(t.num_rows());
    t.names.push_back(d);
    t.mean.push_back(targets.back().estimate);
    t.std_errors.push_back(WaldStdError(cx, targets.back()));
    t.log_scale.push_back(d != "a" && d != "b");
    t.lower.push_back(kNaN);
    t.upper.push_back(kNaN);
  }
  std::vector<Profile> out(targets.size());
  detail::ParallelFor(
      static_cast<int>(targets.size()), detail::ResolveThreads(o.num_threads),
      [&](int, int i) { out[i] = RunProfile(cx, targets[i], o); });
  for (size_t i = 0; i < targets.size(); ++i) {
    t.lower[row_of_target[i]] = out[i].lower;
    t.upper[row_of_target[i]] = out[i].upper;
  }
  // Tied followers carry their leader's interval.
  for (int k = 0; k < info.num_params(); ++k) {
    const ParamValue& pv = fit.params[k];
    if (pv.tied_to.empty()) continue;
    const int lead = info.ParamIndex(pv.tied_to);
    t.lower[k] = t.lower[lead];
    t.upper[k] = t.upper[lead];
  }
  if (profiles) *profiles = std::move(out);
  return t;
}

IntervalTable ConfIntByMethod(const FitResult& fit, const std::string& method,
                              double level, const std::vector<double>& budgets,
                              int num_threads) {
  if (method == "delta") return ConfInt(fit, level, budgets);
  if (method != "profile")
    throw UnknownName("unknown interval method '" + method +
                      "'; methods: delta, profile");
  detail::CheckBudgets(budgets, fit, "conf_int");
  std::vector<std::string> derived;
  if (detail::IsChinchilla(fit)) {
    // The delta method's names (DerivedNames): one spelling per budget.
    const std::vector<std::string> names = DerivedNames(budgets);
    derived = {"a", "b"};
    for (size_t i = 0; i < budgets.size(); ++i) {
      derived.push_back(names[3 + 4 * i]);  // N_opt@C
      derived.push_back(names[4 + 4 * i]);  // D_opt@C
    }
  }
  ProfileOptions o;
  o.level = level;
  o.num_threads = num_threads;
  return ProfileConfInt(fit, o, derived);
}

std::string Profile::BriefReport() const {
  std::ostringstream os;
  os << "Profile(" << name << "=" << FormatShort(estimate, 6) << ", "
     << FormatShort(100 * level, 4) << "% [" << FormatShort(lower, 6) << ", "
     << FormatShort(upper, 6) << "]";
  if (weakly_identified) os << ", WEAKLY IDENTIFIED";
  if (better_point) os << ", LOWER OBJECTIVE FOUND";
  os << ", " << points.size() << " points)";
  return os.str();
}

std::string Profile::FullReport() const {
  std::ostringstream os;
  os << "profile of " << name
     << " (objective re-minimised over the other "
        "free parameters)\n";
  os << "estimate " << FormatFull(estimate) << ", objective "
     << FormatFull(objective) << "\n";
  os << "calibration: " << calibration
     << "; deviance = 2 (f - f_hat) / c, c = " << FormatFull(scale)
     << "; threshold " << FormatFull(threshold) << " ("
     << FormatShort(100 * level, 4) << "%)\n";
  os << "interval: [" << FormatFull(lower) << " (" << lower_end << "), "
     << FormatFull(upper) << " (" << upper_end << ")]\n";
  if (weakly_identified) os << "WARNING: " << identification << "\n";
  if (better_point)
    os << "WARNING: a profile point has a lower objective than the fit: the "
          "fit is not at the global optimum\n";
  if (!all_converged)
    os << "WARNING: some local solves did not converge (marked 'no')\n";
  os << "points (" << name << ", objective, deviance, converged):\n";
  for (const ProfilePoint& p : points)
    os << "  " << FormatFull(p.value) << "  " << FormatFull(p.objective) << "  "
       << FormatFull(p.deviance) << "  " << (p.converged ? "yes" : "no")
       << "\n";
  return os.str();
}

}  // namespace scalefit
