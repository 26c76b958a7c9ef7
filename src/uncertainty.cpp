#include "scalefit/uncertainty.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

#include <Eigen/Dense>
// Only the Jet type (not the solver): the delta method differentiates the
// templated closed forms of allocation.hpp.
#include <ceres/jet.h>

#include "scalefit/detail/parallel.hpp"
#include "scalefit/error.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Num(double v) { return FormatShort(v, 6); }

}  // namespace

// ---------------------------------------------------------------------------
// Basics
// ---------------------------------------------------------------------------

double NormalQuantile(double p) {
  if (!(p > 0.0 && p < 1.0))
    throw InvalidArgument("NormalQuantile: p must be in (0, 1), got " +
                          FormatFull(p));
  // Acklam (2003) rational approximation, |relative error| < 1.15e-9.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  const double p_low = 0.02425, p_high = 1.0 - p_low;
  double x;
  if (p < p_low) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else if (p <= p_high) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) *
        q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  } else {
    const double q = std::sqrt(-2.0 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q +
          c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  // One Halley step on Φ(x) − p with Φ(x) = erfc(−x/√2)/2.
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * 2.5066282746310002 * std::exp(0.5 * x * x);
  x = x - u / (1.0 + 0.5 * x * u);
  return x;
}

void CheckLevel(double level, const std::string& where) {
  if (!(level > 0.0 && level < 1.0))
    throw InvalidArgument(where + ": level must be in (0, 1) (the coverage "
                                  "of a central two-sided interval), got " +
                          FormatFull(level));
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) throw InvalidArgument("Quantile: no values");
  if (!(q >= 0.0 && q <= 1.0))
    throw InvalidArgument("Quantile: q must be in [0, 1], got " +
                          FormatFull(q));
  std::sort(v.begin(), v.end());
  const double h = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  const double t = h - static_cast<double>(lo);
  if (t == 0.0 || v[lo] == v[hi]) return v[lo];
  // (1 − t)·v_lo + t·v_hi in the limit when one end is infinite (a
  // replicate that needs infinite compute, say); avoids inf − inf.
  if (std::isinf(v[lo])) return v[lo];
  if (std::isinf(v[hi])) return v[hi];
  return v[lo] + t * (v[hi] - v[lo]);
}

namespace {

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

void RequireData(const FitResult& r, const std::string& where) {
  if (!r.law) throw InvalidArgument(where + ": the result has no law");
  if (!r.has_data || !r.data)
    throw InvalidArgument(where +
                          ": the result has no data (given parameters or a "
                          "loaded fit card), so it has no uncertainty; refit "
                          "it to data first");
}

// Which parameters move: source[k] = index of the free parameter p_k
// follows (itself when free), or -1 when fixed.
struct FreeMap {
  int P = 0;
  std::vector<int> source;  // -1 = fixed
  std::vector<int> free;    // indices of free parameters
  std::vector<int> column;  // parameter -> column in the free Jacobian, -1
};

FreeMap MakeFreeMap(const FitResult& r) {
  const LawInfo& info = r.law->info();
  FreeMap m;
  m.P = info.num_params();
  m.source.assign(m.P, 0);
  m.column.assign(m.P, -1);
  for (int k = 0; k < m.P; ++k) {
    const ParamValue& pv = r.params[k];
    if (pv.fixed) {
      m.source[k] = -1;
    } else if (!pv.tied_to.empty()) {
      m.source[k] = info.ParamIndex(pv.tied_to);
    } else {
      m.source[k] = k;
    }
  }
  for (int k = 0; k < m.P; ++k) {
    if (m.source[k] == k) {
      m.column[k] = static_cast<int>(m.free.size());
      m.free.push_back(k);
    }
  }
  return m;
}

// Per-row values of the fit: fitted L̂, residual r (fitted − observed, on
// the objective's scale), normalised weight, and the free-parameter
// Jacobian ∂r/∂p (user units).
struct RowData {
  int n = 0, F = 0;
  std::vector<double> fitted, resid, w;
  Eigen::MatrixXd J;  // n × F
};

RowData ComputeRows(const FitResult& r, const FreeMap& m) {
  const Observations& d = *r.data;
  RowData out;
  out.n = d.num_rows();
  out.F = static_cast<int>(m.free.size());
  out.fitted.resize(out.n);
  out.resid.resize(out.n);
  out.w.resize(out.n);
  out.J = Eigen::MatrixXd::Zero(out.n, out.F);
  const bool in_log = InLogSpace(r.objective_kind);
  const std::vector<double> p = r.values();
  std::vector<double> g(m.P);
  double wsum = 0.0;
  for (int i = 0; i < out.n; ++i) wsum += d.weight(i);
  for (int i = 0; i < out.n; ++i) {
    const double L = r.law->ValueAndGradient(p.data(), d.row(i), g.data());
    if (!std::isfinite(L) || (in_log && !(L > 0.0)))
      throw InvalidArgument("the fitted law is not finite (or not > 0) at "
                            "row " + std::to_string(i) +
                            " of the data; no covariance");
    out.fitted[i] = L;
    out.resid[i] = in_log ? std::log(L) - std::log(d.loss[i]) : L - d.loss[i];
    out.w[i] = d.weight(i) * out.n / wsum;
    const double scale = in_log ? 1.0 / L : 1.0;
    for (int k = 0; k < m.P; ++k) {
      const int s = m.source[k];
      if (s < 0) continue;
      out.J(i, m.column[s]) += g[k] * scale;
    }
  }
  return out;
}

// Hessian of r_i = log L (or L) w.r.t. the free parameters, by central
// differences of the exact gradient (second-order term of the sandwich's
// bread). Steps are relative to each parameter's magnitude.
Eigen::MatrixXd ResidualHessian(const FitResult& r, const FreeMap& m,
                                const double* x, double L, bool in_log,
                                const Eigen::RowVectorXd& Jrow) {
  const int F = static_cast<int>(m.free.size());
  Eigen::MatrixXd Hm = Eigen::MatrixXd::Zero(F, F);
  std::vector<double> p = r.values(), g(m.P);
  for (int c = 0; c < F; ++c) {
    const int k = m.free[c];
    const double h = 1e-5 * std::max(std::abs(p[k]), 1e-8);
    Eigen::VectorXd gp = Eigen::VectorXd::Zero(F), gm = gp;
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      std::vector<double> q = p;
      for (int j = 0; j < m.P; ++j)
        if (m.source[j] == k) q[j] = p[j] + sgn * h;
      r.law->ValueAndGradient(q.data(), x, g.data());
      Eigen::VectorXd& dst = sgn < 0 ? gm : gp;
      for (int j = 0; j < m.P; ++j) {
        const int s = m.source[j];
        if (s >= 0) dst[m.column[s]] += g[j];
      }
    }
    Hm.col(c) = (gp - gm) / (2.0 * h);  // ∇²L column
  }
  Hm = 0.5 * (Hm + Hm.transpose());
  if (!in_log) return Hm;
  // ∇² log L = ∇²L / L − ∇log L ∇log Lᵀ (Jrow = ∇ log L).
  return Hm / L - Jrow.transpose() * Jrow;
}

