// Chained task forecasts: fitting both steps, the by-run bootstrap and the
// clustered delta method (downstream/chain.hpp).
#include "scalefit/downstream/chain.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "downstream/downstream_internal.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/random.hpp"
#include "scalefit/detail/threads.hpp"
#include "scalefit/error.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"
#include "scalefit/uncertainty.hpp"

namespace scalefit::downstream {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t kChainStream = 11;  // run draws of chain replicates

bool IsSigmoid(const std::string& link) { return link == "sigmoid"; }

}  // namespace

bool TaskSpec::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (intermediate.empty()) return fail("intermediate: name a ladder metric");
  if (metric.empty()) return fail("metric: name a ladder metric");
  if (!(ceiling > 0.0) || !std::isfinite(ceiling))
    return fail("ceiling must be finite and > 0, got " + FormatFull(ceiling));
  if (!(chance >= 0.0 && chance < ceiling))
    return fail("chance must be in [0, ceiling), got " + FormatFull(chance));
  if (!IsItemCount(n_items))
    return fail(
        "n_items must be a whole number of questions, >= 0 (0 = unknown) and "
        "<= 2^53, got " +
        FormatFull(n_items));
  return true;
}

FitOptions ChainOptions::DefaultStep2Options() {
  FitOptions o;
  o.objective = Objective::kMse;
  return o;
}

bool ChainOptions::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  std::string w;
  if (!step1.IsValid(&w)) return fail("step1: " + w);
  if (!step2.IsValid(&w)) return fail("step2: " + w);
  if (final_average < 1)
    return fail("final_average must be >= 1, got " +
                std::to_string(final_average));
  if (!(skip_fraction >= 0.0 && skip_fraction < 1.0))
    return fail("skip_fraction must be in [0, 1), got " +
                FormatFull(skip_fraction));
  if (smoothing < 1)
    return fail("smoothing must be >= 1, got " + std::to_string(smoothing));
  if (floor != "free" && floor != "chance")
    return fail("floor must be 'free' or 'chance', got '" + floor + "'");
  if (floor == "chance" && !IsSigmoid(link))
    return fail("floor 'chance' applies to the sigmoid link, not '" + link +
                "'");
  if (interval != "bootstrap" && interval != "delta" && interval != "none")
    return fail("interval must be 'bootstrap', 'delta' or 'none', got '" +
                interval + "'");
  if (interval == "bootstrap")
    if (const std::string p = scalefit::detail::ReplicatesProblem(
            "num_replicates", num_replicates, 2);
        !p.empty())
      return fail(p);
  if (const std::string p =
          scalefit::detail::ThreadsProblem("num_threads", num_threads);
      !p.empty())
    return fail(p);
  if (max_retries < 0) return fail("max_retries must be >= 0");
  if (!emergence.IsValid(&w)) return fail("emergence: " + w);
  if (!control.IsValid(&w)) return fail(w);
  return true;
}

