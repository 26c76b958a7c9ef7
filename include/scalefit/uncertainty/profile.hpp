/// @file profile.hpp
/// Profile-objective intervals: the objective re-minimised over the other
/// free parameters along a grid of one parameter (or of a derived quantity
/// of the chinchilla law), and the interval where it stays below a
/// calibrated threshold.
///
/// The profile of q:  f_p(v) = min { f(θ) : q(θ) = v },  f the fit's
/// objective with weights normalised to mean 1 (FitResult::objective up to
/// that scale). Each point is a local solve of the engine, started from the
/// neighbouring point (path following, outward from the optimum). Its
/// DEVIANCE is d(v) = 2·(f_p(v) − f̂) / c_q and the interval at `level` is
/// { v : d(v) ≤ t }, both ends found by Brent's method between the last
/// point inside and the first outside.
///
/// Calibration (c_q, t), n points, F free parameters:
///  - mse_log, mse ("F(1, n-F), sigma^2 estimated"): c_q = σ̂² =
///    Σ w̃ r² / (n − F) and t = F_{1,n−F}(level) = t²_{n−F}((1 + level)/2)
///    (Student t, Boost.Math): the likelihood-ratio interval of a Gaussian
///    model with σ² estimated, exact for a model linear in the parameters,
///    → χ²₁(level) as n grows.
///  - huber_log ("chi2(1), sandwich-adjusted"): c_q = (∇qᵀΣ∇q)/(∇qᵀH⁻¹∇q)
///    with Σ the kernel sandwich and H its kernel-smoothed Hessian
///    (covariance.hpp), and t = χ²₁(level) = z². The Huber objective is not
///    a log-likelihood; near the optimum f_p rises by ½(v − q̂)²/(∇qᵀH⁻¹∇q),
///    so this scaling makes the interval coincide with the kernel-sandwich
///    Wald interval where the profile is quadratic, and follow the profile's
///    own shape (asymmetry, plateaus, bounds) where it is not — Royall &
///    Tsou's (2003, JRSS-B 65:391) robust adjusted likelihood for a scalar
///    of interest. For small δ (Σ|r|·δ: median regression) it is Koenker &
///    Bassett's (1982, Econometrica 50:1577) likelihood-ratio test with the
///    sparsity estimated by the same kernel; for large δ (least squares) it
///    is σ̂²·n/(n − F). docs/uncertainty.md reports the coverage of both in
///    simulation.
/// A profile interval does not depend on the parametrisation (log A or A
/// give the same interval); the walk runs in the optimiser's coordinates
/// (log for positive scales).
///
/// Identification: a profile whose interval reaches a parameter bound or the
/// search limit (`max_span`) without crossing t, or whose interval spans
/// more than `max_ratio` (positive quantities: upper/lower) or
/// `max_relative_width` (others: width/|estimate|), is WEAKLY IDENTIFIED;
/// `identification` says which and gives the range. A profile point with a
/// LOWER objective than the fit's means the fit is not at the global
/// optimum: `better_point` is set and the point is in the table.
///
/// WARNING: each point is a local solve; a profile follows one valley and
/// can miss a disconnected one (the competing-basin check of the
/// diagnostics looks for those).
/// WARNING: the F/χ² thresholds are large-sample or linear-model results;
/// with few points per parameter or a strongly curved model the coverage
/// can differ from `level` (docs/uncertainty.md).
#pragma once

#include <string>
#include <vector>

#include "scalefit/fit.hpp"
#include "scalefit/uncertainty/intervals.hpp"

namespace scalefit {

struct ProfileOptions {
  /// Coverage of the interval, 0 < level < 1 (central, two-sided).
  double level = 0.95;
  /// The walk stops, on each side, after this many local solves...
  int max_steps = 40;
  /// ... or when the quantity (in the optimiser's coordinates: log for
  /// positive quantities) is this far from the estimate. 30 ≈ a factor
  /// 1e13 for a positive quantity. The end then counts as unbounded.
  double max_span = 30.0;
  /// A positive quantity whose interval has upper/lower above this is
  /// weakly identified.
  double max_ratio = 10.0;
  /// Any other quantity whose interval is wider than this × |estimate| is
  /// weakly identified.
  double max_relative_width = 1.0;
  /// Threads (ProfileConfInt profiles several quantities at once); 0 = all
  /// cores. Results do not depend on it.
  int num_threads = 1;

