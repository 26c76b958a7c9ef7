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

// A one-block cost function of 5 parameters at z: its residuals and, when
// `jacobian` is not null, its Jacobian (row-major).
bool EvaluateBlock(const ceres::CostFunction& f, const double* z,
                   std::vector<double>* residuals,
                   std::vector<double>* jacobian) {
  residuals->assign(f.num_residuals(), 0.0);
  const double* params[] = {z};
  if (jacobian == nullptr)
    return f.Evaluate(params, residuals->data(), nullptr);
  jacobian->assign(static_cast<size_t>(f.num_residuals()) * 5, 0.0);
  double* jacobians[] = {jacobian->data()};
  return f.Evaluate(params, residuals->data(), jacobians);
}

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

// The layout the engine builds (fit.cpp) for batch kernels, by hand:
// row-major logs, column-major inputs and their logs padded to a multiple of
// 8 rows with copies of the last row, targets, and unequal square-root
// weights (0 on the padding).
struct BatchLayout {
  BatchLayout(const Observations& obs, Objective objective) {
    const int n = obs.num_rows(), stride = (n + 7) / 8 * 8;
    log_x.resize(obs.x.size());
    col_x.resize(2 * stride);
    col_log_x.resize(2 * stride);
    target.resize(stride);
    sqrt_w.assign(stride, 0.0);
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
    batch = {n,
             stride,
             col_x.data(),
             col_log_x.data(),
             target.data(),
             sqrt_w.data()};
  }
  BatchLayout(const BatchLayout&) = delete;
  BatchLayout& operator=(const BatchLayout&) = delete;
  std::vector<double> log_x, col_x, col_log_x, target, sqrt_w;
  detail::BatchRows batch;
};

TEST(Simd, TheWidestSupportedSetIsTheDefault) {
  const std::vector<std::string> isas = SupportedInstructionSets();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.back(), "scalar");
#if defined(__x86_64__)
  EXPECT_NE(std::find(isas.begin(), isas.end(), "sse2"), isas.end());
#if defined(__GNUC__) || defined(__clang__)
  // The widest set the CPU (and OS) runs is the default, asked directly.
  const bool avx512 =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma");
  const bool avx2 = __builtin_cpu_supports("avx2");
  EXPECT_EQ(isas.front(), avx512 ? "avx512" : avx2 ? "avx2" : "sse2");
#endif
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
      const int n = obs.num_rows();
      const BatchLayout layout(obs, objective);
      detail::ProblemData d = test_support::ChinchillaProblem(
          n, obs.x.data(), layout.log_x.data(), layout.target.data(),
          layout.sqrt_w.data(), objective);
      const detail::LawObjective<laws::Chinchilla> rows(&d);
      d.batch = layout.batch;
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
        std::vector<double> r_b, r_a, j_b, j_a, r_v;
        ASSERT_TRUE(EvaluateBlock(batch, z, &r_b, &j_b));
        ASSERT_TRUE(EvaluateBlock(autodiff, z, &r_a, &j_a));
        ASSERT_TRUE(EvaluateBlock(batch, z, &r_v, nullptr));
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
      std::vector<double> r_f, j_f, r_n, j_n, r_c;
      ASSERT_TRUE(EvaluateBlock(full, z, &r_f, &j_f));
      ASSERT_TRUE(EvaluateBlock(normal, z, &r_n, &j_n));
      ASSERT_TRUE(EvaluateBlock(normal, z, &r_c, nullptr));
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

