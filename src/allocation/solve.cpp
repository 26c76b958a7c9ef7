// The one-point solvers of allocation: the compute-optimal plan at a
// budget (closed form for Chinchilla under kND, else a 1-D search over
// log N), its inverse for a target loss, and the plan at a fixed ratio.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "allocation/allocation_internal.hpp"
#include "scalefit/detail/roots.hpp"
#include "scalefit/error.hpp"
#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/report.hpp"

namespace scalefit::detail {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Method { kAuto, kClosedForm, kNumeric };

Method ParseMethod(const std::string& m) {
  if (m == "auto") return Method::kAuto;
  if (m == "closed_form") return Method::kClosedForm;
  if (m == "numeric") return Method::kNumeric;
  throw UnknownName("unknown allocation method '" + m +
                    "'; valid methods: auto, closed_form, numeric");
}

}  // namespace

bool UseClosedForm(const LawSlice& s, const FlopModel& flops,
                   const AllocationOptions& o) {
  const Method m = ParseMethod(o.method);
  const bool applies = s.is_chinchilla() && flops.is_six_nd();
  if (m == Method::kClosedForm && !applies) {
    throw InvalidArgument(
        "method 'closed_form' needs the chinchilla law and the 6ND FLOP "
        "model (got law '" +
        s.law_name() + "', FLOPs '" + flops.name() +
        "'); use method 'numeric' or 'auto'");
  }
  return m == Method::kNumeric ? false : applies;
}

namespace {

Allocation MakeAllocation(const LawSlice& s, const FlopModel& flops, double C,
                          double N, double D, const char* method) {
  Allocation a;
  a.C = C;
  a.N_opt = N;
  a.D_opt = D;
  a.tokens_per_param = D / N;
  a.loss_opt = s.Loss(N, D);
  a.flop_convention = flops.name();
  a.method = method;
  if (!std::isfinite(a.loss_opt) || !std::isfinite(N) || !std::isfinite(D) ||
      !(N > 0.0) || !(D > 0.0)) {
    throw NotIdentified(
        "allocation at C = " + FormatFull(C) + " is degenerate (N = " +
        FormatFull(N) + ", D = " + FormatFull(D) + "): law '" + s.law_name() +
        "' at these parameters does not trade parameters against tokens (an "
        "exponent or a coefficient of its N or D term is 0 or too small to "
        "matter), so no compute-optimal split exists; check the fit's "
        "parameters and diagnostics");
  }
  return a;
}

Allocation ClosedFormAt(const LawSlice& s, const FlopModel& flops, double log_C,
                        double C) {
  const auto& p = s.params();
  // N_opt = G (C/6)^(beta/(alpha+beta)), G = (alpha A / (beta B))^(1/(alpha+
  // beta)): an exponent at (or numerically) 0 sends N or D to 0.
  const double alpha = p[3], beta = p[4];
  const double kTiny = 1e-12;
  if (!(alpha > kTiny) || !(beta > kTiny)) {
    const bool a0 = !(alpha > kTiny);
    throw NotIdentified(
        "allocation at C = " + FormatFull(C) + ": " +
        (a0 ? "alpha = " + FormatFull(alpha) : "beta = " + FormatFull(beta)) +
        " is (numerically) 0, so the loss does not improve with " +
        (a0 ? "N" : "D") +
        " and the compute-optimal plan puts every FLOP "
        "into " +
        (a0 ? "tokens (N -> 0)" : "parameters (D -> 0)") +
        "; the fit does not identify an allocation (see its diagnostics)");
  }
  const auto f = ChinchillaFrontierAtLogCk(p[0], p[1], p[2], alpha, beta,
                                           log_C - std::log(flops.k()));
  return MakeAllocation(s, flops, C, f.N_opt, f.D_opt, "closed_form");
}

/// log D(u) under the FLOP model (u = log N).
double LogTokensAt(const FlopModel& flops, double u, double log_C) {
  return flops.LogTokens(u, log_C);
}

Allocation NumericAt(const LawSlice& s, const FlopModel& flops, double log_C,
                     double C) {
  const double hi = flops.MaxLogParams(log_C);
  if (!(hi > 0.0)) {
    throw InvalidArgument("budget C = " + FormatFull(C) +
                          " FLOPs is below FLOPs(N = 1, D = 1) under '" +
                          flops.name() + "': nothing to allocate");
  }
  auto f = [&](double u) {
    return s.Reducible(u, LogTokensAt(flops, u, log_C));
  };
  const double u = Minimize1D(
      f, 0.0, hi, 0.02,
      "no interior compute-optimal allocation at C = " + FormatFull(C) +
          ": law '" + s.law_name() +
          "' keeps decreasing towards N = 1 or D = 1 (check the fitted "
          "exponents)");
  const double N = std::exp(u);
  const double D = flops.is_six_nd() ? C / (flops.k() * N)
                                     : std::exp(LogTokensAt(flops, u, log_C));
  return MakeAllocation(s, flops, C, N, D, "numeric");
}

}  // namespace

