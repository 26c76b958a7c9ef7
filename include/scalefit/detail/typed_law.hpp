/// @file typed_law.hpp
/// Internals of the Ceres glue that turns a law functor into a LawModel:
/// the residual block, the line-search objective and TypedLaw. The public
/// entry point is MakeLaw<Law>() in scalefit/ceres/make_law.hpp.
#pragma once

#include <ceres/autodiff_cost_function.h>
#include <ceres/cost_function.h>
#include <ceres/first_order_function.h>
#include <ceres/jet.h>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "scalefit/detail/ceres_model.hpp"
#include "scalefit/detail/engine.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/simd.hpp"
#include "scalefit/law.hpp"
#include "scalefit/laws/input_row.hpp"

#if defined(__GNUC__) || defined(__clang__)
#define SCALEFIT_FLATTEN __attribute__((flatten))
#else
#define SCALEFIT_FLATTEN
#endif

namespace scalefit::detail {

/// Rows per chunk of a batch evaluation over `rows` rows: 8192 for large
/// data sets (kLargeDataRows), else 1024 (so the rows of a mid-size
/// evaluation split evenly across threads, from kSplitRows). A function of
/// the rows only, never of the thread count, so sums are the same on any
/// number of threads.
inline int BatchChunkRows(int rows) {
  return rows >= kLargeDataRows ? 8192 : 1024;
}

inline bool IsFiniteValue(double v) { return std::isfinite(v); }
template <typename T, int N>
bool IsFiniteValue(const ceres::Jet<T, N>& v) {
  // ceres::isfinite(Jet) checks only the value; overflowing derivatives
  // must reject the step too.
  return std::isfinite(v.a) && v.v.allFinite();
}

/// Whether Law::Evaluate takes an InputRow (and so can use the precomputed
/// logs) rather than a plain `const double*`.
template <typename Law, typename = void>
struct TakesInputRow : std::false_type {};
template <typename Law>
struct TakesInputRow<
    Law, std::void_t<decltype(Law::template Evaluate<double>(
             std::declval<const double*>(), std::declval<InputRow>()))>>
    : std::true_type {};

/// Law::kPositiveData when the functor declares it, else true (law.hpp).
template <typename Law, typename = void>
struct PositiveData : std::true_type {};
template <typename Law>
struct PositiveData<Law, std::void_t<decltype(Law::kPositiveData)>>
    : std::bool_constant<Law::kPositiveData> {};

/// L at one row; log_x may be null (logs are then taken on demand).
template <typename Law, typename T>
T EvaluateLaw(const T* p, const double* x, const double* log_x) {
  if constexpr (TakesInputRow<Law>::value) {
    return Law::Evaluate(p, InputRow(x, log_x));
  } else {
    return Law::Evaluate(p, x);
  }
}

/// The raw residual of row i, r = log L̂ − log L (log objectives) or L̂ − L,
/// at user-unit parameters p. The one place the residual is formed for typed
/// laws: the least-squares block and the line-search objective below both
/// call it. Not checked here: outside the law's domain (L̂ ≤ 0 in log space)
/// or on overflow r is not finite, and each caller rejects that.
template <typename Law, typename T>
T RawResidual(const ProblemData& d, const T* p, int i) {
  using std::log;
  const size_t at = static_cast<size_t>(i) * d.num_inputs;
  const T value =
      EvaluateLaw<Law>(p, d.x + at, d.log_x ? d.log_x + at : nullptr);
  if (InLogSpace(d.objective)) return log(value) - d.target[i];
  return value - d.target[i];
}

/// All residuals of one data set in one Ceres block: r̃_i = √w_i · s(r_i),
/// with s the square root of the objective term (objective.hpp), so Ceres'
/// cost ½Σr̃² equals the objective exactly. One block instead of one per
/// point keeps the per-iteration overhead at a single Jet pass over the data.
template <typename Law>
struct LawResidual {
  const ProblemData* d;
  bool raw;  // raw = unweighted residual before ρ (for covariance)

