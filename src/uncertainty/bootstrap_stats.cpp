// Statistics over bootstrap replicates (BootstrapResult's methods):
// standard errors, percentile intervals on parameters, derived quantities,
// predictions and allocations, and the reports.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/random.hpp"
#include "scalefit/detail/run_state.hpp"
#include "scalefit/detail/stats.hpp"
#include "scalefit/error.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"
#include "uncertainty/uncertainty_internal.hpp"

namespace scalefit {

namespace {

// The full-data fit with a replicate's parameters, as given parameters (no
// claims; the fit's FLOP convention and architecture kept). Not FromParams:
// replicate parameters may lie outside the law's default domain when the
// fit widened its bounds.
FitResult ReplicateResult(const FitResult& fit,
                          const std::map<std::string, double>& params) {
  FitResult r;
  r.law = fit.law;
  r.options = fit.options;
  r.params = fit.params;
  for (ParamValue& v : r.params) v.value = params.at(v.name);
  r.message = "bootstrap replicate";
  r.start = "given";
  return r;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using detail::ChinIdx;
using detail::StdDev;

// Values of a quantity at every converged replicate, rescaled around the
// point estimate (subsample) on the log or linear scale.
std::vector<double> Rescaled(const std::vector<double>& vals, double point,
                             double scale, bool log_scale) {
  if (scale == 1.0) return vals;
  std::vector<double> out(vals.size());
  for (size_t i = 0; i < vals.size(); ++i) {
    if (log_scale && point > 0.0 && vals[i] >= 0.0) {
      out[i] = point * std::exp(scale * (std::log(vals[i]) - std::log(point)));
    } else {
      out[i] = point + scale * (vals[i] - point);
    }
  }
  return out;
}

// Per converged replicate: the parameter vector.
std::vector<std::vector<double>> ConvergedParams(const BootstrapResult& b) {
  const int P = static_cast<int>(b.names.size());
  std::vector<std::vector<double>> out;
  for (int i = 0; i < b.num_replicates; ++i) {
    if (!b.converged[i]) continue;
    out.emplace_back(b.samples.begin() + static_cast<size_t>(i) * P,
                     b.samples.begin() + static_cast<size_t>(i + 1) * P);
  }
  return out;
}

void RequireReplicates(const BootstrapResult& b, const std::string& where) {
  if (b.num_replicates - b.num_failed < 2)
    throw InvalidArgument(where + ": fewer than 2 of " +
                          std::to_string(b.num_replicates) +
                          " bootstrap replicates converged; no statistics");
}

// BootstrapResult::ComputeOptimal after its checks; *failed_allocations
// (if given): the converged replicates whose allocation failed, left out of
// every row.
AllocationTable PlansAtReplicates(const BootstrapResult& b,
                                  const std::vector<double>& C, double level,
                                  const FlopModel& flops,
                                  const AllocationOptions& aopts,
                                  int* failed_allocations) {
  AllocationTable t = scalefit::ComputeOptimal(b.fit, C, flops, aopts);
  const auto ps = ConvergedParams(b);
  const int rows = t.num_rows();
  const std::vector<std::string> cols = {"N_opt", "D_opt", "tokens_per_param",
                                         "loss_opt"};
  std::vector<std::vector<std::vector<double>>> vals(
      cols.size(), std::vector<std::vector<double>>(rows));
  const std::vector<std::string> pn = b.names;
  std::vector<AllocationTable> per(ps.size());
  std::vector<unsigned char> ok(ps.size(), 0);
  detail::ParallelFor(
      static_cast<int>(ps.size()),
      detail::ResolveThreads(b.options.num_threads), [&](int, int i) {
        std::map<std::string, double> m;
        for (size_t k = 0; k < pn.size(); ++k) m[pn[k]] = ps[i][k];
        try {
          const FitResult fr = ReplicateResult(b.fit, m);
          per[i] = scalefit::ComputeOptimal(fr, C, flops, aopts);
          ok[i] = 1;
        } catch (const Error&) {
          detail::RethrowIfStopped();
          ok[i] = 0;
        }
      });
  int used = 0;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (!ok[i]) continue;
    ++used;
    for (size_t c = 0; c < cols.size(); ++c)
      for (int row = 0; row < rows; ++row)
        vals[c][row].push_back(per[i].column(cols[c]).mean[row]);
  }
  if (used < 2)
    throw InvalidArgument("compute_optimal: the allocation failed at all but " +
                          std::to_string(used) + " replicates");
  const double qlo = 0.5 * (1.0 - level), qhi = 0.5 * (1.0 + level);
  for (size_t c = 0; c < cols.size(); ++c) {
    AllocationColumn& col = t.column(cols[c]);
    col.lower.resize(rows);
    col.upper.resize(rows);
    col.std_errors.resize(rows);
    for (int row = 0; row < rows; ++row) {
      const std::vector<double> v =
          Rescaled(vals[c][row], col.mean[row], b.scale, true);
      col.lower[row] = Quantile(v, qlo);
      col.upper[row] = Quantile(v, qhi);
      col.std_errors[row] = StdDev(v);
    }
  }
  t.level = level;
  std::ostringstream os;
  os << b.method_label() << " (" << used << " of " << b.num_replicates
     << " replicates; " << b.num_failed << " failed fits";
  if (used < static_cast<int>(ps.size()))
    os << ", " << ps.size() - used << " failed allocations";
  os << ")";
  t.interval_method = os.str();
  if (failed_allocations)
    *failed_allocations = static_cast<int>(ps.size()) - used;
  return t;
}

}  // namespace

std::vector<double> BootstrapResult::StdErrors() const {
  RequireReplicates(*this, "bootstrap stderr");
  const auto ps = ConvergedParams(*this);
  const int P = static_cast<int>(names.size());
  std::vector<double> out(P);
  const LawInfo& info = fit.law->info();
  for (int k = 0; k < P; ++k) {
    std::vector<double> v;
    for (const auto& p : ps) v.push_back(p[k]);
    out[k] = StdDev(
        Rescaled(v, fit.params[k].value, scale, info.params[k].positive));
  }
  return out;
}

IntervalTable BootstrapResult::ConfInt(
    double level, const std::vector<double>& budgets) const {
  CheckLevel(level, "conf_int");
  detail::CheckBudgets(budgets, fit, "conf_int");
  RequireReplicates(*this, "conf_int");
  const auto ps = ConvergedParams(*this);
  const LawInfo& info = fit.law->info();
  const int P = info.num_params();
  IntervalTable t;
  t.level = level;
  t.method = method_label();
  t.num_replicates = static_cast<int>(ps.size());
  const double qlo = 0.5 * (1.0 - level), qhi = 0.5 * (1.0 + level);
  auto add = [&](const std::string& name, double point,
                 const std::vector<double>& raw, bool log_scale) {
    const std::vector<double> v = Rescaled(raw, point, scale, log_scale);
    t.names.push_back(name);
    t.mean.push_back(point);
    t.lower.push_back(Quantile(v, qlo));
    t.upper.push_back(Quantile(v, qhi));
    t.std_errors.push_back(StdDev(v));
    t.log_scale.push_back(log_scale);
  };
  const std::vector<double> p0 = fit.values();
  for (int k = 0; k < P; ++k) {
    std::vector<double> v;
    for (const auto& p : ps) v.push_back(p[k]);
    add(info.params[k].name, p0[k], v, info.params[k].positive);
  }
  if (detail::IsChinchilla(fit)) {
    const ChinIdx ix = detail::ChinchillaIndices(info);
    // C = k·N·D: the closed forms at every replicate. Another convention: a,
    // b, G from them, and the plans at each budget from the allocation under
    // the fit's convention at every replicate (ComputeOptimal below).
    const detail::DerivedRoute route = detail::RouteDerived(fit, budgets);
    const std::vector<double> point =
        detail::DerivedValues(p0.data(), ix, route.closed_budgets, route.k);
    const std::vector<std::string> dn = DerivedNames(budgets);
    const std::vector<unsigned char> logs = detail::DerivedLogScale(dn.size());
    std::vector<std::vector<double>> vals(point.size());
    for (const auto& p : ps) {
      const std::vector<double> q =
          detail::DerivedValues(p.data(), ix, route.closed_budgets, route.k);
      for (size_t j = 0; j < q.size(); ++j) vals[j].push_back(q[j]);
    }
    for (size_t j = 0; j < point.size(); ++j)
      add(dn[j], point[j], vals[j], logs[j]);
    if (!route.closed) {
      AllocationOptions o;
      o.allow_unidentified = true;  // the replicates show what is not
      int failed = 0;
      const AllocationTable plan =
          PlansAtReplicates(*this, budgets, level, route.flops, o, &failed);
      const char* cols[] = {"N_opt", "D_opt", "tokens_per_param", "loss_opt"};
      for (size_t i = 0; i < budgets.size(); ++i)
        for (int c = 0; c < 4; ++c) {
          const AllocationColumn& col = plan.column(cols[c]);
          t.names.push_back(dn[point.size() + 4 * i + c]);
          t.mean.push_back(col.mean[i]);
          t.lower.push_back(col.lower[i]);
          t.upper.push_back(col.upper[i]);
          t.std_errors.push_back(col.std_errors[i]);
          t.log_scale.push_back(logs[point.size() + 4 * i + c]);
        }
      // Replicates whose allocation failed are left out of the plans' rows
      // (ComputeOptimal counts them); the parameters' rows keep them all.
      if (failed > 0)
        Warn("conf_int: plans at the budgets from " + plan.interval_method);
    }
  }
  return t;
}

PredictionTable BootstrapResult::Predict(const std::vector<double>& x,
                                         double level,
                                         IntervalKind kind) const {
  CheckLevel(level, "predict");
  RequireReplicates(*this, "predict");
  PredictionTable t;
  t.mean = fit.Predict(x);  // validates x
  const int K = fit.law->info().num_inputs();
  const int n = static_cast<int>(t.mean.size());
  const bool in_log = InLogSpace(fit.options.objective);
  const detail::BootContext c = detail::MakeContext(fit, [&] {
    BootstrapOptions o = options;
    o.num_replicates = std::max(2, o.num_replicates);
    return o;
  }());
  const int P = static_cast<int>(names.size());
  t.lower.resize(n);
  t.upper.resize(n);
  t.std_errors.resize(n);
  t.level = level;
  t.interval = ToString(kind);
  t.method = method_label();
  t.decades_beyond_data = fit.DecadesBeyondData(x);
  t.warning = fit.ExtrapolationWarning(x);
  const double qlo = 0.5 * (1.0 - level), qhi = 0.5 * (1.0 + level);
  // One residual per replicate (its own stream), reused for every x.
  std::vector<double> noise(num_replicates, 0.0);
  if (kind == IntervalKind::kPrediction) {
    for (int i = 0; i < num_replicates; ++i) {
      std::mt19937_64 gen(
          detail::ReplicateSeed(options.seed, detail::kPredictionStream, i));
      noise[i] = c.resid[detail::UniformIndex(gen, c.n)];
    }
  }
  std::vector<double> v;
  for (int row = 0; row < n; ++row) {
    v.clear();
    const double* xr = x.data() + static_cast<size_t>(row) * K;
    std::vector<double> raw;
    std::vector<int> ids;
    for (int i = 0; i < num_replicates; ++i) {
      if (!converged[i]) continue;
      raw.push_back(
          fit.law->Evaluate(samples.data() + static_cast<size_t>(i) * P, xr));
      ids.push_back(i);
    }
    v = Rescaled(raw, t.mean[row], scale, in_log);
    t.std_errors[row] = detail::StdDev(v);
    if (kind == IntervalKind::kPrediction) {
      for (size_t j = 0; j < v.size(); ++j)
        v[j] = in_log ? v[j] * std::exp(noise[ids[j]]) : v[j] + noise[ids[j]];
    }
    t.lower[row] = Quantile(v, qlo);
    t.upper[row] = Quantile(v, qhi);
  }
  return t;
}

AllocationTable BootstrapResult::ComputeOptimal(
    const std::vector<double>& C, double level, const FlopModel& flops,
    const AllocationOptions& aopts) const {
  CheckLevel(level, "compute_optimal");
  RequireReplicates(*this, "compute_optimal");
  return PlansAtReplicates(*this, C, level, flops, aopts, nullptr);
}

AllocationTable BootstrapResult::LossToCompute(
    const std::vector<double>& target_loss, double level,
    const FlopModel& flops, const AllocationOptions& aopts) const {
  CheckLevel(level, "loss_to_compute");
  RequireReplicates(*this, "loss_to_compute");
  // Point values at the full-data fit (validates the targets).
  AllocationTable t = scalefit::LossToCompute(fit, target_loss, flops, aopts);
  const auto ps = ConvergedParams(*this);
  const int rows = t.num_rows();
  const int R = static_cast<int>(ps.size());
  const char* const cols[] = {"C", "N_opt", "D_opt", "tokens_per_param"};
  constexpr int kCols = 4;
  // status per (replicate, row): 0 = allocated, 1 = unreachable (the
  // replicate's floor is at or above the target, or no C ≤ 1e300 reaches
  // it: infinite compute), 2 = the allocation failed otherwise.
  std::vector<unsigned char> status(static_cast<size_t>(R) * rows, 2);
  std::vector<double> vals(static_cast<size_t>(R) * rows * kCols, kNaN);
  const std::vector<std::string> pn = names;
  detail::ParallelFor(
      R, detail::ResolveThreads(options.num_threads), [&](int, int i) {
        std::map<std::string, double> m;
        for (size_t k = 0; k < pn.size(); ++k) m[pn[k]] = ps[i][k];
        FitResult fr;
        double floor = kNaN;
        try {
          fr = ReplicateResult(fit, m);
          floor = LawFloor(fr, aopts);
        } catch (const Error&) {
          detail::RethrowIfStopped();
          return;  // every row stays "failed"
        }
        for (int row = 0; row < rows; ++row) {
          const size_t slot = static_cast<size_t>(i) * rows + row;
          double* out = vals.data() + slot * kCols;
          const double target = t.target_loss[row];
          bool unreachable = !(target > floor);
          if (!unreachable) {
            try {
              const Allocation a =
                  scalefit::LossToCompute(fr, target, flops, aopts);
              out[0] = a.C;
              out[1] = a.N_opt;
              out[2] = a.D_opt;
              out[3] = a.tokens_per_param;
              status[slot] = 0;
              continue;
            } catch (const NotIdentified&) {
              detail::RethrowIfStopped();
              // Unreachable only if even 1e300 FLOPs stay above the target.
              try {
                const Allocation big =
                    scalefit::ComputeOptimal(fr, 1e300, flops, aopts);
                unreachable = big.loss_opt > target;
              } catch (const Error&) {
                detail::RethrowIfStopped();
              }
            } catch (const Error&) {
              detail::RethrowIfStopped();
            }
          }
          if (!unreachable) continue;  // failed
          // Infinite compute, parameters and tokens; D/N in the direction it
          // takes as C grows (its value at C = 1e300).
          out[0] = out[1] = out[2] = kInf;
          try {
            out[3] = scalefit::ComputeOptimal(fr, 1e300, flops, aopts)
                         .tokens_per_param;
            status[slot] = 1;
          } catch (const Error&) {
            detail::RethrowIfStopped();
          }
        }
      });
  for (const char* name : cols) {
    AllocationColumn& col = t.column(name);
    col.lower.assign(rows, kNaN);
    col.upper.assign(rows, kNaN);
    col.std_errors.assign(rows, kNaN);
  }
  const double qlo = 0.5 * (1.0 - level), qhi = 0.5 * (1.0 + level);
  int unreachable = 0, failed_alloc = 0, min_used = R;
  for (int row = 0; row < rows; ++row) {
    int used = 0;
    for (int i = 0; i < R; ++i) {
      const unsigned char st = status[static_cast<size_t>(i) * rows + row];
      used += st != 2;
      unreachable += st == 1;
      failed_alloc += st == 2;
    }
    min_used = std::min(min_used, used);
    if (used < 2)
      throw InvalidArgument(
          "loss_to_compute: the allocation failed at all "
          "but " +
          std::to_string(used) + " replicates for target row " +
          std::to_string(row) + " (0-based)");
    for (int c = 0; c < kCols; ++c) {
      std::vector<double> v;
      v.reserve(used);
      for (int i = 0; i < R; ++i) {
        const size_t slot = static_cast<size_t>(i) * rows + row;
        if (status[slot] != 2) v.push_back(vals[slot * kCols + c]);
      }
      AllocationColumn& col = t.column(cols[c]);
      v = Rescaled(v, col.mean[row], scale, true);
      col.lower[row] = Quantile(v, qlo);
      col.upper[row] = Quantile(v, qhi);
      // A replicate that never reaches the target enters as +inf: no
      // finite spread then.
      col.std_errors[row] =
          std::all_of(v.begin(), v.end(),
                      [](double x) { return std::isfinite(x); })
              ? StdDev(v)
              : kInf;
    }
  }
  t.level = level;
  std::ostringstream os;
  os << method_label() << " (" << R << " of " << num_replicates
     << " replicates; " << num_failed << " failed fits";
  if (unreachable > 0)
    os << "; " << unreachable << " replicate-targets unreachable (floor at or "
       << "above the target): C, N_opt, D_opt = +inf";
  if (failed_alloc > 0)
    os << "; " << failed_alloc << " failed allocations excluded (at least "
       << min_used << " replicates per row used)";
  os << ")";
  t.interval_method = os.str();
  return t;
}

std::string BootstrapResult::BriefReport() const {
  std::ostringstream os;
  os << "BootstrapResult(" << options.method << ", " << num_replicates
     << " replicates, " << num_failed << " failed, seed " << options.seed;
  if (num_replicates - num_failed >= 2) {
    const std::vector<double> se = StdErrors();
    os << "; se:";
    for (size_t k = 0; k < names.size(); ++k)
      os << (k ? ", " : " ") << names[k] << "=" << FormatShort(se[k], 4);
  }
  os << ")";
  return os.str();
}

std::string BootstrapResult::FullReport() const {
  std::ostringstream os;
  os << "Bootstrap of " << fit.law->info().name << " (" << fit.num_points
     << " points, objective " << ToString(fit.options.objective) << ")\n"
     << "  method " << options.method;
  if (options.method == "subsample")
    os << " (m = " << num_rows_drawn << " of " << fit.num_points
       << " rows, deviations rescaled by sqrt(m/(n-m)) = " << FormatShort(scale)
       << ")";
  if (options.method == "cluster") os << " (" << num_groups << " groups)";
  os << ", seed " << options.seed << ", " << num_replicates << " replicates, "
     << threads_used << " threads, " << FormatShort(seconds, 4) << " s\n"
     << "  refits warm-started from the full-data optimum (start = init); "
     << num_restarted << " needed a retry from another start (at most "
     << options.max_retries << " retries; see Bootstrap())\n"
     << "  converged " << num_replicates - num_failed << ", failed "
     << num_failed;
  if (num_failed > 0) {
    os << " (excluded from every statistic; indices:";
    for (size_t k = 0; k < failed.size() && k < 20; ++k) os << " " << failed[k];
    if (failed.size() > 20) os << " ...";
    os << "; first reason: " << messages[failed[0]] << ")";
  }
  os << "\n";
  if (num_replicates - num_failed >= 2) {
    const IntervalTable t = ConfInt(0.95);
    os << t.FullReport();
  }
  return os.str();
}

}  // namespace scalefit
