// Tests for allocation.hpp: closed forms against published values and an
// independent pow-based evaluation, numeric allocation against the closed
// form, the FLOP identity k·N·D = C, monotonicity of L*(C), inverses, the
// fixed-ratio and inference-aware plans, and bad input.
#include "scalefit/allocation.hpp"

#include <ceres/jet.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "scalefit/ceres/make_law.hpp"
#include "scalefit/detail/typed_law.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit.hpp"
#include "scalefit/report.hpp"

namespace scalefit {
namespace {

// Hoffmann et al. 2022, Approach-3 parameters at full precision (the values
// scalefit issue 3 specifies; Eq. 10 of the paper prints them rounded):
// log A = 6.0073404, log B = 6.0179186, log E = 0.5267228,
// α = 0.33917084, β = 0.2849083.
std::map<std::string, double> HoffmannUnrounded() {
  return {{"E", std::exp(0.5267228)},
          {"A", std::exp(6.0073404)},
          {"B", std::exp(6.0179186)},
          {"alpha", 0.33917084},
          {"beta", 0.2849083}};
}

// Hoffmann et al. 2022, Eq. 10 (rounded).
std::map<std::string, double> HoffmannRounded() {
  return {
      {"E", 1.69}, {"A", 406.4}, {"B", 410.7}, {"alpha", 0.34}, {"beta", 0.28}};
}

FitResult Given(const std::map<std::string, double>& p) {
  return FromParams(GetLaw("chinchilla"), p);
}

// Independent evaluation of Hoffmann Eq. 4 with pow (not log space).
struct PowFrontier {
  double N, D, L;
};
PowFrontier Eq4(const std::map<std::string, double>& p, double C,
                double k = 6.0) {
  const double E = p.at("E"), A = p.at("A"), B = p.at("B"), al = p.at("alpha"),
               be = p.at("beta");
  const double G = std::pow(al * A / (be * B), 1.0 / (al + be));
  const double N = G * std::pow(C / k, be / (al + be));
  const double D = std::pow(G, -1.0) * std::pow(C / k, al / (al + be));
  return {N, D, E + A / std::pow(N, al) + B / std::pow(D, be)};
}

double Rel(double a, double b) { return std::abs(a - b) / std::abs(b); }

AllocationOptions Numeric() {
  AllocationOptions o;
  o.method = "numeric";
  return o;
}

// The chinchilla formula under another name: allocation cannot recognise it,
// so it always takes the numeric path (the "any law" path).
struct RenamedChinchilla {
  static constexpr const char* kName = "test_renamed_chinchilla";
  static constexpr const char* kFormula = "E + A/N^a + B/D^b";
  static constexpr int kNumParams = 5;
  static constexpr int kNumInputs = 2;
  static constexpr std::array<ParamSpec, kNumParams> kParams = {{
      {"E", true, true, 0.0, kInf, 1.0, 1.0, 1.7},
      {"A", true, true, 0.0, kInf, 1.0, 1.0, 400.0},
      {"B", true, true, 0.0, kInf, 1.0, 1.0, 400.0},
      {"alpha", false, false, 0.0, 5.0, 0.05, 1.2, 0.34},
      {"beta", false, false, 0.0, 5.0, 0.05, 1.2, 0.28},
  }};
  // D first: the allocation must find inputs by name, not position.
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"D", "N"}};
  template <typename T>
  static T Evaluate(const T* p, const double* x) {
    using std::pow;
    return p[0] + p[1] / pow(x[1], p[3]) + p[2] / pow(x[0], p[4]);
  }
};

// ---------------------------------------------------------------------------
// Closed form
// ---------------------------------------------------------------------------

