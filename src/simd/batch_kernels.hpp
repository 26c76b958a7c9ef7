/// @file batch_kernels.hpp
/// The law functor evaluated on SIMD batches of rows: values on
/// xsimd::batch<double, Arch>, values and gradients on
/// ceres::Jet<xsimd::batch<double, Arch>, P> (forward mode, one lane per
/// row). Included only by the per-instruction-set translation units in
/// src/simd/, each compiled with its own target flags.
///
/// WARNING: everything instantiated here must depend on Arch (the batch
/// type), so that no inline function compiled with AVX flags can be picked
/// by the linker for baseline code. Plain-double helpers are not called.
#pragma once

#include <ceres/jet.h>

#include <Eigen/Core>
#include <cmath>
#include <type_traits>
#include <utility>
#include <xsimd/xsimd.hpp>

#include "scalefit/detail/simd.hpp"
#include "scalefit/laws/input_row.hpp"

namespace Eigen {
// ceres::Jet keeps its derivatives in an Eigen vector of the scalar type.
template <class Arch>
struct NumTraits<xsimd::batch<double, Arch>> : NumTraits<double> {
  using Real = xsimd::batch<double, Arch>;
  using NonInteger = Real;
  using Nested = Real;
  using Literal = Real;
  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    ReadCost = 1,
    AddCost = 1,
    MulCost = 1
  };
};
}  // namespace Eigen

namespace scalefit::detail {

/// A batch of rows as a law's Evaluate sees one row: x[k] and x.log(k) are
/// batches of input k and its log.
template <class V>
class BatchRow {
 public:
  BatchRow(const BatchRows& rows, int i) : rows_(rows), i_(i) {}
  V operator[](int k) const {
    return V::load_unaligned(rows_.x + static_cast<size_t>(k) * rows_.stride +
                             i_);
  }
  V log(int k) const {
    return V::load_unaligned(rows_.log_x +
                             static_cast<size_t>(k) * rows_.stride + i_);
  }

 private:
  const BatchRows& rows_;
  int i_;
};

}  // namespace scalefit::detail

namespace scalefit {
template <class Arch>
struct InputRowType<xsimd::batch<double, Arch>> {
  using type = detail::BatchRow<xsimd::batch<double, Arch>>;
};
template <class Arch, int N>
struct InputRowType<ceres::Jet<xsimd::batch<double, Arch>, N>> {
  using type = detail::BatchRow<xsimd::batch<double, Arch>>;
};
}  // namespace scalefit

namespace scalefit::detail {

// Sums over rows that do not involve the law, for one instruction set.
template <class Arch>
struct BatchSums {
  using V = xsimd::batch<double, Arch>;
  static constexpr int W = static_cast<int>(V::size);

  // Rows are summed in 8 virtual lanes (row i into lane i mod 8) whatever
  // the batch width, K = 8 / W batches of accumulators, and the lanes added
  // in lane order: the same sums, bit for bit, on every instruction set.
  static constexpr int K = 8 / W;
  static double Sum(const V* acc) {
    alignas(64) double t[8];
    for (int k = 0; k < K; ++k) acc[k].store_aligned(t + k * W);
    double s = 0.0;
    for (int j = 0; j < 8; ++j) s += t[j];
    return s;
  }

