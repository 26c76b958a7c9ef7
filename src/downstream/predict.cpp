// Forecasts of a fitted chain with intervals, and the reports
// (downstream/chain.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/downstream/chain.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"
#include "scalefit/uncertainty.hpp"
#include "uncertainty/uncertainty_internal.hpp"

namespace scalefit::downstream {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Eval(const FitResult& f, const double* p, double a, double b) {
  const double x[2] = {a, b};
  return f.law->Evaluate(p, x);
}

// Percentile interval of finite values; NaN when fewer than 2.
void Percentiles(std::vector<double> v, double level, double* lo, double* hi) {
  v.erase(std::remove_if(v.begin(), v.end(),
                         [](double x) { return !std::isfinite(x); }),
          v.end());
  if (v.size() < 2) {
    *lo = *hi = kNaN;
    return;
  }
  *lo = Quantile(v, 0.5 * (1.0 - level));
  *hi = Quantile(std::move(v), 0.5 * (1.0 + level));
}

}  // namespace

ChainPrediction TaskChain::Predict(const std::vector<double>& N,
                                   const std::vector<double>& D, double level,
                                   const std::string& method) const {
  CheckLevel(level, "TaskChain.predict");
  if (N.size() != D.size())
    throw InvalidArgument("predict: N has " + std::to_string(N.size()) +
                          " values but D has " + std::to_string(D.size()));
  for (size_t i = 0; i < N.size(); ++i) {
    if (!std::isfinite(N[i]) || !(N[i] > 0.0))
      throw InvalidArgument("predict: N[" + std::to_string(i) + "] = " +
                            FormatFull(N[i]) + " must be finite and > 0");
    if (!std::isfinite(D[i]) || !(D[i] > 0.0))
      throw InvalidArgument("predict: D[" + std::to_string(i) + "] = " +
                            FormatFull(D[i]) + " must be finite and > 0");
  }
  const std::string m = method.empty() ? options.interval : method;
  if (m != "bootstrap" && m != "delta" && m != "none")
    throw UnknownName("predict: unknown interval method '" + m +
                      "'; methods: bootstrap, delta, none");
  if (m == "bootstrap" && num_replicates == 0)
    throw InvalidArgument(
        "predict: method 'bootstrap' needs the chain's replicates; fit it "
        "with interval='bootstrap'");
  if (m == "delta" && joint_covariance.empty())
    throw InvalidArgument(
        "predict: method 'delta' needs the chain's covariance; fit it with "
        "interval='delta'");
  int used = 0;
  for (unsigned char ok : converged) used += ok;
  if (m == "bootstrap" && used < 2)
    throw InvalidArgument("predict: only " + std::to_string(used) + " of " +
                          std::to_string(num_replicates) +
                          " replicates converged; no bootstrap intervals");

  ChainPrediction out;
  out.task = task.name;
  out.level = level;
  out.method = m;
  out.num_replicates = m == "bootstrap" ? used : 0;
  out.statement = has_emergence ? emergence.statement
                                : "no emergence classification (n_items of "
                                  "the task not given)";
  const std::vector<double> p1 = step1.values(), p2 = step2.values();
  const std::vector<double> p3 =
      has_single_step ? single_step.values() : std::vector<double>{};
  const int P1 = static_cast<int>(p1.size()), P2 = static_cast<int>(p2.size());
  const int P3 = static_cast<int>(p3.size());
  const double z = NormalQuantile(0.5 * (1.0 + level));
  for (size_t i = 0; i < N.size(); ++i) {
    const double n = N[i], d = D[i];
    out.N.push_back(n);
    out.D.push_back(d);
    out.C.push_back(6.0 * n * d);
    const double beyond = std::log10(n * d / max_ladder_ND);
    out.decades_beyond.push_back(beyond);
    const double L = Eval(step1, p1.data(), n, d);
    const double acc = step2.law->Evaluate(p2.data(), &L);
    const double single =
        has_single_step ? Eval(single_step, p3.data(), n, d) : kNaN;
    double Llo = kNaN, Lhi = kNaN, alo = kNaN, ahi = kNaN, slo = kNaN,
           shi = kNaN;
    if (m == "bootstrap") {
      std::vector<double> Ls, as, ss;
      for (int r = 0; r < num_replicates; ++r) {
        if (has_single_step && single_step_converged[r])
          ss.push_back(Eval(
              single_step,
              single_step_samples.data() + static_cast<size_t>(r) * P3, n, d));
        if (!converged[r]) continue;
        const double* q1 = step1_samples.data() + static_cast<size_t>(r) * P1;
        const double* q2 = step2_samples.data() + static_cast<size_t>(r) * P2;
        const double Lr = Eval(step1, q1, n, d);
        Ls.push_back(Lr);
        as.push_back(step2.law->Evaluate(q2, &Lr));
      }
      Percentiles(Ls, level, &Llo, &Lhi);
      Percentiles(as, level, &alo, &ahi);
      if (ss.size() >= 2) Percentiles(ss, level, &slo, &shi);
    } else if (m == "delta") {
      const double x[2] = {n, d};
      std::vector<double> g1(P1), g2(P2);
      step1.law->ValueAndGradient(p1.data(), x, g1.data());
      // ∂acc/∂L by the link's own derivative: a central difference of
      // step 2 at L (the link takes its parameters, not L, as Jets).
      const double h = 1e-6 * std::max(1.0, std::abs(L));
      const double Lp = L + h, Lm = L - h;
      const double dacc = (step2.law->Evaluate(p2.data(), &Lp) -
                           step2.law->Evaluate(p2.data(), &Lm)) /
                          (2.0 * h);
      step2.law->ValueAndGradient(p2.data(), &L, g2.data());
      const int P = P1 + P2;
      const double var1 = detail::BlockQuadratic(joint_covariance, P, 0, g1);
      const double var2 = detail::BlockQuadratic(joint_covariance, P, P1, g2);
      const double seL = std::sqrt(var1);
      // The intermediate is positive: interval on the log scale.
      Llo = L * std::exp(-z * seL / L);
      Lhi = L * std::exp(z * seL / L);
      const double se = std::sqrt(dacc * dacc * var1 + var2);
      alo = acc - z * se;
      ahi = acc + z * se;
      if (has_single_step && !single_step_covariance.empty()) {
        std::vector<double> g3(P3);
        single_step.law->ValueAndGradient(p3.data(), x, g3.data());
        const double s3 = std::sqrt(
            detail::BlockQuadratic(single_step_covariance, P3, 0, g3));
        slo = single - z * s3;
        shi = single + z * s3;
      }
    }
    // The metric lies in [0, ceiling] (TaskSpec): a first-order interval
    // (symmetric) or a freely fitted ceiling can reach past it; the bounds
    // are clipped to it (NaN stays NaN).
    for (double* v : {&alo, &ahi, &slo, &shi})
      if (!std::isnan(*v)) *v = std::clamp(*v, 0.0, task.ceiling);
    const bool ok = !has_emergence || emergence.forecastable || beyond <= 0.0;
    out.forecast.push_back(ok);
    out.intermediate.push_back(L);
    out.intermediate_lower.push_back(Llo);
    out.intermediate_upper.push_back(Lhi);
    if (ok) {
      out.metric.push_back(acc);
      out.metric_lower.push_back(alo);
      out.metric_upper.push_back(ahi);
      out.single_step.push_back(single);
      out.single_step_lower.push_back(slo);
      out.single_step_upper.push_back(shi);
    } else {
      out.metric.push_back(kNaN);
      out.metric_lower.push_back(task.chance);
      out.metric_upper.push_back(task.ceiling);
      out.single_step.push_back(kNaN);
      out.single_step_lower.push_back(task.chance);
      out.single_step_upper.push_back(task.ceiling);
    }
  }
  return out;
}

