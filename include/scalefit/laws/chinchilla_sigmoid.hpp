/// @file chinchilla_sigmoid.hpp
/// The single-step task law of Bhagia et al. 2024: the sigmoid link applied
/// to the Chinchilla form, from (N, D) to the task metric directly.
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"
#include "scalefit/laws/sigmoid.hpp"

namespace scalefit::laws {

/// acc(N, D) = a / (1 + exp(−(E + A / N^α + B / D^β))) + b
/// (Bhagia et al. 2024, arXiv:2412.04403, the "single step" alternative to
/// the two-step chain: Sigmoid with x0 = 0, k = 1 at L = Chinchilla(N, D)).
///
/// Inputs: N (parameters), D (tokens), counts > 0.
/// Parameters: E (any sign: it is the sigmoid's offset, not a loss floor),
/// A, B > 0 (fitted as log), α, β (exponents), a (amplitude, < 0 for a
/// metric that grows with scale), b (the metric as N, D → ∞). The paper's
/// bounds: A, B ≥ 1, α, β ≥ 0, a ∈ [−1, 0], b ∈ [0, 1]; start
/// (A, B, α, β, E, a, b) = (e³, e⁵, 0.2, 0.3, 0, chance − 1, 1).
///
/// WARNING: the inner form is unitless inside a logistic, so E, A and B
/// are not a task loss and cannot be compared with a step-1 fit.
struct ChinchillaSigmoid {
  static constexpr const char* kName = "chinchilla_sigmoid";
  static constexpr const char* kFormula =
      "acc(N, D) = a / (1 + exp(-(E + A / N^alpha + B / D^beta))) + b";
  static constexpr int kNumParams = 7;
  static constexpr int kNumInputs = 2;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"E", false, false, -kInf, kInf, -2.0, 2.0, 0.0},
      {"A", true, false, 0.0, kInf, 1.0, 1e4, 20.0},
      {"B", true, false, 0.0, kInf, 1.0, 1e4, 150.0},
      {"alpha", false, false, 0.0, 5.0, 0.05, 1.0, 0.2},
      {"beta", false, false, 0.0, 5.0, 0.05, 1.0, 0.3},
      {"a", false, false, -1.0, 1.0, -0.9, -0.1, -0.75},
      {"b", false, false, 0.0, 1.0, 0.5, 1.0, 1.0},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"N", "D"}};

  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    const T inner[5] = {p[0], p[1], p[2], p[3], p[4]};
    return Sigmoid::Curve(Chinchilla::Evaluate(inner, x), p[5], T(0.0), T(1.0),
                          p[6]);
  }
};

}  // namespace scalefit::laws
