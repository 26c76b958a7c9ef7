// Reliability, part 2: determinism across threads, fuzzed parsers and the
// failure status every result carries (part 1, reliability_test.cpp: hostile
// inputs, numeric extremes, degenerate designs).
//
// Truth in these tests is independent of the engine: planted parameters of
// noise-free (or seeded-noise) synthetic data, the closed-form Chinchilla
// allocation written out here (Hoffmann et al. 2022, App. A, Eq. 4), and the
// exact reparametrisation of a power law under a change of units.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scalefit/scalefit.hpp"
#include "scalefit/uncertainty.hpp"
#include "test_support.hpp"

namespace scalefit {
namespace {

using test_support::AllFinite;
using test_support::ChinchillaGrid;
using test_support::ErrorOf;
using test_support::kChinchilla;
using test_support::LogCapture;
using test_support::LogSpace;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPosInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------
// 5. Determinism
// ---------------------------------------------------------------------------

bool BitEqual(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(ReliabilityDeterminism, FitIsBitIdenticalForAnyThreadCount) {
  const Observations data =
      ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 5, 0.02, 11);
  FitOptions o;
  o.num_polish = 6;
  o.num_threads = 1;
  const FitResult ref = Fit("chinchilla", data, o);
  ASSERT_TRUE(ref.converged) << ref.message;
  for (int threads : {1, 2, 3, 0}) {
    o.num_threads = threads;
    const FitResult r = Fit("chinchilla", data, o);
    EXPECT_TRUE(BitEqual(r.values(), ref.values())) << "threads " << threads;
    EXPECT_EQ(std::memcmp(&r.objective, &ref.objective, sizeof(double)), 0);
    EXPECT_EQ(r.message, ref.message);
  }
  FitOptions h;
  h.start = "hoffmann";
  h.num_threads = 1;
  const FitResult h1 = Fit("chinchilla", data, h);
  h.num_threads = 3;
  EXPECT_TRUE(BitEqual(Fit("chinchilla", data, h).values(), h1.values()));
}

TEST(ReliabilityDeterminism, BootstrapIsBitIdenticalForAnyThreadCount) {
  const Observations data =
      ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 4, 0.02, 13);
  const FitResult fit = Fit("chinchilla", data);
  BootstrapOptions o;
  o.num_replicates = 12;
  o.seed = 42;
  o.num_threads = 1;
  const BootstrapResult ref = Bootstrap(fit, o);
  for (int threads : {2, 3}) {
    o.num_threads = threads;
    const BootstrapResult b = Bootstrap(fit, o);
    EXPECT_TRUE(BitEqual(b.samples, ref.samples)) << "threads " << threads;
    EXPECT_EQ(b.converged, ref.converged);
    EXPECT_EQ(b.messages, ref.messages);
  }
  o.seed = 43;
  EXPECT_FALSE(BitEqual(Bootstrap(fit, o).samples, ref.samples));
}

TEST(ReliabilityDeterminism, ConcurrentFitsFromSeveralThreads) {
  const Observations data =
      ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 4, 0.02, 17);
  const FitResult ref = Fit("chinchilla", data);
  std::vector<FitResult> results(4);
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] { results[t] = Fit("chinchilla", data); });
  for (auto& th : pool) th.join();
  for (const FitResult& r : results)
    EXPECT_TRUE(BitEqual(r.values(), ref.values()));
}

// ---------------------------------------------------------------------------
// 4. Fuzzing (seeded, portable): random arrays, mutated fit cards, formulas
// ---------------------------------------------------------------------------

double RandomValue(std::mt19937_64& gen) {
  switch (gen() % 10) {
    case 0:
      return kNaN;
    case 1:
      return (gen() % 2) ? kPosInf : -kPosInf;
    case 2:
      return 0.0;
    case 3:
      return -std::ldexp(1.0, static_cast<int>(gen() % 200) - 100);
    case 4:
      return std::numeric_limits<double>::denorm_min();
    case 5:
      return std::numeric_limits<double>::max();
    default:
      return std::ldexp(1.0 + (gen() % 1000) / 1000.0,
                        static_cast<int>(gen() % 400) - 200);
  }
}

