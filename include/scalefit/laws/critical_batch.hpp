/// @file critical_batch.hpp
/// The critical batch size of Kaplan et al. 2020 (Eqs. 1.4 / 5.3) and the
/// step and compute accounting built on it (Eqs. 5.4, 5.5).
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"

namespace scalefit::laws {

/// B_crit(L) = B_star / L^(1/α_B)      (Kaplan et al. 2020, Eqs. 1.4 / 5.3)
///
/// The batch size (in TOKENS) that trades time against compute best when
/// training to loss L (McCandlish et al. 2018): below it, doubling the batch
/// halves the steps at almost no extra compute; above it, returns diminish.
/// Kaplan et al. find it depends on the model only through the loss reached.
/// Parameters: B_star > 0 (tokens; fitted in log), alpha_B > 0.
/// Input: L = the loss (nats per token) the batch size is measured at.
/// The fitted quantity (the data's "loss" column) is B_crit in tokens.
/// Evaluated as exp(log B_star − log L / α_B), i.e. log B_crit is linear in
/// (log B_star, 1/α_B).
///
/// Published values (Kaplan et al. 2020, WebText2, loss in nats): §1.2
/// prints B_star ~ 2·10^8 tokens, α_B ~ 0.21; Table 5 (App. A) B_star =
/// 2.1·10^8, α_B = 0.21 (the typical values below). B_crit doubles for every
/// 13 % decrease in loss (§5.1, Fig. 10).
///
/// WARNING: Kaplan et al. are "not especially confident in the prediction of
/// B_crit(L) for values of the loss far outside the range we have explored"
/// (App. C); the law has no floor (B_crit → ∞ only as L → 0).
/// WARNING: L must be in nats per token of the same tokenizer as B_star;
/// B_star has no meaning across tokenizers.
struct CriticalBatch {
  static constexpr const char* kName = "critical_batch";
  static constexpr const char* kFormula =
      "B_crit(L) = B_star / L^(1 / alpha_B)";
  static constexpr int kNumParams = 2;
  static constexpr int kNumInputs = 1;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"B_star", true, false, 0.0, kInf, 1e5, 1e11, 2.1e8},
      {"alpha_B", false, false, 1e-3, 10.0, 0.05, 1.0, 0.21},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"L"}};

  /// B_crit at log L (natural log); the one place the formula is written.
  template <typename T, typename U>
  static T EvaluateAtLog(const T* p, const U& log_L) {
    using std::exp;
    using std::log;
    return exp(log(p[0]) - log_L / p[1]);
  }

  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    return EvaluateAtLog(p, x.log(0));
  }
};

}  // namespace scalefit::laws

namespace scalefit {

/// Steps a run of S steps at batch size B (tokens) would need at B ≫ B_crit
/// to reach the same loss (Kaplan et al. 2020, Eq. 5.4):
///   S_min = S / (1 + B_crit / B).
/// From McCandlish et al.'s (S/S_min − 1)(E/E_min − 1) = 1 (Eq. 5.1) with
/// E = B·S and B_crit = E_min/S_min (Eq. 5.2). B_crit at the run's loss
/// (CriticalBatch). T may be a Jet (B_crit from fitted parameters).
template <typename T>
T MinimumStepsAt(double S, double B, const T& B_crit) {
  return S / (1.0 + B_crit / B);
}

/// Compute a run of C FLOPs at batch size B (tokens) would need at
/// B ≪ B_crit to reach the same loss (Kaplan et al. 2020, Eq. 5.5):
///   C_min = C / (1 + B / B_crit),  C = 6·N·B·S (non-embedding FLOPs).
/// Then C_min = 6·N·B_crit·S_min for any B (§6.1: "by definition").
template <typename T>
T MinimumComputeAt(double C, double B, const T& B_crit) {
  return C / (1.0 + B / B_crit);
}

}  // namespace scalefit
