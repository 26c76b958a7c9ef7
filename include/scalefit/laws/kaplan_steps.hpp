/// @file kaplan_steps.hpp
/// The model-size / training-steps law of Kaplan et al. 2020 (Eqs. 1.6 /
/// 5.6) and its compute-efficient frontier in closed form (App. B.2),
/// written against the law and the critical batch size (critical_batch.hpp).
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/critical_batch.hpp"
#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"

namespace scalefit::laws {

/// L(N, S) = (N_c / N)^α_N + (S_c / S)^α_S   (Kaplan et al. 2020, Eqs. 1.6
///                                             and 5.6)
///
/// The learning curve of a model of N non-embedding parameters after S
/// parameter updates, in the infinite-data limit, "after an initial
/// transient period" (past warmup). S is S_min, the steps the run would
/// need at a batch size far above the critical one: convert the steps of a
/// run at batch size B with MinimumStepsAt (critical_batch.hpp, Eq. 5.4).
/// Parameters: N_c > 0 (parameters; fitted in log), α_N > 0, S_c > 0
/// (steps; fitted in log), α_S > 0. None is linear (N_c and S_c sit inside
/// the powers), so the default start is a grid over all four.
/// Inputs: N = non-embedding parameters, S = S_min steps; plain counts.
/// Limits: S → ∞ gives L(N) = (N_c/N)^α_N (Eq. 1.1).
///
/// Published values (Kaplan et al. 2020, WebText2, loss in nats), Table 3
/// ("Fits to L(N,S)", §5.2): α_N = 0.077, α_S = 0.76, N_c = 6.5·10^13,
/// S_c = 2.1·10^3 — the typical values below. Table 5 (App. A) lists
/// α_S = 0.76 and S_c = 2.1·10^3 next to the L(N) fit α_N = 0.076,
/// N_c = 8.8·10^13 (Eq. 1.1).
///
/// WARNING: N EXCLUDES embeddings (Kaplan's convention), unlike chinchilla.
/// WARNING: there is no data term: the law describes runs that never repeat
/// data; at the end of a schedule tuned to a token budget (Chinchilla's
/// setting) the loss is lower than the learning curve of a long schedule,
/// one reason the frontiers differ (docs/allocation.md).
/// WARNING: "the fits are imperfect" (§5.2) and break down early in
/// training: fit points past warmup only.
struct KaplanSteps {
  static constexpr const char* kName = "kaplan_steps";
  static constexpr const char* kFormula =
      "L(N, S) = (N_c / N)^alpha_N + (S_c / S)^alpha_S";
  static constexpr int kNumParams = 4;
  static constexpr int kNumInputs = 2;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"N_c", true, false, 0.0, kInf, 1e9, 1e17, 6.5e13},
      {"alpha_N", false, false, 1e-4, 5.0, 0.02, 0.6, 0.077},
      {"S_c", true, false, 0.0, kInf, 1e0, 1e6, 2.1e3},
      {"alpha_S", false, false, 1e-3, 10.0, 0.1, 2.0, 0.76},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"N", "S"}};

  /// L at log N, log S (natural logs); the one place the formula is written.
  template <typename T, typename U>
  static T EvaluateAtLogs(const T* p, const U& log_N, const U& log_S) {
    using std::exp;
    using std::log;
    return exp(p[1] * (log(p[0]) - log_N)) + exp(p[3] * (log(p[2]) - log_S));
  }

  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    return EvaluateAtLogs(p, x.log(0), x.log(1));
  }
};

}  // namespace scalefit::laws

