/// @file diagnostics_types.hpp
/// The design diagnostics as a value: what FitResult::diagnostics holds and
/// fit cards store. Plain data and their reports only; they are computed by
/// the diagnostics analysis (Diagnose, diagnostics.hpp), which documents
/// every figure and threshold.
#pragma once

#include <string>
#include <vector>

namespace scalefit {

/// One problem found in the design or the fit, in plain words.
struct DiagnosticWarning {
  /// Stable identifier: "few_points", "few_distinct", "narrow_span",
  /// "single_budget" (every run at one C — the data's C column, else the
  /// fit's FLOP convention — law in N and D; also makes `identified` false),
  /// "single_ratio", "narrow_ratio", "ill_conditioned", "high_correlation",
  /// "unidentified", "at_bound", "floor_at_min_loss", "not_converged"; from the
  /// profile check (CheckIdentification, uncertainty/profile.hpp):
  /// "weakly_identified", "competing_basin", "better_optimum" (each also makes
  /// `identified` false).
  std::string code;
  /// What is wrong, why it matters and what to do.
  std::string message;
};

/// A correlation between two free parameters (Gauss–Newton, see above).
struct ParamCorrelation {
  std::string first, second;
  double value = 0.0;  ///< in [−1, 1]
};

/// A free parameter whose profile is flat (CheckIdentification,
/// uncertainty/profile.hpp): its profile interval reaches a bound or the
/// search limit, or spans more than the stated range.
struct WeakParameter {
  std::string name;
  double estimate = 0.0;
  double lower = 0.0, upper = 0.0;  ///< the profile interval (±inf if open)
  double level = 0.0;
  std::string reason;  ///< the profile's `identification` text
};

/// Another optimum of the same objective: a polished start that ended with
/// materially different parameters within the profile threshold of the
/// best objective (deviance ≤ the 95 % threshold), so the data do not
/// tell the two apart.
struct CompetingBasin {
  std::vector<double> params;  ///< law order, user units
  double objective = 0.0;      ///< FitResult::objective units
  double deviance = 0.0;       ///< 2·(f − f̂)/c (profile.hpp calibration)
};

/// Design and identifiability diagnostics of one fit.
struct Diagnostics {
  bool computed = false;  ///< false for FromParams (no data)
  int num_points = 0;
  int num_free_params = 0;
  std::vector<std::string> input_names;
  std::vector<int> num_distinct;     ///< per input
  std::vector<double> span_decades;  ///< per input, log10(max/min)
  bool has_compute = false;          ///< C input, or N and D inputs
  int num_distinct_compute = 0;
  double compute_span_decades = 0.0;
  bool has_tokens_per_param = false;  ///< law has N and D inputs
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
  /// The profile check ran (CheckIdentification: Fit() with
  /// FitOptions::profile_check, or later). False means weak identification
  /// was NOT checked (not that the fit is identified in that sense); the
  /// competing-basin check runs in every Fit().
  bool profile_checked = false;
  /// Free non-linear parameters whose profile is flat, with their range.
  std::vector<WeakParameter> weak_parameters;
  /// Other optima the data do not distinguish from the fit's.
  std::vector<CompetingBasin> competing_basins;
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

}  // namespace scalefit
