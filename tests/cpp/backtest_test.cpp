// Tests for scalefit/backtest.hpp. Truth: planted Chinchilla data (known
// parameters, known noise), the Epoch AI digitisation of the Chinchilla runs
// with a reference figure computed independently (scipy, see
// ../shared/data/epoch-chinchilla/SOURCE.md), and counts/coverage recomputed
// here from the definitions.

#include "scalefit/backtest.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/datasets.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"

namespace scalefit {
namespace {

constexpr double kE = 1.69337, kA = 406.4, kB = 410.7, kAlpha = 0.33917084,
                 kBeta = 0.2849083;

double Truth(double N, double D) {
  return kE + kA / std::pow(N, kAlpha) + kB / std::pow(D, kBeta);
}

// isoFLOP design: 9 budgets 1e18..1e22, 9 model sizes per budget (1/10 to
// 10x the 20-tokens-per-parameter size); multiplicative noise.
Observations IsoFlop(double noise, unsigned seed = 11) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<double> N, D, loss;
  for (int c = 0; c < 9; ++c) {
    const double C = std::pow(10.0, 18.0 + 0.5 * c);
    const double n20 = std::sqrt(C / (6.0 * 20.0));
    for (int f = 0; f < 9; ++f) {
      const double n = n20 * std::pow(10.0, -1.0 + 0.25 * f);
      N.push_back(n);
      D.push_back(C / (6.0 * n));
      loss.push_back(Truth(N.back(), D.back()) * std::exp(noise * z(rng)));
    }
  }
  return MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, loss);
}

void ExpectInvalid(const std::function<void()>& fn,
                   const std::vector<std::string>& needles) {
  try {
    fn();
    ADD_FAILURE() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    for (const auto& s : needles)
      EXPECT_NE(what.find(s), std::string::npos) << what << " lacks " << s;
  }
}

TEST(BacktestTest, PlantedIsoFlopExtrapolatesWell) {
  const Observations data = IsoFlop(0.005);
  BacktestOptions o;
  o.interval_level = 0.9;
  // A deliberately simple interval: ±1.645 · 0.5 % (the planted noise) in
  // log space — the interval a perfect model with known noise would give.
  o.intervals = [](const FitResult& fit, const std::vector<double>& x,
                   double level, std::vector<double>* lo,
                   std::vector<double>* hi) {
    EXPECT_DOUBLE_EQ(level, 0.9);
    const std::vector<double> pred = fit.Predict(x);
    for (double p : pred) {
      lo->push_back(p * std::exp(-1.6448536269514722 * 0.005));
      hi->push_back(p * std::exp(1.6448536269514722 * 0.005));
    }
  };
  const BacktestResult r = Backtest(GetLaw("chinchilla"), data, o);
  // Default threshold: max C / 10 = 1e21 (the top decade, 27 runs).
  EXPECT_NEAR(r.threshold / 1e21, 1.0, 1e-8);
  EXPECT_EQ(r.split, "C = 6ND");
  const BacktestFold& f = r.split_fold();
  EXPECT_EQ(f.num_train, 54);
  EXPECT_EQ(f.num_test, 27);
  EXPECT_NEAR(f.max_distance_decades, 1.5, 1e-9);
  // 0.5 % noise: errors against the noisy observations are about the noise.
  EXPECT_LT(r.mean_are(), 0.008) << r.FullReport();
  EXPECT_LT(r.max_are(), 0.025) << r.FullReport();
  EXPECT_LT(r.mean_are(), f.baseline.mean_are / 5) << r.FullReport();
  // Against the noise-free truth the extrapolation is tighter still.
  double mean_truth_err = 0;
  for (const auto& run : r.FoldRuns(0))
    mean_truth_err += std::abs(run.predicted / Truth(run.x[0], run.x[1]) - 1);
  mean_truth_err /= f.num_test;
  EXPECT_LT(mean_truth_err, 0.004);
  // Intervals at the true noise level cover about 90 %.
  ASSERT_TRUE(r.has_intervals);
  EXPECT_GE(r.coverage(), 0.7) << r.FullReport();
  int covered = 0;
  for (const auto& run : r.FoldRuns(0))
    covered += run.lower <= run.observed && run.observed <= run.upper;
  EXPECT_DOUBLE_EQ(r.coverage(), static_cast<double>(covered) / f.num_test);
  EXPECT_TRUE(f.fit.diagnostics.identified);
}

