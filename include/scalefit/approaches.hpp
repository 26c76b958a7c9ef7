/// @file approaches.hpp
/// Chinchilla's Approaches 1 and 2 (Hoffmann et al. 2022, §3.1 and §3.2):
/// compute-optimal model size N_opt(C) and token count D_opt(C) read off the
/// runs directly, without a parametric law.
///
/// Approach 2 — isoFLOP profiles (IsoflopFit):
///   1. Group runs by FLOP budget C. Budgets that are only nearly equal are
///      snapped together: runs are sorted by C and a new group starts when
///      C_i > C_first · (1 + snap_tolerance), C_first = smallest C of the
///      current group. A group's budget is the geometric mean of its C.
///   2. Per budget, fit the parabola  L ≈ c0 + c1·x + c2·x²,  x = ln N,
///      by (weighted) least squares to a WINDOW of the group's runs
///      (IsoflopWindow). The default, kCentred: the distinct model sizes
///      sorted, a centre size c (first the size of the lowest observed
///      loss) and j = min(k, sizes left of c, sizes right of c) sizes on
///      EACH side of it, k = `points_each_side` (default 2), so the window
///      holds as many sizes on either side of its centre (a 5-size window,
///      3 at the sweep's edge). When the vertex falls outside the interval
///      between the centre's two neighbours, the centre moves one size
///      towards it and the parabola is refitted, until it stays (or would
///      revisit a centre). A minimum at the first or last size has no
///      centred window: the parabola is fitted to that size and its k
///      nearest, and is usually not interior (below).
///      Why: far from the optimum isoFLOP profiles rise much faster than a
///      parabola (losses of 8–10 nats for the smallest models at the
///      smallest budgets), and a parabola through a whole sweep — or a
///      window shifted inward at the sweep's edge — puts the vertex where
///      the profile's cubic term pulls it, by up to 2× in N. A window with
///      equal numbers of sizes on either side cancels most of that pull.
///      On the 15 configurations of Porian et al. 2024 every exponent a is
///      within 0.03 of the authors' (docs/approaches.md has the table);
///      with all runs 4 are 0.05–0.07 off.
///      Its vertex x* = −c1 / (2 c2) gives N_opt = exp(x*), L_opt = the
///      parabola's value there, and D_opt = the value at x* of the
///      least-squares line ln D ≈ d0 + d1·x through the same runs (exactly
///      C/(k·N_opt) when every run has C = k·N·D).
///      The minimum is "interior" when c2 > 0 and min x ≤ x* ≤ max x over
///      the runs used. Budgets without an interior minimum are flagged and,
///      by default, left out of the power-law fits (the report says so).
///      Each budget also reports the runs used (`fit_rows`), the window's
///      half-width, and `vertex_shift`: the largest |Δ ln N_opt| when the
///      same window is moved by one size either way. A shift above
///      ln 1.25 (N_opt moves by more than 25 %) flags the budget
///      `asymmetric` (the profile is skewed or flat there), a vertex that
///      re-centring could not bring between the centre's neighbours flags
///      `vertex_at_edge`; both are warned about in `notes`.
///   3. Power laws by ordinary least squares in log-log space over the used
///      budgets: ln N_opt = ln G_N + a·ln C, ln D_opt = ln G_D + b·ln C.
///   4. Frontier loss: the engine's "saturating_power_law"
///      L_opt(C) = E + A·C^(−alpha) fitted to (C, L_opt) of the used budgets.
///   5. Bootstrap percentile intervals for a and b: the used budgets are
///      resampled with replacement (case bootstrap of the log-log regression)
///      and the power laws refitted. Replicate i draws from its own stream
///      detail::SplitMix64(seed, i) (detail/random.hpp), so results do not
///      depend on the thread count.
///      Replicates with fewer than two distinct budgets are skipped (counted).
///   6. Comparison: the engine's "chinchilla" fit L = E + A/N^α + B/D^β of the
///      same runs implies a = β/(α+β), b = α/(α+β) (Hoffmann et al. 2022,
///      Eq. 4); the report gives both and the difference.
///
/// Approach 1 — envelope of training curves (EnvelopeFit):
///   Checkpoints (run id, N, tokens seen, loss). FLOPs C = k·N·tokens
///   (k = 6: the 6ND convention). Each run's curve is interpolated linearly in
///   (ln C, L) between its checkpoints; on `num_bins` log-spaced FLOP values
///   spanning all checkpoints, the envelope is the lowest interpolated loss
///   over the runs whose checkpoints cover that value, and N_opt is the N of
///   the run that reached it, D_opt = C/(k·N_opt). A FLOP value whose winner
///   is the smallest or the largest model covering it (the optimum may lie
///   beyond the sampled sizes) is flagged and by default left out. Power
///   laws N_opt ∝ C^a and D_opt ∝ C^b as in Approach 2.
///
/// Units: N parameters, D tokens, C FLOPs, loss in nats (any positive loss
/// works). Exponents are dimensionless.
///
/// WARNING: Approach 2 is biased when α ≠ β: L(ln N) along an isoFLOP is not
/// a parabola and is asymmetric, so the vertex of a least-squares parabola
/// sits off the true minimum, by more the wider or more off-centre the grid
/// of sizes is. With α = β and a grid symmetric about the true optimum in
/// ln N the vertex is exact. Compare with the parametric fit (reported).
/// WARNING: Approach 1's N_opt is quantised to the sizes trained; with few
/// sizes the fitted exponent has a staircase error of order
/// ln(size ratio) / ln(C range).
/// WARNING: the bootstrap interval reflects the scatter of the per-budget
/// optima about the power law, not the uncertainty of each optimum within
/// its budget; with few budgets it is too narrow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scalefit/detail/random.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/run_control.hpp"

