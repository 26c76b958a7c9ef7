// Diagnose() on the rows a fit laid out for its batch kernels: Fit() hands
// them over, so the design Jacobian is taken by the law's SIMD kernels on
// the logs and targets the fit already holds.
#pragma once

#include <string>
#include <vector>

#include "scalefit/detail/simd.hpp"
#include "scalefit/diagnostics.hpp"

namespace scalefit::detail {

/// Diagnose() (diagnostics.hpp), with `rows`: `data`'s rows in the batch
/// layout of the fit (column-major inputs and their logs, the targets log L
/// under a log objective or L under "mse", root normalised weights), as
/// the engine's set-up made them. With rows of the same count and a law
/// with batch kernels, each row's value, residual and ∂L/∂p come from the
/// kernels (the same numbers to rounding); null rows: row by row.
Diagnostics DiagnoseOnRows(const LawModel& law, const Observations& data,
                           const std::vector<ParamValue>& params,
                           Objective objective, bool converged,
                           const std::string& message, const FlopModel* flops,
                           const DataSummary* summary, int threads,
                           const BatchRows* rows);

}  // namespace scalefit::detail
