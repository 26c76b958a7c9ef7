// The public entry points of allocation.hpp: LawFloor, ComputeOptimal,
// LossToCompute and PlanAtRatio (one plan or a table). Every entry point
// resolves the FLOP model against the fit, and every plan gets the checks
// and notes of the result it came from (CheckPlan, Notes).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "allocation/allocation_internal.hpp"
#include "scalefit/diagnostics.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

using detail::AllocateOne;
using detail::Append;
using detail::CheckFinitePositive;
using detail::LawSlice;
using detail::LossToComputeOne;
using detail::NewTable;
using detail::PlanAtRatioOne;
using detail::RowText;
using detail::UseClosedForm;

namespace detail {

double DecadesBeyondData(const FitResult& r, double C) {
  const double top = r.data_summary.compute_max;
  if (!r.fitted || !(top > 0.0) || !(C > 0.0))
    return std::numeric_limits<double>::quiet_NaN();
  return std::max(0.0, std::log10(C / top));
}

void CheckAllocationOptions(const AllocationOptions& o) {
  CheckFinitePositive("max_decades_below_data", o.max_decades_below_data);
  CheckFinitePositive("extrapolation_warning_decades",
                      o.extrapolation_warning_decades);
}

void CheckPlan(const FitResult& r, const Allocation& a,
               const AllocationOptions& o, const std::string& where) {
  if (!(a.N_opt >= 1.0) || !(a.D_opt >= 1.0)) {
    throw InvalidArgument(
        "the plan" + where + " has N_opt = " + FormatShort(a.N_opt, 6) +
        " parameters and D_opt = " + FormatShort(a.D_opt, 6) +
        " tokens (C = " + FormatShort(a.C, 6) +
        " FLOPs): less than one parameter or one token is no model; the "
        "budget (or target) lies outside anything the law describes" +
        (r.fitted && r.data_summary.compute_min > 0
             ? " (the fitted runs used " +
                   FormatShort(r.data_summary.compute_min, 3) + " to " +
                   FormatShort(r.data_summary.compute_max, 3) + " FLOPs)"
             : std::string()) +
        "; check the units of the fit's inputs (units=)");
  }
  const double bottom = r.data_summary.compute_min;
  if (r.fitted && bottom > 0.0 && a.C > 0.0) {
    const double below = std::log10(bottom / a.C);
    if (below > o.max_decades_below_data) {
      throw InvalidArgument(
          "the plan" + where + " needs C = " + FormatShort(a.C, 6) +
          " FLOPs, " + FormatShort(below, 3) +
          " decades below the smallest fitted run (" + FormatShort(bottom, 6) +
          " FLOPs): the law was not fitted anywhere near it (limit: "
          "max_decades_below_data = " +
          FormatShort(o.max_decades_below_data, 3) + ")");
    }
  }
}

void Finish(const FitResult& r, const AllocationOptions& o,
            const std::string& notes, AllocationTable* t) {
  t->fitted = r.fitted;
  t->compute_max = r.fitted && r.data_summary.compute_max > 0
                       ? r.data_summary.compute_max
                       : std::numeric_limits<double>::quiet_NaN();
  t->decades_beyond_data.clear();
  for (int i = 0; i < t->num_rows(); ++i) {
    CheckPlan(r, t->row(i), o, RowText(i));
    t->decades_beyond_data.push_back(DecadesBeyondData(r, t->C.mean[i]));
  }
  t->warning = notes + ExtrapolationNote(t->C.mean, t->decades_beyond_data,
                                         t->compute_max,
                                         o.extrapolation_warning_decades);
}

void Finish(const FitResult& r, const AllocationOptions& o,
            const std::string& notes, Allocation* a) {
  CheckPlan(r, *a, o, "");
  a->decades_beyond_data = DecadesBeyondData(r, a->C);
  a->warning = notes + ExtrapolationNote({a->C}, {a->decades_beyond_data},
                                         r.data_summary.compute_max,
                                         o.extrapolation_warning_decades);
}

std::string ClaimNotes(const FitResult& r) {
  return NotConvergedNote(r) + UnidentifiedNote(r);
}

}  // namespace detail

using detail::ClaimNotes;
using detail::Finish;

