// Tests for user-defined laws: C++ functors through MakeLaw
// (ceres/make_law.hpp, detail/typed_law.hpp), formula strings (formula.hpp)
// and laws given as a function (runtime_law.hpp).
// Truth is independent of the code under test: planted parameters, closed
// forms written out here, and published values with their source.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "problem_support.hpp"
#include "scalefit/ceres/make_law.hpp"
#include "scalefit/datasets.hpp"
#include "scalefit/detail/typed_law.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/formula.hpp"
#include "scalefit/law.hpp"
#include "scalefit/laws/builtin.hpp"
#include "scalefit/runtime_law.hpp"
#include "test_support.hpp"

namespace scalefit {
namespace {

using laws::Chinchilla;

using test_support::ChinchillaProblem;
using test_support::ExpectThrows;
using test_support::NdGrid;
using test_support::PlantedChinchilla;

// ---------------------------------------------------------------------------
// User-defined laws.
// ---------------------------------------------------------------------------

// A user's functor: Chinchilla with a single exponent (Muennighoff et al.'s
// α = β form), written outside the library.
struct SharedExponentLaw {
  static constexpr const char* kName = "shared_exponent";
  static constexpr const char* kFormula = "E + A / N^gamma + B / D^gamma";
  static constexpr int kNumParams = 4;
  static constexpr int kNumInputs = 2;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"E", true, true, 0.0, kInf, 1.0, 1.0, 1.7},
      {"A", true, true, 0.0, kInf, 1.0, 1.0, 400.0},
      {"B", true, true, 0.0, kInf, 1.0, 1.0, 400.0},
      {"gamma", false, false, 0.0, 5.0, 0.05, 1.2, 0.3},
  }};
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"N", "D"}};
  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    using std::exp;
    return p[0] + p[1] * exp(-p[3] * x.log(0)) + p[2] * exp(-p[3] * x.log(1));
  }
};

// The same law written against the older concept (a plain input pointer, logs
// taken by the law): still accepted, without the precomputed logs.
struct SharedExponentPointerLaw : SharedExponentLaw {
  template <typename T>
  static T Evaluate(const T* p, const double* x) {
    using std::exp;
    using std::log;
    return p[0] + p[1] * exp(-p[3] * log(x[0])) + p[2] * exp(-p[3] * log(x[1]));
  }
};

// The line-search objective (LawObjective: ρ by the chain rule on one Jet pass)
// against an independent assembly from the least-squares block's raw
// residuals and Jacobian: f = Σ w ρ(r), ∇f = Σ w ρ'(r) ∂r/∂z.
TEST(LawObjectiveTest, MatchesRawJacobianAssemblyAndRejectsOverflow) {
  const Observations obs = datasets::ChinchillaObservations();
  const int n = obs.num_rows();
  std::vector<double> log_x(obs.x.size()), sqrt_w(n);
  for (size_t j = 0; j < obs.x.size(); ++j) log_x[j] = std::log(obs.x[j]);
  for (int i = 0; i < n; ++i) sqrt_w[i] = std::sqrt(0.5 + (i % 7) / 4.0);
  const LawPtr law = MakeLaw<Chinchilla>();
  const std::vector<double> z = {0.59, 6.17, 7.66, 0.347, 0.367};
  for (Objective kind :
       {Objective::kHuberLog, Objective::kMseLog, Objective::kMse}) {
    std::vector<double> target(n);
    for (int i = 0; i < n; ++i)
      target[i] = InLogSpace(kind) ? std::log(obs.loss[i]) : obs.loss[i];
    const detail::ProblemData d = ChinchillaProblem(
        n, obs.x.data(), log_x.data(), target.data(), sqrt_w.data(), kind);
    const detail::LawObjective<Chinchilla> objective(&d);
    double f = 0.0, f_only = 0.0, g[5];
    ASSERT_TRUE(objective.Evaluate(z.data(), &f, g));
    ASSERT_TRUE(objective.Evaluate(z.data(), &f_only, nullptr));
    std::vector<double> r, J;
    ASSERT_TRUE(law->MakeResidualModel(d)->RawJacobian(z, &r, &J));
    double f_ref = 0.0, g_ref[5] = {0, 0, 0, 0, 0};
    for (int i = 0; i < n; ++i) {
      const double w = sqrt_w[i] * sqrt_w[i];
      f_ref += w * ObjectiveTerm(r[i], kind, 1e-3);
      for (int k = 0; k < 5; ++k)
        g_ref[k] += w * ObjectiveDerivative(r[i], kind, 1e-3) * J[i * 5 + k];
    }
    EXPECT_NEAR(f / f_ref, 1.0, 1e-13) << ToString(kind);
    EXPECT_EQ(f, f_only) << ToString(kind);
    for (int k = 0; k < 5; ++k)
      EXPECT_NEAR(g[k], g_ref[k], 1e-12 * (std::abs(g_ref[k]) + 1e-3))
          << ToString(kind) << " k=" << k;
    // A step that overflows the law (α = −1000: N^1000 = inf) is rejected,
    // never returned as a non-finite cost.
    std::vector<double> bad = z;
    bad[3] = -1000.0;
    double fb = 0.0, gb[5];
    EXPECT_FALSE(objective.Evaluate(bad.data(), &fb, gb)) << ToString(kind);
    EXPECT_FALSE(objective.Evaluate(bad.data(), &fb, nullptr))
        << ToString(kind);
  }
}

