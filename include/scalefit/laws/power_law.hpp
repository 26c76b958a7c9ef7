/// @file power_law.hpp
/// Pure power law L(x) = A · x^(−α).
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"

namespace scalefit::laws {

/// L(x) = A · x^(−α)
///
/// Parameters: A > 0 (fitted as log A; linear), α (exponent).
/// Input: x > 0, any positive scale (parameters, tokens, FLOPs).
///
/// WARNING: a pure power law has no irreducible loss; on data that flattens
/// towards a floor it biases α downwards. Use saturating_power_law then.
struct PowerLaw {
  static constexpr const char* kName = "power_law";
  static constexpr const char* kFormula = "L(x) = A * x^(-alpha)";
  static constexpr int kNumParams = 2;
  static constexpr int kNumInputs = 1;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"A", true, true, 0.0, kInf, 1.0, 1.0, 1.0},
      {"alpha", false, false, 0.0, 10.0, 0.02, 2.0, 0.3},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"x"}};

  template <typename T>
  static T Evaluate(const T* p, InputRowOf<T> x) {
    using std::exp;
    return p[0] * exp(-p[1] * x.log(0));
  }
};

}  // namespace scalefit::laws
