// Batch (SIMD) kernels: the same objective and gradient as the row-by-row
// Jet path, bit-identical fits on every instruction set, and thread-count
// independence when one evaluation's rows are split across threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "problem_support.hpp"
#include "scalefit/detail/typed_law.hpp"
#include "scalefit/scalefit.hpp"

namespace scalefit {
namespace {

// Restores the instruction set a test changed.
class IsaGuard {
 public:
  IsaGuard() : saved_(InstructionSet()) {}
  ~IsaGuard() { SetInstructionSet(saved_); }

 private:
  std::string saved_;
};

// Planted Chinchilla rows (Hoffmann et al. 2022, Eq. 10 values) with 1%
// multiplicative noise; n not a multiple of 8 exercises the padding.
Observations PlantedChinchilla(int n, unsigned seed = 3) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::map<std::string, std::vector<double>> cols;
  std::vector<double> loss;
  for (int i = 0; i < n; ++i) {
    const double c = std::pow(10.0, 18.0 + 4.0 * std::fmod(i * 0.618034, 1.0));
    const double ratio = std::pow(10.0, 0.3 + 2.0 * (i + 0.5) / n);
    const double N = std::sqrt(c / (6.0 * ratio)), D = ratio * N;
    cols["N"].push_back(N);
    cols["D"].push_back(D);
    loss.push_back(
        (1.69 + 406.4 * std::pow(N, -0.34) + 410.7 * std::pow(D, -0.28)) *
        std::exp(noise(rng)));
  }
  return MakeObservations({"N", "D"}, cols, loss);
}

TEST(Simd, BaselineAndAvx2AreSupportedOnX86) {
  const std::vector<std::string> isas = SupportedInstructionSets();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.back(), "scalar");
#if defined(__x86_64__)
  EXPECT_NE(std::find(isas.begin(), isas.end(), "sse2"), isas.end());
#endif
  EXPECT_EQ(isas.front(), InstructionSet()) << "the best set is the default";
  EXPECT_THROW(SetInstructionSet("avx9000"), InvalidArgument);
}

