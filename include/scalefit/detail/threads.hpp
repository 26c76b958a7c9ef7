/// @file threads.hpp
/// The one check of a thread-count option against kMaxThreads (limits.hpp),
/// shared by every options struct that has one.
#pragma once

#include <string>

#include "scalefit/limits.hpp"

namespace scalefit::detail {

/// Empty when 0 <= value <= kMaxThreads; otherwise the problem, naming
/// `option` and the limit, e.g. "num_threads must be in [0, 1024] (0 = all
/// cores; 1024 is the limit, scalefit::kMaxThreads), got 100000".
inline std::string ThreadsProblem(const std::string& option, int value) {
  if (value >= 0 && value <= kMaxThreads) return {};
  return option + " must be in [0, " + std::to_string(kMaxThreads) +
         "] (0 = all cores; " + std::to_string(kMaxThreads) +
         " is the limit, scalefit::kMaxThreads), got " + std::to_string(value);
}

}  // namespace scalefit::detail