  // The normal equations of M scaled columns over rows [0, stride):
  // X_ij = s_i φ_j(x_i), y_i = s_i (L_i − base_i); g = XᵀX (M × M,
  // row-major, symmetric), h = Xᵀy, sums = {yᵀy, Σ y_i}. M is a
  // compile-time count so that the accumulators stay in registers.
  template <int M>
  __attribute__((flatten)) static void NormalSumsOf(
      int stride, const double* loss, const double* scale, const double* base,
      const double* cols, double* g, double* h, double* sums) {
    constexpr int T = M * (M + 1) / 2;
    V gs[K][T], hs[K][M], yy[K], ys[K];
    for (int k = 0; k < K; ++k) {
      yy[k] = ys[k] = V(0.0);
      for (int t = 0; t < T; ++t) gs[k][t] = V(0.0);
      for (int a = 0; a < M; ++a) hs[k][a] = V(0.0);
    }
    for (int i = 0; i < stride; i += 8) {
      for (int k = 0; k < K; ++k) {
        const int at = i + k * W;
        const V s = V::load_unaligned(scale + at);
        const V y =
            (V::load_unaligned(loss + at) - V::load_unaligned(base + at)) * s;
        yy[k] = yy[k] + y * y;
        ys[k] = ys[k] + y;
        V x[M];
        for (int j = 0; j < M; ++j)
          x[j] =
              V::load_unaligned(cols + static_cast<size_t>(j) * stride + at) *
              s;
        int t = 0;
        for (int a = 0; a < M; ++a) {
          hs[k][a] = hs[k][a] + x[a] * y;
          for (int b = 0; b <= a; ++b, ++t) gs[k][t] = gs[k][t] + x[a] * x[b];
        }
      }
    }
    V acc[K];
    int t = 0;
    for (int a = 0; a < M; ++a) {
      for (int k = 0; k < K; ++k) acc[k] = hs[k][a];
      h[a] = Sum(acc);
      for (int b = 0; b <= a; ++b, ++t) {
        for (int k = 0; k < K; ++k) acc[k] = gs[k][t];
        g[a * M + b] = g[b * M + a] = Sum(acc);
      }
    }
    sums[0] = Sum(yy);
    sums[1] = Sum(ys);
  }
  template <int... M>
  static void NormalSumsFor(std::integer_sequence<int, M...>, int m, int stride,
                            const double* loss, const double* scale,
                            const double* base, const double* cols, double* g,
                            double* h, double* sums) {
    ((m == M + 1
          ? NormalSumsOf<M + 1>(stride, loss, scale, base, cols, g, h, sums)
          : void()),
     ...);
  }
  static void NormalSums(int stride, const double* loss, const double* scale,
                         const double* base, const double* cols, int m,
                         double* g, double* h, double* sums) {
    NormalSumsFor(std::make_integer_sequence<int, kMaxBatchColumns>(), m,
                  stride, loss, scale, base, cols, g, h, sums);
  }
};

template <class Law, class Arch>
struct BatchKernel {
  using V = xsimd::batch<double, Arch>;
  static constexpr int P = Law::kNumParams;
  static constexpr int W = static_cast<int>(V::size);
  using J = ceres::Jet<V, P>;

  // Sums in the fixed 8 lanes of BatchSums.
  static constexpr int K = BatchSums<Arch>::K;
  static double Sum(const V* acc) { return BatchSums<Arch>::Sum(acc); }

  // The parameters at internal point z: p_k = exp(z_s) or z_s (s the
  // source of k), as values, or as Jets over z with the derivative in slot s.
  static void ValueParams(const BatchMap& map, const double* z, V* p) {
    for (int k = 0; k < P; ++k) {
      const double zk = z[map.source[k]];
      p[k] = V(map.positive[k] ? std::exp(zk) : zk);
    }
  }
  static void JetParams(const BatchMap& map, const double* z, J* p) {
    for (int k = 0; k < P; ++k) {
      const int s = map.source[k];
      const double v = map.positive[k] ? std::exp(z[s]) : z[s];
      p[k] = J(V(v));
      p[k].v[s] = V(map.positive[k] ? v : 1.0);
    }
  }

  // The objective term ρ(r): r²/2, or the Huber loss of threshold d
  // (half_d = d/2).
  static V Term(const V& r, bool huber, const V& d, const V& half_d) {
    const V term = V(0.5) * r * r;
    if (!huber) return term;
    return xsimd::select(xsimd::abs(r) <= d, term,
                         d * (xsimd::abs(r) - half_d));
  }

  // One batch of rows: the objective term and, with Jets, w ρ'(r) ∂r/∂z.
  template <typename T>
  static void Row(const BatchRows& rows, const T* p, int i, bool in_log,
                  bool huber, const V& d, V* f, V* g) {
    const V half_d(0.5 * d.get(0));
    const T value = Law::Evaluate(p, BatchRow<V>(rows, i));
    const V t = V::load_unaligned(rows.target + i);
    V va;
    if constexpr (std::is_same_v<T, V>) {
      va = value;
    } else {
      va = value.a;
    }
    const V r = in_log ? V(xsimd::log(va) - t) : V(va - t);
    const V sw = V::load_unaligned(rows.sqrt_w + i);
    const V w = sw * sw;
    const V term = Term(r, huber, d, half_d);
    V dr = r;
    if (huber) dr = xsimd::select(xsimd::abs(r) <= d, r, xsimd::copysign(d, r));
    *f = *f + w * term;
    if constexpr (!std::is_same_v<T, V>) {
      const V s = in_log ? V(w * dr / va) : V(w * dr);
      for (int k = 0; k < P; ++k) g[k] = g[k] + s * value.v[k];
    }
  }

