#include "scalefit/allocation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "scalefit/diagnostics.hpp"
#include "scalefit/error.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kLogLimit = 700.0;  // search ranges in log space: e^±700

std::string Num(double v) { return FormatFull(v); }

void CheckFinitePositive(const std::string& what, double v) {
  if (!std::isfinite(v) || !(v > 0.0)) {
    throw InvalidArgument(what + " must be finite and > 0 (got " + Num(v) +
                          ")");
  }
}

/// Bisection on an increasing-crossing predicate: returns x in [lo, hi] with
/// s(x) changing sign, to double resolution. `s` may return ±inf but not NaN
/// (NaN counts as "above"). Requires s(lo) < 0 <= s(hi).
template <typename F>
double Bisect(F&& s, double lo, double hi) {
  for (int it = 0; it < 2000; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const double v = s(mid);
    if (v < 0.0) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

/// Brent's root finder (zeroin; Brent 1973, ch. 4) on [a, b] with
/// fa·fb < 0, to |x − x*| ≤ 4·eps·|x| + tol. Deterministic.
template <typename F>
double BrentRoot(F&& f, double a, double b, double fa, double fb,
                 double tol) {
  const double eps = std::numeric_limits<double>::epsilon();
  double c = a, fc = fa, d = b - a, e = d;
  for (int it = 0; it < 200; ++it) {
    if ((fb > 0) == (fc > 0)) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (std::abs(fc) < std::abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const double t = 2.0 * eps * std::abs(b) + 0.5 * tol;
    const double m = 0.5 * (c - b);
    if (std::abs(m) <= t || fb == 0.0) return b;
    if (std::abs(e) < t || std::abs(fa) <= std::abs(fb)) {
      d = e = m;
    } else {
      double p, q, r;
      const double s = fb / fa;
      if (a == c) {
        p = 2.0 * m * s;
        q = 1.0 - s;
      } else {
        q = fa / fc;
        r = fb / fc;
        p = s * (2.0 * m * q * (q - r) - (b - a) * (r - 1.0));
        q = (q - 1.0) * (r - 1.0) * (s - 1.0);
      }
      if (p > 0) {
        q = -q;
      } else {
        p = -p;
      }
      if (2.0 * p < std::min(3.0 * m * q - std::abs(t * q), std::abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = e = m;
      }
    }
    a = b;
    fa = fb;
    b += std::abs(d) > t ? d : (m > 0 ? t : -t);
    fb = f(b);
  }
  return b;
}

/// 7-point central difference (6th order) of f at u with step h.
template <typename F>
double Derivative7(F&& f, double u, double h) {
  return (-f(u - 3 * h) + 9 * f(u - 2 * h) - 45 * f(u - h) + 45 * f(u + h) -
          9 * f(u + 2 * h) + f(u + 3 * h)) /
         (60.0 * h);
}

/// Golden-section minimiser of f on [a, b] (to ~1e-15 relative in u; f's
/// resolution limits it to ~sqrt(eps) for smooth minima).
template <typename F>
double GoldenSection(F&& f, double a, double b) {
  const double r = 0.5 * (std::sqrt(5.0) - 1.0);
  double c = b - r * (b - a), d = a + r * (b - a);
  double fc = f(c), fd = f(d);
  for (int it = 0; it < 200 && (b - a) > 1e-15 * (1.0 + std::abs(a)); ++it) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  return 0.5 * (a + b);
}

/// Minimiser of a unimodal f on [lo, hi]: a 65-point scan, then the root of
/// f' (7-point difference, step h) by Brent in the bracket around the best
/// scan point, checked against golden section on f within ±4h (kinks), or
/// golden section alone where f' does not change sign. Non-finite f counts
/// as +inf. Throws NotIdentified(edge_message) when the best scan point is
/// an end point of [lo, hi].
template <typename F>
double Minimize1D(F&& f, double lo, double hi, double h,
                  const std::string& edge_message) {
  constexpr int kGrid = 64;
  double best = std::numeric_limits<double>::infinity();
  int ibest = -1;
  std::vector<double> u(kGrid + 1);
  for (int i = 0; i <= kGrid; ++i) {
    u[i] = lo + (hi - lo) * (static_cast<double>(i) / kGrid);
    const double v = f(u[i]);
    if (std::isfinite(v) && v < best) {
      best = v;
      ibest = i;
    }
  }
  if (ibest < 0) {
    throw NotIdentified("the law is not finite anywhere on the search range");
  }
  if (ibest == 0 || ibest == kGrid) throw NotIdentified(edge_message);
  double a = u[ibest - 1], b = u[ibest + 1];
  auto g = [&](double x) { return Derivative7(f, x, h); };
  const double ga = g(a), gb = g(b);
  if (std::isfinite(ga) && std::isfinite(gb) && ga < 0.0 && gb > 0.0) {
    const double root = BrentRoot(g, a, b, ga, gb, 1e-15);
    // A kink within ±3h (e.g. a min/max in the law, as in the
    // data-constrained law exactly at the compute-optimal point) biases the
    // smoothed derivative's root; golden section on f itself finds the kink.
    // Keep the root unless f is clearly lower elsewhere in the window.
    const double w = GoldenSection(f, root - 4 * h, root + 4 * h);
    const double f_root = f(root);
    return f(w) < f_root - 1e-12 * std::abs(f_root) ? w : root;
  }
  return GoldenSection(f, a, b);
}

// ---------------------------------------------------------------------------
// The law restricted to (N, D)
// ---------------------------------------------------------------------------

/// L(N, D) of a result with the other inputs held fixed, and the reducible
/// part R = L − (additive offset parameters), evaluated without the offset
/// so that differences keep full relative precision.
class LawSlice {
 public:
  LawSlice(const FitResult& result, const AllocationOptions& options) {
    if (!result.law) throw InvalidArgument("the result has no law");
    law_ = result.law.get();
    const LawInfo& info = law_->info();
    iN_ = info.FindInput("N");
    iD_ = info.FindInput("D");
    if (iN_ < 0 || iD_ < 0) {
      std::string ins;
      for (const auto& n : info.input_names) ins += (ins.empty() ? "" : ", ") + n;
      throw InvalidArgument("allocation needs a law with inputs N and D; law '" +
                            info.name + "' has inputs: " + ins);
    }
    for (const auto& [name, v] : options.other_inputs) {
      const int j = info.FindInput(name);
      if (j < 0) {
        throw UnknownName("other_inputs: unknown input '" + name +
                          "' for law '" + info.name + "'");
      }
      if (j == iN_ || j == iD_) {
        throw InvalidArgument("other_inputs: '" + name +
                              "' is allocated, it cannot be held fixed");
      }
      CheckFinitePositive("other_inputs['" + name + "']", v);
    }
    x_.assign(info.num_inputs(), 0.0);
    for (int j = 0; j < info.num_inputs(); ++j) {
      if (j == iN_ || j == iD_) continue;
      auto it = options.other_inputs.find(info.input_names[j]);
      if (it == options.other_inputs.end()) {
        throw InvalidArgument("allocation: law '" + info.name +
                              "' has input '" + info.input_names[j] +
                              "' besides N and D; give its value in "
                              "other_inputs");
      }
      x_[j] = it->second;
    }
    p_ = result.values();
    if (static_cast<int>(p_.size()) != info.num_params()) {
      throw InvalidArgument("the result has " + std::to_string(p_.size()) +
                            " parameters; law '" + info.name + "' needs " +
                            std::to_string(info.num_params()));
    }
    for (size_t k = 0; k < p_.size(); ++k) {
      if (!std::isfinite(p_[k])) {
        throw InvalidArgument("parameter '" + info.params[k].name +
                              "' is not finite");
      }
    }
    FindOffsets();
    is_chinchilla_ = info.name == laws::Chinchilla::kName &&
                     info.formula == laws::Chinchilla::kFormula &&
                     info.param_names() == std::vector<std::string>{
                                               "E", "A", "B", "alpha", "beta"};
  }

  const std::vector<double>& params() const { return p_; }
  bool is_chinchilla() const { return is_chinchilla_; }
  double offset() const { return offset_; }
  const std::string& law_name() const { return law_->info().name; }

  double Loss(double N, double D) const { return Eval(p_, N, D); }
  /// L − offset, from logs.
  double Reducible(double log_N, double log_D) const {
    return Eval(q_, std::exp(log_N), std::exp(log_D));
  }

  /// lim L as N, D → ∞ (see LawFloor).
  double Floor() const {
    if (is_chinchilla_) return p_[0];
    for (double big : {1e300, 1e200, 1e100}) {
      const double r = Eval(q_, big, big);
      if (std::isfinite(r)) return offset_ + r;
    }
    throw NotIdentified("law '" + law_name() +
                        "' is not finite at N = D = 1e100: no floor");
  }

 private:
  double Eval(const std::vector<double>& p, double N, double D) const {
    std::vector<double>& x = scratch_;
    x = x_;
    x[iN_] = N;
    x[iD_] = D;
    return law_->Evaluate(p.data(), x.data());
  }

  /// Additive offsets: parameters with ∂L/∂p_k = 1 exactly at two probes
  /// and L(p_k = 0) = L − p_k there.
  void FindOffsets() {
    const int P = static_cast<int>(p_.size());
    q_ = p_;
    offset_ = 0.0;
    const double probes[2][2] = {{1e9, 2e10}, {3e6, 1e12}};
    std::vector<double> grad(P);
    std::vector<std::vector<double>> grads;
    for (const auto& pr : probes) {
      std::vector<double> x = x_;
      x[iN_] = pr[0];
      x[iD_] = pr[1];
      law_->ValueAndGradient(p_.data(), x.data(), grad.data());
      grads.push_back(grad);
    }
    for (int k = 0; k < P; ++k) {
      if (grads[0][k] != 1.0 || grads[1][k] != 1.0) continue;
      std::vector<double> z = q_;
      z[k] = 0.0;
      bool ok = true;
      for (const auto& pr : probes) {
        const double full = Eval(q_, pr[0], pr[1]);
        const double without = Eval(z, pr[0], pr[1]);
        if (!std::isfinite(without) ||
            std::abs((full - without) - q_[k]) > 1e-12 * std::abs(full)) {
          ok = false;
        }
      }
      if (ok) {
        offset_ += q_[k];
        q_ = z;
      }
    }
  }

  const LawModel* law_ = nullptr;
  int iN_ = -1, iD_ = -1;
  std::vector<double> x_;
  std::vector<double> p_, q_;  // q_: offsets set to 0
  double offset_ = 0.0;
  bool is_chinchilla_ = false;
  mutable std::vector<double> scratch_;
};

enum class Method { kAuto, kClosedForm, kNumeric };

Method ParseMethod(const std::string& m) {
  if (m == "auto") return Method::kAuto;
  if (m == "closed_form") return Method::kClosedForm;
  if (m == "numeric") return Method::kNumeric;
  throw UnknownName("unknown allocation method '" + m +
                    "'; valid methods: auto, closed_form, numeric");
}

/// True when the closed form is used; throws if closed_form is asked for
/// where it does not apply.
bool UseClosedForm(const LawSlice& s, const FlopModel& flops,
                   const AllocationOptions& o) {
  const Method m = ParseMethod(o.method);
  const bool applies = s.is_chinchilla() && flops.is_six_nd();
  if (m == Method::kClosedForm && !applies) {
    throw InvalidArgument(
        "method 'closed_form' needs the chinchilla law and the 6ND FLOP "
        "model (got law '" + s.law_name() + "', FLOPs '" + flops.name() +
        "'); use method 'numeric' or 'auto'");
  }
  return m == Method::kNumeric ? false : applies;
}

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
  if (!std::isfinite(a.loss_opt) || !std::isfinite(N) || !std::isfinite(D)) {
    throw NotIdentified("allocation at C = " + Num(C) +
                        " is not finite (N = " + Num(N) + ", D = " + Num(D) +
                        ")");
  }
  return a;
}

Allocation ClosedFormAt(const LawSlice& s, const FlopModel& flops,
                        double log_C, double C) {
  const auto& p = s.params();
  const auto f = ChinchillaFrontierAtLogCk(p[0], p[1], p[2], p[3], p[4],
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
    throw InvalidArgument("budget C = " + Num(C) +
                          " FLOPs is below FLOPs(N = 1, D = 1) under '" +
                          flops.name() + "': nothing to allocate");
  }
  auto f = [&](double u) {
    return s.Reducible(u, LogTokensAt(flops, u, log_C));
  };
  const double u = Minimize1D(
      f, 0.0, hi, 0.02,
      "no interior compute-optimal allocation at C = " + Num(C) +
          ": law '" + s.law_name() +
          "' keeps decreasing towards N = 1 or D = 1 (check the fitted "
          "exponents)");
  const double N = std::exp(u);
  const double D = flops.is_six_nd() ? C / (flops.k() * N)
                                     : std::exp(LogTokensAt(flops, u, log_C));
  return MakeAllocation(s, flops, C, N, D, "numeric");
}

Allocation AllocateOne(const LawSlice& s, const FlopModel& flops, double C,
                       bool closed, const std::string& where) {
  if (!std::isfinite(C) || !(C > 0.0)) {
    throw InvalidArgument("compute budget C" + where +
                          " must be finite and > 0 (got " + Num(C) + ")");
  }
  const double log_C = std::log(C);
  return closed ? ClosedFormAt(s, flops, log_C, C)
                : NumericAt(s, flops, log_C, C);
}

std::string RowText(size_t i) {
  return " at row " + std::to_string(i) + " (0-based)";
}

AllocationTable NewTable(const char* kind, const LawSlice& s,
                         const FitResult& r, const FlopModel& flops,
                         bool closed) {
  AllocationTable t;
  t.kind = kind;
  t.law = s.law_name();
  t.flop_convention = flops.name();
  t.flop_description = flops.description();
  t.method = closed ? "closed_form" : "numeric";
  t.has_data = r.has_data;
  return t;
}

void Append(AllocationTable* t, const Allocation& a) {
  t->C.mean.push_back(a.C);
  t->N_opt.mean.push_back(a.N_opt);
  t->D_opt.mean.push_back(a.D_opt);
  t->tokens_per_param.mean.push_back(a.tokens_per_param);
  t->loss_opt.mean.push_back(a.loss_opt);
}

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
                          Num(target) + ")");
  }
  const double floor = s.Floor();
  if (!(target > floor)) {
    throw NotIdentified(
        "target loss " + Num(target) + where +
        " is at or below the law's floor " +
        (s.is_chinchilla() ? std::string("E = ") : std::string("L(∞, ∞) = ")) +
        Num(floor) + ": no finite compute reaches it");
  }
}

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
      throw NotIdentified("target loss " + Num(target) + where +
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
    throw NotIdentified("target loss " + Num(target) + where +
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
          "target loss " + Num(target) + where +
          " is above the compute-optimal loss at the smallest budget "
          "searched (C = " + Num(std::exp(lo)) + " FLOPs): any budget reaches it");
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
                          " must be finite and > 0 (got " + Num(C) + ")");
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
      throw InvalidArgument("no N with FLOPs(N, " + Num(r) + "·N) = " + Num(C) +
                            " under '" + flops.name() + "'");
    }
    N = std::exp(Bisect(g, -kLogLimit, kLogLimit));
    D = r * N;
  }
  Allocation a = MakeAllocation(s, flops, C, N, D, "closed_form");
  if (!flops.is_six_nd()) a.method = "numeric";
  return a;
}

}  // namespace