TEST(BacktestTest, MetricsFollowTheirDefinitions) {
  const BacktestResult r = Backtest(GetLaw("chinchilla"), IsoFlop(0.005));
  const auto runs = r.FoldRuns(0);
  double sum = 0, mx = 0, sq = 0, bsum = 0;
  double best_train = 1e300;
  const Observations data = IsoFlop(0.005);
  for (int i = 0; i < data.num_rows(); ++i)
    if (6.0 * data.row(i)[0] * data.row(i)[1] < r.threshold)
      best_train = std::min(best_train, data.loss[i]);
  for (const auto& run : runs) {
    const double are = std::abs(run.predicted - run.observed) / run.observed;
    sum += are;
    mx = std::max(mx, are);
    sq += std::pow(std::log(run.predicted) - std::log(run.observed), 2);
    EXPECT_DOUBLE_EQ(run.baseline, best_train);
    bsum += std::abs(best_train - run.observed) / run.observed;
  }
  const double n = static_cast<double>(runs.size());
  EXPECT_NEAR(r.mean_are(), sum / n, 1e-15);
  EXPECT_DOUBLE_EQ(r.max_are(), mx);
  EXPECT_NEAR(r.rmsle(), std::sqrt(sq / n), 1e-15);
  EXPECT_NEAR(r.split_fold().baseline.mean_are, bsum / n, 1e-15);
  EXPECT_TRUE(std::isnan(r.coverage()));  // no interval function
}

TEST(BacktestTest, RollingOriginAndDistanceBins) {
  const BacktestResult r = Backtest(GetLaw("chinchilla"), IsoFlop(0.005));
  const Observations data = IsoFlop(0.005);
  int rolling = 0;
  for (size_t f = 0; f < r.folds.size(); ++f) {
    const BacktestFold& g = r.folds[f];
    if (g.kind != "rolling") continue;
    ++rolling;
    int below = 0;
    for (int i = 0; i < data.num_rows(); ++i)
      below += 6.0 * data.row(i)[0] * data.row(i)[1] < g.threshold;
    EXPECT_EQ(g.num_train, below);
    EXPECT_EQ(g.num_test, data.num_rows() - below);
    EXPECT_GE(g.num_train, 6);
    EXPECT_GE(g.num_test, 6);
  }
  // Thresholds 1e22/10^(0.5 j): j = 1..6 leave >= 6 runs on each side
  // (j = 6 trains on the 1e18 and 3.16e18 budgets: 18 runs).
  EXPECT_EQ(rolling, 6);
  ASSERT_FALSE(r.by_distance.empty());
  int binned = 0;
  for (const auto& b : r.by_distance) {
    EXPECT_NEAR(b.hi - b.lo, 0.5, 1e-12);
    binned += b.metrics.n;
  }
  int rolling_runs = 0;
  for (const auto& run : r.runs)
    rolling_runs += r.folds[run.fold].kind == "rolling";
  EXPECT_EQ(binned, rolling_runs);
  const std::string rep = r.FullReport();
  EXPECT_NE(rep.find("rolling origin"), std::string::npos);
  EXPECT_NE(rep.find("baseline"), std::string::npos);
  EXPECT_NE(rep.find("error vs extrapolation distance"), std::string::npos);
}

TEST(BacktestTest, LeaveOutTheLargestModelSize) {
  const Observations data = IsoFlop(0.005);
  const BacktestResult r = Backtest(GetLaw("chinchilla"), data);
  EXPECT_EQ(r.group_by, "N");
  double nmax = 0;
  for (int i = 0; i < data.num_rows(); ++i)
    nmax = std::max(nmax, data.row(i)[0]);
  int logo = -1;
  for (size_t f = 0; f < r.folds.size(); ++f)
    if (r.folds[f].kind == "leave_group_out") logo = static_cast<int>(f);
  ASSERT_GE(logo, 0);
  EXPECT_DOUBLE_EQ(r.folds[logo].group_value, nmax);
  int count = 0;
  for (int i = 0; i < data.num_rows(); ++i) count += data.row(i)[0] == nmax;
  EXPECT_EQ(r.folds[logo].num_test, count);
  for (const auto& run : r.FoldRuns(logo)) EXPECT_DOUBLE_EQ(run.x[0], nmax);
  EXPECT_LT(r.folds[logo].metrics.mean_are, 0.02);
}

