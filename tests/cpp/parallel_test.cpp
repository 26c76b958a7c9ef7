// detail::ParallelFor: one slot per item whatever the thread count, and
// every failure — a throwing work item, a thread that cannot be started —
// joins the started threads and surfaces as a scalefit exception (a missed
// join would call std::terminate and abort the test binary).
#include "scalefit/detail/parallel.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "scalefit/error.hpp"

namespace scalefit::detail {
namespace {

std::string MessageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(ParallelFor, OneSlotPerItemForAnyThreadCount) {
  const int n = 1000;
  auto run = [n](int threads) {
    std::vector<double> out(n, -1.0);
    std::vector<int> count(n, 0);
    ParallelFor(n, threads, [&](int, int i) {
      double s = 0.0;
      for (int k = 1; k <= 200; ++k) s += std::sin(i * 0.001 * k) / k;
      out[i] = s;
      ++count[i];
    });
    for (int i = 0; i < n; ++i) EXPECT_EQ(count[i], 1) << "item " << i;
    return out;
  };
  const std::vector<double> one = run(1);
  for (int threads : {2, 3, 8, 64}) EXPECT_EQ(run(threads), one) << threads;
}

// One thread per kRowPassesPerWorker rows of work, at least one, at most
// the threads asked for; work that is not a number gets one.
TEST(ParallelFor, WorkerThreadsFollowTheWork) {
  const double w = kRowPassesPerWorker;
  EXPECT_EQ(WorkerThreads(2, 0.0), 1);
  EXPECT_EQ(WorkerThreads(2, 1.99 * w), 1);
  EXPECT_EQ(WorkerThreads(2, 2.0 * w), 2);
  EXPECT_EQ(WorkerThreads(2, 1e12), 2);
  EXPECT_EQ(WorkerThreads(8, 3.5 * w), 3);
  EXPECT_EQ(WorkerThreads(8, 8.0 * w), 8);
  EXPECT_EQ(WorkerThreads(1, 1e12), 1);
  EXPECT_EQ(WorkerThreads(4, std::nan("")), 1);
  EXPECT_EQ(WorkerThreads(1024, 1e300), 1024);
}

// The pool's helpers are started once and reused: many calls on 3 workers
// leave it at 2 helpers (or more, from an earlier call with more), and every
// call still runs each item exactly once.
TEST(ParallelFor, PoolHelpersAreStartedOnceAndReused) {
  ParallelFor(16, 3, [](int, int) {});
  const int helpers = WorkerPool::Instance().Threads();
  EXPECT_GE(helpers, 2);
  for (int call = 0; call < 2000; ++call) {
    std::vector<int> count(7, 0);
    ParallelFor(7, 3, [&](int worker, int i) {
      EXPECT_LT(worker, 3);
      ++count[i];
    });
    ASSERT_EQ(count, std::vector<int>(7, 1)) << "call " << call;
  }
  EXPECT_EQ(WorkerPool::Instance().Threads(), helpers);
}

// A ParallelFor inside a work item (the pool is then busy) and two on
// different threads at once give the same slots as one thread.
TEST(ParallelFor, NestedAndConcurrentCallsGiveTheSameSlots) {
  auto inner = [](int i) {
    std::vector<double> v(40);
    ParallelFor(40, 2, [&](int, int j) { v[j] = std::sqrt(i * 40.0 + j); });
    double s = 0.0;
    for (double x : v) s += x;
    return s;
  };
  std::vector<double> serial(12), nested(12);
  for (int i = 0; i < 12; ++i) serial[i] = inner(i);
  ParallelFor(12, 2, [&](int, int i) { nested[i] = inner(i); });
  EXPECT_EQ(nested, serial);
  std::vector<double> a(12), b(12);
  std::thread other([&] {
    for (int rep = 0; rep < 50; ++rep)
      ParallelFor(12, 2, [&](int, int i) { b[i] = inner(i); });
  });
  for (int rep = 0; rep < 50; ++rep)
    ParallelFor(12, 2, [&](int, int i) { a[i] = inner(i); });
  other.join();
  EXPECT_EQ(a, serial);
  EXPECT_EQ(b, serial);
}

// A child process forked after the pool has started (Python's
// multiprocessing does this) makes a pool of its own and finishes its items;
// an alarm turns a hang into a failure.
TEST(ParallelFor, AForkedChildRunsItsOwnPool) {
  ParallelFor(8, 2, [](int, int) {});
  ASSERT_GE(WorkerPool::Instance().Threads(), 1);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(20);
    std::vector<int> count(1000, 0);
    ParallelFor(1000, 2, [&](int, int i) { ++count[i]; });
    bool ok = true;
    for (int c : count) ok = ok && c == 1;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child did not exit (hang or crash)";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ParallelFor, NoItemsAndMoreThreadsThanItems) {
  int calls = 0;
  ParallelFor(0, 4, [&](int, int) { ++calls; });
  EXPECT_EQ(calls, 0);
  std::vector<int> seen(3, 0);
  ParallelFor(3, 16, [&](int worker, int i) {
    EXPECT_LT(worker, 3);
    seen[i] = 1;
  });
  EXPECT_EQ(seen, (std::vector<int>{1, 1, 1}));
}

TEST(ParallelFor, ScalefitErrorInAWorkerIsRethrownUnchanged) {
  for (int threads : {1, 4}) {
    std::atomic<int> ran{0};
    try {
      ParallelFor(200, threads, [&](int, int i) {
        ++ran;
        if (i == 17) throw InvalidArgument("item 17 is bad");
      });
      ADD_FAILURE() << "no exception with " << threads << " threads";
    } catch (const InvalidArgument& e) {
      EXPECT_STREQ(e.what(), "item 17 is bad");
    }
    EXPECT_GE(ran.load(), 18);  // items 0..17 at least
  }
}

TEST(ParallelFor, OtherExceptionsBecomeScalefitErrors) {
  for (int threads : {1, 3}) {
    EXPECT_THROW(ParallelFor(50, threads,
                             [](int, int i) {
                               if (i == 5) throw std::runtime_error("boom");
                             }),
                 Error);
    EXPECT_EQ(MessageOf([threads] {
                ParallelFor(50, threads, [](int, int i) {
                  if (i == 5) throw std::runtime_error("boom");
                });
              }),
              "a work item failed: boom");
    EXPECT_THROW(ParallelFor(50, threads,
                             [](int, int i) {
                               if (i == 9) throw std::bad_alloc();
                             }),
                 ResourceError);
    EXPECT_THROW(ParallelFor(50, threads,
                             [](int, int i) {
                               if (i == 9) throw 42;  // not even an exception
                             }),
                 Error);
  }
}

TEST(ParallelFor, EveryWorkerThrowingStillJoinsAll) {
  std::atomic<int> ran{0};
  EXPECT_THROW(ParallelFor(1000, 8,
                           [&](int, int) {
                             ++ran;
                             throw InvalidArgument("always");
                           }),
               InvalidArgument);
  EXPECT_GE(ran.load(), 1);
  EXPECT_LE(ran.load(), 8);  // each worker stops after its first failure
}

TEST(ParallelFor, ThreadThatCannotStartJoinsTheStartedOnesAndThrows) {
  // The first extra worker starts; the second cannot (as when the process is
  // at its thread limit). The started one must be joined before the error
  // surfaces: its completion flag is set when ParallelFor throws.
  std::atomic<int> started{0};
  std::atomic<bool> finished{false};
  std::atomic<int> items{0};
  const ThreadStarter failing = [&](std::function<void()> f) {
    if (started.fetch_add(1) >= 1) {
      throw std::system_error(
          std::make_error_code(std::errc::resource_unavailable_try_again),
          "thread creation refused");
    }
    return std::thread([f, &finished] {
      f();
      finished = true;
    });
  };
  std::string message;
  try {
    ParallelFor(
        100000, 4, [&](int, int) { ++items; }, failing);
    ADD_FAILURE() << "no exception";
  } catch (const ResourceError& e) {
    message = e.what();
  }
  EXPECT_TRUE(finished.load());
  EXPECT_NE(message.find("could not start worker thread 2 of 3"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("use fewer threads"), std::string::npos) << message;
  EXPECT_LE(items.load(), 100000);  // no item ran twice
  // ResourceError is a scalefit::Error (Python: ScalefitError).
  EXPECT_THROW(ParallelFor(
                   10, 3, [](int, int) {}, failing),
               Error);
}

}  // namespace
}  // namespace scalefit::detail
