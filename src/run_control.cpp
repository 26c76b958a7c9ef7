#include "scalefit/run_control.hpp"

#include <cmath>

#include "scalefit/detail/run_state.hpp"

namespace scalefit {

bool RunControl::IsValid(std::string* why) const {
  if (!(poll_seconds > 0.0) || !std::isfinite(poll_seconds)) {
    if (why) *why = "control.poll_seconds must be finite and > 0";
    return false;
  }
  return true;
}

namespace detail {

namespace {
thread_local RunState* current_run = nullptr;
}  // namespace

RunState* CurrentRun() { return current_run; }
void SetCurrentRun(RunState* run) { current_run = run; }

RunState::RunState(const RunControl& control, RunState* parent)
    : control_(control),
      parent_(parent),
      owner_(std::this_thread::get_id()),
      next_poll_(std::chrono::steady_clock::now()),
      interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(control.poll_seconds))) {}

void RunState::Poll(bool force) noexcept {
  if (parent_) parent_->Poll(force);
  if (!IsOwner() || in_callback_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now < next_poll_) return;
  next_poll_ = now + interval_;
  in_callback_ = true;
  struct Reset {
    bool& b;
    ~Reset() { b = false; }
  } reset{in_callback_};
  try {
    if (stage_active_ && control_.on_progress) {
      Progress p;
      p.stage = stage_;
      p.total = total_;
      p.done = done_.load(std::memory_order_relaxed);
      p.seconds = std::chrono::duration<double>(now - stage_start_).count();
      control_.on_progress(p);
    }
    if (control_.should_stop && control_.should_stop()) RequestStop();
  } catch (const std::exception& e) {
    failure_ = std::string("a run-control callback threw: ") + e.what();
    RequestStop();
  } catch (...) {
    failure_ = "a run-control callback threw";
    RequestStop();
  }
}

std::string RunState::StopMessage() const {
  for (const RunState* r = this; r; r = r->parent_)
    if (!r->failure_.empty()) return "cancelled: " + r->failure_;
  return "cancelled";
}

bool RunState::BeginStage(const char* label, std::int64_t total) {
  if (!label || stage_active_ || !IsOwner() || !control_.on_progress)
    return false;
  stage_active_ = true;
  stage_ = label;
  total_ = total;
  done_.store(0);
  stage_start_ = std::chrono::steady_clock::now();
  Poll(true);
  return true;
}

void RunState::EndStage() {
  if (!stage_active_) return;
  if (!StopRequested()) Poll(true);  // the final count
  stage_active_ = false;
}

void RunState::RequestStop(std::exception_ptr reason) {
  if (reason) {
    std::lock_guard<std::mutex> lock(reason_mutex_);
    if (!reason_) reason_ = reason;
  }
  stopped_.store(true);
  if (parent_) parent_->RequestStop(reason);
}

void RunState::ThrowStopped() const {
  for (const RunState* r = this; r; r = r->parent_) {
    std::exception_ptr reason;
    {
      std::lock_guard<std::mutex> lock(r->reason_mutex_);
      reason = r->reason_;
    }
    if (reason) std::rethrow_exception(reason);
  }
  throw Cancelled(StopMessage());
}

void ThrowIfStopped() {
  RunState* r = CurrentRun();
  if (!r) return;
  r->Poll();
  if (r->StopRequested()) r->ThrowStopped();
}

ScopedRun::ScopedRun(const RunControl& control) : previous_(CurrentRun()) {
  if (!control.empty()) {
    own_ = new RunState(control, previous_);
    SetCurrentRun(own_);
  }
}

ScopedRun::~ScopedRun() {
  SetCurrentRun(previous_);
  delete own_;
}

Stage::Stage(const char* label, std::int64_t total) : run_(CurrentRun()) {
  if (run_) reporting_ = run_->BeginStage(label, total);
}

Stage::~Stage() {
  if (reporting_) run_->EndStage();
}

}  // namespace detail

bool RequestStop(std::exception_ptr reason) {
  detail::RunState* r = detail::CurrentRun();
  if (!r) return false;
  r->RequestStop(reason);
  return true;
}

}  // namespace scalefit