  bool IsValid(std::string* why) const;
};

/// One point of a profile.
struct ProfilePoint {
  double value = 0.0;          ///< the profiled quantity, user units
  double objective = 0.0;      ///< f_p(value), FitResult::objective units
  double deviance = 0.0;       ///< 2·(f_p − f̂)/c_q (weights normalised)
  bool converged = false;      ///< the local solve converged and certified
  std::vector<double> params;  ///< all parameters there, law order
};

struct Profile {
  std::string name;        ///< parameter, or derived quantity ("a", ...)
  double estimate = 0.0;   ///< at the fit
  double objective = 0.0;  ///< the fit's objective (FitResult units)
  double level = 0.0;
  double threshold = 0.0;            ///< t: deviance at the interval's ends
  double scale = 0.0;                ///< c_q (weights normalised to mean 1)
  std::string calibration;           ///< "F(1, n-F), sigma^2 estimated" or
                                     ///< "chi2(1), sandwich-adjusted"
  bool log_scale = false;            ///< walked in log (positive quantity)
  std::vector<ProfilePoint> points;  ///< ascending value, the fit included
  double lower = 0.0, upper = 0.0;   ///< ±inf (0 for positive) if open
  /// How each end was found: "crossing", "bound" (a parameter bound) or
  /// "search_limit" (max_steps / max_span without crossing).
  std::string lower_end, upper_end;
  bool weakly_identified = false;
  std::string identification;  ///< "" or why, with the range
  bool better_point = false;   ///< a point below the fit's objective
  bool all_converged = true;   ///< every local solve converged
  int num_solves = 0;

  /// One line: name, estimate, interval, identification.
  std::string BriefReport() const;
  /// Calibration, interval, and the table of points at full precision.
  std::string FullReport() const;
};

/// Profile of parameter `name` of a fit with data. Throws InvalidArgument
/// for a result without data, a fixed or tied (follower) parameter (tied:
/// profile its leader), too few points, or invalid options; UnknownName for
/// an unknown parameter.
Profile ProfileParameter(const FitResult& fit, const std::string& name,
                         const ProfileOptions& options = {});

/// Profile of a derived quantity of the built-in chinchilla law: "a"
/// (= β/(α+β)), "b" (= α/(α+β)), "N_opt@C" or "D_opt@C" (C in FLOPs as
/// printed by FormatFull, or any number, e.g. "N_opt@1e24"). The quantity
/// is held by eliminating one parameter (β for a and b, A for N_opt, B for
/// D_opt), N_opt and D_opt at C under the fit's FLOP convention (the
/// allocation's stationarity condition is linear in A and B; see
/// docs/uncertainty.md). Throws
/// InvalidArgument for another law, a tie α = β (a is then fixed), a bad
/// name (listing the valid forms) or budget.
Profile ProfileDerived(const FitResult& fit, const std::string& name,
                       const ProfileOptions& options = {});

/// The profile check of the diagnostics: run by Fit() when
/// FitOptions::profile_check is set, by the allocations (RequireIdentified)
/// on a fit made without it, and callable on any other result with data
/// (e.g. one loaded from a card with data):
///  - every free non-linear parameter's profile is evaluated at the ends of
///    its Wald interval (θ̂ ± √t·se, 2 local solves); where the deviance
///    there is below t/4 (the profile is flatter than the quadratic by more
///    than 2×), the Wald interval — or the interval implied by continuing
///    the profile quadratically from those two points — exceeds the stated
///    range, or a point lies below the fit, the full profile is run; a weakly
///    identified profile adds a WeakParameter and a "weakly_identified"
///    warning with its range, a lower point a "better_optimum" warning;
///  - the competing-basin check (CheckCompetingBasins) at `options.level`.
/// Each finding makes diagnostics.identified false, so the allocations
/// refuse the fit unless allowed. Sets diagnostics.profile_checked; does
/// nothing when it is already set, without data or computed diagnostics, or
/// when the covariance cannot be computed (too few points: the design
/// checks report that).
/// Cost: about 2 local solves per free non-linear parameter, more where a
/// full profile runs (on the Chinchilla runs, several times the fit).
void CheckIdentification(FitResult* fit, const ProfileOptions& options = {});

/// The competing-basin check, which Fit() always runs (it costs no solve):
/// every other polished start (FitResult::other_optima) whose deviance
/// 2·(f − f̂)/c, with c the largest of the free non-linear parameters'
/// calibration scales, is within the threshold t at `level` is a
/// CompetingBasin ("competing_basin" warning with both parameter sets;
/// identified becomes false). Replaces what an earlier call found. Does
/// nothing without other optima, data or computed diagnostics.
void CheckCompetingBasins(FitResult* fit, double level = 0.95);

/// Profile intervals on every parameter (method "profile"; fixed
/// parameters get lower = upper = value; std_errors are the Wald ones,
/// sqrt(∇qᵀΣ∇q) as in ConfInt, for parameters and derived rows alike) and on
/// `derived` quantities (names as ProfileDerived). `profiles`, when not
/// null, receives every profile in row order.
IntervalTable ProfileConfInt(const FitResult& fit,
                             const ProfileOptions& options = {},
                             const std::vector<std::string>& derived = {},
                             std::vector<Profile>* profiles = nullptr);

/// Intervals by method name (what the Python conf_int and the CLI's
/// --interval use): "delta" (ConfInt, intervals.hpp) or "profile"
/// (ProfileConfInt; for the chinchilla law also the derived a, b and, at
/// each budget, N_opt@C and D_opt@C). Throws UnknownName listing the
/// methods.
IntervalTable ConfIntByMethod(const FitResult& fit, const std::string& method,
                              double level,
                              const std::vector<double>& budgets = {},
                              int num_threads = 1);

}  // namespace scalefit
