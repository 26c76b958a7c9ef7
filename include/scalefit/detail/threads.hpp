/// @file threads.hpp
/// The one check of a thread-count option against kMaxThreads, and of a
/// replicate-count option against kMaxReplicates (limits.hpp), shared by
/// every options struct that has one.
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

/// Empty when min_value <= value <= kMaxReplicates; otherwise the problem,
/// naming `option` and the limit, e.g. "num_replicates = 2000000000 is more
/// than the limit of 1000000 replicates (scalefit::kMaxReplicates)".
inline std::string ReplicatesProblem(const std::string& option, int value,
                                     int min_value) {
  if (value < min_value)
    return option + " must be >= " + std::to_string(min_value) + ", got " +
           std::to_string(value);
  if (value > kMaxReplicates)
    return option + " = " + std::to_string(value) +
           " is more than the limit of " + std::to_string(kMaxReplicates) +
           " replicates (scalefit::kMaxReplicates)";
  return {};
}

}  // namespace scalefit::detail