// Kernel bandwidth for the expected Huber curvature (see uncertainty.hpp):
// h = u·s, s = min(sd(r), IQR(r)/1.349) (Silverman 1986's robust spread),
// u the root of 1/sqrt(1 + u²) + F/(n·u) = 1. The root balances, for
// Gaussian errors of sd s, the two biases of Σκ_i: smoothing (the kernel
// density at 0 is φ(0)/sqrt(s² + h²), too low) and the ≈ F residuals the
// fit pins inside the quadratic zone (each adds ≈ 2δφ(0)/h, too high).
// u ≈ (2F/n)^(1/3): 0.64 for n = 48, F = 5; 0.36 for n = 240. Returns 0
// when the residuals have no spread (κ is then the indicator).
double KernelBandwidth(const std::vector<double>& resid, int num_free) {
  const int n = static_cast<int>(resid.size());
  if (n < 2) return 0.0;
  double mean = 0.0;
  for (double v : resid) mean += v;
  mean /= n;
  double ss = 0.0;
  for (double v : resid) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / (n - 1));
  const double iqr = (Quantile(resid, 0.75) - Quantile(resid, 0.25)) / 1.349;
  const double spread = iqr > 0.0 ? std::min(sd, iqr) : sd;
  if (!(spread > 0.0) || !std::isfinite(spread)) return 0.0;
  // g(u) = 1/sqrt(1 + u²) + c/u − 1 decreases from +inf to −1: bisection
  // in log u (200 halvings of [1e-6, 1e6] reach double precision).
  const double c = static_cast<double>(std::max(num_free, 1)) / n;
  double lo = 1e-6, hi = 1e6;
  for (int it = 0; it < 200; ++it) {
    const double u = std::sqrt(lo * hi);
    if (1.0 / std::sqrt(1.0 + u * u) + c / u > 1.0) {
      lo = u;
    } else {
      hi = u;
    }
  }
  return spread * std::sqrt(lo * hi);
}

// E[ψ'(r_i + u)], u ~ N(0, h²): the Gaussian-kernel probability that a
// residual near r_i falls in the Huber's quadratic zone [−δ, δ],
// Φ((δ − r)/h) − Φ((−δ − r)/h). h = 0 gives the indicator |r| ≤ δ.
double SmoothedCurvature(double r, double delta, double h) {
  if (!(h > 0.0)) return std::abs(r) <= delta ? 1.0 : 0.0;
  const double s = h * std::sqrt(2.0);
  // Φ(a) − Φ(b) = (erfc(−a/√2) − erfc(−b/√2))/2, written with the tail that
  // keeps precision: both arguments on the same side use erfc of that side.
  const double a = (delta - r) / s, b = (-delta - r) / s;
  if (b > 0.0) return 0.5 * (std::erfc(b) - std::erfc(a));
  if (a < 0.0) return 0.5 * (std::erfc(-a) - std::erfc(-b));
  return 1.0 - 0.5 * (std::erfc(a) + std::erfc(-b));
}

// Variance of a linear combination gᵀΣg; +inf if it touches an
// unidentified parameter.
double DeltaVariance(const Covariance& cov, const std::vector<double>& g) {
  const int P = static_cast<int>(g.size());
  double v = 0.0;
  for (int a = 0; a < P; ++a) {
    if (g[a] == 0.0) continue;
    if (!cov.identified[a]) return kInf;
    for (int b = 0; b < P; ++b) {
      if (g[b] == 0.0 || !cov.identified[b]) continue;
      v += g[a] * cov.matrix[a * P + b] * g[b];
    }
  }
  return std::max(v, 0.0);
}

// Interval from value and se on the log or linear scale.
void DeltaInterval(double value, double se, double z, bool log_scale,
                   double* lo, double* hi) {
  if (!std::isfinite(se)) {
    *lo = log_scale ? 0.0 : -kInf;
    *hi = kInf;
    return;
  }
  if (log_scale && value > 0.0) {
    const double s = se / value;
    *lo = value * std::exp(-z * s);
    *hi = value * std::exp(z * s);
  } else {
    *lo = value - z * se;
    *hi = value + z * se;
  }
}

bool IsChinchilla(const FitResult& r) {
  return r.law && r.law->info().name == "chinchilla";
}

struct ChinIdx {
  int E, A, B, alpha, beta;
};

ChinIdx ChinchillaIndices(const LawInfo& info) {
  return ChinIdx{info.ParamIndex("E"), info.ParamIndex("A"),
                 info.ParamIndex("B"), info.ParamIndex("alpha"),
                 info.ParamIndex("beta")};
}

double FlopK(const FitResult& r) {
  const FlopModel fm = FlopModel::FromConvention(
      r.options.flop_convention.empty() ? "6ND" : r.options.flop_convention);
  if (!fm.is_six_nd())
    throw InvalidArgument("derived quantities need a C = k·N·D convention; "
                          "the fit uses '" + r.options.flop_convention + "'");
  return fm.k();
}

void CheckBudgets(const std::vector<double>& budgets, const FitResult& r,
                  const std::string& where) {
  if (budgets.empty()) return;
  if (!IsChinchilla(r))
    throw InvalidArgument(where + ": budgets (derived quantities a, b, G, "
                                  "N_opt, D_opt, L*) need the chinchilla "
                                  "law; this fit is '" +
                          r.law->info().name + "'");
  for (size_t i = 0; i < budgets.size(); ++i)
    if (!std::isfinite(budgets[i]) || !(budgets[i] > 0))
      throw InvalidArgument(where + ": budget " + std::to_string(i) +
                            " (0-based) must be finite and > 0, got " +
                            FormatFull(budgets[i]));
}

// Derived quantities in DerivedNames order, of type T.
template <typename T>
std::vector<T> DerivedValues(const T* p, const ChinIdx& ix,
                             const std::vector<double>& budgets, double k) {
  std::vector<T> out;
  const auto f0 = ChinchillaFrontierAtLogCk(p[ix.E], p[ix.A], p[ix.B],
                                            p[ix.alpha], p[ix.beta], 0.0);
  out.push_back(f0.a);
  out.push_back(f0.b);
  out.push_back(f0.G);
  for (double C : budgets) {
    const auto f = ChinchillaFrontierAt(p[ix.E], p[ix.A], p[ix.B], p[ix.alpha],
                                        p[ix.beta], C, k);
    out.push_back(f.N_opt);
    out.push_back(f.D_opt);
    out.push_back(f.tokens_per_param);
    out.push_back(f.loss_opt);
  }
  return out;
}

// log_scale flags of the derived quantities: a, b linear; the rest log.
std::vector<unsigned char> DerivedLogScale(size_t count) {
  std::vector<unsigned char> v(count, 1);
  v[0] = v[1] = 0;
  return v;
}

std::string Pad(const std::string& s, size_t w) {
  return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

}  // namespace

// ---------------------------------------------------------------------------
// Covariance
// ---------------------------------------------------------------------------

double Covariance::at(const std::string& a, const std::string& b) const {
  auto index = [this](const std::string& n) {
    for (size_t k = 0; k < names.size(); ++k)
      if (names[k] == n) return static_cast<int>(k);
    std::string all;
    for (const auto& s : names) all += (all.empty() ? "" : ", ") + s;
    throw UnknownName("unknown parameter '" + n + "'; parameters: " + all);
  };
  const int P = static_cast<int>(names.size());
  return matrix[index(a) * P + index(b)];
}