TEST(LawModelTest, EvaluateManyWithLogsMatchesEvaluateMany) {
  // Precomputed input logs change the cost, never a bit of the value; laws
  // that cannot use them (run-time laws) ignore them.
  std::vector<LawPtr> laws;
  for (const std::string& name : BuiltinLawNames())
    laws.push_back(GetLaw(name));
  FormulaLawOptions fo;
  fo.params = {"E", "A", "B", "alpha", "beta"};
  fo.inputs = {"N", "D"};
  fo.positive = {"E", "A", "B"};
  laws.push_back(MakeFormulaLaw("E + A / N^alpha + B / D^beta", fo));
  for (const LawPtr& law : laws) {
    const LawInfo& info = law->info();
    const int ni = info.num_inputs(), rows = 5;
    std::vector<double> x(rows * ni), log_x(rows * ni), p, a(rows), b(rows);
    for (int j = 0; j < rows * ni; ++j) {
      x[j] = std::pow(10.0, 7.0 + 0.73 * j);
      log_x[j] = std::log(x[j]);
    }
    for (const ParamInfo& q : info.params) p.push_back(q.init);
    law->EvaluateMany(p.data(), x.data(), rows, a.data());
    law->EvaluateManyWithLogs(p.data(), x.data(), log_x.data(), rows, b.data());
    for (int i = 0; i < rows; ++i)
      EXPECT_EQ(a[i], b[i]) << info.name << " row " << i;
  }
}

TEST(UserLaw, PointerSignatureGivesTheSameFit) {
  static_assert(detail::TakesInputRow<SharedExponentLaw>::value);
  static_assert(!detail::TakesInputRow<SharedExponentPointerLaw>::value);
  const Observations obs = PlantedChinchilla({1.8, 500.0, 1500.0, 0.3, 0.3});
  const FitResult a = Fit(MakeLaw<SharedExponentLaw>(), obs);
  const FitResult b = Fit(MakeLaw<SharedExponentPointerLaw>(), obs);
  ASSERT_TRUE(a.converged) << a.message;
  ASSERT_TRUE(b.converged) << b.message;
  for (int k = 0; k < 4; ++k)
    EXPECT_NEAR(a.params[k].value, b.params[k].value,
                1e-9 * std::abs(b.params[k].value));
  // A precomputed log and an on-demand one agree to the last bit.
  const double x[] = {3.3e8, 7.1e9};
  const double log_x[] = {std::log(x[0]), std::log(x[1])};
  const double p[] = {1.8, 500.0, 1500.0, 0.31};
  EXPECT_EQ(SharedExponentLaw::Evaluate(p, InputRow(x, log_x)),
            SharedExponentPointerLaw::Evaluate(p, x));
}

