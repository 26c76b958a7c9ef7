/// @file data_constrained.hpp
/// The data-constrained law of Muennighoff et al. 2023 ("Scaling
/// Data-Constrained Language Models", arXiv:2305.16264, Eqs. 5–7 / App. A).
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"

namespace scalefit::laws {

/// L(N, D, U) = E + A / N'^α + B / D'^β, Chinchilla's form with repeated
/// data and excess parameters discounted:
///
///   U_D  = min(U, D)                                  unique tokens seen
///   R_D  = max(D / U_D − 1, 0)                        repeated epochs
///   D'   = U_D + U_D · R_D* · (1 − exp(−R_D / R_D*))  effective data
///   G    = (α A / (β B))^(1 / (α + β))
///   N_opt(U_D) = (U_D · G)^(β/α) · G                  params that U_D tokens
///                                                     train compute-optimally
///   U_N  = min(N, N_opt(U_D))
///   R_N  = max(N / U_N − 1, 0)                        "repeated" parameters
///   N'   = U_N + U_N · R_N* · (1 − exp(−R_N / R_N*))  effective parameters
///
/// Parameters: E, A, B > 0 (as in chinchilla; fitted in log), α, β
/// (exponents), R_D*, R_N* > 0 (the repetition "half-lives" in epochs and in
/// excess-parameter multiples; fitted in log). None is declared linear: A
/// and B also enter through N_opt, and E alone would leave a non-zero
/// offset, so the default start is a grid over all seven.
/// Inputs: N = parameters, D = training tokens (including repeats),
/// U = unique tokens available; plain counts.
///
/// Published values (huggingface/datablations@13701315, README "Parametric
/// Fit", C4, α tied to β): log A = 6.255414, log B = 7.3049974,
/// log E = 0.6254804, α = β = 0.3526596, R_D* = 15.387756, R_N* = 5.309743
/// (the typical values below use them).
///
/// WARNING: the paper's U_D is the number of unique tokens SEEN, so
/// U_D <= D. scalefit takes U as the unique tokens AVAILABLE and uses
/// U_D = min(U, D); the literal formula with U > D would give D' = U > D
/// (more effective data than tokens trained on).
/// WARNING: R_D* and R_N* are identified only by runs with D > U (several
/// epochs) and with N > N_opt(U); on single-epoch data the law is
/// Chinchilla's and they are free (the diagnostics flag it). Fix them
/// (FitOptions::fixed) at the published values in that case.
/// WARNING: the published fit ties α = β (FitOptions::ties {"beta",
/// "alpha"}); untied fits on few runs trade α against β.
struct DataConstrained {
  static constexpr const char* kName = "data_constrained";
  static constexpr const char* kFormula =
      "L(N, D, U) = E + A / N'^alpha + B / D'^beta; "
      "U_D = min(U, D), R_D = max(D / U_D - 1, 0), "
      "D' = U_D + U_D * R_D_star * (1 - exp(-R_D / R_D_star)), "
      "G = (alpha * A / (beta * B))^(1 / (alpha + beta)), "
      "N_opt = (U_D * G)^(beta / alpha) * G, U_N = min(N, N_opt), "
      "R_N = max(N / U_N - 1, 0), "
      "N' = U_N + U_N * R_N_star * (1 - exp(-R_N / R_N_star))";
  static constexpr int kNumParams = 7;
  static constexpr int kNumInputs = 3;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"E", true, false, 0.0, kInf, 0.5, 3.0, 1.86914},
      {"A", true, false, 0.0, kInf, 30.0, 1e4, 520.82},
      {"B", true, false, 0.0, kInf, 30.0, 1e5, 1487.72},
      {"alpha", false, false, 1e-3, 5.0, 0.1, 0.7, 0.3526596},
      {"beta", false, false, 1e-3, 5.0, 0.1, 0.7, 0.3526596},
      {"R_D_star", true, false, 0.0, kInf, 2.0, 60.0, 15.387756},
      {"R_N_star", true, false, 0.0, kInf, 2.0, 60.0, 5.309743},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {
      {"N", "D", "U"}};

  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    using std::exp;
    using std::log;
    const double n = x[0], d = x[1];
    const bool capped = x[2] < d;
    const double u_d = capped ? x[2] : d;
    const double log_n = x.log(0), log_u_d = capped ? x.log(2) : x.log(1);
    const T& E = p[0];
    const T& A = p[1];
    const T& B = p[2];
    const T& alpha = p[3];
    const T& beta = p[4];
    const T& r_d_star = p[5];
    const T& r_n_star = p[6];
    // Effective data. R_D = 0 (no repeats) gives D' = U_D = D exactly.
    T d_eff = T(u_d);
    if (d > u_d) {
      const double r_d = d / u_d - 1.0;
      d_eff = u_d + u_d * r_d_star * (1.0 - exp(-r_d / r_d_star));
    }
    // Effective parameters; the min/max of the formula as a branch so that
    // Jets carry the derivative of the active side.
    const T log_g = (log(alpha * A) - log(beta * B)) / (alpha + beta);
    const T log_n_opt = (beta / alpha) * (log_u_d + log_g) + log_g;
    T n_eff = T(n);
    if (log_n_opt < log_n) {
      const T u_n = exp(log_n_opt);
      const T r_n = exp(log_n - log_n_opt) - 1.0;
      n_eff = u_n + u_n * r_n_star * (1.0 - exp(-r_n / r_n_star));
    }
    return E + A * exp(-alpha * log(n_eff)) + B * exp(-beta * log(d_eff));
  }
};

}  // namespace scalefit::laws
