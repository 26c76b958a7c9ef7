/// @file parallel.hpp
/// A deterministic, exception-safe parallel-for: work item i always writes
/// result slot i, so results do not depend on the number of threads.
#pragma once

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
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
/// pay. Set when ParallelFor started and joined its threads on every call
/// (40–50 µs, the time of some 5000 such rows, on the 2-core machines of
/// docs/benchmarks.md); a call on the WorkerPool costs about 0.4 µs, but a
/// nested or concurrent call still starts threads, so the threshold stays.
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

/// The process's persistent worker threads: ParallelFor hands its items to
/// them instead of starting threads per call. A helper that has finished a
/// job spins for kSpinSeconds on the job counter before it sleeps, so back-
/// to-back jobs (the evaluations of one solve) find it awake; the caller
/// works as worker 0 and, when its items are done, closes the job to helpers
/// that have not joined yet, so a helper that wakes late never delays it.
/// One job at a time: a caller that finds the pool busy (a nested or a
/// concurrent ParallelFor) is refused and starts threads of its own. After a
/// fork the child makes a new pool (the parent's threads are not in it).
/// The helpers are never joined: they sleep until the process exits, named
/// kThreadName.
class WorkerPool {
 public:
  /// Helpers the pool grows to at most; larger requests start threads.
  static constexpr int kMaxHelpers = 63;
  static constexpr double kSpinSeconds = 50e-6;
  /// The helpers' thread name (Linux: /proc/<pid>/task/<tid>/comm).
  static constexpr const char* kThreadName = "scalefit-pool";

  using JobFn = void (*)(void* context, int worker);

  /// The pool of this process (made on first use, and again after a fork).
  static WorkerPool& Instance() {
    static std::atomic<WorkerPool*> current{nullptr};
    WorkerPool* p = current.load(std::memory_order_acquire);
    const pid_t pid = getpid();
    while (p == nullptr || p->pid_ != pid) {
      WorkerPool* fresh = new WorkerPool(pid);
      if (current.compare_exchange_strong(p, fresh,
                                          std::memory_order_acq_rel)) {
        p = fresh;  // an old pool is another process's: left as it is
      } else {
        delete fresh;
      }
    }
    return *p;
  }

  /// Runs fn(context, w) on the calling thread (w = 0) and on up to
  /// `helpers` pool threads (w = 1..helpers; a helper that comes too late
  /// does not run it). Returns false without running anything when the pool
  /// is busy or cannot have that many threads; then the caller runs the job
  /// another way. fn must not throw.
  bool TryRun(int helpers, JobFn fn, void* context) {
    if (helpers < 1 || helpers > kMaxHelpers) return false;
    bool expected = false;
    if (!busy_.compare_exchange_strong(expected, true,
                                       std::memory_order_acquire))
      return false;
    struct Release {
      std::atomic<bool>& busy;
      ~Release() { busy.store(false, std::memory_order_release); }
    } release{busy_};
    if (!Grow(helpers)) return false;
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = fn;
      context_ = context;
      slots_ = helpers;
      joined_ = 0;
      open_ = true;
      generation_.fetch_add(1, std::memory_order_release);
      wake = sleeping_ > 0;
    }
    if (wake) work_cv_.notify_all();
    fn(context, 0);
    std::unique_lock<std::mutex> lock(mutex_);
    open_ = false;  // helpers that have not joined stay out
    RunState* const run = CurrentRun();
    while (running_ > 0) {
      if (!run) {
        done_cv_.wait(lock);
        continue;
      }
      // Keep polling (Ctrl-C, progress) while the helpers finish.
      done_cv_.wait_for(lock, std::chrono::milliseconds(10));
      lock.unlock();
      run->Poll();
      lock.lock();
    }
    return true;
  }

  /// Pool threads started so far (for tests).
  int Threads() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return started_;
  }

 private:
  explicit WorkerPool(pid_t pid) : pid_(pid) {}

  // Called with busy_ held: starts helpers up to `helpers`.
  bool Grow(int helpers) {
    while (started_ < helpers) {
      try {
        std::thread([this] { Helper(); }).detach();
      } catch (const std::exception&) {  // std::system_error, std::bad_alloc
        return false;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      ++started_;
    }
    return true;
  }

  void Helper() noexcept {
#if defined(__linux__)
    pthread_setname_np(pthread_self(), kThreadName);  // for top, gdb, tests
#endif
    std::uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      // Spin a little for the next job, then sleep.
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::duration<double>(kSpinSeconds);
      bool fresh = false;
      for (int spin = 0;; ++spin) {
        if (generation_.load(std::memory_order_acquire) != seen) {
          fresh = true;
          break;
        }
        if ((spin & 63) == 63 && std::chrono::steady_clock::now() > until)
          break;
        CpuRelax();
      }
      std::unique_lock<std::mutex> lock(mutex_);
      if (!fresh) {
        ++sleeping_;
        work_cv_.wait(lock, [&] {
          return generation_.load(std::memory_order_relaxed) != seen;
        });
        --sleeping_;
      }
      seen = generation_.load(std::memory_order_relaxed);
      if (!open_ || joined_ >= slots_) continue;  // too late for this job
      const int worker = ++joined_;
      ++running_;
      const JobFn fn = fn_;
      void* const context = context_;
      lock.unlock();
      fn(context, worker);
      lock.lock();
      if (--running_ == 0) done_cv_.notify_all();
    }
  }

  static void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  const pid_t pid_;
  std::atomic<bool> busy_{false};
  std::atomic<std::uint64_t> generation_{0};
  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  JobFn fn_ = nullptr;
  void* context_ = nullptr;
  int slots_ = 0;
  int joined_ = 0;
  int running_ = 0;
  int sleeping_ = 0;
  bool open_ = false;
  int started_ = 0;
};

/// Runs body(worker, i) for i in [0, n) on up to `threads` workers (worker 0
/// is the calling thread). Items are handed out one at a time, so which
/// worker runs item i varies, but item i only ever writes its own slot.
/// The other workers are the WorkerPool's threads; when the pool is busy (a
/// ParallelFor inside a work item, or one on another thread), cannot grow
/// to `threads`, or `start_thread` is given, they are threads started for
/// this call and joined before it returns.
///
/// Errors never terminate the process and always surface as scalefit
/// exceptions (RethrowAsScalefitError):
///  - the first exception thrown by a body stops the hand-out of new items;
///    every started worker finishes its current item and is joined before
///    the exception is rethrown;
///  - when a worker thread cannot be created (std::system_error, e.g. the
///    process is at its thread limit), the workers already started for the
///    call are stopped and joined and ResourceError is thrown, naming the
///    count (a pool that cannot grow is not an error: the call then starts
///    threads of its own).
///
/// Cancellation (run_control.hpp): inside a controlled run, every item is
/// preceded by a check for a stop (no new item starts once one is
/// requested), the workers run with the caller's run (so nested loops and
/// solves see it too), and the calling thread keeps polling the run's
/// callbacks while it waits for the other workers. A stop is rethrown, after
/// every worker has finished (pool helpers go back to sleep, threads started
/// for the call are joined), as the stop's reason or Cancelled — before any
/// other error.
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
  if (!start_thread) {
    const WorkerPool::JobFn job = [](void* context, int worker) {
      (*static_cast<decltype(work)*>(context))(worker);
    };
    if (WorkerPool::Instance().TryRun(threads - 1, job, &work)) {
      if (run && run->StopRequested()) run->ThrowStopped();
      if (error) RethrowAsScalefitError(error);
      return;
    }
  }
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
