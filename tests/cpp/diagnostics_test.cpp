// Tests for scalefit/diagnostics.hpp. Truth is planted: data are generated
// from known parameters with a known design, so whether the design can
// identify the law is known in advance (isoFLOP: yes; one tokens-per-
// parameter ratio: no; two model sizes: no; a floor reached by the data:
// the floor sits at the smallest loss).

#include "scalefit/diagnostics.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/detail/stats.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"

namespace scalefit {
namespace {

// Hoffmann et al. 2022 unrounded values (Chinchilla TeX source, see
// ../shared/data/epoch-chinchilla/SOURCE.md).
constexpr double kE = 1.69337, kA = 406.4, kB = 410.7, kAlpha = 0.33917084,
                 kBeta = 0.2849083;

double Truth(double N, double D) {
  return kE + kA / std::pow(N, kAlpha) + kB / std::pow(D, kBeta);
}

// Multiplicative log-normal noise of relative size `noise`, fixed seed.
Observations Make(const std::vector<double>& N, const std::vector<double>& D,
                  double noise, unsigned seed = 7) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<double> loss;
  for (size_t i = 0; i < N.size(); ++i)
    loss.push_back(Truth(N[i], D[i]) * std::exp(noise * z(rng)));
  return MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, loss);
}

// isoFLOP design: 9 budgets 1e18..1e22 (half-decade steps), 9 model sizes
// per budget from 1/10 to 10x the 20-tokens-per-parameter size.
Observations IsoFlop(double noise) {
  std::vector<double> N, D;
  for (int c = 0; c < 9; ++c) {
    const double C = std::pow(10.0, 18.0 + 0.5 * c);
    const double n20 = std::sqrt(C / (6.0 * 20.0));
    for (int f = 0; f < 9; ++f) {
      const double n = n20 * std::pow(10.0, -1.0 + 0.25 * f);
      N.push_back(n);
      D.push_back(C / (6.0 * n));
    }
  }
  return Make(N, D, noise);
}

// Every run at D = 20 N, N from 10^7.5 to 10^10.
Observations TwentyTokensPerParam(double noise) {
  std::vector<double> N, D;
  for (int i = 0; i < 40; ++i) {
    const double n = std::pow(10.0, 7.5 + 2.5 * i / 39.0);
    N.push_back(n);
    D.push_back(20.0 * n);
  }
  return Make(N, D, noise);
}

// More rows than one block of the Jacobian (8192): the blocked R factor
// gives the condition number of the whole scaled Jacobian, and the
// diagnostics and the data summary are the same on 1 and 3 threads.
// Distinct counts (detail::CountDistinct, behind every num_distinct) by
// construction: k groups of values, each value repeated and nudged within
// the 1e-9 relative tolerance, the groups 1e-6 apart, shuffled; from few
// values (one sort) to 3e5 (another), with ±0, and with values that are not
// finite.
TEST(DiagnosticsTest, DistinctCountsByConstruction) {
  std::mt19937_64 rng(11);
  for (int k : {1, 7, 300, 100000}) {
    std::vector<double> v;
    for (int g = 0; g < k; ++g) {
      const double base = 1e7 * std::pow(1.0 + 1e-6, g) * (g % 2 ? -1.0 : 1.0);
      for (int c = 0; c < 3; ++c) v.push_back(base * (1.0 + 2e-10 * c));
    }
    std::shuffle(v.begin(), v.end(), rng);
    EXPECT_EQ(detail::CountDistinct(v), k) << k << " groups";
  }
  std::vector<double> zeros(500, 0.0);
  for (size_t i = 0; i < zeros.size(); i += 2) zeros[i] = -0.0;
  zeros.push_back(1.0);
  EXPECT_EQ(detail::CountDistinct(zeros), 2);
  // Not finite (never after validation): the rule on std::sort's order,
  // under which +inf does not differ from the largest finite value by more
  // than inf × 1e-9.
  std::vector<double> with_inf(1000);
  for (int i = 0; i < 1000; ++i) with_inf[i] = 1.0 + i % 10;
  with_inf[3] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(detail::CountDistinct(with_inf), 10);
  EXPECT_EQ(detail::CountDistinct({}), 0);
}

