// Profile-objective intervals (uncertainty/profile.hpp) and the profile
// check of the diagnostics. Independent truth: ordinary least squares and
// Student-t quantiles written out here (a law linear in its parameters),
// planted parameters, closed-form mirror optima.
#include "scalefit/uncertainty/profile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/datasets.hpp"
#include "scalefit/diagnostics.hpp"
#include "scalefit/fit_card.hpp"
#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/laws/data_constrained.hpp"
#include "scalefit/uncertainty.hpp"
#include "test_support.hpp"

namespace scalefit {
namespace {

using test_support::ExpectThrows;
using test_support::LogSpace;

double Gauss(std::mt19937_64& gen) {  // portable Box–Muller
  const double u1 = ((gen() >> 11) + 0.5) * 0x1.0p-53;
  const double u2 = ((gen() >> 11) + 0.5) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// log L = log A − α log x + ε: power_law under mse_log is LINEAR in
// (log A, α), so the profile interval is the classical t interval.
struct Linear {
  Observations obs;
  double alpha_hat = 0, se = 0, t = 0;
};

Linear PowerLawData(int n, double noise, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<double> x, L, lx, y;
  for (int i = 0; i < n; ++i) {
    const double xi = std::pow(10.0, 1.0 + 4.0 * i / (n - 1));
    x.push_back(xi);
    L.push_back(50.0 * std::pow(xi, -0.3) * std::exp(noise * Gauss(gen)));
    lx.push_back(std::log(xi));
    y.push_back(std::log(L.back()));
  }
  Linear c;
  c.obs = MakeObservations({"x"}, {{"x", x}}, L);
  // OLS of y on (1, −log x).
  double mx = 0, my = 0;
  for (int i = 0; i < n; ++i) {
    mx += lx[i] / n;
    my += y[i] / n;
  }
  double sxx = 0, sxy = 0;
  for (int i = 0; i < n; ++i) {
    sxx += (lx[i] - mx) * (lx[i] - mx);
    sxy += (lx[i] - mx) * (y[i] - my);
  }
  c.alpha_hat = -sxy / sxx;
  double rss = 0;
  for (int i = 0; i < n; ++i) {
    const double r = y[i] - (my + (-c.alpha_hat) * (lx[i] - mx));
    rss += r * r;
  }
  c.se = std::sqrt(rss / (n - 2) / sxx);
  return c;
}

TEST(Profile, LinearModelGivesTheStudentTInterval) {
  // n = 12: t_{10}(0.975) = 2.228138851986 (tables), so the 95 % profile
  // interval is α̂ ± 2.228·se exactly (F(1, 10) = t² calibration).
  const Linear c = PowerLawData(12, 0.05, 7);
  FitOptions o;
  o.objective = Objective::kMseLog;
  const FitResult fit = Fit("power_law", c.obs, o);
  ASSERT_TRUE(fit.converged) << fit.message;
  EXPECT_NEAR(fit.param("alpha"), c.alpha_hat, 1e-9);
  const Profile p = ProfileParameter(fit, "alpha");
  EXPECT_EQ(p.calibration, "F(1, n-F), sigma^2 estimated");
  EXPECT_NEAR(p.threshold, 2.228138851986 * 2.228138851986, 1e-9);
  EXPECT_NEAR(p.lower, c.alpha_hat - 2.228138851986 * c.se, 1e-6 * c.se);
  EXPECT_NEAR(p.upper, c.alpha_hat + 2.228138851986 * c.se, 1e-6 * c.se);
  EXPECT_EQ(p.lower_end, "crossing");
  EXPECT_EQ(p.upper_end, "crossing");
  EXPECT_FALSE(p.weakly_identified);
  EXPECT_FALSE(p.better_point);
  // The table holds the fit (deviance 0) and ascends.
  bool has_fit = false;
  for (size_t i = 0; i < p.points.size(); ++i) {
    if (i) EXPECT_LE(p.points[i - 1].value, p.points[i].value);
    has_fit = has_fit || p.points[i].deviance == 0.0;
    EXPECT_GE(p.points[i].deviance, -1e-9);
  }
  EXPECT_TRUE(has_fit);
  // A positive scale walks in log A: the interval is exp of the t interval
  // of log A — the same whether one thinks in A or log A.
  const Profile pa = ProfileParameter(fit, "A");
  EXPECT_TRUE(pa.log_scale);
  EXPECT_NEAR(std::log(pa.upper / fit.param("A")),
              std::log(fit.param("A") / pa.lower), 1e-6);
}

TEST(Profile, HuberWithLargeDeltaIsTheSandwichWaldInterval) {
  // δ = 1 puts every residual in the quadratic zone: the objective is least
  // squares, the profile exactly quadratic, so the sandwich-adjusted
  // interval is α̂ ± z·se with se from the kernel sandwich.
  const Linear c = PowerLawData(30, 0.05, 3);
  FitOptions o;
  o.delta = 1.0;
  const FitResult fit = Fit("power_law", c.obs, o);
  ASSERT_TRUE(fit.converged) << fit.message;
  const Covariance cov = ComputeCovariance(fit);
  const double se = cov.std_errors[1], z = 1.959963984540054;
  const Profile p = ProfileParameter(fit, "alpha");
  EXPECT_EQ(p.calibration, "chi2(1), sandwich-adjusted");
  EXPECT_NEAR(p.threshold, z * z, 1e-12);
  EXPECT_NEAR(p.lower, fit.param("alpha") - z * se, 1e-5 * se);
  EXPECT_NEAR(p.upper, fit.param("alpha") + z * se, 1e-5 * se);
}

Observations NoisyChinchilla(double sigma, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  const test_support::Planted& t = test_support::kChinchilla;
  std::vector<double> N, D, L;
  for (double C : LogSpace(6e18, 3e21, 6))
    for (double f : LogSpace(0.18, 5.6, 8)) {
      const double Nopt = 0.6 * std::sqrt(C / 6.0);
      const double n = Nopt * f, d = C / (6.0 * n);
      N.push_back(n);
      D.push_back(d);
      L.push_back(t.L(n, d) * std::exp(sigma * Gauss(gen)));
    }
  return MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, L);
}

TEST(Profile, DerivedQuantitiesHoldTheirValue) {
  const FitResult fit = Fit("chinchilla", NoisyChinchilla(0.01, 5));
  ASSERT_TRUE(fit.converged) << fit.message;
  const Profile pa = ProfileDerived(fit, "a");
  const double a_hat =
      fit.param("beta") / (fit.param("alpha") + fit.param("beta"));
  EXPECT_NEAR(pa.estimate, a_hat, 1e-12);
  EXPECT_LT(pa.lower, a_hat);
  EXPECT_GT(pa.upper, a_hat);
  for (const ProfilePoint& pt : pa.points) {
    const double al = pt.params[3], be = pt.params[4];
    EXPECT_NEAR(be / (al + be), pt.value, 1e-9);
  }
  // N_opt at 1e24 FLOPs: every point's parameters put the closed-form
  // optimum at the point's value.
  const Profile pn = ProfileDerived(fit, "N_opt@1e24");
  EXPECT_TRUE(pn.log_scale);
  for (const ProfilePoint& pt : pn.points) {
    const auto f =
        ChinchillaFrontierAt(pt.params[0], pt.params[1], pt.params[2],
                             pt.params[3], pt.params[4], 1e24);
    EXPECT_NEAR(f.N_opt / pt.value, 1.0, 1e-9);
  }
  // Roughly the delta-method interval where the profile is near-quadratic.
  const IntervalTable d = ConfInt(fit, 0.95, {1e24});
  const int ia = d.Index("a");
  EXPECT_NEAR(pa.upper - pa.lower, d.upper[ia] - d.lower[ia],
              0.35 * (d.upper[ia] - d.lower[ia]));
  ExpectThrows<InvalidArgument>([&] { ProfileDerived(fit, "G"); },
                                {"unknown derived quantity 'G'", "a, b"});
  ExpectThrows<InvalidArgument>([&] { ProfileDerived(fit, "N_opt@-5"); },
                                {"budget", "FLOPs > 0"});
  ExpectThrows<UnknownName>([&] { ProfileParameter(fit, "gamma"); }, {"gamma"});
}

TEST(Profile, ConfIntTableAndErrors) {
  const FitResult fit = Fit("chinchilla", NoisyChinchilla(0.01, 11));
  std::vector<Profile> profiles;
  ProfileOptions po;
  po.num_threads = 2;
  const IntervalTable t = ProfileConfInt(fit, po, {"a"}, &profiles);
  EXPECT_EQ(t.method, "profile");
  ASSERT_EQ(t.num_rows(), 6);
  EXPECT_EQ(t.names.back(), "a");
  ASSERT_EQ(profiles.size(), 6u);
  for (int k = 0; k < 6; ++k) {
    EXPECT_LT(t.lower[k], t.mean[k]) << t.names[k];
    EXPECT_GT(t.upper[k], t.mean[k]) << t.names[k];
    EXPECT_EQ(profiles[k].lower, t.lower[k]);
  }
  // Every row carries its Wald standard error, the derived a = β/(α+β) too:
  // sqrt(gᵀΣg) with the closed-form gradient ∂a/∂α = −β/(α+β)²,
  // ∂a/∂β = α/(α+β)².
  const Covariance cov = ComputeCovariance(fit);
  const double al = fit.params[3].value, be = fit.params[4].value;
  const double s2 = (al + be) * (al + be);
  const double ga = -be / s2, gb = al / s2;
  const double var_a = ga * ga * cov.matrix[3 * 5 + 3] +
                       2.0 * ga * gb * cov.matrix[3 * 5 + 4] +
                       gb * gb * cov.matrix[4 * 5 + 4];
  EXPECT_NEAR(t.std_errors[5], std::sqrt(var_a), 1e-10 * std::sqrt(var_a));
  for (int k = 0; k < 5; ++k)
    EXPECT_EQ(t.std_errors[k], cov.std_errors[k]) << t.names[k];
  // Deterministic whatever the thread count.
  po.num_threads = 1;
  const IntervalTable t1 = ProfileConfInt(fit, po, {"a"});
  EXPECT_EQ(t1.lower, t.lower);
  EXPECT_EQ(t1.upper, t.upper);
  // Fixed and tied parameters.
  FitOptions fixed;
  fixed.fixed = {"E"};
  fixed.init = {{"E", 1.69}};
  fixed.ties = {{"beta", "alpha"}};
  const FitResult g = Fit("chinchilla", NoisyChinchilla(0.01, 11), fixed);
  ExpectThrows<InvalidArgument>([&] { ProfileParameter(g, "E"); },
                                {"'E' is fixed"});
  ExpectThrows<InvalidArgument>(
      [&] { ProfileParameter(g, "beta"); },
      {"'beta' is tied to 'alpha'", "profile 'alpha'"});
  ExpectThrows<InvalidArgument>([&] { ProfileDerived(g, "a"); },
                                {"cannot be held"});
  const IntervalTable tg = ProfileConfInt(g);
  const int ie = tg.Index("E"), ib = tg.Index("beta"), ia = tg.Index("alpha");
  EXPECT_EQ(tg.lower[ie], 1.69);
  EXPECT_EQ(tg.lower[ib], tg.lower[ia]);
  ProfileOptions bad;
  bad.level = 1.0;
  ExpectThrows<InvalidArgument>([&] { ProfileParameter(fit, "alpha", bad); },
                                {"level must be in (0, 1)"});
  const FitResult given =
      FromParams(GetLaw("chinchilla"), test_support::kChinchilla.Map());
  ExpectThrows<InvalidArgument>([&] { ProfileParameter(given, "alpha"); },
                                {"profile"});
}

// Quick coverage check (the 200-set simulation is a slow Python test):
// 15 planted Chinchilla data sets, 95 % profile intervals on alpha and beta.
TEST(Profile, QuickCoverageOnPlantedChinchilla) {
  int hit_a = 0, hit_b = 0, n = 0;
  for (std::uint64_t seed = 100; seed < 115; ++seed) {
    FitOptions o;
    o.objective = Objective::kMseLog;
    const FitResult fit = Fit("chinchilla", NoisyChinchilla(0.02, seed), o);
    if (!fit.converged) continue;
    ++n;
    const Profile pa = ProfileParameter(fit, "alpha");
    const Profile pb = ProfileParameter(fit, "beta");
    hit_a += pa.lower <= 0.34 && 0.34 <= pa.upper;
    hit_b += pb.lower <= 0.28 && 0.28 <= pb.upper;
  }
  ASSERT_GE(n, 14);
  // Binomial(15, 0.95): P(fewer than 12 hits) < 0.6 %.
  EXPECT_GE(hit_a, n - 3);
  EXPECT_GE(hit_b, n - 3);
}

// ---------------------------------------------------------------------------
// The profile check of the diagnostics
// ---------------------------------------------------------------------------

// Muennighoff et al. 2023's data-constrained law at its published values
// (huggingface/datablations@13701315, README "Parametric Fit"), planted on
// 9 (N, U) pairs. Many epochs identify R_D*; a few do not: for R_D ≪ R_D*
// D' ≈ D − U·R_D²/(2 R_D*), and D' → D as R_D* → ∞ (a plateau, not a
// minimum).
Observations DataConstrained(const std::vector<double>& epochs, double sigma,
                             std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<double> N, D, U, L;
  const double p[] = {1.86914,   520.82,    1487.72, 0.3526596,
                      0.3526596, 15.387756, 5.309743};
  for (double u : {1e8, 4e8, 1.5e9})
    for (double n : {2e7, 5e7, 1e8})
      for (double ep : epochs) {
        const double x[] = {n, u * ep, u};
        N.push_back(n);
        D.push_back(u * ep);
        U.push_back(u);
        L.push_back(laws::DataConstrained::Evaluate(p, x) *
                    std::exp(sigma * Gauss(gen)));
      }
  return MakeObservations({"N", "D", "U"}, {{"N", N}, {"D", D}, {"U", U}}, L);
}

FitOptions Tied(bool profile_check = true) {
  FitOptions o;
  o.ties = {{"beta", "alpha"}};  // as the published fit
  o.profile_check = profile_check;
  return o;
}

const WeakParameter* Weak(const FitResult& f, const std::string& name) {
  for (const auto& w : f.diagnostics.weak_parameters)
    if (w.name == name) return &w;
  return nullptr;
}

TEST(Identification, DataConstrainedDesignsToldApart) {
  const FitResult many =
      Fit("data_constrained",
          DataConstrained({1, 2, 4, 8, 16, 30, 60}, 0.005, 1), Tied());
  ASSERT_TRUE(many.converged) << many.message;
  EXPECT_TRUE(many.diagnostics.profile_checked);
  EXPECT_EQ(Weak(many, "R_D_star"), nullptr) << many.diagnostics.WarningText();
  const Profile pm = ProfileParameter(many, "R_D_star");
  EXPECT_LT(pm.lower, 15.387756);
  EXPECT_GT(pm.upper, 15.387756);
  EXPECT_LT(pm.upper / pm.lower, 2.0);

  const Observations few_runs =
      DataConstrained({1, 1.25, 1.5, 2, 2.5, 3}, 0.005, 1);
  // At defaults the fit does not look for a flat valley and says so; the
  // allocation runs the check itself and refuses.
  const FitResult unchecked = Fit("data_constrained", few_runs, Tied(false));
  EXPECT_FALSE(unchecked.diagnostics.profile_checked);
  EXPECT_EQ(Weak(unchecked, "R_D_star"), nullptr);
  EXPECT_NE(unchecked.diagnostics.FullReport().find("profile:     not checked"),
            std::string::npos);
  ExpectThrows<NotIdentified>([&] { ComputeOptimal(unchecked, 1e21); },
                              {"R_D_star", "weakly identified"});
  // Checked later: the same finding as with profile_check.
  FitResult later = unchecked;
  CheckIdentification(&later);
  EXPECT_TRUE(later.diagnostics.profile_checked);

  const FitResult few = Fit("data_constrained", few_runs, Tied());
  ASSERT_NE(Weak(later, "R_D_star"), nullptr);
  EXPECT_EQ(later.diagnostics.WarningText(), few.diagnostics.WarningText());
  const WeakParameter* w = Weak(few, "R_D_star");
  ASSERT_NE(w, nullptr) << few.diagnostics.WarningText();
  EXPECT_TRUE(std::isinf(w->upper));  // no upper limit
  EXPECT_GT(w->lower, 1.0);
  EXPECT_FALSE(few.diagnostics.identified);
  EXPECT_TRUE(few.diagnostics.HasWarning("weakly_identified"));
  EXPECT_NE(few.diagnostics.WarningText().find("R_D_star"), std::string::npos);
  // The finding travels in a fit card, with and without the runs, and the
  // card still refuses a plan.
  for (bool with_data : {true, false}) {
    FitCardOptions co;
    co.include_data = with_data;
    const FitResult back = FitCardFromString(FitCardToString(few, co));
    EXPECT_TRUE(back.diagnostics.profile_checked);
    EXPECT_FALSE(back.diagnostics.identified);
    EXPECT_EQ(back.diagnostics.WarningText(), few.diagnostics.WarningText());
    ASSERT_EQ(back.diagnostics.weak_parameters.size(),
              few.diagnostics.weak_parameters.size());
    const WeakParameter* wb = Weak(back, "R_D_star");
    ASSERT_NE(wb, nullptr);
    EXPECT_EQ(wb->estimate, w->estimate);
    EXPECT_EQ(wb->lower, w->lower);
    EXPECT_EQ(wb->upper, w->upper);  // +inf
    EXPECT_EQ(wb->level, w->level);
    EXPECT_EQ(wb->reason, w->reason);
    ExpectThrows<NotIdentified>([&] { ComputeOptimal(back, 1e21); },
                                {"R_D_star"});
  }
}

// Chinchilla on a ladder with D = k·N^γ (γ = 2): on it B/D^β = B k^−β
// N^−γβ, so θ' = (E, B k^−β, A k^(α/γ), γβ, α/γ) predicts every run
// exactly as θ does — two isolated optima of equal objective, for any
// noise. The competing-basin check judges the polished starts, so the
// starts must reach both: a start grid over the exponents (the default
// grid's best cells can all lie in one of them; docs/uncertainty.md).
TEST(Identification, PlantedTwoBasinProblem) {
  const test_support::Planted& t = test_support::kChinchilla;
  const double k = 1e-7, g = 2.0;
  std::vector<double> N = LogSpace(1e7, 1e10, 40), D, L;
  std::mt19937_64 gen(0);
  for (double n : N) {
    D.push_back(k * std::pow(n, g));
    L.push_back(t.L(n, D.back()) * std::exp(1e-5 * Gauss(gen)));
  }
  FitOptions o;
  o.start = "grid";
  o.grid["alpha"] = {0.2, 0.4, 0.6, 0.8};
  o.grid["beta"] = {0.1, 0.2, 0.3, 0.4};
  const FitResult fit = Fit(
      "chinchilla", MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, L), o);
  const double mirror_alpha = g * t.beta, mirror_beta = t.alpha / g;
  // One of the two optima is reported, the other as a competing basin.
  ASSERT_FALSE(fit.diagnostics.competing_basins.empty())
      << fit.diagnostics.WarningText();
  EXPECT_TRUE(fit.diagnostics.HasWarning("competing_basin"));
  EXPECT_FALSE(fit.diagnostics.identified);
  const auto& other = fit.diagnostics.competing_basins.front().params;
  const double a1 = fit.param("alpha"), a2 = other[3];
  const double lo = std::min(a1, a2), hi = std::max(a1, a2);
  EXPECT_NEAR(lo, t.alpha, 0.01);
  EXPECT_NEAR(hi, mirror_alpha, 0.01);
  const double b_of_lo = a1 < a2 ? fit.param("beta") : other[4];
  const double b_of_hi = a1 < a2 ? other[4] : fit.param("beta");
  EXPECT_NEAR(b_of_lo, t.beta, 0.01);
  EXPECT_NEAR(b_of_hi, mirror_beta, 0.01);
  // A planner must not get a tight N_opt from it.
  ExpectThrows<NotIdentified>([&] { ComputeOptimal(fit, 1e24); },
                              {"other optimum"});
  // Both parameter sets travel in a fit card (without the runs too).
  FitCardOptions co;
  co.include_data = false;
  const FitResult back = FitCardFromString(FitCardToString(fit, co));
  ASSERT_EQ(back.diagnostics.competing_basins.size(),
            fit.diagnostics.competing_basins.size());
  for (size_t i = 0; i < fit.diagnostics.competing_basins.size(); ++i) {
    const CompetingBasin& a = fit.diagnostics.competing_basins[i];
    const CompetingBasin& b = back.diagnostics.competing_basins[i];
    EXPECT_EQ(b.params, a.params);
    EXPECT_EQ(b.objective, a.objective);
    EXPECT_EQ(b.deviance, a.deviance);
  }
  EXPECT_FALSE(back.diagnostics.identified);
  ExpectThrows<NotIdentified>([&] { ComputeOptimal(back, 1e24); },
                              {"other optimum"});
}

TEST(Identification, WellDesignedFitsStayIdentified) {
  // Epoch's 240 Chinchilla runs (Besiroglu et al. 2024): no finding. The
  // default fit runs only the competing-basin check and says the profile
  // check did not run (the option travels in the card).
  const FitResult fast = Fit("chinchilla", datasets::ChinchillaObservations());
  EXPECT_FALSE(fast.diagnostics.profile_checked);
  EXPECT_TRUE(fast.diagnostics.competing_basins.empty());
  EXPECT_NE(fast.diagnostics.FullReport().find("profile:     not checked"),
            std::string::npos);
  FitOptions o;
  o.profile_check = true;
  const FitResult epoch =
      Fit("chinchilla", datasets::ChinchillaObservations(), o);
  EXPECT_EQ(epoch.objective, fast.objective);  // the check moves nothing
  EXPECT_EQ(epoch.values(), fast.values());
  EXPECT_TRUE(FitCardFromString(FitCardToString(epoch)).options.profile_check);
  EXPECT_FALSE(FitCardFromString(FitCardToString(fast)).options.profile_check);
  EXPECT_NE(epoch.diagnostics.FullReport().find("profile:     checked"),
            std::string::npos);
  EXPECT_TRUE(epoch.diagnostics.profile_checked);
  EXPECT_TRUE(epoch.diagnostics.weak_parameters.empty())
      << epoch.diagnostics.WarningText();
  EXPECT_TRUE(epoch.diagnostics.competing_basins.empty())
      << epoch.diagnostics.WarningText();
  EXPECT_TRUE(epoch.diagnostics.identified);
}

}  // namespace
}  // namespace scalefit
