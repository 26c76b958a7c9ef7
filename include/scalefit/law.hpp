/// @file law.hpp
/// The runtime law descriptor: one type-erased object per law, built from the
/// law's templated functor, so the engine, the analyses and the bindings
/// never repeat a name or a formula.
///
/// The law concept (see laws/chinchilla.hpp for an example): a struct with
///   static constexpr const char* kName, kFormula;
///   static constexpr int kNumParams, kNumInputs;
///   static constexpr std::array<ParamSpec, kNumParams> kParams;
///   static constexpr std::array<const char*, kNumInputs> kInputs;
///   template <typename T> static T Evaluate(const T* params, InputRow x);
/// Evaluate must work for T = double and T = ceres::Jet (write
/// `using std::exp;` and call unqualified); params are in user units. x[k] is
/// input k and x.log(k) its natural log, precomputed once per fit: write
/// powers of inputs as exp(−α · x.log(k)), not pow(x[k], −α) (which takes a
/// log at every evaluation). A functor taking `const double* x` instead still
/// works, without that saving.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"
#include "scalefit/objective.hpp"

namespace scalefit {

/// A parameter's metadata at run time (ParamSpec with an owned name).
struct ParamInfo {
  std::string name;
  bool positive = false;
  bool linear = false;
  double lower = -kInf;
  double upper = kInf;
  double start_lo = 0.0;
  double start_hi = 0.0;
  double init = 0.0;
};

/// Names, formula and parameter metadata of a law.
struct LawInfo {
  std::string name;
  std::string formula;
  std::vector<ParamInfo> params;
  std::vector<std::string> input_names;

  int num_params() const { return static_cast<int>(params.size()); }
  int num_inputs() const { return static_cast<int>(input_names.size()); }
  std::vector<std::string> param_names() const;
  /// Index of a parameter; throws UnknownName listing the valid names.
  int ParamIndex(const std::string& name) const;
  /// Index of an input or -1.
  int FindInput(const std::string& name) const;
  /// True when the law has both N and D inputs (allocation applies).
  bool HasInputs(const std::vector<std::string>& names) const;
};

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
  const double* x = nullptr;        ///< row-major inputs
  const double* log_x = nullptr;    ///< their natural logs, same layout
  const double* target = nullptr;   ///< log L (log objectives) or L
  const double* sqrt_w = nullptr;   ///< sqrt of normalised weights
  Objective objective = Objective::kHuberLog;
  double delta = 1e-3;
  ParamMap map;
  std::vector<double> lower;        ///< internal (z) bounds, ±inf = none
  std::vector<double> upper;
};

/// Solver settings for one local solve.
struct SolveSettings {
  int max_iterations = 1000;
  double function_tolerance = 1e-12;
  double parameter_tolerance = 1e-12;
  double gradient_tolerance = 1e-14;
  /// Relative tolerance of the first (Levenberg–Marquardt) stage; the
  /// polish then runs to the tolerances above.
  double coarse_tolerance = 1e-6;
  /// Iteration cap of the final Levenberg–Marquardt pass. Multi-start
  /// screening uses a small cap; the engine then re-polishes the best start
  /// without it before certifying. 0 skips the pass.
  int confirm_iterations = 1000;
  bool verbose = false;
};

/// The outcome of one local solve (one "polished start").
struct SolveOutcome {
  std::vector<double> z;       ///< internal parameters at the end
  double cost = 0.0;           ///< Σ w̃ ρ(r) with normalised weights
  int iterations = 0;
  bool converged = false;      ///< Ceres reported CONVERGENCE
  bool usable = false;         ///< finite cost at a feasible point
  std::string message;
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
};

}  // namespace detail

/// A law at run time. Built once per law type (MakeLaw<Law>()) or by a
/// binding for laws defined in Python.
class LawModel {
 public:
  virtual ~LawModel() = default;
  const LawInfo& info() const { return info_; }

  /// L(x; p), p in user units, x one row of inputs.
  virtual double Evaluate(const double* p, const double* x) const = 0;
  /// L at n rows (row-major x).
  virtual void EvaluateMany(const double* p, const double* x, int n,
                            double* out) const;
  /// The same with the inputs' natural logs (same layout), which laws
  /// written against InputRow use instead of taking logs; others ignore them.
  virtual void EvaluateManyWithLogs(const double* p, const double* x,
                                    const double* log_x, int n,
                                    double* out) const;
  /// L and ∂L/∂p (user units) by automatic differentiation.
  virtual double ValueAndGradient(const double* p, const double* x,
                                  double* grad) const = 0;
  /// A least-squares problem on the given data (see detail::ProblemData).
  virtual std::unique_ptr<detail::ResidualModel> MakeResidualModel(
      const detail::ProblemData& data) const = 0;

 protected:
  LawInfo info_;
};

// Methods of LawModel are const; the pointer is non-const only so that the
// Python bindings can hold it.
using LawPtr = std::shared_ptr<LawModel>;

/// A built-in law by name ("power_law", "saturating_power_law",
/// "chinchilla", ...). Throws UnknownName listing the valid names.
LawPtr GetLaw(const std::string& name);

/// Names of the built-in laws.
std::vector<std::string> BuiltinLawNames();

}  // namespace scalefit
