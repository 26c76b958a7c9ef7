// The engine's problem layout, by hand, for white-box tests of the objective
// (detail::LawObjective, detail::ResidualModel). Test support only.
#pragma once

#include <limits>

#include "scalefit/detail/engine.hpp"
#include "scalefit/objective.hpp"

namespace scalefit::test_support {

/// The layout fit/engine.cpp builds for the chinchilla law over `n` rows of
/// (N, D): z = log E, log A, log B, α, β, unbounded, Huber threshold 1e-3.
/// The arrays stay the caller's.
inline detail::ProblemData ChinchillaProblem(int n, const double* x,
                                             const double* log_x,
                                             const double* target,
                                             const double* sqrt_w,
                                             Objective objective) {
  detail::ProblemData d;
  d.num_rows = n;
  d.num_inputs = 2;
  d.x = x;
  d.log_x = log_x;
  d.target = target;
  d.sqrt_w = sqrt_w;
  d.objective = objective;
  d.delta = 1e-3;
  d.map.source = {0, 1, 2, 3, 4};
  d.map.positive = {1, 1, 1, 0, 0};
  d.map.constant = {0, 0, 0, 0, 0};
  const double inf = std::numeric_limits<double>::infinity();
  d.lower.assign(5, -inf);
  d.upper.assign(5, inf);
  return d;
}

}  // namespace scalefit::test_support
