/// @file backtest.hpp
/// Backtests: how well has this recipe (law + objective + fit options)
/// extrapolated on the user's own runs so far? And the sensitivity panel:
/// how much does the choice of error model move the answer?
///
/// A backtest refits the law on the runs below a threshold of a "split"
/// quantity (compute by default) and predicts the runs at or above it:
///   train = {i : s_i <  threshold},   held out = {i : s_i >= threshold}.
/// Every refit starts from scratch with the given FitOptions (never from the
/// full-data fit, which has seen the held-out runs).
///
/// Metrics over the held-out runs (unweighted, L = observed, L̂ = predicted):
///   ARE_i   = |L̂_i − L_i| / L_i                 (absolute relative error)
///   mean ARE, max ARE,
///   RMSLE   = sqrt(mean_i (ln L̂_i − ln L_i)²)   (natural log),
///   coverage = share of held-out runs with lower_i ≤ L_i ≤ upper_i
///              (only when an interval function is given; else NaN).
/// Extrapolation distance of a held-out run: log10(s_i / s_max,train), in
/// decades of the split quantity beyond the largest training run (negative
/// = inside the training range, possible for leave-one-group-out).
///
/// Baseline to beat ("best observed loss"): every held-out run is predicted
/// at the LOWEST loss among the training runs of its fold — the forecast
/// "scaling stops here". A law that does not beat it has not earned its
/// extrapolation. Baseline metrics use the same formulas.
///
/// Analyses in one call:
///  - the split at `threshold` (folds[0]);
///  - rolling origin: the same at several thresholds (default: the largest
///    split value divided by 10^(0.5 j), j = 1..6, keeping those that leave
///    enough runs on both sides), summarised as error against extrapolation
///    distance in bins of 0.5 decades;
///  - leave-one-group-out: runs grouped by an input (default N: one group per
///    model size, values within 2% relative merged), the largest group(s)
///    left out one at a time and predicted from all other runs.
///
/// Split quantity "compute": the law's C input if it has one; else the given
/// `split_values` (e.g. the user's C column); else C = 6·N·D
/// (flops::Flops6ND) for laws with N and D inputs; else the law's only input
/// (e.g. x of power_law). Any input name ("N", "D", "x"...) is also accepted.
///
/// WARNING: a backtest measures extrapolation over the distances it tests
/// (typically ≤ 1–1.5 decades); errors grow with distance, so extrapolating
/// three decades is not covered by a good one-decade backtest.
/// WARNING: thresholds must leave at least (free parameters + 1) runs on
/// each side (training needs them to fit; the held-out side needs them to
/// make the metrics mean something); otherwise InvalidArgument says which
/// thresholds are valid.
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "scalefit/data.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/law.hpp"
#include "scalefit/objective.hpp"
#include "scalefit/run_control.hpp"

namespace scalefit {

/// Prediction intervals for a fold: given the fold's fit and row-major law
/// inputs of its held-out runs, fill lower/upper (one per run) at `level`.
/// Supplied by the uncertainty module (or the user); optional.
using IntervalFunction = std::function<void(
    const FitResult& fit, const std::vector<double>& x, double level,
    std::vector<double>* lower, std::vector<double>* upper)>;

struct BacktestOptions {
  /// Options for every refit (objective, bounds, starts...). Used as given:
  /// no warm start from a full-data fit.
  FitOptions fit;
  /// "compute" or an input name (see the file comment).
  std::string split = "compute";
  /// Optional per-row split quantity (e.g. the C column of a chinchilla data
  /// set); used when split == "compute" and the law has no C input. Finite
  /// and > 0.
  std::vector<double> split_values;
  /// Train on s < threshold, hold out s >= threshold. NaN = default: the
  /// smaller of max(s)/10 · (1 − 1e-9) (hold out the last decade; the 1e-9
  /// keeps a run sitting exactly on the decade, up to rounding of 6·N·D, on
  /// the held-out side) and the (free parameters + 1)-th largest s (hold out
  /// at least that many runs). Automatic rolling thresholds are snapped the
  /// same way.
  double threshold = std::numeric_limits<double>::quiet_NaN();
  /// Rolling origin on/off; explicit thresholds (empty = automatic).
  bool rolling = true;
  std::vector<double> rolling_thresholds;
  double rolling_step_decades = 0.5;  ///< also the width of distance bins
  int max_rolling = 6;
  /// Leave-one-group-out on/off; "" = "N" if the law has it, else the
  /// split quantity; an input name; or "groups" (Observations::groups).
  bool leave_group_out = true;
  std::string group_by;
  int num_groups_out = 1;         ///< the largest k groups, one at a time
  double group_tolerance = 0.02;  ///< relative; input values this close merge
  /// Intervals: off unless `intervals` is set and level in (0, 1).
  IntervalFunction intervals;
  double interval_level = 0.9;
  /// Folds refitted in parallel; results do not depend on it.
  int num_threads = 1;
  /// Cancellation and progress (run_control.hpp; stage "backtest folds");
  /// empty = none. Not kept in the result.
  RunControl control;
};

/// Summary metrics of one set of held-out runs (see the file comment).
struct BacktestMetrics {
  int n = 0;
  double mean_are = std::numeric_limits<double>::quiet_NaN();
  double max_are = std::numeric_limits<double>::quiet_NaN();
  double rmsle = std::numeric_limits<double>::quiet_NaN();
  double coverage = std::numeric_limits<double>::quiet_NaN();
};

/// One held-out run of one fold.
struct BacktestRun {
  int fold = 0;           ///< index into BacktestResult::folds
  int row = 0;            ///< 0-based row in the input data
  std::vector<double> x;  ///< law inputs (law order)
  double split_value = 0.0;
  double distance_decades = 0.0;
  double observed = 0.0;
  double predicted = 0.0;  ///< NaN only if the law is not finite here
  double lower = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();
  double are = 0.0;        ///< +inf when predicted is NaN
  double log_error = 0.0;  ///< ln predicted − ln observed
  double baseline = 0.0;   ///< the baseline's prediction
  double baseline_are = 0.0;
};

/// One refit and its held-out runs.
struct BacktestFold {
  std::string kind;   ///< "split", "rolling" or "leave_group_out"
  std::string label;  ///< e.g. "C < 1e+21" or "leave out N ~ 1.62e+10"
  double threshold = std::numeric_limits<double>::quiet_NaN();
  double group_value = std::numeric_limits<double>::quiet_NaN();
  int num_train = 0;
  int num_test = 0;
  double train_max_split = 0.0;  ///< largest training split value
  double max_distance_decades = 0.0;
  double baseline_loss = 0.0;  ///< lowest training loss
  FitResult fit;
  BacktestMetrics metrics;
  BacktestMetrics baseline;
};

/// Mean error of held-out runs whose extrapolation distance lies in
/// [lo, hi) decades (all rolling folds; the split fold if rolling is off).
struct DistanceBin {
  double lo = 0.0, hi = 0.0;
  BacktestMetrics metrics;
  BacktestMetrics baseline;
};

struct BacktestResult {
  std::string law;
  std::vector<std::string> input_names;  ///< law inputs (BacktestRun::x order)
  std::string objective;
  std::string split;  ///< "C = 6ND", "C", "N"...
  double threshold = 0.0;
  bool has_intervals = false;
  double interval_level = std::numeric_limits<double>::quiet_NaN();
  std::string group_by;  ///< "" when leave-one-group-out is off
  /// folds[0] is the split; then rolling folds; then leave-group-out folds.
  std::vector<BacktestFold> folds;
  /// Every held-out run of every fold (BacktestRun::fold says which).
  std::vector<BacktestRun> runs;
  std::vector<DistanceBin> by_distance;