TEST(ReliabilityFuzz, RandomArraysNeverGiveUnflaggedNaN) {
  std::mt19937_64 gen(2024);
  const std::vector<std::string> laws = {"power_law", "saturating_power_law",
                                         "chinchilla"};
  int fitted = 0, rejected = 0;
  for (int trial = 0; trial < 90; ++trial) {
    const std::string name = laws[trial % laws.size()];
    const LawPtr law = GetLaw(name);
    const int n = static_cast<int>(gen() % 12);
    const bool clean = gen() % 2;  // half the datasets are all-valid
    std::map<std::string, std::vector<double>> cols;
    std::vector<double> loss(n);
    for (const auto& in : law->info().input_names) {
      auto& c = cols[in];
      for (int i = 0; i < n; ++i) {
        const double v = RandomValue(gen);
        c.push_back(clean ? std::ldexp(1.0 + (gen() % 1000) / 1000.0,
                                       static_cast<int>(gen() % 120))
                          : v);
      }
    }
    for (double& l : loss)
      l = clean ? std::ldexp(1.0 + (gen() % 1000) / 1000.0,
                             static_cast<int>(gen() % 20) - 10)
                : RandomValue(gen);
    try {
      const FitResult r =
          Fit(law, MakeObservations(law->info().input_names, cols, loss));
      ++fitted;
      EXPECT_TRUE(AllFinite(r.values())) << name << " trial " << trial;
      if (!std::isfinite(r.objective)) EXPECT_FALSE(r.converged);
      EXPECT_FALSE(r.message.empty());
      if (r.converged) EXPECT_EQ(r.message, "converged");
    } catch (const Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(fitted, 10);
  EXPECT_GT(rejected, 10);
}

TEST(ReliabilityFuzz, MutatedFitCardsThrowScalefitErrorsOrLoadCleanly) {
  const Observations data =
      ChinchillaGrid(kChinchilla, 1e7, 1e9, 1e9, 1e11, 3, 0.01, 1);
  FitCardOptions co;
  co.include_data = true;
  const std::string card = FitCardToString(Fit("chinchilla", data), co);
  ASSERT_NO_THROW(FitCardFromString(card));
  const std::string alphabet = "{}[]\",:0123456789.eE+-naiftrulsNDx \n\\";
  std::mt19937_64 gen(99);
  int loaded = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string s = card;
    const int edits = 1 + static_cast<int>(gen() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t pos = gen() % s.size();
      switch (gen() % 4) {
        case 0:
          s[pos] = alphabet[gen() % alphabet.size()];
          break;
        case 1:
          s.erase(pos, 1 + gen() % 8);
          break;
        case 2:
          s.insert(pos, 1, alphabet[gen() % alphabet.size()]);
          break;
        case 3:
          s.resize(pos);
          break;
      }
    }
    try {
      const FitResult r = FitCardFromString(s, "<fuzz>");
      ++loaded;
      EXPECT_TRUE(AllFinite(r.values())) << s;
      EXPECT_NO_THROW(r.BriefReport());
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("<fuzz>"), std::string::npos)
          << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-scalefit exception " << e.what() << " for card:\n"
                    << s;
    }
  }
  EXPECT_GT(loaded, 0);
}

// A random expression over parameters E, A, alpha and input N (valid by
// construction); mutations then break it.
std::string RandomExpression(std::mt19937_64& gen, int depth) {
  static const char* kLeaves[] = {"E",   "A", "alpha", "N",     "N",
                                  "2.5", "0", "1e309", "1e-320"};
  static const char* kOps[] = {" + ", " - ", " * ", " / ", " ^ ", "**"};
  static const char* kFuncs[] = {"log", "exp", "sqrt", "min",
                                 "max", "pow", "abs",  "nope"};
  const int kind = depth <= 0 ? 0 : static_cast<int>(gen() % 4);
  if (kind == 0) return kLeaves[gen() % 9];
  if (kind == 1)
    return "(" + RandomExpression(gen, depth - 1) + kOps[gen() % 6] +
           RandomExpression(gen, depth - 1) + ")";
  if (kind == 2) {
    const std::string f = kFuncs[gen() % 8];
    std::string args = RandomExpression(gen, depth - 1);
    if (gen() % 2) args += ", " + RandomExpression(gen, depth - 1);
    return f + "(" + args + ")";
  }
  return "-" + RandomExpression(gen, depth - 1);
}

