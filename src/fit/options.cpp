// FitOptions::IsValid (fit.hpp).
#include <cmath>
#include <string>

#include "scalefit/detail/threads.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/flops.hpp"

namespace scalefit {

bool FitOptions::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (!(delta > 0.0) || !std::isfinite(delta))
    return fail("delta must be finite and > 0");
  if (start != "auto" && start != "hoffmann" && start != "init" &&
      start != "grid")
    return fail("start must be one of auto, hoffmann, init, grid; got '" +
                start + "'");
  if (start == "grid" && grid.empty())
    return fail("start = grid needs a non-empty grid");
  for (const auto& [name, values] : grid) {
    if (values.empty()) return fail("grid for '" + name + "' is empty");
    for (double v : values)
      if (!std::isfinite(v))
        return fail("grid for '" + name + "' has a non-finite value");
  }
  if (grid_points < 2) return fail("grid_points must be >= 2");
  if (max_grid_cells < 1 || max_grid_cells > kMaxGridCells)
    return fail("max_grid_cells must be in [1, " +
                std::to_string(kMaxGridCells) +
                "] (the limit on scored grid "
                "cells), got " +
                std::to_string(max_grid_cells));
  if (max_starts < 1 || max_starts > kMaxStarts)
    return fail("max_starts must be in [1, " + std::to_string(kMaxStarts) +
                "] (the limit on polished starts), got " +
                std::to_string(max_starts));
  if (max_scoring_rows < 0)
    return fail("max_scoring_rows must be >= 0 (0 = every row)");
  if (num_polish < 1) return fail("num_polish must be >= 1");
  if (!(screening_tolerance >= 0.0) || !(screening_tolerance < 1.0))
    return fail("screening_tolerance must be in [0, 1)");
  if (num_refined < 1) return fail("num_refined must be >= 1");
  if (max_iterations < 1) return fail("max_iterations must be >= 1");
  if (!(function_tolerance > 0) || !(parameter_tolerance > 0) ||
      !(gradient_tolerance > 0))
    return fail("tolerances must be > 0");
  if (const std::string p = detail::ThreadsProblem("num_threads", num_threads);
      !p.empty())
    return fail(p);
  for (const auto& [name, v] : init)
    if (!std::isfinite(v)) return fail("init for '" + name + "' is not finite");
  if (!(compute_tolerance > 0.0) || !std::isfinite(compute_tolerance))
    return fail("compute_tolerance must be finite and > 0");
  // The FLOP convention: a known name, with an architecture exactly when it
  // counts FLOPs from the model's shape (FlopModel::FromConvention says so).
  try {
    FlopModel::FromConvention(flop_convention,
                              architecture ? &*architecture : nullptr);
  } catch (const Error& e) {
    return fail(std::string("flop_convention: ") + e.what());
  }
  if (!control.IsValid(why)) return false;
  return true;
}

}  // namespace scalefit
