/// @file engine.hpp
/// Internals of the fitting engine, shared by the engine (src/fit/), the
/// Ceres model (detail/ceres_model.hpp) and the law implementations
/// (detail/typed_law.hpp, runtime_law.hpp): the map from the optimiser's
/// coordinates to parameters, the problem data, solver settings and the
/// least-squares model interface. Not part of the public API.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "scalefit/detail/simd.hpp"
#include "scalefit/law.hpp"
#include "scalefit/objective.hpp"

namespace scalefit {

namespace detail {

/// How the optimiser's internal vector z (one entry per parameter) maps to
/// user-unit parameters p: p_k = positive_k ? exp(z_{s_k}) : z_{s_k}, where
/// s_k = k unless parameter k is tied to another one. Fixed parameters and
/// tied followers are held constant in z.
struct ParamMap {
  std::vector<int> source;
  std::vector<unsigned char> positive;
  std::vector<unsigned char> constant;

  template <typename T>
  void Apply(const T* z, T* p) const {
    using std::exp;
    for (size_t k = 0; k < source.size(); ++k) {
      p[k] = positive[k] ? exp(z[source[k]]) : z[source[k]];
    }
  }
};

/// Everything a residual needs, as plain pointers into memory owned by the
/// caller (the fitting engine keeps it alive for the model's lifetime).
struct ProblemData {
  int num_rows = 0;
  int num_inputs = 0;
  const double* x = nullptr;       ///< row-major inputs
  const double* log_x = nullptr;   ///< their natural logs, same layout
  const double* target = nullptr;  ///< log L (log objectives) or L
  const double* sqrt_w = nullptr;  ///< sqrt of normalised weights
  /// The objective and the Huber threshold, copied from FitOptions (the one
  /// place their defaults are written); a NaN delta makes a forgotten copy
  /// fail loudly.
  Objective objective{};
  double delta = std::numeric_limits<double>::quiet_NaN();
  ParamMap map;
  std::vector<double> lower;  ///< internal (z) bounds, ±inf = none
  std::vector<double> upper;
  /// The same rows laid out for batch kernels (stride 0 = not laid out).
  BatchRows batch;
  /// Threads that split the rows of one evaluation (from kSplitRows rows).
  int row_threads = 1;
};

/// Rows from which a data set counts as large: Levenberg–Marquardt solves
/// its steps from the normal equations (P × P) instead of a QR
/// factorisation of the rows × P Jacobian (for laws without the reduced
/// block below), and the set-up's per-row work runs on the fit's threads. A
/// function of the rows only, never of the threads.
inline constexpr int kLargeDataRows = 65536;

/// Rows from which one evaluation's rows are split across the fit's threads
/// (ProblemData::row_threads; the pool's workers are woken, not started, so
/// the split pays from a few thousand rows) and the starts are polished one
/// after another. Below it the starts are polished side by side instead.
inline constexpr int kSplitRows = 8192;

/// Rows from which Levenberg–Marquardt works on the residual block reduced
/// to P + 1 residuals (NormalLawResidual, typed_law.hpp: the same JᵀJ, Jᵀr
/// and cost from one chunked pass) when the law has batch kernels. Below it
/// the rows × P block and a QR of it cost less than Ceres' fixed overhead
/// saves.
inline constexpr int kReducedBlockRows = 4096;

/// Solver settings for one local solve. The iteration cap and the three
/// tolerances have no defaults here: the engine copies them from FitOptions
/// (fit.hpp), the one place their defaults are written.
struct SolveSettings {
  SolveSettings(int max_iterations, double function_tolerance,
                double parameter_tolerance, double gradient_tolerance)
      : max_iterations(max_iterations),
        function_tolerance(function_tolerance),
        parameter_tolerance(parameter_tolerance),
        gradient_tolerance(gradient_tolerance) {}
  int max_iterations;
  double function_tolerance;
  double parameter_tolerance;
  double gradient_tolerance;
  /// Relative tolerance of the first (Levenberg–Marquardt) stage; the
  /// polish then runs to the tolerances above.
  double coarse_tolerance = 1e-6;
  /// Iteration cap of the final Levenberg–Marquardt pass. Multi-start
  /// screening uses a small cap; the engine then re-polishes the best start
  /// without it before certifying. 0 skips the pass.
  int confirm_iterations = 1000;
  /// Only the confirming pass (stage 3), from a point an earlier solve with
  /// the same tolerances already polished: the line search would only
  /// restart its memory and stop where it is.
  bool confirm_only = false;
  /// Run the line-search stage in coordinates scaled by the Hessian at the
  /// start (ceres_model.cpp, ScalingAt): fewer evaluations from a start near
  /// an optimum (ranked grid cells, warm starts). Off for the screening of
  /// many far starts (grid="hoffmann"), where the Hessian at the start says
  /// little about the optimum's and the scaled search takes longer.
  bool scale_line_search = true;
  /// With scale_line_search: the scaling T to use instead of the Hessian at
  /// the start (F × F column-major over the free coordinates, as returned in
  /// SolveOutcome::scaling); empty = take it at the start.
  std::vector<double> scaling;
  /// Return the scaling at the end point in SolveOutcome::scaling (F + 1
  /// more gradient passes after a usable solve).
  bool scaling_at_end = false;
  bool verbose = false;
};

/// The outcome of one local solve (one "polished start").
struct SolveOutcome {
  std::vector<double> z;  ///< internal parameters at the end
  double cost = 0.0;      ///< Σ w̃ ρ(r) with normalised weights
  int iterations = 0;
  bool converged = false;  ///< Ceres reported CONVERGENCE
  bool usable = false;     ///< finite cost at a feasible point
  std::string message;
  /// With SolveSettings::scaling_at_end: T = V Λ^{-1/2} from the
  /// forward-difference Hessian H = V Λ Vᵀ of the objective at z over the
  /// free coordinates (F × F, column-major); empty if not asked for or not
  /// available there (H not finite, or not usable).
  std::vector<double> scaling;
};

/// A least-squares problem for one law on one data set. Not thread-safe:
/// the engine makes one per worker thread.
class ResidualModel {
 public:
  virtual ~ResidualModel() = default;
  /// Local solve from z0 (Levenberg–Marquardt with bounds).
  virtual SolveOutcome Solve(const std::vector<double>& z0,
                             const SolveSettings& settings) = 0;
  /// Raw residuals r_i (unweighted, before ρ) and their Jacobian
  /// ∂r_i/∂z (row-major num_rows × num_params). Returns false where the law
  /// is not finite.
  virtual bool RawJacobian(const std::vector<double>& z,
                           std::vector<double>* residuals,
                           std::vector<double>* jacobian) const = 0;
  /// The same for rows [begin, end) only (begin a multiple of 8): r_i into
  /// residuals[i − begin], ∂r_i/∂z into jacobian[(i − begin) × num_params +
  /// k]. Callers that sum over the rows go through the data in blocks this
  /// way instead of holding a num_rows × num_params Jacobian. Unlike the rest
  /// of the model, safe to call from several threads at once (each call
  /// builds its own residual block over the rows).
  virtual bool RawJacobianRows(const std::vector<double>& z, int begin, int end,
                               double* residuals, double* jacobian) const = 0;
};

}  // namespace detail

}  // namespace scalefit