TEST(ReliabilityFuzz, RandomFormulasThrowScalefitErrorsOrEvaluate) {
  const std::string junk = "()+-*/^,.eE0123456789 NA_@#";
  std::mt19937_64 gen(7);
  int built = 0, rejected = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    std::string f = RandomExpression(gen, 1 + static_cast<int>(gen() % 4));
    const int mutations = trial % 3 == 0 ? 1 + static_cast<int>(gen() % 3) : 0;
    for (int m = 0; m < mutations && !f.empty(); ++m) {
      const size_t pos = gen() % f.size();
      if (gen() % 2)
        f[pos] = junk[gen() % junk.size()];
      else
        f.erase(pos, 1 + gen() % 3);
    }
    try {
      FormulaLawOptions o;
      o.inputs = {"N"};
      const LawPtr law = MakeFormulaLaw(f, o);
      ++built;
      std::vector<double> p(law->info().num_params(), 0.5), grad(p.size());
      for (double x : {1e-300, 1.0, 1e9, 1e300}) {
        law->Evaluate(p.data(), &x);  // any value, NaN included: no crash
        law->ValueAndGradient(p.data(), &x, grad.data());
      }
    } catch (const Error&) {
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-scalefit exception " << e.what() << " for formula '"
                    << f << "'";
    }
  }
  EXPECT_GT(built, 40);
  EXPECT_GT(rejected, 100);
}

// ---------------------------------------------------------------------------
// 6. Failure reporting
// ---------------------------------------------------------------------------

TEST(ReliabilityReporting, UnconvergedFitSaysWhy) {
  const Observations data =
      ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 4, 0.02, 19);
  FitOptions o;
  o.start = "init";
  o.init = {{"E", 0.5}, {"A", 10.0}, {"B", 1e5}, {"alpha", 1.0}, {"beta", 0.1}};
  o.max_iterations = 1;
  LogCapture log;
  const FitResult r = Fit("chinchilla", data, o);
  EXPECT_FALSE(r.converged);
  EXPECT_TRUE(AllFinite(r.values()));
  EXPECT_EQ(r.message.rfind("solver did not converge", 0), 0u) << r.message;
  EXPECT_NE(r.FullReport().find(r.message), std::string::npos);
  EXPECT_TRUE(r.diagnostics.HasWarning("not_converged"));
  EXPECT_NE(log.text().find("fit of 'chinchilla'"), std::string::npos)
      << log.text();
}

TEST(ReliabilityReporting, EveryBootstrapReplicateHasAStatus) {
  const Observations data =
      ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 4, 0.02, 23);
  const FitResult fit = Fit("chinchilla", data);
  BootstrapOptions o;
  o.num_replicates = 10;
  o.num_threads = 2;
  o.max_retries = 0;
  const BootstrapResult b = Bootstrap(fit, o);
  ASSERT_EQ(b.num_replicates, 10);
  ASSERT_EQ(b.converged.size(), 10u);
  ASSERT_EQ(b.messages.size(), 10u);
  ASSERT_EQ(b.attempts.size(), 10u);
  ASSERT_EQ(b.samples.size(), 10u * 5);
  int failed = 0;
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(b.messages[i].empty());
    if (!b.converged[i]) {
      ++failed;
      EXPECT_NE(std::find(b.failed.begin(), b.failed.end(), i), b.failed.end());
    }
  }
  EXPECT_EQ(b.num_failed, failed);
  EXPECT_EQ(static_cast<int>(b.failed.size()), failed);
}

TEST(ReliabilityReporting,
     AllocationFromUnidentifiedFitIsRefusedOrCarriesWarning) {
  // All runs at 20 tokens per parameter: alpha and beta cannot be separated.
  std::vector<double> N = LogSpace(1e7, 1e10, 10), D, L;
  for (double n : N) {
    D.push_back(20 * n);
    L.push_back(kChinchilla.L(n, D.back()));
  }
  const FitResult r =
      Fit("chinchilla", MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, L));
  EXPECT_FALSE(r.diagnostics.identified);
  const std::string msg = ErrorOf([&] { ComputeOptimal(r, 1e23); });
  EXPECT_NE(msg.find("tokens per parameter"), std::string::npos) << msg;
  AllocationOptions o;
  o.allow_unidentified = true;
  const Allocation a = ComputeOptimal(r, 1e23, FlopModel::SixND(), o);
  EXPECT_FALSE(a.warning.empty());
  EXPECT_TRUE(std::isfinite(a.N_opt));
}

}  // namespace
}  // namespace scalefit
