// Runtime laws (runtime_law.hpp): the Ceres residual model for laws that
// evaluate all rows at once with their parameter Jacobian, and laws given as
// a function with central-difference derivatives.
#include "scalefit/runtime_law.hpp"

#include <ceres/ceres.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "scalefit/detail/ceres_model.hpp"
#include "scalefit/error.hpp"
#include "scalefit/log.hpp"

namespace scalefit {

namespace {

using detail::ProblemData;

// dr̃/dr of the objective's square-root map (objective.hpp), by a 1-D Jet so
// that the map is written once.
double SqrtObjectiveSlope(double r, Objective o, double delta) {
  using J = ceres::Jet<double, 1>;
  return detail::SqrtObjective(J(r, 0), o, delta).v[0];
}

// All residuals of one data set as one Ceres block (as in typed_law.hpp),
// with the Jacobian from the law's Batch() and the chain rule through the
// parameter map: ∂p_k/∂z_{s_k} = p_k for positive parameters, else 1.
class BatchCost final : public ceres::CostFunction {
 public:
  BatchCost(const BatchLaw* law, const ProblemData* data, bool raw)
      : law_(law), d_(data), raw_(raw) {
    set_num_residuals(data->num_rows);
    mutable_parameter_block_sizes()->push_back(
        static_cast<int>(data->map.source.size()));
  }

  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override {
    const int n = d_->num_rows;
    const int P = static_cast<int>(d_->map.source.size());
    std::vector<double> p(P);
    d_->map.Apply(parameters[0], p.data());
    const bool need_jac = jacobians != nullptr && jacobians[0] != nullptr;
    std::vector<double> values(n),
        jac(need_jac ? static_cast<size_t>(n) * P : 0);
    try {
      if (!law_->Batch(p.data(), d_->x, n, values.data(),
                       need_jac ? jac.data() : nullptr))
        return false;
    } catch (const std::exception& e) {
      // Never let an exception cross Ceres: reject the step, say why once.
      if (!warned_) {
        warned_ = true;
        Warn(fmt::format("law '{}' could not be evaluated: {}",
                         law_->info().name, e.what()));
      }
      return false;
    }
    const bool in_log = InLogSpace(d_->objective);
    for (int i = 0; i < n; ++i) {
      const double v = values[i];
      if (in_log && !(v > 0.0)) return false;  // outside the law's domain
      const double r = (in_log ? std::log(v) : v) - d_->target[i];
      if (!std::isfinite(r)) return false;
      residuals[i] = raw_ ? r
                          : d_->sqrt_w[i] * detail::SqrtObjective(
                                                r, d_->objective, d_->delta);
      if (!need_jac) continue;
      const double scale =
          (raw_ ? 1.0
                : d_->sqrt_w[i] *
                      SqrtObjectiveSlope(r, d_->objective, d_->delta)) *
          (in_log ? 1.0 / v : 1.0);
      double* row = jacobians[0] + static_cast<size_t>(i) * P;
      for (int k = 0; k < P; ++k) row[k] = 0.0;
      for (int k = 0; k < P; ++k) {
        const double dp_dz = d_->map.positive[k] ? p[k] : 1.0;
        row[d_->map.source[k]] +=
            scale * jac[static_cast<size_t>(i) * P + k] * dp_dz;
      }
      for (int k = 0; k < P; ++k)
        if (!std::isfinite(row[k])) return false;
    }
    return true;
  }

 private:
  const BatchLaw* law_;
  const ProblemData* d_;
  bool raw_;
  mutable bool warned_ = false;
};

void ValidateInfo(const LawInfo& info) {
  auto fail = [&](const std::string& m) {
    throw InvalidArgument("law '" + info.name + "': " + m);
  };
  if (info.name.empty()) throw InvalidArgument("a law needs a name");
  if (info.params.empty()) fail("a law needs at least one parameter");
  if (info.input_names.empty()) fail("a law needs at least one input");
  std::set<std::string> seen;
  for (const auto& p : info.params) {
    if (p.name.empty()) fail("a parameter name is empty");
    if (!seen.insert(p.name).second)
      fail("parameter '" + p.name + "' is listed twice");
  }
  for (const auto& n : info.input_names) {
    if (n.empty()) fail("an input name is empty");
    if (!seen.insert(n).second)
      fail("'" + n +
           "' is listed twice (as an input and a parameter, or twice)");
  }
  for (const auto& p : info.params) {
    const std::string w = "parameter '" + p.name + "': ";
    if (std::isnan(p.lower) || std::isnan(p.upper) || p.lower > p.upper)
      fail(w + "bounds must satisfy lower <= upper");
    if (p.positive && p.upper <= 0.0)
      fail(w + "a positive parameter needs upper > 0");
    if (p.positive && p.lower < 0.0)
      fail(w + "a positive parameter needs lower >= 0");
    if (!std::isfinite(p.start_lo) || !std::isfinite(p.start_hi) ||
        p.start_lo > p.start_hi)
      fail(w + "the start range must be finite with start_lo <= start_hi");
    if (p.positive && !(p.start_lo > 0.0))
      fail(w + "a positive parameter needs a start range > 0");
    if (!std::isfinite(p.init)) fail(w + "the typical value must be finite");
    if (p.positive && !(p.init > 0.0))
      fail(w + "a positive parameter needs a typical value > 0");
    if (p.init < p.lower || p.init > p.upper)
      fail(w + "the typical value is outside the bounds");
  }
}

// Central differences over all rows; see MakeNumericLaw.
class NumericLaw final : public BatchLaw {
 public:
  NumericLaw(LawInfo info, BatchFunction f)
      : BatchLaw(std::move(info)), f_(std::move(f)) {}