// ---------------------------------------------------------------------------
// FlopModel
// ---------------------------------------------------------------------------

FlopModel FlopModel::SixND(double k) {
  if (!std::isfinite(k) || !(k > 0.0)) {
    throw InvalidArgument("FLOPs per parameter per token k must be finite and "
                          "> 0 (got " + Num(k) + ")");
  }
  FlopModel m;
  m.kind_ = Kind::kSixND;
  m.k_ = k;
  m.name_ = k == 6.0 ? flops::ToString(flops::FlopConvention::k6ND)
                     : "kND (k = " + Num(k) + ")";
  m.description_ = "C = k·N·D, k = " + Num(k) +
                   " FLOPs per parameter per token";
  return m;
}

FlopModel FlopModel::PerToken(const std::string& name,
                              std::function<double(double)> flops_per_token,
                              const std::string& description) {
  if (name.empty()) throw InvalidArgument("FlopModel name must be non-empty");
  if (!flops_per_token) {
    throw InvalidArgument("FlopModel '" + name + "': no function given");
  }
  FlopModel m;
  m.kind_ = Kind::kPerToken;
  m.k_ = kNaN;
  m.name_ = name;
  m.description_ =
      description.empty() ? "C = f(N)·D (user per-token FLOPs)" : description;
  m.per_token_ = std::move(flops_per_token);
  return m;
}

