#include "scalefit/detail/ceres_model.hpp"

#include <ceres/ceres.h>
#include <ceres/gradient_problem_solver.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "scalefit/detail/run_state.hpp"
#include "scalefit/error.hpp"

namespace scalefit::detail {

namespace {

// Iterations a Ceres solve made: its summary lists iteration 0 (the start)
// and every one after; a solve that returned before iteration 0 (e.g. a
// start whose cost is already 0) lists none and made none.
template <typename Summary>
int IterationsOf(const Summary& summary) {
  return std::max(0, static_cast<int>(summary.iterations.size()) - 1);
}

// GradientProblem owns its function; the model keeps one objective and lends
// it to each problem through this forwarder.
class Borrowed final : public ceres::FirstOrderFunction {
 public:
  explicit Borrowed(const ceres::FirstOrderFunction* f) : f_(f) {}
  int NumParameters() const override { return f_->NumParameters(); }
  bool Evaluate(const double* z, double* cost,
                double* gradient) const override {
    return f_->Evaluate(z, cost, gradient);
  }

 private:
  const ceres::FirstOrderFunction* f_;
};

// f = ½Σr̃², ∇f = J̃ᵀr̃ from the weighted residual block (laws without a
// dedicated objective, e.g. formula and Python laws).
class ResidualObjective final : public ceres::FirstOrderFunction {
 public:
  ResidualObjective(const ceres::CostFunction* cost, int num_params,
                    int num_rows)
      : cost_(cost),
        p_(num_params),
        r_(num_rows),
        j_(size_t(num_rows) * num_params) {}
  int NumParameters() const override { return p_; }
  bool Evaluate(const double* z, double* cost,
                double* gradient) const override {
    const double* params[] = {z};
    double* jacobians[] = {j_.data()};
    if (!cost_->Evaluate(params, r_.data(), gradient ? jacobians : nullptr))
      return false;
    double f = 0.0;
    for (double r : r_) f += 0.5 * r * r;
    if (!std::isfinite(f)) return false;
    *cost = f;
    if (gradient) {
      for (int k = 0; k < p_; ++k) gradient[k] = 0.0;
      for (size_t i = 0; i < r_.size(); ++i)
        for (int k = 0; k < p_; ++k) gradient[k] += j_[i * p_ + k] * r_[i];
      for (int k = 0; k < p_; ++k)
        if (!std::isfinite(gradient[k])) return false;
    }
    return true;
  }

 private:
  const ceres::CostFunction* cost_;
  int p_;
  mutable std::vector<double> r_, j_;
};

std::unique_ptr<ceres::GradientProblem> MakeGradientProblem(
    const ceres::FirstOrderFunction* f, int num_params,
    const std::vector<int>& held) {
  if (held.empty())
    return std::make_unique<ceres::GradientProblem>(new Borrowed(f));
  return std::make_unique<ceres::GradientProblem>(
      new Borrowed(f), new ceres::SubsetManifold(num_params, held));
}

// What the staged solve needs from either kind of Ceres summary.
struct StageResult {
  bool usable = false;     // finite cost at a usable point
  bool finished = false;   // stopped by a tolerance or the iteration cap
  bool converged = false;  // stopped by a tolerance
  double cost = 0.0;
  std::string message, report;

