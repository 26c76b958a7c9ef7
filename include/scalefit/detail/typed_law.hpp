/// @file typed_law.hpp
/// Ceres glue: turns a law functor into a LawModel. Include this (or
/// scalefit/make_law.hpp) only where a law type is instantiated.
#pragma once

#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <ceres/autodiff_cost_function.h>
#include <ceres/jet.h>

#include "scalefit/detail/ceres_model.hpp"
#include "scalefit/law.hpp"

namespace scalefit::detail {

inline bool IsFiniteValue(double v) { return std::isfinite(v); }
template <typename T, int N>
bool IsFiniteValue(const ceres::Jet<T, N>& v) {
  // ceres::isfinite(Jet) checks only the value; overflowing derivatives
  // must reject the step too.
  return std::isfinite(v.a) && v.v.allFinite();
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
    using std::log;
    T p[Law::kNumParams];
    d->map.Apply(z, p);
    const bool in_log = InLogSpace(d->objective);
    for (int i = 0; i < d->num_rows; ++i) {
      const T value = Law::Evaluate(p, d->x + i * d->num_inputs);
      T r;
      if (in_log) {
        if (!(value > 0.0)) return false;  // outside the law's domain
        r = log(value) - d->target[i];
      } else {
        r = value - d->target[i];
      }
      if (!IsFiniteValue(r)) return false;  // overflow: reject the step
      residuals[i] =
          raw ? r : d->sqrt_w[i] * SqrtObjective(r, d->objective, d->delta);
    }
    return true;
  }
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
  }

  double Evaluate(const double* p, const double* x) const override {
    return Law::Evaluate(p, x);
  }

  void EvaluateMany(const double* p, const double* x, int n,
                    double* out) const override {
    for (int i = 0; i < n; ++i) {
      out[i] = Law::Evaluate(p, x + i * Law::kNumInputs);
    }
  }

  double ValueAndGradient(const double* p, const double* x,
                          double* grad) const override {
    using Jet = ceres::Jet<double, P>;
    Jet pj[P];
    for (int k = 0; k < P; ++k) pj[k] = Jet(p[k], k);
    const Jet v = Law::Evaluate(pj, x);
    for (int k = 0; k < P; ++k) grad[k] = v.v[k];
    return v.a;
  }

  std::unique_ptr<ResidualModel> MakeResidualModel(
      const ProblemData& data) const override {
    return std::make_unique<CeresResidualModel>(
        data, [](const ProblemData* d, bool raw) {
          return std::unique_ptr<ceres::CostFunction>(
              new ceres::AutoDiffCostFunction<LawResidual<Law>, ceres::DYNAMIC,
                                              P>(new LawResidual<Law>{d, raw},
                                                 d->num_rows));
        });
  }
};

}  // namespace scalefit::detail

namespace scalefit {

/// The runtime descriptor of any functor that follows the law concept
/// (law.hpp). A user-defined C++ law works everywhere a built-in one does.
template <typename Law>
LawPtr MakeLaw() {
  static_assert(Law::kNumParams == static_cast<int>(Law::kParams.size()),
                "kParams must list kNumParams parameters");
  static_assert(Law::kNumInputs == static_cast<int>(Law::kInputs.size()),
                "kInputs must list kNumInputs inputs");
  return std::make_shared<detail::TypedLaw<Law>>();
}

}  // namespace scalefit