// The kernel's objective and gradient against the row-by-row Jet objective
// (detail::LawObjective with no batch layout), at points away from the
// optimum (gradient not small), for every law that has kernels.
TEST(Simd, KernelObjectiveMatchesRowByRowJets) {
  IsaGuard guard;
  const Observations obs = PlantedChinchilla(1003);
  for (const std::string& isa : SupportedInstructionSets()) {
    if (isa == "scalar") continue;
    SetInstructionSet(isa);
    for (Objective objective :
         {Objective::kHuberLog, Objective::kMseLog, Objective::kMse}) {
      // The layout the engine builds (fit.cpp), by hand.
      const LawPtr law = GetLaw("chinchilla");
      ASSERT_NE(law->batch_kernels(), nullptr) << isa;
      // z = log E, log A, log B, alpha, beta, off the optimum.
      const double z[5] = {std::log(1.5), std::log(300.0), std::log(500.0), 0.3,
                           0.3};
      const int n = obs.num_rows(), stride = (n + 7) / 8 * 8;
      std::vector<double> log_x(obs.x.size()), col_x(2 * stride),
          col_log_x(2 * stride), target(stride), sqrt_w(stride, 0.0);
      for (size_t j = 0; j < obs.x.size(); ++j) log_x[j] = std::log(obs.x[j]);
      for (int k = 0; k < 2; ++k)
        for (int i = 0; i < stride; ++i) {
          const int from = std::min(i, n - 1);
          col_x[k * stride + i] = obs.x[2 * from + k];
          col_log_x[k * stride + i] = log_x[2 * from + k];
        }
      for (int i = 0; i < stride; ++i) {
        const int from = std::min(i, n - 1);
        target[i] =
            InLogSpace(objective) ? std::log(obs.loss[from]) : obs.loss[from];
        if (i < n) sqrt_w[i] = 0.5 + 0.1 * (i % 7);  // unequal weights
      }
      detail::ProblemData d = test_support::ChinchillaProblem(
          n, obs.x.data(), log_x.data(), target.data(), sqrt_w.data(),
          objective);
      const detail::LawObjective<laws::Chinchilla> rows(&d);
      d.batch = {n,
                 stride,
                 col_x.data(),
                 col_log_x.data(),
                 target.data(),
                 sqrt_w.data()};
      const detail::LawObjective<laws::Chinchilla> batches(&d);
      double f_row, f_batch, g_row[5], g_batch[5], f_value;
      ASSERT_TRUE(rows.Evaluate(z, &f_row, g_row));
      ASSERT_TRUE(batches.Evaluate(z, &f_batch, g_batch));
      ASSERT_TRUE(batches.Evaluate(z, &f_value, nullptr));
      EXPECT_NEAR(f_batch, f_row, 1e-13 * f_row) << isa;
      EXPECT_EQ(f_value, f_batch) << "value-only pass, " << isa;
      for (int k = 0; k < 5; ++k)
        EXPECT_NEAR(g_batch[k], g_row[k], 1e-11 * std::abs(g_row[k]))
            << isa << " parameter " << k;
      // The Levenberg–Marquardt residual block (weighted, and raw for the
      // certification): batch kernels against automatic differentiation of
      // the row-by-row residual.
      for (bool raw : {false, true}) {
        const detail::BatchLawResidual<laws::Chinchilla> batch(
            &d, raw, law->batch_kernels());
        ceres::AutoDiffCostFunction<detail::LawResidual<laws::Chinchilla>,
                                    ceres::DYNAMIC, 5>
            autodiff(new detail::LawResidual<laws::Chinchilla>{&d, raw}, n);
        std::vector<double> r_b(n), r_a(n), j_b(5 * n), j_a(5 * n), r_v(n);
        const double* params[] = {z};
        double* jb[] = {j_b.data()};
        double* ja[] = {j_a.data()};
        ASSERT_TRUE(batch.Evaluate(params, r_b.data(), jb));
        ASSERT_TRUE(autodiff.Evaluate(params, r_a.data(), ja));
        ASSERT_TRUE(batch.Evaluate(params, r_v.data(), nullptr));
        double r_scale = 0.0, j_scale = 0.0;
        for (int i = 0; i < n; ++i)
          r_scale = std::max(r_scale, std::abs(r_a[i]));
        for (double v : j_a) j_scale = std::max(j_scale, std::abs(v));
        for (int i = 0; i < n; ++i) {
          ASSERT_NEAR(r_b[i], r_a[i], 1e-13 * r_scale) << isa << " row " << i;
          ASSERT_EQ(r_v[i], r_b[i]) << "residual-only pass, row " << i;
          for (int k = 0; k < 5; ++k)
            ASSERT_NEAR(j_b[5 * i + k], j_a[5 * i + k], 1e-12 * j_scale)
                << isa << (raw ? " raw" : " weighted") << " row " << i
                << " parameter " << k;
        }
      }
      // The large-data block reduced to P + 1 residuals: the same cost,
      // JᵀJ and Jᵀr as the weighted rows × P block.
      const detail::BatchLawResidual<laws::Chinchilla> full(
          &d, false, law->batch_kernels());
      const detail::NormalLawResidual<laws::Chinchilla> normal(
          &d, law->batch_kernels());
      ASSERT_EQ(normal.num_residuals(), 6);
      std::vector<double> r_f(n), j_f(5 * n), r_n(6), j_n(30), r_c(6);
      const double* params[] = {z};
      double* jf[] = {j_f.data()};
      double* jn[] = {j_n.data()};
      ASSERT_TRUE(full.Evaluate(params, r_f.data(), jf));
      ASSERT_TRUE(normal.Evaluate(params, r_n.data(), jn));
      ASSERT_TRUE(normal.Evaluate(params, r_c.data(), nullptr));
      double c_f = 0.0, c_n = 0.0, c_c = 0.0;
      for (double r : r_f) c_f += r * r;
      for (double r : r_n) c_n += r * r;
      for (double r : r_c) c_c += r * r;
      EXPECT_NEAR(c_n, c_f, 1e-13 * c_f) << isa;
      EXPECT_NEAR(c_c, c_f, 1e-13 * c_f) << "cost-only pass, " << isa;
      double g_scale = 0.0, b_scale = 0.0;
      double gram_f[5][5] = {}, gram_n[5][5] = {}, b_f[5] = {}, b_n[5] = {};
      for (int k = 0; k < 5; ++k) {
        for (int i = 0; i < n; ++i) b_f[k] += j_f[5 * i + k] * r_f[i];
        for (int i = 0; i < 6; ++i) b_n[k] += j_n[5 * i + k] * r_n[i];
        b_scale = std::max(b_scale, std::abs(b_f[k]));
        for (int l = 0; l < 5; ++l) {
          for (int i = 0; i < n; ++i)
            gram_f[k][l] += j_f[5 * i + k] * j_f[5 * i + l];
          for (int i = 0; i < 6; ++i)
            gram_n[k][l] += j_n[5 * i + k] * j_n[5 * i + l];
          g_scale = std::max(g_scale, std::abs(gram_f[k][l]));
        }
      }
      for (int k = 0; k < 5; ++k) {
        EXPECT_NEAR(b_n[k], b_f[k], 1e-10 * b_scale) << isa << " Jᵀr " << k;
        for (int l = 0; l < 5; ++l)
          EXPECT_NEAR(gram_n[k][l], gram_f[k][l], 1e-12 * g_scale)
              << isa << " JᵀJ " << k << " " << l;
      }
    }
  }
}