TEST(AllocationClosedForm, HoffmannUnroundedGopherBudget) {
  // Hoffmann et al. 2022, Fig. 4 caption / Table 3: at the Gopher budget
  // 5.76e23 FLOPs the parametric fit (Approach 3) gives N_opt ≈ 40B.
  const Allocation a = ComputeOptimal(Given(HoffmannUnrounded()), 5.76e23);
  EXPECT_LT(Rel(a.N_opt, 40.4e9), 0.005) << a.N_opt;
  EXPECT_EQ(a.method, "closed_form");
  EXPECT_EQ(a.flop_convention, "6ND");
  const PowFrontier ref = Eq4(HoffmannUnrounded(), 5.76e23);
  EXPECT_LT(Rel(a.N_opt, ref.N), 1e-12);
  EXPECT_LT(Rel(a.D_opt, ref.D), 1e-12);
  EXPECT_LT(Rel(a.loss_opt, ref.L), 1e-13);
}

TEST(AllocationClosedForm, HoffmannRoundedEq10) {
  // With the rounded Eq. 10 values the same budget gives N_opt = 3.219e10
  // (Eq. 4 evaluated independently in double precision with pow: 32.1899e9),
  // 20% below the unrounded 40.36e9: the exponents' rounding (0.339 → 0.34,
  // 0.285 → 0.28) moves a = β/(α+β) from 0.4565 to 0.4516, and (C/k)^a
  // amplifies that at 1e23. The band is ±0.05% around 32.19e9.
  const Allocation a = ComputeOptimal(Given(HoffmannRounded()), 5.76e23);
  EXPECT_LT(Rel(a.N_opt, 32.19e9), 5e-4) << a.N_opt;
  EXPECT_LT(Rel(a.N_opt, Eq4(HoffmannRounded(), 5.76e23).N), 1e-12);
  const Allocation u = ComputeOptimal(Given(HoffmannUnrounded()), 5.76e23);
  EXPECT_LT(a.N_opt, 0.81 * u.N_opt);
}

TEST(AllocationClosedForm, TemplateWorksWithJets) {
  // ∂N_opt/∂α by Jet against a central difference of the double version.
  using Jet = ceres::Jet<double, 5>;
  const auto p = HoffmannUnrounded();
  const double v[5] = {p.at("E"), p.at("A"), p.at("B"), p.at("alpha"),
                       p.at("beta")};
  Jet j[5];
  for (int i = 0; i < 5; ++i) j[i] = Jet(v[i], i);
  const auto fj = ChinchillaFrontierAt(j[0], j[1], j[2], j[3], j[4], 1e24);
  const double h = 1e-6;
  const double up =
      ChinchillaFrontierAt(v[0], v[1], v[2], v[3] + h, v[4], 1e24).N_opt;
  const double dn =
      ChinchillaFrontierAt(v[0], v[1], v[2], v[3] - h, v[4], 1e24).N_opt;
  EXPECT_LT(Rel(fj.N_opt.v[3], (up - dn) / (2 * h)), 1e-6);
  EXPECT_LT(Rel(fj.N_opt.a, Eq4(p, 1e24).N), 1e-13);  // log space vs pow
  // ∂L*/∂E = 1 exactly.
  EXPECT_EQ(fj.loss_opt.v[0], 1.0);
}

TEST(AllocationClosedForm, InverseClosedForm) {
  const auto p = HoffmannUnrounded();
  for (double C : {1e15, 1e20, 5.76e23, 1e27, 1e30}) {
    const auto f = ChinchillaFrontierAt(p.at("E"), p.at("A"), p.at("B"),
                                        p.at("alpha"), p.at("beta"), C);
    const double lck =
        ChinchillaLogComputeForLoss(p.at("E"), p.at("A"), p.at("B"),
                                    p.at("alpha"), p.at("beta"), f.loss_opt);
    EXPECT_LT(Rel(std::exp(lck) * 6.0, C), 1e-9) << C;
  }
}

// ---------------------------------------------------------------------------
// Numeric allocation
// ---------------------------------------------------------------------------

TEST(AllocationNumeric, EqualsClosedFormOverThe15Decades) {
  for (const auto& params : {HoffmannUnrounded(), HoffmannRounded()}) {
    const FitResult r = Given(params);
    for (double C = 1e15; C <= 1.01e30; C *= 10.0) {
      const Allocation c = ComputeOptimal(r, C);
      const Allocation n = ComputeOptimal(r, C, FlopModel::SixND(), Numeric());
      EXPECT_EQ(n.method, "numeric");
      EXPECT_LT(Rel(n.N_opt, c.N_opt), 1e-10) << C;
      EXPECT_LT(Rel(n.D_opt, c.D_opt), 1e-10) << C;
      EXPECT_LT(Rel(n.loss_opt, c.loss_opt), 1e-14) << C;
    }
  }
}

