// Google Benchmark suite for the C++ core: fit time against the number of
// points (1e2 … 1e5; chinchilla to 1e6) for every built-in law, and the default
// Chinchilla fit on the embedded Epoch data. Run:
//   cmake -S . -B build/bench -DSCALEFIT_BUILD_BENCHMARKS=ON && cmake --build
//   build/bench build/bench/benchmarks/scalefit_benchmarks
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "scalefit/detail/parallel.hpp"
#include "scalefit/scalefit.hpp"

namespace {

using scalefit::FitOptions;
using scalefit::Observations;

// Planted data with 1% multiplicative noise, fixed seed. Designs spread over
// several decades so every law is identified.
Observations Planted(const std::string& law, int n) {
  std::mt19937_64 rng(12345);
  std::normal_distribution<double> noise(0.0, 0.01);
  const scalefit::LawPtr model = scalefit::GetLaw(law);
  const auto& info = model->info();
  std::vector<double> p;
  for (const auto& s : info.params) p.push_back(s.init);
  std::map<std::string, std::vector<double>> cols;
  std::vector<double> loss;
  std::vector<double> row(info.num_inputs());
  for (int i = 0; i < n; ++i) {
    const double t = (i + 0.5) / n;
    if (info.num_inputs() >= 2) {  // N, D (and U): an isoFLOP-like design
      const double C =
          std::pow(10.0, 18.0 + 4.0 * std::fmod(i * 0.618034, 1.0));
      const double ratio = std::pow(10.0, 0.3 + 2.0 * t);
      row[0] = std::sqrt(C / (6.0 * ratio));
      row[1] = ratio * row[0];
      if (info.num_inputs() == 3)
        row[2] = row[1] / (1.0 + i % 8);  // 1–8 epochs
    } else {
      for (auto& v : row) v = std::pow(10.0, 6.0 + 12.0 * t);
    }
    for (int j = 0; j < info.num_inputs(); ++j)
      cols[info.input_names[j]].push_back(row[j]);
    loss.push_back(model->Evaluate(p.data(), row.data()) *
                   std::exp(noise(rng)));
  }
  return scalefit::MakeObservations(info.input_names, cols, loss);
}

void BM_FitVsPoints(benchmark::State& state, const std::string& law) {
  const Observations data = Planted(law, static_cast<int>(state.range(0)));
  FitOptions o;
  for (auto _ : state) {
    auto r = scalefit::Fit(law, data, o);
    benchmark::DoNotOptimize(r.objective);
    if (!r.converged) state.SkipWithError(r.message.c_str());
  }
  state.SetComplexityN(state.range(0));
}

void BM_EpochDefault(benchmark::State& state) {
  const Observations data = scalefit::datasets::ChinchillaObservations();
  FitOptions o;
  for (auto _ : state) {
    auto r = scalefit::Fit("chinchilla", data, o);
    benchmark::DoNotOptimize(r.objective);
  }
}

// The default Epoch fit on one instruction set (scalar, sse2, avx2, avx512):
// the sets' ratios measured in one run. A set this CPU or build cannot run
// is reported as skipped.
void BM_EpochDefaultOnSet(benchmark::State& state, const std::string& isa) {
  const std::vector<std::string> sets = scalefit::SupportedInstructionSets();
  if (std::find(sets.begin(), sets.end(), isa) == sets.end()) {
    state.SkipWithError(
        ("instruction set " + isa + " is not supported by this CPU or build")
            .c_str());
    for (auto _ : state) {
    }
    return;
  }
  const std::string saved = scalefit::InstructionSet();
  scalefit::SetInstructionSet(isa);
  const Observations data = scalefit::datasets::ChinchillaObservations();
  FitOptions o;
  for (auto _ : state) {
    auto r = scalefit::Fit("chinchilla", data, o);
    benchmark::DoNotOptimize(r.objective);
  }
  scalefit::SetInstructionSet(saved);
}

void BM_EpochWarmStart(benchmark::State& state) {
  const Observations data = scalefit::datasets::ChinchillaObservations();
  const auto best = scalefit::Fit("chinchilla", data);
  FitOptions o;
  o.start = "init";
  for (const auto& p : best.params) o.init[p.name] = p.value * 1.02;
  for (auto _ : state) {
    auto r = scalefit::Fit("chinchilla", data, o);
    benchmark::DoNotOptimize(r.objective);
  }
}

void BM_EpochHoffmannGrid(benchmark::State& state) {
  const Observations data = scalefit::datasets::ChinchillaObservations();
  FitOptions o;
  o.start = "hoffmann";
  o.num_threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto r = scalefit::Fit("chinchilla", data, o);
    benchmark::DoNotOptimize(r.objective);
  }
}

