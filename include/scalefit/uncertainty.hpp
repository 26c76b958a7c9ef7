/// @file uncertainty.hpp
/// Uncertainty of a fitted law: the parameter covariance at the optimum, the
/// bootstrap, and intervals on parameters, derived quantities (the
/// Chinchilla frontier) and predictions. Full discussion and validation
/// figures: docs/uncertainty.md.
///
/// `level` means the same thing everywhere: the interval is CENTRAL and
/// TWO-SIDED with coverage `level` (0 < level < 1), i.e. it runs from the
/// (1 − level)/2 to the (1 + level)/2 quantile. Two methods:
///
///  - delta method ("delta"): θ̂ ± z·se with z = Φ⁻¹((1 + level)/2) and
///    se² = gᵀ Σ g, g the EXACT gradient (automatic differentiation through
///    the law functor or the templated closed forms of allocation.hpp).
///    Quantities that are positive by construction — the scales E, A, B
///    (ParamSpec::positive), G, N_opt, D_opt, D/N, L*, and predictions under
///    log objectives — get the interval on the LOG scale,
///    exp(log q̂ ± z·se/q̂), so it never crosses zero; the rest (exponents,
///    a, b, predictions under "mse") on the linear scale.
///  - bootstrap percentile ("bootstrap_<method>"): the (1 ± level)/2
///    quantiles (linear interpolation between order statistics, numpy's
///    default "linear" rule) of the replicates' values.
///
/// Covariance Σ (user units, law parameter order), from the residual
/// Jacobian J_ik = ∂r_i/∂p_k at the optimum (exact, LawModel::
/// ValueAndGradient), r_i = log L̂_i − log L_i (huber_log, mse_log) or
/// L̂_i − L_i (mse), weights w̃_i normalised to mean 1, n points, P free
/// parameters:
///   mse_log, mse:  Σ = σ̂² (Jᵀ W̃ J)⁻¹,  σ̂² = Σ w̃_i r_i² / (n − P)
///                   (Gauss–Newton; "least_squares")
///   huber_log:     Σ = n/(n − P) · H⁻¹ M H⁻¹   ("kernel_sandwich")
///                   H = Σ w̃_i [κ_i J_iᵀJ_i + ψ(r_i) ∇²r_i],
///                   M = Σ w̃_i² ψ(r_i)² J_iᵀJ_i,
///                   ψ = ρ' (objective.hpp): r inside [−δ, δ], ±δ outside;
///                   ∇²r_i by central differences of the exact gradient.
///     κ_i replaces the observed curvature ψ'(r_i) = 1{|r_i| ≤ δ} by its
///     kernel-smoothed expectation, the device of Powell (1991) and
///     Hendricks & Koenker (1992) for the LAD/quantile-regression
///     "sparsity" (Koenker 2005, Quantile Regression, ch. 3):
///       κ_i = Φ((δ − r_i)/h) − Φ((−δ − r_i)/h)   (Gaussian kernel),
///     the probability that a residual near r_i lands in the quadratic
///     zone. Bandwidth h = u·s with s = min(sd(r), IQR(r)/1.349) (the
///     robust spread of Silverman 1986, eq. 3.31) and u the root of
///       1/sqrt(1 + u²) + F/(n·u) = 1        (u ≈ (2F/n)^(1/3)),
///     which balances, for Gaussian errors, the kernel's smoothing bias
///     (too little curvature) against the ≈ F residuals that the fit itself
///     pins inside [−δ, δ] (too much). F = free parameters.
///     Why: with the default δ = 1e-3 and log-residuals of sd ~0.02 the
///     errors put ~4 % of the points in the zone (~2 of 48), but the fit
///     holds ~F more there (6.7 observed on average in simulation); the
///     indicator count is both noisy and biased, and the observed-curvature
///     sandwich under-covered badly (0.51 at nominal 0.8). Silverman's
///     density bandwidth 0.9·s·n^(−1/5) ignores the pinned points and still
///     under-covers (docs/uncertainty.md).
///     κ_i → 1{|r_i| ≤ δ} as h/δ → 0 (so for a large δ, where the Huber
///     loss is least squares, H is the least-squares Hessian): one formula
///     covers every δ.
/// Fixed parameters have zero variance; a tied follower has its leader's.
/// Computed with Eigen (see docs/uncertainty.md for why not
/// ceres::Covariance).
///
/// WARNING: when H is numerically singular the covariance is reported as
/// rank deficient: `rank_deficient` is true, `message` names the
/// unidentified parameters, and their variance is +inf (intervals
/// (−inf, inf), or (0, inf) on the log scale). Nothing is silently
/// regularised.
/// WARNING (huber_log): the kernel sandwich is a first-order, large-sample
/// approximation with a rule-of-thumb bandwidth; docs/uncertainty.md
/// reports its coverage in simulation next to the bootstrap's.
/// WARNING: delta-method intervals are first-order: for strongly nonlinear
/// quantities far from the data (L* or N_opt at 1e26 FLOPs) they can be
/// much narrower than bootstrap percentiles; compare both.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/fit.hpp"

