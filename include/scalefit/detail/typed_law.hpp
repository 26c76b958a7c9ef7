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

template <typename Law>
class TypedResidualModel final : public ResidualModel {
 public:
  static constexpr int P = Law::kNumParams;

  explicit TypedResidualModel(const ProblemData& data) : data_(data) {
    z_.fill(0.0);
    cost_ = std::make_unique<
        ceres::AutoDiffCostFunction<LawResidual<Law>, ceres::DYNAMIC, P>>(
        new LawResidual<Law>{&data_, false}, data_.num_rows);
    raw_ = std::make_unique<
        ceres::AutoDiffCostFunction<LawResidual<Law>, ceres::DYNAMIC, P>>(
        new LawResidual<Law>{&data_, true}, data_.num_rows);
    // Two problems over the same residual: `bounded_` for Levenberg–Marquardt
    // (bounds, robust far from the optimum) and `free_` for the L-BFGS
    // polish (Ceres' line search takes no bounds; used only when no bound is
    // active). Both hold constant (fixed or tied) entries constant.
    ceres::Problem::Options po;
    po.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
    po.manifold_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
    std::vector<int> constant;
    for (int k = 0; k < P; ++k) {
      if (data_.map.constant[k]) constant.push_back(k);
    }
    if (!constant.empty() && static_cast<int>(constant.size()) < P) {
      manifold_ = std::make_unique<ceres::SubsetManifold>(P, constant);
    }
    for (auto* problem : {&bounded_, &free_}) {
      *problem = std::make_unique<ceres::Problem>(po);
      (*problem)->AddResidualBlock(cost_.get(), nullptr, z_.data());
      if (static_cast<int>(constant.size()) == P) {
        (*problem)->SetParameterBlockConstant(z_.data());
      } else if (manifold_) {
        (*problem)->SetManifold(z_.data(), manifold_.get());
      }
    }
    for (int k = 0; k < P; ++k) {
      if (data_.map.constant[k]) continue;
      if (std::isfinite(data_.lower[k]))
        bounded_->SetParameterLowerBound(z_.data(), k, data_.lower[k]);
      if (std::isfinite(data_.upper[k]))
        bounded_->SetParameterUpperBound(z_.data(), k, data_.upper[k]);
    }
    all_constant_ = static_cast<int>(constant.size()) == P;
    constant_ = constant;
  }

