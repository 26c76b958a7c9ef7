// Polishing starts: screened multi-start local solves on the workers, the
// best refined to full tolerance.
#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "fit/fit_internal.hpp"
#include "scalefit/detail/parallel.hpp"

namespace scalefit::detail {

// Ceres logs through glog, which writes to stderr until a host program
// initialises it: WARNINGs ("constant polynomial" notes from line search) and
// ERRORs the engine handles itself ("Terminating: Residual and Jacobian
// evaluation failed" when Levenberg–Marquardt meets a point where the law is
// not finite; the solve's outcome carries that message). Library code must
// not print: unless the host set glog up itself, only FATAL is left.
// scalefit's own messages go through the "scalefit" spdlog logger.
void QuietCeresLogging() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!google::IsGoogleLoggingInitialized())
      FLAGS_minloglevel = google::GLOG_FATAL;
  });
}

namespace {

// About how many passes over the rows one start's polish takes (22–36
// gradient passes per start on the Epoch rows, docs/benchmarks.md, and F + 1
// for the scaling) and one confirming Levenberg–Marquardt pass from a
// converged point takes: to size the threads a loop of starts is worth
// (WorkerThreads).
constexpr double kPassesPerStart = 40.0;
constexpr double kPassesPerConfirm = 5.0;

// Whether two solves (e.g. presolved starts, polished on the scoring rows)
// ended at the same point: both converged, their costs agree to 1e-6
// relative and every free coordinate to 1e-6 × (1 + |z|).
bool SameEndPoint(const Setup& s, const SolveOutcome& a,
                  const SolveOutcome& b) {
  if (!a.usable || !b.usable || !a.converged || !b.converged) return false;
  if (!(std::abs(a.cost - b.cost) <= 1e-6 * std::abs(b.cost))) return false;
  for (int k = 0; k < s.P; ++k) {
    if (s.map.constant[k]) continue;
    if (!(std::abs(a.z[k] - b.z[k]) <= 1e-6 * (1.0 + std::abs(b.z[k]))))
      return false;
  }
  return true;
}

}  // namespace

