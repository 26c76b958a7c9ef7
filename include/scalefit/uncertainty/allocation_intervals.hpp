/// @file allocation_intervals.hpp
/// Delta-method intervals on allocations: ComputeOptimal and LossToCompute
/// (allocation.hpp) for the chinchilla law, intervals on the log scale. Under
/// C = k·N·D (method "auto" / "closed_form") the closed forms of
/// laws/chinchilla.hpp are differentiated by ceres::Jet; under any other
/// FLOP model (kaplan, hoffmann_detailed, a user FlopModel; or method
/// "numeric") the numeric optimum is differentiated implicitly: u = log N
/// solves g = ∂L/∂u = 0 along FLOPs(N, D) = C, so du/dθ = −g_θ/g_u (and,
/// for a target loss, the 2×2 system with log C), with g's derivatives from
/// nested Jets through laws::Chinchilla (docs/flops.md).
/// WARNING: a user FlopModel must be twice differentiable in N and D (its
/// log D(log N, log C) is differenced with step 0.01).
#pragma once

#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/fit.hpp"

namespace scalefit {

/// ComputeOptimal (allocation.hpp) with delta-method intervals on N_opt,
/// D_opt, tokens_per_param and loss_opt (log scale; C has none: lower =
/// upper = C). Only for the chinchilla law (any FLOP model); other laws: use
/// the bootstrap (BootstrapResult::ComputeOptimal). Throws InvalidArgument
/// otherwise.
AllocationTable ComputeOptimalInterval(
    const FitResult& result, const std::vector<double>& C, double level,
    const FlopModel& flops = FlopModel::OfFit(),
    const AllocationOptions& options = {});

/// LossToCompute (allocation.hpp) with delta-method intervals: the compute
/// C that reaches each target loss on the compute-optimal frontier, and the
/// N_opt, D_opt, tokens_per_param there. log(C/k) is the templated closed
/// form ChinchillaLogComputeForLoss, and log N_opt, log D_opt follow from
/// ChinchillaFrontierAtLogCk at that log(C/k), all differentiated with
/// ceres::Jet; intervals are on the log scale. loss_opt is the target
/// itself (lower = upper = target). Under another named convention (or
/// method "numeric") the solved C and N are differentiated implicitly (see
/// the file comment). Only for the chinchilla law; other laws:
/// BootstrapResult::LossToCompute. Throws as
/// LossToCompute (NotIdentified for a target at or below E) and
/// InvalidArgument for a bad level or another law / FLOP model.
/// WARNING: as the target approaches E, C → ∞ and log C is ~1/(L − E):
/// first-order intervals are unreliable there; compare the bootstrap.
AllocationTable LossToComputeInterval(
    const FitResult& result, const std::vector<double>& target_loss,
    double level, const FlopModel& flops = FlopModel::OfFit(),
    const AllocationOptions& options = {});

}  // namespace scalefit
