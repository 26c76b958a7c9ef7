/// @file diagnostics.hpp
/// Design diagnostics: can these runs identify this law at all?
///
/// Computed from the observations, the law and the fitted parameters — not
/// from a FitResult, so the fitting engine does not depend on this analysis:
/// Fit() runs the engine, then calls Diagnose() and stores the value
/// (diagnostics_types.hpp) in FitResult::diagnostics. They describe the
/// DESIGN (which runs were trained) and the local geometry of the fit at its
/// optimum; they are not an uncertainty estimate (see the uncertainty module).
///
/// What is measured (n = points, P = free parameters):
///  - number of points; distinct values of each input (relative tolerance
///    1e-9, as in DataSummary) and their span in decades, log10(max/min);
///  - compute C per run: the C input if the law has one, else C = 6·N·D
///    (flops::Flops6ND) when the law has N and D inputs; its distinct values
///    and span in decades;
///  - tokens per parameter D/N (laws with N and D inputs): min, median, max
///    and spread in decades, log10(max/min);
///  - the Jacobian J_ik = √w̃_i · ∂r_i/∂z_k at the optimum, where r_i is the
///    fit's residual (log L̂_i − log L_i for huber_log and mse_log,
///    L̂_i − L_i for mse), w̃ the weights normalised to mean 1, and z_k the
///    optimiser's coordinate (log p_k for positive scales such as E, A, B;
///    p_k otherwise). ∂L/∂p comes from LawModel::ValueAndGradient (exact).
///    Columns are scaled to unit norm; `condition_number` is the ratio of the
///    largest to the smallest singular value of the scaled J (1 = orthogonal
///    columns; +inf = rank deficient);
///  - parameter correlations from (JᵀJ)⁻¹ (Gauss–Newton, all rows, ignoring
///    the Huber down-weighting), strongest first;
///  - Gauss–Newton standard errors of the exponents,
///    se_k = σ · sqrt((JᵀJ)⁻¹_kk) with σ = max(σ̂, σ_floor):
///    σ̂² = Σ w̃_i r_i² / (n − P) and σ_floor = 1e-3 (log objectives; 0.1 %
///    relative run-to-run noise) or 1e-3 · mean L (mse). The floor keeps a
///    noiseless but degenerate design from looking identified;
///  - parameters at a bound (ParamValue::at_bound);
///  - the floor: a linear parameter whose basis function is the constant 1
///    (E in chinchilla and saturating_power_law), detected numerically from
///    ∂L/∂p; flagged when E ≥ (1 − g) · min observed loss with
///    g = max(1e-2, 2σ_rel), σ_rel the noise σ relative to the loss (σ for
///    log objectives, σ / mean L for mse): a floor closer to the smallest
///    loss than two noise standard deviations is indistinguishable from it.
///
/// `identified` concerns the EXPONENTS (the law's free non-linear
/// parameters, e.g. alpha and beta): false when an exponent is at a bound,
/// when J is rank deficient (condition number > 1e10 or not finite), or when
/// an exponent's relative standard error se_k / |p_k| exceeds 0.25.
///
/// WARNING: the condition number and the correlations depend on the
/// parametrisation. A ↔ alpha correlations near ±1 are normal (A is the loss
/// at N = 1, far outside the data) and are not reported as trouble; only
/// pairs of exponents and the floor are.
/// WARNING: extrapolation from an unidentified fit is refused by
/// RequireIdentified() (used by allocation) unless the caller opts in.
#pragma once

#include <string>
#include <vector>

#include "scalefit/data.hpp"
#include "scalefit/diagnostics_types.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/law.hpp"
#include "scalefit/objective.hpp"

namespace scalefit {

/// Diagnostics of parameters `params` (law order, with their fixed / tied /
/// at-bound flags and bounds) of `law` fitted to `data` under `objective`.
/// `converged` and `message` describe the solve (a "not_converged" warning
/// carries the message). `flops` counts each run's compute from N and D
/// when the data report none (null = 6ND). `summary`, when given, is
/// Summarize(data): its distinct counts are taken instead of counted again.
/// `threads` run the independent parts (distinct counts, tokens per
/// parameter, the Jacobian) side by side; the result does not depend on it.
/// Empty (computed = false) for no rows or a parameter count that does not
/// match the law.
///
/// Also flags implausible magnitudes ("implausible_magnitude"): an input N
/// whose largest value is below kMinPlausibleParams, D below
/// kMinPlausibleTokens or a compute C below kMinPlausibleFlops, unless the
/// data record an explicit unit for that column (Observations::units): the
/// column is most likely in millions or billions.
Diagnostics Diagnose(const LawModel& law, const Observations& data,
                     const std::vector<ParamValue>& params, Objective objective,
                     bool converged = true, const std::string& message = "",
                     const FlopModel* flops = nullptr,
                     const DataSummary* summary = nullptr, int threads = 1);

/// Thresholds of the "implausible_magnitude" warning (largest value of the
/// column, plain counts): 1e5 parameters, 1e7 tokens, 1e12 FLOPs.
inline constexpr double kMinPlausibleParams = 1e5;
inline constexpr double kMinPlausibleTokens = 1e7;
inline constexpr double kMinPlausibleFlops = 1e12;

/// The text a result carries when computed from a fit that did not converge
/// ("" otherwise, and for given parameters).
std::string NotConvergedNote(const FitResult& fit);

/// The same for a result: its law, stored data, parameters and objective
/// (empty, computed = false, for a result without data). Never throws for a
/// result produced by Fit().
Diagnostics Diagnose(const FitResult& fit);

/// Throws NotIdentified, with the diagnostics' warnings, when the fit's
/// exponents are not identified and `allow_unidentified` is false. Uses
/// fit.diagnostics when computed, else computes them. Given parameters
/// (`fitted` false) always pass; a loaded fit card is held to its stored
/// diagnostics. A fit with data whose profile check has not run
/// (FitOptions::profile_check off, diagnostics.profile_checked false) and
/// that is otherwise identified gets it here, on a copy
/// (CheckIdentification, uncertainty/profile.hpp), so a flat valley is
/// refused even when the fit itself did not look for one.
void RequireIdentified(const FitResult& fit, bool allow_unidentified);

/// The text a result carries when the caller opted in to an unidentified fit
/// ("" when the fit is identified).
std::string UnidentifiedNote(const FitResult& fit);

}  // namespace scalefit