std::string ChainPrediction::BriefReport() const {
  std::ostringstream s;
  s << "ChainPrediction(task=" << task << ", " << num_rows() << " point"
    << (num_rows() == 1 ? "" : "s") << ", level " << FormatShort(level, 3)
    << ", " << method;
  if (num_rows() == 1) {
    if (forecast[0]) {
      s << ": metric " << FormatShort(metric[0], 4);
      if (std::isfinite(metric_lower[0]))
        s << " [" << FormatShort(metric_lower[0], 4) << ", "
          << FormatShort(metric_upper[0], 4) << "]";
    } else {
      s << ": cannot be forecast yet";
    }
  }
  s << ")";
  return s.str();
}

std::string ChainPrediction::FullReport() const {
  std::ostringstream s;
  s << "Chained forecast of " << task << " (level " << FormatShort(level, 3)
    << ", intervals: " << method;
  if (method == "bootstrap") s << ", " << num_replicates << " replicates";
  s << ")\n  " << statement << "\n";
  s << "  N, D, decades beyond ladder, intermediate [interval], metric "
       "[interval], single step [interval]\n";
  auto iv = [](double lo, double hi) {
    if (!std::isfinite(lo)) return std::string();
    return " [" + FormatShort(lo, 4) + ", " + FormatShort(hi, 4) + "]";
  };
  for (int i = 0; i < num_rows(); ++i) {
    s << "  " << FormatShort(N[i], 4) << ", " << FormatShort(D[i], 4) << ", "
      << FormatShort(decades_beyond[i], 3) << ", "
      << FormatShort(intermediate[i], 5)
      << iv(intermediate_lower[i], intermediate_upper[i]) << ", ";
    if (forecast[i]) {
      s << FormatShort(metric[i], 4) << iv(metric_lower[i], metric_upper[i]);
      if (std::isfinite(single_step[i]))
        s << ", " << FormatShort(single_step[i], 4)
          << iv(single_step_lower[i], single_step_upper[i]);
    } else {
      s << "cannot be forecast yet (known: [" << FormatShort(metric_lower[i], 4)
        << ", " << FormatShort(metric_upper[i], 4) << "])";
    }
    s << "\n";
  }
  return s.str();
}

