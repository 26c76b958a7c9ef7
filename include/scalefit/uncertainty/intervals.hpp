/// @file intervals.hpp
/// Delta-method intervals on parameters, on the Chinchilla frontier's
/// derived quantities and on predictions, and the tables that hold them
/// (also filled by the bootstrap's percentile intervals).
///
/// `level` means the same thing everywhere: the interval is CENTRAL and
/// TWO-SIDED with coverage `level` (0 < level < 1), i.e. it runs from the
/// (1 − level)/2 to the (1 + level)/2 quantile. Two methods:
///
///  - delta method ("delta"): θ̂ ± z·se with z = Φ⁻¹((1 + level)/2) and
///    se² = gᵀ Σ g, g the EXACT gradient (automatic differentiation through
///    the law functor or the templated closed forms of laws/chinchilla.hpp).
///    Quantities that are positive by construction — the scales E, A, B
///    (ParamSpec::positive), G, N_opt, D_opt, D/N, L*, and predictions under
///    log objectives — get the interval on the LOG scale,
///    exp(log q̂ ± z·se/q̂), so it never crosses zero; the rest (exponents,
///    a, b, predictions under "mse") on the linear scale.
///  - bootstrap percentile ("bootstrap_<method>"): the (1 ± level)/2
///    quantiles (linear interpolation between order statistics, numpy's
///    default "linear" rule) of the replicates' values.
///
/// WARNING: delta-method intervals are first-order: for strongly nonlinear
/// quantities far from the data (L* or N_opt at 1e26 FLOPs) they can be
/// much narrower than bootstrap percentiles; compare both.
#pragma once

#include <string>
#include <vector>

#include "scalefit/fit.hpp"
#include "scalefit/uncertainty/covariance.hpp"
#include "scalefit/uncertainty/statistics.hpp"

namespace scalefit {

/// Intervals on named quantities (one row each).
struct IntervalTable {
  std::vector<std::string> names;
  std::vector<double> mean;  ///< point estimate (plug-in value at θ̂)
  std::vector<double> lower, upper;
  std::vector<double> std_errors;  ///< delta: se; bootstrap: sd of replicates
  std::vector<unsigned char> log_scale;  ///< interval built on log scale
  double level = 0.0;
  std::string method;      ///< "delta" or "bootstrap_<method>"
  int num_replicates = 0;  ///< bootstrap: converged replicates used

  int num_rows() const { return static_cast<int>(names.size()); }
  /// Row index by name; throws UnknownName listing the names.
  int Index(const std::string& name) const;
  std::string BriefReport() const;
  std::string FullReport() const;
};

/// Names of the derived quantities for budgets C (FLOPs, 6ND with the
/// fit's k): "a", "b", "G", then per budget "N_opt@C", "D_opt@C",
/// "tokens_per_param@C", "loss_opt@C" with C printed by FormatFull.
std::vector<std::string> DerivedNames(const std::vector<double>& budgets);

/// Delta-method intervals on every parameter and, for the chinchilla law,
/// on the derived quantities (a, b, G, and N_opt, D_opt, D/N, L* at each
/// budget; ChinchillaFrontierAt of laws/chinchilla.hpp differentiated with
/// ceres::Jet). Fixed parameters get lower = upper = value. Throws
/// InvalidArgument for a bad level, a result without data, budgets for a
/// law other than chinchilla, or budgets not finite and > 0.
IntervalTable ConfInt(const FitResult& result, double level = 0.95,
                      const std::vector<double>& budgets = {});
IntervalTable ConfInt(const FitResult& result, const Covariance& cov,
                      double level, const std::vector<double>& budgets = {});

/// The fit's full report with a standard error and a delta-method interval
/// at `level` next to every parameter (FitResult::FullReport with
/// ParamUncertainty). A result without data (given parameters, a card
/// without data) gets the plain report.
std::string FitSummary(const FitResult& result, double level = 0.95);

/// Kind of interval on a prediction.
///  confidence: for the law's value L(x; θ) (the mean curve);
///  prediction: for a NEW observation at x, adding the residual noise —
///    delta: variance σ̂² (Covariance::residual_variance) on the residual
///    scale (log L for log objectives); bootstrap: a residual of the fit
///    drawn per replicate.
enum class IntervalKind { kConfidence, kPrediction };
IntervalKind ParseIntervalKind(const std::string& name);
std::string ToString(IntervalKind kind);

/// Predicted loss with an interval at each row of inputs.
struct PredictionTable {
  std::vector<double> mean;  ///< L(x; θ̂)
  std::vector<double> lower, upper;
  /// Standard error of the predicted mean L(x; θ̂) in loss units (what
  /// statsmodels calls mean_se), also for prediction intervals: delta method
  /// sqrt(gᵀΣg); bootstrap: standard deviation of the converged replicates'
  /// predictions (rescaled like the interval for subsampling).
  std::vector<double> std_errors;
  double level = 0.0;
  std::string interval;  ///< "confidence" or "prediction"
  std::string method;    ///< "delta" or "bootstrap_<method>"
  /// Per row: decades beyond the fitted runs (FitResult::DecadesBeyondData).
  std::vector<double> decades_beyond_data;
  /// FitResult::ExtrapolationWarning for these rows ("" when none lies past
  /// kExtrapolationWarningDecades).
  std::string warning;
  std::string BriefReport() const;
};

/// Delta-method prediction intervals at rows of inputs (row-major, law
/// input order; validated as in FitResult::Predict).
PredictionTable PredictInterval(const FitResult& result,
                                const std::vector<double>& x, double level,
                                IntervalKind kind = IntervalKind::kConfidence);

}  // namespace scalefit