  // The local solve, in up to three stages, all on the same residual:
  //  1. L-BFGS (Ceres line search, no bounds) from z0 to the full
  //     tolerances. On the Huber objective it converges superlinearly, where
  //     Gauss–Newton curvature (wrong for points in the Huber's linear part)
  //     gives only linear convergence. Kept only if it ends inside the bounds.
  //  2. Otherwise Levenberg–Marquardt with bounds to `coarse_tolerance`, then
  //     L-BFGS again with the coordinates LM pinned at a bound held fixed.
  //  3. A final bounded LM pass at the full tolerances: it confirms (1–3
  //     iterations) or finishes what line search cannot (zero-residual
  //     problems, where Gauss–Newton converges quadratically).
  // The caller certifies the end point with a scale-free gradient test.
  SolveOutcome Solve(const std::vector<double>& z0,
                     const SolveSettings& s) override {
    for (int k = 0; k < P; ++k) z_[k] = z0[k];
    SolveOutcome out;
    if (all_constant_) {
      out.z.assign(z_.begin(), z_.end());
      double cost = 0.0;
      bounded_->Evaluate(ceres::Problem::EvaluateOptions(), &cost, nullptr,
                         nullptr, nullptr);
      out.cost = cost;
      out.converged = std::isfinite(cost);
      out.usable = out.converged;
      out.message = "all parameters fixed";
      return out;
    }
    int iterations = 0;
    auto inside = [this]() {
      for (int k = 0; k < P; ++k) {
        if (data_.map.constant[k]) continue;
        if (!(z_[k] >= data_.lower[k] && z_[k] <= data_.upper[k])) return false;
      }
      return true;
    };
    auto line_search = [&](ceres::Problem* problem,
                           ceres::Solver::Summary* summary) {
      ceres::Solver::Options q;
      q.minimizer_type = ceres::LINE_SEARCH;
      q.line_search_direction_type = ceres::LBFGS;
      q.max_num_iterations = s.max_iterations;
      q.function_tolerance = s.function_tolerance;
      q.parameter_tolerance = s.parameter_tolerance;
      q.gradient_tolerance = s.gradient_tolerance;
      q.logging_type = ceres::SILENT;
      ceres::Solve(q, problem, summary);
      iterations += static_cast<int>(summary->iterations.size()) - 1;
      return summary->IsSolutionUsable() && std::isfinite(summary->final_cost) &&
             inside();
    };
    ceres::Solver::Options o;
    o.linear_solver_type = ceres::DENSE_QR;
    o.max_num_iterations = s.max_iterations;
    o.gradient_tolerance = s.gradient_tolerance;
    o.logging_type = ceres::SILENT;
    o.num_threads = 1;
    auto levenberg_marquardt = [&](double tolerance,
                                   ceres::Solver::Summary* summary) {
      o.function_tolerance = std::max(s.function_tolerance, tolerance);
      o.parameter_tolerance = std::max(s.parameter_tolerance, tolerance);
      ceres::Solve(o, bounded_.get(), summary);
      iterations += static_cast<int>(summary->iterations.size()) - 1;
    };

    ceres::Solver::Summary last;
    bool polished = false;
    if (inside()) {  // stage 1
      polished = line_search(free_.get(), &last);
      if (!polished) {
        for (int k = 0; k < P; ++k) z_[k] = z0[k];
      }
    }
    if (!polished) {  // stage 2
      ceres::Solver::Summary lm;
      levenberg_marquardt(s.coarse_tolerance, &lm);
      last = lm;
      if (lm.IsSolutionUsable() && lm.termination_type != ceres::NO_CONVERGENCE) {
        std::vector<int> held;
        for (int k = 0; k < P; ++k) {
          const double tol = 1e-6 * (1.0 + std::abs(z_[k]));
          if (data_.map.constant[k] || z_[k] <= data_.lower[k] + tol ||
              z_[k] >= data_.upper[k] - tol) {
            held.push_back(k);
          }
        }
        if (static_cast<int>(held.size()) < P) {
          std::array<double, P> z_lm = z_;
          std::unique_ptr<ceres::Problem> pinned;
          ceres::Problem* problem = free_.get();
          if (held.size() != constant_.size()) {
            ceres::Problem::Options po;
            po.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
            pinned = std::make_unique<ceres::Problem>(po);
            pinned->AddResidualBlock(cost_.get(), nullptr, z_.data());
            pinned->SetManifold(z_.data(), new ceres::SubsetManifold(P, held));
            problem = pinned.get();
          }
          ceres::Solver::Summary bfgs;
          if (line_search(problem, &bfgs) && bfgs.final_cost <= lm.final_cost) {
            last = bfgs;
          } else {
            z_ = z_lm;
          }
        }
      }
    }
    if (s.confirm_iterations > 0 && last.IsSolutionUsable() &&
        last.termination_type != ceres::NO_CONVERGENCE) {
      ceres::Solver::Summary lm2;  // stage 3
      const std::array<double, P> z_before = z_;
      o.max_num_iterations = s.confirm_iterations;
      levenberg_marquardt(0.0, &lm2);
      if (lm2.IsSolutionUsable() && lm2.final_cost <= last.final_cost) {
        last = lm2;
      } else {
        z_ = z_before;
      }
    }
    out.z.assign(z_.begin(), z_.end());
    out.cost = last.final_cost;
    out.iterations = iterations;
    out.converged = last.termination_type == ceres::CONVERGENCE;
    out.usable = last.IsSolutionUsable() && std::isfinite(out.cost);
    out.message = last.message;
    if (s.verbose) out.message = last.FullReport();
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
  std::unique_ptr<ceres::CostFunction> cost_;
  std::unique_ptr<ceres::CostFunction> raw_;
  std::unique_ptr<ceres::Manifold> manifold_;
  std::unique_ptr<ceres::Problem> bounded_;
  std::unique_ptr<ceres::Problem> free_;
  bool all_constant_ = false;
  std::vector<int> constant_;
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
