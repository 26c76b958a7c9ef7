/// @file parallel.hpp
/// A deterministic parallel-for: work item i always writes result slot i,
/// so results do not depend on the number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace scalefit::detail {

/// Resolves a user thread count: 0 = hardware concurrency, else itself.
inline int ResolveThreads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/// Runs body(worker, i) for i in [0, n) on `threads` workers. Exceptions
/// thrown by a body are rethrown (the first one) after all workers stop.
inline void ParallelFor(int n, int threads,
                        const std::function<void(int, int)>& body) {
  threads = std::max(1, std::min(threads, n));
  if (threads == 1) {
    for (int i = 0; i < n; ++i) body(0, i);
    return;
  }
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&](int worker) {
    for (;;) {
      const int i = next.fetch_add(1);
      if (i >= n) return;
      try {
        body(worker, i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(n);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < threads; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace scalefit::detail