// Epoch AI's digitisation of the Chinchilla runs (240 rows): fit on
// C < 1e21 (217 runs), score the 23 runs with C >= 1e21. A reference helper
// (scipy L-BFGS-B on the Hoffmann grid, huber_log, delta 1e-3) got
// mean ARE 1.05 %, max 2.78 % and A=342.80, B=3818.28, E=1.8205,
// alpha=0.3271, beta=0.3961 (../shared/data/epoch-chinchilla/SOURCE.md).
TEST(BacktestTest, EpochChinchillaBelow1e21) {
  const Observations data = datasets::ChinchillaObservations();
  BacktestOptions o;
  o.threshold = 1e21;
  o.rolling = false;
  o.leave_group_out = false;
  const BacktestResult r = Backtest(GetLaw("chinchilla"), data, o);
  const BacktestFold& f = r.split_fold();
  EXPECT_EQ(f.num_train, 217);
  EXPECT_EQ(f.num_test, 23);
  ASSERT_TRUE(f.fit.converged) << f.fit.message;
  EXPECT_NEAR(f.fit.param("alpha"), 0.3271, 0.002);
  EXPECT_NEAR(f.fit.param("beta"), 0.3961, 0.002);
  EXPECT_NEAR(f.fit.param("E"), 1.8205, 0.002);
  EXPECT_NEAR(r.mean_are(), 0.0105, 0.0005) << r.FullReport();
  EXPECT_NEAR(r.max_are(), 0.0278, 0.0005) << r.FullReport();
  EXPECT_LT(r.mean_are(), f.baseline.mean_are);
  std::printf(
      "Epoch C<1e21: mean ARE %.17g, max ARE %.17g, RMSLE %.17g, "
      "baseline mean ARE %.17g\n",
      r.mean_are(), r.max_are(), r.rmsle(), f.baseline.mean_are);
}

TEST(BacktestTest, ThresholdLeavingTooFewRunsIsAClearError) {
  const Observations data = IsoFlop(0.005);
  // Only the 1e18 budget (9 runs)... fine; only 4 runs below: too few.
  BacktestOptions o;
  o.threshold = 6.0 * 1.0;  // below every run: 0 training runs
  ExpectInvalid([&] { Backtest(GetLaw("chinchilla"), data, o); },
                {"threshold", "0 runs below it", "free parameters + 1 = 6",
                 "valid thresholds lie in"});
  o.threshold = 1e30;  // above every run: 0 held out
  ExpectInvalid([&] { Backtest(GetLaw("chinchilla"), data, o); },
                {"81 runs below it", "0 at or above it"});
  // 3 runs held out at the top budget is too few for 5 free parameters.
  std::vector<double> N, D, loss;
  for (int i = 0; i < 9; ++i) {
    N.push_back(std::pow(10.0, 8 + 0.25 * i));
    D.push_back(20.0 * N.back() * std::pow(10.0, 0.3 * (i % 3) - 0.3));
    loss.push_back(Truth(N.back(), D.back()));
  }
  const Observations small =
      MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, loss);
  o.threshold = 6.0 * N[6] * D[6] * 0.999;
  ExpectInvalid([&] { Backtest(GetLaw("chinchilla"), small, o); },
                {"each side needs at least", "no threshold can"});
  o.threshold = std::nan("");
  o.rolling_thresholds = {-1.0};
  ExpectInvalid([&] { Backtest(GetLaw("chinchilla"), data, o); },
                {"rolling threshold"});
  BacktestOptions bad_split;
  bad_split.split = "tokens";
  EXPECT_THROW(Backtest(GetLaw("chinchilla"), data, bad_split), UnknownName);
  BacktestOptions bad_values;
  bad_values.split_values = {1.0, 2.0};
  ExpectInvalid([&] { Backtest(GetLaw("chinchilla"), data, bad_values); },
                {"split_values has 2 rows", "81"});
}

TEST(BacktestTest, EveryLawAndObjective) {
  // power_law on x (its only input is the "compute"), mse objective.
  std::vector<double> x, loss;
  for (int i = 0; i < 30; ++i) {
    x.push_back(std::pow(10.0, 15 + 6.0 * i / 29.0));
    loss.push_back(40.0 * std::pow(x.back(), -0.08));
  }
  BacktestOptions o;
  o.fit.objective = Objective::kMse;
  const BacktestResult r = Backtest(
      GetLaw("power_law"), MakeObservations({"x"}, {{"x", x}}, loss), o);
  EXPECT_EQ(r.split, "x");
  EXPECT_EQ(r.objective, "mse");
  EXPECT_LT(r.max_are(), 1e-6) << r.FullReport();  // noise-free power law
  // saturating_power_law with mse_log and a group_by on the split quantity.
  std::vector<double> C, L2;
  for (int i = 0; i < 30; ++i) {
    C.push_back(std::pow(10.0, 18 + 5.0 * i / 29.0));
    L2.push_back(1.7 + 3000.0 * std::pow(C.back(), -0.15));
  }
  BacktestOptions o2;
  o2.fit.objective = Objective::kMseLog;
  const BacktestResult r2 =
      Backtest(GetLaw("saturating_power_law"),
               MakeObservations({"C"}, {{"C", C}}, L2), o2);
  EXPECT_EQ(r2.split, "C");
  EXPECT_EQ(r2.group_by, "C");
  EXPECT_LT(r2.max_are(), 1e-5) << r2.FullReport();
}

