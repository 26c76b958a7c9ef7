/// @file chain.hpp
/// Chained forecasts of a downstream task from a model ladder (Bhagia et al.
/// 2024, "Establishing Task Scaling Laws via Compute-Efficient Model
/// Ladders", arXiv:2412.04403; the two-step method of the Llama 3 report):
///
///   step 1  (N, D) → intermediate: a scaling law (chinchilla by default)
///           fitted to one point per ladder run — the intermediate (task
///           bits-per-byte) averaged over the run's last `final_average`
///           checkpoints, at the run's final N and D;
///   step 2  intermediate → metric: a link law (sigmoid by default,
///           laws/sigmoid.hpp) fitted to every checkpoint of every ladder run
///           after skipping the first `skip_fraction` of each run and
///           smoothing both columns over `smoothing` checkpoints, plus the
///           "ideal" point (intermediate 0, metric = ceiling);
///   chain   metric(N, D) = link(step1(N, D)).
///
/// Both steps are fitted by the same engine as every law (fit.hpp): multi-
/// start, certified, with diagnostics; the defaults are the paper's
/// objectives (log-Huber δ = 1e-3 summed for step 1, least squares for
/// step 2) and its step-2 bounds (a ∈ [−1, 0], x0 ≥ 0, b ∈ [0, 1]).
///
/// Intervals through both steps:
///  - "bootstrap" (default): the ladder runs are resampled with replacement
///    within each model size (so every replicate spans the ladder's N), and
///    both steps are refitted on the SAME resampled runs — a run drawn twice
///    enters step 1 with weight 2 and all its checkpoints enter step 2 with
///    weight 2 — each refit certified (retries as in Bootstrap(),
///    uncertainty/bootstrap.hpp). Intervals are percentiles of the chained
///    replicates (type 7). Replicate i draws from its own stream of `seed`:
///    the numbers do not depend on the thread count, nor on whether the
///    task was fitted alone or with FitChains.
///  - "delta": first order through both steps with a covariance clustered
///    by run: the two steps' estimating equations are stacked, Σ = H⁻¹ M H⁻¹
///    with H block-diagonal (each step's Gauss–Newton matrix) and M the sum
///    over runs of the outer product of each run's stacked score, times
///    G/(G − 1); so the correlation of checkpoints within a run and the
///    link between the steps are both in it. Faster; first order and
///    optimistic with few runs — compare with the bootstrap.
///  - "none": point forecasts only.
/// Emergence: the metric at the ladder runs' final checkpoints against C is
/// classified (emergence.hpp; needs the task's n_items). A task that cannot
/// be forecast gets no point forecast beyond the ladder's largest C: its
/// rows have forecast = false, metric NaN, and [chance, ceiling] as all
/// that is known, with the classifier's statement.
///
/// WARNING: step-2 checkpoints are not independent (a moving average within
/// each run, and one run contributes up to 160 of them): intervals that
/// treat them as independent are far too narrow; both methods here cluster
/// by run.
/// WARNING: ladder runs span about one decade of N; a forecast at 10× the
/// largest ladder model extrapolates step 1 by that much and the link
/// beyond its observed losses. `decades_beyond` says how far each forecast
/// is from the ladder's largest compute.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scalefit/downstream/ladder.hpp"
#include "scalefit/emergence.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/run_control.hpp"

namespace scalefit::downstream {

/// A task of the ladder: which metric columns hold its intermediate and
/// its metric, and its chance level.
struct TaskSpec {
  std::string name;          ///< label (e.g. "mmlu")
  std::string intermediate;  ///< ladder metric of step 1 (e.g. "mmlu_bpb")
  std::string metric;        ///< ladder metric of step 2 (e.g. "mmlu_acc")
  double chance = 0.0;       ///< chance accuracy, in [0, ceiling)
  double ceiling = 1.0;      ///< the best possible metric
  /// Questions in the evaluation (binomial noise of the metric), a whole
  /// number up to kMaxItems; 0 = not known (then there is no emergence
  /// classification).
  double n_items = 0.0;

