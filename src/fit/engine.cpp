// The fitting engine: the starts of the chosen strategy, the polish, the
// retry from further grid cells, certification, and the result. It returns
// the result without design diagnostics; Fit() (fit.cpp) adds them.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fit/fit_internal.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/error.hpp"
#include "scalefit/instruction_set.hpp"
#include "scalefit/limits.hpp"
#include "scalefit/log.hpp"
#include "scalefit/report.hpp"

namespace scalefit::detail {

namespace {

// The relative function tolerance of the certifying pass (SolveFit): near
// the resolution of a double, so only the parameter and gradient tolerances
// stop it.
constexpr double kCertifyingFunctionTolerance = 1e-16;

// The starts of `o.start`, in internal units and clamped into the bounds.
// For "auto", `reserve` receives the next-ranked grid cells for the retry.
std::vector<std::vector<double>> MakeStarts(
    const LawModel& law, const Setup& s, const FitOptions& o, int threads,
    std::vector<std::vector<double>>* reserve) {
  std::vector<std::vector<double>> starts;
  if (o.start == "hoffmann") {
    if (o.max_starts < kHoffmannGridSize)
      throw InvalidArgument(
          "start = hoffmann polishes " + std::to_string(kHoffmannGridSize) +
          " starts, more than max_starts = " + std::to_string(o.max_starts));
    starts = HoffmannGrid(s.info);
    for (auto& z : starts) {
      for (int k = 0; k < s.P; ++k) {
        if (s.map.constant[k]) z[k] = ToInternal(s.info.params[k], s.init[k]);
      }
      for (int k = 0; k < s.P; ++k)
        if (s.map.source[k] != k) z[k] = z[s.map.source[k]];
    }
  } else if (o.start == "init") {
    starts.push_back(UserToInternal(s, s.init));
  } else if (o.start == "grid") {
    std::vector<int> idx;
    std::vector<std::vector<double>> axes;
    // Refused before any cell is built: the product of the value lists.
    double cells = 1.0;
    std::string shape;
    for (const auto& [name, values] : o.grid) {
      idx.push_back(s.info.ParamIndex(name));
      axes.push_back(values);
      cells *= static_cast<double>(values.size());
      shape += (shape.empty() ? "" : " x ") + std::to_string(values.size()) +
               " (" + name + ")";
    }
    if (cells > o.max_starts) {
      std::ostringstream os;
      os << "the start grid has " << shape << " = " << std::setprecision(15)
         << cells << " cells, more than max_starts = " << o.max_starts
         << " (each cell is a local solve; raise max_starts, up to "
         << kMaxStarts << ", if you mean it)";
      throw InvalidArgument(os.str());
    }
    ForEachCell(axes, [&](const std::vector<double>& values) {
      std::vector<double> p = s.init;
      for (size_t j = 0; j < idx.size(); ++j) p[idx[j]] = values[j];
      for (int k = 0; k < s.P; ++k) {
        if (s.info.params[k].positive && !(p[k] > 0))
          throw InvalidArgument("grid value for '" + s.info.params[k].name +
                                "' must be > 0");
      }
      starts.push_back(UserToInternal(s, p));
    });
  } else {
    // Ranked once: the first num_polish cells are polished, the next
    // 3 × num_polish kept for the retry.
    *reserve = GridStarts(law, s, o, 4 * o.num_polish, threads);
    const size_t first = std::min<size_t>(reserve->size(), o.num_polish);
    starts.assign(reserve->begin(), reserve->begin() + first);
    reserve->erase(reserve->begin(), reserve->begin() + first);
    if (!o.init.empty()) starts.push_back(UserToInternal(s, s.init));
    if (starts.empty()) starts.push_back(UserToInternal(s, s.init));
  }
  for (auto& z : starts) ClampInternal(s, &z);
  for (auto& z : *reserve) ClampInternal(s, &z);
  return starts;
}

// The parameters at internal point z, with their bounds and flags.
std::vector<ParamValue> ParamValues(const Setup& s,
                                    const std::vector<double>& z) {
  std::vector<double> p(s.P);
  s.map.Apply(z.data(), p.data());
  std::vector<ParamValue> out;
  for (int k = 0; k < s.P; ++k) {
    ParamValue v;
    v.name = s.info.params[k].name;
    v.value = p[k];
    v.lower = s.lower[k];
    v.upper = s.upper[k];
    v.fixed = s.fixed[k];
    v.tied_to = s.tied_to[k];
    const double tol = 1e-8 * (1.0 + std::abs(z[k]));
    v.at_bound = !s.map.constant[k] &&
                 (z[k] <= s.pd.lower[k] + tol || z[k] >= s.pd.upper[k] - tol);
    out.push_back(v);
  }
  return out;
}

// Every run's compute C = flops(N, D) (`c_nd`, ComputeFromND) must be a
// finite number of FLOPs: with N·D beyond about 3e307 (6ND) it overflows a
// double, and every figure that uses C (the compute range, the design's
// decades, decades beyond the data) would be inf or NaN. Names the first
// such row.
void CheckRunComputeFinite(const Observations& obs, const FlopModel& flops,
                           const std::vector<double>& c_nd) {
  const int iN = obs.input_index("N"), iD = obs.input_index("D");
  for (size_t i = 0; i < c_nd.size(); ++i) {
    if (std::isfinite(c_nd[i])) continue;
    const double N = obs.row(static_cast<int>(i))[iN];
    const double D = obs.row(static_cast<int>(i))[iD];
    throw InvalidArgument(
        "row " + std::to_string(i) + " (0-based): the compute C = " +
        flops.name() + " of N = " + FormatFull(N) + ", D = " + FormatFull(D) +
        " is not a finite number of FLOPs (it overflows a double): N and D "
        "that large are not training runs; check their units (units=)");
  }
}

// Under a convention that fixes C from N and D (6ND), the compute the data
// report must agree with `c_nd` (ComputeFromND): rows off by more than
// `tolerance` relative are an error naming them (the C column was counted
// otherwise, or N or D is in other units).
void CheckReportedCompute(const Observations& obs, const FlopModel& flops,
                          const std::vector<double>& c6, double tolerance) {
  // No N and D inputs (c6 empty): nothing to compare with.
  if (obs.compute.empty() || !flops.is_six_nd() || c6.empty()) return;
  std::vector<int> bad;
  for (size_t i = 0; i < c6.size(); ++i)
    if (std::abs(obs.compute[i] / c6[i] - 1.0) > tolerance)
      bad.push_back(static_cast<int>(i));
  if (bad.empty()) return;
  std::ostringstream os;
  os << "column 'C' disagrees with C = " << flops.name() << " = "
     << FormatFull(flops.k()) << "·N·D by more than "
     << FormatShort(100 * tolerance, 3) << "% at " << bad.size() << " of "
     << c6.size() << " rows (0-based rows";
  for (size_t j = 0; j < bad.size() && j < 5; ++j) os << " " << bad[j];
  if (bad.size() > 5) os << " ...";
  const int i = bad[0];
  os << "; row " << i << ": C = " << FormatShort(obs.compute[i], 6)
     << ", 6·N·D = " << FormatShort(c6[i], 6) << ", "
     << FormatShort(100 * (obs.compute[i] / c6[i] - 1.0), 3)
     << "%): the C column was counted under another FLOP convention (give "
        "flop_convention= and architecture=), or N or D is in other units "
        "(units=); FitOptions::compute_tolerance sets the tolerance";
  throw InvalidArgument(os.str());
}

// The end points of the other usable starts that differ materially from the
// best (FitResult::other_optima): one per distinct point, lowest first.
std::vector<StartEnd> OtherOptima(const Setup& s,
                                  const std::vector<SolveOutcome>& outcomes,
                                  int best) {
  auto differs = [&](const std::vector<double>& a,
                     const std::vector<double>& b) {
    for (int k = 0; k < s.P; ++k)
      if (!s.map.constant[k] &&
          std::abs(a[k] - b[k]) > 1e-3 * (1.0 + std::abs(b[k])))
        return true;
    return false;
  };
  std::vector<int> order;
  for (int i = 0; i < static_cast<int>(outcomes.size()); ++i)
    if (i != best && outcomes[i].usable && std::isfinite(outcomes[i].cost) &&
        differs(outcomes[i].z, outcomes[best].z))
      order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int c) {
    return outcomes[a].cost < outcomes[c].cost;
  });
  std::vector<StartEnd> out;
  std::vector<const std::vector<double>*> kept;
  for (int i : order) {
    bool fresh = true;
    for (const auto* z : kept) fresh = fresh && differs(outcomes[i].z, *z);
    if (!fresh) continue;
    kept.push_back(&outcomes[i].z);
    StartEnd e;
    e.params.resize(s.P);
    s.map.Apply(outcomes[i].z.data(), e.params.data());
    e.objective = outcomes[i].cost * s.weight_scale;
    e.converged = outcomes[i].converged;
    out.push_back(std::move(e));
    if (out.size() >= 8) break;
  }
  return out;
}

}  // namespace