TEST(UserLaw, CppFunctorWorksLikeABuiltinLaw) {
  const std::vector<double> truth = {1.8, 500.0, 1500.0, 0.3526596, 0.3526596};
  const Observations obs = PlantedChinchilla(truth);
  const LawPtr law = MakeLaw<SharedExponentLaw>();
  const FitResult fit = Fit(law, obs);
  ASSERT_TRUE(fit.converged) << fit.message;
  EXPECT_LE(std::abs(fit.param("gamma") / 0.3526596 - 1), 1e-6);
  EXPECT_LE(std::abs(fit.param("A") / 500.0 - 1), 1e-6);
  // Same answer as the built-in law with the tie.
  FitOptions o;
  o.ties = {{"beta", "alpha"}};
  const FitResult tied = Fit("chinchilla", obs, o);
  EXPECT_NEAR(fit.param("gamma"), tied.param("alpha"), 1e-9);
  // FromParams / Predict work too.
  const FitResult given = FromParams(
      law, {{"E", 1.8}, {"A", 500.0}, {"B", 1500.0}, {"gamma", 0.35}});
  const double expect =
      1.8 + 500.0 * std::pow(1e9, -0.35) + 1500.0 * std::pow(2e10, -0.35);
  EXPECT_NEAR(given.Predict(std::vector<double>{1e9, 2e10})[0], expect,
              1e-14 * expect);
}

FormulaLawOptions ChinchillaLikeOptions() {
  FormulaLawOptions o;
  o.name = "chinchilla_formula";
  o.params = {"E", "A", "B", "alpha", "beta"};  // chinchilla's order
  o.inputs = {"N", "D"};
  o.positive = {"E", "A", "B"};
  o.linear = {"E", "A", "B"};
  // Chinchilla's start ranges and bounds for the exponents (chinchilla.hpp).
  o.start["alpha"] = {0.05, 1.2};
  o.start["beta"] = {0.05, 1.2};
  o.bounds["alpha"] = {0.0, 5.0};
  o.bounds["beta"] = {0.0, 5.0};
  o.init = {
      {"E", 1.7}, {"A", 400.0}, {"B", 400.0}, {"alpha", 0.34}, {"beta", 0.28}};
  return o;
}

TEST(FormulaLaw, ValueAndExactGradientMatchChinchilla) {
  const LawPtr f =
      MakeFormulaLaw("E + A / N**alpha + B / D^beta", ChinchillaLikeOptions());
  EXPECT_EQ(f->info().param_names(),
            (std::vector<std::string>{"E", "A", "B", "alpha", "beta"}));
  EXPECT_EQ(f->info().input_names, (std::vector<std::string>{"N", "D"}));
  EXPECT_TRUE(f->info().params[0].positive);
  EXPECT_TRUE(f->info().params[1].linear);
  const LawPtr c = GetLaw("chinchilla");
  const double p[] = {1.69, 406.4, 410.7, 0.34, 0.28};
  for (const auto& row : NdGrid()) {
    double g1[5], g2[5];
    const double v1 = f->ValueAndGradient(p, row.data(), g1);
    const double v2 = c->ValueAndGradient(p, row.data(), g2);
    EXPECT_NEAR(v1, v2, 1e-14 * v2);
    for (int k = 0; k < 5; ++k)
      EXPECT_NEAR(g1[k], g2[k], 1e-12 * std::abs(g2[k]) + 1e-300);
  }
}