FlopModel FlopModel::General(const std::string& name,
                             std::function<double(double, double)> flops,
                             const std::string& description) {
  if (name.empty()) throw InvalidArgument("FlopModel name must be non-empty");
  if (!flops) throw InvalidArgument("FlopModel '" + name + "': no function given");
  FlopModel m;
  m.kind_ = Kind::kGeneral;
  m.k_ = kNaN;
  m.name_ = name;
  m.description_ = description.empty() ? "C = g(N, D) (user FLOP model)"
                                       : description;
  m.general_ = std::move(flops);
  return m;
}

FlopModel FlopModel::FromConvention(const std::string& convention, double k) {
  const flops::FlopConvention c = flops::ParseFlopConvention(convention);
  if (c == flops::FlopConvention::k6ND) return SixND(k);
  throw InvalidArgument(
      "FLOP convention \"" + convention +
      "\" depends on the architecture, not on N and D alone, so it cannot "
      "define an N/D allocation; use \"6ND\", or FlopModel::PerToken with "
      "flops::KaplanTrainingFlops / HoffmannTrainingFlops for a fixed "
      "architecture family");
}

double FlopModel::Flops(double N, double D) const {
  switch (kind_) {
    case Kind::kSixND:
      return k_ * N * D;
    case Kind::kPerToken:
      return per_token_(N) * D;
    case Kind::kGeneral:
      return general_(N, D);
  }
  return kNaN;
}

