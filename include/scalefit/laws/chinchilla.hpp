/// @file chinchilla.hpp
/// The Chinchilla parametric law of Hoffmann et al. 2022 (Eq. 2).
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
  static constexpr const char* kFormula = "L(N, D) = E + A / N^alpha + B / D^beta";
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

  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    using std::exp;
    return p[0] + p[1] * exp(-p[3] * x.log(0)) +
           p[2] * exp(-p[4] * x.log(1));
  }
};

}  // namespace scalefit::laws