  const BacktestFold& split_fold() const { return folds.at(0); }
  double mean_are() const { return split_fold().metrics.mean_are; }
  double max_are() const { return split_fold().metrics.max_are; }
  double rmsle() const { return split_fold().metrics.rmsle; }
  double coverage() const { return split_fold().metrics.coverage; }
  /// Held-out runs of fold `fold` (default: the split).
  std::vector<BacktestRun> FoldRuns(int fold = 0) const;
  /// One line: law, split, mean/max ARE, baseline.
  std::string BriefReport() const;
  /// Everything: split, metrics vs baseline, per-run table, rolling origin,
  /// error against distance, leave-one-group-out, fit warnings.
  std::string FullReport() const;
};

/// Backtests `law` on `data`. Throws InvalidArgument for a bad split,
/// threshold or option (naming the valid range), UnknownName for an unknown
/// split or group input.
BacktestResult Backtest(const LawPtr& law, const Observations& data,
                        const BacktestOptions& options = {});

/// Backtests the recipe of an existing fit: its law, data and FitOptions
/// (options.fit is replaced by fit.options). Throws InvalidArgument for a
/// result without data.
BacktestResult Backtest(const FitResult& fit, BacktestOptions options = {});

// ---------------------------------------------------------------------------
// Sensitivity panel
// ---------------------------------------------------------------------------

/// One objective's refit and what it implies at the budget.
struct SensitivityRow {
  std::string objective;
  FitResult fit;
  /// Allocation exponent a = d ln N_opt / d ln C at the budget (for
  /// chinchilla a = beta/(alpha+beta)); NaN for laws without N and D.
  double a = std::numeric_limits<double>::quiet_NaN();
  double N_opt = std::numeric_limits<double>::quiet_NaN();
  double D_opt = std::numeric_limits<double>::quiet_NaN();
  double loss_opt = std::numeric_limits<double>::quiet_NaN();  ///< L*(C)
  std::string note;  ///< why a figure is missing, or a warning
};

/// Refits with each objective and reports the spread at a budget.
struct SensitivityPanel {
  std::string law;
  double budget = 0.0;                  ///< FLOPs under `flop_convention`
  std::string flop_convention = "6ND";  ///< the fit's (FitResult::flop_model)
  std::vector<SensitivityRow> rows;
  /// max − min over rows with a value (NaN if fewer than 1).
  double a_spread = std::numeric_limits<double>::quiet_NaN();
  /// max / min of N_opt.
  double N_opt_ratio = std::numeric_limits<double>::quiet_NaN();
  /// (max − min) / min of L*(C).
  double loss_opt_rel_spread = std::numeric_limits<double>::quiet_NaN();

  std::string BriefReport() const;
  std::string FullReport() const;
};

/// Refits `fit`'s data with each objective (default: huber_log, mse_log,
/// mse; the fit's other options unchanged) and computes a, N_opt and L* at
/// `budget` FLOPs (the fit's FLOP convention) with ComputeOptimal
/// (allocation.hpp). Refits whose exponents are not identified are refused
/// (NotIdentified) unless `allow_unidentified`; then their row carries the
/// warning. Throws InvalidArgument for a result without data or a budget not
/// finite and > 0.
/// `control` cancels the refits and reports their progress (stage
/// "sensitivity refits"; run_control.hpp).
SensitivityPanel Sensitivity(const FitResult& fit, double budget,
                             const std::vector<Objective>& objectives = {},
                             bool allow_unidentified = false,
                             const RunControl& control = {});

}  // namespace scalefit