  // Flattened: the law's batch Jet arithmetic inlined into the row loop.
  __attribute__((flatten)) static bool Objective(const BatchRows& rows,
                                                 const BatchMap& map,
                                                 scalefit::Objective o,
                                                 double delta, const double* z,
                                                 int begin, int end,
                                                 double* f_out, double* g_out) {
    const bool in_log = o != scalefit::Objective::kMse;
    const bool huber = o == scalefit::Objective::kHuberLog;
    const V d(delta);
    V f[K], g[K][P];
    for (int k = 0; k < K; ++k) {
      f[k] = V(0.0);
      for (int j = 0; j < P; ++j) g[k][j] = V(0.0);
    }
    if (g_out == nullptr) {
      V p[P];
      ValueParams(map, z, p);
      for (int i = begin; i < end; i += 8)
        for (int k = 0; k < K; ++k)
          Row(rows, p, i + k * W, in_log, huber, d, &f[k], nullptr);
      *f_out = Sum(f);
      return std::isfinite(*f_out);
    }
    J p[P];
    JetParams(map, z, p);
    for (int i = begin; i < end; i += 8)
      for (int k = 0; k < K; ++k)
        Row(rows, p, i + k * W, in_log, huber, d, &f[k], g[k]);
    *f_out = Sum(f);
    bool finite = std::isfinite(*f_out);
    for (int j = 0; j < P; ++j) {
      V gj[K];
      for (int k = 0; k < K; ++k) gj[k] = g[k][j];
      g_out[j] = Sum(gj);
      finite = finite && std::isfinite(g_out[j]);
    }
    return finite;
  }

  __attribute__((flatten)) static void Evaluate(const double* p_user,
                                                const BatchRows& rows,
                                                int begin, int end,
                                                double* out) {
    V p[P];
    for (int k = 0; k < P; ++k) p[k] = V(p_user[k]);
    for (int i = begin; i < end; i += W) {
      Law::Evaluate(p, BatchRow<V>(rows, i)).store_unaligned(out + i);
    }
  }

  // Columns of the linear coefficients lin[0..m) at p (their entries of p
  // read as 0): one pass on Jets of M = m slots (only the columns' own
  // derivatives are carried), the derivative in slot j is ∂L/∂p_lin[j].
  template <int M>
  __attribute__((flatten)) static void ColumnsOf(const double* p_user,
                                                 const int* lin,
                                                 const BatchRows& rows,
                                                 int begin, int end,
                                                 double* base, double* cols) {
    using JM = ceres::Jet<V, M>;
    JM p[P];
    for (int k = 0; k < P; ++k) p[k] = JM(V(p_user[k]));
    for (int j = 0; j < M; ++j) {
      p[lin[j]] = JM(V(0.0));
      p[lin[j]].v[j] = V(1.0);
    }
    for (int i = begin; i < end; i += W) {
      const JM v = Law::Evaluate(p, BatchRow<V>(rows, i));
      v.a.store_unaligned(base + i);
      for (int j = 0; j < M; ++j)
        v.v[j].store_unaligned(cols + static_cast<size_t>(j) * rows.stride + i);
    }
  }
  template <int... M>
  static void ColumnsFor(std::integer_sequence<int, M...>, const double* p,
                         const int* lin, int m, const BatchRows& rows,
                         int begin, int end, double* base, double* cols) {
    ((m == M + 1 ? ColumnsOf<M + 1>(p, lin, rows, begin, end, base, cols)
                 : void()),
     ...);
  }
  static void Columns(const double* p, const int* lin, int m,
                      const BatchRows& rows, int begin, int end, double* base,
                      double* cols) {
    constexpr int kMax = P < kMaxBatchColumns ? P : kMaxBatchColumns;
    ColumnsFor(std::make_integer_sequence<int, kMax>(), p, lin, m, rows, begin,
               end, base, cols);
  }

