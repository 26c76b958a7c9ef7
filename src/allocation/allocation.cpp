// The public entry points of allocation.hpp: LawFloor, ComputeOptimal,
// LossToCompute and PlanAtRatio (one plan or a table).
#include <string>
#include <vector>

#include "allocation/allocation_internal.hpp"
#include "scalefit/diagnostics.hpp"

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

double LawFloor(const FitResult& result, const AllocationOptions& options) {
  return LawSlice(result, options).Floor();
}

Allocation ComputeOptimal(const FitResult& result, double C,
                          const FlopModel& flops,
                          const AllocationOptions& options) {
  RequireIdentified(result, options.allow_unidentified);
  const LawSlice s(result, options);
  Allocation a = AllocateOne(s, flops, C, UseClosedForm(s, flops, options), "");
  a.warning = UnidentifiedNote(result);
  return a;
}

AllocationTable ComputeOptimal(const FitResult& result,
                               const std::vector<double>& C,
                               const FlopModel& flops,
                               const AllocationOptions& options) {
  RequireIdentified(result, options.allow_unidentified);
  const LawSlice s(result, options);
  const bool closed = UseClosedForm(s, flops, options);
  AllocationTable t = NewTable("compute_optimal", s, result, flops, closed);
  t.warning = UnidentifiedNote(result);
  for (size_t i = 0; i < C.size(); ++i) {
    Append(&t, AllocateOne(s, flops, C[i], closed, RowText(i)));
  }
  return t;
}

Allocation LossToCompute(const FitResult& result, double target_loss,
                         const FlopModel& flops,
                         const AllocationOptions& options) {
  RequireIdentified(result, options.allow_unidentified);
  const LawSlice s(result, options);
  Allocation a = LossToComputeOne(s, flops, target_loss,
                                  UseClosedForm(s, flops, options), "");
  a.warning = UnidentifiedNote(result);
  return a;
}

AllocationTable LossToCompute(const FitResult& result,
                              const std::vector<double>& target_loss,
                              const FlopModel& flops,
                              const AllocationOptions& options) {
  RequireIdentified(result, options.allow_unidentified);
  const LawSlice s(result, options);
  const bool closed = UseClosedForm(s, flops, options);
  AllocationTable t = NewTable("loss_to_compute", s, result, flops, closed);
  t.warning = UnidentifiedNote(result);
  for (size_t i = 0; i < target_loss.size(); ++i) {
    Append(&t, LossToComputeOne(s, flops, target_loss[i], closed, RowText(i)));
    t.target_loss.push_back(target_loss[i]);
  }
  return t;
}

Allocation PlanAtRatio(const FitResult& result, double C,
                       double tokens_per_param, const FlopModel& flops,
                       const AllocationOptions& options) {
  CheckFinitePositive("tokens_per_param", tokens_per_param);
  const LawSlice s(result, options);
  return PlanAtRatioOne(s, flops, C, tokens_per_param, "");
}

AllocationTable PlanAtRatio(const FitResult& result,
                            const std::vector<double>& C,
                            double tokens_per_param, const FlopModel& flops,
                            const AllocationOptions& options) {
  CheckFinitePositive("tokens_per_param", tokens_per_param);
  const LawSlice s(result, options);
  AllocationTable t =
      NewTable("plan_at_ratio", s, result, flops, flops.is_six_nd());
  t.tokens_per_param_fixed = tokens_per_param;
  for (size_t i = 0; i < C.size(); ++i) {
    Append(&t, PlanAtRatioOne(s, flops, C[i], tokens_per_param, RowText(i)));
  }
  return t;
}

}  // namespace scalefit
