#include "scalefit/detail/ceres_model.hpp"

#include <algorithm>
#include <cmath>

#include <ceres/ceres.h>

namespace scalefit::detail {

CeresResidualModel::CeresResidualModel(const ProblemData& data,
                                       const CostFactory& make_cost)
    : data_(data),
      num_params_(static_cast<int>(data.map.source.size())),
      z_(num_params_, 0.0) {
  cost_ = make_cost(&data_, false);
  raw_ = make_cost(&data_, true);
  // Two problems over the same residual: `bounded_` for Levenberg–Marquardt
  // (bounds; robust far from the optimum) and `free_` for L-BFGS (Ceres' line
  // search takes no bounds). Both hold constant entries constant.
  ceres::Problem::Options po;
  po.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
  po.manifold_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
  for (int k = 0; k < num_params_; ++k) {
    if (data_.map.constant[k]) constant_.push_back(k);
  }
  const bool all_constant =
      static_cast<int>(constant_.size()) == num_params_;
  if (!constant_.empty() && !all_constant) {
    manifold_ = std::make_unique<ceres::SubsetManifold>(num_params_, constant_);
  }
  for (auto* problem : {&bounded_, &free_}) {
    *problem = std::make_unique<ceres::Problem>(po);
    (*problem)->AddResidualBlock(cost_.get(), nullptr, z_.data());
    if (all_constant) {
      (*problem)->SetParameterBlockConstant(z_.data());
    } else if (manifold_) {
      (*problem)->SetManifold(z_.data(), manifold_.get());
    }
  }
  for (int k = 0; k < num_params_; ++k) {
    if (data_.map.constant[k]) continue;
    if (std::isfinite(data_.lower[k]))
      bounded_->SetParameterLowerBound(z_.data(), k, data_.lower[k]);
    if (std::isfinite(data_.upper[k]))
      bounded_->SetParameterUpperBound(z_.data(), k, data_.upper[k]);
  }
}

CeresResidualModel::~CeresResidualModel() = default;

bool CeresResidualModel::Inside() const {
  for (int k = 0; k < num_params_; ++k) {
    if (data_.map.constant[k]) continue;
    if (!(z_[k] >= data_.lower[k] && z_[k] <= data_.upper[k])) return false;
  }
  return true;
}

SolveOutcome CeresResidualModel::Solve(const std::vector<double>& z0,
                                       const SolveSettings& s) {
  const int P = num_params_;
  std::copy(z0.begin(), z0.begin() + P, z_.begin());
  SolveOutcome out;
  if (static_cast<int>(constant_.size()) == P) {
    double cost = 0.0;
    bounded_->Evaluate(ceres::Problem::EvaluateOptions(), &cost, nullptr,
                       nullptr, nullptr);
    out.z = z_;
    out.cost = cost;
    out.converged = std::isfinite(cost);
    out.usable = out.converged;
    out.message = "all parameters fixed";
    return out;
  }
  int iterations = 0;
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
           Inside();
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
  if (Inside()) {  // stage 1
    polished = line_search(free_.get(), &last);
    if (!polished) std::copy(z0.begin(), z0.begin() + P, z_.begin());
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
        const std::vector<double> z_lm = z_;
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
    const std::vector<double> z_before = z_;
    o.max_num_iterations = s.confirm_iterations;
    levenberg_marquardt(0.0, &lm2);
    if (lm2.IsSolutionUsable() && lm2.final_cost <= last.final_cost) {
      last = lm2;
    } else {
      z_ = z_before;
    }
  }
  out.z = z_;
  out.cost = last.final_cost;
  out.iterations = iterations;
  out.converged = last.termination_type == ceres::CONVERGENCE;
  out.usable = last.IsSolutionUsable() && std::isfinite(out.cost);
  out.message = last.message;
  if (s.verbose) out.message = last.FullReport();
  return out;
}

bool CeresResidualModel::RawJacobian(const std::vector<double>& z,
                                     std::vector<double>* r,
                                     std::vector<double>* jac) const {
  r->assign(data_.num_rows, 0.0);
  jac->assign(static_cast<size_t>(data_.num_rows) * num_params_, 0.0);
  const double* params[] = {z.data()};
  double* jacobians[] = {jac->data()};
  return raw_->Evaluate(params, r->data(), jacobians);
}

}  // namespace scalefit::detail