  template <typename T>
  bool operator()(const T* z, T* residuals) const {
    T p[Law::kNumParams];
    d->map.Apply(z, p);
    for (int i = 0; i < d->num_rows; ++i) {
      const T r = RawResidual<Law>(*d, p, i);
      if (!IsFiniteValue(r)) return false;  // outside the domain, overflow
      residuals[i] =
          raw ? r : d->sqrt_w[i] * SqrtObjective(r, d->objective, d->delta);
    }
    return true;
  }
};

/// The residual block of LawResidual evaluated by the law's batch kernels
/// (simd.hpp): the raw residuals and ∂r/∂z of a batch of rows per pass, in
/// fixed chunks of BatchChunkRows on ProblemData::row_threads (each chunk
/// writes its own rows, so the result does not depend on the thread count).
/// The weighted residual √w·s(r) and its derivative are then formed row by
/// row from SqrtObjective (objective.hpp) on a one-slot Jet, the chain rule
/// the automatic differentiation of LawResidual applies.
template <typename Law>
class BatchLawResidual final : public ceres::CostFunction {
 public:
  static constexpr int P = Law::kNumParams;
  BatchLawResidual(const ProblemData* d, bool raw, const BatchKernels* kernels)
      : d_(d), raw_(raw), kernels_(kernels) {
    set_num_residuals(d->num_rows);
    mutable_parameter_block_sizes()->push_back(P);
  }

  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override {
    const ProblemData& d = *d_;
    const double* z = parameters[0];
    double* jac = jacobians ? jacobians[0] : nullptr;
    const BatchMap map{d.map.source.data(), d.map.positive.data()};
    const bool in_log = InLogSpace(d.objective);
    const int n = d.num_rows;
    // The rows padded to a multiple of 8 (the stride, unless d views some
    // rows of a larger layout: then the rows after them pad).
    const int padded = std::min(d.batch.stride, (n + 7) / 8 * 8);
    const int chunk_rows = BatchChunkRows(padded);
    const int chunks = (padded + chunk_rows - 1) / chunk_rows;
    ok_.assign(chunks, 0);
    ParallelFor(chunks, d.row_threads, [&](int, int c) {
      const int begin = c * chunk_rows;
      const int end = std::min(padded, begin + chunk_rows);
      kernels_->residuals(d.batch, map, in_log, z, begin, end, residuals, jac);
      bool finite = true;
      for (int i = begin; i < std::min(end, n); ++i) {
        double* row = jac ? jac + static_cast<size_t>(i) * P : nullptr;
        const double r = residuals[i];
        finite = finite && std::isfinite(r);
        if (row)
          for (int k = 0; k < P; ++k) finite = finite && std::isfinite(row[k]);
        if (raw_ || !finite) continue;
        const ceres::Jet<double, 1> s =
            SqrtObjective(ceres::Jet<double, 1>(r, 0), d.objective, d.delta);
        residuals[i] = d.sqrt_w[i] * s.a;
        if (row) {
          const double scale = d.sqrt_w[i] * s.v[0];
          for (int k = 0; k < P; ++k) row[k] *= scale;
        }
      }
      ok_[c] = finite;
    });
    for (int c = 0; c < chunks; ++c)
      if (!ok_[c]) return false;  // outside the domain, overflow
    return true;
  }

