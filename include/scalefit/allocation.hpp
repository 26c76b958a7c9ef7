/// @file allocation.hpp
/// Compute-optimal allocation: "I have C FLOPs — how many parameters N, how
/// many tokens D, and what loss?" — its inverse (target loss → C, N, D), the
/// plan at a fixed tokens-per-parameter ratio and inference-aware allocation.
///
/// Runtime allocation for ANY law with inputs N and D under any FLOP model
/// (FlopModel, flops.hpp): minimise L(N, D) subject to FLOPs(N, D) = C over
/// log N, in 1-D, deterministically. For Chinchilla under 6ND the closed
/// form of laws/chinchilla.hpp (ChinchillaFrontierAt, templated so that the
/// uncertainty module differentiates it) is used by default
/// (AllocationOptions::method); the numeric path agrees with it to ~1e-12
/// relative.
///
/// Units: C in FLOPs (see flops.hpp: one multiply-add = 2 FLOPs), N and D
/// plain counts, loss in the law's units (nats/token for Hoffmann et al.).
/// Every result records the FLOP convention it was computed under.
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scalefit/fit.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/law.hpp"
#include "scalefit/laws/chinchilla.hpp"

namespace scalefit {

/// True for the built-in chinchilla law (name, formula and parameters of
/// laws::Chinchilla): the law whose closed forms (laws/chinchilla.hpp) the
/// allocation and the delta-method intervals use.
bool IsChinchillaLaw(const LawInfo& info);

/// How allocations are computed.
struct AllocationOptions {
  /// "auto" (closed form for the built-in chinchilla law under SixND, else
  /// numeric), "closed_form" (chinchilla + SixND only; else InvalidArgument)
  /// or "numeric".
  std::string method = "auto";
  /// Values of law inputs other than N and D (held fixed), by name. Every
  /// such input must be given; unknown names throw UnknownName.
  std::map<std::string, double> other_inputs;
  /// ComputeOptimal and LossToCompute refuse (NotIdentified) a fit whose
  /// exponents are not identified by its runs (diagnostics.hpp) unless this
  /// is true; the result then carries the warning in `warning`.
  bool allow_unidentified = false;
  /// A plan whose compute lies more than this many decades BELOW the
  /// smallest fitted run's compute is an error, not a row: the law was not
  /// fitted anywhere near it. Must be > 0.
  double max_decades_below_data = 3.0;
  /// Rows more than this many decades of compute BEYOND the largest fitted
  /// run get a line in the table's `warning` (the `decades_beyond_data`
  /// column is always there); kExtrapolationWarningDecades (fit.hpp), as
  /// for predictions. Must be > 0.
  double extrapolation_warning_decades = kExtrapolationWarningDecades;
};

/// One plan. `C` is the budget (compute_optimal, plan_at_ratio) or the
/// compute required (loss_to_compute).
///
/// WARNING: C, N_opt, D_opt are plain counts (not billions).
struct Allocation {
  double C = 0.0;                 ///< FLOPs under `flop_convention`
  double N_opt = 0.0;             ///< parameters
  double D_opt = 0.0;             ///< tokens
  double tokens_per_param = 0.0;  ///< D_opt / N_opt
  double loss_opt = 0.0;          ///< L(N_opt, D_opt)
  std::string flop_convention;    ///< FlopModel::name()
  std::string method;             ///< "closed_form" or "numeric"
  /// Decades of compute beyond the largest fitted run:
  /// max(0, log10(C / DataSummary::compute_max)); NaN for given parameters.
  double decades_beyond_data = std::numeric_limits<double>::quiet_NaN();
  /// "" unless computed from a fit that did not converge, an unidentified
  /// fit (allow_unidentified) or far beyond the data; one line each.
  std::string warning;
};

/// One column of an AllocationTable: point values and, when filled by the
/// uncertainty module, an interval at `level` (empty vectors = none).
struct AllocationColumn {
  std::vector<double> mean;   ///< the point estimate (plug-in value)
  std::vector<double> lower;  ///< empty, or same length as mean
  std::vector<double> upper;  ///< empty, or same length as mean
  /// Standard error of each value (delta method; bootstrap: standard
  /// deviation of the replicates), in the column's units; empty without
  /// intervals. The column a table was given (C of compute_optimal, loss_opt
  /// of loss_to_compute) has no interval.
  std::vector<double> std_errors;
  bool has_interval() const { return !lower.empty(); }
};

/// Allocations over many budgets (or target losses): one row per input.
/// Columns (names as in Python): C, N_opt, D_opt, tokens_per_param,
/// loss_opt; `target_loss` is set for loss_to_compute tables (else empty).
struct AllocationTable {
  std::string kind;  ///< "compute_optimal", "loss_to_compute" or
                     ///< "plan_at_ratio"
  std::string law;
  std::string flop_convention;   ///< FlopModel::name()
  std::string flop_description;  ///< FlopModel::description()
  std::string method;            ///< "closed_form" or "numeric"
  /// The result was fitted (FitResult::fitted); false for given parameters.
  bool fitted = true;
  bool has_data = true;  ///< data attached to the result
  double tokens_per_param_fixed = std::numeric_limits<double>::quiet_NaN();
  /// Interval metadata (set by the uncertainty module).
  double level = std::numeric_limits<double>::quiet_NaN();
  std::string interval_method;
  AllocationColumn C, N_opt, D_opt, tokens_per_param, loss_opt;
  std::vector<double> target_loss;
  /// Per row: decades of compute beyond the largest fitted run (C column vs
  /// `compute_max`), max(0, log10(C / compute_max)); NaN for given
  /// parameters (no fitted runs).
  std::vector<double> decades_beyond_data;
  /// The largest fitted run's compute (FLOPs; DataSummary::compute_max), NaN
  /// when unknown.
  double compute_max = std::numeric_limits<double>::quiet_NaN();
  /// "" unless computed from a fit that did not converge, an unidentified
  /// fit (allow_unidentified), or with rows beyond
  /// AllocationOptions::extrapolation_warning_decades; one line each.
  std::string warning;

