/// @file bootstrap.hpp
/// The bootstrap: resampled data refitted with the fit's own options, each
/// replicate certified, and percentile statistics over the converged ones.
/// Replicate i draws from its own stream (detail/random.hpp), so results
/// are bit-identical for any thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/data.hpp"
#include "scalefit/detail/random.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/run_control.hpp"
#include "scalefit/uncertainty/intervals.hpp"

namespace scalefit {

/// How to bootstrap.
///  case (default): draw n rows with replacement (rows drawn several times
///    enter once with their count as a weight factor — the same objective).
///  cluster: draw the G groups with replacement and keep all rows of each
///    (for runs with intermediate checkpoints; `groups` or the data's
///    groups give the labels).
///  subsample: m-out-of-n without replacement, m = round(fraction·n)
///    (Hoffmann et al. 2022 used 80 % subsamples). Replicates vary LESS
///    than the full-data estimate (finite-population factor): statistics
///    rescale deviations by sqrt(m/(n − m)) (= 2 at 80 %): q̂ + s·(q* − q̂).
///    `samples` holds the raw, unscaled replicate values.
///  residual: keep the inputs, add to each fitted value a residual of the
///    fit drawn with replacement (on the objective's scale: multiplicative
///    for log objectives). Assumes exchangeable residuals.
struct BootstrapOptions {
  int num_replicates = 1000;  ///< ≥ 2
  std::uint64_t seed = 0;
  std::string method = "case";  ///< case, cluster, subsample, residual
  /// Cluster labels per row of the fitted data (cluster only); empty = the
  /// data's own groups.
  std::vector<std::int64_t> groups;
  double fraction = 0.8;  ///< subsample only, in (0, 1)
  int num_threads = 0;    ///< 0 = all cores; results do not depend on it
  /// A refit that stops without passing the engine's certification (e.g.
  /// the function tolerance is met while the relative gradient is still
  /// > 1e-6) is retried from other starts (see Bootstrap()), up to this
  /// many times. The final fit must be certified; `attempts` records the
  /// count per replicate.
  int max_retries = 8;
  /// Cancellation and progress (run_control.hpp; stage "bootstrap
  /// replicates"); empty = none. Not kept in the result.
  RunControl control;
};

/// The replicates of a bootstrap and statistics over them.
///
/// Every replicate is refitted with the fit's own options, warm-started
/// from the full-data optimum (start = "init"), and its convergence is
/// recorded. Statistics use the CONVERGED replicates only; the count and
/// the indices of the others are in `num_failed` / `failed`, and every
/// report states them.
struct BootstrapResult {
  FitResult fit;  ///< the full-data fit
  BootstrapOptions options;
  std::vector<std::string> names;  ///< law parameter order
  std::vector<double> samples;     ///< R × P row-major (raw replicate θ*)
  std::vector<unsigned char> converged;  ///< per replicate
  std::vector<std::string> messages;     ///< per replicate
  std::vector<double> objective;         ///< per replicate
  std::vector<int> attempts;  ///< per replicate: solves run (1 + restarts)
  std::vector<int> failed;    ///< indices of failed replicates
  int num_replicates = 0;
  int num_failed = 0;
  int num_restarted = 0;   ///< replicates that needed more than one solve
  int num_rows_drawn = 0;  ///< rows per replicate (m for subsample)
  int num_groups = 0;      ///< cluster: number of groups
  double scale = 1.0;      ///< deviation rescaling (subsample), else 1
  double seconds = 0.0;    ///< wall time of the refits
  int threads_used = 1;

  std::string method_label() const { return "bootstrap_" + options.method; }
  /// Standard deviation (n − 1) of the converged replicates, times `scale`.
  std::vector<double> StdErrors() const;
  /// Percentile intervals on every parameter and, for chinchilla, on the
  /// derived quantities at `budgets` (names as DerivedNames).
  IntervalTable ConfInt(double level = 0.95,
                        const std::vector<double>& budgets = {}) const;
  /// Percentile intervals on predictions at rows of inputs.
  PredictionTable Predict(const std::vector<double>& x, double level,
                          IntervalKind kind = IntervalKind::kConfidence) const;
  /// ComputeOptimal at each converged replicate's parameters; percentile
  /// intervals on every column (any law with inputs N and D).
  AllocationTable ComputeOptimal(const std::vector<double>& C, double level,
                                 const FlopModel& flops = FlopModel::OfFit(),
                                 const AllocationOptions& options = {}) const;
  /// LossToCompute at each converged replicate's parameters; percentile
  /// intervals on C, N_opt, D_opt and tokens_per_param (any law with inputs
  /// N and D; loss_opt is the target). A replicate whose floor (E for
  /// chinchilla) is at or above a target, or that does not reach it with
  /// C ≤ 1e300, needs infinite compute: it enters with C = N_opt = D_opt =
  /// +inf (and D/N at C = 1e300), so an upper bound can be +inf — that is
  /// the honest answer, not an error. Other failed allocations are excluded
  /// and counted in `interval_method`.
  AllocationTable LossToCompute(const std::vector<double>& target_loss,
                                double level,
                                const FlopModel& flops = FlopModel::OfFit(),
                                const AllocationOptions& options = {}) const;
  /// One line: method, replicates, failures, standard errors.
  std::string BriefReport() const;
  std::string FullReport() const;
};

/// Runs the bootstrap: replicate i draws its data from its own generator
/// (std::mt19937_64 seeded by ReplicateSeed(seed, 1, i)), refits, and writes
/// slot i, so samples are bit-identical for any num_threads.
/// Retries (BootstrapOptions::max_retries) of an uncertified refit, in order:
/// from where it stopped with tolerances 1e-16; from the replicate's
/// mse_log optimum; from the full-data optimum offset by ±0.02 (exponents)
/// or a factor exp(±0.2) (positive scales) drawn from stream 3. Only the
/// starting point and (tighter) tolerances change; the certification does
/// not.
/// Throws InvalidArgument for a result without data,
/// num_replicates < 2, an unknown method, cluster without groups or with
/// groups of the wrong length or a single group, fraction outside (0, 1) or
/// leaving fewer rows than free parameters + 1, num_threads < 0.
BootstrapResult Bootstrap(const FitResult& result,
                          const BootstrapOptions& options = {});

namespace detail {

/// One certified refit as every bootstrap replicate makes it: Fit(full.law,
/// data, opts) and, while not certified, up to `max_retries` retries in the
/// fixed order of Bootstrap() (offsets around `full`'s parameters from
/// stream (seed, replicate)). Returns the certified fit, else the last one
/// (without design diagnostics or data summary: FitWithoutSummary);
/// `attempts` (may be null) receives the number of solves and
/// `first_failure` (may be null) the first solve's message when it was not
/// certified. Also used by
/// analyses that refit several laws per replicate (downstream chains).
FitResult RefitCertified(const FitResult& full, const Observations& data,
                         const FitOptions& opts, int max_retries,
                         std::uint64_t seed, int replicate, int* attempts,
                         std::string* first_failure = nullptr);

/// The observations of bootstrap replicate i (exposed for tests).
Observations ReplicateData(const FitResult& result,
                           const BootstrapOptions& options, int i);

}  // namespace detail

}  // namespace scalefit
