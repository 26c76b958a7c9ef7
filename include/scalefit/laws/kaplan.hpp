/// @file kaplan.hpp
/// The joint model-size / data-size law of Kaplan et al. 2020 (Eq. 1.5).
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"

namespace scalefit::laws {

/// L(N, D) = [ (N_c / N)^(α_N / α_D) + D_c / D ]^α_D
///                                         (Kaplan et al. 2020, Eq. 1.5 / 4.1)
///
/// Parameters: N_c, D_c > 0 (critical scales in the units of N and D; fitted
/// as log N_c, log D_c), α_N, α_D > 0 (exponents). No parameter is linear,
/// so the default start is a grid over all four.
/// Inputs: N = NON-EMBEDDING parameters, D = training tokens (plain counts).
/// Limits: D → ∞ gives (N_c/N)^α_N (Eq. 1.1), N → ∞ gives (D_c/D)^α_D
/// (Eq. 1.2). Evaluated as exp(α_D · log(exp((α_N/α_D)(log N_c − log N)) +
/// D_c/D)), which stays finite for N_c/N up to ~1e300.
///
/// Published values (Kaplan et al. 2020, Eqs. 1.1–1.2, WebText2, loss in
/// nats): α_N = 0.076, N_c = 8.8e13, α_D = 0.095, D_c = 5.4e13 — these are
/// the typical values below. The joint fit of Table 2 (α_N = 0.076,
/// α_D = 0.103, N_c = 6.4e13, D_c = 1.8e13) differs.
///
/// WARNING: Kaplan count N WITHOUT embeddings, Chinchilla with; do not mix
/// them in one data set or compare N_c with Chinchilla's A.
/// WARNING: there is no irreducible loss: on data that flattens toward a
/// floor the exponents are biased low; prefer chinchilla there.
/// WARNING: N_c and D_c are typically 1e4× larger than the data, so they are
/// extrapolations by construction; only the exponents and the curvature of
/// the data identify them.
struct Kaplan {
  static constexpr const char* kName = "kaplan";
  static constexpr const char* kFormula =
      "L(N, D) = ((N_c / N)^(alpha_N / alpha_D) + D_c / D)^alpha_D";
  static constexpr int kNumParams = 4;
  static constexpr int kNumInputs = 2;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"N_c", true, false, 0.0, kInf, 1e9, 1e17, 8.8e13},
      {"D_c", true, false, 0.0, kInf, 1e9, 1e17, 5.4e13},
      {"alpha_N", false, false, 1e-4, 5.0, 0.02, 0.6, 0.076},
      {"alpha_D", false, false, 1e-4, 5.0, 0.02, 0.6, 0.095},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"N", "D"}};

  template <typename T>
  static T Evaluate(const T* p, InputRowOf<T> x) {
    using std::exp;
    using std::log;
    const T n_term = exp((p[2] / p[3]) * (log(p[0]) - x.log(0)));
    return exp(p[3] * log(n_term + p[1] / x[1]));
  }
};

}  // namespace scalefit::laws