namespace detail {

ChainData PrepareChain(const Ladder& ladder, const TaskSpec& task,
                       const ChainOptions& o) {
  std::string why;
  if (!task.IsValid(&why))
    throw InvalidArgument("task '" + task.name + "': " + why);
  if (!o.IsValid(&why)) throw InvalidArgument("chain options: " + why);
  ladder.Validate();
  ladder.metric(task.intermediate);
  ladder.metric(task.metric);
  const LawPtr law1 = GetLaw(o.step1_law);
  if (!law1->info().HasInputs({"N", "D"}) || law1->info().num_inputs() != 2)
    throw InvalidArgument("step1_law '" + o.step1_law +
                          "' must take the inputs (N, D)");
  const LawPtr link = GetLaw(o.link);
  if (link->info().num_inputs() != 1)
    throw InvalidArgument("link '" + o.link +
                          "' must take one input (the intermediate)");

  // The ladder runs (targets are forecast, never fitted).
  std::vector<int> train_rows;
  for (int i = 0; i < ladder.num_rows(); ++i)
    if (!ladder.target[i]) train_rows.push_back(i);
  if (train_rows.empty())
    throw InvalidArgument("task '" + task.name +
                          "': the ladder has no non-target runs to fit");
  Ladder train;
  {
    train.metric_names = {task.intermediate, task.metric};
    train.metrics.resize(2);
    const auto& xi = ladder.metric(task.intermediate);
    const auto& yi = ladder.metric(task.metric);
    for (int i : train_rows) {
      // The task loss is >= 0 (bits per byte); the metric lies in
      // [0, ceiling] (the range the forecasts are clipped to).
      const std::string at = "task '" + task.name + "': ladder row " +
                             std::to_string(i) + " (run '" + ladder.run[i] +
                             "')";
      if (!std::isfinite(xi[i]) || xi[i] < 0.0)
        throw InvalidArgument(at + ": " + task.intermediate + " = " +
                              FormatFull(xi[i]) +
                              " must be finite and >= 0 (the intermediate)");
      if (!std::isfinite(yi[i]) || yi[i] < 0.0 || yi[i] > task.ceiling)
        throw InvalidArgument(
            at + ": " + task.metric + " = " + FormatFull(yi[i]) +
            " must be in [0, ceiling = " + FormatFull(task.ceiling) +
            "] (give the task's ceiling for another scale)");
      train.run.push_back(ladder.run[i]);
      train.N.push_back(ladder.N[i]);
      train.D.push_back(ladder.D[i]);
      train.C.push_back(ladder.C[i]);
      train.step.push_back(ladder.step[i]);
      train.target.push_back(0);
      train.metrics[0].push_back(xi[i]);
      train.metrics[1].push_back(yi[i]);
    }
  }
  ChainData c;
  c.runs = train.runs();
  const int G = static_cast<int>(c.runs.size());
  const Ladder fin = FinalCheckpoints(train, o.final_average);
  for (int g = 0; g < G; ++g) {
    c.run_N.push_back(fin.N[g]);
    c.final_D.push_back(fin.D[g]);
    c.final_C.push_back(fin.C[g]);
    c.final_intermediate.push_back(fin.metrics[0][g]);
    c.final_metric.push_back(fin.metrics[1][g]);
    c.max_ND = std::max(c.max_ND, fin.N[g] * fin.D[g]);
    c.max_C = std::max(c.max_C, fin.C[g]);
  }
  const Ladder s2 = Smooth(SkipFirst(train, o.skip_fraction), o.smoothing);
  std::map<std::string, int> index;
  for (int g = 0; g < G; ++g) index[c.runs[g]] = g;
  for (int i = 0; i < s2.num_rows(); ++i) {
    c.step2_L.push_back(s2.metrics[0][i]);
    c.step2_y.push_back(s2.metrics[1][i]);
    c.step2_run.push_back(index.at(s2.run[i]));
  }
  if (o.ideal_point) {
    c.step2_L.push_back(0.0);
    c.step2_y.push_back(task.ceiling);
    c.step2_run.push_back(-1);
  }

  // Fit options of the three laws.
  c.opts1 = o.step1;
  if (o.step1_law == "chinchilla") {
    // The paper's step-1 bounds (Bhagia et al. 2024: log A, log B, E >= 0)
    // unless given. E >= 1e-6 stands for E >= 0: the law fits log E, and a
    // task whose optimum has E at 0 (CSQA on the OLMo ladder) is then
    // certified at that bound instead of drifting towards log E = -inf.
    c.opts1.bounds.emplace("A", std::make_pair(1.0, kInf));
    c.opts1.bounds.emplace("B", std::make_pair(1.0, kInf));
    c.opts1.bounds.emplace("E", std::make_pair(1e-6, kInf));
  }
  c.opts2 = o.step2;
  if (IsSigmoid(o.link)) {
    // The paper's bounds (Bhagia et al. 2024, step 2) unless given.
    c.opts2.bounds.emplace("a", std::make_pair(-1.0, 0.0));
    c.opts2.bounds.emplace("x0", std::make_pair(0.0, kInf));
    c.opts2.bounds.emplace("b", std::make_pair(0.0, 1.0));
    if (o.floor == "chance") {
      c.opts2.fixed.push_back("a");
      c.opts2.fixed.push_back("b");
      c.opts2.init["a"] = task.chance - task.ceiling;
      c.opts2.init["b"] = task.ceiling;
    }
  }
  // The paper's single step: log-Huber on the final accuracies, bounds
  // A, B >= 1, a in [-1, 0], b in [0, 1], its start polished with the grid.
  c.opts_single.objective = Objective::kHuberLog;
  c.opts_single.bounds = {{"A", {1.0, kInf}},
                          {"B", {1.0, kInf}},
                          {"a", {-1.0, 0.0}},
                          {"b", {0.0, 1.0}}};
  c.opts_single.init = {
      {"E", 0.0},     {"A", std::exp(3.0)}, {"B", std::exp(5.0)},
      {"alpha", 0.2}, {"beta", 0.3},        {"a", task.chance - 1.0},
      {"b", 1.0}};
  c.law1 = law1;
  c.link = link;
  return c;
}

Observations Step1Data(const ChainData& c, const std::vector<double>& count,
                       const std::vector<double>& values) {
  Observations obs;
  obs.input_names = {"N", "D"};
  for (size_t g = 0; g < c.runs.size(); ++g) {
    if (!count.empty() && count[g] == 0.0) continue;
    obs.x.push_back(c.run_N[g]);
    obs.x.push_back(c.final_D[g]);
    obs.loss.push_back(values[g]);
    if (!count.empty()) obs.weights.push_back(count[g]);
  }
  return obs;
}

Observations Step2Data(const ChainData& c, const std::vector<double>& count) {
  Observations obs;
  obs.input_names = {"L"};
  for (size_t i = 0; i < c.step2_L.size(); ++i) {
    const int g = c.step2_run[i];
    const double w = g < 0 || count.empty() ? 1.0 : count[g];
    if (w == 0.0) continue;
    obs.x.push_back(c.step2_L[i]);
    obs.loss.push_back(c.step2_y[i]);
    if (!count.empty()) obs.weights.push_back(w);
  }
  return obs;
}

std::vector<double> DrawRunCounts(const ChainData& c, std::uint64_t seed,
                                  int replicate) {
  // Strata: runs with the same N (one model size), resampled within.
  std::vector<double> strata;
  for (double n : c.run_N)
    if (std::find(strata.begin(), strata.end(), n) == strata.end())
      strata.push_back(n);
  std::mt19937_64 gen(
      scalefit::detail::ReplicateSeed(seed, kChainStream, replicate));
  std::vector<double> count(c.runs.size(), 0.0);
  for (double n : strata) {
    std::vector<int> members;
    for (size_t g = 0; g < c.runs.size(); ++g)
      if (c.run_N[g] == n) members.push_back(static_cast<int>(g));
    for (size_t t = 0; t < members.size(); ++t)
      count[members[scalefit::detail::UniformIndex(gen, members.size())]] +=
          1.0;
  }
  return count;
}

}  // namespace detail