TEST(FormulaLaw, GrammarPrecedenceAndFunctions) {
  FormulaLawOptions o;
  o.inputs = {"x"};
  auto eval = [&](const std::string& s, std::vector<double> p, double x) {
    const LawPtr law = MakeFormulaLaw(s, o);
    return law->Evaluate(p.data(), &x);
  };
  EXPECT_DOUBLE_EQ(eval("-a*x^2", {3.0}, 2.0), -12.0);      // -(x^2)
  EXPECT_DOUBLE_EQ(eval("a^b^x", {2.0, 3.0}, 2.0), 512.0);  // right assoc
  EXPECT_DOUBLE_EQ(eval("a - x - 1", {10.0}, 2.0), 7.0);    // left assoc
  EXPECT_DOUBLE_EQ(eval("a / x / 2", {8.0}, 2.0), 2.0);
  EXPECT_DOUBLE_EQ(eval("a * x ** -1", {8.0}, 2.0), 4.0);
  EXPECT_DOUBLE_EQ(eval("exp(log(a)) + sqrt(x) * 0 + abs(-a)", {2.5}, 4.0),
                   5.0);
  EXPECT_DOUBLE_EQ(eval("pow(x, a) + min(a, x) + max(a, x)", {3.0}, 2.0), 13.0);
  EXPECT_DOUBLE_EQ(eval("1.5e1 * a + .5 * x", {2.0}, 1.0), 30.5);
}

TEST(FormulaLaw, BadFormulasGiveClearErrors) {
  FormulaLawOptions o;
  o.inputs = {"N", "D"};
  ExpectThrows<InvalidArgument>([&] { MakeFormulaLaw("E + A / (N^alpha", o); },
                                {"does not parse", "')'", "position"});
  ExpectThrows<InvalidArgument>([&] { MakeFormulaLaw("E + * N", o); },
                                {"does not parse", "'*'", "position 4"});
  ExpectThrows<InvalidArgument>([&] { MakeFormulaLaw("E + foo(N) + D", o); },
                                {"unknown function 'foo'"});
  ExpectThrows<InvalidArgument>([&] { MakeFormulaLaw("E + N D", o); },
                                {"unexpected 'D'"});
  ExpectThrows<InvalidArgument>([&] { MakeFormulaLaw("   ", o); }, {"empty"});
  ExpectThrows<InvalidArgument>([&] { MakeFormulaLaw("E + exp + N + D", o); },
                                {"'exp' needs arguments"});
  ExpectThrows<InvalidArgument>([&] { MakeFormulaLaw("pow(N) + D", o); },
                                {"takes 2 argument"});
  // A name that is neither a declared parameter nor an input.
  FormulaLawOptions both;
  both.params = {"E", "A", "alpha"};
  both.inputs = {"N"};
  ExpectThrows<UnknownName>(
      [&] { MakeFormulaLaw("E + A / N^alpha + B / D", both); },
      {"unknown name 'B'", "position 18", "N"});
  ExpectThrows<InvalidArgument>([&] { MakeFormulaLaw("E + A / N", both); },
                                {"parameter 'alpha' does not appear"});
  ExpectThrows<InvalidArgument>(
      [&] { MakeFormulaLaw("E + A / N", {}); },
      {"give the parameter names or the input names"});
  FormulaLawOptions lin = o;
  lin.linear = {"A", "alpha"};
  ExpectThrows<InvalidArgument>(
      [&] { MakeFormulaLaw("E + A / N^alpha + D", lin); }, {"declared linear"});
  lin.linear = {"A"};  // E and D are terms free of A
  ExpectThrows<InvalidArgument>(
      [&] { MakeFormulaLaw("E + A / N^alpha + D", lin); }, {"declared linear"});
  FormulaLawOptions pos = o;
  pos.positive = {"Z"};
  ExpectThrows<UnknownName>([&] { MakeFormulaLaw("E * N * D", pos); },
                            {"unknown parameter 'Z'"});
  // Inferred parameters: the names that are not inputs, in order of
  // appearance.
  EXPECT_EQ(
      MakeFormulaLaw("E + A / N^alpha + B / D^beta", o)->info().param_names(),
      (std::vector<std::string>{"E", "A", "alpha", "B", "beta"}));
  EXPECT_EQ(FormulaNames("E + A / N^alpha + exp(B) / D"),
            (std::vector<std::string>{"E", "A", "N", "alpha", "B", "D"}));
}