  template <typename Summary>
  static StageResult From(const Summary& s) {
    StageResult r;
    r.usable = s.IsSolutionUsable() && std::isfinite(s.final_cost);
    r.finished = s.termination_type != ceres::NO_CONVERGENCE;
    r.converged = s.termination_type == ceres::CONVERGENCE;
    r.cost = s.final_cost;
    r.message = s.message;
    return r;
  }
};

// Polls the run (run_control.hpp) once per Ceres iteration and aborts the
// solve when it is stopping; Solve() then throws, outside Ceres.
class StopCallback final : public ceres::IterationCallback {
 public:
  ceres::CallbackReturnType operator()(
      const ceres::IterationSummary&) override {
    PollRun();
    return StopRequested() ? ceres::SOLVER_ABORT : ceres::SOLVER_CONTINUE;
  }
};

// The objective in scaled coordinates u of the free coordinates: z_free =
// T u, the other coordinates held at their values in `z`; ∇_u f = Tᵀ ∇_z f.
class ScaledObjective final : public ceres::FirstOrderFunction {
 public:
  ScaledObjective(const ceres::FirstOrderFunction* f, std::vector<int> free,
                  Eigen::MatrixXd T, std::vector<double> z)
      : f_(f),
        free_(std::move(free)),
        T_(std::move(T)),
        z_(std::move(z)),
        g_(z_.size()) {}
  int NumParameters() const override { return static_cast<int>(free_.size()); }
  bool Evaluate(const double* u, double* cost,
                double* gradient) const override {
    ToZ(u, z_.data());
    if (!f_->Evaluate(z_.data(), cost, gradient ? g_.data() : nullptr))
      return false;
    if (gradient) {
      const int F = NumParameters();
      for (int j = 0; j < F; ++j) {
        double v = 0.0;
        for (int i = 0; i < F; ++i) v += T_(i, j) * g_[free_[i]];
        gradient[j] = v;
      }
    }
    return true;
  }
  // Writes the free coordinates of z = T u.
  void ToZ(const double* u, double* z) const {
    const int F = NumParameters();
    for (int i = 0; i < F; ++i) {
      double v = 0.0;
      for (int j = 0; j < F; ++j) v += T_(i, j) * u[j];
      z[free_[i]] = v;
    }
  }

 private:
  const ceres::FirstOrderFunction* f_;
  std::vector<int> free_;
  Eigen::MatrixXd T_;
  mutable std::vector<double> z_, g_;
};

// The scaling of the line-search stage: T = V |Λ|^(-1/2) from the
// eigendecomposition V Λ Vᵀ of a forward-difference Hessian of f at z over
// the free coordinates (F + 1 gradient evaluations; |λ| floored at 1e-10 of
// the largest, since away from a minimum some λ may be negative or zero).
// In u = T⁻¹ z the Hessian is about the identity — the initial inverse
// Hessian L-BFGS assumes — so it takes near-Newton steps from its first
// iteration. In z the Epoch data's Hessian has a condition number of about
// 1e7, and plain L-BFGS needs 50–60 evaluations from a grid start or from
// the full fit's optimum (a bootstrap replicate's warm start); scaled, 15–30.
// False where f or a gradient is not finite.
bool ScalingAt(const ceres::FirstOrderFunction& f, const std::vector<int>& free,
               const std::vector<double>& z, Eigen::MatrixXd* T) {
  const int F = static_cast<int>(free.size());
  const int P = static_cast<int>(z.size());
  std::vector<double> g0(P), g(P), zk = z;
  double cost = 0.0;
  if (!f.Evaluate(z.data(), &cost, g0.data())) return false;
  Eigen::MatrixXd H(F, F);
  for (int j = 0; j < F; ++j) {
    const int k = free[j];
    zk[k] = z[k] + 1e-5 * std::max(1.0, std::abs(z[k]));
    const double step = zk[k] - z[k];  // exactly representable
    const bool ok = f.Evaluate(zk.data(), &cost, g.data());
    zk[k] = z[k];
    if (!ok) return false;
    for (int i = 0; i < F; ++i) H(i, j) = (g[free[i]] - g0[free[i]]) / step;
  }
  if (!H.allFinite()) return false;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 *
                                                          (H + H.transpose()));
  if (es.info() != Eigen::Success) return false;
  Eigen::VectorXd lambda = es.eigenvalues().cwiseAbs();
  const double top = lambda.maxCoeff();
  if (!(top > 0) || !std::isfinite(top)) return false;
  lambda = lambda.cwiseMax(1e-10 * top);
  *T = es.eigenvectors() * lambda.cwiseSqrt().cwiseInverse().asDiagonal();
  return T->allFinite();
}

}  // namespace