// The variable-projection kernels of the start grid against the formula
// computed row by row with libm: the columns (∂L/∂E = 1, ∂L/∂A = N^−α,
// ∂L/∂B = D^−β, and the offset L at those coefficients 0) on Jets of only
// the columns' slots, and the objective of the values they score.
TEST(Simd, GridColumnsAndScoresMatchTheFormula) {
  IsaGuard guard;
  const Observations obs = PlantedChinchilla(1003);
  const int n = obs.num_rows();
  for (const std::string& isa : SupportedInstructionSets()) {
    if (isa == "scalar") continue;
    SetInstructionSet(isa);
    const detail::BatchKernels* k = GetLaw("chinchilla")->batch_kernels();
    ASSERT_NE(k, nullptr) << isa;
    ASSERT_NE(k->score_columns, nullptr) << isa;
    for (Objective objective :
         {Objective::kHuberLog, Objective::kMseLog, Objective::kMse}) {
      const BatchLayout layout(obs, objective);
      const detail::BatchRows& rows = layout.batch;
      const double alpha = 0.31, beta = 0.27, E = 1.69;
      // All three coefficients (m = 3), then A and B with E held (m = 2).
      for (int m : {3, 2}) {
        const double p[5] = {E, 406.4, 410.7, alpha, beta};
        const int all[3] = {0, 1, 2}, ab[2] = {1, 2};
        const int* lin = m == 3 ? all : ab;
        std::vector<double> base(rows.stride), cols(m * rows.stride);
        k->columns(p, lin, m, rows, 0, rows.stride, base.data(), cols.data());
        const double offset = m == 3 ? 0.0 : E;
        for (int i = 0; i < n; ++i) {
          const double N = obs.x[2 * i], D = obs.x[2 * i + 1];
          const double col_a = std::pow(N, -alpha), col_b = std::pow(D, -beta);
          ASSERT_EQ(base[i], offset) << isa << " m " << m << " row " << i;
          if (m == 3) ASSERT_EQ(cols[i], 1.0) << isa << " row " << i;
          const double* a = cols.data() + (m - 2) * rows.stride;
          const double* b = a + rows.stride;
          ASSERT_NEAR(a[i], col_a, 1e-14 * col_a) << isa << " row " << i;
          ASSERT_NEAR(b[i], col_b, 1e-14 * col_b) << isa << " row " << i;
        }
        // L = offset + Σ c_j φ_j at the planted coefficients, scored.
        const double coef3[3] = {E, 406.4, 410.7}, coef2[2] = {406.4, 410.7};
        const double* coef = m == 3 ? coef3 : coef2;
        double want = 0.0;
        for (int i = 0; i < n; ++i) {
          const double N = obs.x[2 * i], D = obs.x[2 * i + 1];
          const double L =
              E + 406.4 * std::pow(N, -alpha) + 410.7 * std::pow(D, -beta);
          const double r =
              (InLogSpace(objective) ? std::log(L) : L) - layout.target[i];
          want += layout.sqrt_w[i] * layout.sqrt_w[i] *
                  ObjectiveTerm(r, objective, 1e-3);
        }
        double f = 0.0;
        ASSERT_TRUE(k->score_columns(rows, base.data(), cols.data(), m, coef,
                                     objective, 1e-3, &f))
            << isa;
        EXPECT_NEAR(f, want, 1e-12 * want) << isa << " m " << m;
      }
      // Values at or below 0 have no log: refused in log space only.
      const std::vector<double> base(rows.stride, -1.0), cols(rows.stride, 0.5);
      const double coef[1] = {1.0};
      double f = 0.0;
      EXPECT_EQ(k->score_columns(rows, base.data(), cols.data(), 1, coef,
                                 objective, 1e-3, &f),
                !InLogSpace(objective))
          << isa;
    }
  }
}