namespace scalefit {

// ---------------------------------------------------------------------------
// Basics
// ---------------------------------------------------------------------------

/// Φ⁻¹(p), the standard normal quantile, for 0 < p < 1 (Acklam's rational
/// approximation refined by one Halley step on erfc: |error| < 1e-15
/// relative in the central region). Throws InvalidArgument outside (0, 1).
double NormalQuantile(double p);

/// Throws InvalidArgument("<where>: level must be in (0, 1), got ...")
/// unless 0 < level < 1.
void CheckLevel(double level, const std::string& where);

/// The q-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation between
/// order statistics (Hyndman & Fan type 7, numpy's default). Throws
/// InvalidArgument when `values` is empty.
double Quantile(std::vector<double> values, double q);

// ---------------------------------------------------------------------------
// Covariance
// ---------------------------------------------------------------------------

/// The covariance of the fitted parameters (see the file comment).
struct Covariance {
  std::vector<std::string> names;  ///< law parameter order
  std::vector<double> estimate;    ///< θ̂, user units
  /// P × P row-major, user units. Rows/columns of fixed parameters are 0;
  /// a tied follower repeats its leader. Unidentified parameters (rank
  /// deficiency) have +inf on the diagonal and 0 elsewhere in their row.
  std::vector<double> matrix;
  std::vector<double> std_errors;  ///< sqrt of the diagonal
  std::vector<unsigned char> identified;  ///< per parameter
  /// "least_squares" (mse_log, mse) or "kernel_sandwich" (huber_log).
  std::string estimator;
  std::string objective;           ///< objective of the fit
  double residual_variance = 0.0;  ///< σ̂² = Σ w̃ r² / (n − P)
  int num_points = 0;
  int num_free = 0;       ///< P: free parameters (not fixed, not followers)
  int num_quadratic = 0;  ///< huber_log: points with |r| ≤ δ (observed)
  /// huber_log: Σ κ_i, the kernel estimate of the number of points in the
  /// quadratic zone (what H uses); 0 otherwise.
  double expected_quadratic = 0.0;
  /// huber_log: kernel bandwidth h on the residual scale; 0 otherwise.
  double bandwidth = 0.0;
  int rank = 0;           ///< numerical rank of the inverted matrix
  /// Ratio of the largest to smallest eigenvalue of the inverted matrix
  /// with rows/columns scaled to unit diagonal (+inf when singular).
  double condition_number = 0.0;
  bool rank_deficient = false;
  std::string message;  ///< "ok" or what is unidentified and why

