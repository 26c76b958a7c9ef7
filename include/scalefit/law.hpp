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

#include <any>
#include <memory>
#include <string>
#include <vector>

#include "scalefit/laws/param_spec.hpp"

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
  /// How a law was defined, which decides what a fit card can carry of it
  /// (fit_card.hpp): a built-in law by name; a formula string in full (the
  /// card rebuilds it); a C++ functor that is not built in, or a function
  /// (a Python callable), only by name and parameter metadata — loading such
  /// a card needs the same law again.
  enum class Origin { kFunctor, kFormula, kFunction };

  std::string name;
  std::string formula;
  std::vector<ParamInfo> params;
  std::vector<std::string> input_names;
  /// True (power laws): every input and every observed value must be > 0.
  /// False for the link laws (laws/sigmoid.hpp), whose input is a task loss
  /// (0 is a valid "ideal" point) and whose value is a metric (0 is a valid
  /// accuracy): any finite number. A log-space objective still needs
  /// values > 0. A functor declares it as `static constexpr bool
  /// kPositiveData = false;` (absent = true).
  bool positive_data = true;
  Origin origin = Origin::kFunctor;
  /// For a law defined by a function: what defined it, kept alive with the
  /// law (the Python bindings keep the callable here, so that a pickled
  /// result can carry it). Not used by the library.
  std::any definition;

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

/// True when `info` describes the built-in functor `Law` (laws/): the same
/// name, formula and parameter names, so the closed forms written against
/// `Law` apply to it.
template <typename Law>
bool IsLaw(const LawInfo& info) {
  if (info.name != Law::kName || info.formula != Law::kFormula ||
      info.num_params() != Law::kNumParams)
    return false;
  for (int k = 0; k < Law::kNumParams; ++k)
    if (info.params[k].name != Law::kParams[k].name) return false;
  return true;
}

namespace detail {
struct ProblemData;   // detail/engine.hpp
class ResidualModel;  // detail/engine.hpp
struct BatchKernels;  // detail/simd.hpp
}  // namespace detail

/// A law at run time. Built once per law type (MakeLaw<Law>(),
/// ceres/make_law.hpp), from a formula string (formula.hpp), or from a
/// function (runtime_law.hpp; the Python callable laws use it).
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
  /// The law's batch (SIMD) kernels for the active instruction set, or null
  /// (then every evaluation runs row by row; instruction_set.hpp).
  virtual const detail::BatchKernels* batch_kernels() const { return nullptr; }
  /// The fitting engine's least-squares problem on the given data
  /// (detail/engine.hpp; only the engine and law implementations call it).
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