// Every SIMD instruction set gives the same fit, bit for bit; the scalar
// path (libm exp/log, one row at a time) the same objective to 1e-12 and the
// same parameters to the precision the optimum determines them.
TEST(Simd, FitsAreBitIdenticalAcrossInstructionSets) {
  IsaGuard guard;
  const Observations epoch = datasets::ChinchillaObservations();
  const Observations planted = PlantedChinchilla(1003);
  for (const Observations* obs : {&epoch, &planted}) {
    std::vector<FitResult> fits;
    std::vector<std::string> names;
    for (const std::string& isa : SupportedInstructionSets()) {
      SetInstructionSet(isa);
      fits.push_back(Fit("chinchilla", *obs));
      names.push_back(isa);
      EXPECT_TRUE(fits.back().converged) << isa << ": " << fits.back().message;
    }
    const FitResult& scalar = fits.back();
    for (size_t j = 0; j + 1 < fits.size(); ++j) {
      EXPECT_EQ(fits[j].objective, fits[0].objective) << names[j];
      EXPECT_EQ(fits[j].values(), fits[0].values()) << names[j];
      EXPECT_NEAR(fits[j].objective, scalar.objective, 1e-12 * scalar.objective)
          << names[j];
      for (int k = 0; k < 5; ++k)
        EXPECT_NEAR(fits[j].values()[k], scalar.values()[k],
                    1e-6 * std::abs(scalar.values()[k]))
            << names[j] << " parameter " << k;
    }
  }
}

// From 65536 rows one evaluation's rows are split across the threads, in
// fixed chunks: the fit does not depend on the thread count.
TEST(Simd, RowSplitFitIsThreadCountIndependent) {
  const Observations obs = PlantedChinchilla(70001);
  // One local solve ("init", away from the planted values) keeps the test
  // quick; the row split is the same for every start.
  FitOptions one;
  one.start = "init";
  one.init = {
      {"E", 2.0}, {"A", 300.0}, {"B", 500.0}, {"alpha", 0.3}, {"beta", 0.3}};
  one.num_threads = 1;
  FitOptions two = one;
  two.num_threads = 2;
  const FitResult a = Fit("chinchilla", obs, one);
  const FitResult b = Fit("chinchilla", obs, two);
  EXPECT_TRUE(a.converged) << a.message;
  EXPECT_LE(a.relative_gradient, 1e-6);  // certified
  EXPECT_EQ(a.objective, b.objective);
  EXPECT_EQ(a.values(), b.values());
  // Large data: the start is polished on the scoring rows first, then on
  // every row. The same optimum, to 1e-12, as polishing on every row from
  // the start (max_scoring_rows = 0: every row scores).
  FitOptions all_rows = one;
  all_rows.max_scoring_rows = 0;
  const FitResult c = Fit("chinchilla", obs, all_rows);
  EXPECT_TRUE(c.converged) << c.message;
  EXPECT_LE(a.objective, c.objective * (1.0 + 1e-12));
  EXPECT_NEAR(a.objective, c.objective, 1e-12 * c.objective);
  EXPECT_NEAR(a.param("alpha"), 0.34, 0.01);
  EXPECT_NEAR(a.param("beta"), 0.28, 0.01);
}

// Large data, the default starts: each is presolved on the scoring rows,
// and starts whose presolved points coincide share one polish on every row
// (the Levenberg–Marquardt steps from the block reduced to P + 1 residuals).
// Certified, bit-identical on 1 and 2 threads, and every start in the best
// basin.
TEST(Simd, LargeDataDefaultFitSharesPolishAcrossThreads) {
  const Observations obs = PlantedChinchilla(70001);
  FitOptions one;
  one.num_threads = 1;
  FitOptions two = one;
  two.num_threads = 2;
  const FitResult a = Fit("chinchilla", obs, one);
  const FitResult b = Fit("chinchilla", obs, two);
  EXPECT_TRUE(a.converged) << a.message;
  EXPECT_LE(a.relative_gradient, 1e-6);
  EXPECT_EQ(a.objective, b.objective);
  EXPECT_EQ(a.values(), b.values());
  EXPECT_EQ(a.num_best_basin, a.num_starts);
  // The same optimum as polishing every start on every row from the start.
  FitOptions all_rows = one;
  all_rows.max_scoring_rows = 0;
  const FitResult c = Fit("chinchilla", obs, all_rows);
  EXPECT_TRUE(c.converged) << c.message;
  EXPECT_LE(a.objective, c.objective * (1.0 + 1e-12));
}

}  // namespace
}  // namespace scalefit
