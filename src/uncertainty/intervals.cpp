// Delta-method intervals on parameters, derived quantities and predictions
// (uncertainty/intervals.hpp), and the tables' reports.
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

// Only the Jet type (not the solver): the delta method differentiates the
// templated closed forms of laws/chinchilla.hpp.
#include <ceres/jet.h>

#include "scalefit/detail/text_table.hpp"
#include "scalefit/error.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"
#include "uncertainty/uncertainty_internal.hpp"

namespace scalefit {

namespace {

std::string Num(double v) { return FormatShort(v, 6); }

}  // namespace

using detail::ChinIdx;
using detail::DeltaInterval;
using detail::DeltaVariance;

namespace {

// A budget as typed in a key: the shortest round-trip decimal with a bare
// exponent ("1e24", "5.76e23", "2.5e-7"; never "1e+24").
std::string BudgetKey(double C) {
  std::string s = FormatFull(C);
  const size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mant = s.substr(0, e), exp = s.substr(e + 1);
  const bool neg = !exp.empty() && exp[0] == '-';
  if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) exp.erase(0, 1);
  while (exp.size() > 1 && exp[0] == '0') exp.erase(0, 1);
  return mant + "e" + (neg ? "-" : "") + exp;
}

// "N_opt@1e+24" -> ("N_opt", 1e24); false when `key` has no numeric budget.
bool SplitKey(const std::string& key, std::string* quantity, double* budget) {
  const size_t at = key.rfind('@');
  if (at == std::string::npos || at + 1 >= key.size()) return false;
  const std::string num = key.substr(at + 1);
  char* end = nullptr;
  *budget = std::strtod(num.c_str(), &end);
  if (end == num.c_str() || *end != '\0') return false;
  *quantity = key.substr(0, at);
  return true;
}

}  // namespace

