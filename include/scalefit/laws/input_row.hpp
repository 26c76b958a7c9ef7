/// @file input_row.hpp
/// One row of a law's inputs, with their natural logs.
#pragma once

#include <cmath>

namespace scalefit {

/// The inputs of one observation as a law's Evaluate sees them: x[k] is the
/// k-th input in the law's own units (kInputs order) and x.log(k) its
/// natural log.
///
/// Why: scaling laws are power laws, evaluated as exp(−α · log N). The fitting
/// engine computes log N once per data set and hands it in, so a fit does not
/// take a fresh log of every input at every iteration (two logs per row were a
/// third of the cost of a Chinchilla evaluation). Outside a fit (a single
/// prediction, a pointer from user code) the log is taken on demand, so
/// `Law::Evaluate(p, x)` with a plain `const double*` works as before.
class InputRow {
 public:
  /// Values only; log(k) computes the log on demand.
  InputRow(const double* values) : values_(values) {}  // NOLINT: implicit
  /// Values and their precomputed natural logs (same layout).
  InputRow(const double* values, const double* logs)
      : values_(values), logs_(logs) {}

  double operator[](int k) const { return values_[k]; }
  /// Natural log of input k (inputs are validated > 0 before any fit).
  double log(int k) const { return logs_ ? logs_[k] : std::log(values_[k]); }

 private:
  const double* values_;
  const double* logs_ = nullptr;
};

/// The row type a law's Evaluate takes for parameter type T: InputRow for
/// double and ceres::Jet<double, N>; a batch of rows (one SIMD lane per row)
/// when the engine evaluates the law on SIMD batches (src/simd/ specialises
/// this). A law whose Evaluate takes `InputRowOf<T> x` is evaluated on
/// batches of rows; one taking a plain `InputRow x` (needed when it branches
/// on x or on T) runs one row at a time.
template <typename T, typename = void>
struct InputRowType {
  using type = InputRow;
};
template <typename T>
using InputRowOf = typename InputRowType<T>::type;

}  // namespace scalefit