TEST(BacktestTest, DeterministicAcrossThreadCounts) {
  const Observations data = IsoFlop(0.005);
  BacktestOptions o1, o2;
  o2.num_threads = 2;
  const BacktestResult a = Backtest(GetLaw("chinchilla"), data, o1);
  const BacktestResult b = Backtest(GetLaw("chinchilla"), data, o2);
  ASSERT_EQ(a.runs.size(), b.runs.size());
  for (size_t i = 0; i < a.runs.size(); ++i)
    EXPECT_EQ(a.runs[i].predicted, b.runs[i].predicted);
  EXPECT_EQ(a.FullReport(), b.FullReport());
}

TEST(BacktestTest, FromAFitUsesItsRecipe) {
  FitOptions fo;
  fo.objective = Objective::kMseLog;
  const FitResult fit = Fit("chinchilla", IsoFlop(0.005), fo);
  const BacktestResult r = Backtest(fit);
  EXPECT_EQ(r.objective, "mse_log");
  EXPECT_EQ(r.split_fold().fit.options.objective, Objective::kMseLog);
  const FitResult given = FromParams(
      GetLaw("chinchilla"),
      {{"E", kE}, {"A", kA}, {"B", kB}, {"alpha", kAlpha}, {"beta", kBeta}});
  ExpectInvalid([&] { Backtest(given); }, {"no data"});
}

TEST(SensitivityTest, ObjectivesOnPlantedData) {
  const FitResult fit = Fit("chinchilla", IsoFlop(0.005));
  const SensitivityPanel p = Sensitivity(fit, 1e24);
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_EQ(p.rows[0].objective, "huber_log");
  EXPECT_EQ(p.rows[1].objective, "mse_log");
  EXPECT_EQ(p.rows[2].objective, "mse");
  for (const auto& row : p.rows) {
    // a against its closed form beta / (alpha + beta) (Hoffmann et al.
    // 2022, Eq. 4) from the row's own parameters.
    const double al = row.fit.param("alpha"), be = row.fit.param("beta");
    EXPECT_NEAR(row.a, be / (al + be), 1e-6) << row.objective;
    // N_opt = G (C/6)^a, G = (alpha A / (beta B))^(1/(alpha+beta)).
    const double G = std::pow(
        al * row.fit.param("A") / (be * row.fit.param("B")), 1.0 / (al + be));
    EXPECT_NEAR(row.N_opt / (G * std::pow(1e24 / 6.0, be / (al + be))), 1.0,
                1e-9);
    // Planted a = 0.2849 / (0.3392 + 0.2849) = 0.4565.
    EXPECT_NEAR(row.a, kBeta / (kAlpha + kBeta), 0.03) << row.objective;
  }
  EXPECT_GE(p.N_opt_ratio, 1.0);
  EXPECT_GE(p.a_spread, 0.0);
  EXPECT_NE(p.FullReport().find("huber_log"), std::string::npos);
}

TEST(SensitivityTest, RefusesUnidentifiedUnlessAllowed) {
  std::vector<double> N, D, loss;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z(0.0, 1.0);
  for (int i = 0; i < 40; ++i) {
    N.push_back(std::pow(10.0, 7.5 + 2.5 * i / 39.0));
    D.push_back(20.0 * N.back());
    loss.push_back(Truth(N.back(), D.back()) * std::exp(0.005 * z(rng)));
  }
  const FitResult fit = Fit(
      "chinchilla", MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, loss));
  EXPECT_THROW(Sensitivity(fit, 1e24), NotIdentified);
  const SensitivityPanel p =
      Sensitivity(fit, 1e24, {Objective::kHuberLog}, true);
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_NE(p.rows[0].note.find("not identified"), std::string::npos)
      << p.rows[0].note;
  ExpectInvalid([&] { Sensitivity(fit, -1.0, {}, true); }, {"budget"});
}

}  // namespace
}  // namespace scalefit
