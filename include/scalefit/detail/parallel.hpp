/// @file parallel.hpp
/// A deterministic, exception-safe parallel-for: work item i always writes
/// result slot i, so results do not depend on the number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "scalefit/detail/run_state.hpp"
#include "scalefit/error.hpp"

namespace scalefit::detail {

/// Resolves a user thread count: 0 = hardware concurrency, else itself.
inline int ResolveThreads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/// Rows of law passes (one row through one value-and-gradient pass of a
/// batch kernel, about 7–13 ns) a worker thread must get for starting it to
/// pay: ParallelFor starts and joins its worker threads on every call, about
/// 40–50 µs each on the 2-core machines of docs/benchmarks.md, the time of
/// some 5000 such rows.
inline constexpr double kRowPassesPerWorker = 12000.0;

/// The threads worth using, at most `threads`, for work of about
/// `row_passes` rows of law passes in all: one per kRowPassesPerWorker, at
/// least one. ParallelFor's results never depend on the count, so this only
/// decides the time.
inline int WorkerThreads(int threads, double row_passes) {
  const double useful = row_passes / kRowPassesPerWorker;
  if (!(useful >= 2.0)) return 1;  // NaN too
  return useful >= threads ? threads : static_cast<int>(useful);
}

/// Rethrows `error` as a scalefit exception: a scalefit::Error unchanged,
/// std::bad_alloc and std::system_error as ResourceError, any other
/// exception as Error naming what it said.
[[noreturn]] inline void RethrowAsScalefitError(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw ResourceError("out of memory in a work item");
  } catch (const std::system_error& e) {
    throw ResourceError(std::string("a work item failed: ") + e.what());
  } catch (const std::exception& e) {
    throw Error(std::string("a work item failed: ") + e.what());
  } catch (...) {
    throw Error("a work item failed with an unknown exception");
  }
}

/// Starts a thread running the given function.
using ThreadStarter = std::function<std::thread(std::function<void()>)>;

/// Runs body(worker, i) for i in [0, n) on up to `threads` workers (worker 0
/// is the calling thread). Items are handed out one at a time, so which
/// worker runs item i varies, but item i only ever writes its own slot.
///
/// Errors never terminate the process and always surface as scalefit
/// exceptions (RethrowAsScalefitError):
///  - the first exception thrown by a body stops the hand-out of new items;
///    every started worker finishes its current item and is joined before
///    the exception is rethrown;
///  - when a worker thread cannot be created (std::system_error, e.g. the
///    process is at its thread limit), the workers already started are
///    stopped and joined and ResourceError is thrown, naming the count.
///
/// Cancellation (run_control.hpp): inside a controlled run, every item is
/// preceded by a check for a stop (no new item starts once one is
/// requested), the workers run with the caller's run (so nested loops and
/// solves see it too), and the calling thread keeps polling the run's
/// callbacks while it waits for the other workers. A stop is rethrown, after
/// every worker has been joined, as the stop's reason or Cancelled — before
/// any other error.
///
/// `start_thread` starts one worker thread; the default is std::thread
/// (tests pass one that fails, to exercise the error path).
inline void ParallelFor(int n, int threads,
                        const std::function<void(int, int)>& body,
                        const ThreadStarter& start_thread = nullptr) {
  if (n <= 0) return;
  RunState* const run = CurrentRun();
  threads = std::max(1, std::min(threads, n));
  if (threads == 1) {
    try {
      for (int i = 0; i < n; ++i) {
        if (run) {
          run->Poll();
          if (run->StopRequested()) run->ThrowStopped();
        }
        body(0, i);
      }
    } catch (...) {
      if (run && run->StopRequested()) run->ThrowStopped();
      RethrowAsScalefitError(std::current_exception());
    }
    return;
  }
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex mutex;  // guards error and finished
  std::condition_variable finished_cv;
  int finished = 0;  // worker threads (not the caller) that have returned
  auto work = [&](int worker) noexcept {
    AdoptRun adopt(run);
    for (;;) {
      if (run) {
        if (worker == 0) run->Poll();
        if (run->StopRequested()) next.store(n);
      }
      const int i = next.fetch_add(1);
      if (i >= n) break;
      try {
        body(worker, i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        next.store(n);
      }
    }
    if (worker != 0) {
      std::lock_guard<std::mutex> lock(mutex);
      ++finished;
      finished_cv.notify_one();
    }
  };
  std::vector<std::thread> pool;
  std::string start_failure;
  try {
    pool.reserve(threads - 1);
    for (int w = 1; w < threads; ++w) {
      if (start_thread) {
        pool.push_back(start_thread([&work, w] { work(w); }));
      } else {
        pool.emplace_back(work, w);
      }
    }
  } catch (const std::exception& e) {  // std::system_error, std::bad_alloc
    start_failure = "could not start worker thread " +
                    std::to_string(pool.size() + 1) + " of " +
                    std::to_string(threads - 1) + " (" + e.what() +
                    "); use fewer threads";
    next.store(n);  // the started workers stop after their current item
  }
  if (start_failure.empty()) work(0);
  if (run) {
    // Keep polling (Ctrl-C, progress) while the other workers finish.
    const int started = static_cast<int>(pool.size());
    std::unique_lock<std::mutex> lock(mutex);
    while (finished < started) {
      finished_cv.wait_for(lock, std::chrono::milliseconds(10));
      lock.unlock();
      run->Poll();
      if (run->StopRequested()) next.store(n);
      lock.lock();
    }
  }
  for (auto& t : pool) t.join();
  if (!start_failure.empty()) throw ResourceError(start_failure);
  if (run && run->StopRequested()) run->ThrowStopped();
  if (error) RethrowAsScalefitError(error);
}

}  // namespace scalefit::detail