TEST(DiagnosticsTest, BlockedJacobianAndThreadCountIndependence) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> N, D;
  for (int i = 0; i < 20001; ++i) {
    N.push_back(std::pow(10.0, 7.0 + 3.0 * u(rng)));
    D.push_back(N.back() * std::pow(10.0, 0.5 + 2.0 * u(rng)));
  }
  const Observations obs = Make(N, D, 0.01);
  const FitResult fit = Fit("chinchilla", obs);
  ASSERT_TRUE(fit.converged) << fit.message;
  // The scaled Jacobian whole (unit weights, log space, ∂/∂ log p for the
  // positive parameters), its condition number by a direct SVD.
  const LawPtr law = GetLaw("chinchilla");
  const std::vector<double> p = fit.values();
  Eigen::MatrixXd J(obs.num_rows(), 5);
  std::vector<double> grad(5);
  double rss = 0.0;
  for (int i = 0; i < obs.num_rows(); ++i) {
    const double v = law->ValueAndGradient(p.data(), obs.row(i), grad.data());
    rss += std::pow(std::log(v) - std::log(obs.loss[i]), 2);
    for (int k = 0; k < 5; ++k)
      J(i, k) = grad[k] / v * (law->info().params[k].positive ? p[k] : 1.0);
  }
  for (int k = 0; k < 5; ++k) J.col(k) /= J.col(k).norm();
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(J);
  const double cond = svd.singularValues()[0] /
                      svd.singularValues()[svd.singularValues().size() - 1];
  const Diagnostics one = Diagnose(*law, obs, fit.params, Objective::kHuberLog,
                                   true, "", nullptr, nullptr, 1);
  EXPECT_NEAR(one.condition_number, cond, 1e-8 * cond);
  // The residual scale over every row (20 001 rows: taken in two halves).
  const double sigma = std::sqrt(rss / (obs.num_rows() - 5));
  EXPECT_NEAR(one.sigma, sigma, 1e-12 * sigma);
  EXPECT_NEAR(fit.diagnostics.sigma, sigma, 1e-12 * sigma);
  EXPECT_NEAR(fit.diagnostics.condition_number, cond, 1e-8 * cond);
  const DataSummary summary = Summarize(obs, nullptr, 1);
  const DataSummary summary3 = Summarize(obs, nullptr, 3);
  EXPECT_EQ(summary3.hash, summary.hash);
  EXPECT_EQ(summary3.num_distinct, summary.num_distinct);
  EXPECT_EQ(summary3.min, summary.min);
  EXPECT_EQ(summary3.max, summary.max);
  for (const DataSummary* given :
       {static_cast<const DataSummary*>(nullptr), &summary}) {
    const Diagnostics three =
        Diagnose(*law, obs, fit.params, Objective::kHuberLog, true, "", nullptr,
                 given, 3);
    EXPECT_EQ(three.num_distinct, one.num_distinct);
    EXPECT_EQ(three.num_distinct_compute, one.num_distinct_compute);
    EXPECT_EQ(three.tokens_per_param_median, one.tokens_per_param_median);
    EXPECT_EQ(three.condition_number, one.condition_number);
    EXPECT_EQ(three.exponent_rel_se, one.exponent_rel_se);
    EXPECT_EQ(three.sigma, one.sigma);
    EXPECT_EQ(three.WarningText(), one.WarningText());
    ASSERT_EQ(three.correlations.size(), one.correlations.size());
    for (size_t c = 0; c < one.correlations.size(); ++c)
      EXPECT_EQ(three.correlations[c].value, one.correlations[c].value);
  }
}

