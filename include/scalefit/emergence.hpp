/// @file emergence.hpp
/// Which kind of scaling a task's score curve shows across a ladder or a
/// model family — smooth, flat, inverse, not correlated or emergent — with
/// the statistics behind the answer, and whether it can be forecast.
///
/// Data: m models (m ≥ 4) with compute C_i > 0 (FLOPs, any unit), a score
/// s_i ∈ [0, 1] (an accuracy: the fraction of n_i questions answered
/// correctly), the chance score p₀ and the ceiling c (1). x_i = log10 C_i.
///
/// Statistics (all in the result):
///  1. Above chance: the exact one-sided binomial test of k_i = round(s_i n_i)
///     correct answers against p₀: p_i = P(X ≥ k_i | n_i, p₀).
///  2. Trend: weighted least squares of s on x, weights 1/v_i with
///     v_i = π_i(1 − π_i)/n_i + extra_sd², π_i = s_i clamped to
///     [1/n_i, 1 − 1/n_i]. The slope (score per decade of compute) has
///     standard error sqrt(φ · [(XᵀWX)⁻¹]₁₁) with the quasi-binomial
///     dispersion φ = max(1, χ²_lin/(m − 2)), and a two-sided t test on
///     m − 2 degrees of freedom.
///  3. Constant: χ²_const = Σ w_i (s_i − s̄_w)² on m − 1 degrees of freedom:
///     is the spread beyond the binomial noise?
///  4. Onset versus line: the sigmoid link (laws/sigmoid.hpp) in x with its
///     floor at p₀ and its ceiling at c, s = p₀ + (c − p₀)·σ(k(x − x0)),
///     fitted by the engine (weights 1/v_i, objective mse) — two free
///     parameters like the line, so Δ = χ²_lin − χ²_onset compares them
///     directly.
/// Rules, in order (α = `alpha`):
///  - emergent: the top model is above chance (p_top < α), the bottom model
///    is at chance (p_bottom ≥ α/m, Bonferroni over the m models), the slope
///    is positive and Δ ≥ onset_threshold · φ_min, φ_min = max(1,
///    min(χ²_lin, χ²_onset)/(m − 2)): flat at chance, then rising;
///  - smooth: slope > 0 with p < α;
///  - inverse: slope < 0 with p < α;
///  - not_correlated: no trend, but the constant model is rejected (p < α):
///    scores move beyond the noise without following compute;
///  - flat: none of the above; `at_chance` when the weighted mean score is
///    consistent with p₀ (two-sided, level α).
/// Forecast gate: a point forecast beyond the models is allowed only for
/// smooth, emergent, inverse or flat-above-chance curves whose top model is
/// above chance at `forecast_alpha` (0.001: ≈ 3.1 binomial standard errors,
/// stricter than α because a forecast from a curve still at chance would be
/// a number without support). Otherwise the result is "cannot be forecast
/// yet" with what is known:
///  - the onset C_onset = min{C : E s(C) ≥ p₀ + margin} satisfies
///    C_onset > C_lb with confidence ≥ 1 − α, where C_lb is the largest C_i
///    whose Clopper–Pearson upper bound (one-sided, level 1 − α/m) is below
///    p₀ + margin (valid when the expected score does not fall with
///    compute; 0 when no model qualifies);
///  - beyond the models the score is only known to lie in [p₀, c].
///
/// Calibration (planted curves with binomial noise, 8 models over 4
/// decades; docs/downstream.md): 96–99 % of curves get their planted kind
/// at 300–5000 questions; the errors are the designed α = 0.05 false
/// positives of the trend and constant tests.
///
/// WARNING: only binomial noise is assumed. Seed-to-seed variation of real
/// models adds to it: pass `extra_sd` (score units) when it is known, or
/// flat curves come out "not correlated".
/// WARNING: a curve whose last model just left chance has little to say
/// about the onset's steepness: such tasks are emergent or smooth with wide
/// forecast intervals, never a confident number.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace scalefit {

/// The kinds of curves (BIG-bench's taxonomy: Srivastava et al. 2022).
enum class EmergenceKind {
  kSmooth,
  kFlat,
  kInverse,
  kNotCorrelated,
  kEmergent
};

