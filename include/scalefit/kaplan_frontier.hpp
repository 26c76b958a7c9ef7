/// @file kaplan_frontier.hpp
/// Kaplan et al. 2020's compute-efficient frontier (§6, App. B) from fits of
/// its two laws, and the critical-batch accounting that turns a run's steps
/// and FLOPs into S_min and C_min (Eqs. 5.4, 5.5).
///
/// Inputs: a fit of "kaplan_steps", L(N, S_min) = (N_c/N)^α_N +
/// (S_c/S_min)^α_S (Eq. 5.6), and a fit of "critical_batch",
/// B_crit(L) = B_star/L^(1/α_B) (Eq. 5.3) — or published parameters through
/// FromParams. Output per budget C_min (FLOPs at B ≪ B_crit; Kaplan quote
/// PF-days, flops.hpp converts): N_opt (non-embedding parameters), B_crit
/// (tokens), S_min (steps), E_min = B_crit·S_min = C_min/(6·N_opt) (tokens)
/// and the loss, from the closed forms of laws/kaplan_steps.hpp
/// (KaplanFrontierAtLog), plus the exponents N_opt ∝ C_min^(α_C/α_N),
/// B_crit ∝ C_min^(α_C/α_B), S_min ∝ C_min^(α_C/α_S) and
/// α_C = 1/(1/α_S + 1/α_B + 1/α_N) (Eqs. 1.7, 1.8).
///
/// How this frontier differs from Chinchilla's (docs/allocation.md): it
/// minimises the LEARNING CURVE of long runs (no data term: data are never
/// repeated and never the constraint), with compute counted at B ≪ B_crit;
/// the optimum stops 10 % above the model's converged loss (α_N/α_S). The
/// Chinchilla frontier minimises the loss at the END of a schedule matched to
/// D (L(N, D), Eq. 2), which is lower than a long run's learning curve at the
/// same tokens, so data are worth more and N_opt grows more slowly
/// (a ≈ 0.5 against Kaplan's 0.73; Porian et al. 2024 trace the gap to
/// last-layer FLOPs, warmup and schedule/optimizer tuning). Kaplan also count
/// N without embeddings.
///
/// WARNING: Eq. 6.4 prints α_C ≈ 0.054 and Eq. 6.5 N ∝ C^0.71; Table 5's
/// exponents give 0.0520 (as App. B.2 prints) and 0.684. The empirical fit
/// of Fig. 14 is N ∝ C_min^0.73 (Eq. 6.1) — a measurement, not this formula.
#pragma once

#include <string>
#include <vector>

#include "scalefit/fit.hpp"

namespace scalefit {

struct KaplanFrontierOptions {
  /// Refuse (NotIdentified) fits whose exponents are not identified
  /// (diagnostics.hpp) unless true; the table then carries the warning.
  bool allow_unidentified = false;

  bool IsValid(std::string* why) const;
};

/// The frontier at each budget (one row per C_min) and its constants.
struct KaplanFrontierTable {
  std::vector<double> C_min;               ///< FLOPs at B ≪ B_crit
  std::vector<double> N_opt;               ///< non-embedding parameters
  std::vector<double> B_crit;              ///< tokens per batch
  std::vector<double> S_min;               ///< steps at B ≫ B_crit
  std::vector<double> tokens_min;          ///< B_crit·S_min = C_min/(6·N_opt)
  std::vector<double> loss;                ///< L(N_opt, S_min), nats
  double alpha_C = 0.0;                    ///< 1/(1/α_S + 1/α_B + 1/α_N)
  double C_c = 0.0;                        ///< L = (C_c/C_min)^α_C, FLOPs
  double p_N = 0.0, p_B = 0.0, p_S = 0.0;  ///< exponents of the three
  /// α_N/α_S: the optimum trains to (1 + f)·L(N_opt, ∞) (App. B.2).
  double convergence_factor = 0.0;
  std::string warning;  ///< "" unless a fit is not identified

  int num_rows() const { return static_cast<int>(C_min.size()); }
  static std::vector<std::string> ColumnNames();
  /// The column by name; throws UnknownName listing them.
  const std::vector<double>& column(const std::string& name) const;
  /// One line: exponents and budgets.
  std::string BriefReport() const;
  /// The constants and every row at full precision.
  std::string FullReport() const;
};

/// The compute-efficient frontier at budgets C_min (FLOPs). `steps` must be a
/// result of the built-in "kaplan_steps" law and `batch` of
/// "critical_batch" (fitted, or FromParams). Throws InvalidArgument for
/// other laws, a budget not finite and > 0, or invalid options;
/// NotIdentified for an unidentified fit unless allowed.
KaplanFrontierTable KaplanComputeEfficient(
    const FitResult& steps, const FitResult& batch,
    const std::vector<double>& C_min,
    const KaplanFrontierOptions& options = {});

/// Eq. 5.4 per run: S_min = S/(1 + B_crit(L)/B), with B_crit from `batch` (a
/// critical_batch result) at each run's loss L. Equal-length vectors of
/// steps S, batch sizes B (tokens) and losses L; throws InvalidArgument
/// naming the offending column and 0-based row (not finite and > 0, or
/// lengths differ) or for another law.
std::vector<double> MinimumSteps(const FitResult& batch,
                                 const std::vector<double>& S,
                                 const std::vector<double>& B,
                                 const std::vector<double>& L);

/// Eq. 5.5 per run: C_min = C/(1 + B/B_crit(L)) (C in FLOPs, 6·N·B·S);
/// validation as MinimumSteps.
std::vector<double> MinimumCompute(const FitResult& batch,
                                   const std::vector<double>& C,
                                   const std::vector<double>& B,
                                   const std::vector<double>& L);

}  // namespace scalefit
