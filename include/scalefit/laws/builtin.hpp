/// @file builtin.hpp
/// The one list of built-in laws. Adding a law here makes it available by
/// name to fitting, prediction, allocation, the bindings and the CLI.
#pragma once

#include <tuple>

#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/laws/power_law.hpp"
#include "scalefit/laws/saturating_power_law.hpp"

namespace scalefit::laws {

/// The built-in laws, in the order they are listed to users.
using BuiltinLaws = std::tuple<PowerLaw, SaturatingPowerLaw, Chinchilla>;

/// Calls `f(Law{})` for every built-in law, in order; use
/// `[](auto tag) { using Law = decltype(tag); ... }`.
template <typename F>
void ForEachBuiltinLaw(F&& f) {
  std::apply([&](auto... tags) { (f(tags), ...); }, BuiltinLaws{});
}

}  // namespace scalefit::laws