int IntervalTable::Index(const std::string& name) const {
  for (size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return static_cast<int>(k);
  // The same budget written another way ("N_opt@1e+24", "N_opt@1000e21").
  std::string q, qk;
  double c = 0.0, ck = 0.0;
  if (SplitKey(name, &q, &c)) {
    for (size_t k = 0; k < names.size(); ++k)
      if (SplitKey(names[k], &qk, &ck) && qk == q && ck == c)
        return static_cast<int>(k);
  }
  std::string all;
  for (const auto& s : names) all += (all.empty() ? "" : ", ") + s;
  throw UnknownName("no interval named '" + name + "'; available: " + all);
}

std::string IntervalTable::BriefReport() const {
  std::ostringstream os;
  os << "Intervals(" << method << ", level " << FormatShort(level, 6) << ": ";
  for (int k = 0; k < num_rows(); ++k) {
    os << (k ? ", " : "") << names[k] << " " << Num(mean[k]) << " ["
       << Num(lower[k]) << ", " << Num(upper[k]) << "]";
    if (k == 4 && num_rows() > 6) {
      os << ", ... " << num_rows() - 5 << " more";
      break;
    }
  }
  os << ")";
  return os.str();
}

std::string IntervalTable::FullReport() const {
  std::ostringstream os;
  os << "Intervals: central two-sided, level " << FormatShort(level, 6)
     << ", method " << method;
  if (num_replicates > 0) os << " (" << num_replicates << " replicates)";
  os << "; 6 significant digits (full precision: to_dict, to_dataframe)\n";
  std::vector<std::vector<std::string>> rows = {
      {"quantity", "estimate", "std. error", "lower", "upper", "scale"}};
  for (int k = 0; k < num_rows(); ++k)
    rows.push_back({names[k], FormatShort(mean[k], 6),
                    FormatShort(std_errors[k], 6), FormatShort(lower[k], 6),
                    FormatShort(upper[k], 6), log_scale[k] ? "log" : "linear"});
  os << detail::TextColumns(rows, "  ");
  return os.str();
}

std::vector<std::string> DerivedNames(const std::vector<double>& budgets) {
  std::vector<std::string> out = {"a", "b", "G"};
  for (double C : budgets) {
    const std::string c = BudgetKey(C);
    out.push_back("N_opt@" + c);
    out.push_back("D_opt@" + c);
    out.push_back("tokens_per_param@" + c);
    out.push_back("loss_opt@" + c);
  }
  return out;
}

IntervalTable ConfInt(const FitResult& r, double level,
                      const std::vector<double>& budgets) {
  CheckLevel(level, "conf_int");
  detail::RequireData(r, "conf_int");
  detail::CheckBudgets(budgets, r, "conf_int");
  const Covariance cov = ComputeCovariance(r);
  if (cov.rank_deficient || cov.message.find("WARNING") != std::string::npos)
    Warn("conf_int (delta method): " + cov.message);
  return ConfInt(r, cov, level, budgets);
}

IntervalTable ConfInt(const FitResult& r, const Covariance& cov, double level,
                      const std::vector<double>& budgets) {
  CheckLevel(level, "conf_int");
  detail::CheckBudgets(budgets, r, "conf_int");
  const LawInfo& info = r.law->info();
  const int P = info.num_params();
  const double z = NormalQuantile(0.5 * (1.0 + level));
  IntervalTable t;
  t.level = level;
  t.method = "delta";
  const std::vector<double> p = r.values();
  auto add = [&](const std::string& name, double value, double se,
                 bool log_scale) {
    double lo, hi;
    DeltaInterval(value, se, z, log_scale, &lo, &hi);
    t.names.push_back(name);
    t.mean.push_back(value);
    t.lower.push_back(lo);
    t.upper.push_back(hi);
    t.std_errors.push_back(se);
    t.log_scale.push_back(log_scale);
  };
  for (int k = 0; k < P; ++k)
    add(info.params[k].name, p[k], cov.std_errors[k], info.params[k].positive);
  if (detail::IsChinchilla(r)) {
    const ChinIdx ix = detail::ChinchillaIndices(info);
    // C = k·N·D: the closed forms differentiated. Another convention: a, b,
    // G from them, the plans at each budget by implicit differentiation of
    // the allocation under the fit's convention.
    const detail::DerivedRoute route = detail::RouteDerived(r, budgets);
    const FlopModel& fm = route.flops;
    using Jet = ceres::Jet<double, 5>;
    Jet pj[5];
    for (int j = 0; j < 5; ++j) pj[j] = Jet(p[j], j);
    const std::vector<Jet> vals =
        detail::DerivedValues(pj, ix, route.closed_budgets, route.k);
    const std::vector<std::string> names = DerivedNames(budgets);
    const std::vector<unsigned char> logs =
        detail::DerivedLogScale(names.size());
    for (size_t q = 0; q < vals.size(); ++q) {
      std::vector<double> g(P);
      for (int j = 0; j < P; ++j) g[j] = vals[q].v[j];
      add(names[q], vals[q].a, std::sqrt(DeltaVariance(cov, g)), logs[q]);
    }
    if (!route.closed) {
      for (size_t i = 0; i < budgets.size(); ++i) {
        const detail::PlanWithGradients pw =
            detail::OptimalPlanWithGradients(r, budgets[i], fm);
        const Allocation& a = pw.plan;
        const detail::PlanGradients& pg = pw.gradients;
        const size_t q = vals.size() + 4 * i;
        auto se = [&](const std::vector<double>& g) {
          return std::sqrt(DeltaVariance(cov, g));
        };
        add(names[q], a.N_opt, a.N_opt * se(pg.d_log_N), logs[q]);
        add(names[q + 1], a.D_opt, a.D_opt * se(pg.d_log_D), logs[q + 1]);
        add(names[q + 2], a.tokens_per_param,
            a.tokens_per_param * se(pg.d_log_ratio), logs[q + 2]);
        add(names[q + 3], a.loss_opt, se(pg.d_loss), logs[q + 3]);
      }
    }
  }
  return t;
}

IntervalKind ParseIntervalKind(const std::string& name) {
  if (name == "confidence") return IntervalKind::kConfidence;
  if (name == "prediction") return IntervalKind::kPrediction;
  throw UnknownName(
      "interval must be 'confidence' (for the law's value) or "
      "'prediction' (for a new observation), got '" +
      name + "'");
}

std::string ToString(IntervalKind kind) {
  return kind == IntervalKind::kConfidence ? "confidence" : "prediction";
}

std::string PredictionTable::BriefReport() const {
  std::ostringstream os;
  os << "Prediction(" << mean.size() << " points, " << interval
     << " interval, level " << FormatShort(level, 6) << ", " << method;
  if (!mean.empty())
    os << "; first " << Num(mean[0]) << " [" << Num(lower[0]) << ", "
       << Num(upper[0]) << "]";
  os << ")";
  return os.str();
}

std::string FitSummary(const FitResult& r, double level) {
  CheckLevel(level, "report");
  if (!r.has_data) return r.FullReport();
  const Covariance cov = ComputeCovariance(r);
  const IntervalTable t = ConfInt(r, cov, level, {});
  ParamUncertainty u;
  u.level = level;
  u.method = "delta method (" + cov.estimator + " covariance)";
  for (const ParamValue& p : r.params) {
    const int k = t.Index(p.name);
    u.std_error.push_back(t.std_errors[k]);
    u.lower.push_back(t.lower[k]);
    u.upper.push_back(t.upper[k]);
    u.log_scale.push_back(t.log_scale[k]);
  }
  return r.FullReport(&u);
}

PredictionTable PredictInterval(const FitResult& r,
                                const std::vector<double>& x, double level,
                                IntervalKind kind) {
  CheckLevel(level, "predict");
  detail::RequireData(r, "predict with level");
  PredictionTable t;
  t.mean = r.Predict(x);  // validates x
  const Covariance cov = ComputeCovariance(r);
  const int P = r.law->info().num_params();
  const int K = r.law->info().num_inputs();
  const int n = static_cast<int>(t.mean.size());
  const bool in_log = InLogSpace(r.options.objective);
  const double z = NormalQuantile(0.5 * (1.0 + level));
  const std::vector<double> p = r.values();
  std::vector<double> g(P);
  t.lower.resize(n);
  t.upper.resize(n);
  t.std_errors.resize(n);
  t.level = level;
  t.interval = ToString(kind);
  t.method = "delta";
  t.decades_beyond_data = r.DecadesBeyondData(x);
  t.warning = r.ExtrapolationWarning(x);
  for (int i = 0; i < n; ++i) {
    const double L =
        r.law->ValueAndGradient(p.data(), x.data() + i * K, g.data());
    double var = DeltaVariance(cov, g);  // of L
    t.std_errors[i] = std::isfinite(var) ? std::sqrt(var) : kInf;
    if (in_log) {
      // Interval on log L: se_log = se / L, plus σ̂² for a new observation.
      double var_log = std::isfinite(var) ? var / (L * L) : kInf;
      if (kind == IntervalKind::kPrediction) var_log += cov.residual_variance;
      DeltaInterval(L, std::sqrt(var_log) * L, z, L > 0.0, &t.lower[i],
                    &t.upper[i]);
    } else {
      if (kind == IntervalKind::kPrediction) var += cov.residual_variance;
      DeltaInterval(L, std::sqrt(var), z, false, &t.lower[i], &t.upper[i]);
    }
  }
  return t;
}
}  // namespace scalefit