namespace scalefit {

/// ln y = ln coefficient + exponent · ln C, by ordinary least squares.
struct PowerLawFit {
  double exponent = 0.0;
  double coefficient = 0.0;  ///< y at C = 1
  double r2 = 0.0;           ///< coefficient of determination in log space
  int num_points = 0;
  /// Bootstrap percentile interval (NaN when no bootstrap was run).
  double lower = 0.0;
  double upper = 0.0;
};

/// Runs for Approach 2. Every vector has one entry per run, except that `C`
/// may be empty (then C = k·N·D) and `D` may be empty when `C` is given
/// (then D = C/(k·N)); `weights` may be empty (all 1).
struct IsoflopData {
  std::vector<double> N;
  std::vector<double> D;
  std::vector<double> loss;
  std::vector<double> C;
  std::vector<double> weights;
};

/// Which runs of a budget its parabola is fitted to (see step 2 above).
enum class IsoflopWindow {
  /// k sizes on each side of a centre size, re-centred on the vertex.
  kCentred,
  /// The run with the lowest loss and up to k runs on either side (in N
  /// order), cut short at the sweep's edge (no re-centring).
  kAroundMinimum,
  /// Every run of the budget (biased on wide sweeps; see step 2).
  kAll,
};
/// "centred", "around_minimum", "all".
std::string ToString(IsoflopWindow w);
/// Throws UnknownName listing the valid names.
IsoflopWindow ParseIsoflopWindow(const std::string& name);

struct IsoflopOptions {
  /// Relative tolerance for snapping nearly equal budgets into one group.
  /// Must be >= 0 and < 1.
  double snap_tolerance = 0.05;
  /// Which runs of each budget the parabola is fitted to.
  IsoflopWindow window = IsoflopWindow::kCentred;
  /// k of the window: sizes (kCentred) or runs (kAroundMinimum) on each
  /// side; >= 1, ignored by kAll.
  int points_each_side = 2;
  /// Use budgets whose minimum is not interior in the power-law fits too.
  bool keep_edge_minima = false;
  /// FLOPs per parameter per token: C = k·N·D (6 = the 6ND convention).
  double k = 6.0;
  /// Bootstrap replicates for the intervals of a and b; 0 = none.
  int num_bootstrap = 1000;
  double confidence = 0.95;
  std::uint64_t seed = 0;
  /// Threads for the bootstrap; 0 = all cores. Results do not depend on it.
  int num_threads = 1;
  /// Cancellation and progress of the bootstrap (run_control.hpp; stage
  /// "isoflop bootstrap"); empty = none.
  RunControl control;
  /// Fit the frontier L_opt(C) with saturating_power_law (needs >= 4 used
  /// budgets; otherwise skipped and said so).
  bool fit_frontier = true;
  FitOptions frontier_options;
  /// Fit chinchilla to the same runs and report the implied a and b.
  bool compare_parametric = true;
  FitOptions parametric_options;

  /// True when every field is in range; otherwise `why` says which is not.
  bool IsValid(std::string* why) const;
};

/// One FLOP budget of Approach 2.
struct IsoflopBudget {
  double C = 0.0;  ///< geometric mean of the group's C values
  double C_min = 0.0, C_max = 0.0;
  int num_points = 0;                   ///< runs in the group
  int num_fit_points = 0;               ///< runs the parabola was fitted to
  double N_lo = 0.0, N_hi = 0.0;        ///< range of N of the fitted runs
  double c0 = 0.0, c1 = 0.0, c2 = 0.0;  ///< L ≈ c0 + c1 x + c2 x², x = ln N
  double N_opt = 0.0;                   ///< exp(vertex); NaN when c2 <= 0
  double D_opt = 0.0;
  double loss_opt = 0.0;         ///< parabola value at the vertex
  double best_observed_N = 0.0;  ///< N of the lowest observed loss
  double best_observed_loss = 0.0;
  bool interior = false;      ///< c2 > 0 and vertex within [N_lo, N_hi]
  bool used = false;          ///< in the power-law fits
  std::vector<int> rows;      ///< 0-based input rows of the group
  std::vector<int> fit_rows;  ///< 0-based input rows the parabola used
  /// kCentred: sizes on each side of the window's centre (0 when the
  /// minimum is at the sweep's edge); kAroundMinimum: runs below/above the
  /// lowest (the larger); kAll: -1.
  int half_width = -1;
  int num_recentred = 0;  ///< kCentred: times the centre moved
  /// Largest |Δ ln N_opt| when the window is moved by one size (kCentred)
  /// or run either way; NaN when it cannot move or has no vertex.
  double vertex_shift = 0.0;
  /// vertex_shift > ln 1.25: the vertex depends on the window.
  bool asymmetric = false;
  /// kCentred: the vertex lies outside the centre size's neighbours after
  /// re-centring (it could move no further); other windows: false.
  bool vertex_at_edge = false;

