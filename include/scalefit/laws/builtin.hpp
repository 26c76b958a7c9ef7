/// @file builtin.hpp
/// The one list of built-in laws. Adding a law here makes it available by
/// name to fitting, prediction, allocation, the bindings and the CLI.
#pragma once

#include <tuple>

#include "scalefit/laws/broken_power_law.hpp"
#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/laws/chinchilla_sigmoid.hpp"
#include "scalefit/laws/critical_batch.hpp"
#include "scalefit/laws/data_constrained.hpp"
#include "scalefit/laws/kaplan.hpp"
#include "scalefit/laws/kaplan_steps.hpp"
#include "scalefit/laws/power_law.hpp"
#include "scalefit/laws/saturating_power_law.hpp"
#include "scalefit/laws/sigmoid.hpp"

namespace scalefit::laws {

/// The built-in laws, in the order they are listed to users.
/// "broken_power_law:2" and ":3" are the 2- and 3-break variants of
/// "broken_power_law" (1 break). The link laws (sigmoid, log_sigmoid,
/// gadre_exponential) map a task loss to a task metric; chinchilla_sigmoid
/// maps (N, D) to the metric in one step (laws/sigmoid.hpp,
/// laws/chinchilla_sigmoid.hpp).
using BuiltinLaws =
    std::tuple<PowerLaw, SaturatingPowerLaw, Chinchilla, Kaplan, KaplanSteps,
               CriticalBatch, DataConstrained, BrokenPowerLaw<1>,
               BrokenPowerLaw<2>, BrokenPowerLaw<3>, Sigmoid, LogSigmoid,
               GadreExponential, ChinchillaSigmoid>;

/// Calls `f(Law{})` for every built-in law, in order; use
/// `[](auto tag) { using Law = decltype(tag); ... }`.
template <typename F>
void ForEachBuiltinLaw(F&& f) {
  std::apply([&](auto... tags) { (f(tags), ...); }, BuiltinLaws{});
}

}  // namespace scalefit::laws