double FlopModel::LogTokens(double log_N, double log_C) const {
  switch (kind_) {
    case Kind::kSixND:
      return log_C - std::log(k_) - log_N;
    case Kind::kPerToken: {
      const double f = per_token_(std::exp(log_N));
      return f > 0.0 && std::isfinite(f) ? log_C - std::log(f) : kNaN;
    }
    case Kind::kGeneral: {
      const double N = std::exp(log_N);
      auto s = [&](double y) {
        const double c = general_(N, std::exp(y));
        return std::isnan(c) ? kNaN : std::log(c) - log_C;
      };
      if (!(s(-kLogLimit) < 0.0) || !(s(kLogLimit) >= 0.0)) return kNaN;
      return Bisect(s, -kLogLimit, kLogLimit);
    }
  }
  return kNaN;
}

double FlopModel::MaxLogParams(double log_C) const {
  if (kind_ == Kind::kSixND) return log_C - std::log(k_);
  auto s = [&](double x) {
    const double c = Flops(std::exp(x), 1.0);
    return std::isnan(c) ? kNaN : std::log(c) - log_C;
  };
  if (!(s(-kLogLimit) < 0.0) || !(s(kLogLimit) >= 0.0)) return kNaN;
  return Bisect(s, -kLogLimit, kLogLimit);
}

