/// @file fit.hpp
/// Fitting a law to observations: options with documented defaults, the
/// result value, and Fit().
///
/// The engine minimises the chosen objective (objective.hpp) over the law's
/// parameters with Ceres (L-BFGS, with a bounded Levenberg–Marquardt
/// fallback and a confirming Levenberg–Marquardt pass), from several starts:
///  - "auto" (default): variable projection. Laws that declare linear
///    coefficients (E, A, B in chinchilla) get them by non-negative least
///    squares on a grid of the other parameters; the best grid cells are
///    polished. Laws without linear coefficients are scored on a grid of all
///    parameters. Cells are ranked on at most `max_scoring_rows` rows (each
///    input's extremes and an even stride); the polish uses every row. A user
///    `init` is polished too. If the best of them is not certified (below), the
///    next 3 × num_polish cells are polished as well.
///  - "hoffmann": the 4500-start grid of Hoffmann et al. 2022 App. D.2, every
///    start polished to the recipe's own stopping rule, the best ones to full
///    tolerance (`screening_tolerance`; chinchilla-shaped laws only).
///  - "init": one local solve from `init` (and the law's typical values for
///    parameters not in `init`).
///  - an explicit grid: every cell of the product of the user's value lists.
///
/// Convergence: Ceres' tolerances are relative (function and parameter) and
/// weights are normalised to mean 1 internally, so multiplying all weights by
/// any constant gives the same parameters. A fit is `converged` only when the
/// best start's solve reported convergence and the projected gradient is
/// negligible; otherwise `message` says why.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scalefit/data.hpp"
#include "scalefit/diagnostics_types.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/law.hpp"
#include "scalefit/limits.hpp"
#include "scalefit/objective.hpp"
#include "scalefit/run_control.hpp"