Covariance ComputeCovariance(const FitResult& r) {
  RequireData(r, "covariance");
  const FreeMap m = MakeFreeMap(r);
  const RowData rows = ComputeRows(r, m);
  const int n = rows.n, F = rows.F, P = m.P;
  if (n <= F)
    throw InvalidArgument("covariance: " + std::to_string(n) +
                          " points for " + std::to_string(F) +
                          " free parameters; need at least " +
                          std::to_string(F + 1));
  Covariance cov;
  cov.names = r.law->info().param_names();
  cov.estimate = r.values();
  cov.objective = ToString(r.objective_kind);
  cov.num_points = n;
  cov.num_free = F;
  double ss = 0.0;
  for (int i = 0; i < n; ++i) ss += rows.w[i] * rows.resid[i] * rows.resid[i];
  cov.residual_variance = ss / (n - F);

  // Bread (matrix to invert) and meat.
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(F, F);
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(F, F);
  const bool huber = r.objective_kind == Objective::kHuberLog;
  const bool in_log = InLogSpace(r.objective_kind);
  cov.estimator = huber ? "kernel_sandwich" : "least_squares";
  if (huber) cov.bandwidth = KernelBandwidth(rows.resid, F);
  for (int i = 0; i < n; ++i) {
    const Eigen::RowVectorXd Ji = rows.J.row(i);
    if (huber) {
      const double psi = ObjectiveDerivative(rows.resid[i], r.objective_kind,
                                             r.delta);
      cov.num_quadratic +=
          ObjectiveCurvature(rows.resid[i], r.objective_kind, r.delta) > 0.0;
      // Expected curvature E[ψ'] = P(|r| ≤ δ) near r_i (kernel smoothed).
      const double curv =
          SmoothedCurvature(rows.resid[i], r.delta, cov.bandwidth);
      cov.expected_quadratic += curv;
      H += rows.w[i] * curv * Ji.transpose() * Ji;
      if (F > 0)
        H += rows.w[i] * psi *
             ResidualHessian(r, m, r.data->row(i), rows.fitted[i], in_log, Ji);
      M += rows.w[i] * rows.w[i] * psi * psi * Ji.transpose() * Ji;
    } else {
      H += rows.w[i] * Ji.transpose() * Ji;
    }
  }
  H = 0.5 * (H + H.transpose());

  // Rank on the unit-diagonal scaled matrix.
  Eigen::VectorXd dscale = Eigen::VectorXd::Ones(F);
  for (int c = 0; c < F; ++c)
    dscale[c] = H(c, c) > 0.0 ? 1.0 / std::sqrt(H(c, c)) : 0.0;
  const Eigen::MatrixXd S = dscale.asDiagonal() * H * dscale.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(S);
  const Eigen::VectorXd lam = eig.eigenvalues();  // ascending
  const double lmax = F > 0 ? lam[F - 1] : 0.0;
  const double tol = 1e-12 * std::max(lmax, 0.0);
  std::vector<unsigned char> col_ok(F, 1);
  cov.rank = 0;
  for (int j = 0; j < F; ++j) {
    if (lam[j] > tol && lmax > 0.0) {
      ++cov.rank;
    } else {
      for (int c = 0; c < F; ++c)
        if (std::abs(eig.eigenvectors()(c, j)) > 1e-3 || dscale[c] == 0.0)
          col_ok[c] = 0;
    }
  }
  for (int c = 0; c < F; ++c)
    if (dscale[c] == 0.0) col_ok[c] = 0;
  cov.rank_deficient = cov.rank < F;
  cov.condition_number =
      (F > 0 && lam[0] > 0.0) ? lmax / lam[0] : (F > 0 ? kInf : 1.0);

  // Pseudo-inverse of the scaled matrix on its range, then unscale.
  Eigen::MatrixXd Sinv = Eigen::MatrixXd::Zero(F, F);
  for (int j = 0; j < F; ++j) {
    if (!(lam[j] > tol && lmax > 0.0)) continue;
    const Eigen::VectorXd v = eig.eigenvectors().col(j);
    Sinv += v * v.transpose() / lam[j];
  }
  const Eigen::MatrixXd Hinv =
      dscale.asDiagonal() * Sinv * dscale.asDiagonal();
  Eigen::MatrixXd Cf;
  if (huber) {
    Cf = static_cast<double>(n) / (n - F) * Hinv * M * Hinv;
  } else {
    Cf = cov.residual_variance * Hinv;
  }

  // Expand to all parameters.
  cov.matrix.assign(static_cast<size_t>(P) * P, 0.0);
  cov.identified.assign(P, 1);
  for (int a = 0; a < P; ++a) {
    const int sa = m.source[a];
    if (sa >= 0 && !col_ok[m.column[sa]]) cov.identified[a] = 0;
  }
  for (int a = 0; a < P; ++a) {
    const int sa = m.source[a];
    for (int b = 0; b < P; ++b) {
      const int sb = m.source[b];
      double v = 0.0;
      if (sa >= 0 && sb >= 0) {
        if (!cov.identified[a] || !cov.identified[b]) {
          v = (sa == sb) ? kInf : 0.0;
        } else {
          v = Cf(m.column[sa], m.column[sb]);
        }
      }
      cov.matrix[a * P + b] = v;
    }
  }
  cov.std_errors.resize(P);
  for (int k = 0; k < P; ++k)
    cov.std_errors[k] = std::sqrt(std::max(cov.matrix[k * P + k], 0.0));

  std::ostringstream msg;
  if (cov.rank_deficient) {
    msg << "rank deficient: rank " << cov.rank << " of " << F
        << " free parameters";
    if (huber)
      msg << " (kernel estimate of the points in the quadratic zone |r| <= "
             "delta = " << Num(r.delta) << ": " << Num(cov.expected_quadratic)
          << " of " << n << ")";
    msg << "; not identified (variance +inf):";
    for (int k = 0; k < P; ++k)
      if (!cov.identified[k]) msg << " " << cov.names[k];
  } else {
    msg << "ok";
  }
  if (!r.converged) msg << "; WARNING: the fit did not converge (" << r.message
                        << "), the covariance is taken where it stopped";
  cov.message = msg.str();
  return cov;
}

std::string Covariance::Report() const {
  std::ostringstream os;
  const int P = static_cast<int>(names.size());
  os << "Covariance (" << estimator << ", objective " << objective << ")\n"
     << "  points " << num_points << ", free parameters " << num_free
     << ", rank " << rank << ", condition number " << FormatFull(condition_number)
     << "\n  residual variance " << FormatFull(residual_variance) << "\n";
  if (estimator == "kernel_sandwich")
    os << "  points in the quadratic zone |r| <= delta: " << num_quadratic
       << " observed, " << FormatFull(expected_quadratic)
       << " kernel estimate (bandwidth " << FormatFull(bandwidth) << ")\n";
  os << "  status: " << message << "\n";
  os << "  parameter          estimate                  std. error\n";
  for (int k = 0; k < P; ++k)
    os << "  " << Pad(names[k], 18) << " " << Pad(FormatFull(estimate[k]), 25)
       << " " << FormatFull(std_errors[k]) << "\n";
  os << "  correlation:\n";
  for (int a = 0; a < P; ++a) {
    os << "    " << Pad(names[a], 8);
    for (int b = 0; b < P; ++b) {
      const double den = std_errors[a] * std_errors[b];
      const double c = (den > 0 && std::isfinite(den))
                           ? matrix[a * P + b] / den
                           : kNaN;
      os << " " << Pad(FormatShort(c, 4), 9);
    }
    os << "\n";
  }
  return os.str();
}

// ---------------------------------------------------------------------------
// Intervals
// ---------------------------------------------------------------------------

