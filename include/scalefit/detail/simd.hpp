/// @file simd.hpp
/// Run-time choice of the instruction set that evaluates laws on batches of
/// rows, and the table of batch kernels a law has for each. Not public API.
///
/// The kernels (src/simd/*.cpp) instantiate the law functor on
/// xsimd::batch<double> (values) and ceres::Jet<xsimd::batch<double>, P>
/// (value and gradient), one translation unit per instruction set, each
/// compiled with its own target flags; the library itself stays baseline
/// x86-64. ActiveIsa() picks the widest set the CPU has, once.
#pragma once

#include <string>
#include <typeinfo>

#include "scalefit/objective.hpp"

namespace scalefit::detail {

enum class Isa { kScalar = 0, kSse2 = 1, kAvx2 = 2, kAvx512 = 3 };

/// Rows laid out for batch kernels: column-major inputs and their logs
/// (input k of row i at [k * stride + i]), targets and sqrt weights, padded
/// with weight-0 copies of the last row to `stride` (a multiple of 8).
struct BatchRows {
  int num_rows = 0;
  int stride = 0;
  const double* x = nullptr;
  const double* log_x = nullptr;
  const double* target = nullptr;
  const double* sqrt_w = nullptr;
};

/// The rows of `rows` from `begin` (a multiple of 8) as rows of their own,
/// `num_rows` of them: the kernels index them from 0, with the same stride
/// (each column starts at row `begin`); the rows after them, or the
/// layout's padding, pad them to 8.
inline BatchRows RowsFrom(const BatchRows& rows, int begin, int num_rows) {
  BatchRows view = rows;
  view.num_rows = num_rows;
  view.x += begin;
  view.log_x += begin;
  view.target += begin;
  view.sqrt_w += begin;
  return view;
}

/// The map z → p of ParamMap as plain arrays (P entries).
struct BatchMap {
  const int* source = nullptr;
  const unsigned char* positive = nullptr;
};

/// A law's kernels for one instruction set. Rows [begin, end) with begin a
/// multiple of `lanes` and end ≤ stride (padded rows carry weight 0).
struct BatchKernels {
  Isa isa = Isa::kScalar;
  int lanes = 1;
  /// f = Σ w ρ(r) over the rows and, when g is not null, ∂f/∂z (P entries).
  /// False when f or g is not finite.
  bool (*objective)(const BatchRows& rows, const BatchMap& map, Objective o,
                    double delta, const double* z, int begin, int end,
                    double* f, double* g) = nullptr;
  /// L at user parameters p for rows [begin, end) into out[begin..end).
  void (*evaluate)(const double* p, const BatchRows& rows, int begin, int end,
                   double* out) = nullptr;
  /// For laws linear in p_lin[0..m) (1 ≤ m ≤ min(P, kMaxBatchColumns)):
  /// base = L with those set to 0, cols[j * stride + i] = ∂L/∂p_lin[j] at
  /// row i (the j-th column of the variable-projection design), in one pass.
  void (*columns)(const double* p, const int* lin, int m, const BatchRows& rows,
                  int begin, int end, double* base, double* cols) = nullptr;
  /// Raw residuals r_i = log L̂ − log L (in_log) or L̂ − L of rows
  /// [begin, end) into r[i] and, when jac is not null, their derivatives
  /// ∂r_i/∂z into jac[i * P + k] (row-major, P = the law's parameters). Rows
  /// at or past rows.num_rows (padding) are not written. Not checked for
  /// finiteness: the caller rejects non-finite values.
  void (*residuals)(const BatchRows& rows, const BatchMap& map, bool in_log,
                    const double* z, int begin, int end, double* r,
                    double* jac) = nullptr;
  /// The objective Σ w ρ(r) (summed as `objective` sums) of the values
  /// L_i = base[i] + Σ_j coef[j] cols[j * stride + i] over the rows
  /// [0, stride) (a variable-projection grid cell scored from its columns).
  /// False where some L_i ≤ 0 in log space or f is not finite.
  bool (*score_columns)(const BatchRows& rows, const double* base,
                        const double* cols, int m, const double* coef,
                        Objective o, double delta, double* f) = nullptr;
  /// The normal equations of a variable-projection grid cell over the rows
  /// [0, stride): X_ij = scale[i] cols[j * stride + i], y_i = scale[i]
  /// (loss[i] − base[i]); g = XᵀX (m × m, row-major), h = Xᵀy (m entries),
  /// sums = {yᵀy, Σ y_i}, summed in the same 8 lanes on every instruction
  /// set. Padding rows must carry scale 0.
  void (*normal_sums)(int stride, const double* loss, const double* scale,
                      const double* base, const double* cols, int m, double* g,
                      double* h, double* sums) = nullptr;
};

/// Linear coefficients the columns kernel takes at most.
inline constexpr int kMaxBatchColumns = 6;

/// The kernels of the built-in laws for one instruction set.
inline constexpr int kMaxBatchLaws = 16;
/// Parameters a law may have for the identity-map scoring of grid cells.
inline constexpr int kMaxBatchParams = 32;
struct BatchTable {
  struct Entry {
    const std::type_info* law = nullptr;
    const BatchKernels* kernels = nullptr;
  };
  Entry entries[kMaxBatchLaws];
  int size = 0;
};

/// Instruction sets compiled into this build, best first, and whether the
/// CPU runs them.
bool IsaCompiled(Isa isa);
bool IsaSupported(Isa isa);
const char* IsaName(Isa isa);
/// The instruction set in use: the best supported one unless set below (or
/// by the environment variable
/// SCALEFIT_INSTRUCTION_SET=scalar|sse2|avx2|avx512).
Isa ActiveIsa();
/// Throws InvalidArgument for an unknown name or one this CPU or build
/// cannot run.
void SetActiveIsa(const std::string& name);

/// The kernels of the law type `law` (typeid of the functor) for the
/// active instruction set, or null: for the scalar set, for laws without
/// kernels (user-defined functors; laws whose Evaluate takes a plain
/// InputRow) and when this build has none.
const BatchKernels* FindBatchKernels(const std::type_info& law);
/// The same for a given instruction set (tests compare them).
const BatchKernels* FindBatchKernels(const std::type_info& law, Isa isa);

}  // namespace scalefit::detail