std::string TaskChain::BriefReport() const {
  std::ostringstream s;
  s << "TaskChain(" << task.name << ": " << step1.law->info().name << " -> "
    << step2.law->info().name << ", step 1 "
    << (step1.converged ? "converged" : "NOT converged") << ", step 2 "
    << (step2.converged ? "converged" : "NOT converged");
  if (has_emergence)
    s << ", " << ToString(emergence.kind)
      << (emergence.forecastable ? "" : ", cannot be forecast yet");
  if (num_replicates > 0)
    s << ", " << (num_replicates - num_failed) << "/" << num_replicates
      << " replicates";
  s << ")";
  return s.str();
}

std::string TaskChain::FullReport() const {
  std::ostringstream s;
  s << "Task chain: " << task.name << " (intermediate '" << task.intermediate
    << "', metric '" << task.metric << "', chance " << FormatFull(task.chance)
    << ", ceiling " << FormatFull(task.ceiling) << ", n_items "
    << FormatFull(task.n_items) << ")\n";
  s << "  ladder runs: " << runs.size()
    << ", step-2 checkpoints: " << step2_run.size() << " (skip "
    << FormatShort(options.skip_fraction, 4) << ", smoothing "
    << options.smoothing << ", ideal point "
    << (options.ideal_point ? "yes" : "no") << "), final average "
    << options.final_average << "\n";
  s << "\nStep 1: " << step1.FullReport() << "\nStep 2: " << step2.FullReport();
  if (has_single_step) s << "\nSingle step: " << single_step.FullReport();
  if (has_emergence) s << "\n" << emergence.FullReport();
  s << "\nIntervals: " << options.interval;
  if (num_replicates > 0)
    s << ", " << num_replicates << " replicates (" << num_failed
      << " of the chain not converged, excluded"
      << (has_single_step ? ", " + std::to_string(num_single_step_failed) +
                                " of the single step"
                          : std::string())
      << "), seed " << options.seed << ", runs resampled within model sizes";
  s << "\n";
  return s.str();
}

}  // namespace scalefit::downstream