// The grid cells' normal equations, summed by the kernels in 8 lanes: the
// sums of the formula over the data rows only (padding rows carry scale 0
// and a loss that would show if they were summed), and the same bits on
// every instruction set.
TEST(Simd, GridNormalSumsMatchTheFormula) {
  IsaGuard guard;
  const Observations obs = PlantedChinchilla(1003);
  const int n = obs.num_rows();
  const BatchLayout layout(obs, Objective::kHuberLog);
  const detail::BatchRows& rows = layout.batch;
  std::vector<double> loss(rows.stride, 7.0), scale(rows.stride, 0.0);
  for (int i = 0; i < n; ++i) {
    loss[i] = std::exp(layout.target[i]);
    scale[i] = layout.sqrt_w[i] / loss[i];
  }
  std::vector<double> first;  // every sum of the first set
  for (const std::string& isa : SupportedInstructionSets()) {
    if (isa == "scalar") continue;
    SetInstructionSet(isa);
    const detail::BatchKernels* k = GetLaw("chinchilla")->batch_kernels();
    ASSERT_NE(k, nullptr) << isa;
    ASSERT_NE(k->normal_sums, nullptr) << isa;
    std::vector<double> all;
    for (int m : {3, 2, 1}) {
      const double p[5] = {1.69, 406.4, 410.7, 0.31, 0.27};
      const int lin3[3] = {0, 1, 2}, lin2[2] = {1, 2}, lin1[1] = {2};
      const int* lin = m == 3 ? lin3 : m == 2 ? lin2 : lin1;
      std::vector<double> base(rows.stride), cols(m * rows.stride);
      k->columns(p, lin, m, rows, 0, rows.stride, base.data(), cols.data());
      double g[36], h[6], sums[2];
      k->normal_sums(rows.stride, loss.data(), scale.data(), base.data(),
                     cols.data(), m, g, h, sums);
      // The formula in long double, row by row over the data rows.
      std::vector<long double> wg(m * m, 0.0L), wh(m, 0.0L);
      long double wyy = 0.0L, wys = 0.0L;
      for (int i = 0; i < n; ++i) {
        const long double y =
            (static_cast<long double>(loss[i]) - base[i]) * scale[i];
        wyy += y * y;
        wys += y;
        for (int a = 0; a < m; ++a) {
          const long double xa =
              static_cast<long double>(cols[a * rows.stride + i]) * scale[i];
          wh[a] += xa * y;
          for (int b = 0; b < m; ++b)
            wg[a * m + b] += xa * cols[b * rows.stride + i] * scale[i];
        }
      }
      auto near = [&](double got, long double want, const std::string& what) {
        EXPECT_NEAR(got, static_cast<double>(want),
                    1e-13 * std::abs(static_cast<double>(want)))
            << isa << " m " << m << " " << what;
      };
      near(sums[0], wyy, "yy");
      near(sums[1], wys, "sum y");
      for (int a = 0; a < m; ++a) {
        near(h[a], wh[a], "h" + std::to_string(a));
        for (int b = 0; b < m; ++b) {
          near(g[a * m + b], wg[a * m + b],
               "g" + std::to_string(a) + std::to_string(b));
          EXPECT_EQ(g[a * m + b], g[b * m + a]) << isa << " symmetric";
        }
      }
      all.insert(all.end(), g, g + m * m);
      all.insert(all.end(), h, h + m);
      all.insert(all.end(), sums, sums + 2);
    }
    if (first.empty()) {
      first = all;
    } else {
      EXPECT_EQ(all, first) << isa << " against the first set";
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

// The raw residual block of a range of rows (the certification sums the
// gradient test over such blocks) is that range of the whole block, bit for
// bit: with the batch kernels, and row by row (automatic differentiation).
TEST(Simd, RawJacobianOfRowBlocksIsTheBlockOfTheWholeJacobian) {
  const Observations obs = PlantedChinchilla(1003);
  const LawPtr law = GetLaw("chinchilla");
  const BatchLayout layout(obs, Objective::kHuberLog);
  const std::vector<double> z = {std::log(1.5), std::log(300.0),
                                 std::log(500.0), 0.3, 0.3};
  for (bool batch : {true, false}) {
    SCOPED_TRACE(batch ? "batch kernels" : "row by row");
    detail::ProblemData d = test_support::ChinchillaProblem(
        obs.num_rows(), obs.x.data(), layout.log_x.data(), layout.target.data(),
        layout.sqrt_w.data(), Objective::kHuberLog);
    if (batch) d.batch = layout.batch;
    const auto model = law->MakeResidualModel(d);
    std::vector<double> r, J;
    ASSERT_TRUE(model->RawJacobian(z, &r, &J));
    for (auto [begin, end] : {std::pair{0, 1003}, std::pair{0, 8},
                              std::pair{504, 1003}, std::pair{16, 19}}) {
      std::vector<double> rb(end - begin),
          Jb(static_cast<size_t>(end - begin) * 5);
      ASSERT_TRUE(model->RawJacobianRows(z, begin, end, rb.data(), Jb.data()));
      for (int i = begin; i < end; ++i) {
        ASSERT_EQ(rb[i - begin], r[i]) << "row " << i;
        for (int k = 0; k < 5; ++k)
          ASSERT_EQ(Jb[(i - begin) * 5 + k], J[i * 5 + k]) << "row " << i;
      }
    }
    std::vector<double> rb(8), Jb(40);
    for (auto [begin, end] :
         {std::pair{3, 8}, std::pair{0, 1004}, std::pair{8, 8}})
      EXPECT_THROW(model->RawJacobianRows(z, begin, end, rb.data(), Jb.data()),
                   InvalidArgument)
          << begin << ", " << end;
  }
}

// Fit() takes the design diagnostics' Jacobian with the law's batch kernels
// on the fit's own rows; Diagnose(result) takes it row by row (automatic
// differentiation, libm): the same figures to rounding, for each objective,
// with weights, with a fixed and a tied parameter, on few rows and on rows
// spanning several blocks of the diagnostics' QR factorisation.
TEST(Simd, DiagnosticsOnTheFitsRowsMatchRowByRow) {
  if (InstructionSet() == "scalar") GTEST_SKIP() << "no batch kernels";
  const Observations epoch = datasets::ChinchillaObservations();
  Observations weighted = PlantedChinchilla(20003, 5);
  weighted.weights.resize(weighted.num_rows());
  for (int i = 0; i < weighted.num_rows(); ++i)
    weighted.weights[i] = 0.5 + 0.1 * (i % 7);
  std::vector<FitOptions> options(5);
  options[1].objective = Objective::kMseLog;
  options[2].objective = Objective::kMse;
  options[3].fixed = {"E"};
  options[3].init = {{"E", 1.8}};
  options[4].ties = {{"beta", "alpha"}};
  const Observations* cases[] = {&epoch, &weighted};
  // Other laws of one input: two with kernels, and a link law without them
  // (a metric from a loss, no positive-data checks; Fit() hands it the rows
  // too, and it goes row by row), under "mse"; rows planted at each law's
  // typical values with 1% noise.
  struct Other {
    std::string law;
    double lo, hi;
    Objective objective;
    bool kernels;
  };
  std::vector<std::pair<std::string, Observations>> others;
  for (const Other& o :
       {Other{"power_law", 1e6, 1e10, Objective::kHuberLog, true},
        Other{"saturating_power_law", 1e17, 1e23, Objective::kMseLog, true},
        Other{"sigmoid", 2.0, 4.0, Objective::kMse, false}}) {
    const LawPtr law = GetLaw(o.law);
    ASSERT_EQ(law->batch_kernels() != nullptr, o.kernels) << o.law;
    std::vector<double> p;
    for (const auto& q : law->info().params) p.push_back(q.init);
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.0, 0.01);
    std::vector<double> x, y, g(p.size());
    for (int i = 0; i < 9001; ++i) {
      const double t = (i + 0.5) / 9001;
      x.push_back(o.objective == Objective::kMse
                      ? o.lo + (o.hi - o.lo) * t
                      : o.lo * std::pow(o.hi / o.lo, t));
      y.push_back(law->ValueAndGradient(p.data(), &x.back(), g.data()) *
                  (1.0 + noise(rng)));
    }
    const std::string input = law->info().input_names[0];
    others.emplace_back(o.law, MakeObservations({input}, {{input, x}}, y));
    FitOptions fo;
    fo.objective = o.objective;
    const FitResult r = Fit(o.law, others.back().second, fo);
    SCOPED_TRACE(o.law);
    EXPECT_TRUE(r.converged) << r.message;
    ASSERT_TRUE(r.diagnostics.computed);
    const Diagnostics b = Diagnose(r);
    EXPECT_NEAR(r.diagnostics.condition_number, b.condition_number,
                1e-9 * b.condition_number);
    EXPECT_NEAR(r.diagnostics.sigma, b.sigma, 1e-9 * b.sigma);
    EXPECT_EQ(r.diagnostics.identified, b.identified);
    EXPECT_EQ(r.diagnostics.warnings.size(), b.warnings.size());
  }
  for (const Observations* obs : cases) {
    for (size_t c = 0; c < options.size(); ++c) {
      SCOPED_TRACE("rows " + std::to_string(obs->num_rows()) + ", case " +
                   std::to_string(c));
      const FitResult r = Fit("chinchilla", *obs, options[c]);
      ASSERT_TRUE(r.diagnostics.computed);
      const Diagnostics& a = r.diagnostics;
      const Diagnostics b = Diagnose(r);  // row by row
      auto near = [](double x, double y, double rel) {
        return std::abs(x - y) <= rel * std::max(std::abs(x), std::abs(y));
      };
      EXPECT_EQ(a.num_free_params, b.num_free_params);
      EXPECT_TRUE(near(a.condition_number, b.condition_number, 1e-9))
          << a.condition_number << " vs " << b.condition_number;
      EXPECT_TRUE(near(a.sigma, b.sigma, 1e-9)) << a.sigma << " vs " << b.sigma;
      ASSERT_EQ(a.exponent_rel_se.size(), b.exponent_rel_se.size());
      for (size_t k = 0; k < a.exponent_rel_se.size(); ++k)
        EXPECT_TRUE(near(a.exponent_rel_se[k], b.exponent_rel_se[k], 1e-8))
            << a.exponent_names[k] << ": " << a.exponent_rel_se[k] << " vs "
            << b.exponent_rel_se[k];
      ASSERT_EQ(a.correlations.size(), b.correlations.size());
      for (size_t k = 0; k < a.correlations.size(); ++k)
        EXPECT_NEAR(a.correlations[k].value, b.correlations[k].value, 1e-9)
            << a.correlations[k].first << "-" << a.correlations[k].second;
      EXPECT_EQ(a.floor_at_min_loss, b.floor_at_min_loss);
      EXPECT_EQ(a.floor_value, b.floor_value);
      EXPECT_EQ(a.identified, b.identified);
      std::vector<std::string> wa, wb;
      for (const auto& w : a.warnings) wa.push_back(w.code);
      for (const auto& w : b.warnings) wb.push_back(w.code);
      EXPECT_EQ(wa, wb);
    }
  }
}

// Fits of planted rows on 1 and 2 threads, bit for bit the same, certified,
// and at the optimum of polishing on every row from the start. Two cases: one
// local solve ("init", away from the planted values), and the default starts,
// each presolved on the scoring rows, where starts whose presolved points
// coincide share one polish on every row (Levenberg–Marquardt on the block
// reduced to P + 1 residuals).
void ExpectPresolvedFitsAgree(const Observations& obs) {
  FitOptions init;
  init.start = "init";
  init.init = {
      {"E", 2.0}, {"A", 300.0}, {"B", 500.0}, {"alpha", 0.3}, {"beta", 0.3}};
  for (const FitOptions& options : {init, FitOptions()}) {
    FitOptions one = options;
    one.num_threads = 1;
    FitOptions two = options;
    two.num_threads = 2;
    const FitResult a = Fit("chinchilla", obs, one);
    const FitResult b = Fit("chinchilla", obs, two);
    EXPECT_TRUE(a.converged) << options.start << ": " << a.message;
    EXPECT_LE(a.relative_gradient, 1e-6);  // certified
    EXPECT_EQ(a.objective, b.objective) << options.start;
    EXPECT_EQ(a.values(), b.values()) << options.start;
    // The certification's sums and the diagnostics' Jacobian, in blocks of
    // rows on the threads: the same numbers.
    EXPECT_EQ(a.relative_gradient, b.relative_gradient) << options.start;
    EXPECT_EQ(a.diagnostics.condition_number, b.diagnostics.condition_number);
    EXPECT_EQ(a.diagnostics.exponent_rel_se, b.diagnostics.exponent_rel_se);
    EXPECT_EQ(a.num_best_basin, a.num_starts) << options.start;
    // The starts are polished on the scoring rows first, then on every row.
    // The same optimum, to 1e-12, as polishing on every row from
    // the start (max_scoring_rows = 0: every row scores).
    FitOptions all_rows = one;
    all_rows.max_scoring_rows = 0;
    const FitResult c = Fit("chinchilla", obs, all_rows);
    EXPECT_TRUE(c.converged) << options.start << ": " << c.message;
    EXPECT_LE(a.objective, c.objective * (1.0 + 1e-12)) << options.start;
    EXPECT_NEAR(a.objective, c.objective, 1e-12 * c.objective);
    EXPECT_NEAR(a.param("alpha"), 0.34, 0.01);
    EXPECT_NEAR(a.param("beta"), 0.28, 0.01);
  }
}

// A large data set (kLargeDataRows): one evaluation's rows split across the
// threads in fixed 8192-row chunks; the fit does not depend on the thread
// count.
TEST(Simd, RowSplitFitIsThreadCountIndependent) {
  ExpectPresolvedFitsAgree(PlantedChinchilla(70001));
}

// A mid-size data set: the presolve and shared polish (from twice
// max_scoring_rows rows), the reduced block (kReducedBlockRows) and the rows
// split across the pool's threads in 1024-row chunks (kSplitRows).
TEST(Simd, PresolvedMidSizeFitIsThreadCountIndependent) {
  ExpectPresolvedFitsAgree(PlantedChinchilla(10001));
}

// The presolve on few rows (max_scoring_rows = 256, from 512 rows), with the
// polish on every row scaled by the Hessian taken on those rows: the same
// all-rows optimum, for each objective.
TEST(Simd, PresolveOnFewRowsReachesTheAllRowsOptimum) {
  for (int n : {600, 3001})
    for (Objective objective :
         {Objective::kHuberLog, Objective::kMseLog, Objective::kMse}) {
      SCOPED_TRACE(n);
      const Observations obs = PlantedChinchilla(n);
      FitOptions o;
      o.objective = objective;
      o.max_scoring_rows = 256;
      FitOptions all_rows = o;
      all_rows.max_scoring_rows = 0;
      const FitResult a = Fit("chinchilla", obs, o);
      const FitResult c = Fit("chinchilla", obs, all_rows);
      ASSERT_TRUE(a.converged) << a.message;
      ASSERT_TRUE(c.converged) << c.message;
      EXPECT_LE(a.relative_gradient, 1e-6);
      EXPECT_NEAR(a.objective, c.objective, 1e-12 * c.objective);
      for (const char* name : {"E", "A", "B", "alpha", "beta"})
        EXPECT_NEAR(a.param(name), c.param(name),
                    1e-6 * std::abs(c.param(name)))
            << name;
    }
}

}  // namespace
}  // namespace scalefit
