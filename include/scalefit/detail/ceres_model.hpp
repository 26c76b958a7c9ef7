/// @file ceres_model.hpp
/// The one Ceres-backed least-squares model every law uses (typed functors
/// and run-time laws alike): a residual block over all points, bounds and
/// constant (fixed or tied) coordinates, and the staged local solve.
#pragma once

#include <ceres/cost_function.h>
#include <ceres/first_order_function.h>
#include <ceres/gradient_problem.h>
#include <ceres/manifold.h>
#include <ceres/problem.h>

#include <functional>
#include <memory>
#include <vector>

#include "scalefit/detail/engine.hpp"

namespace scalefit::detail {

/// Owns a copy of the ProblemData and the two cost functions built from it:
/// the weighted residual r̃ (objective = ½Σr̃²) and the raw residual r.
class CeresResidualModel final : public ResidualModel {
 public:
  /// make_cost(data, raw) builds a cost function with one parameter block of
  /// size data->map.source.size() and data->num_rows residuals.
  using CostFactory = std::function<std::unique_ptr<ceres::CostFunction>(
      const ProblemData* data, bool raw)>;
  /// make_objective(data) builds the same objective, Σ w ρ(r) = ½Σr̃², as a
  /// function with a gradient for the line-search stage. Optional: without
  /// it the model derives one from the weighted residual (f = ½Σr̃²,
  /// ∇f = J̃ᵀr̃), which gives the same numbers more slowly.
  using ObjectiveFactory =
      std::function<std::unique_ptr<ceres::FirstOrderFunction>(
          const ProblemData* data)>;

  /// make_normal(data) builds the same least-squares block reduced to
  /// P + 1 residuals with the same JᵀJ, Jᵀr and cost (NormalLawResidual in
  /// typed_law.hpp), or null. Optional: from kReducedBlockRows rows
  /// Levenberg–Marquardt then solves on it instead of the rows × P block.
  using NormalFactory = std::function<std::unique_ptr<ceres::CostFunction>(
      const ProblemData* data)>;

  CeresResidualModel(const ProblemData& data, const CostFactory& make_cost,
                     const ObjectiveFactory& make_objective = nullptr,
                     const NormalFactory& make_normal = nullptr);
  ~CeresResidualModel() override;

  /// The local solve, in up to three stages, all on the same residual:
  ///  1. L-BFGS (Ceres' GradientProblemSolver, no bounds) from z0 to the
  ///     given tolerances. On the Huber objective it converges superlinearly,
  ///     where Gauss–Newton curvature (wrong for points in the Huber's linear
  ///     part) converges only linearly. Unless
  ///     `SolveSettings::scale_line_search` is off, it runs in coordinates
  ///     scaled by a forward-difference Hessian at z0 (F + 1 gradient
  ///     evaluations for F free coordinates), in which its initial inverse
  ///     Hessian, the identity, is about right near an optimum. Kept only if
  ///     it converges inside bounds.
  ///  2. Otherwise Levenberg–Marquardt with bounds to `coarse_tolerance` —
  ///     from where line search stopped when it stopped at its iteration cap
  ///     (it crawls along long curved valleys that LM crosses in a few
  ///     hundred steps), else from z0 — then L-BFGS again with the
  ///     coordinates LM pinned at a bound held.
  ///  3. A final bounded LM pass at the full tolerances (capped by
  ///     `confirm_iterations`; 0 skips it), also after a stage that stopped
  ///     at its cap: it confirms in 1–3 iterations or finishes what line
  ///     search cannot (zero-residual problems, where Gauss–Newton converges
  ///     quadratically; ill-conditioned valleys).
  /// Every stage has its own iteration cap (SolveSettings::max_iterations),
  /// so no single cap decides whether a solve converges.
  /// The caller certifies the end point with a scale-free gradient test.
  SolveOutcome Solve(const std::vector<double>& z0,
                     const SolveSettings& settings) override;

  bool RawJacobian(const std::vector<double>& z, std::vector<double>* residuals,
                   std::vector<double>* jacobian) const override;
  /// A raw residual block over rows [begin, end) of the data (a view of
  /// them: no rows are copied), evaluated once.
  bool RawJacobianRows(const std::vector<double>& z, int begin, int end,
                       double* residuals, double* jacobian) const override;

 private:
  bool Inside() const;

  ProblemData data_;
  CostFactory make_cost_;
  int num_params_;
  std::vector<double> z_;  // the parameter block; its address never changes
  std::unique_ptr<ceres::CostFunction> cost_;
  std::unique_ptr<ceres::CostFunction> raw_;
  std::unique_ptr<ceres::CostFunction> normal_;  // large data, or null
  std::unique_ptr<ceres::Manifold> manifold_;
  std::unique_ptr<ceres::FirstOrderFunction> objective_;
  std::unique_ptr<ceres::Problem> bounded_;
  std::unique_ptr<ceres::GradientProblem> free_;
  std::vector<int> constant_, free_coords_;  // held and free coordinates
};

}  // namespace scalefit::detail
