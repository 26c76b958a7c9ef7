/// @file laws.hpp
/// Umbrella header of the header-only core, CMake target `scalefit::laws`:
/// everything here compiles with the C++17 standard library alone (no Ceres,
/// Eigen or spdlog include path, nothing to link).
///
///   laws/*.hpp     one templated functor per law (laws/builtin.hpp lists
///                  them); laws/chinchilla.hpp also holds the closed-form
///                  compute-optimal frontier, written against the law
///   flops.hpp      FLOP conventions, parameter counts, PF-days, and
///                  FlopModel (the C(N, D) that allocation optimises under)
///   report.hpp     FormatFull / FormatShort
///   error.hpp      the exception types
///   version.hpp    the library version
///
/// A planner that only evaluates laws, the Chinchilla frontier or FLOP
/// counts links `scalefit::laws`; fitting, uncertainty and the other
/// analyses need `scalefit::scalefit` (which links this target too). To
/// turn a functor into a runtime law for fitting, see ceres/make_law.hpp.
#pragma once

#include "scalefit/error.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/laws/builtin.hpp"
#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"
#include "scalefit/report.hpp"
#include "scalefit/version.hpp"
