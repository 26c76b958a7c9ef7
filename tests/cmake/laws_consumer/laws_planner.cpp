// A planner that needs only the header-only core (scalefit::laws): the
// Chinchilla law and its compute-optimal frontier, FLOP accounting and
// formatting. Built by tests/cmake/consumer_test.cmake with no Ceres, Eigen
// or spdlog include path.
#if __has_include(<Eigen/Core>)
#error "Eigen is reachable from a scalefit::laws consumer"
#endif

#include <cmath>
#include <cstdio>
#include <vector>

#include "scalefit/laws.hpp"

int main() {
  using scalefit::laws::Chinchilla;
  // Hoffmann et al. 2022's unrounded fit (App. D.2; E, A, B, alpha, beta).
  const double p[] = {1.69337, 406.4, 410.7, 0.33917084, 0.2849083};
  int failures = 0;
  auto check = [&failures](bool ok, const char* what) {
    if (!ok) {
      std::printf("FAILED: %s\n", what);
      ++failures;
    }
  };
  // The law at a point, against its formula written out here.
  const double x[] = {7e10, 1.4e12};
  const double L = Chinchilla::Evaluate(p, x);
  const double by_hand =
      p[0] + p[1] / std::pow(x[0], p[3]) + p[2] / std::pow(x[1], p[4]);
  check(std::abs(L / by_hand - 1.0) < 1e-14, "Chinchilla::Evaluate");

  // The frontier at 1e24 FLOPs under 6ND: N·D·6 = C, and L* is the law there.
  const auto f =
      scalefit::ChinchillaFrontierAt(p[0], p[1], p[2], p[3], p[4], 1e24);
  check(std::abs(6.0 * f.N_opt * f.D_opt / 1e24 - 1.0) < 1e-12,
        "N_opt * D_opt * 6 = C");
  const double at[] = {f.N_opt, f.D_opt};
  check(std::abs(f.loss_opt / Chinchilla::Evaluate(p, at) - 1.0) < 1e-14,
        "L* = L(N_opt, D_opt)");
  // Its inverse: the compute that reaches L* is 1e24.
  const double log_ck = scalefit::ChinchillaLogComputeForLoss(
      p[0], p[1], p[2], p[3], p[4], f.loss_opt);
  check(std::abs(std::exp(log_ck) * 6.0 / 1e24 - 1.0) < 1e-10,
        "LossToCompute inverse");

  // FLOP accounting: 6ND and the FlopModel allocation uses.
  check(scalefit::flops::Flops6ND(1e9, 2e10) == 1.2e20, "Flops6ND");
  const scalefit::FlopModel six = scalefit::FlopModel::SixND();
  check(six.name() == "6ND" && six.Flops(1e9, 2e10) == 1.2e20,
        "FlopModel::SixND");
  const scalefit::FlopModel general = scalefit::FlopModel::General(
      "8ND", [](double N, double D) { return 8.0 * N * D; });
  check(std::abs(std::exp(general.LogTokens(std::log(1e9), std::log(8e19))) /
                     1e10 -
                 1.0) < 1e-12,
        "FlopModel::LogTokens");
  try {
    scalefit::flops::ParseFlopConvention("7ND");
    check(false, "ParseFlopConvention throws");
  } catch (const scalefit::UnknownName&) {
  }
  std::printf("scalefit %s laws: L(7e10, 1.4e12) = %s, N_opt(1e24) = %s\n",
              scalefit::kVersion, scalefit::FormatFull(L).c_str(),
              scalefit::FormatShort(f.N_opt).c_str());
  int laws = 0;
  scalefit::laws::ForEachBuiltinLaw([&laws](auto) { ++laws; });
  check(laws == 14, "fourteen built-in laws");
  if (failures == 0) std::printf("laws consumer OK\n");
  return failures == 0 ? 0 : 1;
}