 private:
  const ProblemData* d_;
  bool raw_;
  const BatchKernels* kernels_;
  mutable std::vector<unsigned char> ok_;
};

/// From kReducedBlockRows rows: the residual block of BatchLawResidual
/// reduced to P + 1 residuals, so Levenberg–Marquardt never holds a rows × P
/// Jacobian. One pass over the rows (fixed chunks of BatchChunkRows on
/// ProblemData::row_threads, each chunk's sums in its own slot, the slots
/// added in order) forms G = J̃ᵀJ̃, b = J̃ᵀr̃ and c = r̃ᵀr̃. With G = V Λ Vᵀ
/// the block's residuals are q = Λ^{-1/2} Vᵀ b and s = √max(0, c − qᵀq), its
/// Jacobian rows Λ^{1/2} Vᵀ and 0: then ½(qᵀq + s²) = ½c (the cost), the
/// block's JᵀJ = G and Jᵀr = b, and ‖[q; s] + [Λ^{1/2}Vᵀ; 0]Δ‖² =
/// ‖r̃ + J̃Δ‖² for every step Δ: the same Gauss–Newton model, so the same LM
/// steps in exact arithmetic. Directions with λ ≤ 1e-14 λ_max are dropped
/// (their part of b is zero in exact arithmetic). Without a Jacobian the
/// residuals are (0, …, 0, √c). Pitfall: G squares the Jacobian's condition
/// number, as the normal equations of Ceres' DENSE_NORMAL_CHOLESKY do.
template <typename Law>
class NormalLawResidual final : public ceres::CostFunction {
 public:
  static constexpr int P = Law::kNumParams;
  // Per chunk: c, b (P), G (P × P, row-major).
  static constexpr int kSlot = 1 + P + P * P;
  NormalLawResidual(const ProblemData* d, const BatchKernels* kernels)
      : d_(d), kernels_(kernels) {
    set_num_residuals(P + 1);
    mutable_parameter_block_sizes()->push_back(P);
  }

  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override {
    const ProblemData& d = *d_;
    const double* z = parameters[0];
    const bool with_jac = jacobians != nullptr && jacobians[0] != nullptr;
    const BatchMap map{d.map.source.data(), d.map.positive.data()};
    const bool in_log = InLogSpace(d.objective);
    const int chunk_rows = BatchChunkRows(d.batch.stride);
    const int chunks = (d.batch.stride + chunk_rows - 1) / chunk_rows;
    const int workers = std::max(1, std::min(d.row_threads, chunks));
    slots_.assign(static_cast<size_t>(chunks) * kSlot, 0.0);
    ok_.assign(chunks, 0);
    if (static_cast<int>(r_.size()) < workers) {
      r_.resize(workers);
      jac_.resize(workers);
    }
    ParallelFor(chunks, workers, [&](int worker, int c) {
      const int begin = c * chunk_rows;
      const int end = std::min(d.batch.stride, begin + chunk_rows);
      const int rows = std::min(end, d.num_rows) - begin;
      std::vector<double>& r = r_[worker];
      std::vector<double>& jac = jac_[worker];
      r.resize(chunk_rows);
      if (with_jac) jac.resize(static_cast<size_t>(chunk_rows) * P);
      // The chunk as rows of its own (the kernels index rows from 0).
      const BatchRows view = RowsFrom(d.batch, begin, d.num_rows - begin);
      kernels_->residuals(view, map, in_log, z, 0, end - begin, r.data(),
                          with_jac ? jac.data() : nullptr);
      double* slot = slots_.data() + static_cast<size_t>(c) * kSlot;
      double* b = slot + 1;
      double* g = slot + 1 + P;
      bool finite = true;
      for (int i = 0; i < rows; ++i) {
        const double sw = d.sqrt_w[begin + i];
        if (!with_jac) {
          const double rt = sw * SqrtObjective(r[i], d.objective, d.delta);
          finite = finite && std::isfinite(rt);
          slot[0] += rt * rt;
          continue;
        }
        const ceres::Jet<double, 1> s =
            SqrtObjective(ceres::Jet<double, 1>(r[i], 0), d.objective, d.delta);
        const double rt = sw * s.a, scale = sw * s.v[0];
        double row[P];
        for (int k = 0; k < P; ++k) row[k] = scale * jac[i * P + k];
        finite = finite && std::isfinite(rt);
        for (int k = 0; k < P; ++k) finite = finite && std::isfinite(row[k]);
        slot[0] += rt * rt;
        for (int k = 0; k < P; ++k) {
          b[k] += row[k] * rt;
          for (int l = k; l < P; ++l) g[k * P + l] += row[k] * row[l];
        }
      }
      ok_[c] = finite;
    });
    double sum[kSlot] = {};
    for (int c = 0; c < chunks; ++c) {
      if (!ok_[c]) return false;  // outside the domain, overflow
      const double* slot = slots_.data() + static_cast<size_t>(c) * kSlot;
      for (int j = 0; j < kSlot; ++j) sum[j] += slot[j];
    }
    const double cost2 = sum[0];
    if (!std::isfinite(cost2)) return false;
    if (!with_jac) {
      for (int k = 0; k < P; ++k) residuals[k] = 0.0;
      residuals[P] = std::sqrt(cost2);
      return true;
    }
    Eigen::Matrix<double, P, P> G;
    Eigen::Matrix<double, P, 1> b;
    for (int k = 0; k < P; ++k) {
      b[k] = sum[1 + k];
      for (int l = k; l < P; ++l) G(k, l) = G(l, k) = sum[1 + P + k * P + l];
    }
    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix<double, P, P>> eig(G);
    if (eig.info() != Eigen::Success) return false;
    const auto& lambda = eig.eigenvalues();
    const auto& V = eig.eigenvectors();
    const double cut = 1e-14 * std::max(lambda.maxCoeff(), 0.0);
    const Eigen::Matrix<double, P, 1> vb = V.transpose() * b;
    double qq = 0.0;
    double* jac = jacobians[0];
    for (int k = 0; k < P; ++k) {
      const double l = lambda[k] > cut ? lambda[k] : 0.0;
      const double root = std::sqrt(l);
      residuals[k] = l > 0.0 ? vb[k] / root : 0.0;
      qq += residuals[k] * residuals[k];
      for (int j = 0; j < P; ++j) jac[k * P + j] = root * V(j, k);
    }
    residuals[P] = std::sqrt(std::max(0.0, cost2 - qq));
    for (int j = 0; j < P; ++j) jac[P * P + j] = 0.0;
    return true;
  }