TEST(FormulaLaw, RecoversPlantedParametersAndAgreesWithChinchilla) {
  const std::vector<double> truth = {1.6933737, 406.40102, 410.72283,
                                     0.33917084, 0.2849083};
  const Observations planted = PlantedChinchilla(truth);
  const LawPtr f =
      MakeFormulaLaw("E + A / N^alpha + B / D^beta", ChinchillaLikeOptions());
  const FitResult fit = Fit(f, planted);
  ASSERT_TRUE(fit.converged) << fit.message;
  for (int k = 0; k < 5; ++k)
    EXPECT_LE(std::abs(fit.params[k].value / truth[k] - 1), 1e-6)
        << fit.params[k].name;
  // On real (noisy) data: the same optimum as the built-in law.
  const Observations epoch = datasets::ChinchillaObservations();
  const FitResult a = Fit(f, epoch);
  const FitResult b = Fit("chinchilla", epoch);
  ASSERT_TRUE(a.converged && b.converged) << a.message << " / " << b.message;
  // Exponents to 1e-6; E, A, B (flat directions of this data set) to 1e-5.
  for (int k = 0; k < 5; ++k)
    EXPECT_NEAR(a.params[k].value / b.params[k].value, 1.0, k < 3 ? 1e-5 : 1e-6)
        << a.params[k].name;
  EXPECT_NEAR(a.objective / b.objective, 1.0, 1e-9);
}

TEST(NumericLaw, RecoversPlantedParametersAndAgreesWithChinchilla) {
  LawInfo info;
  info.name = "numeric_chinchilla";
  info.formula = "E + A / N^alpha + B / D^beta";
  info.input_names = {"N", "D"};
  for (const auto& s : Chinchilla::kParams)
    info.params.push_back(ParamInfo{s.name, s.positive, s.linear, s.lower,
                                    s.upper, s.start_lo, s.start_hi, s.init});
  int calls = 0;
  const LawPtr law = MakeNumericLaw(
      info, [&calls](const double* p, const double* x, int n, double* out) {
        ++calls;
        for (int i = 0; i < n; ++i)
          out[i] = p[0] + p[1] / std::pow(x[2 * i], p[3]) +
                   p[2] / std::pow(x[2 * i + 1], p[4]);
      });
  const std::vector<double> truth = {1.6933737, 406.40102, 410.72283,
                                     0.33917084, 0.2849083};
  const FitResult fit = Fit(law, PlantedChinchilla(truth));
  EXPECT_GT(calls, 0);
  ASSERT_TRUE(fit.converged) << fit.message;
  for (int k = 0; k < 5; ++k)
    EXPECT_LE(std::abs(fit.params[k].value / truth[k] - 1), 1e-6)
        << fit.params[k].name;
  // Numeric gradient against the exact one.
  double g1[5], g2[5];
  const double x[] = {3e8, 6e9};
  law->ValueAndGradient(truth.data(), x, g1);
  GetLaw("chinchilla")->ValueAndGradient(truth.data(), x, g2);
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(g1[k], g2[k], 1e-8 * std::abs(g2[k]));
  // A function that throws: the error reaches the caller.
  const LawPtr bad =
      MakeNumericLaw(info, [](const double*, const double*, int, double*) {
        throw InvalidArgument("boom from the user function");
      });
  ExpectThrows<InvalidArgument>([&] { Fit(bad, PlantedChinchilla(truth)); },
                                {"boom from the user function"});
}

TEST(NumericLaw, InvalidInfoIsAClearError) {
  LawInfo info;
  info.name = "bad";
  info.input_names = {"x"};
  info.params = {DefaultParamInfo("a", true), DefaultParamInfo("a")};
  auto f = [](const double*, const double*, int, double*) {};
  ExpectThrows<InvalidArgument>([&] { MakeNumericLaw(info, f); },
                                {"'a' is listed twice"});
  info.params = {DefaultParamInfo("x")};
  ExpectThrows<InvalidArgument>([&] { MakeNumericLaw(info, f); },
                                {"'x' is listed twice"});
  info.params = {DefaultParamInfo("a", true)};
  info.params[0].init = -1;
  ExpectThrows<InvalidArgument>([&] { MakeNumericLaw(info, f); },
                                {"parameter 'a'", "typical value > 0"});
}

}  // namespace
}  // namespace scalefit