namespace scalefit {

/// Decades of compute beyond the largest fitted run past which prediction
/// and allocation tables carry an extrapolation warning (the default of
/// AllocationOptions::extrapolation_warning_decades). A convention, not a
/// statistic: backtests on the shipped ladders rarely reach past it.
inline constexpr double kExtrapolationWarningDecades = 3.0;

/// The certification threshold: a fit is `converged` only if its relative
/// projected gradient (the largest |∂f/∂z_k| over Σ_i |∂f_i/∂z_k|, free
/// coordinates not pinned at a bound) is at most this.
inline constexpr double kMaxRelativeGradient = 1e-6;

struct FitOptions {
  /// Objective; see objective.hpp.
  Objective objective = Objective::kHuberLog;
  /// Huber threshold on the LOG residual (huber_log only). Must be > 0.
  double delta = 1e-3;
  /// Starting values by parameter name, user units.
  std::map<std::string, double> init;
  /// Bounds by parameter name, user units; override the law's defaults.
  std::map<std::string, std::pair<double, double>> bounds;
  /// Parameters held at their `init` value (or the law's typical value).
  std::vector<std::string> fixed;
  /// Ties (follower, leader): the follower always equals the leader
  /// (e.g. {"beta", "alpha"} for α = β).
  std::vector<std::pair<std::string, std::string>> ties;
  /// "auto", "hoffmann", "init" or "grid" (then `grid` is used).
  std::string start = "auto";
  /// Explicit grid: values per parameter (user units); parameters not listed
  /// start at init. Used when start == "grid".
  std::map<std::string, std::vector<double>> grid;
  /// Points per nonlinear parameter in the default start grid.
  int grid_points = 8;
  /// Cap on default grid cells: above it every axis is thinned to the most
  /// points p with p^(nonlinear parameters) <= max_grid_cells. At most
  /// kMaxGridCells (limits.hpp).
  int max_grid_cells = 4096;
  /// Most starts a fit polishes: an explicit grid with more cells (the
  /// product of its value lists) is refused before any cell is built,
  /// naming this option. "hoffmann" has 4500. At most kMaxStarts.
  int max_starts = 100000;
  /// Rows that rank the default grid's cells (and, from twice as many rows,
  /// polish up to num_refined starts first): each input's smallest and largest
  /// row and an even stride through the rest (deterministic). Every final solve
  /// and the certification use every row. 0 = every row.
  int max_scoring_rows = 2048;
  /// How many of the best grid cells are polished by "auto".
  int num_polish = 3;
  /// Local solver limits, the one place their defaults are written (the
  /// engine copies them into every local solve). Tighter than Ceres' own
  /// defaults, which stop this problem early: the tolerances are relative,
  /// so they mean the same at any loss or weight scale.
  int max_iterations = 1000;
  double function_tolerance = 1e-12;
  double parameter_tolerance = 1e-12;
  double gradient_tolerance = 1e-14;
  /// Multi-start screening. When there are more starts than `num_refined`
  /// (e.g. the 4500 of "hoffmann"), every start is polished by L-BFGS until
  /// the objective's relative decrease per iteration is below
  /// `screening_tolerance`; the `num_refined` lowest are then polished to the
  /// full tolerances above and the best is certified. The default, 1e-6, is
  /// no looser than the Hoffmann recipe's own rule (SciPy L-BFGS-B's
  /// ftol = 2.2e-9 on max(|f|, 1), i.e. 2.2e-6 relative at the Epoch
  /// optimum). 0 polishes every start to the full tolerances (slower; the
  /// same optimum on every data set we ship).
  double screening_tolerance = 1e-6;
  /// How many of the best screened starts are polished to full tolerance.
  int num_refined = 4;
  /// Threads for ranking the default grid's cells, for multi-start
  /// polishing and, from detail::kSplitRows (8192) rows, for the rows of
  /// each evaluation; 0 = all cores. A stage with too little work for more
  /// (under about 12 000 rows of law passes per thread,
  /// detail::WorkerThreads) runs on fewer. Results do not depend on it.
  int num_threads = 1;
  /// FLOP convention of the runs' compute and of allocations, intervals,
  /// backtests and reports: one of flops::AllFlopConventions() ("6ND",
  /// "kaplan", "hoffmann_detailed"; IsValid lists them otherwise).
  std::string flop_convention = "6ND";
  /// The model shape "kaplan" and "hoffmann_detailed" count FLOPs from
  /// (required by them, refused by "6ND"): models of its proportions scaled
  /// to each N (flops::PerTokenTrainingFlops).
  std::optional<flops::Architecture> architecture;
  /// Rows whose reported compute (Observations::compute) differs from
  /// C = 6·N·D by more than this fraction are an error under "6ND" (the C
  /// column was counted under another convention, or N or D is in other
  /// units). Must be > 0.
  double compute_tolerance = 0.05;
  /// Run the profile check of the diagnostics in Fit() (CheckIdentification,
  /// uncertainty/profile.hpp): two local solves per free non-linear
  /// parameter and a full profile where the objective is flat, so a flat
  /// valley is reported as weakly identified. Off by default: it costs
  /// several times the fit itself. Without it Fit() runs only the
  /// competing-basin check (it reuses the other polished starts and costs
  /// no solve), diagnostics.profile_checked stays false and reports say
  /// "profile check: not run"; the allocations then run the check
  /// themselves before they trust the fit (allocation.hpp).
  bool profile_check = false;
  /// Cancellation and progress (run_control.hpp); empty = none. Results
  /// never keep it (FitResult::options.control is empty).
  RunControl control;