namespace {

// The clustered covariance of the step-2 parameters (objective mse):
// Σ = H⁻¹ M H⁻¹ · G/(G − 1), H = Σ w J_iᵀJ_i (Gauss–Newton), M = Σ_g s_g s_gᵀ
// with s_g = Σ_{i ∈ g} w_i r_i J_i; free parameters not at a bound.
std::vector<double> ClusteredStep2Covariance(const detail::ChainData& c,
                                             const FitResult& f) {
  const LawModel& law = *f.law;
  const int P = law.info().num_params();
  std::vector<int> free;
  for (int k = 0; k < P; ++k)
    if (!f.params[k].fixed && !f.params[k].at_bound) free.push_back(k);
  const int F = static_cast<int>(free.size());
  std::vector<double> out(static_cast<size_t>(P) * P, 0.0);
  if (F == 0) return out;
  const std::vector<double> p = f.values();
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(F, F);
  std::map<int, Eigen::VectorXd> score;
  std::vector<double> grad(P);
  for (size_t i = 0; i < c.step2_L.size(); ++i) {
    const double x = c.step2_L[i];
    const double v = law.ValueAndGradient(p.data(), &x, grad.data());
    const double r = v - c.step2_y[i];
    Eigen::VectorXd J(F);
    for (int a = 0; a < F; ++a) J[a] = grad[free[a]];
    H += J * J.transpose();
    auto it = score.find(c.step2_run[i]);
    if (it == score.end())
      it = score.emplace(c.step2_run[i], Eigen::VectorXd::Zero(F)).first;
    it->second += r * J;
  }
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(F, F);
  for (const auto& [g, s] : score) M += s * s.transpose();
  const double G = static_cast<double>(score.size());
  const Eigen::MatrixXd Hi =
      H.completeOrthogonalDecomposition().pseudoInverse();
  const Eigen::MatrixXd S = Hi * M * Hi * (G > 1 ? G / (G - 1) : 1.0);
  for (int a = 0; a < F; ++a)
    for (int b = 0; b < F; ++b)
      out[static_cast<size_t>(free[a]) * P + free[b]] = S(a, b);
  return out;
}

}  // namespace

