/// @file log.hpp
/// The "scalefit" spdlog logger and the warning channel.
///
/// - Logger(): spdlog logger "scalefit", warn level by default, writing to
///   stderr. Library code never prints to stdout; solver details go out at
///   debug, one-line summaries (e.g. bootstrap retries) at info.
/// - Warn(message): a condition the user should act on — a fit that did not
///   converge, duplicate rows, bootstrap replicates that failed, a
///   rank-deficient covariance. C++ programs see it as a warning on the
///   logger; a program (the Python package) can take these over with
///   SetWarningHandler (Python turns them into scalefit.ScalefitWarning).
///   Inside a ScopedQuietWarnings on the same thread a warning is logged at
///   debug instead: the refits of a bootstrap report their trouble once, in
///   the bootstrap's summary, not once per replicate.
///
/// WARNING: the warning handler is called on whichever thread warns (worker
/// threads of ParallelFor included), concurrently; it must be thread-safe and
/// must not throw.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

namespace scalefit {

/// The shared logger named "scalefit" (created on first use).
std::shared_ptr<spdlog::logger> Logger();

/// Sets the level: "trace", "debug", "info", "warn" (or "warning"), "error",
/// "critical", "off". Throws InvalidArgument for anything else.
void SetLogLevel(const std::string& level);

/// The current level's name: one of the names SetLogLevel accepts
/// ("warning" for warn).
std::string GetLogLevel();

/// Receives every Warn() message (outside quiet scopes) instead of the
/// logger.
using WarningHandler = std::function<void(const std::string& message)>;

/// Installs `handler` (an empty function restores the default: warnings go to
/// the logger at warn level). Thread-safe.
void SetWarningHandler(WarningHandler handler);

/// Reports a user-relevant condition (see the file comment).
void Warn(const std::string& message);

/// While alive, Warn() on this thread logs at debug level instead.
class ScopedQuietWarnings {
 public:
  ScopedQuietWarnings();
  ~ScopedQuietWarnings();
  ScopedQuietWarnings(const ScopedQuietWarnings&) = delete;
  ScopedQuietWarnings& operator=(const ScopedQuietWarnings&) = delete;

 private:
  bool previous_;
};

}  // namespace scalefit