  /// True when every field is in range; otherwise `why` says which is not.
  bool IsValid(std::string* why) const;
};

/// One parameter of a result.
struct ParamValue {
  std::string name;
  double value = 0.0;
  double lower = -kInf;  ///< bound used, user units
  double upper = kInf;
  bool fixed = false;
  std::string tied_to;  ///< empty unless tied
  bool at_bound = false;
};

/// The end point of a polished start other than the best (FitResult).
struct StartEnd {
  std::vector<double> params;  ///< law order, user units
  double objective = 0.0;      ///< FitResult::objective units
  bool converged = false;      ///< the solve converged (not certified)
};

/// Uncertainty shown next to each parameter in a fit's report (filled by the
/// uncertainty module: see FitSummary in uncertainty/intervals.hpp). Vectors
/// in law parameter order.
struct ParamUncertainty {
  double level = 0.95;  ///< central two-sided interval coverage
  std::string method;   ///< e.g. "delta method, kernel_sandwich covariance"
  std::vector<double> std_error, lower, upper;
  std::vector<bool> log_scale;  ///< interval exp(log θ ± z·se/θ)
};

/// A fitted (or given) law. A value: copy it freely.
struct FitResult {
  LawPtr law;
  std::vector<ParamValue> params;
  /// The result claims to come from a fit to data: Fit(), or a fit card
  /// whose digest was verified. Its convergence, certification and
  /// diagnostics are then claims every analysis honours (refusing or
  /// warning), whether or not the data are attached. False for given
  /// parameters (FromParams, cards read with verify = false): no claims.
  bool fitted = false;
  /// The observations are attached (`data` is set): analyses that refit
  /// (bootstrap, backtests) and the delta method need them.
  bool has_data = false;
  /// The fit converged and its optimum passed the certification (a relative
  /// projected gradient <= kMaxRelativeGradient). False for given
  /// parameters, which make no convergence claim.
  bool converged = false;
  std::string message;  ///< why not converged, or "converged"
  /// The certification measurement: the relative projected gradient at the
  /// parameters (see kMaxRelativeGradient); NaN for given parameters.
  double relative_gradient = std::numeric_limits<double>::quiet_NaN();
  /// The units the data's inputs were given in (Observations::units): a
  /// record; parameters, predictions and allocations are in plain counts.
  std::map<std::string, double> units;
  double objective = 0.0;  ///< in the user's weight units
  int iterations = 0;      ///< of the best start
  int num_starts = 0;      ///< polished starts
  /// Polished starts that reached the best objective: within 1e-6 relative,
  /// or within 1e-5 when the starts were screened (see screening_tolerance).
  int num_best_basin = 0;
  bool screened = false;  ///< starts were screened (FitOptions)
  /// Instruction set the law was evaluated with ("avx512", "avx2", "sse2"
  /// or "scalar"; instruction_set.hpp). Fit cards keep it; empty for given
  /// parameters (FromParams) and for cards written without it.
  std::string instruction_set;
  /// End points of the other polished starts whose parameters differ
  /// materially from the best (some free coordinate — log for positive
  /// parameters — by more than 1e-3·(1 + |z|)), lowest objective first, at
  /// most 8: candidates for competing basins, which the profile check of the
  /// diagnostics judges. Empty for FromParams and fit cards.
  std::vector<StartEnd> other_optima;
  std::string start;   ///< strategy used ("given" for FromParams)
  int num_points = 0;  ///< rows fitted (kept by fit cards without data)
  /// The options used: objective, delta, bounds, FLOP convention, ...
  FitOptions options;
  DataSummary data_summary;
  std::shared_ptr<const Observations> data;  ///< null for FromParams
  /// Design diagnostics of the data and the optimum, computed by the
  /// diagnostics analysis (diagnostics.hpp) when Fit() returns;
  /// computed = false without data.
  Diagnostics diagnostics;

  /// The FLOP model of `options` (flop_convention and architecture):
  /// what allocations, intervals and backtests use unless told otherwise.
  FlopModel flop_model() const;
  /// `flops`, or flop_model() when `flops` is the FlopModel::OfFit()
  /// placeholder.
  FlopModel ResolveFlops(const FlopModel& flops) const;

  /// Parameter values in law order (user units).
  std::vector<double> values() const;
  double param(const std::string& name) const;
  /// Predicted loss at rows of inputs (row-major, law input order).
  std::vector<double> Predict(const std::vector<double>& x) const;
  /// Predicted loss at named input columns.
  std::vector<double> Predict(
      const std::map<std::string, std::vector<double>>& inputs) const;
  /// Training compute (FLOPs) at rows of inputs (row-major, law input
  /// order): the C input, or flop_model() at (N, D); empty when the law has
  /// neither.
  std::vector<double> ComputeAt(const std::vector<double>& x) const;
  /// Per row of inputs: how far it lies beyond the fitted runs, in decades,
  /// max(0, log10(C / data_summary.compute_max)) with C from ComputeAt; for
  /// a law without compute, the largest max(0, log10(x_k / max x_k)) over
  /// its inputs. NaN for given parameters (no fitted runs).
  std::vector<double> DecadesBeyondData(const std::vector<double>& x) const;
  /// "WARNING: extrapolation: ..." naming the rows of inputs `x` more than
  /// `threshold` decades beyond the fitted runs (DecadesBeyondData), or ""
  /// (also for given parameters: there are no fitted runs to measure from).
  std::string ExtrapolationWarning(
      const std::vector<double>& x,
      double threshold = kExtrapolationWarningDecades) const;
  /// Raw residuals of the stored data, one per row in data order, in the
  /// objective's space, unweighted and before ρ (objective.hpp):
  ///   huber_log, mse_log: r_i = log L̂_i − log L_i  (nats of log-loss);
  ///   mse:                r_i = L̂_i − L_i          (loss units).
  /// L̂_i is the law at the fitted parameters. Throws InvalidArgument for a
  /// result without data (FromParams, or a fit card saved without data) and
  /// when the law is not finite (or, in log space, not > 0) at a row.
  std::vector<double> Residuals() const;

