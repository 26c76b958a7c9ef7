/// @file run_state.hpp
/// The machinery behind RunControl (run_control.hpp): the run of the calling
/// thread, polling and progress stages. Not API.
///
/// How long work takes part (see DEVELOPING.md, "Long work"):
///  - an entry point whose options have a `control` opens a ScopedRun with it
///    (nested calls with an empty control inherit the enclosing run);
///  - ParallelFor checks for a stop before every item, gives its workers the
///    run, and keeps polling on the calling thread while it waits for them;
///    sequential loops call ThrowIfStopped() per iteration;
///  - a Ceres solve polls from an iteration callback, aborts, and the solve
///    then throws (never through Ceres);
///  - a Stage names what the outermost loop counts, for progress;
///  - a `catch` that swallows per-item errors calls RethrowIfStopped() first.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "scalefit/run_control.hpp"

namespace scalefit::detail {

class RunState {
 public:
  RunState(const RunControl& control, RunState* parent);
  RunState(const RunState&) = delete;
  RunState& operator=(const RunState&) = delete;

  /// Any thread, cheap: has a stop been requested (here or in a parent)?
  bool StopRequested() const {
    if (stopped_.load(std::memory_order_relaxed)) return true;
    if (control_.stop && control_.stop->load(std::memory_order_relaxed))
      return true;
    return parent_ && parent_->StopRequested();
  }
  /// Any thread: stop the run; the computation then throws `reason`
  /// (when given; the first one wins) instead of Cancelled.
  void RequestStop(std::exception_ptr reason = nullptr);
  /// Throws the first stop reason, or Cancelled.
  [[noreturn]] void ThrowStopped() const;
  /// Any thread; does something only on the owner thread once
  /// poll_seconds have passed (or `force`): reports progress and asks
  /// should_stop. Never throws: a callback that throws stops the run
  /// (StopMessage() says so).
  void Poll(bool force = false) noexcept;
  /// "cancelled", or why (a callback threw).
  std::string StopMessage() const;

  /// Stage bookkeeping: only the outermost stage begun on the owner thread
  /// reports. Returns true when this stage reports.
  bool BeginStage(const char* label, std::int64_t total);
  void Advance(std::int64_t n = 1) {
    done_.fetch_add(n, std::memory_order_relaxed);
  }
  void EndStage();

  bool IsOwner() const { return std::this_thread::get_id() == owner_; }
  const RunState* parent() const { return parent_; }

 private:
  RunControl control_;
  RunState* parent_;
  std::thread::id owner_;
  std::atomic<bool> stopped_{false};
  std::chrono::steady_clock::time_point next_poll_;
  std::chrono::steady_clock::duration interval_;
  bool in_callback_ = false;
  std::string failure_;
  mutable std::mutex reason_mutex_;
  std::exception_ptr reason_;
  // Stage (owner thread only, except done_).
  bool stage_active_ = false;
  std::string stage_;
  std::int64_t total_ = 0;
  std::atomic<std::int64_t> done_{0};
  std::chrono::steady_clock::time_point stage_start_;
};

/// The run of the calling thread (null outside controlled work).
RunState* CurrentRun();
void SetCurrentRun(RunState* run);

/// Any code: cheap when there is no run.
inline bool StopRequested() {
  const RunState* r = CurrentRun();
  return r && r->StopRequested();
}
inline void PollRun() {
  if (RunState* r = CurrentRun()) r->Poll();
}
/// Polls, then throws (the stop reason or Cancelled) if a stop was requested.
void ThrowIfStopped();
/// In a catch block: rethrows the exception being handled when the run is
/// stopping, so per-item error handling never swallows a cancellation.
inline void RethrowIfStopped() {
  if (StopRequested()) throw;
}

/// Installs a run for a computation: a new one when `control` is not empty
/// (its parent is the enclosing run, if any), else the enclosing one stays.
class ScopedRun {
 public:
  explicit ScopedRun(const RunControl& control);
  ~ScopedRun();
  ScopedRun(const ScopedRun&) = delete;
  ScopedRun& operator=(const ScopedRun&) = delete;
  RunState* get() const { return CurrentRun(); }

 private:
  RunState* previous_;
  RunState* own_ = nullptr;
};

/// Makes `run` the current run of this thread for the scope (workers).
class AdoptRun {
 public:
  explicit AdoptRun(RunState* run) : previous_(CurrentRun()) {
    SetCurrentRun(run);
  }
  ~AdoptRun() { SetCurrentRun(previous_); }

 private:
  RunState* previous_;
};

/// A stage of `total` items labelled `label` in the current run (if any).
class Stage {
 public:
  Stage(const char* label, std::int64_t total);
  ~Stage();
  void Advance(std::int64_t n = 1) {
    if (reporting_) run_->Advance(n);
  }

 private:
  RunState* run_;
  bool reporting_ = false;
};

}  // namespace scalefit::detail