  /// The fitted parabola at each N: c0 + c1·ln N + c2·(ln N)², in loss
  /// units (what isoFLOP plots draw). Defined for every budget, also when
  /// c2 <= 0 (then it has no minimum). Throws InvalidArgument naming the
  /// 0-based entry of N that is not finite and > 0.
  /// WARNING: outside [N_lo, N_hi] this is an extrapolated quadratic in
  /// ln N, not the loss of the law.
  std::vector<double> ProfileLoss(const std::vector<double>& N) const;
};

struct IsoflopResult {
  std::vector<IsoflopBudget> budgets;  ///< ascending C
  PowerLawFit n_opt;                   ///< N_opt = coefficient · C^a
  PowerLawFit d_opt;                   ///< D_opt = coefficient · C^b
  double a() const { return n_opt.exponent; }
  double b() const { return d_opt.exponent; }
  int num_bootstrap = 0;       ///< replicates requested
  int num_bootstrap_used = 0;  ///< replicates with >= 2 distinct budgets
  bool has_frontier = false;
  FitResult frontier;  ///< saturating_power_law on (C, L_opt)
  bool has_parametric = false;
  FitResult parametric;            ///< chinchilla on the runs
  double a_parametric = 0.0;       ///< β/(α+β)
  double b_parametric = 0.0;       ///< α/(α+β)
  std::vector<std::string> notes;  ///< what was flagged, skipped, left out
  IsoflopOptions options;
  int num_runs = 0;

  int num_used() const;
  /// One line: a, b (intervals), budgets used.
  std::string BriefReport() const;
  /// Everything: per-budget table at full precision, fits, comparison, notes.
  std::string FullReport() const;
};

/// Approach 2. Throws InvalidArgument naming the row and column of a bad
/// value, a budget group with fewer than 3 runs or fewer than 3 distinct N
/// (naming the budget and its rows), fewer than 2 usable budgets, or invalid
/// options.
IsoflopResult IsoflopFit(const IsoflopData& data,
                         const IsoflopOptions& options = {});

/// Checkpoints for Approach 1, one entry per checkpoint.
struct Checkpoints {
  std::vector<std::int64_t> run;  ///< run id; N must be constant within a run
  std::vector<double> N;
  std::vector<double> tokens;  ///< tokens seen at the checkpoint
  std::vector<double> loss;
};

struct EnvelopeOptions {
  /// Log-spaced FLOP values spanning all checkpoints (>= 2).
  int num_bins = 100;
  /// FLOPs per parameter per token: C = k·N·tokens.
  double k = 6.0;
  /// Keep FLOP values whose winner is the smallest or largest model
  /// covering them.
  bool keep_edge = false;

  bool IsValid(std::string* why) const;
};

/// One FLOP value of the envelope.
struct EnvelopePoint {
  double C = 0.0;
  double loss = 0.0;     ///< lowest interpolated loss across runs
  double N_opt = 0.0;    ///< N of the run that reached it
  double D_opt = 0.0;    ///< C / (k·N_opt)
  std::int64_t run = 0;  ///< id of that run
  int num_runs = 0;      ///< runs whose checkpoints cover C
  bool edge = false;     ///< winner is the smallest or largest such model
  bool used = false;
};

struct EnvelopeResult {
  std::vector<EnvelopePoint> points;  ///< ascending C
  PowerLawFit n_opt;
  PowerLawFit d_opt;
  double a() const { return n_opt.exponent; }
  double b() const { return d_opt.exponent; }
  int num_runs = 0;
  int num_checkpoints = 0;
  std::vector<std::string> notes;
  EnvelopeOptions options;

  int num_used() const;
  std::string BriefReport() const;
  std::string FullReport() const;
};

/// Approach 1. Throws InvalidArgument for bad values (row and column), a run
/// whose N changes (naming the run and row), fewer than 2 runs, or fewer than
/// 2 usable FLOP values.
EnvelopeResult EnvelopeFit(const Checkpoints& data,
                           const EnvelopeOptions& options = {});

namespace detail {

/// ln y = c + e ln x by ordinary least squares. Returns false when fewer
/// than 2 distinct x.
bool FitLogLog(const std::vector<double>& x, const std::vector<double>& y,
               double* exponent, double* log_coefficient, double* r2);

}  // namespace detail

}  // namespace scalefit