TaskChain FitChain(const Ladder& ladder, const TaskSpec& task,
                   const ChainOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  // Cancellation and progress for everything below (run_control.hpp).
  const scalefit::detail::ScopedRun run(options.control);
  const detail::ChainData c = detail::PrepareChain(ladder, task, options);
  TaskChain chain;
  chain.task = task;
  chain.options = options;
  chain.options.control = {};  // results never keep a control
  chain.runs = c.runs;
  chain.run_N = c.run_N;
  chain.step2_run = c.step2_run;
  chain.final_C = c.final_C;
  chain.final_metric = c.final_metric;
  chain.max_ladder_C = c.max_C;
  chain.max_ladder_ND = c.max_ND;
  chain.step1 =
      Fit(c.law1, detail::Step1Data(c, {}, c.final_intermediate), c.opts1);
  chain.step2 = Fit(c.link, detail::Step2Data(c, {}), c.opts2);
  if (options.single_step) {
    chain.single_step =
        Fit("chinchilla_sigmoid", detail::Step1Data(c, {}, c.final_metric),
            c.opts_single);
    chain.has_single_step = true;
  }
  if (task.n_items > 0.0) {
    EmergenceOptions eo = options.emergence;
    eo.ceiling = task.ceiling;
    chain.emergence = ClassifyEmergence(c.final_C, c.final_metric, task.chance,
                                        {task.n_items}, eo);
    chain.has_emergence = true;
  }

  if (options.interval == "bootstrap") {
    const int R = options.num_replicates;
    const int P1 = chain.step1.law->info().num_params();
    const int P2 = chain.step2.law->info().num_params();
    const int P3 =
        chain.has_single_step ? chain.single_step.law->info().num_params() : 0;
    chain.num_replicates = R;
    chain.step1_samples.assign(static_cast<size_t>(R) * P1, kNaN);
    chain.step2_samples.assign(static_cast<size_t>(R) * P2, kNaN);
    chain.single_step_samples.assign(static_cast<size_t>(R) * P3, kNaN);
    chain.converged.assign(R, 0);
    chain.single_step_converged.assign(chain.has_single_step ? R : 0, 0);
    FitOptions o1 = c.opts1, o2 = c.opts2, o3 = c.opts_single;
    for (FitOptions* o : {&o1, &o2, &o3}) o->start = "init";
    for (const auto& pv : chain.step1.params) o1.init[pv.name] = pv.value;
    for (const auto& pv : chain.step2.params) o2.init[pv.name] = pv.value;
    if (chain.has_single_step)
      for (const auto& pv : chain.single_step.params)
        o3.init[pv.name] = pv.value;
    const int threads = scalefit::detail::ResolveThreads(options.num_threads);
    scalefit::detail::Stage stage("chain replicates", R);
    scalefit::detail::ParallelFor(R, threads, [&](int, int i) {
      // Replicate refits warn at debug level: the chain reports how many
      // did not converge (num_failed, its reports).
      ScopedQuietWarnings quiet;
      try {
        const std::vector<double> count =
            detail::DrawRunCounts(c, options.seed, i);
        const FitResult f1 = scalefit::detail::RefitCertified(
            chain.step1, detail::Step1Data(c, count, c.final_intermediate), o1,
            options.max_retries, options.seed, i, nullptr);
        const FitResult f2 = scalefit::detail::RefitCertified(
            chain.step2, detail::Step2Data(c, count), o2, options.max_retries,
            options.seed, i, nullptr);
        chain.converged[i] = f1.converged && f2.converged;
        for (int k = 0; k < P1; ++k)
          chain.step1_samples[static_cast<size_t>(i) * P1 + k] =
              f1.params[k].value;
        for (int k = 0; k < P2; ++k)
          chain.step2_samples[static_cast<size_t>(i) * P2 + k] =
              f2.params[k].value;
        if (chain.has_single_step) {
          const FitResult f3 = scalefit::detail::RefitCertified(
              chain.single_step, detail::Step1Data(c, count, c.final_metric),
              o3, options.max_retries, options.seed, i, nullptr);
          chain.single_step_converged[i] = f3.converged;
          for (int k = 0; k < P3; ++k)
            chain.single_step_samples[static_cast<size_t>(i) * P3 + k] =
                f3.params[k].value;
        }
      } catch (const InvalidArgument&) {
        scalefit::detail::RethrowIfStopped();
        chain.converged[i] = 0;  // e.g. too few distinct runs drawn
        if (chain.has_single_step) chain.single_step_converged[i] = 0;
      }
      stage.Advance();
    });
    for (int i = 0; i < R; ++i) chain.num_failed += !chain.converged[i];
    for (unsigned char ok : chain.single_step_converged)
      chain.num_single_step_failed += !ok;
  } else if (options.interval == "delta") {
    const Covariance s1 = ComputeCovariance(chain.step1);
    const std::vector<double> s2 = ClusteredStep2Covariance(c, chain.step2);
    const int P1 = static_cast<int>(chain.step1.params.size());
    const int P2 = static_cast<int>(chain.step2.params.size());
    const int P = P1 + P2;
    chain.joint_covariance.assign(static_cast<size_t>(P) * P, 0.0);
    for (int a = 0; a < P1; ++a)
      for (int b = 0; b < P1; ++b)
        chain.joint_covariance[static_cast<size_t>(a) * P + b] =
            s1.matrix[static_cast<size_t>(a) * P1 + b];
    for (int a = 0; a < P2; ++a)
      for (int b = 0; b < P2; ++b)
        chain.joint_covariance[static_cast<size_t>(P1 + a) * P + P1 + b] =
            s2[static_cast<size_t>(a) * P2 + b];
    if (chain.has_single_step)
      chain.single_step_covariance =
          ComputeCovariance(chain.single_step).matrix;
  }
  chain.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  return chain;
}

std::vector<TaskChain> FitChains(const Ladder& ladder,
                                 const std::vector<TaskSpec>& tasks,
                                 const ChainOptions& options) {
  std::string why;
  if (!options.IsValid(&why)) throw InvalidArgument("chain options: " + why);
  // Cancellation and progress for every task (run_control.hpp); the tasks'
  // own fits inherit the run.
  const scalefit::detail::ScopedRun run(options.control);
  std::vector<TaskChain> out(tasks.size());
  ChainOptions inner = options;
  inner.num_threads = 1;
  inner.control = {};
  const int threads = scalefit::detail::ResolveThreads(options.num_threads);
  scalefit::detail::Stage stage("chain tasks",
                                static_cast<std::int64_t>(tasks.size()));
  scalefit::detail::ParallelFor(static_cast<int>(tasks.size()), threads,
                                [&](int, int i) {
                                  out[i] = FitChain(ladder, tasks[i], inner);
                                  stage.Advance();
                                });
  for (auto& chain : out) chain.options.num_threads = options.num_threads;
  return out;
}

}  // namespace scalefit::downstream