namespace scalefit {

/// Kaplan et al.'s compute-efficient frontier (App. B.1–B.2): for a budget of
/// C_min FLOPs (compute at B ≪ B_crit, Eq. 5.5; C_min = 6·N·B_crit·S_min),
/// minimise L(N, S_min) (KaplanSteps) with S_min = C_min / (6·N·B_crit(L))
/// and B_crit(L) = B_star/L^(1/α_B) (CriticalBatch). The optimum (Eq. B.4)
/// gives, with f = α_N/α_S:
///   α_C = 1 / (1/α_S + 1/α_B + 1/α_N)                       (Eqs. 1.8, 6.4)
///   C_c = 6·N_c·B_star·S_c·(1 + f)^(1/α_S + 1/α_N)·(1/f)^(1/α_S)
///   L(C_min) = (C_c / C_min)^α_C                              (Eq. 6.3)
///   N_opt = N_c·(C_min/C_c)^(α_C/α_N)·(1 + f)^(1/α_N)         (Eq. 6.5)
///   S_min = C_c/(6·N_c·B_star)·(1 + f)^(−1/α_N)·(C_min/C_c)^(α_C/α_S)
///   B_crit = B_star / L^(1/α_B)
/// so N_opt ∝ C_min^(α_C/α_N), B_crit ∝ C_min^(α_C/α_B),
/// S_min ∝ C_min^(α_C/α_S) (Eq. 1.7), and the optimum trains to
/// L = (1 + f)·L(N_opt, ∞): f ≈ 10 % above convergence. Tokens:
/// E_min = B_crit·S_min = C_min/(6·N_opt) at B ≪ B_crit; training at
/// B = B_crit takes 2·S_min steps, 2·E_min tokens and 2·C_min FLOPs (§5.1).
/// All members are T (double or ceres::Jet); computed in logs. `loss` is
/// KaplanSteps::EvaluateAtLogs at (log N_opt, log S_min) — the law's own
/// formula — and equals (C_c/C_min)^α_C up to rounding.
template <typename T>
struct KaplanFrontier {
  T alpha_C;        ///< α_C^min of Eq. 6.4
  T log_C_c;        ///< log C_c (FLOPs)
  T p_N, p_B, p_S;  ///< exponents of N_opt, B_crit, S_min
  T log_N_opt, log_S_min, log_B_crit;
  T N_opt, S_min, B_crit, tokens_min;
  T loss;
};

/// The frontier at log C_min (natural log of FLOPs). `steps` = (N_c,
/// alpha_N, S_c, alpha_S) of KaplanSteps, `batch` = (B_star, alpha_B) of
/// CriticalBatch. Preconditions (unchecked so that T may be a Jet; the
/// runtime API validates): all positive and finite.
template <typename T, typename U>
KaplanFrontier<T> KaplanFrontierAtLog(const T* steps, const T* batch,
                                      const U& log_C_min) {
  using std::exp;
  using std::log;
  const T& N_c = steps[0];
  const T& a_N = steps[1];
  const T& S_c = steps[2];
  const T& a_S = steps[3];
  const T& B_star = batch[0];
  const T& a_B = batch[1];
  KaplanFrontier<T> f;
  f.alpha_C = 1.0 / (1.0 / a_S + 1.0 / a_B + 1.0 / a_N);
  const T log1f = log(1.0 + a_N / a_S);
  f.log_C_c = log(6.0) + log(N_c) + log(B_star) + log(S_c) +
              (1.0 / a_S + 1.0 / a_N) * log1f + (log(a_S) - log(a_N)) / a_S;
  f.p_N = f.alpha_C / a_N;
  f.p_B = f.alpha_C / a_B;
  f.p_S = f.alpha_C / a_S;
  const T x = log_C_min - f.log_C_c;  // log(C_min / C_c)
  f.log_N_opt = log(N_c) + f.p_N * x + log1f / a_N;
  f.log_S_min =
      f.log_C_c - log(6.0) - log(N_c) - log(B_star) - log1f / a_N + f.p_S * x;
  const T log_loss = -f.alpha_C * x;
  f.log_B_crit = log(B_star) - log_loss / a_B;
  f.N_opt = exp(f.log_N_opt);
  f.S_min = exp(f.log_S_min);
  f.B_crit = exp(f.log_B_crit);
  f.tokens_min = exp(f.log_B_crit + f.log_S_min);
  f.loss = laws::KaplanSteps::EvaluateAtLogs(steps, f.log_N_opt, f.log_S_min);
  return f;
}

}  // namespace scalefit
