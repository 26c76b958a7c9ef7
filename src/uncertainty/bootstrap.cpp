// The bootstrap (uncertainty/bootstrap.hpp): replicate data (case, cluster,
// subsample, residual) drawn from per-replicate streams, and the certified
// refits with their fixed retry order.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/random.hpp"
#include "scalefit/detail/run_state.hpp"
#include "scalefit/detail/threads.hpp"
#include "scalefit/error.hpp"
#include "scalefit/limits.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"
#include "uncertainty/uncertainty_internal.hpp"

namespace scalefit {

namespace detail {

BootContext MakeContext(const FitResult& r, const BootstrapOptions& o) {
  RequireData(r, "bootstrap");
  if (o.num_replicates < 2)
    throw InvalidArgument("bootstrap: n (number of replicates) = " +
                          std::to_string(o.num_replicates) +
                          " is too few; n (number of bootstrap replicates) "
                          "must be >= 2");
  if (const std::string p = detail::ReplicatesProblem(
          "n (number of replicates)", o.num_replicates, 2);
      !p.empty())
    throw InvalidArgument("bootstrap: " + p);
  if (const std::string p = detail::ThreadsProblem("threads", o.num_threads);
      !p.empty())
    throw InvalidArgument("bootstrap: " + p);
  std::string why;
  if (!o.control.IsValid(&why)) throw InvalidArgument("bootstrap: " + why);
  if (o.max_retries < 0)
    throw InvalidArgument("bootstrap: max_retries must be >= 0");
  const std::string& mth = o.method;
  if (mth != "case" && mth != "cluster" && mth != "subsample" &&
      mth != "residual")
    throw UnknownName("bootstrap: unknown bootstrap method '" + mth +
                      "'; valid: case, cluster, subsample, residual (an "
                      "unknown method is an error, never a default)");
  BootContext c;
  c.d = r.data.get();
  c.n = c.d->num_rows();
  c.in_log = InLogSpace(r.options.objective);
  const FreeMap fm = MakeFreeMap(r);
  const int F = static_cast<int>(fm.free.size());
  if (!o.groups.empty() && mth != "cluster")
    throw InvalidArgument(
        "bootstrap: groups are used only by method "
        "'cluster' (method is '" +
        mth + "')");
  if (mth == "cluster") {
    const std::vector<std::int64_t>& g =
        o.groups.empty() ? c.d->groups : o.groups;
    if (g.empty())
      throw InvalidArgument(
          "bootstrap: method 'cluster' needs groups (one "
          "label per row), and the data has none");
    if (static_cast<int>(g.size()) != c.n)
      throw InvalidArgument("bootstrap: groups has " +
                            std::to_string(g.size()) +
                            " labels but the fit "
                            "has " +
                            std::to_string(c.n) + " rows");
    std::map<std::int64_t, int> id;
    for (std::int64_t v : g) id.emplace(v, 0);
    int next = 0;
    for (auto& kv : id) kv.second = next++;
    c.group_rows.resize(id.size());
    for (int i = 0; i < c.n; ++i) c.group_rows[id[g[i]]].push_back(i);
    if (c.group_rows.size() < 2)
      throw InvalidArgument(
          "bootstrap: method 'cluster' needs at least 2 "
          "groups, got " +
          std::to_string(c.group_rows.size()));
  }
  if (mth == "subsample") {
    if (!(o.fraction > 0.0 && o.fraction < 1.0))
      throw InvalidArgument("bootstrap: fraction must be in (0, 1), got " +
                            FormatFull(o.fraction));
    c.m = static_cast<int>(std::lround(o.fraction * c.n));
    if (c.m < F + 1 || c.m >= c.n)
      throw InvalidArgument(
          "bootstrap: fraction " + FormatFull(o.fraction) + " of " +
          std::to_string(c.n) + " rows gives " + std::to_string(c.m) +
          " rows per subsample; need between " + std::to_string(F + 1) +
          " and " + std::to_string(c.n - 1));
  }
  const std::vector<double> p = r.values();
  c.fitted.resize(c.n);
  c.resid.resize(c.n);
  r.law->EvaluateMany(p.data(), c.d->x.data(), c.n, c.fitted.data());
  for (int i = 0; i < c.n; ++i) {
    const double L = c.fitted[i], y = c.d->loss[i];
    c.resid[i] = c.in_log ? std::log(y) - std::log(L) : y - L;
  }
  c.opts = r.options;
  c.opts.start = "init";
  c.opts.init.clear();
  for (const auto& pv : r.params) c.opts.init[pv.name] = pv.value;
  c.opts.num_threads = 1;
  return c;
}

namespace {

Observations MakeReplicate(const BootContext& c, const BootstrapOptions& o,
                           int i) {
  std::mt19937_64 gen(detail::ReplicateSeed(o.seed, kDataStream, i));
  const Observations& d = *c.d;
  const int K = d.num_inputs();
  Observations b;
  b.input_names = d.input_names;
  auto push_row = [&](int row, double weight_factor) {
    for (int j = 0; j < K; ++j) b.x.push_back(d.x[row * K + j]);
    b.loss.push_back(d.loss[row]);
    b.weights.push_back(d.weight(row) * weight_factor);
  };
  if (o.method == "case" || o.method == "cluster") {
    // Draw with replacement, then enter each drawn row once with its count
    // as a weight factor: Σ count·w·ρ is the objective of the resample.
    std::vector<int> count(c.n, 0);
    if (o.method == "case") {
      for (int k = 0; k < c.n; ++k) ++count[detail::UniformIndex(gen, c.n)];
    } else {
      const std::uint64_t G = c.group_rows.size();
      for (std::uint64_t k = 0; k < G; ++k) {
        const auto& rows = c.group_rows[detail::UniformIndex(gen, G)];
        for (int row : rows) ++count[row];
      }
    }
    for (int row = 0; row < c.n; ++row)
      if (count[row] > 0) push_row(row, count[row]);
  } else if (o.method == "subsample") {
    std::vector<int> idx(c.n);
    std::iota(idx.begin(), idx.end(), 0);
    for (int k = 0; k < c.m; ++k) {  // partial Fisher–Yates
      const int j = k + static_cast<int>(detail::UniformIndex(gen, c.n - k));
      std::swap(idx[k], idx[j]);
    }
    std::sort(idx.begin(), idx.begin() + c.m);
    for (int k = 0; k < c.m; ++k) push_row(idx[k], 1.0);
  } else {  // residual
    b.x = d.x;
    b.weights.resize(c.n);
    for (int row = 0; row < c.n; ++row) b.weights[row] = d.weight(row);
    b.loss.resize(c.n);
    for (int row = 0; row < c.n; ++row) {
      const double e = c.resid[detail::UniformIndex(gen, c.n)];
      b.loss[row] = c.in_log ? c.fitted[row] * std::exp(e) : c.fitted[row] + e;
    }
  }
  return b;
}

}  // namespace

FitResult RefitCertified(const FitResult& full, const Observations& data,
                         const FitOptions& opts, int max_retries,
                         std::uint64_t seed, int replicate, int* attempts,
                         std::string* first_failure) {
  FitResult f = FitWithoutSummary(full.law, data, opts);
  if (first_failure && !f.converged) *first_failure = f.message;
  // A solve that stops without passing the engine's certification
  // (typically: function tolerance met while the relative gradient is
  // still just above 1e-6, a stall of Levenberg–Marquardt on the Huber
  // kink) is retried from other starts, in this fixed order:
  //   2: where it stopped, with tighter tolerances (1e-16);
  //   3: the replicate's mse_log optimum (a smooth problem);
  //   4+: the full-data optimum moved by a small deterministic offset
  //       (exponents ±0.02, log-scales ±0.2) from the replicate's own
  //       random stream.
  // The final fit must pass the same certification; nothing is
  // loosened.
  const bool in_log = InLogSpace(opts.objective);
  int attempt = 1;
  std::mt19937_64 jitter(ReplicateSeed(seed, kRetryStream, replicate));
  while (!f.converged && attempt <= max_retries) {
    FitOptions again = opts;
    again.function_tolerance = std::min(opts.function_tolerance, 1e-16);
    again.parameter_tolerance = std::min(opts.parameter_tolerance, 1e-16);
    again.gradient_tolerance = std::min(opts.gradient_tolerance, 1e-18);
    bool ok = true;
    if (attempt == 1) {
      for (const auto& pv : f.params) {
        ok = ok && std::isfinite(pv.value);
        again.init[pv.name] = pv.value;
      }
    } else if (attempt == 2 && opts.objective != Objective::kMseLog && in_log) {
      FitOptions ls = opts;
      ls.objective = Objective::kMseLog;
      const FitResult g = FitWithoutSummary(full.law, data, ls);
      for (const auto& pv : g.params) {
        ok = ok && std::isfinite(pv.value);
        again.init[pv.name] = pv.value;
      }
    } else {
      const LawInfo& info = full.law->info();
      for (size_t k = 0; k < full.params.size(); ++k) {
        const ParamValue& pv = full.params[k];
        if (pv.fixed || !pv.tied_to.empty()) continue;
        const double u =
            2.0 * (static_cast<double>(jitter() >> 11) * 0x1.0p-53) - 1.0;
        double v = info.params[k].positive ? pv.value * std::exp(0.2 * u)
                                           : pv.value + 0.02 * u;
        v = std::clamp(v, pv.lower, pv.upper);
        again.init[pv.name] = v;
      }
    }
    ++attempt;
    if (!ok) continue;
    FitResult g = FitWithoutSummary(full.law, data, again);
    if (g.converged || !f.converged) f = std::move(g);
  }
  if (attempts) *attempts = attempt;
  return f;
}

Observations ReplicateData(const FitResult& result,
                           const BootstrapOptions& options, int i) {
  const BootContext c = MakeContext(result, options);
  return MakeReplicate(c, options, i);
}

}  // namespace detail

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

BootstrapResult Bootstrap(const FitResult& r, const BootstrapOptions& o) {
  const detail::ScopedRun run(o.control);
  const detail::BootContext c = detail::MakeContext(r, o);
  const int R = o.num_replicates;
  const int P = r.law->info().num_params();
  BootstrapResult b;
  b.fit = r;
  b.options = o;
  b.options.control = {};  // results never keep a control
  b.names = r.law->info().param_names();
  b.num_replicates = R;
  b.samples.assign(static_cast<size_t>(R) * P, kNaN);
  b.converged.assign(R, 0);
  b.messages.assign(R, "");
  b.objective.assign(R, kNaN);
  b.attempts.assign(R, 0);
  b.num_groups = static_cast<int>(c.group_rows.size());
  b.num_rows_drawn = o.method == "subsample" ? c.m : c.n;
  if (o.method == "subsample")
    b.scale = std::sqrt(static_cast<double>(c.m) / (c.n - c.m));
  const int threads = detail::ResolveThreads(o.num_threads);
  b.threads_used = std::max(1, std::min(threads, R));
  const auto t0 = std::chrono::steady_clock::now();
  // Why the first refit of each retried replicate was not certified (for
  // the one-line summary at the end).
  std::vector<std::string> first_failure(R);
  detail::Stage stage("bootstrap replicates", R);
  detail::ParallelFor(R, threads, [&](int, int i) {
    // A replicate's refits warn at debug level only: the bootstrap reports
    // retries and failures once, below, and in every report.
    ScopedQuietWarnings quiet;
    try {
      const Observations data = detail::MakeReplicate(c, o, i);
      int attempt = 0;
      FitResult f =
          detail::RefitCertified(r, data, c.opts, o.max_retries, o.seed, i,
                                 &attempt, &first_failure[i]);
      b.attempts[i] = attempt;
      for (int k = 0; k < P; ++k)
        b.samples[static_cast<size_t>(i) * P + k] = f.params[k].value;
      b.converged[i] = f.converged;
      b.messages[i] = f.message;
      b.objective[i] = f.objective;
    } catch (const std::exception& e) {
      detail::RethrowIfStopped();
      b.converged[i] = 0;
      b.messages[i] = std::string("refit failed: ") + e.what();
    }
    stage.Advance();
  });
  b.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  for (int i = 0; i < R; ++i) {
    if (!b.converged[i]) b.failed.push_back(i);
    if (b.attempts[i] > 1) ++b.num_restarted;
  }
  b.num_failed = static_cast<int>(b.failed.size());
  if (b.num_restarted > 0) {
    // One line for all retries: how many, why (the first one's reason), and
    // how they ended.
    int example = 0;
    while (example < R && first_failure[example].empty()) ++example;
    const int retried_ok = b.num_restarted - [&] {
      int n = 0;
      for (int i : b.failed) n += b.attempts[i] > 1;
      return n;
    }();
    Logger()->info(
        "bootstrap: {} of {} replicates needed a retry (first refit not "
        "certified, e.g. replicate {}: {}); {} of them certified after a "
        "retry",
        b.num_restarted, R, example,
        example < R ? first_failure[example] : std::string("?"), retried_ok);
  }
  if (b.num_failed > 0)
    Warn(fmt::format(
        "bootstrap: {} of {} replicates did not converge (e.g. replicate {}: "
        "{}); they are excluded from the statistics and listed in `failed`",
        b.num_failed, R, b.failed[0], b.messages[b.failed[0]]));
  if (R - b.num_failed < 2)
    Warn("bootstrap: fewer than 2 converged replicates; no statistics");
  return b;
}

}  // namespace scalefit