// ---------------------------------------------------------------------------
// AllocationTable
// ---------------------------------------------------------------------------

std::vector<std::string> AllocationTable::ColumnNames() {
  return {"C", "N_opt", "D_opt", "tokens_per_param", "loss_opt"};
}

const AllocationColumn& AllocationTable::column(const std::string& name) const {
  if (name == "C") return C;
  if (name == "N_opt") return N_opt;
  if (name == "D_opt") return D_opt;
  if (name == "tokens_per_param") return tokens_per_param;
  if (name == "loss_opt") return loss_opt;
  throw UnknownName("unknown allocation column '" + name +
                    "'; columns: C, N_opt, D_opt, tokens_per_param, loss_opt");
}

AllocationColumn& AllocationTable::column(const std::string& name) {
  return const_cast<AllocationColumn&>(
      static_cast<const AllocationTable*>(this)->column(name));
}

Allocation AllocationTable::row(int i) const {
  if (i < 0 || i >= num_rows()) {
    throw InvalidArgument("row " + std::to_string(i) + " out of range [0, " +
                          std::to_string(num_rows()) + ")");
  }
  Allocation a;
  a.C = C.mean[i];
  a.N_opt = N_opt.mean[i];
  a.D_opt = D_opt.mean[i];
  a.tokens_per_param = tokens_per_param.mean[i];
  a.loss_opt = loss_opt.mean[i];
  a.flop_convention = flop_convention;
  a.method = method;
  return a;
}