int IntervalTable::Index(const std::string& name) const {
  for (size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return static_cast<int>(k);
  std::string all;
  for (const auto& s : names) all += (all.empty() ? "" : ", ") + s;
  throw UnknownName("no interval named '" + name + "'; available: " + all);
}

std::string IntervalTable::BriefReport() const {
  std::ostringstream os;
  os << "Intervals(" << method << ", level " << FormatShort(level, 6) << ": ";
  for (int k = 0; k < num_rows(); ++k) {
    os << (k ? ", " : "") << names[k] << " " << Num(mean[k]) << " ["
       << Num(lower[k]) << ", " << Num(upper[k]) << "]";
    if (k == 4 && num_rows() > 6) {
      os << ", ... " << num_rows() - 5 << " more";
      break;
    }
  }
  os << ")";
  return os.str();
}

std::string IntervalTable::FullReport() const {
  std::ostringstream os;
  os << "Intervals: central two-sided, level " << FormatFull(level)
     << ", method " << method;
  if (num_replicates > 0) os << " (" << num_replicates << " replicates)";
  os << "\n  " << Pad("quantity", 34) << Pad("estimate", 25)
     << Pad("lower", 25) << Pad("upper", 25) << "std. error\n";
  for (int k = 0; k < num_rows(); ++k)
    os << "  " << Pad(names[k], 34) << Pad(FormatFull(mean[k]), 25)
       << Pad(FormatFull(lower[k]), 25) << Pad(FormatFull(upper[k]), 25)
       << FormatFull(std_errors[k]) << (log_scale[k] ? "  (log scale)" : "")
       << "\n";
  return os.str();
}

std::vector<std::string> DerivedNames(const std::vector<double>& budgets) {
  std::vector<std::string> out = {"a", "b", "G"};
  for (double C : budgets) {
    const std::string c = FormatFull(C);
    out.push_back("N_opt@" + c);
    out.push_back("D_opt@" + c);
    out.push_back("tokens_per_param@" + c);
    out.push_back("loss_opt@" + c);
  }
  return out;
}

IntervalTable ConfInt(const FitResult& r, double level,
                      const std::vector<double>& budgets) {
  CheckLevel(level, "conf_int");
  RequireData(r, "conf_int");
  CheckBudgets(budgets, r, "conf_int");
  const Covariance cov = ComputeCovariance(r);
  if (cov.rank_deficient || cov.message.find("WARNING") != std::string::npos)
    Logger()->warn("conf_int (delta method): {}", cov.message);
  return ConfInt(r, cov, level, budgets);
}

IntervalTable ConfInt(const FitResult& r, const Covariance& cov, double level,
                      const std::vector<double>& budgets) {
  CheckLevel(level, "conf_int");
  CheckBudgets(budgets, r, "conf_int");
  const LawInfo& info = r.law->info();
  const int P = info.num_params();
  const double z = NormalQuantile(0.5 * (1.0 + level));
  IntervalTable t;
  t.level = level;
  t.method = "delta";
  const std::vector<double> p = r.values();
  auto add = [&](const std::string& name, double value, double se,
                 bool log_scale) {
    double lo, hi;
    DeltaInterval(value, se, z, log_scale, &lo, &hi);
    t.names.push_back(name);
    t.mean.push_back(value);
    t.lower.push_back(lo);
    t.upper.push_back(hi);
    t.std_errors.push_back(se);
    t.log_scale.push_back(log_scale);
  };
  for (int k = 0; k < P; ++k)
    add(info.params[k].name, p[k], cov.std_errors[k],
        info.params[k].positive);
  if (IsChinchilla(r)) {
    const ChinIdx ix = ChinchillaIndices(info);
    const double k = budgets.empty() ? 6.0 : FlopK(r);
    using Jet = ceres::Jet<double, 5>;
    Jet pj[5];
    for (int j = 0; j < 5; ++j) pj[j] = Jet(p[j], j);
    const std::vector<Jet> vals = DerivedValues(pj, ix, budgets, k);
    const std::vector<std::string> names = DerivedNames(budgets);
    const std::vector<unsigned char> logs = DerivedLogScale(vals.size());
    for (size_t q = 0; q < vals.size(); ++q) {
      std::vector<double> g(P);
      for (int j = 0; j < P; ++j) g[j] = vals[q].v[j];
      add(names[q], vals[q].a, std::sqrt(DeltaVariance(cov, g)), logs[q]);
    }
  }
  return t;
}

IntervalKind ParseIntervalKind(const std::string& name) {
  if (name == "confidence") return IntervalKind::kConfidence;
  if (name == "prediction") return IntervalKind::kPrediction;
  throw UnknownName("interval must be 'confidence' (for the law's value) or "
                    "'prediction' (for a new observation), got '" +
                    name + "'");
}

std::string ToString(IntervalKind kind) {
  return kind == IntervalKind::kConfidence ? "confidence" : "prediction";
}

std::string PredictionTable::BriefReport() const {
  std::ostringstream os;
  os << "Prediction(" << mean.size() << " points, " << interval
     << " interval, level " << FormatShort(level, 6) << ", " << method;
  if (!mean.empty())
    os << "; first " << Num(mean[0]) << " [" << Num(lower[0]) << ", "
       << Num(upper[0]) << "]";
  os << ")";
  return os.str();
}

PredictionTable PredictInterval(const FitResult& r, const std::vector<double>& x,
                                double level, IntervalKind kind) {
  CheckLevel(level, "predict");
  RequireData(r, "predict with level");
  PredictionTable t;
  t.mean = r.Predict(x);  // validates x
  const Covariance cov = ComputeCovariance(r);
  const int P = r.law->info().num_params();
  const int K = r.law->info().num_inputs();
  const int n = static_cast<int>(t.mean.size());
  const bool in_log = InLogSpace(r.objective_kind);
  const double z = NormalQuantile(0.5 * (1.0 + level));
  const std::vector<double> p = r.values();
  std::vector<double> g(P);
  t.lower.resize(n);
  t.upper.resize(n);
  t.level = level;
  t.interval = ToString(kind);
  t.method = "delta";
  for (int i = 0; i < n; ++i) {
    const double L = r.law->ValueAndGradient(p.data(), x.data() + i * K,
                                             g.data());
    double var = DeltaVariance(cov, g);  // of L
    if (in_log) {
      // Interval on log L: se_log = se / L, plus σ̂² for a new observation.
      double var_log = std::isfinite(var) ? var / (L * L) : kInf;
      if (kind == IntervalKind::kPrediction) var_log += cov.residual_variance;
      DeltaInterval(L, std::sqrt(var_log) * L, z, L > 0.0, &t.lower[i],
                    &t.upper[i]);
    } else {
      if (kind == IntervalKind::kPrediction) var += cov.residual_variance;
      DeltaInterval(L, std::sqrt(var), z, false, &t.lower[i], &t.upper[i]);
    }
  }
  return t;
}

namespace {

// The preconditions and the Jet machinery shared by the delta-method
// allocation tables (compute_optimal, loss_to_compute): the closed form
// needs the chinchilla law under a C = k·N·D FLOP model.
void CheckDeltaAllocation(const FitResult& r, double level,
                          const FlopModel& flops, const std::string& what,
                          const std::string& bootstrap_method) {
  CheckLevel(level, what);
  RequireData(r, what + " with level");
  if (!IsChinchilla(r) || !flops.is_six_nd())
    throw InvalidArgument(
        what + " with level: delta-method intervals need the "
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
        ix(ChinchillaIndices(r.law->info())),
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
  }
}

}  // namespace

AllocationTable ComputeOptimalInterval(const FitResult& r,
                                       const std::vector<double>& C,
                                       double level, const FlopModel& flops,
                                       const AllocationOptions& options) {
  CheckDeltaAllocation(r, level, flops, "compute_optimal", "ComputeOptimal");
  AllocationTable t = scalefit::ComputeOptimal(r, C, flops, options);
  const ChinchillaDelta d(r, level);
  const ChinIdx& ix = d.ix;
  ClearIntervals(&t, {"N_opt", "D_opt", "tokens_per_param", "loss_opt"});
  t.C.lower = t.C.mean;
  t.C.upper = t.C.mean;
  for (int i = 0; i < t.num_rows(); ++i) {
    const auto f = ChinchillaFrontierAt(d.pj[ix.E], d.pj[ix.A], d.pj[ix.B],
                                        d.pj[ix.alpha], d.pj[ix.beta],
                                        t.C.mean[i], flops.k());
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
                                      double level, const FlopModel& flops,
                                      const AllocationOptions& options) {
  CheckDeltaAllocation(r, level, flops, "loss_to_compute", "LossToCompute");
  // Point values, validation (target ≤ E throws NotIdentified) and the
  // identification check.
  AllocationTable t = scalefit::LossToCompute(r, target_loss, flops, options);
  const ChinchillaDelta d(r, level);
  const ChinIdx& ix = d.ix;
  ClearIntervals(&t, {"C", "N_opt", "D_opt", "tokens_per_param"});
  // The target is given: loss_opt has no uncertainty.
  t.loss_opt.lower = t.loss_opt.mean;
  t.loss_opt.upper = t.loss_opt.mean;
  for (int i = 0; i < t.num_rows(); ++i) {
    using Jet = ChinchillaDelta::Jet;
    const Jet log_Ck = ChinchillaLogComputeForLoss(
        d.pj[ix.E], d.pj[ix.A], d.pj[ix.B], d.pj[ix.alpha], d.pj[ix.beta],
        t.target_loss[i]);
    const auto f = ChinchillaFrontierAtLogCk(d.pj[ix.E], d.pj[ix.A], d.pj[ix.B],
                                             d.pj[ix.alpha], d.pj[ix.beta],
                                             log_Ck);
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

// ---------------------------------------------------------------------------
// Bootstrap
// ---------------------------------------------------------------------------

namespace detail {

std::uint64_t SplitMix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t ReplicateSeed(std::uint64_t seed, std::uint64_t stream,
                            std::uint64_t i) {
  std::uint64_t s = seed;
  std::uint64_t h = SplitMix64(&s);
  s = h ^ (stream * 0xD1B54A32D192ED03ULL);
  h = SplitMix64(&s);
  s = h ^ i;
  SplitMix64(&s);
  return SplitMix64(&s);
}

std::uint64_t UniformIndex(std::mt19937_64& gen, std::uint64_t n) {
  if (n == 0) throw InvalidArgument("UniformIndex: n must be > 0");
  // Largest multiple of n representable: reject draws at or above it.
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() -
      std::numeric_limits<std::uint64_t>::max() % n;
  for (;;) {
    const std::uint64_t v = gen();
    if (v < limit) return v % n;
  }
}

}  // namespace detail

namespace {

constexpr std::uint64_t kDataStream = 1;       // which rows / residuals
constexpr std::uint64_t kPredictionStream = 2; // residual for prediction
constexpr std::uint64_t kRetryStream = 3;      // offsets of retry starts

// Everything a replicate needs, computed once.
struct BootContext {
  const Observations* d = nullptr;
  int n = 0;
  bool in_log = true;
  std::vector<double> fitted;  // L̂_i
  std::vector<double> resid;   // observed − fitted on the objective scale
  std::vector<std::vector<int>> group_rows;  // cluster: rows per group
  int m = 0;                   // subsample size
  FitOptions opts;             // replicate fit options
};

BootContext MakeContext(const FitResult& r, const BootstrapOptions& o) {
  RequireData(r, "bootstrap");
  if (o.num_replicates < 2)
    throw InvalidArgument("bootstrap: n (number of replicates) = " +
                          std::to_string(o.num_replicates) +
                          " is too few; n (number of bootstrap replicates) "
                          "must be >= 2");
  if (o.num_threads < 0)
    throw InvalidArgument("bootstrap: threads must be >= 0 (0 = all cores)");
  if (o.max_retries < 0)
    throw InvalidArgument("bootstrap: max_retries must be >= 0");
  const std::string& mth = o.method;
  if (mth != "case" && mth != "cluster" && mth != "subsample" &&
      mth != "residual")
    throw UnknownName("bootstrap: unknown bootstrap method '" + mth +
                      "'; valid: case, cluster, subsample, residual (an "
                      "unknown method is an error, never a default)");
  BootContext c;
  c.d = r.data.get();
  c.n = c.d->num_rows();
  c.in_log = InLogSpace(r.objective_kind);
  const FreeMap fm = MakeFreeMap(r);
  const int F = static_cast<int>(fm.free.size());
  if (!o.groups.empty() && mth != "cluster")
    throw InvalidArgument("bootstrap: groups are used only by method "
                          "'cluster' (method is '" + mth + "')");
  if (mth == "cluster") {
    const std::vector<std::int64_t>& g =
        o.groups.empty() ? c.d->groups : o.groups;
    if (g.empty())
      throw InvalidArgument("bootstrap: method 'cluster' needs groups (one "
                            "label per row), and the data has none");
    if (static_cast<int>(g.size()) != c.n)
      throw InvalidArgument("bootstrap: groups has " +
                            std::to_string(g.size()) + " labels but the fit "
                            "has " + std::to_string(c.n) + " rows");
    std::map<std::int64_t, int> id;
    for (std::int64_t v : g) id.emplace(v, 0);
    int next = 0;
    for (auto& kv : id) kv.second = next++;
    c.group_rows.resize(id.size());
    for (int i = 0; i < c.n; ++i) c.group_rows[id[g[i]]].push_back(i);
    if (c.group_rows.size() < 2)
      throw InvalidArgument("bootstrap: method 'cluster' needs at least 2 "
                            "groups, got " +
                            std::to_string(c.group_rows.size()));
  }
  if (mth == "subsample") {
    if (!(o.fraction > 0.0 && o.fraction < 1.0))
      throw InvalidArgument("bootstrap: fraction must be in (0, 1), got " +
                            FormatFull(o.fraction));
    c.m = static_cast<int>(std::lround(o.fraction * c.n));
    if (c.m < F + 1 || c.m >= c.n)
      throw InvalidArgument(
          "bootstrap: fraction " + FormatFull(o.fraction) + " of " +
          std::to_string(c.n) + " rows gives " + std::to_string(c.m) +
          " rows per subsample; need between " + std::to_string(F + 1) +
          " and " + std::to_string(c.n - 1));
  }
  const std::vector<double> p = r.values();
  c.fitted.resize(c.n);
  c.resid.resize(c.n);
  r.law->EvaluateMany(p.data(), c.d->x.data(), c.n, c.fitted.data());
  for (int i = 0; i < c.n; ++i) {
    const double L = c.fitted[i], y = c.d->loss[i];
    c.resid[i] = c.in_log ? std::log(y) - std::log(L) : y - L;
  }
  c.opts = r.options;
  c.opts.start = "init";
  c.opts.init.clear();
  for (const auto& pv : r.params) c.opts.init[pv.name] = pv.value;
  c.opts.num_threads = 1;
  return c;
}

Observations MakeReplicate(const BootContext& c, const BootstrapOptions& o,
                           int i) {
  std::mt19937_64 gen(detail::ReplicateSeed(o.seed, kDataStream, i));
  const Observations& d = *c.d;
  const int K = d.num_inputs();
  Observations b;
  b.input_names = d.input_names;
  auto push_row = [&](int row, double weight_factor) {
    for (int j = 0; j < K; ++j) b.x.push_back(d.x[row * K + j]);
    b.loss.push_back(d.loss[row]);
    b.weights.push_back(d.weight(row) * weight_factor);
  };
  if (o.method == "case" || o.method == "cluster") {
    // Draw with replacement, then enter each drawn row once with its count
    // as a weight factor: Σ count·w·ρ is the objective of the resample.
    std::vector<int> count(c.n, 0);
    if (o.method == "case") {
      for (int k = 0; k < c.n; ++k) ++count[detail::UniformIndex(gen, c.n)];
    } else {
      const std::uint64_t G = c.group_rows.size();
      for (std::uint64_t k = 0; k < G; ++k) {
        const auto& rows = c.group_rows[detail::UniformIndex(gen, G)];
        for (int row : rows) ++count[row];
      }
    }
    for (int row = 0; row < c.n; ++row)
      if (count[row] > 0) push_row(row, count[row]);
  } else if (o.method == "subsample") {
    std::vector<int> idx(c.n);
    std::iota(idx.begin(), idx.end(), 0);
    for (int k = 0; k < c.m; ++k) {  // partial Fisher–Yates
      const int j = k + static_cast<int>(detail::UniformIndex(gen, c.n - k));
      std::swap(idx[k], idx[j]);
    }
    std::sort(idx.begin(), idx.begin() + c.m);
    for (int k = 0; k < c.m; ++k) push_row(idx[k], 1.0);
  } else {  // residual
    b.x = d.x;
    b.weights.resize(c.n);
    for (int row = 0; row < c.n; ++row) b.weights[row] = d.weight(row);
    b.loss.resize(c.n);
    for (int row = 0; row < c.n; ++row) {
      const double e = c.resid[detail::UniformIndex(gen, c.n)];
      b.loss[row] = c.in_log ? c.fitted[row] * std::exp(e) : c.fitted[row] + e;
    }
  }
  return b;
}

// Values of a quantity at every converged replicate, rescaled around the
// point estimate (subsample) on the log or linear scale.
std::vector<double> Rescaled(const std::vector<double>& vals, double point,
                             double scale, bool log_scale) {
  if (scale == 1.0) return vals;
  std::vector<double> out(vals.size());
  for (size_t i = 0; i < vals.size(); ++i) {
    if (log_scale && point > 0.0 && vals[i] >= 0.0) {
      out[i] = point * std::exp(scale * (std::log(vals[i]) - std::log(point)));
    } else {
      out[i] = point + scale * (vals[i] - point);
    }
  }
  return out;
}

double StdDev(const std::vector<double>& v) {
  if (v.size() < 2) return kNaN;
  double mean = 0.0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

}  // namespace

namespace detail {
Observations ReplicateData(const FitResult& result,
                           const BootstrapOptions& options, int i) {
  const BootContext c = MakeContext(result, options);
  return MakeReplicate(c, options, i);
}
}  // namespace detail

BootstrapResult Bootstrap(const FitResult& r, const BootstrapOptions& o) {
  const BootContext c = MakeContext(r, o);
  const int R = o.num_replicates;
  const int P = r.law->info().num_params();
  BootstrapResult b;
  b.fit = r;
  b.options = o;
  b.names = r.law->info().param_names();
  b.num_replicates = R;
  b.samples.assign(static_cast<size_t>(R) * P, kNaN);
  b.converged.assign(R, 0);
  b.messages.assign(R, "");
  b.objective.assign(R, kNaN);
  b.attempts.assign(R, 0);
  b.num_groups = static_cast<int>(c.group_rows.size());
  b.num_rows_drawn = o.method == "subsample" ? c.m : c.n;
  if (o.method == "subsample")
    b.scale = std::sqrt(static_cast<double>(c.m) / (c.n - c.m));
  const int threads = detail::ResolveThreads(o.num_threads);
  b.threads_used = std::max(1, std::min(threads, R));
  const auto t0 = std::chrono::steady_clock::now();
  detail::ParallelFor(R, threads, [&](int, int i) {
    try {
      const Observations data = MakeReplicate(c, o, i);
      FitResult f = Fit(r.law, data, c.opts);
      // A solve that stops without passing the engine's certification
      // (typically: function tolerance met while the relative gradient is
      // still just above 1e-6, a stall of Levenberg–Marquardt on the Huber
      // kink) is retried from other starts, in this fixed order:
      //   2: where it stopped, with tighter tolerances (1e-16);
      //   3: the replicate's mse_log optimum (a smooth problem);
      //   4+: the full-data optimum moved by a small deterministic offset
      //       (exponents ±0.02, log-scales ±0.2) from the replicate's own
      //       random stream.
      // The final fit must pass the same certification; nothing is
      // loosened.
      int attempt = 1;
      std::mt19937_64 jitter(
          detail::ReplicateSeed(o.seed, kRetryStream, i));
      while (!f.converged && attempt <= o.max_retries) {
        FitOptions again = c.opts;
        again.function_tolerance = std::min(c.opts.function_tolerance, 1e-16);
        again.parameter_tolerance = std::min(c.opts.parameter_tolerance, 1e-16);
        again.gradient_tolerance = std::min(c.opts.gradient_tolerance, 1e-18);
        bool ok = true;
        if (attempt == 1) {
          for (const auto& pv : f.params) {
            ok = ok && std::isfinite(pv.value);
            again.init[pv.name] = pv.value;
          }
        } else if (attempt == 2 && c.opts.objective != Objective::kMseLog &&
                   c.in_log) {
          FitOptions ls = c.opts;
          ls.objective = Objective::kMseLog;
          const FitResult g = Fit(r.law, data, ls);
          for (const auto& pv : g.params) {
            ok = ok && std::isfinite(pv.value);
            again.init[pv.name] = pv.value;
          }
        } else {
          const LawInfo& info = r.law->info();
          for (size_t k = 0; k < r.params.size(); ++k) {
            const ParamValue& pv = r.params[k];
            if (pv.fixed || !pv.tied_to.empty()) continue;
            const double u =
                2.0 * (static_cast<double>(jitter() >> 11) * 0x1.0p-53) - 1.0;
            double v = info.params[k].positive
                           ? pv.value * std::exp(0.2 * u)
                           : pv.value + 0.02 * u;
            v = std::clamp(v, pv.lower, pv.upper);
            again.init[pv.name] = v;
          }
        }
        ++attempt;
        if (!ok) continue;
        FitResult g = Fit(r.law, data, again);
        if (g.converged || !f.converged) f = std::move(g);
      }
      b.attempts[i] = attempt;
      for (int k = 0; k < P; ++k) b.samples[static_cast<size_t>(i) * P + k] =
          f.params[k].value;
      b.converged[i] = f.converged;
      b.messages[i] = f.message;
      b.objective[i] = f.objective;
    } catch (const std::exception& e) {
      b.converged[i] = 0;
      b.messages[i] = std::string("refit failed: ") + e.what();
    }
  });
  b.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  for (int i = 0; i < R; ++i) {
    if (!b.converged[i]) b.failed.push_back(i);
    if (b.attempts[i] > 1) ++b.num_restarted;
  }
  b.num_failed = static_cast<int>(b.failed.size());
  if (b.num_failed > 0)
    Logger()->warn("bootstrap: {} of {} replicates did not converge; they are "
                   "excluded from the statistics and listed in `failed`",
                   b.num_failed, R);
  if (R - b.num_failed < 2)
    Logger()->warn("bootstrap: fewer than 2 converged replicates; no "
                   "statistics");
  return b;
}

namespace {

// Per converged replicate: the parameter vector.
std::vector<std::vector<double>> ConvergedParams(const BootstrapResult& b) {
  const int P = static_cast<int>(b.names.size());
  std::vector<std::vector<double>> out;
  for (int i = 0; i < b.num_replicates; ++i) {
    if (!b.converged[i]) continue;
    out.emplace_back(b.samples.begin() + static_cast<size_t>(i) * P,
                     b.samples.begin() + static_cast<size_t>(i + 1) * P);
  }
  return out;
}

void RequireReplicates(const BootstrapResult& b, const std::string& where) {
  if (b.num_replicates - b.num_failed < 2)
    throw InvalidArgument(where + ": fewer than 2 of " +
                          std::to_string(b.num_replicates) +
                          " bootstrap replicates converged; no statistics");
}

}  // namespace

std::vector<double> BootstrapResult::StdErrors() const {
  RequireReplicates(*this, "bootstrap stderr");
  const auto ps = ConvergedParams(*this);
  const int P = static_cast<int>(names.size());
  std::vector<double> out(P);
  const LawInfo& info = fit.law->info();
  for (int k = 0; k < P; ++k) {
    std::vector<double> v;
    for (const auto& p : ps) v.push_back(p[k]);
    out[k] = StdDev(Rescaled(v, fit.params[k].value, scale,
                             info.params[k].positive));
  }
  return out;
}

IntervalTable BootstrapResult::ConfInt(double level,
                                       const std::vector<double>& budgets) const {
  CheckLevel(level, "conf_int");
  CheckBudgets(budgets, fit, "conf_int");
  RequireReplicates(*this, "conf_int");
  const auto ps = ConvergedParams(*this);
  const LawInfo& info = fit.law->info();
  const int P = info.num_params();
  IntervalTable t;
  t.level = level;
  t.method = method_label();
  t.num_replicates = static_cast<int>(ps.size());
  const double qlo = 0.5 * (1.0 - level), qhi = 0.5 * (1.0 + level);
  auto add = [&](const std::string& name, double point,
                 const std::vector<double>& raw, bool log_scale) {
    const std::vector<double> v = Rescaled(raw, point, scale, log_scale);
    t.names.push_back(name);
    t.mean.push_back(point);
    t.lower.push_back(Quantile(v, qlo));
    t.upper.push_back(Quantile(v, qhi));
    t.std_errors.push_back(StdDev(v));
    t.log_scale.push_back(log_scale);
  };
  const std::vector<double> p0 = fit.values();
  for (int k = 0; k < P; ++k) {
    std::vector<double> v;
    for (const auto& p : ps) v.push_back(p[k]);
    add(info.params[k].name, p0[k], v, info.params[k].positive);
  }
  if (IsChinchilla(fit)) {
    const ChinIdx ix = ChinchillaIndices(info);
    const double k = budgets.empty() ? 6.0 : FlopK(fit);
    const std::vector<double> point = DerivedValues(p0.data(), ix, budgets, k);
    const std::vector<std::string> dn = DerivedNames(budgets);
    const std::vector<unsigned char> logs = DerivedLogScale(point.size());
    std::vector<std::vector<double>> vals(point.size());
    for (const auto& p : ps) {
      const std::vector<double> q = DerivedValues(p.data(), ix, budgets, k);
      for (size_t j = 0; j < q.size(); ++j) vals[j].push_back(q[j]);
    }
    for (size_t j = 0; j < point.size(); ++j)
      add(dn[j], point[j], vals[j], logs[j]);
  }
  return t;
}

PredictionTable BootstrapResult::Predict(const std::vector<double>& x,
                                         double level, IntervalKind kind) const {
  CheckLevel(level, "predict");
  RequireReplicates(*this, "predict");
  PredictionTable t;
  t.mean = fit.Predict(x);  // validates x
  const int K = fit.law->info().num_inputs();
  const int n = static_cast<int>(t.mean.size());
  const bool in_log = InLogSpace(fit.objective_kind);
  const BootContext c = MakeContext(fit, [&] {
    BootstrapOptions o = options;
    o.num_replicates = std::max(2, o.num_replicates);
    return o;
  }());
  const int P = static_cast<int>(names.size());
  t.lower.resize(n);
  t.upper.resize(n);
  t.level = level;
  t.interval = ToString(kind);
  t.method = method_label();
  const double qlo = 0.5 * (1.0 - level), qhi = 0.5 * (1.0 + level);
  // One residual per replicate (its own stream), reused for every x.
  std::vector<double> noise(num_replicates, 0.0);
  if (kind == IntervalKind::kPrediction) {
    for (int i = 0; i < num_replicates; ++i) {
      std::mt19937_64 gen(
          detail::ReplicateSeed(options.seed, kPredictionStream, i));
      noise[i] = c.resid[detail::UniformIndex(gen, c.n)];
    }
  }
  std::vector<double> v;
  for (int row = 0; row < n; ++row) {
    v.clear();
    const double* xr = x.data() + static_cast<size_t>(row) * K;
    std::vector<double> raw;
    std::vector<int> ids;
    for (int i = 0; i < num_replicates; ++i) {
      if (!converged[i]) continue;
      raw.push_back(
          fit.law->Evaluate(samples.data() + static_cast<size_t>(i) * P, xr));
      ids.push_back(i);
    }
    v = Rescaled(raw, t.mean[row], scale, in_log);
    if (kind == IntervalKind::kPrediction) {
      for (size_t j = 0; j < v.size(); ++j)
        v[j] = in_log ? v[j] * std::exp(noise[ids[j]]) : v[j] + noise[ids[j]];
    }
    t.lower[row] = Quantile(v, qlo);
    t.upper[row] = Quantile(v, qhi);
  }
  return t;
}

AllocationTable BootstrapResult::ComputeOptimal(
    const std::vector<double>& C, double level, const FlopModel& flops,
    const AllocationOptions& aopts) const {
  CheckLevel(level, "compute_optimal");
  RequireReplicates(*this, "compute_optimal");
  AllocationTable t = scalefit::ComputeOptimal(fit, C, flops, aopts);
  const auto ps = ConvergedParams(*this);
  const int rows = t.num_rows();
  const std::vector<std::string> cols = {"N_opt", "D_opt", "tokens_per_param",
                                         "loss_opt"};
  std::vector<std::vector<std::vector<double>>> vals(
      cols.size(), std::vector<std::vector<double>>(rows));
  const std::vector<std::string> pn = names;
  std::vector<AllocationTable> per(ps.size());
  std::vector<unsigned char> ok(ps.size(), 0);
  detail::ParallelFor(static_cast<int>(ps.size()),
                      detail::ResolveThreads(options.num_threads),
                      [&](int, int i) {
                        std::map<std::string, double> m;
                        for (size_t k = 0; k < pn.size(); ++k)
                          m[pn[k]] = ps[i][k];
                        try {
                          const FitResult fr = FromParams(
                              fit.law, m, fit.options.flop_convention);
                          per[i] = scalefit::ComputeOptimal(fr, C, flops, aopts);
                          ok[i] = 1;
                        } catch (const Error&) {
                          ok[i] = 0;
                        }
                      });
  int used = 0;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (!ok[i]) continue;
    ++used;
    for (size_t c = 0; c < cols.size(); ++c)
      for (int row = 0; row < rows; ++row)
        vals[c][row].push_back(per[i].column(cols[c]).mean[row]);
  }
  if (used < 2)
    throw InvalidArgument("compute_optimal: the allocation failed at all but " +
                          std::to_string(used) + " replicates");
  const double qlo = 0.5 * (1.0 - level), qhi = 0.5 * (1.0 + level);
  for (size_t c = 0; c < cols.size(); ++c) {
    AllocationColumn& col = t.column(cols[c]);
    col.lower.resize(rows);
    col.upper.resize(rows);
    for (int row = 0; row < rows; ++row) {
      const std::vector<double> v =
          Rescaled(vals[c][row], col.mean[row], scale, true);
      col.lower[row] = Quantile(v, qlo);
      col.upper[row] = Quantile(v, qhi);
    }
  }
  t.C.lower = t.C.mean;
  t.C.upper = t.C.mean;
  t.level = level;
  std::ostringstream os;
  os << method_label() << " (" << used << " of " << num_replicates
     << " replicates; " << num_failed << " failed fits";
  if (used < static_cast<int>(ps.size()))
    os << ", " << ps.size() - used << " failed allocations";
  os << ")";
  t.interval_method = os.str();
  return t;
}

AllocationTable BootstrapResult::LossToCompute(
    const std::vector<double>& target_loss, double level,
    const FlopModel& flops, const AllocationOptions& aopts) const {
  CheckLevel(level, "loss_to_compute");
  RequireReplicates(*this, "loss_to_compute");
  // Point values at the full-data fit (validates the targets).
  AllocationTable t = scalefit::LossToCompute(fit, target_loss, flops, aopts);
  const auto ps = ConvergedParams(*this);
  const int rows = t.num_rows();
  const int R = static_cast<int>(ps.size());
  const char* const cols[] = {"C", "N_opt", "D_opt", "tokens_per_param"};
  constexpr int kCols = 4;
  // status per (replicate, row): 0 = allocated, 1 = unreachable (the
  // replicate's floor is at or above the target, or no C ≤ 1e300 reaches
  // it: infinite compute), 2 = the allocation failed otherwise.
  std::vector<unsigned char> status(static_cast<size_t>(R) * rows, 2);
  std::vector<double> vals(static_cast<size_t>(R) * rows * kCols, kNaN);
  const std::vector<std::string> pn = names;
  detail::ParallelFor(R, detail::ResolveThreads(options.num_threads),
                      [&](int, int i) {
    std::map<std::string, double> m;
    for (size_t k = 0; k < pn.size(); ++k) m[pn[k]] = ps[i][k];
    FitResult fr;
    double floor = kNaN;
    try {
      fr = FromParams(fit.law, m, fit.options.flop_convention);
      floor = LawFloor(fr, aopts);
    } catch (const Error&) {
      return;  // every row stays "failed"
    }
    for (int row = 0; row < rows; ++row) {
      const size_t slot = static_cast<size_t>(i) * rows + row;
      double* out = vals.data() + slot * kCols;
      const double target = t.target_loss[row];
      bool unreachable = !(target > floor);
      if (!unreachable) {
        try {
          const Allocation a = scalefit::LossToCompute(fr, target, flops, aopts);
          out[0] = a.C;
          out[1] = a.N_opt;
          out[2] = a.D_opt;
          out[3] = a.tokens_per_param;
          status[slot] = 0;
          continue;
        } catch (const NotIdentified&) {
          // Unreachable only if even 1e300 FLOPs stay above the target.
          try {
            const Allocation big =
                scalefit::ComputeOptimal(fr, 1e300, flops, aopts);
            unreachable = big.loss_opt > target;
          } catch (const Error&) {
          }
        } catch (const Error&) {
        }
      }
      if (!unreachable) continue;  // failed
      // Infinite compute, parameters and tokens; D/N in the direction it
      // takes as C grows (its value at C = 1e300).
      out[0] = out[1] = out[2] = kInf;
      try {
        out[3] = scalefit::ComputeOptimal(fr, 1e300, flops, aopts)
                     .tokens_per_param;
        status[slot] = 1;
      } catch (const Error&) {
      }
    }
  });
  for (const char* name : cols) {
    AllocationColumn& col = t.column(name);
    col.lower.assign(rows, kNaN);
    col.upper.assign(rows, kNaN);
  }
  t.loss_opt.lower = t.loss_opt.mean;
  t.loss_opt.upper = t.loss_opt.mean;
  const double qlo = 0.5 * (1.0 - level), qhi = 0.5 * (1.0 + level);
  int unreachable = 0, failed_alloc = 0, min_used = R;
  for (int row = 0; row < rows; ++row) {
    int used = 0;
    for (int i = 0; i < R; ++i) {
      const unsigned char st = status[static_cast<size_t>(i) * rows + row];
      used += st != 2;
      unreachable += st == 1;
      failed_alloc += st == 2;
    }
    min_used = std::min(min_used, used);
    if (used < 2)
      throw InvalidArgument("loss_to_compute: the allocation failed at all "
                            "but " + std::to_string(used) +
                            " replicates for target row " +
                            std::to_string(row) + " (0-based)");
    for (int c = 0; c < kCols; ++c) {
      std::vector<double> v;
      v.reserve(used);
      for (int i = 0; i < R; ++i) {
        const size_t slot = static_cast<size_t>(i) * rows + row;
        if (status[slot] != 2) v.push_back(vals[slot * kCols + c]);
      }
      AllocationColumn& col = t.column(cols[c]);
      v = Rescaled(v, col.mean[row], scale, true);
      col.lower[row] = Quantile(v, qlo);
      col.upper[row] = Quantile(v, qhi);
    }
  }
  t.level = level;
  std::ostringstream os;
  os << method_label() << " (" << R << " of " << num_replicates
     << " replicates; " << num_failed << " failed fits";
  if (unreachable > 0)
    os << "; " << unreachable << " replicate-targets unreachable (floor at or "
       << "above the target): C, N_opt, D_opt = +inf";
  if (failed_alloc > 0)
    os << "; " << failed_alloc << " failed allocations excluded (at least "
       << min_used << " replicates per row used)";
  os << ")";
  t.interval_method = os.str();
  return t;
}

std::string BootstrapResult::BriefReport() const {
  std::ostringstream os;
  os << "BootstrapResult(" << options.method << ", " << num_replicates
     << " replicates, " << num_failed << " failed, seed " << options.seed;
  if (num_replicates - num_failed >= 2) {
    const std::vector<double> se = StdErrors();
    os << "; se:";
    for (size_t k = 0; k < names.size(); ++k)
      os << (k ? ", " : " ") << names[k] << "=" << FormatShort(se[k], 4);
  }
  os << ")";
  return os.str();
}

std::string BootstrapResult::FullReport() const {
  std::ostringstream os;
  os << "Bootstrap of " << fit.law->info().name << " (" << fit.num_points
     << " points, objective " << ToString(fit.objective_kind) << ")\n"
     << "  method " << options.method;
  if (options.method == "subsample")
    os << " (m = " << num_rows_drawn << " of " << fit.num_points
       << " rows, deviations rescaled by sqrt(m/(n-m)) = " << FormatFull(scale)
       << ")";
  if (options.method == "cluster") os << " (" << num_groups << " groups)";
  os << ", seed " << options.seed << ", " << num_replicates << " replicates, "
     << threads_used << " threads, " << FormatShort(seconds, 4) << " s\n"
     << "  refits warm-started from the full-data optimum (start = init); "
     << num_restarted << " needed a retry from another start (at most "
     << options.max_retries << " retries; see Bootstrap())\n"
     << "  converged " << num_replicates - num_failed << ", failed "
     << num_failed;
  if (num_failed > 0) {
    os << " (excluded from every statistic; indices:";
    for (size_t k = 0; k < failed.size() && k < 20; ++k) os << " " << failed[k];
    if (failed.size() > 20) os << " ...";
    os << "; first reason: " << messages[failed[0]] << ")";
  }
  os << "\n";
  if (num_replicates - num_failed >= 2) {
    const IntervalTable t = ConfInt(0.95);
    os << t.FullReport();
  }
  return os.str();
}

}  // namespace scalefit
