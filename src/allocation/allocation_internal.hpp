// Internals of the allocation analysis shared by the files of
// src/allocation/: the law restricted to (N, D) and the one-point solvers
// behind every public entry point of allocation.hpp.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"

namespace scalefit::detail {

/// Throws InvalidArgument("<what> must be finite and > 0 (got v)").
void CheckFinitePositive(const std::string& what, double v);

/// max(0, log10(C / the largest fitted run's compute)); NaN for given
/// parameters or without a compute range.
double DecadesBeyondData(const FitResult& r, double C);
/// Throws InvalidArgument for AllocationOptions thresholds not finite and > 0.
void CheckAllocationOptions(const AllocationOptions& o);
/// Throws InvalidArgument for a plan below one parameter or one token, or
/// more than o.max_decades_below_data below the smallest fitted run.
void CheckPlan(const FitResult& r, const Allocation& a,
               const AllocationOptions& o, const std::string& where);
/// The result's notes on its claims: not converged, unidentified.
std::string ClaimNotes(const FitResult& r);
/// Checks every row (CheckPlan), fills decades_beyond_data, fitted and
/// compute_max, and sets the warning to `notes` plus the extrapolation note.
void Finish(const FitResult& r, const AllocationOptions& o,
            const std::string& notes, AllocationTable* t);
void Finish(const FitResult& r, const AllocationOptions& o,
            const std::string& notes, Allocation* a);

/// L(N, D) of a result with the other inputs held fixed, and the reducible
/// part R = L − (additive offset parameters), evaluated without the offset
/// so that differences keep full relative precision.
class LawSlice {
 public:
  /// Validates the result (law with inputs N and D, finite parameters) and
  /// the other inputs; throws InvalidArgument / UnknownName naming them.
  LawSlice(const FitResult& result, const AllocationOptions& options);

  const std::vector<double>& params() const { return p_; }
  bool is_chinchilla() const { return is_chinchilla_; }
  double offset() const { return offset_; }
  const std::string& law_name() const { return law_->info().name; }

  double Loss(double N, double D) const { return Eval(p_, N, D); }
  /// L − offset, from logs.
  double Reducible(double log_N, double log_D) const {
    return Eval(q_, std::exp(log_N), std::exp(log_D));
  }

  /// lim L as N, D → ∞ (see LawFloor).
  double Floor() const;

 private:
  double Eval(const std::vector<double>& p, double N, double D) const {
    std::vector<double>& x = scratch_;
    x = x_;
    x[iN_] = N;
    x[iD_] = D;
    return law_->Evaluate(p.data(), x.data());
  }

  /// Additive offsets: parameters with ∂L/∂p_k = 1 exactly at two probes
  /// and L(p_k = 0) = L − p_k there.
  void FindOffsets();

  const LawModel* law_ = nullptr;
  int iN_ = -1, iD_ = -1;
  std::vector<double> x_;
  std::vector<double> p_, q_;  // q_: offsets set to 0
  double offset_ = 0.0;
  bool is_chinchilla_ = false;
  mutable std::vector<double> scratch_;
};

/// True when the closed form is used (AllocationOptions::method); throws
/// when "closed_form" is asked for where it does not apply.
bool UseClosedForm(const LawSlice& s, const FlopModel& flops,
                   const AllocationOptions& o);

/// The compute-optimal plan at budget C (closed form or numeric); `where`
/// ("" or " at row i (0-based)") goes into error messages.
Allocation AllocateOne(const LawSlice& s, const FlopModel& flops, double C,
                       bool closed, const std::string& where);

/// The compute-optimal plan that reaches `target` loss.
Allocation LossToComputeOne(const LawSlice& s, const FlopModel& flops,
                            double target, bool closed,
                            const std::string& where);

/// The plan at budget C and tokens per parameter r.
Allocation PlanAtRatioOne(const LawSlice& s, const FlopModel& flops, double C,
                          double r, const std::string& where);

/// " at row i (0-based)".
std::string RowText(size_t i);

/// An empty table of `kind` for the slice's law under `flops`.
AllocationTable NewTable(const char* kind, const LawSlice& s,
                         const FitResult& r, const FlopModel& flops,
                         bool closed);

/// Appends one plan's point values as a row.
void Append(AllocationTable* t, const Allocation& a);

}  // namespace scalefit::detail
