/// @file diagnostics.hpp
/// Design diagnostics: can these runs identify this law at all?
///
/// Computed for every fit with data (Fit() stores them in
/// FitResult::diagnostics) and on demand with Diagnose(). They describe the
/// DESIGN (which runs were trained) and the local geometry of the fit at its
/// optimum; they are not an uncertainty estimate (see the uncertainty module).
///
/// What is measured (n = points, P = free parameters):
///  - number of points; distinct values of each input (relative tolerance
///    1e-9, as in DataSummary) and their span in decades, log10(max/min);
///  - compute C per run: the C input if the law has one, else C = 6·N·D
///    (flops::Flops6ND) when the law has N and D inputs; its distinct values
///    and span in decades;
///  - tokens per parameter D/N (laws with N and D inputs): min, median, max
///    and spread in decades, log10(max/min);
///  - the Jacobian J_ik = √w̃_i · ∂r_i/∂z_k at the optimum, where r_i is the
///    fit's residual (log L̂_i − log L_i for huber_log and mse_log,
///    L̂_i − L_i for mse), w̃ the weights normalised to mean 1, and z_k the
///    optimiser's coordinate (log p_k for positive scales such as E, A, B;
///    p_k otherwise). ∂L/∂p comes from LawModel::ValueAndGradient (exact).
///    Columns are scaled to unit norm; `condition_number` is the ratio of the
///    largest to the smallest singular value of the scaled J (1 = orthogonal
///    columns; +inf = rank deficient);
///  - parameter correlations from (JᵀJ)⁻¹ (Gauss–Newton, all rows, ignoring
///    the Huber down-weighting), strongest first;
///  - Gauss–Newton standard errors of the exponents,
///    se_k = σ · sqrt((JᵀJ)⁻¹_kk) with σ = max(σ̂, σ_floor):
///    σ̂² = Σ w̃_i r_i² / (n − P) and σ_floor = 1e-3 (log objectives; 0.1 %
///    relative run-to-run noise) or 1e-3 · mean L (mse). The floor keeps a
///    noiseless but degenerate design from looking identified;
///  - parameters at a bound (ParamValue::at_bound);
///  - the floor: a linear parameter whose basis function is the constant 1
///    (E in chinchilla and saturating_power_law), detected numerically from
///    ∂L/∂p; flagged when E ≥ (1 − g) · min observed loss with
///    g = max(1e-2, 2σ_rel), σ_rel the noise σ relative to the loss (σ for
///    log objectives, σ / mean L for mse): a floor closer to the smallest
///    loss than two noise standard deviations is indistinguishable from it.
///
/// `identified` concerns the EXPONENTS (the law's free non-linear
/// parameters, e.g. alpha and beta): false when an exponent is at a bound,
/// when J is rank deficient (condition number > 1e10 or not finite), or when
/// an exponent's relative standard error se_k / |p_k| exceeds 0.25.
///
/// WARNING: the condition number and the correlations depend on the
/// parametrisation. A ↔ alpha correlations near ±1 are normal (A is the loss
/// at N = 1, far outside the data) and are not reported as trouble; only
/// pairs of exponents and the floor are.
/// WARNING: extrapolation from an unidentified fit is refused by
/// RequireIdentified() (used by allocation) unless the caller opts in.
#pragma once

#include <string>
#include <vector>

namespace scalefit {

struct FitResult;

/// One problem found in the design or the fit, in plain words.
struct DiagnosticWarning {
  /// Stable identifier: "few_points", "few_distinct", "narrow_span",
  /// "single_budget" (every run at one C = 6ND, law in N and D; also makes
  /// `identified` false), "single_ratio", "narrow_ratio", "ill_conditioned",
  /// "high_correlation", "unidentified", "at_bound", "floor_at_min_loss",
  /// "not_converged".
  std::string code;
  /// What is wrong, why it matters and what to do.
  std::string message;
};

/// A correlation between two free parameters (Gauss–Newton, see above).
struct ParamCorrelation {
  std::string first, second;
  double value = 0.0;  ///< in [−1, 1]
};

/// Design and identifiability diagnostics of one fit.
struct Diagnostics {
  bool computed = false;     ///< false for FromParams (no data)
  int num_points = 0;
  int num_free_params = 0;
  std::vector<std::string> input_names;
  std::vector<int> num_distinct;        ///< per input
  std::vector<double> span_decades;     ///< per input, log10(max/min)
  bool has_compute = false;             ///< C input, or N and D inputs
  int num_distinct_compute = 0;
  double compute_span_decades = 0.0;
  bool has_tokens_per_param = false;    ///< law has N and D inputs
  double tokens_per_param_min = 0.0;
  double tokens_per_param_median = 0.0;
  double tokens_per_param_max = 0.0;
  double tokens_per_param_spread_decades = 0.0;
  /// Condition number of the column-scaled Jacobian (+inf: rank deficient).
  double condition_number = 0.0;
  /// Free-parameter correlations, strongest |value| first (all pairs).
  std::vector<ParamCorrelation> correlations;
  /// Gauss–Newton σ used for the standard errors (see above).
  double sigma = 0.0;
  std::vector<std::string> exponent_names;  ///< free non-linear parameters
  std::vector<double> exponent_rel_se;      ///< se/|value|, +inf if singular
  std::vector<std::string> at_bound;        ///< names of parameters at a bound
  std::string floor_name;                   ///< e.g. "E"; empty if none
  double floor_value = 0.0;
  double min_loss = 0.0;
  bool floor_at_min_loss = false;
  /// False when the exponents are not identified by these runs.
  bool identified = true;
  std::vector<DiagnosticWarning> warnings;

  /// One line: points, identified, number of warnings.
  std::string BriefReport() const;
  /// Every figure above and every warning with its explanation.
  std::string FullReport() const;
  /// The warnings' messages, one per line ("" when there are none).
  std::string WarningText() const;
  bool HasWarning(const std::string& code) const;
};

/// Diagnostics of a fit (empty, computed = false, for a fit without data).
/// Never throws for a result produced by Fit().
Diagnostics Diagnose(const FitResult& fit);

/// Throws NotIdentified, with the diagnostics' warnings, when the fit's
/// exponents are not identified and `allow_unidentified` is false. Uses
/// fit.diagnostics when computed, else computes them. Results without data
/// (FromParams) always pass.
void RequireIdentified(const FitResult& fit, bool allow_unidentified);

/// The text a result carries when the caller opted in to an unidentified fit
/// ("" when the fit is identified).
std::string UnidentifiedNote(const FitResult& fit);

}  // namespace scalefit