TEST(DiagnosticsTest, IsoFlopDesignIsIdentified) {
  const FitResult r = Fit("chinchilla", IsoFlop(0.005));
  ASSERT_TRUE(r.converged) << r.message;
  const Diagnostics& d = r.diagnostics;
  ASSERT_TRUE(d.computed);
  EXPECT_TRUE(d.identified) << d.FullReport();
  EXPECT_EQ(d.num_points, 81);
  EXPECT_EQ(d.num_free_params, 5);
  EXPECT_EQ(d.num_distinct_compute, 9);
  EXPECT_NEAR(d.compute_span_decades, 4.0, 1e-9);
  // D/N ranges over 20 * 10^(±2) = 0.2 .. 2000: 4 decades.
  EXPECT_NEAR(d.tokens_per_param_min, 0.2, 1e-9);
  EXPECT_NEAR(d.tokens_per_param_max, 2000.0, 1e-6);
  EXPECT_NEAR(d.tokens_per_param_spread_decades, 4.0, 1e-9);
  EXPECT_FALSE(d.HasWarning("single_ratio"));
  EXPECT_FALSE(d.HasWarning("unidentified"));
  EXPECT_FALSE(d.HasWarning("at_bound"));
  EXPECT_FALSE(d.HasWarning("floor_at_min_loss"));
  EXPECT_EQ(d.floor_name, "E");
  EXPECT_LT(d.condition_number, 1e6);
  ASSERT_EQ(d.exponent_names.size(), 2u);
  for (double se : d.exponent_rel_se) EXPECT_LT(se, 0.25);
  // Correlations sorted by |value|, within [-1, 1], 10 pairs for 5 params.
  ASSERT_EQ(d.correlations.size(), 10u);
  for (size_t k = 1; k < d.correlations.size(); ++k)
    EXPECT_GE(std::abs(d.correlations[k - 1].value),
              std::abs(d.correlations[k].value));
  EXPECT_NO_THROW(RequireIdentified(r, false));
  EXPECT_EQ(UnidentifiedNote(r), "");
  EXPECT_NE(r.FullReport().find("diagnostics"), std::string::npos);
}

// The condition number against an independent computation: a central
// finite-difference Jacobian of log L in (log E, log A, log B, alpha, beta).
TEST(DiagnosticsTest, ConditionNumberMatchesFiniteDifferences) {
  const FitResult r = Fit("chinchilla", IsoFlop(0.005));
  const Observations& obs = *r.data;
  const std::vector<double> p = r.values();
  const int n = obs.num_rows();
  Eigen::MatrixXd J(n, 5);
  auto logL = [&](const std::vector<double>& q, int i) {
    const double N = obs.row(i)[0], D = obs.row(i)[1];
    return std::log(q[0] + q[1] * std::pow(N, -q[3]) +
                    q[2] * std::pow(D, -q[4]));
  };
  for (int k = 0; k < 5; ++k) {
    const double h = 1e-6;
    std::vector<double> up = p, dn = p;
    if (k < 3) {  // positive scales: step in log p
      up[k] = p[k] * std::exp(h);
      dn[k] = p[k] * std::exp(-h);
    } else {
      up[k] = p[k] + h;
      dn[k] = p[k] - h;
    }
    for (int i = 0; i < n; ++i) J(i, k) = (logL(up, i) - logL(dn, i)) / (2 * h);
  }
  for (int k = 0; k < 5; ++k) J.col(k) /= J.col(k).norm();
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(J);
  const auto s = svd.singularValues();
  const double expected = s[0] / s[4];
  EXPECT_NEAR(r.diagnostics.condition_number / expected, 1.0, 1e-4);
}

