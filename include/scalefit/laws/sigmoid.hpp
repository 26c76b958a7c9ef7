/// @file sigmoid.hpp
/// Link laws from a task loss to a task metric: the sigmoid of Bhagia et al.
/// 2024 and its log-sigmoid variant.
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"

namespace scalefit::laws {

/// σ(z) = 1 / (1 + exp(−z)), evaluated without overflow for either sign of
/// z (T = double or ceres::Jet). The one logistic function of the laws.
template <typename T>
T Logistic(const T& z) {
  using std::exp;
  if (z >= T(0.0)) return T(1.0) / (T(1.0) + exp(-z));
  const T e = exp(z);
  return e / (T(1.0) + e);
}

/// log(1 + exp(z)) (softplus), without overflow for large z.
template <typename T>
T Softplus(const T& z) {
  using std::exp;
  using std::log1p;
  if (z > T(0.0)) return z + log1p(exp(-z));
  return log1p(exp(z));
}

/// acc(L) = a / (1 + exp(−k (L − x0))) + b
/// (Bhagia et al. 2024, "Establishing Task Scaling Laws via Compute-Efficient
/// Model Ladders", arXiv:2412.04403, step 2.)
///
/// Input: L, the intermediate task loss (bits-per-byte of the correct
/// answer, or any continuous metric); any finite value, 0 included (the
/// paper adds an "ideal" point at L = 0, accuracy = ceiling).
/// Value: the task metric (accuracy), any finite value.
/// Parameters: a (amplitude: the metric changes by a from L → −∞ to L → +∞),
/// x0 (the midpoint, in units of L), k > 0 (steepness per unit of L; fitted
/// as log k), b (the value as L → −∞). With a < 0 the metric falls as the
/// loss grows: the floor (L → ∞) is a + b, the ceiling (L → −∞, in practice
/// L = 0) is b. A chance floor and ceiling are `fixed` b = ceiling and
/// a = chance − ceiling.
/// Default bounds a ∈ [−1, 1], b ∈ [0, 1] (accuracies); the paper's fit
/// uses a ∈ [−1, 0], x0 ≥ 0, k ≥ 0, b ∈ [0, 1] and starts at
/// (chance − 1, 0.9, 3, 1).
///
/// WARNING: the floor a + b is free: fitted floors below chance are common
/// (ARC-Challenge, CommonsenseQA on the OLMo ladder), and a ladder whose
/// losses never approach the floor does not identify it.
/// WARNING: near the midpoint the metric moves by k·|a|/4 per unit of L, so
/// a small error in a predicted loss becomes a large error in accuracy.
struct Sigmoid {
  static constexpr const char* kName = "sigmoid";
  static constexpr const char* kFormula =
      "acc(L) = a / (1 + exp(-k (L - x0))) + b";
  static constexpr int kNumParams = 4;
  static constexpr int kNumInputs = 1;
  static constexpr bool kPositiveData = false;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"a", false, false, -1.0, 1.0, -0.9, -0.1, -0.75},
      {"x0", false, false, -kInf, kInf, 0.2, 2.0, 0.9},
      {"k", true, false, 0.0, kInf, 1.0, 30.0, 3.0},
      {"b", false, false, 0.0, 1.0, 0.5, 1.0, 1.0},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"L"}};

  /// The curve itself, shared with the laws built on it.
  template <typename T, typename X>
  static T Curve(const X& L, const T& a, const T& x0, const T& k, const T& b) {
    return a * Logistic(k * (L - x0)) + b;
  }

  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    return Curve(x[0], p[0], p[1], p[2], p[3]);
  }
};

/// acc(L) = 1 − a · log(1 − σ(k (L − x0)))  =  1 + a · log(1 + exp(k (L − x0)))
/// (the log-sigmoid of Bhagia et al. 2024, used there with the negated
/// log-likelihood of the correct answer as L).
///
/// Input: L, any finite value. Value: the task metric, ≤ 1 for a ≤ 0.
/// Parameters: a ≤ 0 (scale), x0 (the loss where the decline turns from
/// flat to linear), k > 0 (fitted as log k). Ceiling 1 at L → −∞; no floor:
/// for L ≫ x0 the metric falls linearly, by |a|·k per unit of L.
///
/// WARNING: without a floor this link extrapolates below chance at large
/// losses; use it only inside the range of the data. The paper adds no
/// ideal point for it.
struct LogSigmoid {
  static constexpr const char* kName = "log_sigmoid";
  static constexpr const char* kFormula =
      "acc(L) = 1 + a * log(1 + exp(k (L - x0)))";
  static constexpr int kNumParams = 3;
  static constexpr int kNumInputs = 1;
  static constexpr bool kPositiveData = false;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"a", false, false, -kInf, 0.0, -1.0, -0.01, -0.1},
      {"x0", false, false, -kInf, kInf, 0.2, 2.0, 0.9},
      {"k", true, false, 0.0, kInf, 1.0, 30.0, 3.0},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"L"}};

  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    return T(1.0) + p[0] * Softplus(p[2] * (x[0] - p[1]));
  }
};

/// acc(L) = 1 − ε + k · exp(−γ L), i.e. Err(L) = 1 − acc = ε − k · exp(−γ L)
/// (Gadre et al. 2024, "Language models scale reliably with over-training
/// and on downstream tasks", arXiv:2403.08540: the top-1 error as a function
/// of the validation loss).
///
/// Input: L, the loss that predicts the metric (Gadre et al.: the
/// validation loss of the language model); any finite value.
/// Parameters: ε ∈ [0, 1] (the error as L → ∞: 1 − chance for a task at
/// chance), k > 0 (fitted as log k), γ > 0 (per unit of L, fitted as log γ).
///
/// WARNING: the exponential has no ceiling: acc exceeds 1 where
/// k·exp(−γL) > ε; keep predictions inside the losses where that does not
/// happen.
struct GadreExponential {
  static constexpr const char* kName = "gadre_exponential";
  static constexpr const char* kFormula =
      "acc(L) = 1 - epsilon + k * exp(-gamma L)";
  static constexpr int kNumParams = 3;
  static constexpr int kNumInputs = 1;
  static constexpr bool kPositiveData = false;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"epsilon", false, false, 0.0, 1.0, 0.5, 0.9, 0.75},
      {"k", true, false, 0.0, kInf, 0.1, 100.0, 1.0},
      {"gamma", true, false, 0.0, kInf, 0.3, 10.0, 1.0},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"L"}};

  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    using std::exp;
    return T(1.0) - p[0] + p[1] * exp(-p[2] * x[0]);
  }
};

}  // namespace scalefit::laws