  // The objective of the values L_i = base_i + Σ_j coef_j cols[j·stride + i]
  // of rows [0, stride) (a grid cell scored from its columns), summed as
  // Objective sums; false where some L_i ≤ 0 in log space or f is not
  // finite.
  __attribute__((flatten)) static bool ScoreColumns(
      const BatchRows& rows, const double* base, const double* cols, int m,
      const double* coef, scalefit::Objective o, double delta, double* f_out) {
    const bool in_log = o != scalefit::Objective::kMse;
    const bool huber = o == scalefit::Objective::kHuberLog;
    const V d(delta), half_d(0.5 * delta), zero(0.0);
    V f[K];
    for (int k = 0; k < K; ++k) f[k] = zero;
    xsimd::batch_bool<double, Arch> positive(true);
    for (int i = 0; i < rows.stride; i += 8) {
      for (int k = 0; k < K; ++k) {
        const int at = i + k * W;
        V v = V::load_unaligned(base + at);
        for (int j = 0; j < m; ++j)
          v = v + V(coef[j]) *
                      V::load_unaligned(
                          cols + static_cast<size_t>(j) * rows.stride + at);
        const V t = V::load_unaligned(rows.target + at);
        V r;
        if (in_log) {
          positive = positive & (v > zero);
          r = xsimd::log(v) - t;
        } else {
          r = v - t;
        }
        const V sw = V::load_unaligned(rows.sqrt_w + at);
        f[k] = f[k] + sw * sw * Term(r, huber, d, half_d);
      }
    }
    if (!xsimd::all(positive)) return false;
    *f_out = Sum(f);
    return std::isfinite(*f_out);
  }

  // Raw residuals r_i (log L̂ − log L in log space, else L̂ − L) of rows
  // [begin, end) into r[i] and, when jac is not null, ∂r_i/∂z into
  // jac[i * P + k] (row-major); rows at or past rows.num_rows are not
  // written (padding).
  __attribute__((flatten)) static void Residuals(const BatchRows& rows,
                                                 const BatchMap& map,
                                                 bool in_log, const double* z,
                                                 int begin, int end, double* r,
                                                 double* jac) {
    alignas(64) double tr[W];
    if (jac == nullptr) {
      V p[P];
      ValueParams(map, z, p);
      for (int i = begin; i < end; i += W) {
        const V value = Law::Evaluate(p, BatchRow<V>(rows, i));
        const V t = V::load_unaligned(rows.target + i);
        const V ri = in_log ? V(xsimd::log(value) - t) : V(value - t);
        ri.store_aligned(tr);
        const int lanes = rows.num_rows - i < W ? rows.num_rows - i : W;
        for (int l = 0; l < lanes; ++l) r[i + l] = tr[l];
      }
      return;
    }
    J p[P];
    JetParams(map, z, p);
    alignas(64) double tj[P][W];
    for (int i = begin; i < end; i += W) {
      const J value = Law::Evaluate(p, BatchRow<V>(rows, i));
      const V t = V::load_unaligned(rows.target + i);
      const V va = value.a;
      const V ri = in_log ? V(xsimd::log(va) - t) : V(va - t);
      ri.store_aligned(tr);
      if (in_log) {
        const V inv = V(1.0) / va;
        for (int k = 0; k < P; ++k) V(value.v[k] * inv).store_aligned(tj[k]);
      } else {
        for (int k = 0; k < P; ++k) value.v[k].store_aligned(tj[k]);
      }
      const int lanes = rows.num_rows - i < W ? rows.num_rows - i : W;
      for (int l = 0; l < lanes; ++l) {
        r[i + l] = tr[l];
        double* row = jac + static_cast<size_t>(i + l) * P;
        for (int k = 0; k < P; ++k) row[k] = tj[k][l];
      }
    }
  }

  static const BatchKernels* Table(Isa isa) {
    static const BatchKernels k = {
        isa,      W,          &Objective,    &Evaluate,
        &Columns, &Residuals, &ScoreColumns, &BatchSums<Arch>::NormalSums};
    return &k;
  }
};

}  // namespace scalefit::detail