TEST(AllocationNumeric, AnyLawWithNAndDInputsByName) {
  const FitResult r =
      FromParams(MakeLaw<RenamedChinchilla>(), HoffmannUnrounded());
  for (double C : {1e17, 5.76e23, 1e29}) {
    const Allocation n = ComputeOptimal(r, C);  // auto → numeric
    EXPECT_EQ(n.method, "numeric");
    const PowFrontier ref = Eq4(HoffmannUnrounded(), C);
    EXPECT_LT(Rel(n.N_opt, ref.N), 1e-10) << C;
    EXPECT_LT(Rel(n.D_opt, ref.D), 1e-10) << C;
  }
  AllocationOptions o;
  o.method = "closed_form";
  EXPECT_THROW(ComputeOptimal(r, 1e20, FlopModel::SixND(), o), InvalidArgument);
}

TEST(AllocationNumeric, FlopIdentity) {
  const FitResult r = Given(HoffmannUnrounded());
  for (double k : {6.0, 8.0}) {
    for (double C = 1e15; C <= 1.01e30; C *= 31.0) {
      for (const auto& o : {AllocationOptions{}, Numeric()}) {
        const Allocation a = ComputeOptimal(r, C, FlopModel::SixND(k), o);
        EXPECT_LT(Rel(k * a.N_opt * a.D_opt, C), 1e-12) << C << " " << k;
        EXPECT_LT(Rel(a.tokens_per_param, a.D_opt / a.N_opt), 1e-15);
      }
    }
  }
  EXPECT_EQ(FlopModel::SixND(8.0).name(), "kND (k = 8)");
}

TEST(AllocationNumeric, FrontierStrictlyDecreasingAndFinite) {
  const FitResult r = Given(HoffmannUnrounded());
  std::vector<double> C;
  for (int i = 0; i <= 150; ++i) C.push_back(std::pow(10.0, 15.0 + 0.1 * i));
  for (const auto& o : {AllocationOptions{}, Numeric()}) {
    const AllocationTable t = ComputeOptimal(r, C, FlopModel::SixND(), o);
    ASSERT_EQ(t.num_rows(), 151);
    for (int i = 0; i < t.num_rows(); ++i) {
      for (const auto& n : AllocationTable::ColumnNames()) {
        EXPECT_TRUE(std::isfinite(t.column(n).mean[i])) << n << " " << i;
      }
      if (i > 0) {
        EXPECT_LT(t.loss_opt.mean[i], t.loss_opt.mean[i - 1]) << i;
        EXPECT_GT(t.N_opt.mean[i], t.N_opt.mean[i - 1]) << i;
      }
      EXPECT_GT(t.loss_opt.mean[i], r.param("E"));
    }
  }
  // Far beyond: still finite in log space.
  const Allocation big = ComputeOptimal(r, 1e300);
  EXPECT_TRUE(std::isfinite(big.N_opt) && std::isfinite(big.D_opt));
}

TEST(AllocationNumeric, OtherFlopModelsAgreeWhenTheyAre6ND) {
  const FitResult r = Given(HoffmannUnrounded());
  const FlopModel per_token =
      FlopModel::PerToken("six_n_per_token", [](double N) { return 6.0 * N; });
  const FlopModel general = FlopModel::General(
      "six_nd_general", [](double N, double D) { return 6.0 * N * D; });
  for (double C : {1e18, 5.76e23, 1e28}) {
    const Allocation c = ComputeOptimal(r, C);
    for (const FlopModel* m : {&per_token, &general}) {
      const Allocation n = ComputeOptimal(r, C, *m);
      EXPECT_EQ(n.method, "numeric");
      EXPECT_EQ(n.flop_convention, m->name());
      EXPECT_LT(Rel(n.N_opt, c.N_opt), 1e-9) << m->name() << " " << C;
      EXPECT_LT(Rel(m->Flops(n.N_opt, n.D_opt), C), 1e-12);
    }
  }
}