// The default start grid of a law without linear coefficients (4096 cells
// ranked, then 3 polished) on 1000 planted kaplan rows, on 1 and 2 threads:
// both the ranking and the polish run on the workers.
void BM_KaplanDefaultThreads(benchmark::State& state) {
  const Observations data = Planted("kaplan", 1000);
  FitOptions o;
  o.num_threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto r = scalefit::Fit("kaplan", data, o);
    benchmark::DoNotOptimize(r.objective);
    if (!r.converged) state.SkipWithError(r.message.c_str());
  }
}

// One ParallelFor call of 4 empty items on 2 workers: the pool's helpers
// (arg 1) against threads started and joined for the call (arg 0).
void BM_ParallelForCall(benchmark::State& state) {
  namespace detail = scalefit::detail;
  const detail::ThreadStarter spawn = [](std::function<void()> f) {
    return std::thread(std::move(f));
  };
  const bool pool = state.range(0) == 1;
  int sink = 0;
  for (auto _ : state) {
    detail::ParallelFor(
        4, 2, [&](int, int i) { benchmark::DoNotOptimize(sink += i); },
        pool ? nullptr : spawn);
  }
}

// The default Chinchilla fit on planted rows on 1 and 2 threads (wall
// time): rows split across the workers from kSplitRows rows.
void BM_FitThreads(benchmark::State& state) {
  const Observations data =
      Planted("chinchilla", static_cast<int>(state.range(0)));
  FitOptions o;
  o.num_threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    auto r = scalefit::Fit("chinchilla", data, o);
    benchmark::DoNotOptimize(r.objective);
    if (!r.converged) state.SkipWithError(r.message.c_str());
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_FitVsPoints, power_law, std::string("power_law"))
    ->RangeMultiplier(10)
    ->Range(100, 100000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FitVsPoints, saturating_power_law,
                  std::string("saturating_power_law"))
    ->RangeMultiplier(10)
    ->Range(100, 100000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FitVsPoints, chinchilla, std::string("chinchilla"))
    ->RangeMultiplier(10)
    ->Range(100, 1000000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FitVsPoints, kaplan, std::string("kaplan"))
    ->RangeMultiplier(10)
    ->Range(100, 100000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FitVsPoints, data_constrained,
                  std::string("data_constrained"))
    ->RangeMultiplier(10)
    ->Range(100, 100000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FitVsPoints, broken_power_law_1,
                  std::string("broken_power_law:1"))
    ->RangeMultiplier(10)
    ->Range(100, 100000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EpochDefault)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EpochDefaultOnSet, avx512, std::string("avx512"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EpochDefaultOnSet, avx2, std::string("avx2"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EpochDefaultOnSet, sse2, std::string("sse2"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EpochDefaultOnSet, scalar, std::string("scalar"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EpochWarmStart)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KaplanDefaultThreads)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_EpochHoffmannGrid)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

BENCHMARK(BM_ParallelForCall)->Arg(0)->Arg(1)->UseRealTime();
BENCHMARK(BM_FitThreads)
    ->ArgsProduct({{1000, 10000, 30000, 100000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