Polished PolishStarts(
    const LawModel& law, const Setup& s, const FitOptions& o,
    const std::vector<std::vector<double>>& starts,
    const detail::SolveSettings& base, int threads,
    std::vector<std::unique_ptr<detail::ResidualModel>>* models_ptr) {
  const int num_starts = static_cast<int>(starts.size());
  detail::SolveSettings settings = base;
  // Many starts: screen each (no confirming pass; the recipe's stopping rule
  // when there are more than num_refined), then refine the best below.
  const bool screened =
      num_starts > o.num_refined && o.screening_tolerance > 0.0;
  if (num_starts > 1) settings.confirm_iterations = 0;
  if (screened) {
    settings.function_tolerance =
        std::max(o.function_tolerance, o.screening_tolerance);
    settings.scale_line_search = false;
  }
  Polished out;
  out.screened = screened;
  std::vector<SolveOutcome>& outcomes = out.outcomes;
  outcomes.resize(num_starts);
  auto& models = *models_ptr;
  // Large data: the rows of each evaluation are split across the threads
  // (ProblemData::row_threads) and the starts run one after another.
  const int start_threads = threads;
  if (s.pd.row_threads > 1) threads = 1;
  const int workers = std::max(1, std::min(threads, num_starts));
  if (static_cast<int>(models.size()) < workers) models.resize(workers);
  // The confirming Levenberg–Marquardt pass to the full tolerances.
  detail::SolveSettings full = settings;
  full.function_tolerance = o.function_tolerance;
  full.confirm_iterations = o.max_iterations;
  full.scale_line_search = true;
  // At least twice as many rows as score the grid, few starts (no
  // screening): each start is first polished on the scoring rows
  // (SelectScoringRows: rows spanning the data), then on every row from there
  // (line search and the confirming pass, as below), which then starts next
  // to its optimum and needs fewer passes over all rows. A start that does
  // not converge this way is polished on every row from its beginning.
  const bool presolve =
      !screened && o.max_scoring_rows > 0 &&
      s.pd.num_rows >= 2 * static_cast<int64_t>(o.max_scoring_rows);
  detail::Stage stage("fit starts", num_starts);
  if (presolve) {
    const ScoringRows rows = SelectScoringRows(s, o.max_scoring_rows);
    ProblemData sub = s.pd;
    sub.num_rows = rows.n;
    sub.x = rows.x.data();
    sub.log_x = rows.log_x.data();
    sub.target = rows.target.data();
    sub.sqrt_w = rows.sqrt_w.data();
    sub.batch = rows.batch;
    sub.row_threads = 1;
    std::vector<std::unique_ptr<detail::ResidualModel>> sub_models(
        std::max(1, std::min(start_threads, num_starts)));
    detail::SolveSettings first = settings;
    first.confirm_iterations = 0;
    // The scaling of each start's polish on every row is taken on these rows
    // at the presolved point (F + 1 gradient passes over them instead of over
    // every row). The objective sums w̃ ρ over rows, so its Hessian on every
    // row is about Σw̃(all) / Σw̃(these) times theirs: T scales by the root
    // of the inverse ratio.
    first.scaling_at_end = true;
    double w_all = 0.0, w_sub = 0.0;
    for (int i = 0; i < s.pd.num_rows; ++i)
      w_all += s.pd.sqrt_w[i] * s.pd.sqrt_w[i];
    for (int i = 0; i < rows.n; ++i) w_sub += rows.sqrt_w[i] * rows.sqrt_w[i];
    const double t_scale =
        w_all > 0.0 && w_sub > 0.0 ? std::sqrt(w_sub / w_all) : 0.0;
    std::vector<SolveOutcome> pre(num_starts);
    const int pre_threads = detail::WorkerThreads(
        start_threads, kPassesPerStart * num_starts * rows.n);
    detail::ParallelFor(num_starts, pre_threads, [&](int worker, int i) {
      if (!sub_models[worker]) sub_models[worker] = law.MakeResidualModel(sub);
      pre[i] = sub_models[worker]->Solve(starts[i], first);
    });
    // Starts whose presolved points coincide (both converged, the same cost
    // to 1e-6 relative and every parameter to 1e-6 of its scale) continue
    // from the same point on every row: the first of them is polished
    // there and the others share its outcome. `leader[i]` is that start.
    std::vector<int> leader(num_starts), polished;
    for (int i = 0; i < num_starts; ++i) {
      leader[i] = i;
      for (int j : polished) {
        if (SameEndPoint(s, pre[i], pre[j])) {
          leader[i] = j;
          break;
        }
      }
      if (leader[i] == i) polished.push_back(i);
    }
    // The polish on every row starts next to its optimum, where each step's
    // relative decrease is already small: with a function tolerance 100×
    // tighter it does not stop where polishing on every row from the start
    // would go on (1.5e-12 relative short on 10 001 planted rows).
    detail::SolveSettings confirm = full;
    confirm.function_tolerance = 1e-2 * o.function_tolerance;
    const int num_polished = static_cast<int>(polished.size());
    const int polish_threads = detail::WorkerThreads(
        threads, kPassesPerStart * num_polished * s.pd.num_rows);
    detail::ParallelFor(num_polished, polish_threads, [&](int worker, int j) {
      const int i = polished[j];
      if (!models[worker]) models[worker] = law.MakeResidualModel(s.pd);
      SolveOutcome c;
      detail::SolveSettings from_pre = confirm;
      if (t_scale > 0.0) {
        from_pre.scaling = pre[i].scaling;
        for (double& t : from_pre.scaling) t *= t_scale;
      }
      if (pre[i].usable) c = models[worker]->Solve(pre[i].z, from_pre);
      if (c.usable && c.converged) {
        c.iterations += pre[i].iterations;
        outcomes[i] = std::move(c);
      } else {
        outcomes[i] = models[worker]->Solve(starts[i], full);
      }
      stage.Advance();
    });
    for (int i = 0; i < num_starts; ++i) {
      const int j = leader[i];
      if (j == i) continue;
      outcomes[i] = outcomes[j];
      outcomes[i].iterations += pre[i].iterations - pre[j].iterations;
      stage.Advance();
    }
  } else {
    const int start_loop_threads = detail::WorkerThreads(
        threads, kPassesPerStart * num_starts * s.pd.num_rows);
    detail::ParallelFor(num_starts, start_loop_threads, [&](int worker, int i) {
      if (!models[worker]) models[worker] = law.MakeResidualModel(s.pd);
      outcomes[i] = models[worker]->Solve(starts[i], settings);
      stage.Advance();
    });
  }
  if (!models[0]) models[0] = law.MakeResidualModel(s.pd);

  // Rank usable starts by screened cost (ties by index: deterministic).
  std::vector<int> order;
  for (int i = 0; i < num_starts; ++i)
    if (outcomes[i].usable) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return outcomes[a].cost < outcomes[b].cost;
  });
  int& best = out.best;
  best = order.empty() ? -1 : order[0];
  // After the presolve every start has had its confirming pass already.
  if (best >= 0 && num_starts > 1 && !presolve) {
    // Refine the best screened starts to the full tolerances, with the
    // confirming pass, and keep the lowest. Screening stops each start by
    // the recipe's rule, so the best basin may be ranked below a start that
    // merely stopped later; refining several guards against that.
    // Unscreened starts were polished to these tolerances already: only the
    // confirming pass is left to run.
    full.confirm_only = !screened;
    const int num_refine = std::min<int>(order.size(), o.num_refined);
    // Unscreened starts that ended at the same point (SameEndPoint) share
    // one confirming pass, from the lowest of them: `leader[j]` is the
    // refined slot whose pass start order[j] takes.
    std::vector<int> leader(num_refine), confirmed;
    for (int j = 0; j < num_refine; ++j) {
      leader[j] = j;
      if (!screened) {
        for (int l : confirmed) {
          if (SameEndPoint(s, outcomes[order[j]], outcomes[order[l]])) {
            leader[j] = l;
            break;
          }
        }
      }
      if (leader[j] == j) confirmed.push_back(j);
    }
    std::vector<SolveOutcome> refined(num_refine);
    const int num_confirmed = static_cast<int>(confirmed.size());
    const int confirm_threads = detail::WorkerThreads(
        threads, kPassesPerConfirm * num_confirmed * s.pd.num_rows);
    detail::ParallelFor(num_confirmed, confirm_threads, [&](int worker, int c) {
      if (!models[worker]) models[worker] = law.MakeResidualModel(s.pd);
      const int j = confirmed[c];
      refined[j] = models[worker]->Solve(outcomes[order[j]].z, full);
    });
    for (int j = 0; j < num_refine; ++j) {
      const int i = order[j], l = leader[j];
      SolveOutcome r = refined[l];
      // The pass's own iterations, on top of this start's.
      r.iterations += outcomes[i].iterations;
      if (r.usable && r.cost <= outcomes[i].cost) outcomes[i] = std::move(r);
    }
    best = -1;
    for (int j = 0; j < num_refine; ++j) {
      const int i = order[j];
      if (outcomes[i].usable &&
          (best < 0 || outcomes[i].cost < outcomes[best].cost))
        best = i;
    }
  }

  return out;
}

}  // namespace scalefit::detail
