// The parameter covariance (uncertainty/covariance.hpp): Gauss–Newton for
// mse_log and mse, the kernel-smoothed sandwich for huber_log.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/detail/stats.hpp"
#include "scalefit/detail/weights.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"
#include "uncertainty/uncertainty_internal.hpp"

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Num(double v) { return FormatShort(v, 6); }

using detail::FreeMap;

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
  const bool in_log = InLogSpace(r.options.objective);
  const std::vector<double> p = r.values();
  std::vector<double> g(m.P);
  const detail::NormalizedWeights weights = detail::NormalizeWeights(d);
  for (int i = 0; i < out.n; ++i) {
    const double L = r.law->ValueAndGradient(p.data(), d.row(i), g.data());
    if (!std::isfinite(L) || (in_log && !(L > 0.0)))
      throw InvalidArgument(
          "the fitted law is not finite (or not > 0) at "
          "row " +
          std::to_string(i) + " of the data; no covariance");
    out.fitted[i] = L;
    out.resid[i] = in_log ? std::log(L) - std::log(d.loss[i]) : L - d.loss[i];
    out.w[i] = weights.w[i];
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

// Kernel bandwidth for the expected Huber curvature (see covariance.hpp):
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
  const double sd = detail::StdDev(resid);
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

}  // namespace

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
  detail::RequireData(r, "covariance");
  const FreeMap m = detail::MakeFreeMap(r);
  const RowData rows = ComputeRows(r, m);
  const int n = rows.n, F = rows.F, P = m.P;
  if (n <= F)
    throw InvalidArgument("covariance: " + std::to_string(n) + " points for " +
                          std::to_string(F) +
                          " free parameters; need at least " +
                          std::to_string(F + 1));
  Covariance cov;
  cov.names = r.law->info().param_names();
  cov.estimate = r.values();
  cov.objective = ToString(r.options.objective);
  cov.num_points = n;
  cov.num_free = F;
  double ss = 0.0;
  for (int i = 0; i < n; ++i) ss += rows.w[i] * rows.resid[i] * rows.resid[i];
  cov.residual_variance = ss / (n - F);

  // Bread (matrix to invert) and meat.
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(F, F);
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(F, F);
  const bool huber = r.options.objective == Objective::kHuberLog;
  const bool in_log = InLogSpace(r.options.objective);
  cov.estimator = huber ? "kernel_sandwich" : "least_squares";
  if (huber) cov.bandwidth = KernelBandwidth(rows.resid, F);
  for (int i = 0; i < n; ++i) {
    const Eigen::RowVectorXd Ji = rows.J.row(i);
    if (huber) {
      const double psi = ObjectiveDerivative(rows.resid[i], r.options.objective,
                                             r.options.delta);
      cov.num_quadratic +=
          ObjectiveCurvature(rows.resid[i], r.options.objective,
                             r.options.delta) > 0.0;
      // Expected curvature E[ψ'] = P(|r| ≤ δ) near r_i (kernel smoothed).
      const double curv =
          SmoothedCurvature(rows.resid[i], r.options.delta, cov.bandwidth);
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
  const Eigen::MatrixXd Hinv = dscale.asDiagonal() * Sinv * dscale.asDiagonal();
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
  // The inverse Hessian of the objective (normalised weights), for the
  // profile calibration (uncertainty/profile.hpp).
  cov.bread_inverse.assign(static_cast<size_t>(P) * P, 0.0);
  for (int a = 0; a < P; ++a) {
    const int sa = m.source[a];
    for (int b = 0; b < P; ++b) {
      const int sb = m.source[b];
      if (sa < 0 || sb < 0) continue;
      cov.bread_inverse[a * P + b] = (!cov.identified[a] || !cov.identified[b])
                                         ? (sa == sb ? kInf : 0.0)
                                         : Hinv(m.column[sa], m.column[sb]);
    }
  }

  std::ostringstream msg;
  if (cov.rank_deficient) {
    msg << "rank deficient: rank " << cov.rank << " of " << F
        << " free parameters";
    if (huber)
      msg << " (kernel estimate of the points in the quadratic zone |r| <= "
             "delta = "
          << Num(r.options.delta) << ": " << Num(cov.expected_quadratic)
          << " of " << n << ")";
    msg << "; not identified (variance +inf):";
    for (int k = 0; k < P; ++k)
      if (!cov.identified[k]) msg << " " << cov.names[k];
  } else {
    msg << "ok";
  }
  if (!r.converged)
    msg << "; WARNING: the fit did not converge (" << r.message
        << "), the covariance is taken where it stopped";
  cov.message = msg.str();
  return cov;
}

std::string Covariance::Report() const {
  std::ostringstream os;
  const int P = static_cast<int>(names.size());
  os << "Covariance (" << estimator << ", objective " << objective << ")\n"
     << "  points " << num_points << ", free parameters " << num_free
     << ", rank " << rank << ", condition number "
     << FormatShort(condition_number) << "\n  residual variance "
     << FormatShort(residual_variance) << "\n";
  if (estimator == "kernel_sandwich")
    os << "  points in the quadratic zone |r| <= delta: " << num_quadratic
       << " observed, " << FormatShort(expected_quadratic)
       << " kernel estimate (bandwidth " << FormatShort(bandwidth) << ")\n";
  os << "  status: " << message << "\n";
  os << "  parameter          estimate                  std. error\n";
  for (int k = 0; k < P; ++k)
    os << "  " << PadRight(names[k], 18) << " "
       << PadRight(FormatShort(estimate[k]), 25) << " "
       << FormatShort(std_errors[k]) << "\n";
  os << "  correlation:\n";
  for (int a = 0; a < P; ++a) {
    os << "    " << PadRight(names[a], 8);
    for (int b = 0; b < P; ++b) {
      const double den = std_errors[a] * std_errors[b];
      const double c =
          (den > 0 && std::isfinite(den)) ? matrix[a * P + b] / den : kNaN;
      os << " " << PadRight(FormatShort(c, 4), 9);
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace scalefit