std::string AllocationTable::BriefReport() const {
  std::ostringstream os;
  os << "AllocationTable(" << kind << ", law " << law << ", " << num_rows()
     << (num_rows() == 1 ? " row" : " rows");
  if (num_rows() > 0) {
    const auto [lo, hi] = std::minmax_element(C.mean.begin(), C.mean.end());
    os << ", C " << FormatShort(*lo, 3);
    if (*hi != *lo) os << ".." << FormatShort(*hi, 3);
  }
  os << ", FLOPs " << flop_convention;
  if (N_opt.has_interval()) os << ", " << FormatShort(100 * level, 3) << "% intervals";
  os << ")";
  return os.str();
}

std::string AllocationTable::FullReport() const {
  std::ostringstream os;
  os << "Allocation (" << kind << ") for law " << law
     << (has_data ? " (fitted to data)"
                  : " (given parameters: no data, no uncertainty)")
     << "\n";
  os << "FLOP convention: " << flop_convention << " (" << flop_description
     << ")\n";
  os << "method: " << method << "\n";
  if (!warning.empty()) os << warning;
  if (std::isfinite(tokens_per_param_fixed)) {
    os << "fixed tokens per parameter: " << Num(tokens_per_param_fixed) << "\n";
  }
  const bool iv = N_opt.has_interval() || C.has_interval();
  if (iv) {
    os << "intervals: " << Num(level) << " (" << interval_method
       << "), shown as value [lower, upper]\n";
  } else {
    os << "intervals: none\n";
  }
  os << "units: C in FLOPs, N in parameters, D in tokens (plain counts)\n";
  std::vector<std::string> names = ColumnNames();
  const bool has_target = !target_loss.empty();
  if (has_target) names.insert(names.begin(), "target_loss");
  for (size_t j = 0; j < names.size(); ++j) os << (j ? "\t" : "") << names[j];
  os << "\n";
  for (int i = 0; i < num_rows(); ++i) {
    bool first = true;
    if (has_target) {
      os << Num(target_loss[i]);
      first = false;
    }
    for (const auto& n : ColumnNames()) {
      const AllocationColumn& c = column(n);
      os << (first ? "" : "\t") << Num(c.mean[i]);
      if (c.has_interval()) {
        os << " [" << Num(c.lower[i]) << ", " << Num(c.upper[i]) << "]";
      }
      first = false;
    }
    os << "\n";
  }
  return os.str();
}

