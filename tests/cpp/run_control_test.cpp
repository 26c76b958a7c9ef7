// RunControl (run_control.hpp): long work stops soon after a stop is
// requested — from another thread through the flag, or from the calling
// thread's should_stop — throws Cancelled (or the stop's reason), and leaves
// no thread running; progress is reported for the outermost stage only, on
// the calling thread, and a control changes no number of an uncancelled run.
#include "scalefit/run_control.hpp"

#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scalefit/backtest.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/uncertainty.hpp"
#include "test_support.hpp"

namespace scalefit {
namespace {

using Clock = std::chrono::steady_clock;
using test_support::ChinchillaGrid;
using test_support::kChinchilla;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Threads of this process (Linux) other than the worker pool's (which sleep
// between jobs and stay): a cancelled run must leave none behind.
int ThreadCount() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
  }
  return n - detail::WorkerPool::Instance().Threads();
}

// Sets `flag` after `ms` milliseconds, from its own thread.
class DelayedStop {
 public:
  DelayedStop(std::atomic<bool>* flag, int ms)
      : thread_([flag, ms] {
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
          flag->store(true);
        }) {}
  ~DelayedStop() { thread_.join(); }

 private:
  std::thread thread_;
};

FitResult PlantedFit() {
  const Observations obs =
      ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 6, 0.01, 7);
  return Fit("chinchilla", obs);
}

TEST(RunControl, FlagStopsParallelForSoonOnAnyThreadCount) {
  const int before = ThreadCount();
  for (int threads : {1, 2, 4}) {
    std::atomic<bool> stop{false};
    RunControl c;
    c.stop = &stop;
    std::atomic<int> items{0};
    const auto t0 = Clock::now();
    {
      DelayedStop later(&stop, 100);
      EXPECT_THROW(
          {
            const detail::ScopedRun run(c);
            detail::ParallelFor(100000, threads, [&](int, int) {
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
              ++items;
            });
          },
          Cancelled)
          << threads;
    }
    EXPECT_LT(Since(t0), 1.0) << threads;  // 100 ms + at most one item each
    EXPECT_LT(items.load(), 100000) << threads;
    EXPECT_EQ(ThreadCount(), before) << threads;
    // No worker is still running items.
    const int done = items.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(items.load(), done) << threads;
  }
}

TEST(RunControl, NoControlNoRun) {
  EXPECT_EQ(detail::CurrentRun(), nullptr);
  EXPECT_FALSE(RequestStop());
  const detail::ScopedRun run(RunControl{});  // empty: installs nothing
  EXPECT_EQ(detail::CurrentRun(), nullptr);
  int n = 0;
  detail::ParallelFor(10, 2, [&](int, int) { ++n; });
  EXPECT_EQ(n, 10);
}

TEST(RunControl, ShouldStopAndProgressOnlyOnTheCallingThread) {
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> elsewhere{false};
  int polls = 0;
  RunControl c;
  c.poll_seconds = 0.005;
  c.should_stop = [&] {
    elsewhere = elsewhere || std::this_thread::get_id() != caller;
    return ++polls > 20;
  };
  c.on_progress = [&](const Progress&) {
    elsewhere = elsewhere || std::this_thread::get_id() != caller;
  };
  EXPECT_THROW(
      {
        const detail::ScopedRun run(c);
        detail::Stage stage("items", 100000);
        detail::ParallelFor(100000, 3, [&](int, int) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          stage.Advance();
        });
      },
      Cancelled);
  EXPECT_GT(polls, 20);
  EXPECT_FALSE(elsewhere);
}

TEST(RunControl, AStopReasonIsRethrownUnchangedFromNestedWork) {
  struct Custom : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  RunControl c;
  c.should_stop = [] { return false; };
  EXPECT_THROW(
      {
        const detail::ScopedRun run(c);
        detail::ParallelFor(8, 2, [&](int, int i) {
          detail::ParallelFor(50, 2, [&](int, int j) {
            if (i == 3 && j == 10)
              RequestStop(std::make_exception_ptr(Custom("boom")));
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          });
        });
      },
      Custom);
}

TEST(RunControl, AThrowingCallbackStopsTheRunAndSaysSo) {
  RunControl c;
  c.on_progress = [](const Progress&) { throw std::runtime_error("no bar"); };
  try {
    const detail::ScopedRun run(c);
    detail::Stage stage("items", 1000);
    detail::ParallelFor(1000, 1, [&](int, int) { stage.Advance(); });
    FAIL() << "not cancelled";
  } catch (const Cancelled& e) {
    EXPECT_NE(std::string(e.what()).find("no bar"), std::string::npos)
        << e.what();
  }
}

