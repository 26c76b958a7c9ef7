/// @file run_control.hpp
/// Cancelling long work and watching its progress.
///
/// Long computations (fits with many starts, bootstraps, backtests,
/// sensitivity panels, profiles, grids) take a `RunControl` in their options
/// (the `control` field). It is polled inside their loops:
///
///   std::atomic<bool> stop{false};          // e.g. set by a SIGINT handler
///   BootstrapOptions o;
///   o.control.stop = &stop;
///   o.control.on_progress = [](const Progress& p) {
///     std::fprintf(stderr, "\r%s %lld/%lld", p.stage.c_str(),
///                  static_cast<long long>(p.done), static_cast<long
///                  long>(p.total));
///   };
///   BootstrapResult b = Bootstrap(fit, o);   // throws Cancelled once stop is
///   set
///
/// When `stop` becomes true or `should_stop` returns true, the computation
/// stops handing out work, lets every running worker finish its current
/// Ceres iteration, joins its threads and throws `Cancelled`. Nothing keeps
/// running after the call returns or throws.
///
/// Threads: `stop` may be set from any thread, including a signal handler
/// (std::atomic<bool> is lock-free). `should_stop` and `on_progress` are
/// only ever called from the thread that started the computation, at most
/// every `poll_seconds`, and once more at the end of each stage.
///
/// Nesting: work started inside a controlled computation (the fits inside a
/// bootstrap) is controlled by it too; progress is reported for the
/// outermost stage only.
///
/// WARNING: results never keep a control (FitResult::options.control is
/// empty), so refitting a result does not reuse a stale callback.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>

#include "scalefit/error.hpp"

namespace scalefit {

/// How far a stage of long work is.
struct Progress {
  /// What is being counted, e.g. "bootstrap replicates", "fit starts".
  std::string stage;
  std::int64_t done = 0;   ///< items finished
  std::int64_t total = 0;  ///< items in the stage
  double seconds = 0.0;    ///< since the stage began
};

/// Cancellation and progress for one computation (see the file comment).
/// Empty (the default): nothing is polled, unless an enclosing computation
/// has a control.
struct RunControl {
  /// Cancel when *stop becomes true. Must outlive the call.
  const std::atomic<bool>* stop = nullptr;
  /// Polled on the calling thread; return true to cancel.
  std::function<bool()> should_stop;
  /// Progress of the outermost stage, on the calling thread.
  std::function<void(const Progress&)> on_progress;
  /// Seconds between polls of should_stop / on_progress (> 0).
  double poll_seconds = 0.05;

  bool empty() const { return !stop && !should_stop && !on_progress; }
  /// True when poll_seconds is finite and > 0.
  bool IsValid(std::string* why) const;
};

/// Thrown when a computation was cancelled through its RunControl (or by
/// Ctrl-C in Python, where it becomes KeyboardInterrupt).
class Cancelled : public Error {
 public:
  explicit Cancelled(const std::string& what) : Error(what) {}
};

/// For code running inside a controlled computation (e.g. a law's
/// callback): stops that computation, which then throws `reason` (when
/// given) instead of Cancelled. Returns false (and does nothing) outside
/// controlled work.
bool RequestStop(std::exception_ptr reason = nullptr);

}  // namespace scalefit