TEST(AllocationNumeric, AttentionOverheadShiftsToFewerParams) {
  // C = (6N + c0)·D with a fixed per-token attention cost c0. Truth: the
  // first-order condition along the budget, computed here by hand,
  //   ∂L/∂log N + ∂L/∂log D · (∂log D/∂log N)|_C = 0,
  //   ∂log D/∂log N = −6N/(6N + c0).
  const auto p = HoffmannUnrounded();
  const FitResult r = Given(p);
  const double c0 = 6.0 * 80 * 2048 * 8192;  // Kaplan Eq. 2.2 attention term
  const FlopModel m = FlopModel::PerToken(
      "kaplan_fixed_ctx", [c0](double N) { return 6.0 * N + c0; });
  const Allocation a = ComputeOptimal(r, 1e22, m);
  const double N = a.N_opt, D = a.D_opt;
  const double dLdlogN =
      -p.at("alpha") * p.at("A") * std::pow(N, -p.at("alpha"));
  const double dLdlogD = -p.at("beta") * p.at("B") * std::pow(D, -p.at("beta"));
  const double dlogD = -6.0 * N / (6.0 * N + c0);
  EXPECT_LT(std::abs(dLdlogN + dLdlogD * dlogD), 1e-12 * std::abs(dLdlogN));
  EXPECT_LT(Rel((6.0 * N + c0) * D, 1e22), 1e-12);
}

TEST(AllocationNumeric, KaplanLawAgainstItsOwnClosedForm) {
  // L = [(N_c/N)^q + D_c/D]^α_D, q = α_N/α_D (Kaplan et al. 2020, Eq. 1.5)
  // is monotone in the bracket, so under D = C/(6N) the optimum minimises
  // (N_c/N)^q + 6·D_c·N/C:  −q·N_c^q·N^(−q−1) + 6·D_c/C = 0  ⇒
  //   N_opt = (q·N_c^q·C / (6·D_c))^(1/(q+1))   (derived here by hand).
  // Eq. 1.1-1.2 values: α_N = 0.076, N_c = 8.8e13, α_D = 0.095, D_c = 5.4e13.
  const double Nc = 8.8e13, Dc = 5.4e13, aN = 0.076, aD = 0.095;
  const FitResult r =
      FromParams(GetLaw("kaplan"),
                 {{"N_c", Nc}, {"D_c", Dc}, {"alpha_N", aN}, {"alpha_D", aD}});
  const double q = aN / aD;
  for (double C : {1e15, 1e20, 1e25, 1e30}) {
    const Allocation a = ComputeOptimal(r, C);
    EXPECT_EQ(a.method, "numeric");
    const double N =
        std::pow(q * std::pow(Nc, q) * C / (6.0 * Dc), 1 / (q + 1));
    EXPECT_LT(Rel(a.N_opt, N), 1e-10) << C;
  }
  // The floor of a law without an additive constant is 0 (to 1e-15).
  EXPECT_LT(LawFloor(r), 1e-15);
}

TEST(AllocationNumeric, DataConstrainedWithAmpleDataIsChinchilla) {
  // Muennighoff et al. 2023 with U ≥ D (no repetition): L equals Chinchilla
  // for N ≤ N_opt(D) and is higher beyond it (excess parameters are
  // discounted); N_opt(D) passes exactly through the Chinchilla optimum, so
  // the optimum is the Chinchilla closed form, at a kink of L.
  // Parameters: huggingface/datablations README (see data_constrained.hpp).
  const std::map<std::string, double> chin = {{"E", std::exp(0.6254804)},
                                              {"A", std::exp(6.255414)},
                                              {"B", std::exp(7.3049974)},
                                              {"alpha", 0.3526596},
                                              {"beta", 0.3526596}};
  std::map<std::string, double> dc = chin;
  dc["R_D_star"] = 15.387756;
  dc["R_N_star"] = 5.309743;
  const FitResult r = FromParams(GetLaw("data_constrained"), dc);
  AllocationOptions o;
  o.other_inputs["U"] = 1e30;
  for (double C : {1e18, 1e22, 1e26}) {
    const Allocation a = ComputeOptimal(r, C, FlopModel::SixND(), o);
    const PowFrontier ref = Eq4(chin, C);
    EXPECT_LT(Rel(a.N_opt, ref.N), 1e-7) << C;
    EXPECT_LT(Rel(a.loss_opt, ref.L), 1e-14) << C;
  }
  // U must be given: the error names it.
  try {
    ComputeOptimal(r, 1e20);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'U'"), std::string::npos) << e.what();
  }
}

