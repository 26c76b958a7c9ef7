// Reliability, part 1: hostile inputs at every C++ entry point, numeric
// extremes and degenerate designs (part 2, reliability_fuzz_test.cpp:
// determinism across threads, fuzzed parsers, the failure status every result
// carries).
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
using test_support::Describe;
using test_support::ErrorOf;
using test_support::kChinchilla;
using test_support::LogCapture;
using test_support::LogSpace;
using test_support::Planted;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPosInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------
// 1. Input validation
// ---------------------------------------------------------------------------

TEST(ReliabilityValidation, BadValuesNameColumnRowAndValue) {
  const std::vector<double> N = LogSpace(1e7, 1e9, 8),
                            D = LogSpace(1e9, 1e11, 8);
  std::vector<double> L;
  for (int i = 0; i < 8; ++i) L.push_back(kChinchilla.L(N[i], D[i]));
  for (const std::string column : {"N", "D", "loss", "weights"}) {
    for (double bad : {kNaN, kPosInf, -kPosInf, 0.0, -1.0}) {
      std::map<std::string, std::vector<double>> cols{{"N", N}, {"D", D}};
      std::vector<double> loss = L, weights(8, 1.0);
      if (column == "loss")
        loss[3] = bad;
      else if (column == "weights")
        weights[3] = bad;
      else
        cols[column][3] = bad;
      const std::string msg = ErrorOf([&] {
        Fit("chinchilla", MakeObservations({"N", "D"}, cols, loss, weights));
      });
      SCOPED_TRACE(column + " = " + Describe(bad));
      EXPECT_NE(msg.find("column '" + column + "'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("row 3"), std::string::npos) << msg;
      EXPECT_NE(msg.find("value " + Describe(bad)), std::string::npos) << msg;
    }
  }
}

TEST(ReliabilityValidation, ShapesAndCounts) {
  const std::vector<double> v6 = LogSpace(1e7, 1e9, 6),
                            v5 = LogSpace(1e7, 1e9, 5);
  const std::vector<double> loss6(6, 3.0), loss5(5, 3.0);
  EXPECT_NE(
      ErrorOf([&] {
        MakeObservations({"N", "D"}, {{"N", v5}, {"D", v6}}, loss6);
      }).find("length mismatch: input column 'N' has 5 rows but 'loss' has 6"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf([&] {
        MakeObservations({"N", "D"}, {{"N", v6}, {"D", v6}}, loss6, {1, 1});
      }).find("'weights' has 2 rows"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf([&] {
        MakeObservations({"N", "D"}, {{"N", v6}, {"D", v6}}, loss6, {}, {1});
      }).find("'groups' has 1 rows"),
      std::string::npos);
  EXPECT_NE(ErrorOf([&] {
              MakeObservations({"N", "D"}, {{"N", v6}}, loss6);
            }).find("missing input column 'D'"),
            std::string::npos);
  EXPECT_THROW(
      MakeObservations({"N", "D"}, {{"N", v6}, {"D", v6}, {"Q", v6}}, loss6),
      UnknownName);
  // Empty input.
  EXPECT_NE(ErrorOf([&] {
              Fit("chinchilla",
                  MakeObservations({"N", "D"}, {{"N", {}}, {"D", {}}}, {}));
            }).find("no data: 0 rows"),
            std::string::npos);
  // Fewer points than free parameters + 1 (chinchilla: 5 free → needs 6).
  EXPECT_NE(ErrorOf([&] {
              Fit("chinchilla",
                  MakeObservations({"N", "D"}, {{"N", v5}, {"D", v5}}, loss5));
            })
                .find("too few points: 5 rows, but fitting needs at least free "
                      "parameters + 1 = 6"),
            std::string::npos);
  // ... with one parameter fixed, 5 rows are enough to be accepted.
  FitOptions fixed;
  fixed.fixed = {"E"};
  fixed.init = {{"E", 1.69}};
  std::vector<double> n5 = LogSpace(1e7, 1e9, 5), d5 = LogSpace(1e10, 1e9, 5),
                      l5;
  for (int i = 0; i < 5; ++i) l5.push_back(kChinchilla.L(n5[i], d5[i]));
  EXPECT_NO_THROW(Fit("chinchilla",
                      MakeObservations({"N", "D"}, {{"N", n5}, {"D", d5}}, l5),
                      fixed));
  // Data for another law.
  EXPECT_NE(ErrorOf([&] {
              Fit("power_law",
                  MakeObservations({"N", "D"}, {{"N", v6}, {"D", v6}}, loss6));
            }).find("takes inputs (x) but the data has (N, D)"),
            std::string::npos);
}

TEST(ReliabilityValidation, OutOfRangeOptions) {
  const Observations data =
      ChinchillaGrid(kChinchilla, 1e7, 1e9, 1e9, 1e11, 3, 0, 1);
  auto fit_error = [&](const FitOptions& o) {
    return ErrorOf([&] { Fit("chinchilla", data, o); });
  };
  for (double delta : {0.0, -1e-3, kNaN, kPosInf}) {
    FitOptions o;
    o.delta = delta;
    EXPECT_NE(
        fit_error(o).find("invalid fit options: delta must be finite and > 0"),
        std::string::npos)
        << Describe(delta);
  }
  FitOptions o;
  o.num_threads = -1;
  EXPECT_NE(fit_error(o).find("num_threads must be in [0, 1024]"),
            std::string::npos);
  o = FitOptions{};
  o.max_iterations = 0;
  EXPECT_NE(fit_error(o).find("max_iterations"), std::string::npos);
  o = FitOptions{};
  o.function_tolerance = 0;
  EXPECT_NE(fit_error(o).find("tolerances must be > 0"), std::string::npos);
  o = FitOptions{};
  o.init = {{"alpha", kNaN}};
  EXPECT_NE(fit_error(o).find("init for 'alpha' is not finite"),
            std::string::npos);
  o = FitOptions{};
  o.init = {{"E", -1.0}};
  EXPECT_NE(fit_error(o).find("init for 'E' = -1 is outside the domain of law "
                              "'chinchilla' (widen it with bounds=): (0, inf)"),
            std::string::npos)
      << fit_error(o);
  o = FitOptions{};
  o.bounds = {{"alpha", {1.0, 0.5}}};
  EXPECT_NE(fit_error(o).find("bounds for 'alpha': lower"), std::string::npos);
  o = FitOptions{};
  o.init = {{"gamma", 1.0}};
  EXPECT_THROW(Fit("chinchilla", data, o), UnknownName);

  // Levels outside (0, 1), bad budgets, bad bootstrap options.
  const FitResult fit = Fit("chinchilla", data);
  for (double level : {0.0, 1.0, -0.5, 1.5, kNaN}) {
    EXPECT_THROW(ConfInt(fit, level), InvalidArgument) << Describe(level);
  }
  const FitResult given = FromParams(GetLaw("chinchilla"), kChinchilla.Map());
  for (double C : {0.0, -1e20, kNaN, kPosInf}) {
    EXPECT_THROW(ComputeOptimal(given, C), InvalidArgument) << Describe(C);
  }
  EXPECT_THROW(FlopModel::SixND(0.0), InvalidArgument);
  EXPECT_THROW(FlopModel::SixND(kNaN), InvalidArgument);
  EXPECT_THROW(PlanAtRatio(given, 1e21, -20.0), InvalidArgument);
  BootstrapOptions b;
  b.num_threads = -1;
  EXPECT_THROW(Bootstrap(fit, b), InvalidArgument);
  b = BootstrapOptions{};
  b.num_replicates = 1;
  EXPECT_THROW(Bootstrap(fit, b), InvalidArgument);
  for (double fraction : {0.0, 1.0, kNaN}) {
    b = BootstrapOptions{};
    b.method = "subsample";
    b.fraction = fraction;
    EXPECT_THROW(Bootstrap(fit, b), InvalidArgument) << Describe(fraction);
  }
  b = BootstrapOptions{};
  b.method = "jackknife";
  EXPECT_THROW(Bootstrap(fit, b), InvalidArgument);
  EXPECT_THROW(Bootstrap(given, BootstrapOptions{}),
               InvalidArgument);  // no data
}

TEST(ReliabilityValidation, FromParamsAndPredict) {
  const LawPtr law = GetLaw("chinchilla");
  auto params = kChinchilla.Map();
  params["alpha"] = kNaN;
  EXPECT_NE(
      ErrorOf([&] { FromParams(law, params); }).find("'alpha' is not finite"),
      std::string::npos);
  params = kChinchilla.Map();
  params["A"] = -1.0;
  EXPECT_NE(
      ErrorOf([&] {
        FromParams(law, params);
      }).find("'A' = -1 is outside the domain of law 'chinchilla': (0, inf)"),
      std::string::npos);
  params = kChinchilla.Map();
  params.erase("B");
  EXPECT_NE(
      ErrorOf([&] { FromParams(law, params); }).find("missing parameter 'B'"),
      std::string::npos);
  params = kChinchilla.Map();
  params["gamma"] = 1.0;
  EXPECT_THROW(FromParams(law, params), UnknownName);

  const FitResult r = FromParams(law, kChinchilla.Map());
  for (double bad : {kNaN, kPosInf, 0.0, -1e9}) {
    const std::string msg = ErrorOf([&] {
      r.Predict({{"N", {1e9, bad}}, {"D", {1e10, 1e10}}});
    });
    EXPECT_NE(msg.find("input 'N', row 1"), std::string::npos) << msg;
  }
  EXPECT_THROW(r.Predict(std::vector<double>{1e9, 1e10, 1e9}), InvalidArgument);
  EXPECT_THROW(r.Predict({{"N", {1e9}}, {"D", {1e10, 1e11}}}), InvalidArgument);
  EXPECT_THROW(r.Predict({{"N", {1e9}}}), InvalidArgument);
  EXPECT_THROW(r.Predict({{"N", {1e9}}, {"D", {1e10}}, {"x", {1.0}}}),
               UnknownName);
  // Empty prediction is empty, not an error.
  EXPECT_TRUE(r.Predict({{"N", {}}, {"D", {}}}).empty());
}

TEST(ReliabilityValidation, DuplicateRowsWarnNamingTheRows) {
  std::vector<double> N = LogSpace(1e7, 1e9, 8), D = LogSpace(1e11, 1e9, 8), L;
  for (int i = 0; i < 8; ++i) L.push_back(kChinchilla.L(N[i], D[i]));
  // What reading the rows logs.
  auto logged = [&] {
    LogCapture log;
    MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, L);
    return log.text();
  };
  std::string text = logged();
  EXPECT_EQ(text.find("duplicate"), std::string::npos) << text;
  // Row 6 is a copy of row 2.
  N[6] = N[2];
  D[6] = D[2];
  L[6] = L[2];
  text = logged();
  EXPECT_NE(text.find("1 duplicate row(s): row 6 repeats row 2"),
            std::string::npos)
      << text;
  // Same inputs with a different loss (a repeated run with another seed) is
  // legitimate: no warning.
  L[6] = L[2] * 1.01;
  text = logged();
  EXPECT_EQ(text.find("duplicate"), std::string::npos) << text;
  // A large table (its row hashes checked in many buckets): one copy far
  // from its original is found, and none is reported without it.
  const int n = 300001;
  N = LogSpace(1e7, 1e10, n);
  D = LogSpace(1e12, 1e9, n);
  L.clear();
  for (int i = 0; i < n; ++i) L.push_back(kChinchilla.L(N[i], D[i]));
  text = logged();
  EXPECT_EQ(text.find("duplicate"), std::string::npos) << text;
  N[250000] = N[17];
  D[250000] = D[17];
  L[250000] = L[17];
  text = logged();
  EXPECT_NE(text.find("1 duplicate row(s): row 250000 repeats row 17"),
            std::string::npos)
      << text;
}

// All runs at one compute budget (one isoFLOP profile): the fit may
// converge, but it must not look confident.
TEST(ReliabilityValidation, AllPointsAtOneBudgetAreFlagged) {
  const double C = 1e20;
  std::vector<double> N = LogSpace(1e8, 3e9, 12), D, L;
  std::mt19937_64 gen(7);
  for (double n : N) {
    D.push_back(C / (6 * n));
    const double u = ((gen() >> 11) + 0.5) * 0x1.0p-53 - 0.5;
    L.push_back(kChinchilla.L(n, D.back()) * (1 + 0.004 * u));
  }
  const FitResult r =
      Fit("chinchilla", MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, L));
  ASSERT_TRUE(r.diagnostics.computed);
  EXPECT_EQ(r.diagnostics.num_distinct_compute, 1);
  EXPECT_FALSE(r.diagnostics.identified) << r.diagnostics.FullReport();
  EXPECT_TRUE(r.diagnostics.HasWarning("single_budget"))
      << r.diagnostics.FullReport();
  EXPECT_THROW(ComputeOptimal(r, 1e22), NotIdentified);
}

// ---------------------------------------------------------------------------
// 2. Numeric range
// ---------------------------------------------------------------------------

void ExpectRecovers(const FitResult& r, const Planted& p, double rtol) {
  ASSERT_TRUE(r.converged) << r.message;
  EXPECT_NEAR(r.param("E") / p.E, 1.0, rtol);
  EXPECT_NEAR(r.param("A") / p.A, 1.0, rtol);
  EXPECT_NEAR(r.param("B") / p.B, 1.0, rtol);
  EXPECT_NEAR(r.param("alpha") / p.alpha, 1.0, rtol);
  EXPECT_NEAR(r.param("beta") / p.beta, 1.0, rtol);
}

TEST(ReliabilityRange, ChinchillaOverExtremeRangesAndLossScales) {
  // N 1e3..1e14, D 1e6..1e16; losses from ~1e-3 to ~1e2.
  const std::vector<Planted> laws = {
      kChinchilla,
      {1e-3, 0.05, 0.5, 0.34, 0.28},      // losses 1.0e-3 .. 1.7e-2
      {50.0, 500.0, 2000.0, 0.34, 0.28},  // losses 50 .. 1.3e2
  };
  for (const Planted& p : laws) {
    const Observations data =
        ChinchillaGrid(p, 1e3, 1e14, 1e6, 1e16, 7, 0.0, 1);
    const FitResult r = Fit("chinchilla", data);
    SCOPED_TRACE("E = " + Describe(p.E));
    ExpectRecovers(r, p, 1e-5);
    const std::vector<double> pred =
        r.Predict({{"N", {1e3, 1e14, 1e20}}, {"D", {1e6, 1e16, 1e25}}});
    EXPECT_TRUE(AllFinite(pred));
    EXPECT_NEAR(pred[0] / p.L(1e3, 1e6), 1.0, 1e-5);
    EXPECT_NEAR(pred[2] / p.L(1e20, 1e25), 1.0, 1e-5);
  }
}

TEST(ReliabilityRange, ExponentsFrom1em3To2) {
  for (double alpha : {1e-3, 0.05, 1.0, 2.0}) {
    // power_law L = A x^-alpha; choose A and x so L stays in [1e-3, 1e2].
    const std::vector<double> x =
        alpha > 1 ? LogSpace(1e3, 1e4, 9) : LogSpace(1e3, 1e14, 9);
    const double A = alpha > 1 ? 1e5 : (alpha > 0.5 ? 1e3 : 3.0);
    std::vector<double> L;
    for (double v : x) L.push_back(A * std::pow(v, -alpha));
    const FitResult r =
        Fit("power_law", MakeObservations({"x"}, {{"x", x}}, L));
    SCOPED_TRACE("alpha = " + Describe(alpha));
    ASSERT_TRUE(r.converged) << r.message;
    EXPECT_NEAR(r.param("alpha") / alpha, 1.0, 1e-6);
    EXPECT_NEAR(r.param("A") / A, 1.0, 1e-6);
  }
}

TEST(ReliabilityRange, ChangeOfUnitsRescalesParametersExactly) {
  // L = A N^-alpha: with N' = s·N, A' = A·s^alpha (same for B, D, beta);
  // with L' = t·L every linear coefficient scales by t. The log objective is
  // invariant, so the optimum maps exactly.
  const Observations base =
      ChinchillaGrid(kChinchilla, 1e7, 1e10, 1e9, 1e12, 5, 0.01, 3);
  const FitResult ref = Fit("chinchilla", base);
  ASSERT_TRUE(ref.converged) << ref.message;
  const double sN = 1e-6, sD = 1e-9, t = 1e3;
  Observations scaled = base;
  for (int i = 0; i < scaled.num_rows(); ++i) {
    scaled.x[2 * i] *= sN;
    scaled.x[2 * i + 1] *= sD;
    scaled.loss[i] *= t;
  }
  const FitResult r = Fit("chinchilla", scaled);
  ASSERT_TRUE(r.converged) << r.message;
  const double a = ref.param("alpha"), b = ref.param("beta");
  EXPECT_NEAR(r.param("alpha") / a, 1.0, 1e-6);
  EXPECT_NEAR(r.param("beta") / b, 1.0, 1e-6);
  EXPECT_NEAR(r.param("E") / (t * ref.param("E")), 1.0, 1e-6);
  EXPECT_NEAR(r.param("A") / (t * ref.param("A") * std::pow(sN, a)), 1.0, 1e-5);
  EXPECT_NEAR(r.param("B") / (t * ref.param("B") * std::pow(sD, b)), 1.0, 1e-5);
}

TEST(ReliabilityRange, AllocationFiniteAndExactFrom1e12To1e30) {
  // Independent truth: Hoffmann et al. 2022, App. A (Eq. 4):
  // N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b, G = (alpha A / (beta
  // B))^(1/(alpha+beta)), a = beta/(alpha+beta), b = alpha/(alpha+beta).
  const Planted p = kChinchilla;
  const FitResult r = FromParams(GetLaw("chinchilla"), p.Map());
  const double G =
      std::pow(p.alpha * p.A / (p.beta * p.B), 1 / (p.alpha + p.beta));
  const double a = p.beta / (p.alpha + p.beta),
               b = p.alpha / (p.alpha + p.beta);
  AllocationOptions numeric;
  numeric.method = "numeric";
  for (double C = 1e12; C <= 1e30; C *= 1e3) {
    const Allocation cf = ComputeOptimal(r, C);
    const Allocation nu = ComputeOptimal(r, C, FlopModel::SixND(), numeric);
    SCOPED_TRACE("C = " + Describe(C));
    for (const Allocation& x : {cf, nu}) {
      EXPECT_TRUE(std::isfinite(x.N_opt) && std::isfinite(x.D_opt) &&
                  std::isfinite(x.loss_opt));
      EXPECT_NEAR(6 * x.N_opt * x.D_opt / C, 1.0, 1e-12);
    }
    EXPECT_NEAR(cf.N_opt / (G * std::pow(C / 6, a)), 1.0, 1e-12);
    EXPECT_NEAR(cf.D_opt / (std::pow(C / 6, b) / G), 1.0, 1e-12);
    EXPECT_NEAR(nu.N_opt / cf.N_opt, 1.0, 1e-6);
    EXPECT_NEAR(cf.loss_opt / p.L(cf.N_opt, cf.D_opt), 1.0, 1e-14);
    // Round trip through the loss.
    const Allocation back = LossToCompute(r, cf.loss_opt);
    EXPECT_NEAR(back.C / C, 1.0, 1e-8);
  }
}

// Exponent -> 0: E and A confound (E + A·C^-0.001 ≈ (E + A) − 0.001·A·ln C).
TEST(ReliabilityRange, VanishingExponentIsFlagged) {
  const std::vector<double> C = LogSpace(1e12, 1e20, 10);
  std::vector<double> L;
  std::mt19937_64 gen(5);
  for (double c : C) {
    const double u = ((gen() >> 11) + 0.5) * 0x1.0p-53 - 0.5;
    L.push_back((1.0 + 2.0 * std::pow(c, -1e-3)) * (1 + 1e-3 * u));
  }
  const FitResult r =
      Fit("saturating_power_law", MakeObservations({"C"}, {{"C", C}}, L));
  EXPECT_TRUE(AllFinite(r.values()));
  EXPECT_TRUE(!r.converged || !r.diagnostics.identified)
      << r.BriefReport() << "\n"
      << r.diagnostics.FullReport();
  EXPECT_FALSE(r.diagnostics.warnings.empty());
}

// Data that has flattened: the floor sits at the smallest loss.
TEST(ReliabilityRange, FloorAtMinimumLossIsFlagged) {
  // L = 2 + 1e18/C: the last runs sit at the floor to 1e-5, so the fitted
  // E equals the smallest observed loss to within the data's precision.
  const std::vector<double> C = LogSpace(1e17, 1e23, 9);
  std::vector<double> L;
  for (double c : C) L.push_back(2.0 + 1e18 / c);
  const FitResult r =
      Fit("saturating_power_law", MakeObservations({"C"}, {{"C", C}}, L));
  EXPECT_TRUE(AllFinite(r.values()));
  EXPECT_TRUE(!r.converged || r.diagnostics.floor_at_min_loss)
      << r.BriefReport() << "\n"
      << r.diagnostics.FullReport();
  if (r.converged) {
    EXPECT_TRUE(r.diagnostics.HasWarning("floor_at_min_loss"));
  }
}

}  // namespace
}  // namespace scalefit