  int num_rows() const { return static_cast<int>(C.mean.size()); }
  /// Row i as an Allocation (point values). Throws InvalidArgument if out of
  /// range.
  Allocation row(int i) const;
  /// The column by name ("C", "N_opt", "D_opt", "tokens_per_param",
  /// "loss_opt"); throws UnknownName listing them.
  const AllocationColumn& column(const std::string& name) const;
  AllocationColumn& column(const std::string& name);
  static std::vector<std::string> ColumnNames();
  /// One line: kind, law, rows, FLOP convention, range.
  std::string BriefReport() const;
  /// Header (law, FLOP convention, method, interval) and every row at full
  /// precision.
  std::string FullReport() const;
};

/// Inference-aware plan (Sardana & Frankle 2023, "Beyond Chinchilla-Optimal:
/// Accounting for Inference in Language Model Scaling Laws",
/// arXiv:2401.00448): minimise
///   training FLOPs C(N, D) + inference_flops_per_param·N·D_inf
/// subject to L(N, D) = target (inference: 2 FLOPs per parameter per token).
/// With D_inf = 0 it is the compute-optimal plan for the target.
struct InferenceAwarePlan {
  double target_loss = 0.0;
  double inference_tokens = 0.0;
  double N_opt = 0.0;
  double D_opt = 0.0;
  double tokens_per_param = 0.0;
  double training_flops = 0.0;
  double inference_flops = 0.0;
  double total_flops = 0.0;
  /// The compute-optimal (inference-blind) plan for the same target, for
  /// comparison: its N, D, training and total cost with the same D_inf.
  double chinchilla_N = 0.0;
  double chinchilla_D = 0.0;
  double chinchilla_total_flops = 0.0;
  std::string flop_convention;
  std::string Report() const;
};

/// The law's floor: lim L(N, D) as N, D → ∞ (other inputs fixed). For
/// chinchilla it is E exactly. For a general law: additive offset
/// parameters (∂L/∂p ≡ 1, found with the exact parameter gradient) plus the
/// rest evaluated at N = D = 1e300.
/// WARNING: for a general law the floor is numeric; a law that has not
/// converged at 1e300 (exponents < ~0.01) gets a floor that is too high.
/// Throws InvalidArgument if the law lacks N or D inputs.
double LawFloor(const FitResult& result, const AllocationOptions& options = {});

/// Compute-optimal plan at budget C: argmin L(N, D) s.t. FLOPs(N, D) = C.
/// Numeric path: scan log N ∈ [0, log N(D = 1)] on 64 points, then solve
/// dL/dlogN = 0 (7-point central difference, step 0.02 in log N, of L with
/// additive offsets such as E removed) with Brent's root finder to 1e-15,
/// then golden section on L within ±0.08 in log N, kept only if L is lower
/// there by > 1e-12 relative (a kink, e.g. the data-constrained law's
/// min(N, N_opt(U_D)), which sits exactly at the compute-optimal point).
/// Throws InvalidArgument for C ≤ 0, NaN or inf, for a law without inputs N
/// and D ("allocation needs a law with inputs N and D"), for missing other
/// inputs; NotIdentified when the optimum is at the edge of the search range
/// (L keeps decreasing as N → 1 or D → 1: no interior optimum).
/// WARNING: for a law WITHOUT an additive floor parameter the numeric
/// optimum is limited by cancellation to ~1e-13·L/(L − floor) relative.
Allocation ComputeOptimal(const FitResult& result, double C,
                          const FlopModel& flops = FlopModel::OfFit(),
                          const AllocationOptions& options = {});
AllocationTable ComputeOptimal(const FitResult& result,
                               const std::vector<double>& C,
                               const FlopModel& flops = FlopModel::OfFit(),
                               const AllocationOptions& options = {});

/// Compute (and N, D) needed to reach `target_loss` on the compute-optimal
/// frontier: solves L*(C) = target (closed form for chinchilla + 6ND,
/// else Brent on log C ∈ [log(10·C(1, 1)), log 1e300]). Throws
/// NotIdentified when target ≤ LawFloor ("at or below the law's floor E =
/// ...") or when no C ≤ 1e300 reaches it, InvalidArgument for NaN/inf, and
/// when even the smallest budget beats the target.
Allocation LossToCompute(const FitResult& result, double target_loss,
                         const FlopModel& flops = FlopModel::OfFit(),
                         const AllocationOptions& options = {});
AllocationTable LossToCompute(const FitResult& result,
                              const std::vector<double>& target_loss,
                              const FlopModel& flops = FlopModel::OfFit(),
                              const AllocationOptions& options = {});

/// The plan at a fixed tokens-per-parameter ratio r = D/N (e.g. r = 20, the
/// "Chinchilla rule of thumb"): the N with FLOPs(N, r·N) = C (for 6ND
/// N = sqrt(C/(k·r))), D = r·N, and its predicted loss. Since N and D are
/// then fixed by C, this is also the loss-optimal plan among plans at that
/// ratio. Throws InvalidArgument for C or r not finite and > 0.
Allocation PlanAtRatio(const FitResult& result, double C,
                       double tokens_per_param,
                       const FlopModel& flops = FlopModel::OfFit(),
                       const AllocationOptions& options = {});
AllocationTable PlanAtRatio(const FitResult& result,
                            const std::vector<double>& C,
                            double tokens_per_param,
                            const FlopModel& flops = FlopModel::OfFit(),
                            const AllocationOptions& options = {});

/// Inference-aware allocation (see InferenceAwarePlan). Throws
/// InvalidArgument for a NaN/negative inference_tokens or a bad
/// inference_flops_per_param, NotIdentified for target ≤ floor.
InferenceAwarePlan InferenceAware(const FitResult& result, double target_loss,
                                  double inference_tokens,
                                  const FlopModel& flops = FlopModel::OfFit(),
                                  double inference_flops_per_param = 2.0,
                                  const AllocationOptions& options = {});

}  // namespace scalefit