TEST(AllocationNumeric, DataConstrainedUnderUniqueTokenCap) {
  // Allocation under a cap U on unique tokens (Muennighoff et al. 2023):
  // the numeric allocation over L(N, C/(6N), U) against an exhaustive scan
  // of 200001 log-spaced N (an independent method). A binding cap raises
  // the achievable loss and moves the optimum away from the uncapped one.
  std::map<std::string, double> dc = {
      {"E", std::exp(0.6254804)}, {"A", std::exp(6.255414)},
      {"B", std::exp(7.3049974)}, {"alpha", 0.3526596},
      {"beta", 0.3526596},        {"R_D_star", 15.387756},
      {"R_N_star", 5.309743}};
  const FitResult r = FromParams(GetLaw("data_constrained"), dc);
  const double C = 1e23;
  AllocationOptions ample;
  ample.other_inputs["U"] = 1e30;
  AllocationOptions capped;
  capped.other_inputs["U"] = 25e9;  // far below the uncapped D_opt
  const Allocation free_alloc = ComputeOptimal(r, C, FlopModel::SixND(), ample);
  const Allocation cap = ComputeOptimal(r, C, FlopModel::SixND(), capped);
  ASSERT_GT(free_alloc.D_opt, 4 * 25e9);
  EXPECT_GT(Rel(cap.N_opt, free_alloc.N_opt), 0.05);
  EXPECT_GT(cap.loss_opt, free_alloc.loss_opt);
  EXPECT_LT(Rel(6.0 * cap.N_opt * cap.D_opt, C), 1e-12);
  const std::vector<double> p = r.values();
  double best_loss = INFINITY, best_N = 0;
  for (int i = 0; i <= 200000; ++i) {
    const double N = std::pow(10.0, 8.0 + 5.0 * i / 200000.0);
    const double x[3] = {N, C / (6.0 * N), 25e9};
    const double L = r.law->Evaluate(p.data(), x);
    if (L < best_loss) {
      best_loss = L;
      best_N = N;
    }
  }
  EXPECT_LE(cap.loss_opt, best_loss * (1 + 1e-12));
  EXPECT_LT(Rel(cap.N_opt, best_N), 1e-4);  // grid step is 5.8e-5 in N
}

// ---------------------------------------------------------------------------
// Inverse, fixed ratio, inference-aware
// ---------------------------------------------------------------------------

TEST(AllocationInverse, LossToComputeInvertsComputeOptimal) {
  const FitResult given = Given(HoffmannUnrounded());
  const FitResult renamed =
      FromParams(MakeLaw<RenamedChinchilla>(), HoffmannUnrounded());
  for (double C : {1e15, 1e19, 5.76e23, 1e27, 1e30}) {
    const Allocation a = ComputeOptimal(given, C);
    const Allocation b = LossToCompute(given, a.loss_opt);
    EXPECT_LT(Rel(b.C, C), 1e-9) << C;
    EXPECT_LT(Rel(b.N_opt, a.N_opt), 1e-9) << C;
    const Allocation n = LossToCompute(renamed, a.loss_opt);
    EXPECT_EQ(n.method, "numeric");
    EXPECT_LT(Rel(n.C, C), 1e-9) << C;
    EXPECT_LT(Rel(n.N_opt, a.N_opt), 1e-9) << C;
  }
  const AllocationTable t = LossToCompute(given, std::vector<double>{2.5, 2.0});
  ASSERT_EQ(t.num_rows(), 2);
  EXPECT_EQ(t.target_loss[1], 2.0);
  EXPECT_LT(Rel(t.loss_opt.mean[1], 2.0), 1e-12);
  EXPECT_GT(t.C.mean[1], t.C.mean[0]);
}

