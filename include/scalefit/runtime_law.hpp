/// @file runtime_law.hpp
/// Laws defined at run time instead of by a C++ functor: a base class for
/// laws that evaluate all rows at once with their parameter Jacobian
/// (formula strings, formula.hpp, use it), and laws given as a plain
/// function, differentiated by central differences (the Python callable
/// laws use it).
///
/// A runtime law is a LawModel like any built-in law: Fit, FromParams,
/// Predict and the analyses accept it.
///
/// WARNING: a law given as a function is differentiated numerically
/// (central differences, relative step ~6e-6): Jacobians have ~1e-10
/// relative error, so fits converge to the same optimum as an exact law
/// but "converged" may be reported a little less often on flat optima.
/// Prefer a C++ functor (MakeLaw<Law>()) or a formula string.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scalefit/law.hpp"

namespace scalefit {

/// A law that evaluates n rows at once. Subclasses implement Batch().
class BatchLaw : public LawModel {
 public:
  /// Validates `info` (non-empty, unique names; bounds, start ranges and
  /// typical values consistent) and throws InvalidArgument naming the
  /// offending parameter.
  explicit BatchLaw(LawInfo info);

  /// L at n rows of x (row-major, law input order) into values[0..n); when
  /// `jac` is not null also ∂L_i/∂p_k into jac[i * P + k] (user units).
  /// Returns false if the law cannot be evaluated; may throw scalefit
  /// errors (which the solver turns into a rejected step).
  virtual bool Batch(const double* p, const double* x, int n, double* values,
                     double* jac) const = 0;

  double Evaluate(const double* p, const double* x) const override;
  void EvaluateMany(const double* p, const double* x, int n,
                    double* out) const override;
  double ValueAndGradient(const double* p, const double* x,
                          double* grad) const override;
  std::unique_ptr<detail::ResidualModel> MakeResidualModel(
      const detail::ProblemData& data) const override;
};

/// Values of a law at n rows: out[i] = L(x_i; p), x row-major with
/// `info.num_inputs()` columns. May throw scalefit errors.
using BatchFunction =
    std::function<void(const double* p, const double* x, int n, double* out)>;

/// A law from a function, differentiated by central differences:
/// for positive parameters the step is relative (p·e^{±h}), for the others
/// h·max(|p|, 1), with h = 6.06e-6 (≈ ε^{1/3}). One Jacobian costs 2P + 1
/// calls of `f` over all rows. `f` must be safe to call from the thread
/// that runs the fit (the Python binding takes the GIL inside it).
/// Throws InvalidArgument for an invalid `info` or an empty `f`.
LawPtr MakeNumericLaw(LawInfo info, BatchFunction f);

/// The metadata a runtime law gives a parameter by default: not positive,
/// not linear, no bounds, start grid 0.05 … 1.5, typical value 0.5 (an
/// exponent); or, when `positive`, bounds (0, ∞), start grid 0.1 … 1000
/// (log-spaced), typical value 1.
ParamInfo DefaultParamInfo(const std::string& name, bool positive = false);

/// Metadata for the parameters `names` of a runtime law `law_name`:
/// DefaultParamInfo for each, then the overrides (`positive`, `linear`,
/// default `bounds`, `start` grid ranges, typical values `init`, all in
/// user units). A typical value not given is clamped into given bounds.
/// Throws UnknownName when an override names an unknown parameter.
std::vector<ParamInfo> MakeParamInfos(
    const std::string& law_name, const std::vector<std::string>& names,
    const std::vector<std::string>& positive,
    const std::vector<std::string>& linear,
    const std::map<std::string, std::pair<double, double>>& bounds,
    const std::map<std::string, std::pair<double, double>>& start,
    const std::map<std::string, double>& init);

}  // namespace scalefit