  bool IsValid(std::string* why) const;
};

/// The eight main tasks of Bhagia et al. 2024 on the shipped OLMo ladder
/// (OlmoLadder()): mmlu (test, the four subsets weighted by size),
/// hellaswag (val), arc_challenge (test), arc_easy (test), piqa (val), csqa
/// (val), socialiqa (val), openbookqa (test); chance 0.25 except piqa 0.5,
/// socialiqa 1/3, csqa 0.2; n_items the questions of those splits.
std::vector<TaskSpec> OlmoTasks();

/// How a chain is fitted and how its intervals are made.
struct ChainOptions {
  /// Step 1 law, a built-in name with inputs N and D.
  std::string step1_law = "chinchilla";
  /// Step 1 fit; default objective huber_log, δ = 1e-3 (the paper's).
  FitOptions step1;
  /// Checkpoints averaged per run for the step-1 point (≥ 1).
  int final_average = 5;
  /// Step 2 link: "sigmoid", "log_sigmoid" or "gadre_exponential" (or any
  /// built-in law with the one input L).
  std::string link = "sigmoid";
  /// Step 2 fit; default objective mse and, for the sigmoid, the paper's
  /// bounds a ∈ [−1, 0], x0 ∈ [0, ∞), b ∈ [0, 1] (user entries override).
  FitOptions step2 = DefaultStep2Options();
  /// Fraction of each ladder run's first checkpoints left out of step 2.
  double skip_fraction = 0.1;
  /// Trailing moving-average window for step 2's two columns (≥ 1).
  int smoothing = 5;
  /// Add the point (intermediate 0, metric = ceiling) to step 2 (sigmoid).
  bool ideal_point = true;
  /// "free" (the paper: the sigmoid's floor and ceiling are fitted) or
  /// "chance" (sigmoid: b = ceiling and a = chance − ceiling fixed).
  std::string floor = "free";
  /// Also fit the single-step alternative (chinchilla_sigmoid on the final
  /// checkpoints' metric) for comparison.
  bool single_step = true;
  /// "bootstrap", "delta" or "none".
  std::string interval = "bootstrap";
  int num_replicates = 1000;  ///< bootstrap, ≥ 2
  std::uint64_t seed = 0;
  /// Threads for the replicates (FitChains: for the tasks); 0 = all cores.
  int num_threads = 0;
  /// Retries of an uncertified replicate refit (as BootstrapOptions).
  int max_retries = 8;
  EmergenceOptions emergence;
  /// Cancellation and progress (run_control.hpp; stages "chain replicates"
  /// and, in FitChains, "chain tasks"). Not kept in the result and not
  /// written to a card.
  RunControl control;

  /// Step-2 defaults: objective mse, the paper's sigmoid bounds.
  static FitOptions DefaultStep2Options();
  bool IsValid(std::string* why) const;
};

/// Forecasts of a chain at given (N, D) points; a value.
struct ChainPrediction {
  std::string task;
  std::vector<double> N, D;
  std::vector<double> C;  ///< 6·N·D (for reading; decades_beyond needs no C)
  /// log10(N·D / the ladder runs' largest N·D): how many decades of
  /// compute beyond the ladder (> 0 beyond it; the FLOP convention cancels).
  std::vector<double> decades_beyond;
  std::vector<double> intermediate, intermediate_lower, intermediate_upper;
  /// The chained metric. NaN exactly where forecast is false; then lower
  /// and upper are the chance and the ceiling (all that is known). Interval
  /// bounds are clipped to the metric's range [0, ceiling].
  std::vector<double> metric, metric_lower, metric_upper;
  /// The single-step alternative (NaN when not fitted or not forecast).
  std::vector<double> single_step, single_step_lower, single_step_upper;
  std::vector<unsigned char> forecast;
  double level = 0.0;
  std::string method;      ///< "bootstrap", "delta" or "none"
  int num_replicates = 0;  ///< converged replicates used
  /// The emergence statement behind the forecast flags.
  std::string statement;