  /// Σ_jk by names; throws UnknownName.
  double at(const std::string& a, const std::string& b) const;
  /// Names, estimator, rank, standard errors and the correlation matrix at
  /// full precision.
  std::string Report() const;
};

/// The covariance of a fit with data. Throws InvalidArgument for a result
/// without data (FromParams) or with fewer points than free parameters + 1.
/// A fit that did not converge gets a covariance (the Jacobian is taken
/// where the fit stopped) whose `message` says so.
Covariance ComputeCovariance(const FitResult& result);

// ---------------------------------------------------------------------------
// Intervals
// ---------------------------------------------------------------------------

/// Intervals on named quantities (one row each).
struct IntervalTable {
  std::vector<std::string> names;
  std::vector<double> mean;        ///< point estimate (plug-in value at θ̂)
  std::vector<double> lower, upper;
  std::vector<double> std_errors;  ///< delta: se; bootstrap: sd of replicates
  std::vector<unsigned char> log_scale;  ///< interval built on log scale
  double level = 0.0;
  std::string method;  ///< "delta" or "bootstrap_<method>"
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
/// budget; ChinchillaFrontierAt of allocation.hpp differentiated with
/// ceres::Jet). Fixed parameters get lower = upper = value. Throws
/// InvalidArgument for a bad level, a result without data, budgets for a
/// law other than chinchilla, or budgets not finite and > 0.
IntervalTable ConfInt(const FitResult& result, double level = 0.95,
                      const std::vector<double>& budgets = {});
IntervalTable ConfInt(const FitResult& result, const Covariance& cov,
                      double level, const std::vector<double>& budgets = {});

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
  double level = 0.0;
  std::string interval;  ///< "confidence" or "prediction"
  std::string method;    ///< "delta" or "bootstrap_<method>"
  std::string BriefReport() const;
};

/// Delta-method prediction intervals at rows of inputs (row-major, law
/// input order; validated as in FitResult::Predict).
PredictionTable PredictInterval(const FitResult& result,
                                const std::vector<double>& x, double level,
                                IntervalKind kind = IntervalKind::kConfidence);

/// ComputeOptimal (allocation.hpp) with delta-method intervals on N_opt,
/// D_opt, tokens_per_param and loss_opt (log scale; C has none: lower =
/// upper = C). Only for the chinchilla law under a 6ND FLOP model (the
/// closed form is differentiated); other laws: use the bootstrap
/// (BootstrapResult::ComputeOptimal). Throws InvalidArgument otherwise.
AllocationTable ComputeOptimalInterval(
    const FitResult& result, const std::vector<double>& C, double level,
    const FlopModel& flops = FlopModel::SixND(),
    const AllocationOptions& options = {});

/// LossToCompute (allocation.hpp) with delta-method intervals: the compute
/// C that reaches each target loss on the compute-optimal frontier, and the
/// N_opt, D_opt, tokens_per_param there. log(C/k) is the templated closed
/// form ChinchillaLogComputeForLoss, and log N_opt, log D_opt follow from
/// ChinchillaFrontierAtLogCk at that log(C/k), all differentiated with
/// ceres::Jet; intervals are on the log scale. loss_opt is the target
/// itself (lower = upper = target). Only for the chinchilla law under
/// C = k·N·D; other laws: BootstrapResult::LossToCompute. Throws as
/// LossToCompute (NotIdentified for a target at or below E) and
/// InvalidArgument for a bad level or another law / FLOP model.
/// WARNING: as the target approaches E, C → ∞ and log C is ~1/(L − E):
/// first-order intervals are unreliable there; compare the bootstrap.
AllocationTable LossToComputeInterval(
    const FitResult& result, const std::vector<double>& target_loss,
    double level, const FlopModel& flops = FlopModel::SixND(),
    const AllocationOptions& options = {});

// ---------------------------------------------------------------------------
// Bootstrap
// ---------------------------------------------------------------------------

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
  std::vector<int> failed;               ///< indices of failed replicates
  int num_replicates = 0;
  int num_failed = 0;
  int num_restarted = 0;    ///< replicates that needed more than one solve
  int num_rows_drawn = 0;   ///< rows per replicate (m for subsample)
  int num_groups = 0;       ///< cluster: number of groups
  double scale = 1.0;       ///< deviation rescaling (subsample), else 1
  double seconds = 0.0;     ///< wall time of the refits
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
                                 const FlopModel& flops = FlopModel::SixND(),
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
                                const FlopModel& flops = FlopModel::SixND(),
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

/// SplitMix64 step (Steele, Lea & Flood 2014): advances `state`, returns
/// the next output.
std::uint64_t SplitMix64(std::uint64_t* state);

/// The seed of replicate i's generator: SplitMix64 of (seed, stream, i), so
/// each replicate has its own stream whatever thread runs it.
std::uint64_t ReplicateSeed(std::uint64_t seed, std::uint64_t stream,
                            std::uint64_t i);

/// Uniform integer in [0, n) from a std::mt19937_64 by rejection (exact,
/// portable; std::uniform_int_distribution is implementation-defined).
std::uint64_t UniformIndex(std::mt19937_64& gen, std::uint64_t n);

/// The observations of bootstrap replicate i (exposed for tests).
Observations ReplicateData(const FitResult& result,
                           const BootstrapOptions& options, int i);

}  // namespace detail

}  // namespace scalefit