TEST(AllocationInverse, TargetAtOrBelowFloorIsAnError) {
  const FitResult r = Given(HoffmannRounded());
  const FitResult renamed =
      FromParams(MakeLaw<RenamedChinchilla>(), HoffmannRounded());
  EXPECT_EQ(LawFloor(r), 1.69);
  EXPECT_NEAR(LawFloor(renamed), 1.69, 1e-15);
  for (const FitResult* x : {&r, &renamed}) {
    for (double t : {1.69, 1.5}) {
      try {
        LossToCompute(*x, t);
        FAIL() << "no error for target " << t;
      } catch (const NotIdentified& e) {
        EXPECT_NE(std::string(e.what()).find("floor"), std::string::npos)
            << e.what();
      }
    }
  }
  EXPECT_THROW(LossToCompute(r, std::nan("")), InvalidArgument);
  try {
    LossToCompute(r, std::vector<double>{2.0, 1.0});
    FAIL();
  } catch (const NotIdentified& e) {
    EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos)
        << e.what();
  }
}

TEST(AllocationPlanAtRatio, SixNDIsClosedFormAndNeverBeatsTheFrontier) {
  const FitResult r = Given(HoffmannUnrounded());
  for (double C : {1e20, 5.76e23, 1e26}) {
    const Allocation p = PlanAtRatio(r, C, 20.0);
    EXPECT_LT(Rel(p.N_opt, std::sqrt(C / (6.0 * 20.0))), 1e-14);
    EXPECT_LT(Rel(p.tokens_per_param, 20.0), 1e-15);
    const Allocation opt = ComputeOptimal(r, C);
    EXPECT_GE(p.loss_opt, opt.loss_opt);
    // At the frontier's own ratio the plan IS the frontier.
    const Allocation same = PlanAtRatio(r, C, opt.tokens_per_param);
    EXPECT_LT(Rel(same.N_opt, opt.N_opt), 1e-12);
    // A general model reproduces it by root finding.
    const Allocation g = PlanAtRatio(
        r, C, 20.0, FlopModel::General("g6nd", [](double N, double D) {
          return 6 * N * D;
        }));
    EXPECT_LT(Rel(g.N_opt, p.N_opt), 1e-13);
  }
  EXPECT_THROW(PlanAtRatio(r, 1e20, 0.0), InvalidArgument);
  EXPECT_THROW(PlanAtRatio(r, 1e20, std::nan("")), InvalidArgument);
}

TEST(AllocationInferenceAware, ReducesToComputeOptimalAndBeatsAScan) {
  const auto p = HoffmannUnrounded();
  const FitResult r = Given(p);
  const double target = 2.0;
  const InferenceAwarePlan zero = InferenceAware(r, target, 0.0);
  const Allocation opt = LossToCompute(r, target);
  EXPECT_LT(Rel(zero.N_opt, opt.N_opt), 1e-12);
  EXPECT_LT(Rel(zero.total_flops, opt.C), 1e-12);

  const double d_inf = 1e13;  // lifetime inference tokens
  const InferenceAwarePlan ia = InferenceAware(r, target, d_inf);
  EXPECT_LT(ia.N_opt, opt.N_opt);
  EXPECT_GT(ia.D_opt, opt.D_opt);
  EXPECT_LT(Rel(r.Predict(std::vector<double>{ia.N_opt, ia.D_opt})[0], target),
            1e-12);
  EXPECT_LE(ia.total_flops, ia.chinchilla_total_flops);
  EXPECT_LT(Rel(ia.inference_flops, 2.0 * ia.N_opt * d_inf), 1e-15);
  // Independent check: the iso-loss curve in closed form,
  // D(N) = (B / (L − E − A N^−α))^(1/β), scanned finely in log N.
  const double E = p.at("E"), A = p.at("A"), B = p.at("B"), al = p.at("alpha"),
               be = p.at("beta");
  double best = INFINITY, best_N = 0;
  for (int i = 0; i <= 200000; ++i) {
    const double N = ia.N_opt * std::exp(-0.5 + 1e-5 * i);
    const double rest = target - E - A * std::pow(N, -al);
    if (!(rest > 0)) continue;
    const double D = std::pow(B / rest, 1.0 / be);
    const double cost = 6.0 * N * D + 2.0 * N * d_inf;
    if (cost < best) {
      best = cost;
      best_N = N;
    }
  }
  EXPECT_LE(ia.total_flops, best * (1 + 1e-12));
  EXPECT_LT(Rel(ia.N_opt, best_N), 2e-5);
  EXPECT_THROW(InferenceAware(r, target, -1.0), InvalidArgument);
  EXPECT_THROW(InferenceAware(r, E, 1e12), NotIdentified);
}

