/// @file typed_law.hpp
/// Ceres glue: turns a law functor into a LawModel. Include this (or
/// scalefit/make_law.hpp) only where a law type is instantiated.
#pragma once

#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <ceres/ceres.h>

#include "scalefit/law.hpp"

namespace scalefit::detail {

inline bool IsFiniteValue(double v) { return std::isfinite(v); }
template <typename T, int N>
bool IsFiniteValue(const ceres::Jet<T, N>& v) {
  return ceres::isfinite(v);
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

template <typename Law>
class TypedResidualModel final : public ResidualModel {
 public:
  static constexpr int P = Law::kNumParams;

  explicit TypedResidualModel(const ProblemData& data) : data_(data) {
    z_.fill(0.0);
    cost_ = new ceres::AutoDiffCostFunction<LawResidual<Law>, ceres::DYNAMIC,
                                            P>(
        new LawResidual<Law>{&data_, false}, data_.num_rows);
    raw_ = std::make_unique<
        ceres::AutoDiffCostFunction<LawResidual<Law>, ceres::DYNAMIC, P>>(
        new LawResidual<Law>{&data_, true}, data_.num_rows);
    ceres::Problem::Options po;
    po.cost_function_ownership = ceres::TAKE_OWNERSHIP;
    problem_ = std::make_unique<ceres::Problem>(po);
    problem_->AddResidualBlock(cost_, nullptr, z_.data());
    std::vector<int> constant;
    for (int k = 0; k < P; ++k) {
      if (data_.map.constant[k]) constant.push_back(k);
    }
    if (static_cast<int>(constant.size()) == P) {
      problem_->SetParameterBlockConstant(z_.data());
    } else if (!constant.empty()) {
      problem_->SetManifold(z_.data(), new ceres::SubsetManifold(P, constant));
    }
    for (int k = 0; k < P; ++k) {
      if (data_.map.constant[k]) continue;
      if (std::isfinite(data_.lower[k]))
        problem_->SetParameterLowerBound(z_.data(), k, data_.lower[k]);
      if (std::isfinite(data_.upper[k]))
        problem_->SetParameterUpperBound(z_.data(), k, data_.upper[k]);
    }
  }

  SolveOutcome Solve(const std::vector<double>& z0,
                     const SolveSettings& s) override {
    for (int k = 0; k < P; ++k) z_[k] = z0[k];
    ceres::Solver::Options o;
    o.linear_solver_type = ceres::DENSE_QR;
    o.max_num_iterations = s.max_iterations;
    o.function_tolerance = s.function_tolerance;
    o.parameter_tolerance = s.parameter_tolerance;
    o.gradient_tolerance = s.gradient_tolerance;
    o.minimizer_progress_to_stdout = false;
    o.logging_type = ceres::SILENT;
    o.num_threads = 1;
    ceres::Solver::Summary summary;
    ceres::Solve(o, problem_.get(), &summary);
    SolveOutcome out;
    out.z.assign(z_.begin(), z_.end());
    out.cost = summary.final_cost;
    out.iterations = static_cast<int>(summary.iterations.size()) - 1;
    out.converged = summary.termination_type == ceres::CONVERGENCE;
    out.usable = summary.IsSolutionUsable() && std::isfinite(out.cost);
    out.message = summary.message;
    if (s.verbose) out.message = summary.FullReport();
    return out;
  }

  bool RawJacobian(const std::vector<double>& z, std::vector<double>* r,
                   std::vector<double>* jac) const override {
    r->assign(data_.num_rows, 0.0);
    jac->assign(static_cast<size_t>(data_.num_rows) * P, 0.0);
    const double* params[] = {z.data()};
    double* jacobians[] = {jac->data()};
    return raw_->Evaluate(params, r->data(), jacobians);
  }

 private:
  ProblemData data_;
  std::array<double, P> z_;
  ceres::CostFunction* cost_ = nullptr;  // owned by problem_
  std::unique_ptr<ceres::CostFunction> raw_;
  std::unique_ptr<ceres::Problem> problem_;
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
    return std::make_unique<TypedResidualModel<Law>>(data);
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