 private:
  const ProblemData* d_;
  const BatchKernels* kernels_;
  mutable std::vector<double> slots_;
  mutable std::vector<unsigned char> ok_;
  mutable std::vector<std::vector<double>> r_, jac_;
};

/// The same objective, Σ w_i ρ(r_i) = ½Σr̃², as a function with a gradient for
/// Ceres' line search (the L-BFGS stage of every local solve). One Jet pass
/// gives each r_i and ∂r_i/∂z; ρ is applied by the chain rule on the value,
/// ∇ = Σ w_i ρ'(r_i) ∂r_i/∂z, instead of differentiating √ρ per point and
/// forming a Jacobian: the same numbers for about half the work.
template <typename Law>
class LawObjective final : public ceres::FirstOrderFunction {
 public:
  static constexpr int P = Law::kNumParams;
  explicit LawObjective(const ProblemData* d)
      : d_(d),
        kernels_(d->batch.stride > 0 ? FindBatchKernels(typeid(Law))
                                     : nullptr) {}
  int NumParameters() const override { return P; }

  // Flattened: inlining the law's Jet arithmetic into this loop is worth
  // about 20% of a fit; GCC does not do it on its own.
  SCALEFIT_FLATTEN bool Evaluate(const double* z, double* cost,
                                 double* gradient) const override {
    const ProblemData& d = *d_;
    if (kernels_) return EvaluateBatches(z, cost, gradient);
    double f = 0.0;
    if (gradient == nullptr) {
      double p[P];
      d.map.Apply(z, p);
      for (int i = 0; i < d.num_rows; ++i) {
        const double r = RawResidual<Law>(d, p, i);
        f += d.sqrt_w[i] * d.sqrt_w[i] * ObjectiveTerm(r, d.objective, d.delta);
      }
      *cost = f;
      return std::isfinite(f);  // a non-finite residual makes f non-finite
    }
    using Jet = ceres::Jet<double, P>;
    Jet zj[P], p[P];
    for (int k = 0; k < P; ++k) zj[k] = Jet(z[k], k);
    d.map.Apply(zj, p);
    Eigen::Matrix<double, P, 1> g = Eigen::Matrix<double, P, 1>::Zero();
    for (int i = 0; i < d.num_rows; ++i) {
      const Jet r = RawResidual<Law>(d, p, i);
      const double w = d.sqrt_w[i] * d.sqrt_w[i];
      f += w * ObjectiveTerm(r.a, d.objective, d.delta);
      g += (w * ObjectiveDerivative(r.a, d.objective, d.delta)) * r.v;
    }
    // Any non-finite residual or derivative (outside the law's domain,
    // overflow) shows up in f or g: reject the step.
    if (!std::isfinite(f) || !g.allFinite()) return false;
    *cost = f;
    for (int k = 0; k < P; ++k) gradient[k] = g[k];
    return true;
  }