// ---------------------------------------------------------------------------
// Tables, reports, bad input
// ---------------------------------------------------------------------------

TEST(AllocationTable, ColumnsRowsAndReport) {
  const FitResult r = Given(HoffmannUnrounded());
  const AllocationTable t =
      ComputeOptimal(r, std::vector<double>{1e21, 5.76e23});
  EXPECT_EQ(t.num_rows(), 2);
  EXPECT_EQ(t.kind, "compute_optimal");
  EXPECT_EQ(t.column("N_opt").mean[1], t.row(1).N_opt);
  EXPECT_FALSE(t.N_opt.has_interval());
  EXPECT_THROW(t.column("N"), UnknownName);
  EXPECT_THROW(t.row(2), InvalidArgument);
  const std::string rep = t.FullReport();
  EXPECT_NE(rep.find("FLOP convention: 6ND"), std::string::npos) << rep;
  EXPECT_NE(rep.find("no data, no uncertainty"), std::string::npos) << rep;
  // People read 6 significant digits; the column keeps full precision.
  EXPECT_NE(rep.find(FormatShort(t.N_opt.mean[1])), std::string::npos) << rep;
  EXPECT_EQ(rep.find(FormatFull(t.N_opt.mean[1])), std::string::npos) << rep;
  EXPECT_NE(t.BriefReport().find("6ND"), std::string::npos);
}

TEST(AllocationErrors, BadBudgetsAndLaws) {
  const FitResult r = Given(HoffmannUnrounded());
  for (double C : {0.0, -1e20, std::nan(""), double{INFINITY}}) {
    EXPECT_THROW(ComputeOptimal(r, C), InvalidArgument) << C;
  }
  try {
    ComputeOptimal(r, std::vector<double>{1e20, -1.0});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos);
  }
  const FitResult pl = FromParams(GetLaw("saturating_power_law"),
                                  {{"E", 1.7}, {"A", 100.0}, {"alpha", 0.1}});
  try {
    ComputeOptimal(pl, 1e20);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("inputs N and D"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(LossToCompute(pl, 2.0), InvalidArgument);
  AllocationOptions bad;
  bad.method = "magic";
  EXPECT_THROW(ComputeOptimal(r, 1e20, FlopModel::SixND(), bad), UnknownName);
  AllocationOptions extra;
  extra.other_inputs["U"] = 1e9;
  EXPECT_THROW(ComputeOptimal(r, 1e20, FlopModel::SixND(), extra), UnknownName);
  EXPECT_THROW(FlopModel::SixND(0.0), InvalidArgument);
  EXPECT_THROW(FlopModel::SixND(std::nan("")), InvalidArgument);
  EXPECT_THROW(FlopModel::FromConvention("kaplan"), InvalidArgument);
  EXPECT_THROW(FlopModel::FromConvention("7ND"), UnknownName);
  EXPECT_EQ(FlopModel::FromConvention("6ND").k(), 6.0);
  // Budget too small to hold one parameter and one token.
  EXPECT_THROW(ComputeOptimal(r, 3.0, FlopModel::SixND(), Numeric()),
               InvalidArgument);
}

}  // namespace
}  // namespace scalefit