  bool Batch(const double* p, const double* x, int n, double* values,
             double* jac) const override {
    f_(p, x, n, values);
    if (!jac) return true;
    const int P = info_.num_params();
    constexpr double kStep = 6.0554544523933395e-06;  // cbrt(DBL_EPSILON)
    std::vector<double> q(p, p + P), plus(n), minus(n);
    for (int k = 0; k < P; ++k) {
      double lo, hi;
      if (info_.params[k].positive && p[k] > 0.0) {
        lo = p[k] * std::exp(-kStep);
        hi = p[k] * std::exp(kStep);
      } else {
        const double h = kStep * std::max(std::abs(p[k]), 1.0);
        lo = p[k] - h;
        hi = p[k] + h;
      }
      q[k] = hi;
      f_(q.data(), x, n, plus.data());
      q[k] = lo;
      f_(q.data(), x, n, minus.data());
      q[k] = p[k];
      const double width = hi - lo;
      for (int i = 0; i < n; ++i)
        jac[static_cast<size_t>(i) * P + k] = (plus[i] - minus[i]) / width;
    }
    return true;
  }

 private:
  BatchFunction f_;
};

}  // namespace

BatchLaw::BatchLaw(LawInfo info) {
  ValidateInfo(info);
  info_ = std::move(info);
}

double BatchLaw::Evaluate(const double* p, const double* x) const {
  double v = std::numeric_limits<double>::quiet_NaN();
  if (!Batch(p, x, 1, &v, nullptr))
    return std::numeric_limits<double>::quiet_NaN();
  return v;
}

void BatchLaw::EvaluateMany(const double* p, const double* x, int n,
                            double* out) const {
  if (n <= 0) return;
  if (!Batch(p, x, n, out, nullptr)) {
    for (int i = 0; i < n; ++i)
      out[i] = std::numeric_limits<double>::quiet_NaN();
  }
}

double BatchLaw::ValueAndGradient(const double* p, const double* x,
                                  double* grad) const {
  double v = std::numeric_limits<double>::quiet_NaN();
  if (!Batch(p, x, 1, &v, grad)) {
    for (int k = 0; k < info_.num_params(); ++k)
      grad[k] = std::numeric_limits<double>::quiet_NaN();
    return std::numeric_limits<double>::quiet_NaN();
  }
  return v;
}

std::unique_ptr<detail::ResidualModel> BatchLaw::MakeResidualModel(
    const detail::ProblemData& data) const {
  return std::make_unique<detail::CeresResidualModel>(
      data, [this](const ProblemData* d, bool raw) {
        return std::unique_ptr<ceres::CostFunction>(
            new BatchCost(this, d, raw));
      });
}

LawPtr MakeNumericLaw(LawInfo info, BatchFunction f) {
  if (!f)
    throw InvalidArgument("law '" + info.name + "': the function is empty");
  info.origin = LawInfo::Origin::kFunction;
  return std::make_shared<NumericLaw>(std::move(info), std::move(f));
}

ParamInfo DefaultParamInfo(const std::string& name, bool positive) {
  ParamInfo p;
  p.name = name;
  p.positive = positive;
  p.linear = false;
  if (positive) {
    p.lower = 0.0;
    p.upper = kInf;
    p.start_lo = 0.1;
    p.start_hi = 1000.0;
    p.init = 1.0;
  } else {
    p.lower = -kInf;
    p.upper = kInf;
    p.start_lo = 0.05;
    p.start_hi = 1.5;
    p.init = 0.5;
  }
  return p;
}

std::vector<ParamInfo> MakeParamInfos(
    const std::string& law_name, const std::vector<std::string>& names,
    const std::vector<std::string>& positive,
    const std::vector<std::string>& linear,
    const std::map<std::string, std::pair<double, double>>& bounds,
    const std::map<std::string, std::pair<double, double>>& start,
    const std::map<std::string, double>& init) {
  auto index = [&](const std::string& n, const char* what) {
    auto it = std::find(names.begin(), names.end(), n);
    if (it == names.end()) {
      std::string valid;
      for (const auto& v : names) valid += (valid.empty() ? "" : ", ") + v;
      throw UnknownName("law '" + law_name + "': '" + what +
                        "' names unknown parameter '" + n +
                        "'; the parameters are: " + valid);
    }
    return static_cast<size_t>(it - names.begin());
  };
  std::vector<unsigned char> pos(names.size(), 0), lin(names.size(), 0);
  for (const auto& n : positive) pos[index(n, "positive")] = 1;
  for (const auto& n : linear) lin[index(n, "linear")] = 1;
  std::vector<ParamInfo> out;
  for (size_t k = 0; k < names.size(); ++k) {
    out.push_back(DefaultParamInfo(names[k], pos[k]));
    out.back().linear = lin[k];
  }
  for (const auto& [n, b] : bounds) {
    ParamInfo& p = out[index(n, "bounds")];
    p.lower = b.first;
    p.upper = b.second;
    if (!init.count(n) && b.first <= b.second) {
      p.init = std::clamp(p.init, b.first, b.second);
      if (p.positive && !(p.init > 0.0)) p.init = std::min(1.0, b.second);
    }
  }
  for (const auto& [n, r] : start) {
    ParamInfo& p = out[index(n, "start")];
    p.start_lo = r.first;
    p.start_hi = r.second;
  }
  for (const auto& [n, v] : init) out[index(n, "init")].init = v;
  return out;
}

}  // namespace scalefit