std::string InferenceAwarePlan::Report() const {
  std::ostringstream os;
  os << "Inference-aware plan (Sardana & Frankle 2023)\n"
     << "FLOP convention: " << flop_convention << "\n"
     << "target loss: " << Num(target_loss) << "\n"
     << "inference tokens: " << Num(inference_tokens) << "\n"
     << "N: " << Num(N_opt) << "\nD: " << Num(D_opt)
     << "\ntokens per parameter: " << Num(tokens_per_param)
     << "\ntraining FLOPs: " << Num(training_flops)
     << "\ninference FLOPs: " << Num(inference_flops)
     << "\ntotal FLOPs: " << Num(total_flops)
     << "\ncompute-optimal plan for the same loss: N " << Num(chinchilla_N)
     << ", D " << Num(chinchilla_D) << ", total FLOPs "
     << Num(chinchilla_total_flops) << "\n";
  return os.str();
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

double LawFloor(const FitResult& result, const AllocationOptions& options) {
  return LawSlice(result, options).Floor();
}

Allocation ComputeOptimal(const FitResult& result, double C,
                          const FlopModel& flops,
                          const AllocationOptions& options) {
  RequireIdentified(result, options.allow_unidentified);
  const LawSlice s(result, options);
  Allocation a = AllocateOne(s, flops, C, UseClosedForm(s, flops, options), "");
  a.warning = UnidentifiedNote(result);
  return a;
}

AllocationTable ComputeOptimal(const FitResult& result,
                               const std::vector<double>& C,
                               const FlopModel& flops,
                               const AllocationOptions& options) {
  RequireIdentified(result, options.allow_unidentified);
  const LawSlice s(result, options);
  const bool closed = UseClosedForm(s, flops, options);
  AllocationTable t = NewTable("compute_optimal", s, result, flops, closed);
  t.warning = UnidentifiedNote(result);
  for (size_t i = 0; i < C.size(); ++i) {
    Append(&t, AllocateOne(s, flops, C[i], closed, RowText(i)));
  }
  return t;
}

Allocation LossToCompute(const FitResult& result, double target_loss,
                         const FlopModel& flops,
                         const AllocationOptions& options) {
  RequireIdentified(result, options.allow_unidentified);
  const LawSlice s(result, options);
  Allocation a = LossToComputeOne(s, flops, target_loss,
                                  UseClosedForm(s, flops, options), "");
  a.warning = UnidentifiedNote(result);
  return a;
}

AllocationTable LossToCompute(const FitResult& result,
                              const std::vector<double>& target_loss,
                              const FlopModel& flops,
                              const AllocationOptions& options) {
  RequireIdentified(result, options.allow_unidentified);
  const LawSlice s(result, options);
  const bool closed = UseClosedForm(s, flops, options);
  AllocationTable t = NewTable("loss_to_compute", s, result, flops, closed);
  t.warning = UnidentifiedNote(result);
  for (size_t i = 0; i < target_loss.size(); ++i) {
    Append(&t, LossToComputeOne(s, flops, target_loss[i], closed, RowText(i)));
    t.target_loss.push_back(target_loss[i]);
  }
  return t;
}

Allocation PlanAtRatio(const FitResult& result, double C,
                       double tokens_per_param, const FlopModel& flops,
                       const AllocationOptions& options) {
  CheckFinitePositive("tokens_per_param", tokens_per_param);
  const LawSlice s(result, options);
  return PlanAtRatioOne(s, flops, C, tokens_per_param, "");
}

AllocationTable PlanAtRatio(const FitResult& result,
                            const std::vector<double>& C,
                            double tokens_per_param, const FlopModel& flops,
                            const AllocationOptions& options) {
  CheckFinitePositive("tokens_per_param", tokens_per_param);
  const LawSlice s(result, options);
  AllocationTable t = NewTable("plan_at_ratio", s, result, flops,
                               flops.is_six_nd());
  t.tokens_per_param_fixed = tokens_per_param;
  for (size_t i = 0; i < C.size(); ++i) {
    Append(&t, PlanAtRatioOne(s, flops, C[i], tokens_per_param, RowText(i)));
  }
  return t;
}

InferenceAwarePlan InferenceAware(const FitResult& result, double target_loss,
                                  double inference_tokens,
                                  const FlopModel& flops,
                                  double inference_flops_per_param,
                                  const AllocationOptions& options) {
  if (!std::isfinite(inference_tokens) || !(inference_tokens >= 0.0)) {
    throw InvalidArgument("inference_tokens must be finite and >= 0 (got " +
                          Num(inference_tokens) + ")");
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
                           Num(target_loss));
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
