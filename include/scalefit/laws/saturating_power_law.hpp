/// @file saturating_power_law.hpp
/// Power law with an irreducible floor: L(C) = E + A · C^(−α).
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"

namespace scalefit::laws {

/// L(C) = E + A · C^(−α)
///
/// Parameters: E > 0 (irreducible loss; fitted as log E; linear),
/// A > 0 (fitted as log A; linear), α (exponent).
/// Input: C > 0, usually training FLOPs (the frontier loss L*(C)), but any
/// positive scale works.
///
/// WARNING: with few decades of C, E and A trade off against α; an E fitted
/// within a hair of the smallest observed loss means the floor is not
/// identified (the diagnostics say so).
struct SaturatingPowerLaw {
  static constexpr const char* kName = "saturating_power_law";
  static constexpr const char* kFormula = "L(C) = E + A * C^(-alpha)";
  static constexpr int kNumParams = 3;
  static constexpr int kNumInputs = 1;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"E", true, true, 0.0, kInf, 1.0, 1.0, 1.0},
      {"A", true, true, 0.0, kInf, 1.0, 1.0, 100.0},
      {"alpha", false, false, 0.0, 10.0, 0.02, 1.5, 0.1},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"C"}};

  template <typename T>
  static T Evaluate(const T* p, InputRowOf<T> x) {
    using std::exp;
    return p[0] + p[1] * exp(-p[2] * x.log(0));
  }
};

}  // namespace scalefit::laws