 private:
  // The rows in fixed chunks of BatchChunkRows (the last one shorter), each
  // summed by the batch kernel, the chunks added in order: the same numbers
  // whether the chunks run on one thread or several.
  bool EvaluateBatches(const double* z, double* cost, double* gradient) const {
    const ProblemData& d = *d_;
    const BatchMap map{d.map.source.data(), d.map.positive.data()};
    const int stride = d.batch.stride;
    const int chunk_rows = BatchChunkRows(stride);
    const int chunks = (stride + chunk_rows - 1) / chunk_rows;
    auto run = [&](int c, double* f, double* g) {
      const int begin = c * chunk_rows;
      const int end = std::min(stride, begin + chunk_rows);
      return kernels_->objective(d.batch, map, d.objective, d.delta, z, begin,
                                 end, f, g);
    };
    if (chunks == 1) return run(0, cost, gradient);
    const int G = gradient ? P : 0;
    partial_.assign(static_cast<size_t>(chunks) * (G + 1), 0.0);
    ok_.assign(chunks, 0);
    ParallelFor(chunks, d.row_threads, [&](int, int c) {
      double* slot = partial_.data() + static_cast<size_t>(c) * (G + 1);
      ok_[c] = run(c, slot, gradient ? slot + 1 : nullptr);
    });
    double f = 0.0, g[P] = {};
    for (int c = 0; c < chunks; ++c) {
      if (!ok_[c]) return false;
      const double* slot = partial_.data() + static_cast<size_t>(c) * (G + 1);
      f += slot[0];
      for (int k = 0; k < G; ++k) g[k] += slot[1 + k];
    }
    *cost = f;
    for (int k = 0; k < G; ++k) gradient[k] = g[k];
    return true;
  }

  const ProblemData* d_;
  const BatchKernels* kernels_;
  mutable std::vector<double> partial_;
  mutable std::vector<unsigned char> ok_;
};

/// The LawModel of a law functor.
template <typename Law>
class TypedLaw final : public LawModel {
 public:
  static constexpr int P = Law::kNumParams;

  TypedLaw() {
    info_.name = Law::kName;
    info_.formula = Law::kFormula;
    for (const ParamSpec& s : Law::kParams) {
      info_.params.push_back(ParamInfo{s.name, s.positive, s.linear, s.lower,
                                       s.upper, s.start_lo, s.start_hi,
                                       s.init});
    }
    for (const char* in : Law::kInputs) info_.input_names.push_back(in);
    info_.positive_data = PositiveData<Law>::value;
  }

  double Evaluate(const double* p, const double* x) const override {
    return EvaluateLaw<Law>(p, x, nullptr);
  }

  void EvaluateMany(const double* p, const double* x, int n,
                    double* out) const override {
    EvaluateManyWithLogs(p, x, nullptr, n, out);  // logs taken on demand
  }

  void EvaluateManyWithLogs(const double* p, const double* x,
                            const double* log_x, int n,
                            double* out) const override {
    for (int i = 0; i < n; ++i) {
      const int at = i * Law::kNumInputs;
      out[i] = EvaluateLaw<Law>(p, x + at, log_x ? log_x + at : nullptr);
    }
  }

  double ValueAndGradient(const double* p, const double* x,
                          double* grad) const override {
    using Jet = ceres::Jet<double, P>;
    Jet pj[P];
    for (int k = 0; k < P; ++k) pj[k] = Jet(p[k], k);
    const Jet v = EvaluateLaw<Law>(pj, x, nullptr);
    for (int k = 0; k < P; ++k) grad[k] = v.v[k];
    return v.a;
  }

  const BatchKernels* batch_kernels() const override {
    return FindBatchKernels(typeid(Law));
  }

  std::unique_ptr<ResidualModel> MakeResidualModel(
      const ProblemData& data) const override {
    return std::make_unique<CeresResidualModel>(
        data,
        [](const ProblemData* d, bool raw) {
          const BatchKernels* kernels =
              d->batch.stride > 0 ? FindBatchKernels(typeid(Law)) : nullptr;
          if (kernels && kernels->residuals)
            return std::unique_ptr<ceres::CostFunction>(
                new BatchLawResidual<Law>(d, raw, kernels));
          return std::unique_ptr<ceres::CostFunction>(
              new ceres::AutoDiffCostFunction<LawResidual<Law>, ceres::DYNAMIC,
                                              P>(new LawResidual<Law>{d, raw},
                                                 d->num_rows));
        },
        [](const ProblemData* d) {
          return std::unique_ptr<ceres::FirstOrderFunction>(
              new LawObjective<Law>(d));
        },
        [](const ProblemData* d) {
          const BatchKernels* kernels =
              d->batch.stride > 0 ? FindBatchKernels(typeid(Law)) : nullptr;
          if (!kernels || !kernels->residuals)
            return std::unique_ptr<ceres::CostFunction>();
          return std::unique_ptr<ceres::CostFunction>(
              new NormalLawResidual<Law>(d, kernels));
        });
  }
};

}  // namespace scalefit::detail
