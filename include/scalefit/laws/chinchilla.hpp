/// @file chinchilla.hpp
/// The Chinchilla parametric law of Hoffmann et al. 2022 (Eq. 2) and its
/// compute-optimal frontier in closed form, written against the law.
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"

namespace scalefit::laws {

/// L(N, D) = E + A / N^α + B / D^β          (Hoffmann et al. 2022, Eq. 2)
///
/// Parameters: E, A, B > 0 (fitted as e = log E, a = log A, b = log B, which
/// makes log L = LSE(a − α log N, b − β log D, e), the form of Hoffmann et
/// al. App. D.2; all three are linear coefficients), α, β (exponents).
/// Inputs: N = parameters (Hoffmann count all parameters, embeddings
/// included), D = training tokens; both plain counts.
///
/// WARNING: E, A, B are reported in user units. Published values are often
/// rounded (Eq. 10: α = 0.34, β = 0.28); rounding the exponents moves
/// N_opt at 1e24 FLOPs by tens of percent — use unrounded values.
/// WARNING: all runs at one tokens-per-parameter ratio cannot separate α
/// from β; the diagnostics flag such designs.
struct Chinchilla {
  static constexpr const char* kName = "chinchilla";
  static constexpr const char* kFormula =
      "L(N, D) = E + A / N^alpha + B / D^beta";
  static constexpr int kNumParams = 5;
  static constexpr int kNumInputs = 2;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"E", true, true, 0.0, kInf, 1.0, 1.0, 1.7},
      {"A", true, true, 0.0, kInf, 1.0, 1.0, 400.0},
      {"B", true, true, 0.0, kInf, 1.0, 1.0, 400.0},
      {"alpha", false, false, 0.0, 5.0, 0.05, 1.2, 0.34},
      {"beta", false, false, 0.0, 5.0, 0.05, 1.2, 0.28},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"N", "D"}};

  /// L at log N, log D (natural logs). The one place the formula is
  /// written: Evaluate and the frontier below call it. T is the parameter
  /// type; U the type of the logs (double for data; T on the frontier,
  /// where log N_opt depends on the parameters).
  template <typename T, typename U>
  static T EvaluateAtLogs(const T* p, const U& log_N, const U& log_D) {
    using std::exp;
    return p[0] + p[1] * exp(-p[3] * log_N) + p[2] * exp(-p[4] * log_D);
  }

  template <typename T>
  static T Evaluate(const T* p, InputRowOf<T> x) {
    return EvaluateAtLogs(p, x.log(0), x.log(1));
  }
};

}  // namespace scalefit::laws

namespace scalefit {

/// The compute-optimal frontier of the Chinchilla law
///   L(N, D) = E + A / N^α + B / D^β       (Hoffmann et al. 2022, Eq. 2)
/// under C = k·N·D (Hoffmann et al. 2022, Eq. 4 / App. D.3):
///   G = (αA / (βB))^(1/(α+β)),  a = β/(α+β),  b = α/(α+β),
///   N_opt = G·(C/k)^a,  D_opt = G^(−1)·(C/k)^b,  D_opt/N_opt,
///   L*(C) = E + A/N_opt^α + B/D_opt^β.
/// Every member is of type T (double or ceres::Jet; only <cmath> is used) so
/// that the delta method can differentiate all of them with respect to
/// (E, A, B, α, β). L* is Chinchilla::EvaluateAtLogs at (log N_opt,
/// log D_opt): the law's own formula, not a copy.
template <typename T>
struct ChinchillaFrontier {
  T G, a, b, N_opt, D_opt, tokens_per_param, loss_opt;
  T log_N_opt, log_D_opt;  ///< natural logs (never overflow)
};

/// The Chinchilla frontier at log(C/k) (natural log). Computed in log space:
///   log G = (log α + log A − log β − log B) / (α + β)
///   log N_opt = log G + a·log(C/k),  log D_opt = −log G + b·log(C/k)
/// so C from 1e15 to 1e300 neither overflows nor underflows; N_opt·D_opt =
/// C/k to a few ulps of the logs (~1e-14 relative).
/// Preconditions (not checked here, so that T may be a Jet; allocation.hpp's
/// runtime API validates): A, B, α, β > 0, all finite.
template <typename T, typename U>
ChinchillaFrontier<T> ChinchillaFrontierAtLogCk(const T& E, const T& A,
                                                const T& B, const T& alpha,
                                                const T& beta,
                                                const U& log_C_over_k) {
  using std::exp;
  using std::log;
  ChinchillaFrontier<T> f;
  const T s = alpha + beta;
  f.a = beta / s;
  f.b = alpha / s;
  const T log_G = (log(alpha) + log(A) - log(beta) - log(B)) / s;
  f.G = exp(log_G);
  f.log_N_opt = log_G + f.a * log_C_over_k;
  f.log_D_opt = f.b * log_C_over_k - log_G;
  f.N_opt = exp(f.log_N_opt);
  f.D_opt = exp(f.log_D_opt);
  f.tokens_per_param = exp(f.log_D_opt - f.log_N_opt);
  const T p[laws::Chinchilla::kNumParams] = {E, A, B, alpha, beta};
  f.loss_opt = laws::Chinchilla::EvaluateAtLogs(p, f.log_N_opt, f.log_D_opt);
  return f;
}

/// The Chinchilla frontier at a budget of C FLOPs with k FLOPs per parameter
/// per token (C = k·N·D; k = 6 by default). See ChinchillaFrontierAtLogCk.
template <typename T>
ChinchillaFrontier<T> ChinchillaFrontierAt(const T& E, const T& A, const T& B,
                                           const T& alpha, const T& beta,
                                           double C, double k = 6.0) {
  return ChinchillaFrontierAtLogCk(E, A, B, alpha, beta,
                                   std::log(C) - std::log(k));
}

/// Inverse of the frontier: log(C/k) at which L*(C) equals `target_loss`.
/// On the frontier αA/N^α = βB/D^β, so L* − E = (1 + α/β)·A/N_opt^α and
///   log(C/k) = (α+β)/(αβ) · [log A − α·log G + log(1 + α/β) − log(L − E)].
/// Precondition: target_loss > E (else the log is NaN; the runtime API
/// throws NotIdentified instead). Use ChinchillaFrontierAtLogCk on the result
/// for N, D.
template <typename T, typename U>
T ChinchillaLogComputeForLoss(const T& E, const T& A, const T& B,
                              const T& alpha, const T& beta,
                              const U& target_loss) {
  using std::log;
  const T s = alpha + beta;
  const T log_G = (log(alpha) + log(A) - log(beta) - log(B)) / s;
  return s / (alpha * beta) *
         (log(A) - alpha * log_G + log(1.0 + alpha / beta) -
          log(target_loss - E));
}

}  // namespace scalefit
