// Tests for the emergence classification (emergence.hpp): the test
// statistics against closed forms, planted curves of every kind with
// binomial noise, the forecast gate and the errors.

#include "scalefit/emergence.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "scalefit/error.hpp"
#include "test_support.hpp"

namespace scalefit {
namespace {

using test_support::ExpectThrows;

// Binomial(n, p) / n from n Bernoulli draws of 53-bit uniforms (portable).
double BinomialScore(std::mt19937_64& gen, int n, double p) {
  int k = 0;
  for (int t = 0; t < n; ++t) k += ((gen() >> 11) * 0x1.0p-53) < p;
  return static_cast<double>(k) / n;
}

double Uniform(std::mt19937_64& gen, double lo, double hi) {
  return lo + (hi - lo) * ((gen() >> 11) * 0x1.0p-53);
}

// The expected score of a planted curve of the given kind at x = log10 C in
// [19, 23] (8 models), chance 0.25.
std::vector<double> PlantedCurve(EmergenceKind kind, std::mt19937_64& gen,
                                 const std::vector<double>& x,
                                 bool* at_chance) {
  const double lo = x.front(), hi = x.back(), span = hi - lo, p0 = 0.25;
  std::vector<double> mu(x.size());
  *at_chance = false;
  switch (kind) {
    case EmergenceKind::kSmooth: {
      const double a = p0 + Uniform(gen, 0.08, 0.2);
      const double b = a + Uniform(gen, 0.15, 0.4);
      for (size_t i = 0; i < x.size(); ++i)
        mu[i] = a + (b - a) * (x[i] - lo) / span;
      break;
    }
    case EmergenceKind::kFlat: {
      const bool chance = Uniform(gen, 0, 1) < 0.6;
      const double v = chance ? p0 : Uniform(gen, p0 + 0.1, 0.8);
      *at_chance = chance;
      for (double& m : mu) m = v;
      break;
    }
    case EmergenceKind::kInverse: {
      const double a = Uniform(gen, 0.45, 0.7), d = Uniform(gen, 0.12, 0.25);
      for (size_t i = 0; i < x.size(); ++i) mu[i] = a - d * (x[i] - lo) / span;
      break;
    }
    case EmergenceKind::kNotCorrelated: {
      // A fixed zig-zag of ±0.12 around a base, in a random order.
      const double base = Uniform(gen, p0 + 0.12, 0.6);
      std::vector<double> offs;
      for (size_t i = 0; i < x.size(); ++i)
        offs.push_back(-0.12 + 0.24 * i / (x.size() - 1));
      for (size_t i = offs.size() - 1; i > 0; --i)
        std::swap(offs[i], offs[gen() % (i + 1)]);
      for (size_t i = 0; i < x.size(); ++i) mu[i] = base + offs[i];
      break;
    }
    case EmergenceKind::kEmergent: {
      const double x0 = Uniform(gen, lo + 0.6 * span, hi - 0.05 * span);
      const double k = Uniform(gen, 3.0, 8.0);
      for (size_t i = 0; i < x.size(); ++i)
        mu[i] = p0 + (1 - p0) / (1 + std::exp(-k * (x[i] - x0)));
      break;
    }
  }
  return mu;
}

TEST(Emergence, StatisticsMatchClosedForms) {
  // Scores exactly on a line with binomial weights: the slope is the line's.
  const std::vector<double> C = {1e19, 1e20, 1e21, 1e22, 1e23};
  const std::vector<double> s = {0.3, 0.4, 0.5, 0.6, 0.7};
  const EmergenceResult r = ClassifyEmergence(C, s, 0.25, {1000});
  EXPECT_NEAR(r.slope, 0.1, 1e-12);
  EXPECT_NEAR(r.intercept, 0.3 - 0.1 * 19, 1e-10);
  EXPECT_NEAR(r.chi2_linear, 0.0, 1e-18);
  EXPECT_EQ(r.kind, EmergenceKind::kSmooth);
  EXPECT_TRUE(r.forecastable);
  // The exact binomial tail: P(X >= 300 | n = 1000, p = 0.25) (closed form
  // by summing the pmf, computed here independently).
  double tail = 0.0;
  for (int k = 300; k <= 1000; ++k)
    tail += std::exp(std::lgamma(1001.0) - std::lgamma(k + 1.0) -
                     std::lgamma(1001.0 - k) + k * std::log(0.25) +
                     (1000 - k) * std::log(0.75));
  EXPECT_NEAR(r.above_chance_p[0] / tail, 1.0, 1e-9);
}

TEST(Emergence, AtChanceCurveIsFlatWithOnsetBound) {
  const std::vector<double> C = {1e19, 1e20, 1e21, 1e22};
  const std::vector<double> s = {0.251, 0.248, 0.252, 0.249};
  const EmergenceResult r = ClassifyEmergence(C, s, 0.25, {2000});
  EXPECT_EQ(r.kind, EmergenceKind::kFlat);
  EXPECT_TRUE(r.at_chance);
  EXPECT_TRUE(r.at_chance_at_top);
  EXPECT_FALSE(r.forecastable);
  // Clopper–Pearson upper bounds at 1 − 0.05/4 stay below 0.30 for every
  // model: the onset (score >= 0.30) lies above the top model's compute.
  EXPECT_EQ(r.onset_lower_bound, 1e22);
  EXPECT_NE(r.statement.find("cannot be forecast yet"), std::string::npos)
      << r.statement;
  EXPECT_NE(r.statement.find("[0.25, 1]"), std::string::npos) << r.statement;
}

TEST(Emergence, PlantedKindsWithBinomialNoise) {
  // 30 planted curves per kind, 8 models over 4 decades, 1000 questions.
  // The full-size calibration (100 per kind at 300, 1000 and 5000
  // questions) is in tests/python (slow) and docs/downstream.md.
  const EmergenceKind kinds[] = {
      EmergenceKind::kSmooth, EmergenceKind::kFlat, EmergenceKind::kInverse,
      EmergenceKind::kNotCorrelated, EmergenceKind::kEmergent};
  std::vector<double> x, C;
  for (int i = 0; i < 8; ++i) {
    x.push_back(19.0 + 4.0 * i / 7.0);
    C.push_back(std::pow(10.0, x.back()));
  }
  std::mt19937_64 gen(20240518);
  int correct = 0, total = 0, chance_forecasts = 0, chance_curves = 0;
  std::map<std::string, std::map<std::string, int>> confusion;
  for (EmergenceKind kind : kinds) {
    for (int rep = 0; rep < 30; ++rep) {
      bool at_chance = false;
      const std::vector<double> mu = PlantedCurve(kind, gen, x, &at_chance);
      std::vector<double> s;
      for (double m : mu) s.push_back(BinomialScore(gen, 1000, m));
      const EmergenceResult r = ClassifyEmergence(C, s, 0.25, {1000});
      ++confusion[ToString(kind)][ToString(r.kind)];
      correct += r.kind == kind;
      ++total;
      if (at_chance) {
        ++chance_curves;
        chance_forecasts += r.forecastable;
      }
    }
  }
  std::string table;
  for (const auto& [truth, row] : confusion) {
    table += truth + ":";
    for (const auto& [got, n] : row)
      table += " " + got + "=" + std::to_string(n);
    table += "\n";
  }
  const double accuracy = static_cast<double>(correct) / total;
  std::printf("emergence classification accuracy %.3f (%d/%d)\n%s", accuracy,
              correct, total, table.c_str());
  EXPECT_GE(accuracy, 0.9) << table;
  EXPECT_GT(chance_curves, 10);
  EXPECT_EQ(chance_forecasts, 0) << "an at-chance curve got a point forecast";
}

TEST(Emergence, ErrorsNameTheArgument) {
  const std::vector<double> C = {1e19, 1e20, 1e21, 1e22};
  ExpectThrows<InvalidArgument>(
      [&] {
        ClassifyEmergence({1e19, 1e20, 1e21}, {0.3, 0.4, 0.5}, 0.25, {100});
      },
      {"at least 4 models"});
  ExpectThrows<InvalidArgument>(
      [&] {
        ClassifyEmergence(C, {0.3, 0.4, 1.2, 0.5}, 0.25, {100});
      },
      {"scores[2]", "[0, 1]"});
  ExpectThrows<InvalidArgument>(
      [&] {
        ClassifyEmergence(C, {0.3, 0.4, 0.5}, 0.25, {100});
      },
      {"'scores' has 3"});
  ExpectThrows<InvalidArgument>(
      [&] {
        ClassifyEmergence({1e19, -1, 1e21, 1e22}, {0.3, 0.4, 0.5, 0.6}, 0.25,
                          {100});
      },
      {"compute[1]"});
  ExpectThrows<InvalidArgument>(
      [&] {
        ClassifyEmergence(C, {0.3, 0.4, 0.5, 0.6}, 0.25, {100, 0, 100, 100});
      },
      {"n_items[1]"});
  // A count of questions is a whole number.
  ExpectThrows<InvalidArgument>(
      [&] {
        ClassifyEmergence(C, {0.3, 0.4, 0.5, 0.6}, 0.25, {100, 100, 99.5, 100});
      },
      {"n_items[2]", "99.5", "whole number"});
  ExpectThrows<InvalidArgument>(
      [&] {
        ClassifyEmergence(C, {0.3, 0.4, 0.5, 0.6}, 0.25, {1e300});
      },
      {"n_items[0]", "2^53"});
  EmergenceOptions o;
  o.forecast_alpha = 0.1;
  ExpectThrows<InvalidArgument>(
      [&] {
        ClassifyEmergence(C, {0.3, 0.4, 0.5, 0.6}, 0.25, {100}, o);
      },
      {"forecast_alpha"});
  ExpectThrows<UnknownName>([] { ParseEmergenceKind("sudden"); },
                            {"sudden", "emergent"});
}

}  // namespace
}  // namespace scalefit