Allocation AllocateOne(const LawSlice& s, const FlopModel& flops, double C,
                       bool closed, const std::string& where) {
  if (!std::isfinite(C) || !(C > 0.0)) {
    throw InvalidArgument("compute budget C" + where +
                          " must be finite and > 0 (got " + FormatFull(C) +
                          ")");
  }
  const double log_C = std::log(C);
  return closed ? ClosedFormAt(s, flops, log_C, C)
                : NumericAt(s, flops, log_C, C);
}

namespace {

/// Reducible loss on the frontier at log C.
double FrontierReducible(const LawSlice& s, const FlopModel& flops,
                         double log_C, bool closed) {
  const Allocation a = closed ? ClosedFormAt(s, flops, log_C, std::exp(log_C))
                              : NumericAt(s, flops, log_C, std::exp(log_C));
  return s.Reducible(std::log(a.N_opt), std::log(a.D_opt));
}

void CheckTarget(const LawSlice& s, double target, const std::string& where) {
  if (!std::isfinite(target)) {
    throw InvalidArgument("target loss" + where + " must be finite (got " +
                          FormatFull(target) + ")");
  }
  const double floor = s.Floor();
  if (!(target > floor)) {
    throw NotIdentified(
        "target loss " + FormatFull(target) + where +
        " is at or below the law's floor " +
        (s.is_chinchilla() ? std::string("E = ") : std::string("L(∞, ∞) = ")) +
        FormatFull(floor) + ": no finite compute reaches it");
  }
}

}  // namespace

Allocation LossToComputeOne(const LawSlice& s, const FlopModel& flops,
                            double target, bool closed,
                            const std::string& where) {
  CheckTarget(s, target, where);
  if (closed) {
    const auto& p = s.params();
    const double log_Ck =
        ChinchillaLogComputeForLoss(p[0], p[1], p[2], p[3], p[4], target);
    const double log_C = log_Ck + std::log(flops.k());
    if (!(log_C < std::log(std::numeric_limits<double>::max()))) {
      throw NotIdentified("target loss " + FormatFull(target) + where +
                          " needs more than 1.8e308 FLOPs");
    }
    return ClosedFormAt(s, flops, log_C, std::exp(log_C));
  }
  const double target_r = target - s.offset();
  const double log_hi = std::log(1e300);
  auto h = [&](double lc) {
    return FrontierReducible(s, flops, lc, false) - target_r;
  };
  const double h_hi = h(log_hi);
  if (!(h_hi < 0.0)) {
    throw NotIdentified("target loss " + FormatFull(target) + where +
                        " is not reached with C ≤ 1e300 FLOPs");
  }
  // Walk down in steps of 1e5 until the frontier is above the target.
  const double log_min = std::log(flops.Flops(1.0, 1.0)) + std::log(10.0);
  double hi = log_hi, lo = log_hi, h_lo = h_hi;
  while (h_lo < 0.0) {
    hi = lo;
    lo = std::max(lo - 5.0 * std::log(10.0), log_min);
    try {
      h_lo = h(lo);
    } catch (const NotIdentified&) {
      h_lo = kNaN;
    }
    if (!std::isfinite(h_lo) || (h_lo < 0.0 && lo <= log_min)) {
      throw NotIdentified(
          "target loss " + FormatFull(target) + where +
          " is above the compute-optimal loss at the smallest budget "
          "searched (C = " +
          FormatFull(std::exp(lo)) + " FLOPs): any budget reaches it");
    }
  }
  const double h_up = h(hi);
  const double lc = BrentRoot(h, lo, hi, h_lo, h_up, 1e-14);
  return NumericAt(s, flops, lc, std::exp(lc));
}

Allocation PlanAtRatioOne(const LawSlice& s, const FlopModel& flops, double C,
                          double r, const std::string& where) {
  if (!std::isfinite(C) || !(C > 0.0)) {
    throw InvalidArgument("compute budget C" + where +
                          " must be finite and > 0 (got " + FormatFull(C) +
                          ")");
  }
  const double log_C = std::log(C);
  double N, D;
  if (flops.is_six_nd()) {
    const double log_N = 0.5 * (log_C - std::log(flops.k()) - std::log(r));
    N = std::exp(log_N);
    D = r * N;
  } else {
    const double log_r = std::log(r);
    auto g = [&](double x) {
      const double c = flops.Flops(std::exp(x), std::exp(x + log_r));
      return std::isnan(c) ? kNaN : std::log(c) - log_C;
    };
    if (!(g(-kLogLimit) < 0.0) || !(g(kLogLimit) >= 0.0)) {
      throw InvalidArgument("no N with FLOPs(N, " + FormatFull(r) + "·N) = " +
                            FormatFull(C) + " under '" + flops.name() + "'");
    }
    N = std::exp(Bisect(g, -kLogLimit, kLogLimit));
    D = r * N;
  }
  Allocation a = MakeAllocation(s, flops, C, N, D, "closed_form");
  if (!flops.is_six_nd()) a.method = "numeric";
  return a;
}

}  // namespace scalefit::detail