double LawFloor(const FitResult& result, const AllocationOptions& options) {
  return LawSlice(result, options).Floor();
}

Allocation ComputeOptimal(const FitResult& result, double C,
                          const FlopModel& flops_in,
                          const AllocationOptions& options) {
  detail::CheckAllocationOptions(options);
  RequireIdentified(result, options.allow_unidentified);
  const FlopModel flops = result.ResolveFlops(flops_in);
  const LawSlice s(result, options);
  Allocation a = AllocateOne(s, flops, C, UseClosedForm(s, flops, options), "");
  Finish(result, options, ClaimNotes(result), &a);
  return a;
}

AllocationTable ComputeOptimal(const FitResult& result,
                               const std::vector<double>& C,
                               const FlopModel& flops_in,
                               const AllocationOptions& options) {
  detail::CheckAllocationOptions(options);
  RequireIdentified(result, options.allow_unidentified);
  const FlopModel flops = result.ResolveFlops(flops_in);
  const LawSlice s(result, options);
  const bool closed = UseClosedForm(s, flops, options);
  AllocationTable t = NewTable("compute_optimal", s, result, flops, closed);
  for (size_t i = 0; i < C.size(); ++i) {
    Append(&t, AllocateOne(s, flops, C[i], closed, RowText(i)));
  }
  Finish(result, options, ClaimNotes(result), &t);
  return t;
}

Allocation LossToCompute(const FitResult& result, double target_loss,
                         const FlopModel& flops_in,
                         const AllocationOptions& options) {
  detail::CheckAllocationOptions(options);
  RequireIdentified(result, options.allow_unidentified);
  const FlopModel flops = result.ResolveFlops(flops_in);
  const LawSlice s(result, options);
  Allocation a = LossToComputeOne(s, flops, target_loss,
                                  UseClosedForm(s, flops, options), "");
  Finish(result, options, ClaimNotes(result), &a);
  return a;
}

AllocationTable LossToCompute(const FitResult& result,
                              const std::vector<double>& target_loss,
                              const FlopModel& flops_in,
                              const AllocationOptions& options) {
  detail::CheckAllocationOptions(options);
  RequireIdentified(result, options.allow_unidentified);
  const FlopModel flops = result.ResolveFlops(flops_in);
  const LawSlice s(result, options);
  const bool closed = UseClosedForm(s, flops, options);
  AllocationTable t = NewTable("loss_to_compute", s, result, flops, closed);
  for (size_t i = 0; i < target_loss.size(); ++i) {
    Append(&t, LossToComputeOne(s, flops, target_loss[i], closed, RowText(i)));
    t.target_loss.push_back(target_loss[i]);
  }
  Finish(result, options, ClaimNotes(result), &t);
  return t;
}

Allocation PlanAtRatio(const FitResult& result, double C,
                       double tokens_per_param, const FlopModel& flops_in,
                       const AllocationOptions& options) {
  detail::CheckAllocationOptions(options);
  CheckFinitePositive("tokens_per_param", tokens_per_param);
  const FlopModel flops = result.ResolveFlops(flops_in);
  const LawSlice s(result, options);
  Allocation a = PlanAtRatioOne(s, flops, C, tokens_per_param, "");
  Finish(result, options, NotConvergedNote(result), &a);
  return a;
}

AllocationTable PlanAtRatio(const FitResult& result,
                            const std::vector<double>& C,
                            double tokens_per_param, const FlopModel& flops_in,
                            const AllocationOptions& options) {
  detail::CheckAllocationOptions(options);
  CheckFinitePositive("tokens_per_param", tokens_per_param);
  const FlopModel flops = result.ResolveFlops(flops_in);
  const LawSlice s(result, options);
  AllocationTable t =
      NewTable("plan_at_ratio", s, result, flops, flops.is_six_nd());
  t.tokens_per_param_fixed = tokens_per_param;
  for (size_t i = 0; i < C.size(); ++i) {
    Append(&t, PlanAtRatioOne(s, flops, C[i], tokens_per_param, RowText(i)));
  }
  Finish(result, options, NotConvergedNote(result), &t);
  return t;
}

}  // namespace scalefit