CeresResidualModel::CeresResidualModel(const ProblemData& data,
                                       const CostFactory& make_cost,
                                       const ObjectiveFactory& make_objective,
                                       const NormalFactory& make_normal)
    : data_(data),
      make_cost_(make_cost),
      num_params_(static_cast<int>(data.map.source.size())),
      z_(num_params_, 0.0) {
  cost_ = make_cost(&data_, false);
  raw_ = make_cost(&data_, true);
  if (make_normal && data_.num_rows >= kReducedBlockRows)
    normal_ = make_normal(&data_);
  if (make_objective) {
    objective_ = make_objective(&data_);
  } else {
    objective_ = std::make_unique<ResidualObjective>(cost_.get(), num_params_,
                                                     data_.num_rows);
  }
  for (int k = 0; k < num_params_; ++k) {
    (data_.map.constant[k] ? constant_ : free_coords_).push_back(k);
  }
  const bool all_constant = static_cast<int>(constant_.size()) == num_params_;
  if (!constant_.empty() && !all_constant) {
    manifold_ = std::make_unique<ceres::SubsetManifold>(num_params_, constant_);
  }
  // `bounded_` (a least-squares Problem) serves Levenberg–Marquardt: bounds,
  // robust far from the optimum. `free_` serves L-BFGS, which takes no
  // bounds. Both hold constant (fixed or tied) entries constant.
  ceres::Problem::Options po;
  po.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
  po.manifold_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
  bounded_ = std::make_unique<ceres::Problem>(po);
  bounded_->AddResidualBlock(normal_ ? normal_.get() : cost_.get(), nullptr,
                             z_.data());
  if (all_constant) {
    bounded_->SetParameterBlockConstant(z_.data());
  } else {
    if (manifold_) bounded_->SetManifold(z_.data(), manifold_.get());
    free_ = MakeGradientProblem(objective_.get(), num_params_, constant_);
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
  // Inside a controlled run, every iteration polls it (run_state.hpp).
  StopCallback stop_callback;
  const bool controlled = CurrentRun() != nullptr;
  // x: the problem's parameters (z_, or the scaled u of stage 1).
  auto line_search = [&](const ceres::GradientProblem& problem, double* x) {
    ceres::GradientProblemSolver::Options q;
    q.line_search_direction_type = ceres::LBFGS;
    q.max_num_iterations = s.max_iterations;
    q.function_tolerance = s.function_tolerance;
    q.parameter_tolerance = s.parameter_tolerance;
    q.gradient_tolerance = s.gradient_tolerance;
    q.logging_type = ceres::SILENT;
    if (controlled) q.callbacks.push_back(&stop_callback);
    ceres::GradientProblemSolver::Summary summary;
    ceres::Solve(q, problem, x, &summary);
    ThrowIfStopped();
    iterations += IterationsOf(summary);
    StageResult r = StageResult::From(summary);
    r.usable = r.usable && Inside();
    if (s.verbose) r.report = summary.FullReport();
    return r;
  };
  ceres::Solver::Options o;
  // Large data: the normal equations (P × P, one pass over the Jacobian)
  // instead of a Householder QR of the rows × P Jacobian, several passes
  // with poor locality; the confirming pass starts next to the optimum,
  // where LM's damping keeps them well posed. With the reduced block
  // (normal_, P + 1 residuals that already hold them) a QR of it is tiny.
  o.linear_solver_type = data_.num_rows >= kLargeDataRows && !normal_
                             ? ceres::DENSE_NORMAL_CHOLESKY
                             : ceres::DENSE_QR;
  o.max_num_iterations = s.max_iterations;
  o.gradient_tolerance = s.gradient_tolerance;
  o.logging_type = ceres::SILENT;
  o.num_threads = 1;
  if (controlled) o.callbacks.push_back(&stop_callback);
  auto levenberg_marquardt = [&](double tolerance) {
    o.function_tolerance = std::max(s.function_tolerance, tolerance);
    o.parameter_tolerance = std::max(s.parameter_tolerance, tolerance);
    ceres::Solver::Summary summary;
    ceres::Solve(o, bounded_.get(), &summary);
    ThrowIfStopped();
    iterations += IterationsOf(summary);
    StageResult r = StageResult::From(summary);
    if (s.verbose) r.report = summary.FullReport();
    return r;
  };

  StageResult last;
  bool polished = false;
  if (s.confirm_only && Inside()) {
    double cost = 0.0;
    last.usable =
        objective_->Evaluate(z_.data(), &cost, nullptr) && std::isfinite(cost);
    last.finished = last.converged = last.usable;
    last.cost = cost;
    last.message = "confirming pass only";
    polished = true;
  } else if (Inside()) {  // stage 1, in the coordinates of ScalingAt
    const std::vector<int>& free = free_coords_;
    Eigen::MatrixXd T;
    const int F = static_cast<int>(free.size());
    const bool scaled = s.scale_line_search && F >= 2;
    // A scaling handed in (SolveSettings::scaling) or the one at the start.
    const bool given = scaled && s.scaling.size() == static_cast<size_t>(F) *
                                                         static_cast<size_t>(F);
    if (given) T = Eigen::Map<const Eigen::MatrixXd>(s.scaling.data(), F, F);
    if (scaled && (given || ScalingAt(*objective_, free, z_, &T))) {
      Eigen::VectorXd z_free(F);
      for (int i = 0; i < F; ++i) z_free[i] = z_[free[i]];
      std::vector<double> u(F);
      Eigen::Map<Eigen::VectorXd>(u.data(), F) =
          T.fullPivLu().solve(z_free);  // u = T⁻¹ z
      auto* scaled = new ScaledObjective(objective_.get(), free, T, z_);
      const ceres::GradientProblem problem(scaled);  // owns `scaled`
      last = line_search(problem, u.data());
      scaled->ToZ(u.data(), z_.data());
      last.usable = last.usable && Inside();
    } else {
      last = line_search(*free_, z_.data());
    }
    // Converged: done. Stopped by the iteration cap at a usable point (a long
    // curved valley, e.g. a broken power law whose break lies beyond the
    // data): Levenberg–Marquardt continues from there, where line search
    // only crawls. Not usable: LM starts again from z0.
    polished = last.usable && last.converged;
    if (!last.usable) std::copy(z0.begin(), z0.begin() + P, z_.begin());
  }
  if (!polished) {  // stage 2
    const StageResult lm = levenberg_marquardt(s.coarse_tolerance);
    last = lm;
    if (lm.usable && lm.finished) {
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
        std::unique_ptr<ceres::GradientProblem> pinned;
        if (held.size() != constant_.size())
          pinned = MakeGradientProblem(objective_.get(), P, held);
        const StageResult bfgs =
            line_search(pinned ? *pinned : *free_, z_.data());
        if (bfgs.usable && bfgs.cost <= lm.cost) {
          last = bfgs;
        } else {
          z_ = z_lm;
        }
      }
    }
  }
  // A stage stopped by its iteration cap is final: the cap is the user's.
  if (s.confirm_iterations > 0 && last.usable && last.finished) {
    const std::vector<double> z_before = z_;  // stage 3
    o.max_num_iterations = s.confirm_iterations;
    const StageResult lm2 = levenberg_marquardt(0.0);
    if (lm2.usable && lm2.cost <= last.cost) {
      last = lm2;
    } else {
      z_ = z_before;
    }
  }
  if (s.scaling_at_end && last.usable && free_coords_.size() >= 2) {
    Eigen::MatrixXd T;
    if (ScalingAt(*objective_, free_coords_, z_, &T))
      out.scaling.assign(T.data(), T.data() + T.size());
  }
  out.z = z_;
  out.cost = last.cost;
  out.iterations = iterations;
  out.converged = last.converged;
  out.usable = last.usable;
  out.message = s.verbose ? last.report : last.message;
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

bool CeresResidualModel::RawJacobianRows(const std::vector<double>& z,
                                         int begin, int end, double* r,
                                         double* jac) const {
  if (begin < 0 || end > data_.num_rows || begin >= end || begin % 8 != 0)
    throw InvalidArgument("RawJacobianRows: rows [" + std::to_string(begin) +
                          ", " + std::to_string(end) + ") of " +
                          std::to_string(data_.num_rows));
  ProblemData view = data_;
  const size_t at = static_cast<size_t>(begin) * data_.num_inputs;
  view.num_rows = end - begin;
  view.x += at;
  if (view.log_x) view.log_x += at;
  view.target += begin;
  view.sqrt_w += begin;
  if (view.batch.stride > 0)
    view.batch = RowsFrom(data_.batch, begin, end - begin);
  view.row_threads = 1;
  const std::unique_ptr<ceres::CostFunction> raw = make_cost_(&view, true);
  const double* params[] = {z.data()};
  double* jacobians[] = {jac};
  return raw->Evaluate(params, r, jac ? jacobians : nullptr);
}

}  // namespace scalefit::detail
