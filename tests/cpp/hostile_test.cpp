// Hostile input (docs/reliability.md): limits instead of crashes, no silent
// answers, errors that name their cause. One test per class at least; the
// truth is independent of the code under test (a closed form, the same fit
// with unit weights, the built-in functor, the parameters a card was
// written with).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/fit_card.hpp"
#include "scalefit/formula.hpp"
#include "scalefit/limits.hpp"
#include "scalefit/runtime_law.hpp"
#include "scalefit/uncertainty.hpp"
#include "test_support.hpp"

namespace scalefit {
namespace {

using test_support::ChinchillaGrid;
using test_support::ErrorOf;
using test_support::ExpectThrows;
using test_support::kChinchilla;

Observations Data(double sigma = 0.01) {
  return ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 6, sigma, 3);
}

double SecondsOf(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    f();
  } catch (const Error&) {
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

FormulaLawOptions Inputs(std::vector<std::string> in) {
  FormulaLawOptions o;
  o.inputs = std::move(in);
  return o;
}

// --- recursion and size: formula laws -------------------------------------

TEST(HostileFormula, NestingBeyondTheLimitIsRefusedNamingIt) {
  for (const std::string& f :
       {"E + " + std::string(100000, '(') + "A/N" + std::string(100000, ')'),
        "E + " + std::string(5000, '-') + "A/N",
        [] {
          std::string s = "E + A / ";
          for (int i = 0; i < 3000; ++i) s += "N^";
          return s + "2";
        }(),
        [] {
          std::string s = "E + A * ";
          for (int i = 0; i < 2000; ++i) s += "exp(";
          return s + "N" + std::string(2000, ')');
        }()}) {
    const std::string e = ErrorOf([&] { MakeFormulaLaw(f, Inputs({"N"})); });
    EXPECT_TRUE(e.find("max_depth") != std::string::npos ||
                e.find("max_length") != std::string::npos)
        << e.substr(0, 200);
  }
  ExpectThrows<InvalidArgument>(
      [] {
        MakeFormulaLaw(
            "E + " + std::string(101, '(') + "A/N" + std::string(101, ')'),
            Inputs({"N"}));
      },
      {"nested deeper than 100 levels", "FormulaLawOptions::max_depth",
       "at position"});
  // Within the limit, and with the limit raised, deep formulas work and
  // evaluate to the closed form: E + A/N.
  FormulaLawOptions o = Inputs({"N"});
  o.max_depth = 1000;
  const LawPtr deep = MakeFormulaLaw(
      "E + " + std::string(500, '(') + "A/N" + std::string(500, ')'), o);
  const double p[] = {1.5, 4.0}, x[] = {8.0};
  EXPECT_EQ(deep->Evaluate(p, x), 1.5 + 4.0 / 8.0);
}

TEST(HostileFormula, LengthLimitAndManyNamesAreFast) {
  std::string names = "E*N";
  for (int i = 0; i < 20000; ++i) names += "+x" + std::to_string(i);
  ExpectThrows<InvalidArgument>([&] { FormulaNames(names); },
                                {"characters long", "the limit is 10000",
                                 "FormulaLawOptions::max_length"});
  // A formula just under the limit with 1500 names: refused by the
  // parameter count without quadratic work (it hung before).
  std::string many = "E*N";
  for (int i = 0; i < 1500; ++i) many += "+x" + std::to_string(i);
  EXPECT_LT(SecondsOf([&] { MakeFormulaLaw(many, Inputs({"N"})); }), 2.0);
  ExpectThrows<InvalidArgument>([&] { MakeFormulaLaw(many, Inputs({"N"})); },
                                {"1501 parameters", "at most 16"});
}

TEST(HostileFormula, WideSumsEvaluateWithoutRecursion) {
  // 1600 terms: a left-deep tree 1600 nodes deep, evaluated in one loop.
  std::string f = "E";
  for (int i = 0; i < 1600; ++i) f += " + A/N";
  const LawPtr law = MakeFormulaLaw(f, Inputs({"N"}));
  const double p[] = {1.0, 2.0}, x[] = {4.0};
  EXPECT_DOUBLE_EQ(law->Evaluate(p, x), 1.0 + 1600 * 0.5);
  double g[2];
  law->ValueAndGradient(p, x, g);
  EXPECT_DOUBLE_EQ(g[0], 1.0);
  EXPECT_DOUBLE_EQ(g[1], 1600 / 4.0);
}

TEST(HostileFormula, EvaluationMatchesTheBuiltInFunctor) {
  // The iterative evaluator against the chinchilla functor (an independent
  // implementation of the same law): values and exact gradients.
  FormulaLawOptions o = Inputs({"N", "D"});
  o.params = {"E", "A", "B", "alpha", "beta"};
  const LawPtr f = MakeFormulaLaw("E + A / N^alpha + B / D**beta", o);
  const LawPtr c = GetLaw("chinchilla");
  const double p[] = {1.69, 406.4, 410.7, 0.34, 0.28};
  for (double n : {1e6, 3e8, 7e11})
    for (double d : {1e9, 2e11, 5e13}) {
      const double x[] = {n, d};
      double g1[5], g2[5];
      const double v1 = f->ValueAndGradient(p, x, g1);
      const double v2 = c->ValueAndGradient(p, x, g2);
      EXPECT_NEAR(v1, v2, 1e-14 * v2);
      for (int k = 0; k < 5; ++k)
        EXPECT_NEAR(g1[k], g2[k], 1e-12 * std::abs(g2[k]) + 1e-300);
    }
}

TEST(HostileFormula, NonAsciiIsNamedByCodePointAndMessagesAreUtf8) {
  ExpectThrows<InvalidArgument>(
      [] { MakeFormulaLaw("E + A / N^\xce\xb1", Inputs({"N"})); },
      {"non-ASCII character U+03B1 ('\xce\xb1')", "at position 10"});
  ExpectThrows<InvalidArgument>(
      [] { MakeFormulaLaw("E + A / N^\xff", Inputs({"N"})); },
      {"byte 0xFF (not ASCII, not UTF-8)", "at position 10"});
  ExpectThrows<InvalidArgument>(
      [] { MakeFormulaLaw(std::string("E + A\0N", 7), Inputs({"N"})); },
      {"control character 0x00", "at position 5"});
}

// --- resource limits: grids, replicates, threads ---------------------------

TEST(HostileLimits, AnOversizedExplicitGridIsRefusedBeforeWork) {
  FitOptions o;
  o.start = "grid";
  for (const char* name : {"E", "A", "B", "alpha", "beta"}) {
    std::vector<double> v;
    for (int i = 0; i < 40; ++i) v.push_back(0.5 + 0.01 * i);
    o.grid[name] = v;
  }
  const Observations obs = Data();
  EXPECT_LT(SecondsOf([&] { Fit("chinchilla", obs, o); }), 1.0);
  ExpectThrows<InvalidArgument>(
      [&] { Fit("chinchilla", obs, o); },
      {"40 (A) x 40 (B) x 40 (E) x 40 (alpha) x 40 (beta) = 102400000 cells",
       "more than max_starts = 100000"});
  o.start = "hoffmann";
  o.max_starts = 100;
  ExpectThrows<InvalidArgument>([&] { Fit("chinchilla", obs, o); },
                                {"4500 starts", "max_starts = 100"});
}

TEST(HostileLimits, OptionCeilingsNameTheOption) {
  FitOptions o;
  std::string why;
  o.max_grid_cells = kMaxGridCells + 1;
  EXPECT_FALSE(o.IsValid(&why));
  EXPECT_NE(why.find("max_grid_cells must be in [1, 10000000]"),
            std::string::npos)
      << why;
  o = FitOptions();
  o.num_threads = kMaxThreads + 1;
  EXPECT_FALSE(o.IsValid(&why));
  EXPECT_NE(why.find("num_threads must be in [0, 1024]"), std::string::npos)
      << why;
  o = FitOptions();
  o.max_starts = 0;
  EXPECT_FALSE(o.IsValid(&why));
  EXPECT_NE(why.find("max_starts"), std::string::npos) << why;
  ProfileOptions p;
  p.num_threads = kMaxThreads + 1;
  EXPECT_FALSE(p.IsValid(&why));
  EXPECT_NE(why.find("num_threads must be in [0, 1024]"), std::string::npos)
      << why;
}

TEST(HostileErrors, DecadesBeyondDataNamesAnInputOutsideTheDomain) {
  const FitResult r = Fit("chinchilla", Data());
  for (double bad : {-1.0, 0.0, std::nan(""), HUGE_VAL})
    ExpectThrows<InvalidArgument>(
        [&] {
          r.DecadesBeyondData({bad, 1e10});
        },
        {"decades_beyond_data: input 'N', row 0", "must be finite and > 0"});
  EXPECT_EQ(r.DecadesBeyondData({1e9, 1e10}).size(), 1u);
}

TEST(HostileLimits, BootstrapReplicatesAreBoundedBeforeAllocation) {
  const FitResult fit = Fit("chinchilla", Data());
  BootstrapOptions o;
  o.num_replicates = 1000000000;
  EXPECT_LT(SecondsOf([&] { Bootstrap(fit, o); }), 1.0);
  ExpectThrows<InvalidArgument>([&] { Bootstrap(fit, o); },
                                {"n (number of replicates) = 1000000000",
                                 "limit of 1000000", "kMaxReplicates"});
  o.num_replicates = 10;
  o.num_threads = 100000;
  ExpectThrows<InvalidArgument>([&] { Bootstrap(fit, o); },
                                {"threads must be in [0, 1024]"});
}

TEST(HostileLimits, TheDefaultGridNeverMaterialisesItsCells) {
  // 10^6 cells scored (the memory is one score per cell); the fit is the
  // same optimum as with the default 4096 cells.
  const Observations obs = Data();
  FitOptions big;
  big.grid_points = 1000;
  big.max_grid_cells = 1000000;
  const FitResult a = Fit("chinchilla", obs, big);
  const FitResult b = Fit("chinchilla", obs);
  ASSERT_TRUE(a.converged && b.converged);
  for (int k = 0; k < 5; ++k)
    EXPECT_NEAR(a.params[k].value, b.params[k].value,
                1e-6 * std::abs(b.params[k].value));
}

// --- silent answers ---------------------------------------------------------

TEST(HostileSilent, ConflictingTiesAreAnError) {
  FitOptions o;
  o.ties = {{"A", "B"}, {"A", "E"}};
  ExpectThrows<InvalidArgument>([&] { Fit("chinchilla", Data(), o); },
                                {"'A' is tied twice: to 'B' and to 'E'"});
}

// N and D that are finite but whose compute C = 6ND overflows a double
// (1e308 · 1e308): refused naming the row, not a fit whose compute range,
// design decades and extrapolation distances are inf and NaN.
TEST(HostileSilent, ComputeThatOverflowsIsRefusedNamingTheRow) {
  Observations obs = Data();
  obs.x[2 * 7] = 1e308;
  obs.x[2 * 7 + 1] = 1e300;
  ExpectThrows<InvalidArgument>([&] { Fit("chinchilla", obs); },
                                {"row 7 (0-based)", "C = 6ND", "N = 1e+308",
                                 "D = 1e+300", "not a finite number of FLOPs"});
  // Under the kaplan convention (attention FLOPs) the same row.
  FitOptions o;
  o.flop_convention = "kaplan";
  // Chinchilla 70B (Hoffmann et al. 2022, Table 4).
  o.architecture = flops::Architecture{80, 8192, 64, 0, 4.0, 32000, 2048, 128};
  ExpectThrows<InvalidArgument>([&] { Fit("chinchilla", obs, o); },
                                {"row 7 (0-based)", "not a finite number"});
  // The largest products a double holds still fit.
  Observations big = Data();
  for (int i = 0; i < big.num_rows(); ++i) big.x[2 * i] *= 1e140;
  EXPECT_NO_THROW(Fit("chinchilla", big));
}

// A forecast at finite inputs whose compute overflows (N = D = 1e200, C =
// 6e400): an error naming the inputs row and its values, from every forecast
// that measures the distance beyond the data.
TEST(HostileSilent, ForecastWhoseComputeOverflowsNamesTheInputsRow) {
  const FitResult r = Fit("chinchilla", Data());
  const std::vector<double> x = {1e9, 1e11, 1e200, 1e200};
  ExpectThrows<InvalidArgument>(
      [&] { r.DecadesBeyondData(x); },
      {"inputs row 1 (0-based)", "C = 6ND of N = 1e+200, D = 1e+200",
       "not a finite number of FLOPs"});
  ExpectThrows<InvalidArgument>([&] { r.ExtrapolationWarning(x, 1.0); },
                                {"inputs row 1 (0-based)"});
  // One row below the overflow is a finite distance: 6e307 FLOPs.
  const std::vector<double> d = r.DecadesBeyondData({1e154, 1e153});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(std::isfinite(d[0]));
  EXPECT_NEAR(d[0], std::log10(6e307 / r.data_summary.compute_max), 1e-12);
}

TEST(HostileSilent, HugeButValidWeightsGiveTheSameFit) {
  const Observations obs = Data();
  const FitResult one = Fit("chinchilla", obs);
  Observations heavy = obs;
  heavy.weights.assign(obs.num_rows(), 1e308);
  const FitResult big = Fit("chinchilla", heavy);
  ASSERT_TRUE(big.converged) << big.message;
  // Equal weights normalise to exactly 1: the same problem, bit for bit.
  for (int k = 0; k < 5; ++k)
    EXPECT_EQ(big.params[k].value, one.params[k].value) << big.params[k].name;
  EXPECT_NEAR(big.objective / one.objective, 1e308, 1e-6 * 1e308);
  // Weights spanning 1e-300 .. 1e308: finite, and the rows of weight 1e-300
  // count for nothing (relative weight 1e-608 underflows to 0): the fit of
  // the heavy rows alone.
  Observations mixed = obs, heavy_rows;
  std::vector<double> N, D, L;
  mixed.weights.resize(obs.num_rows());
  for (int i = 0; i < obs.num_rows(); ++i) {
    mixed.weights[i] = i % 2 == 0 ? 1e308 : 1e-300;
    if (i % 2 == 0) {
      N.push_back(obs.x[2 * i]);
      D.push_back(obs.x[2 * i + 1]);
      L.push_back(obs.loss[i]);
    }
  }
  const FitResult m = Fit("chinchilla", mixed);
  const FitResult even =
      Fit("chinchilla", MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, L));
  ASSERT_TRUE(std::isfinite(m.objective)) << m.message;
  for (int k = 0; k < 5; ++k)
    EXPECT_NEAR(m.params[k].value, even.params[k].value,
                1e-6 * std::abs(even.params[k].value))
        << m.params[k].name;
}

TEST(HostileSilent, EqualBoundsHoldTheParameter) {
  const Observations obs = Data();
  for (const char* name : {"alpha", "E"}) {
    FitOptions o;
    const double v = std::string(name) == "E" ? 1.69 : 0.34;
    o.bounds[name] = {v, v};
    const FitResult r = Fit("chinchilla", obs, o);
    EXPECT_TRUE(r.converged) << name << ": " << r.message;
    EXPECT_TRUE(std::isfinite(r.objective));
    EXPECT_EQ(r.param(name), v);
    // The same as fixing it there.
    FitOptions f;
    f.fixed = {name};
    f.init[name] = v;
    const FitResult g = Fit("chinchilla", obs, f);
    for (int k = 0; k < 5; ++k)
      EXPECT_NEAR(r.params[k].value, g.params[k].value,
                  1e-8 * std::abs(g.params[k].value));
  }
}

TEST(HostileSilent, AFunctionLawCardReloadsWithTheLawOrSaysWhy) {
  LawInfo info;
  info.name = "fn";
  info.formula = "E + A / N^alpha";
  info.input_names = {"N"};
  info.params =
      MakeParamInfos("fn", {"E", "A", "alpha"}, {"E", "A"}, {}, {}, {}, {});
  const LawPtr law = MakeNumericLaw(
      info, [](const double* p, const double* x, int n, double* out) {
        for (int i = 0; i < n; ++i) out[i] = p[0] + p[1] / std::pow(x[i], p[2]);
      });
  std::vector<double> N, L;
  for (int i = 0; i < 12; ++i) {
    N.push_back(1e6 * std::pow(2.0, i));
    L.push_back(1.7 + 400.0 / std::pow(N.back(), 0.3));
  }
  const FitResult r = Fit(law, MakeObservations({"N"}, {{"N", N}}, L));
  const std::string card = FitCardToString(r);
  EXPECT_NE(card.find("\"kind\": \"function\""), std::string::npos);
  ExpectThrows<InvalidArgument>(
      [&] { FitCardFromString(card); },
      {"law.definition.kind", "defined by a function",
       "FitCardLoadOptions::law", "scalefit.load(path, law=...)"});
  FitCardLoadOptions with;
  with.law = law;
  const FitResult back = FitCardFromString(card, "<string>", with);
  for (int k = 0; k < 3; ++k)
    EXPECT_EQ(back.params[k].value, r.params[k].value);
  with.law = GetLaw("power_law");
  ExpectThrows<InvalidArgument>([&] { FitCardFromString(card, "c", with); },
                                {"is not the card's law 'fn'"});
}

// --- fit cards: limits and clear errors -------------------------------------

class HostileCard : public ::testing::Test {
 protected:
  void SetUp() override {
    fit_ = Fit("chinchilla", Data());
    text_ = FitCardToString(fit_);
    dir_ = std::filesystem::temp_directory_path() / "scalefit_hostile_card";
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  FitResult fit_;
  std::string text_;
  std::filesystem::path dir_;
};

TEST_F(HostileCard, SizeAndDepthLimitsAreCheckedFirst) {
  FitCardLoadOptions o;
  o.max_bytes = 100;
  ExpectThrows<InvalidArgument>([&] { FitCardFromString(text_, "c.json", o); },
                                {"c.json", "more than the limit of 100 bytes",
                                 "FitCardLoadOptions::max_bytes"});
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_LT(SecondsOf([&] { FitCardFromString(deep); }), 1.0);
  ExpectThrows<InvalidArgument>(
      [&] { FitCardFromString(deep); },
      {"nested deeper than 32 levels", "FitCardLoadOptions::max_depth"});
  o = FitCardLoadOptions();
  o.max_depth = 3;  // a card nests 4 levels
  ExpectThrows<InvalidArgument>([&] { FitCardFromString(text_, "c", o); },
                                {"max_depth"});
}

TEST_F(HostileCard, DuplicateKeysAndNonUtf8AreRefusedWithThePlace) {
  const size_t at = text_.find("\"value\": ");
  ASSERT_NE(at, std::string::npos);
  const std::string dup =
      text_.substr(0, at) + "\"value\": 0.5, " + text_.substr(at);
  ExpectThrows<InvalidArgument>(
      [&] { FitCardFromString(dup, "d.json"); },
      {"d.json: parameters[0]: duplicate key 'value'"});
  std::string bad = text_;
  bad.replace(bad.find("converged\""), 1, "\xff");
  ExpectThrows<InvalidArgument>(
      [&] { FitCardFromString(bad, "b.json"); },
      {"b.json: not UTF-8 text: byte 0xFF at line", ", column"});
}

TEST_F(HostileCard, PathsThatAreNotCardsSaySo) {
  ExpectThrows<InvalidArgument>([&] { LoadFitCard(dir_.string()); },
                                {"is a directory"});
  ExpectThrows<InvalidArgument>([&] { LoadFitCard("/dev/zero"); },
                                {"/dev/zero", "is not a regular file"});
  ExpectThrows<InvalidArgument>(
      [&] { LoadFitCard((dir_ / "missing.json").string()); },
      {"does not exist"});
  const std::string p = (dir_ / "card.json").string();
  const std::string nul = p + std::string("\0.junk", 6);
  ExpectThrows<InvalidArgument>([&] { SaveFitCard(fit_, nul); },
                                {"contains a NUL byte at position"});
  EXPECT_FALSE(std::filesystem::exists(p));  // not written to the cut path
  SaveFitCard(fit_, p);
  ExpectThrows<InvalidArgument>([&] { LoadFitCard(nul); },
                                {"contains a NUL byte"});
  FitCardLoadOptions small;
  small.max_bytes = 10;
  ExpectThrows<InvalidArgument>(
      [&] { LoadFitCard(p, small); },
      {"more than the limit of 10 bytes", "not read"});
}

// --- unclear errors ---------------------------------------------------------

TEST(HostileErrors, AllocationAtAVanishingExponentNamesIt) {
  for (double alpha : {0.0, 1e-300}) {
    const FitResult r = FromParams(GetLaw("chinchilla"), {{"E", 1.69},
                                                          {"A", 406.4},
                                                          {"B", 410.7},
                                                          {"alpha", alpha},
                                                          {"beta", 0.28}});
    ExpectThrows<NotIdentified>(
        [&] { ComputeOptimal(r, 1e24); },
        {"alpha = ", "is (numerically) 0", "does not improve with N"});
  }
}

}  // namespace
}  // namespace scalefit