  /// One line: law, parameters, convergence.
  std::string BriefReport() const;
  /// Everything: data, objective and solver settings, convergence, the
  /// parameter table (value, and with `uncertainty` the standard error and
  /// interval, then bounds and flags; numbers to 6 significant digits, full
  /// precision is in the fit card and to_dict), diagnostics.
  std::string FullReport(const ParamUncertainty* uncertainty = nullptr) const;
};

/// Fits `law` to `data`, then attaches the design diagnostics of the result
/// (Diagnose, diagnostics.hpp). Throws InvalidArgument/UnknownName for bad
/// input or options. Never returns NaN parameters: a fit that fails says so
/// in `converged` and `message`.
FitResult Fit(const LawPtr& law, const Observations& data,
              const FitOptions& options = {});

/// Fits a built-in law by name.
FitResult Fit(const std::string& law, const Observations& data,
              const FitOptions& options = {});

/// The engine alone: Fit() without the design diagnostics
/// (diagnostics.computed = false). For analyses that refit the same data
/// many times (profiles), where the diagnostics of each refit are not used.
FitResult FitWithoutDiagnostics(const LawPtr& law, const Observations& data,
                                const FitOptions& options = {});

/// A result from published parameters, without data (`fitted` false: no
/// convergence, diagnostics or uncertainty claims); analyses accept it.
/// Throws UnknownName / InvalidArgument for unknown or missing names, a value
/// outside the law's parameter domain (CheckParameterDomain), an unknown FLOP
/// convention or a missing/unneeded architecture (FitOptions::IsValid).
FitResult FromParams(
    const LawPtr& law, const std::map<std::string, double>& params,
    const std::string& flop_convention = "6ND",
    const std::optional<flops::Architecture>& architecture = std::nullopt);

/// The cheap re-check of a fit on its attached data: the objective and the
/// certification recomputed at the result's parameters (one residual and
/// Jacobian pass). What a fit card with data is checked against on load.
struct OptimumCheck {
  double objective = 0.0;          ///< as FitResult::objective
  double relative_gradient = 0.0;  ///< as FitResult::relative_gradient
};
/// Throws InvalidArgument for a result without data.
OptimumCheck CheckOptimum(const FitResult& result);

/// Throws InvalidArgument unless `value` lies in [lower, upper] (and is > 0
/// when `positive`): "<what> 'alpha' = 50 is outside <domain> [0, 5]".
/// `what` names the source ("parameter", "init for", "fit card
/// parameters[3].value"), `domain` the interval's origin ("the domain of law
/// 'chinchilla'", "its bounds").
void CheckParameterDomain(const std::string& what, const std::string& name,
                          double value, double lower, double upper,
                          bool positive, const std::string& domain);

namespace detail {
/// FitWithoutDiagnostics for refits whose results give only parameters,
/// objective and convergence (bootstrap replicates, downstream chains):
/// also without the data summary (`data_summary` left empty; Summarize sorts
/// every column, about 7% of a bootstrap replicate on the Epoch rows).
FitResult FitWithoutSummary(const LawPtr& law, const Observations& data,
                            const FitOptions& options);

/// The extrapolation warning line for the rows whose `decades` exceed
/// `threshold` ("" for none), listing up to six with their compute `C`
/// (FLOPs; C may be empty for a law without compute, and the decades are
/// then those of its inputs). `compute_max` is the largest fitted run's
/// compute.
std::string ExtrapolationNote(const std::vector<double>& C,
                              const std::vector<double>& decades,
                              double compute_max, double threshold);
}  // namespace detail

}  // namespace scalefit