TEST(RunControl, InvalidPollInterval) {
  FitOptions o;
  o.control.poll_seconds = 0.0;
  std::string why;
  EXPECT_FALSE(o.IsValid(&why));
  EXPECT_NE(why.find("poll_seconds"), std::string::npos) << why;
}

TEST(RunControl, BootstrapStopsFromAnotherThreadAndLeavesNothingRunning) {
  const FitResult fit = PlantedFit();
  const int before = ThreadCount();
  for (int threads : {1, 2}) {
    std::atomic<bool> stop{false};
    BootstrapOptions o;
    o.num_replicates = 100000;
    o.num_threads = threads;
    o.control.stop = &stop;
    const auto t0 = Clock::now();
    {
      DelayedStop later(&stop, 300);
      EXPECT_THROW(Bootstrap(fit, o), Cancelled) << threads;
    }
    EXPECT_LT(Since(t0), 1.5) << threads;
    EXPECT_EQ(ThreadCount(), before) << threads;
  }
}

TEST(RunControl, BootstrapProgressIsMonotoneAndEndsAtTheTotal) {
  const FitResult fit = PlantedFit();
  BootstrapOptions o;
  o.num_replicates = 40;
  o.num_threads = 2;
  o.seed = 3;
  std::vector<Progress> seen;
  o.control.poll_seconds = 0.001;
  o.control.on_progress = [&](const Progress& p) { seen.push_back(p); };
  const BootstrapResult with = Bootstrap(fit, o);
  ASSERT_GE(seen.size(), 2u);
  for (size_t i = 0; i < seen.size(); ++i) {
    // Only the outermost stage reports: never the refits' own starts.
    EXPECT_EQ(seen[i].stage, "bootstrap replicates");
    EXPECT_EQ(seen[i].total, 40);
    if (i > 0) EXPECT_GE(seen[i].done, seen[i - 1].done);
  }
  EXPECT_EQ(seen.front().done, 0);
  EXPECT_EQ(seen.back().done, 40);
  // The control changes nothing else: the same samples, bit for bit, as a
  // run without one; and the result keeps no control.
  BootstrapOptions plain = o;
  plain.control = {};
  const BootstrapResult without = Bootstrap(fit, plain);
  EXPECT_EQ(with.samples, without.samples);
  EXPECT_TRUE(with.options.control.empty());
  EXPECT_TRUE(with.fit.options.control.empty());
}

TEST(RunControl, HoffmannFitStopsFromShouldStop) {
  const Observations obs =
      ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 8, 0.01, 11);
  FitOptions o;
  o.start = "hoffmann";
  o.screening_tolerance = 0.0;  // every start polished in full: long
  int polls = 0;
  std::vector<std::string> stages;
  o.control.poll_seconds = 0.001;
  o.control.should_stop = [&] { return ++polls > 30; };
  o.control.on_progress = [&](const Progress& p) {
    if (stages.empty() || stages.back() != p.stage) stages.push_back(p.stage);
  };
  const auto t0 = Clock::now();
  EXPECT_THROW(Fit("chinchilla", obs, o), Cancelled);
  EXPECT_LT(Since(t0), 2.0);
  ASSERT_FALSE(stages.empty());
  EXPECT_EQ(stages.front(), "fit starts");
}

TEST(RunControl, FitResultKeepsNoControl) {
  const Observations obs =
      ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 5, 0.01, 5);
  FitOptions o;
  int calls = 0;
  o.control.on_progress = [&](const Progress&) { ++calls; };
  const FitResult r = Fit("chinchilla", obs, o);
  EXPECT_GT(calls, 0);
  EXPECT_TRUE(r.options.control.empty());
  EXPECT_TRUE(r.converged) << r.message;
}

TEST(RunControl, BacktestAndSensitivityStop) {
  const FitResult fit = PlantedFit();
  std::atomic<bool> stop{true};  // already set: nothing may start
  BacktestOptions bo;
  bo.control.stop = &stop;
  EXPECT_THROW(Backtest(fit, bo), Cancelled);
  RunControl c;
  c.stop = &stop;
  EXPECT_THROW(Sensitivity(fit, 1e24, {}, false, c), Cancelled);
  // Progress of the panel: one stage over the objectives.
  std::vector<Progress> seen;
  RunControl p;
  p.on_progress = [&](const Progress& q) { seen.push_back(q); };
  const SensitivityPanel panel = Sensitivity(fit, 1e24, {}, false, p);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().stage, "sensitivity refits");
  EXPECT_EQ(seen.back().done, static_cast<int64_t>(panel.rows.size()));
}

}  // namespace
}  // namespace scalefit
