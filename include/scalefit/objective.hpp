/// @file objective.hpp
/// Fitting objectives: the residual space and the per-point loss ρ.
///
///   huber_log (default): r_i = log L̂_i − log L_i,
///       objective = Σ_i w_i · h_δ(r_i),
///       h_δ(r) = r²/2 for |r| ≤ δ, δ(|r| − δ/2) otherwise; δ = 1e-3.
///     This is the objective of Hoffmann et al. 2022 (App. D.2) and
///     Besiroglu et al. 2024: δ applies to the residual in LOG space, and the
///     loss is SUMMED over points, not averaged.
///   mse_log: r_i = log L̂_i − log L_i, objective = Σ_i w_i r_i² / 2.
///   mse:     r_i = L̂_i − L_i (linear loss space), objective = Σ_i w_i r_i²
///   / 2.
///
/// WARNING: a MEAN-reduced Huber loss has a 1/n smaller gradient; together
/// with an absolute stopping tolerance that is how Chinchilla's own fit
/// stopped early. scalefit's stopping rules are relative (and weights are
/// normalised internally), so scaling all weights changes nothing but the
/// reported objective value.
#pragma once

#include <cmath>
#include <string>

#include "scalefit/error.hpp"

namespace scalefit {

enum class Objective { kHuberLog, kMseLog, kMse };

inline std::string ToString(Objective o) {
  switch (o) {
    case Objective::kHuberLog:
      return "huber_log";
    case Objective::kMseLog:
      return "mse_log";
    case Objective::kMse:
      return "mse";
  }
  return "?";
}

inline Objective ParseObjective(const std::string& name) {
  if (name == "huber_log") return Objective::kHuberLog;
  if (name == "mse_log") return Objective::kMseLog;
  if (name == "mse") return Objective::kMse;
  throw UnknownName("unknown objective '" + name +
                    "'; valid objectives: huber_log, mse_log, mse");
}

/// True when residuals are taken between log-losses.
inline bool InLogSpace(Objective o) { return o != Objective::kMse; }

/// Per-point objective term ρ(r) (before the weight).
inline double ObjectiveTerm(double r, Objective o, double delta) {
  if (o == Objective::kHuberLog) {
    const double a = std::abs(r);
    return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
  }
  return 0.5 * r * r;
}

/// dρ/dr.
inline double ObjectiveDerivative(double r, Objective o, double delta) {
  if (o == Objective::kHuberLog) {
    if (r > delta) return delta;
    if (r < -delta) return -delta;
  }
  return r;
}

/// d²ρ/dr² (0 in the linear part of the Huber loss).
inline double ObjectiveCurvature(double r, Objective o, double delta) {
  if (o == Objective::kHuberLog && std::abs(r) > delta) return 0.0;
  return 1.0;
}

namespace detail {

/// Maps a residual r to r̃ with r̃²/2 = ρ(r), so that a least-squares solver
/// minimising Σ r̃²/2 minimises Σ ρ(r) exactly. For the Huber loss
/// r̃ = sign(r)·sqrt(2δ|r| − δ²) outside [−δ, δ]; r̃ is C¹ at |r| = δ.
template <typename T>
T SqrtObjective(const T& r, Objective o, double delta) {
  using std::sqrt;
  if (o != Objective::kHuberLog) return r;
  if (r > delta) return sqrt(2.0 * delta * r - delta * delta);
  if (r < -delta) return -sqrt(-2.0 * delta * r - delta * delta);
  return r;
}

}  // namespace detail
}  // namespace scalefit