TEST(DiagnosticsTest, SingleTokensPerParamRatioIsNotIdentified) {
  const FitResult r = Fit("chinchilla", TwentyTokensPerParam(0.005));
  const Diagnostics& d = r.diagnostics;
  ASSERT_TRUE(d.computed);
  EXPECT_FALSE(d.identified) << d.FullReport();
  ASSERT_TRUE(d.HasWarning("single_ratio")) << d.FullReport();
  EXPECT_NEAR(d.tokens_per_param_median, 20.0, 1e-9);
  EXPECT_NEAR(d.tokens_per_param_spread_decades, 0.0, 1e-12);
  std::string msg;
  for (const auto& w : d.warnings)
    if (w.code == "single_ratio") msg = w.message;
  EXPECT_NE(msg.find("~20 tokens per parameter"), std::string::npos) << msg;
  EXPECT_NE(msg.find("alpha and beta"), std::string::npos) << msg;
  EXPECT_NE(msg.find("other ratios"), std::string::npos) << msg;
  // Refused without opt-in, allowed with it.
  try {
    RequireIdentified(r, false);
    ADD_FAILURE() << "expected NotIdentified";
  } catch (const NotIdentified& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("not identified"), std::string::npos) << what;
    EXPECT_NE(what.find("allow_unidentified"), std::string::npos) << what;
    EXPECT_NE(what.find("tokens per parameter"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(RequireIdentified(r, true));
  EXPECT_NE(UnidentifiedNote(r).find("not identified"), std::string::npos);
}

// Allocation refuses the same fit unless the caller opts in; the result then
// carries the warning.
TEST(DiagnosticsTest, AllocationRefusesUnidentifiedWithoutOptIn) {
  const FitResult r = Fit("chinchilla", TwentyTokensPerParam(0.005));
  EXPECT_THROW(ComputeOptimal(r, 1e24), NotIdentified);
  EXPECT_THROW(ComputeOptimal(r, std::vector<double>{1e23, 1e24}),
               NotIdentified);
  EXPECT_THROW(LossToCompute(r, 2.0), NotIdentified);
  AllocationOptions o;
  o.allow_unidentified = true;
  const Allocation a = ComputeOptimal(r, 1e24, FlopModel::SixND(), o);
  EXPECT_NE(a.warning.find("not identified"), std::string::npos);
  const AllocationTable t =
      ComputeOptimal(r, std::vector<double>{1e24}, FlopModel::SixND(), o);
  EXPECT_NE(t.warning.find("not identified"), std::string::npos);
  EXPECT_NE(t.FullReport().find("not identified"), std::string::npos);
  const FitResult good = Fit("chinchilla", IsoFlop(0.005));
  EXPECT_EQ(ComputeOptimal(good, 1e24).warning, "");
}

// Noise-free data at one ratio: a perfect fit, still not identified (the
// noise floor of the standard error keeps it honest).
TEST(DiagnosticsTest, SingleRatioWithoutNoiseIsStillNotIdentified) {
  const FitResult r = Fit("chinchilla", TwentyTokensPerParam(0.0));
  EXPECT_FALSE(r.diagnostics.identified) << r.diagnostics.FullReport();
}

// Tying beta to alpha makes one exponent, which one ratio CAN identify.
TEST(DiagnosticsTest, TiedExponentsAtOneRatioAreIdentified) {
  FitOptions o;
  o.ties = {{"beta", "alpha"}};
  const FitResult r = Fit("chinchilla", TwentyTokensPerParam(0.005), o);
  EXPECT_FALSE(r.diagnostics.HasWarning("single_ratio"));
  EXPECT_EQ(r.diagnostics.num_free_params, 4);
  EXPECT_EQ(r.diagnostics.exponent_names, std::vector<std::string>{"alpha"});
}

TEST(DiagnosticsTest, TooFewModelSizes) {
  // Two model sizes, 12 token counts each.
  std::vector<double> N, D;
  for (double n : {1e8, 1e9})
    for (int j = 0; j < 12; ++j) {
      N.push_back(n);
      D.push_back(std::pow(10.0, 9.0 + 2.0 * j / 11.0));
    }
  const FitResult r = Fit("chinchilla", Make(N, D, 0.005));
  const Diagnostics& d = r.diagnostics;
  EXPECT_EQ(d.num_distinct[0], 2);
  EXPECT_EQ(d.num_distinct[1], 12);
  ASSERT_TRUE(d.HasWarning("few_distinct")) << d.FullReport();
  bool names_model_sizes = false;
  for (const auto& w : d.warnings)
    if (w.code == "few_distinct" &&
        w.message.find("2 distinct model sizes (N)") != std::string::npos)
      names_model_sizes = true;
  EXPECT_TRUE(names_model_sizes) << d.FullReport();
  // E, A and alpha act through 2 values of N: the Jacobian is singular.
  EXPECT_FALSE(d.identified) << d.FullReport();
  EXPECT_THROW(RequireIdentified(r, false), NotIdentified);
}

TEST(DiagnosticsTest, ParameterPinnedAtBound) {
  // True alpha = 0.339; the bound forbids it.
  FitOptions o;
  o.bounds["alpha"] = {0.45, 1.0};
  const FitResult r = Fit("chinchilla", IsoFlop(0.005), o);
  const Diagnostics& d = r.diagnostics;
  ASSERT_TRUE(r.params[3].at_bound) << r.FullReport();
  EXPECT_EQ(d.at_bound, std::vector<std::string>{"alpha"});
  ASSERT_TRUE(d.HasWarning("at_bound"));
  for (const auto& w : d.warnings)
    if (w.code == "at_bound") {
      EXPECT_NE(w.message.find("alpha"), std::string::npos);
      EXPECT_NE(w.message.find("lower bound 0.45"), std::string::npos)
          << w.message;
    }
  EXPECT_FALSE(d.identified);
}

TEST(DiagnosticsTest, FloorAtTheSmallestObservedLoss) {
  // L = 2 + 1000 C^-0.5 for C in 1e4..1e14: the largest runs are within
  // 1e-4 of the floor, so the fitted E sits at the smallest loss.
  std::vector<double> C, loss;
  for (int i = 0; i < 30; ++i) {
    const double c = std::pow(10.0, 4.0 + 10.0 * i / 29.0);
    C.push_back(c);
    loss.push_back(2.0 + 1000.0 * std::pow(c, -0.5));
  }
  const FitResult r =
      Fit("saturating_power_law", MakeObservations({"C"}, {{"C", C}}, loss));
  const Diagnostics& d = r.diagnostics;
  EXPECT_EQ(d.floor_name, "E");
  EXPECT_NEAR(d.floor_value, 2.0, 1e-3);
  EXPECT_NEAR(d.min_loss, 2.0 + 1000.0 * 1e-7, 1e-12);
  EXPECT_TRUE(d.floor_at_min_loss);
  EXPECT_TRUE(d.HasWarning("floor_at_min_loss")) << d.FullReport();
}

TEST(DiagnosticsTest, FloorWellBelowTheDataIsNotFlagged) {
  std::vector<double> C, loss;
  for (int i = 0; i < 30; ++i) {
    const double c = std::pow(10.0, 18.0 + 4.0 * i / 29.0);
    C.push_back(c);
    loss.push_back(1.7 + 3000.0 * std::pow(c, -0.15));
  }
  const FitResult r =
      Fit("saturating_power_law", MakeObservations({"C"}, {{"C", C}}, loss));
  EXPECT_FALSE(r.diagnostics.floor_at_min_loss) << r.diagnostics.FullReport();
  EXPECT_TRUE(r.diagnostics.identified) << r.diagnostics.FullReport();
}

TEST(DiagnosticsTest, FromParamsHasNoDiagnosticsAndPasses) {
  const FitResult r = FromParams(
      GetLaw("chinchilla"),
      {{"E", kE}, {"A", kA}, {"B", kB}, {"alpha", kAlpha}, {"beta", kBeta}});
  EXPECT_FALSE(r.diagnostics.computed);
  EXPECT_NO_THROW(RequireIdentified(r, false));
  EXPECT_EQ(Diagnose(r).BriefReport(), "Diagnostics(no data)");
}

TEST(DiagnosticsTest, NarrowSpanAndFewPointsWarn) {
  std::vector<double> x, loss;
  for (int i = 0; i < 5; ++i) {
    x.push_back(1e9 * (1.0 + 0.3 * i));
    loss.push_back(3.0 * std::pow(x.back(), -0.05));
  }
  const FitResult r =
      Fit("power_law", MakeObservations({"x"}, {{"x", x}}, loss));
  EXPECT_TRUE(r.diagnostics.HasWarning("narrow_span"))
      << r.diagnostics.FullReport();
  EXPECT_TRUE(r.diagnostics.HasWarning("few_points"));
}

}  // namespace
}  // namespace scalefit