  int num_rows() const { return static_cast<int>(N.size()); }
  std::string BriefReport() const;
  std::string FullReport() const;
};

/// A fitted chain: both steps, the single-step alternative, the
/// emergence classification and the replicates for intervals. A value.
struct TaskChain {
  TaskSpec task;
  ChainOptions options;
  FitResult step1;        ///< intermediate(N, D), data = one row per run
  FitResult step2;        ///< metric(intermediate), data = checkpoints
  FitResult single_step;  ///< metric(N, D); fitted only with single_step
  bool has_single_step = false;
  /// Ladder runs used (not targets), in ladder order; the step-1 rows and
  /// the step-2 clusters are in this order.
  std::vector<std::string> runs;
  std::vector<double> run_N;  ///< N per run (the resampling strata)
  /// Run index (into `runs`) of each step-2 row; −1 for the ideal point.
  std::vector<int> step2_run;
  /// The ladder's final checkpoints: C and metric per run.
  std::vector<double> final_C, final_metric;
  double max_ladder_C = 0.0;
  /// Largest N·D of the ladder runs (the reference of decades_beyond).
  double max_ladder_ND = 0.0;
  EmergenceResult emergence;
  bool has_emergence = false;

  /// Bootstrap replicates: R × P rows of parameters (law order) for each
  /// step; converged[i] = both steps' refits of replicate i certified
  /// (the chain's intervals use those); single_step_converged[i] = the
  /// single-step refit certified (its intervals use those).
  int num_replicates = 0;
  std::vector<double> step1_samples, step2_samples, single_step_samples;
  std::vector<unsigned char> converged, single_step_converged;
  int num_failed = 0;              ///< chain replicates not converged
  int num_single_step_failed = 0;  ///< single-step replicates not converged
  /// Delta method: covariance of (step-1 params, step-2 params), row-major,
  /// (P1 + P2)², clustered by run; empty unless interval = "delta".
  std::vector<double> joint_covariance;
  /// Delta method: covariance of the single-step parameters (P3²).
  std::vector<double> single_step_covariance;
  double seconds = 0.0;  ///< wall time of the fit and its intervals

  /// Forecasts at points (N, D) (same lengths; finite and > 0) with
  /// central intervals of coverage `level` by `method` ("" = the chain's
  /// own; "bootstrap" and "delta" need what the chain computed).
  ChainPrediction Predict(const std::vector<double>& N,
                          const std::vector<double>& D, double level = 0.9,
                          const std::string& method = "") const;
  /// One line: task, both laws, convergence, emergence kind.
  std::string BriefReport() const;
  std::string FullReport() const;
};

/// Fits the chain of `task` on the ladder's non-target runs (see the file
/// comment). Throws InvalidArgument / UnknownName for bad options, a
/// missing metric, or too few runs (step 1 needs more runs than free
/// parameters).
TaskChain FitChain(const Ladder& ladder, const TaskSpec& task,
                   const ChainOptions& options = {});

/// FitChain for every task, the tasks on options.num_threads threads (each
/// task's replicates then run on one); results in task order, identical to
/// fitting each task alone.
std::vector<TaskChain> FitChains(const Ladder& ladder,
                                 const std::vector<TaskSpec>& tasks,
                                 const ChainOptions& options = {});

/// The chain as a JSON card (format "scalefit.task_chain", version 1): the
/// task, the options, both steps and the single step as fit cards
/// (fit_card.hpp), the emergence result and the replicates, every double
/// in shortest round-trip form. A loaded chain predicts with the same
/// numbers; it has no ladder data (it cannot be refitted).
std::string TaskChainToString(const TaskChain& chain, int indent = 2);
/// Reads a chain card, with the limits and checks of a fit card's text
/// (FitCardLoadOptions' defaults: 64 MiB, 32 levels of nesting): text that
/// is too large, not UTF-8, nested too deeply, not JSON, or that names a key
/// twice in one object is an InvalidArgument naming `source` and the place;
/// so is a field that is missing, of the wrong type or invalid.
TaskChain TaskChainFromString(const std::string& json,
                              const std::string& source = "<string>");
/// TaskChainFromString of the file `path`: a regular file of at most
/// FitCardLoadOptions::max_bytes (64 MiB) bytes, checked before it is read
/// (a directory, a device such as /dev/zero or a larger file is an
/// InvalidArgument naming the path).
TaskChain LoadTaskChain(const std::string& path);

}  // namespace scalefit::downstream