FitResult SolveFit(const LawPtr& law_ptr, const Observations& data,
                   const FitOptions& o, bool* reached_optimum, bool summarize,
                   std::shared_ptr<const Setup>* setup) {
  *reached_optimum = false;
  QuietCeresLogging();
  if (!law_ptr) throw InvalidArgument("law is null");
  std::string why;
  if (!o.IsValid(&why)) throw InvalidArgument("invalid fit options: " + why);
  const LawModel& law = *law_ptr;
  auto data_copy = std::make_shared<Observations>(data);
  Setup s = MakeSetup(law, *data_copy, o);
  const FlopModel flops = FlopModel::FromConvention(
      o.flop_convention, o.architecture ? &*o.architecture : nullptr);
  const std::vector<double> c_nd = ComputeFromND(*data_copy, flops);
  CheckRunComputeFinite(*data_copy, flops, c_nd);
  CheckReportedCompute(*data_copy, flops, c_nd, o.compute_tolerance);

  const int threads = ResolveThreads(o.num_threads);
  // From kSplitRows rows one evaluation is split across threads (in fixed
  // chunks, so the sums do not depend on the thread count).
  if (s.pd.num_rows >= kSplitRows && threads > 1) s.pd.row_threads = threads;
  std::vector<std::vector<double>> reserve;
  const std::vector<std::vector<double>> starts =
      MakeStarts(law, s, o, threads, &reserve);

  // Polish every start; slot i always holds start i's outcome.
  const SolveSettings settings = SettingsFor(o);
  std::vector<std::unique_ptr<ResidualModel>> models(1);
  Polished run = PolishStarts(law, s, o, starts, settings, threads, &models);
  // The best start's relative projected gradient, computed once per point.
  // `graded` is the start it was computed for; -1 after any change.
  double rel_grad = kInf;
  int graded = -1;
  auto best_gradient = [&]() {
    if (graded != run.best) {
      rel_grad = RelativeGradient(s, *models[0], run.outcomes[run.best].z);
      graded = run.best;
    }
    return rel_grad;
  };
  if (o.start == "auto" && run.best >= 0 &&
      !(run.outcomes[run.best].converged &&
        best_gradient() <= kMaxRelativeGradient) &&
      !reserve.empty()) {
    // The best of the default starts is not a certified optimum (e.g. all
    // of them ended at the same kink of a piecewise law): polish the
    // next-ranked grid cells before reporting a failure.
    Logger()->debug(
        "fit '{}': best start not certified; polishing {} more "
        "grid cells",
        s.info.name, reserve.size());
    Polished extra =
        PolishStarts(law, s, o, reserve, settings, threads, &models);
    const int offset = static_cast<int>(run.outcomes.size());
    if (extra.best >= 0 &&
        extra.outcomes[extra.best].cost < run.outcomes[run.best].cost)
      run.best = offset + extra.best;
    run.outcomes.insert(run.outcomes.end(), extra.outcomes.begin(),
                        extra.outcomes.end());
    run.screened = run.screened || extra.screened;
    graded = -1;
  }
  if (run.best >= 0) {
    // A solve that stopped on the relative function tolerance short of a
    // certified point: e.g. a Huber fit with a threshold far below the
    // residuals, whose objective δΣ|r| is almost linear, so the last
    // quadratic gains (on the few residuals inside ±δ) fall below
    // function_tolerance × f while the gradient is still above the limit.
    // One more Levenberg–Marquardt pass that only the parameter and gradient
    // tolerances stop; the certification below is unchanged.
    SolveOutcome& b = run.outcomes[run.best];
    if (b.usable && b.converged && !(best_gradient() <= kMaxRelativeGradient)) {
      SolveSettings last = settings;
      last.function_tolerance =
          std::min(o.function_tolerance, kCertifyingFunctionTolerance);
      last.confirm_only = true;
      last.confirm_iterations = o.max_iterations;
      SolveOutcome c = models[0]->Solve(b.z, last);
      if (c.usable && c.cost <= b.cost) {
        c.iterations += b.iterations;
        b = std::move(c);
        graded = -1;
      }
    }
  }
  const std::vector<SolveOutcome>& outcomes = run.outcomes;
  const int num_starts = static_cast<int>(outcomes.size());
  const int best = run.best;

  FitResult r;
  r.law = law_ptr;
  r.fitted = true;
  r.has_data = true;
  r.start = o.start;
  r.num_points = data_copy->num_rows();
  r.options = o;
  r.options.control = {};  // results never keep a control
  r.num_starts = num_starts;
  r.screened = run.screened;
  r.instruction_set = law.batch_kernels() ? InstructionSet() : "scalar";
  if (summarize) r.data_summary = Summarize(*data_copy, &flops, threads);
  r.units = data_copy->units;
  r.data = data_copy;
  const std::vector<double> z_best =
      best >= 0 ? outcomes[best].z : UserToInternal(s, s.init);
  r.params = ParamValues(s, z_best);
  if (best < 0) {
    r.converged = false;
    r.objective = kInf;
    r.message = "no start reached a finite objective: " +
                (num_starts ? outcomes[0].message : std::string("no starts"));
    Warn(fmt::format("fit of '{}' failed: {}", s.info.name, r.message));
    return r;
  }
  *reached_optimum = true;
  const SolveOutcome& b = outcomes[best];
  r.objective = b.cost * s.weight_scale;
  r.iterations = b.iterations;
  const double basin_tol = run.screened ? 1e-5 : 1e-6;
  for (int i = 0; i < num_starts; ++i) {
    if (outcomes[i].usable &&
        outcomes[i].cost <= b.cost + basin_tol * std::abs(b.cost) + 1e-300)
      ++r.num_best_basin;
  }
  r.other_optima = OtherOptima(s, outcomes, best);
  r.relative_gradient = best_gradient();
  bool finite = std::isfinite(r.objective);
  for (const ParamValue& v : r.params)
    finite = finite && std::isfinite(v.value);
  if (!finite) {
    r.converged = false;
    r.message = "the best start ended at a non-finite point";
  } else if (!b.converged) {
    r.converged = false;
    r.message = "solver did not converge: " + b.message;
  } else if (rel_grad > kMaxRelativeGradient) {
    r.converged = false;
    std::ostringstream os;
    os << "solver stopped with a relative projected gradient of " << rel_grad
       << " (> 1e-6): the optimum is not certified";  // kMaxRelativeGradient
    r.message = os.str();
  } else {
    r.converged = true;
    r.message = "converged";
  }
  Logger()->debug(
      "fit '{}': {} starts, best {} (cost {:.17g}, {} its, {}), "
      "{} in best basin, rel. gradient {:.3g}",
      s.info.name, num_starts, best, b.cost, b.iterations, b.message,
      r.num_best_basin, rel_grad);
  if (!r.converged)
    Warn(fmt::format("fit of '{}': {}", s.info.name, r.message));
  // The solves are done; the set-up's vectors keep their buffers.
  if (setup) *setup = std::make_shared<const Setup>(std::move(s));
  return r;
}

}  // namespace scalefit::detail
