// IsoflopBudget::ProfileLoss: the fitted isoFLOP parabola, checked against
// planted parabolas (runs lying exactly on L = L* + k·(ln N − ln N*)²).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "scalefit/scalefit.hpp"

namespace scalefit {
namespace {

struct Planted {
  double C, N_star, L_star, curvature;
  double At(double N) const {
    const double u = std::log(N) - std::log(N_star);
    return L_star + curvature * u * u;
  }
};

TEST(IsoflopProfile, RecoversPlantedParabolas) {
  const std::vector<Planted> planted = {
      {1e18, 1e8, 3.0, 0.05}, {1e19, 3e8, 2.7, 0.04}, {1e20, 1e9, 2.5, 0.03}};
  IsoflopData data;
  for (const Planted& p : planted) {
    // Sizes asymmetric about N* so the fit is not trivially centred.
    for (double f : {0.2, 0.5, 1.3, 3.0, 8.0}) {
      const double N = p.N_star * f;
      data.N.push_back(N);
      data.C.push_back(p.C);
      data.loss.push_back(p.At(N));
    }
  }
  IsoflopOptions o;
  o.num_bootstrap = 0;
  o.fit_frontier = false;
  o.compare_parametric = false;
  const IsoflopResult r = IsoflopFit(data, o);
  ASSERT_EQ(r.budgets.size(), planted.size());
  for (size_t b = 0; b < planted.size(); ++b) {
    const Planted& p = planted[b];
    const IsoflopBudget& budget = r.budgets[b];
    EXPECT_NEAR(budget.N_opt / p.N_star, 1.0, 1e-9);
    // Inside and well outside the fitted range of N.
    const std::vector<double> N = {p.N_star * 1e-2, p.N_star * 0.7, p.N_star,
                                   p.N_star * 5.0, p.N_star * 1e2};
    const std::vector<double> L = budget.ProfileLoss(N);
    ASSERT_EQ(L.size(), N.size());
    for (size_t i = 0; i < N.size(); ++i)
      EXPECT_NEAR(L[i], p.At(N[i]), 1e-9) << "budget " << b << " N " << N[i];
    // The vertex of the evaluated parabola is the reported minimum.
    EXPECT_NEAR(budget.ProfileLoss({budget.N_opt})[0], budget.loss_opt, 1e-11);
  }
}

TEST(IsoflopProfile, BadSizeIsNamed) {
  IsoflopBudget b;
  b.c0 = 1.0;
  try {
    b.ProfileLoss({1e8, -1.0});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("N[1]"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(b.ProfileLoss({std::nan("")}), InvalidArgument);
  EXPECT_TRUE(b.ProfileLoss({}).empty());
}

}  // namespace
}  // namespace scalefit