/// "smooth", "flat", "inverse", "not_correlated", "emergent".
std::string ToString(EmergenceKind kind);
/// Parses a kind name; throws UnknownName listing the names.
EmergenceKind ParseEmergenceKind(const std::string& name);

/// Thresholds of the classification (see the file comment).
struct EmergenceOptions {
  /// Level of the trend, constant and above-chance tests, in (0, 0.5).
  double alpha = 0.05;
  /// Level at which the top model must be above chance for a point
  /// forecast beyond the models, in (0, alpha].
  double forecast_alpha = 0.001;
  /// Δχ² (in units of the dispersion) by which the onset curve must beat
  /// the line for "emergent"; > 0.
  double onset_threshold = 4.0;
  /// Score above chance that defines the onset (for the lower bound on the
  /// onset compute), in (0, ceiling − chance).
  double margin = 0.05;
  /// The best possible score, in (chance, 1].
  double ceiling = 1.0;
  /// Known noise beyond the binomial (score units), ≥ 0.
  double extra_sd = 0.0;

  /// True when every field is in range; otherwise `why` says which is not.
  bool IsValid(std::string* why) const;
};

/// A classified curve with its evidence. A value.
struct EmergenceResult {
  EmergenceKind kind = EmergenceKind::kFlat;
  /// A point forecast beyond the models is supported (file comment).
  bool forecastable = false;
  /// The top model is not above chance at `forecast_alpha`.
  bool at_chance_at_top = true;
  /// The weighted mean score is consistent with chance (flat curves).
  bool at_chance = false;
  EmergenceOptions options;

  // Data, sorted by compute.
  std::vector<double> compute, scores, n_items;
  double chance = 0.0;

  // 1. above chance
  std::vector<double> above_chance_p;  ///< per model, exact binomial
  double top_p = 1.0, bottom_p = 1.0;
  // 2. trend in x = log10 C
  double intercept = 0.0;
  double slope = 0.0;     ///< score per decade of compute
  double slope_se = 0.0;  ///< with the dispersion
  double slope_p = 1.0;   ///< two-sided t test, m − 2 df
  double dispersion = 1.0;
  double chi2_linear = 0.0;
  // 3. constant
  double weighted_mean = 0.0;
  double chi2_constant = 0.0;
  double constant_p = 1.0;
  // 4. onset curve (sigmoid with floor = chance, ceiling = options.ceiling)
  double chi2_onset = 0.0;
  double onset_log10_compute = 0.0;  ///< x0, the midpoint's log10 C
  double onset_steepness = 0.0;      ///< k, per decade
  bool onset_converged = false;
  double delta_chi2 = 0.0;  ///< χ²_lin − χ²_onset
  // What is known when the curve cannot be forecast.
  /// C_lb of the file comment: the onset lies above it with confidence
  /// ≥ 1 − alpha; 0 when no model qualifies.
  double onset_lower_bound = 0.0;
  /// Largest compute among the models (the top of the ladder).
  double top_compute = 0.0;

  /// One sentence: the kind, the evidence and what may be forecast.
  std::string statement;

  std::string BriefReport() const;
  std::string FullReport() const;
};

/// The largest number of questions an evaluation may have: 2^53, the last
/// whole number a double holds exactly (counts are whole numbers).
inline constexpr double kMaxItems = 9007199254740992.0;

/// Whether `n` can be a count of questions: a whole number in
/// [0, kMaxItems] (NaN and infinities are not).
inline bool IsItemCount(double n) {
  return n >= 0.0 && n <= kMaxItems && n == std::floor(n);
}

/// Classifies a curve. `n_items` holds one count per model, or one for all;
/// every count a whole number in [1, kMaxItems]. Throws InvalidArgument naming
/// the offending argument and index: fewer than 4 models, lengths that differ,
/// compute not finite and > 0, scores outside [0, 1], chance outside [0,
/// ceiling), or invalid options.
EmergenceResult ClassifyEmergence(const std::vector<double>& compute,
                                  const std::vector<double>& scores,
                                  double chance,
                                  const std::vector<double>& n_items,
                                  const EmergenceOptions& options = {});

}  // namespace scalefit
