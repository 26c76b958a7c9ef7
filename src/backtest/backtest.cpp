// Backtests (backtest.hpp): fit on the smaller runs, predict the held-out
// larger ones, and score the forecasts.
#include "scalefit/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "scalefit/allocation.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/run_state.hpp"
#include "scalefit/detail/text_table.hpp"
#include "scalefit/detail/threads.hpp"
#include "scalefit/diagnostics.hpp"
#include "scalefit/error.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/limits.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSnap = 1e-9;  // automatic thresholds sit just below a value

std::string Short(double v, int digits = 4) { return FormatShort(v, digits); }
std::string Runs(int n) {
  return std::to_string(n) + (n == 1 ? " run" : " runs");
}

// The split quantity per row and its description.
struct SplitQuantity {
  std::vector<double> values;
  std::string name;  // "C = 6ND", "C = kaplan", "C", "N", ...
};

SplitQuantity MakeSplit(const LawInfo& info, const Observations& data,
                        const BacktestOptions& o) {
  const int n = data.num_rows();
  const int k = data.num_inputs();
  SplitQuantity s;
  auto column = [&](int j) {
    std::vector<double> v(n);
    for (int i = 0; i < n; ++i) v[i] = data.x[i * k + j];
    return v;
  };
  std::string inputs;
  for (const auto& in : info.input_names)
    inputs += (inputs.empty() ? "" : ", ") + in;
  if (o.split == "compute") {
    const int iC = info.FindInput("C");
    const int iN = info.FindInput("N"), iD = info.FindInput("D");
    if (iC >= 0) {
      s.values = column(iC);
      s.name = "C";
    } else if (!o.split_values.empty()) {
      if (static_cast<int>(o.split_values.size()) != n)
        throw InvalidArgument("backtest: split_values has " +
                              std::to_string(o.split_values.size()) +
                              " rows but the data has " + std::to_string(n));
      for (int i = 0; i < n; ++i) {
        const double v = o.split_values[i];
        if (!std::isfinite(v) || !(v > 0))
          throw InvalidArgument("backtest: split value (C) at row " +
                                std::to_string(i) + " (0-based) is " +
                                FormatFull(v) + "; it must be finite and > 0");
      }
      s.values = o.split_values;
      s.name = "C";
    } else if (!data.compute.empty()) {
      s.values = data.compute;  // the compute the data report
      s.name = "C";
    } else if (iN >= 0 && iD >= 0) {
      // Each run's compute under the fit's FLOP convention.
      const FlopModel flops = FlopModel::FromConvention(
          o.fit.flop_convention,
          o.fit.architecture ? &*o.fit.architecture : nullptr);
      s.values = RunCompute(data, &flops);
      s.name = "C = " + flops.name();
    } else if (info.num_inputs() == 1) {
      s.values = column(0);
      s.name = info.input_names[0];
    } else {
      throw InvalidArgument(
          "backtest: split 'compute' needs an input C, inputs N and D, or "
          "split_values; law '" +
          info.name + "' takes (" + inputs +
          "): pass split=<one of its inputs>");
    }
  } else {
    const int j = info.FindInput(o.split);
    if (j < 0)
      throw UnknownName("backtest: unknown split '" + o.split + "' for law '" +
                        info.name + "'; valid: compute, " + inputs);
    s.values = column(j);
    s.name = o.split;
  }
  return s;
}

int NumFree(const LawInfo& info, const FitOptions& f) {
  return info.num_params() - static_cast<int>(f.fixed.size()) -
         static_cast<int>(f.ties.size());
}

Observations Subset(const Observations& d, const std::vector<int>& rows) {
  Observations o;
  o.input_names = d.input_names;
  const int k = d.num_inputs();
  for (int i : rows) {
    o.x.insert(o.x.end(), d.x.begin() + i * k, d.x.begin() + (i + 1) * k);
    o.loss.push_back(d.loss[i]);
    if (!d.weights.empty()) o.weights.push_back(d.weights[i]);
    if (!d.groups.empty()) o.groups.push_back(d.groups[i]);
  }
  return o;
}

// A fold to run: which rows train, which are held out.
struct FoldPlan {
  std::string kind, label;
  double threshold = kNaN, group_value = kNaN;
  std::vector<int> train, test;
};

BacktestMetrics Metrics(const std::vector<const BacktestRun*>& runs,
                        bool baseline, bool intervals) {
  BacktestMetrics m;
  m.n = static_cast<int>(runs.size());
  if (runs.empty()) return m;
  double sum = 0, mx = 0, sq = 0;
  int covered = 0;
  for (const BacktestRun* r : runs) {
    const double are = baseline ? r->baseline_are : r->are;
    const double le =
        baseline ? std::log(r->baseline / r->observed) : r->log_error;
    sum += are;
    mx = std::max(mx, are);
    sq += std::isfinite(le) ? le * le : kInf;
    if (intervals && r->lower <= r->observed && r->observed <= r->upper)
      ++covered;
  }
  m.mean_are = sum / m.n;
  m.max_are = mx;
  m.rmsle = std::sqrt(sq / m.n);
  if (intervals && !baseline) m.coverage = static_cast<double>(covered) / m.n;
  return m;
}

std::string ValidRange(const std::vector<double>& v, int need) {
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  const int n = static_cast<int>(s.size());
  if (n < 2 * need) {
    return "no threshold can: the data have " + std::to_string(n) +
           " runs, fewer than 2 x " + std::to_string(need);
  }
  return "valid thresholds lie in (" + FormatFull(s[need - 1]) + ", " +
         FormatFull(s[n - need]) + "]";
}

}  // namespace

std::vector<BacktestRun> BacktestResult::FoldRuns(int fold) const {
  std::vector<BacktestRun> out;
  for (const auto& r : runs)
    if (r.fold == fold) out.push_back(r);
  return out;
}

BacktestResult Backtest(const LawPtr& law, const Observations& data,
                        const BacktestOptions& o) {
  const detail::ScopedRun run(o.control);
  if (!law) throw InvalidArgument("backtest: law is null");
  const LawInfo& info = law->info();
  std::string why;
  if (!o.fit.IsValid(&why))
    throw InvalidArgument("backtest: invalid fit options: " + why);
  if (data.input_names != info.input_names) {
    std::string want, got;
    for (const auto& s : info.input_names)
      want += (want.empty() ? "" : ", ") + s;
    for (const auto& s : data.input_names) got += (got.empty() ? "" : ", ") + s;
    throw InvalidArgument("backtest: law '" + info.name + "' takes inputs (" +
                          want + ") but the data has (" + got + ")");
  }
  ValidateObservations(data, 1);
  if (!(o.rolling_step_decades > 0) || !std::isfinite(o.rolling_step_decades))
    throw InvalidArgument(
        "backtest: rolling_step_decades must be finite and > 0");
  if (o.max_rolling < 0)
    throw InvalidArgument("backtest: max_rolling must be >= 0");
  if (o.num_groups_out < 1)
    throw InvalidArgument("backtest: num_groups_out must be >= 1");
  if (!(o.group_tolerance >= 0) || !std::isfinite(o.group_tolerance))
    throw InvalidArgument("backtest: group_tolerance must be finite and >= 0");
  if (const std::string p =
          detail::ThreadsProblem("num_threads", o.num_threads);
      !p.empty())
    throw InvalidArgument("backtest: " + p);
  if (!o.control.IsValid(&why)) throw InvalidArgument("backtest: " + why);
  const bool intervals = static_cast<bool>(o.intervals);
  if (intervals && !(o.interval_level > 0 && o.interval_level < 1))
    throw InvalidArgument("backtest: interval_level must be in (0, 1), got " +
                          FormatFull(o.interval_level));

  const int n = data.num_rows();
  const SplitQuantity sq = MakeSplit(info, data, o);
  const std::vector<double>& s = sq.values;
  const int need = NumFree(info, o.fit) + 1;
  const double smax = *std::max_element(s.begin(), s.end());

  auto split_rows = [&](double t, std::vector<int>* train,
                        std::vector<int>* test) {
    for (int i = 0; i < n; ++i) (s[i] < t ? train : test)->push_back(i);
  };

  // The split.
  double threshold = o.threshold;
  if (std::isnan(threshold)) {
    std::vector<double> desc = s;
    std::sort(desc.begin(), desc.end(), std::greater<double>());
    // Runs within 1e-9 (relative) of an automatic threshold count as held
    // out, so that a budget computed as 6·N·D rounds the same way every time.
    threshold = smax / 10.0 * (1.0 - kSnap);
    if (need - 1 < n) threshold = std::min(threshold, desc[need - 1]);
  }
  if (!std::isfinite(threshold) || !(threshold > 0))
    throw InvalidArgument("backtest: threshold must be finite and > 0, got " +
                          FormatFull(threshold));
  std::vector<FoldPlan> plans;
  auto make_threshold_plan = [&](const std::string& kind, double t,
                                 bool strict) -> bool {
    FoldPlan p;
    p.kind = kind;
    p.threshold = t;
    p.label = sq.name + " < " + FormatShort(t, 4);
    split_rows(t, &p.train, &p.test);
    const int a = static_cast<int>(p.train.size());
    const int b = static_cast<int>(p.test.size());
    if (a < need || b < need) {
      if (!strict) return false;
      throw InvalidArgument(
          "backtest: threshold " + FormatFull(t) + " on " + sq.name +
          " leaves " + std::to_string(a) + " runs below it (training) and " +
          std::to_string(b) +
          " at or above it (held out); each side needs "
          "at least free parameters + 1 = " +
          std::to_string(need) + " runs; " + ValidRange(s, need));
    }
    plans.push_back(std::move(p));
    return true;
  };
  make_threshold_plan("split", threshold, true);

  // Rolling origin.
  if (o.rolling) {
    if (!o.rolling_thresholds.empty()) {
      for (double t : o.rolling_thresholds) {
        if (!std::isfinite(t) || !(t > 0))
          throw InvalidArgument("backtest: rolling threshold " + FormatFull(t) +
                                " must be finite and > 0");
        make_threshold_plan("rolling", t, true);
      }
    } else {
      for (int j = 1; j <= o.max_rolling; ++j) {
        const double t =
            smax * std::pow(10.0, -o.rolling_step_decades * j) * (1.0 - kSnap);
        make_threshold_plan("rolling", t, false);
      }
    }
  }

  // Leave-one-group-out.
  std::string group_by;
  if (o.leave_group_out) {
    group_by = o.group_by;
    if (group_by.empty())
      group_by = info.FindInput("N") >= 0 ? "N" : std::string("split");
    std::vector<int> label(n, -1);
    std::vector<double> gvalue;  // representative value per group (max)
    std::vector<double> key(n);
    if (group_by == "groups") {
      if (data.groups.empty())
        throw InvalidArgument(
            "backtest: group_by 'groups' but the data has no group labels");
      std::map<std::int64_t, int> ids;
      for (int i = 0; i < n; ++i) {
        auto it = ids.emplace(data.groups[i], static_cast<int>(ids.size()));
        label[i] = it.first->second;
      }
      gvalue.assign(ids.size(), 0.0);
      for (int i = 0; i < n; ++i)
        gvalue[label[i]] = std::max(gvalue[label[i]], s[i]);
    } else {
      if (group_by == "split") {
        key = s;
        group_by = sq.name;
      } else {
        const int j = info.FindInput(group_by);
        if (j < 0) {
          std::string inputs;
          for (const auto& in : info.input_names)
            inputs += (inputs.empty() ? "" : ", ") + in;
          throw UnknownName("backtest: unknown group_by '" + group_by +
                            "'; valid: " + inputs + ", groups");
        }
        for (int i = 0; i < n; ++i) key[i] = data.x[i * data.num_inputs() + j];
      }
      std::vector<int> order(n);
      for (int i = 0; i < n; ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return key[a] < key[b]; });
      int g = -1;
      double prev = 0.0;
      for (int i : order) {
        if (g < 0 || key[i] > prev * (1.0 + o.group_tolerance)) {
          ++g;
          gvalue.push_back(key[i]);
        }
        label[i] = g;
        gvalue[g] = key[i];
        prev = key[i];
      }
    }
    const int num_groups = static_cast<int>(gvalue.size());
    std::vector<int> gorder(num_groups);
    for (int g = 0; g < num_groups; ++g) gorder[g] = g;
    std::stable_sort(gorder.begin(), gorder.end(),
                     [&](int a, int b) { return gvalue[a] > gvalue[b]; });
    if (num_groups < 2)
      throw InvalidArgument(
          "backtest: leave-one-group-out needs at least 2 "
          "groups of " +
          group_by + ", found " + std::to_string(num_groups) +
          "; pass leave_group_out=false");
    const int k_out = std::min(o.num_groups_out, num_groups - 1);
    for (int q = 0; q < k_out; ++q) {
      const int g = gorder[q];
      FoldPlan p;
      p.kind = "leave_group_out";
      p.group_value = gvalue[g];
      p.label = "leave out " + group_by + " ~ " + FormatShort(gvalue[g], 4);
      for (int i = 0; i < n; ++i)
        (label[i] == g ? p.test : p.train).push_back(i);
      if (static_cast<int>(p.train.size()) < need)
        throw InvalidArgument(
            "backtest: leaving out " + group_by + " ~ " +
            FormatShort(gvalue[g], 4) + " leaves " +
            std::to_string(p.train.size()) +
            " training runs; fitting needs free parameters + 1 = " +
            std::to_string(need) + "; pass leave_group_out=false");
      plans.push_back(std::move(p));
    }
  }

  // Run the folds (slot f always holds fold f).
  const int F = static_cast<int>(plans.size());
  std::vector<BacktestFold> folds(F);
  std::vector<std::vector<BacktestRun>> fold_runs(F);
  const int k = data.num_inputs();
  detail::Stage stage("backtest folds", F);
  detail::ParallelFor(
      F, detail::ResolveThreads(o.num_threads), [&](int, int f) {
        const FoldPlan& p = plans[f];
        BacktestFold& fold = folds[f];
        fold.kind = p.kind;
        fold.label = p.label;
        fold.threshold = p.threshold;
        fold.group_value = p.group_value;
        fold.num_train = static_cast<int>(p.train.size());
        fold.num_test = static_cast<int>(p.test.size());
        fold.fit = Fit(law, Subset(data, p.train), o.fit);
        fold.train_max_split = 0.0;
        fold.baseline_loss = kInf;
        for (int i : p.train) {
          fold.train_max_split = std::max(fold.train_max_split, s[i]);
          fold.baseline_loss = std::min(fold.baseline_loss, data.loss[i]);
        }
        std::vector<double> x;
        for (int i : p.test)
          x.insert(x.end(), data.x.begin() + i * k,
                   data.x.begin() + (i + 1) * k);
        const std::vector<double> pv = fold.fit.values();
        std::vector<double> pred(p.test.size());
        law->EvaluateMany(pv.data(), x.data(), static_cast<int>(p.test.size()),
                          pred.data());
        std::vector<double> lo, hi;
        if (intervals) {
          o.intervals(fold.fit, x, o.interval_level, &lo, &hi);
          if (lo.size() != p.test.size() || hi.size() != p.test.size())
            throw InvalidArgument("backtest: the interval function returned " +
                                  std::to_string(lo.size()) + "/" +
                                  std::to_string(hi.size()) + " bounds for " +
                                  std::to_string(p.test.size()) +
                                  " held-out runs");
        }
        fold.max_distance_decades = -kInf;
        for (size_t t = 0; t < p.test.size(); ++t) {
          const int i = p.test[t];
          BacktestRun r;
          r.fold = f;
          r.row = i;
          r.x.assign(data.x.begin() + i * k, data.x.begin() + (i + 1) * k);
          r.split_value = s[i];
          r.distance_decades = std::log10(s[i] / fold.train_max_split);
          r.observed = data.loss[i];
          const bool ok = std::isfinite(pred[t]) && pred[t] > 0;
          r.predicted = ok ? pred[t] : kNaN;
          r.are = ok ? std::abs(pred[t] - r.observed) / r.observed : kInf;
          r.log_error = ok ? std::log(pred[t] / r.observed) : kInf;
          if (intervals) {
            r.lower = lo[t];
            r.upper = hi[t];
          }
          r.baseline = fold.baseline_loss;
          r.baseline_are = std::abs(r.baseline - r.observed) / r.observed;
          fold.max_distance_decades =
              std::max(fold.max_distance_decades, r.distance_decades);
          fold_runs[f].push_back(std::move(r));
        }
        std::vector<const BacktestRun*> ptrs;
        for (const auto& r : fold_runs[f]) ptrs.push_back(&r);
        fold.metrics = Metrics(ptrs, false, intervals);
        fold.baseline = Metrics(ptrs, true, false);
        stage.Advance();
      });

  BacktestResult res;
  res.law = info.name;
  res.input_names = info.input_names;
  res.objective = ToString(o.fit.objective);
  res.split = sq.name;
  res.threshold = threshold;
  res.has_intervals = intervals;
  if (intervals) res.interval_level = o.interval_level;
  res.group_by = group_by;
  res.folds = std::move(folds);
  for (auto& fr : fold_runs)
    for (auto& r : fr) res.runs.push_back(std::move(r));

  // Error against distance: rolling folds (or the split if none).
  bool any_rolling = false;
  for (const auto& f : res.folds)
    any_rolling = any_rolling || f.kind == "rolling";
  const std::string source = any_rolling ? "rolling" : "split";
  double dmax = 0.0;
  for (const auto& r : res.runs)
    if (res.folds[r.fold].kind == source)
      dmax = std::max(dmax, r.distance_decades);
  const double w = o.rolling_step_decades;
  const int nbins = std::max(1, static_cast<int>(std::ceil(dmax / w)));
  for (int b = 0; b < nbins; ++b) {
    DistanceBin bin;
    bin.lo = b * w;
    bin.hi = (b + 1) * w;
    std::vector<const BacktestRun*> in;
    for (const auto& r : res.runs) {
      if (res.folds[r.fold].kind != source) continue;
      const bool last = b == nbins - 1;
      if (r.distance_decades >= bin.lo &&
          (r.distance_decades < bin.hi ||
           (last && r.distance_decades <= bin.hi)))
        in.push_back(&r);
    }
    if (in.empty()) continue;
    bin.metrics = Metrics(in, false, intervals);
    bin.baseline = Metrics(in, true, false);
    res.by_distance.push_back(bin);
  }
  return res;
}

BacktestResult Backtest(const FitResult& fit, BacktestOptions options) {
  if (!fit.has_data || !fit.data)
    throw InvalidArgument(
        "backtest: this result has no data (from given parameters); pass the "
        "law and the runs instead");
  options.fit = fit.options;
  return Backtest(fit.law, *fit.data, options);
}

std::string BacktestResult::BriefReport() const {
  if (folds.empty()) return "BacktestResult(empty)";
  const BacktestFold& f = split_fold();
  std::ostringstream os;
  os << "BacktestResult(" << law << ", " << objective << ": train " << split
     << " < " << Short(threshold) << " (" << f.num_train << " runs), "
     << f.num_test << " held out up to " << Short(f.max_distance_decades, 3)
     << " decades; mean ARE " << FormatPercent(mean_are()) << ", max "
     << FormatPercent(max_are()) << "; baseline "
     << FormatPercent(f.baseline.mean_are);
  if (has_intervals) os << "; coverage " << FormatPercent(coverage());
  os << ")";
  return os.str();
}

std::string BacktestResult::FullReport() const {
  std::ostringstream os;
  if (folds.empty()) return "scalefit backtest: empty\n";
  const BacktestFold& f = split_fold();
  auto metrics_line = [&](const BacktestMetrics& m) {
    std::ostringstream l;
    l << "mean ARE " << FormatShort(m.mean_are) << " ("
      << FormatPercent(m.mean_are) << "), max ARE " << FormatShort(m.max_are)
      << " (" << FormatPercent(m.max_are) << "), RMSLE "
      << FormatShort(m.rmsle);
    if (!std::isnan(m.coverage)) l << ", coverage " << FormatShort(m.coverage);
    return l.str();
  };
  os << "scalefit backtest\n";
  os << "  law:         " << law << " (objective " << objective
     << "; every fold refitted from scratch)\n";
  os << "  split:       train on " << split << " < " << FormatShort(threshold)
     << " (" << f.num_train << " runs, largest " << Short(f.train_max_split)
     << "); " << f.num_test << " held out, up to "
     << Short(f.max_distance_decades, 3)
     << (Short(f.max_distance_decades, 3) == "1" ? " decade" : " decades")
     << " beyond\n";
  os << "  model:       " << metrics_line(f.metrics) << "\n";
  os << "  baseline:    best observed loss (every held-out run predicted at "
        "the lowest training loss, "
     << FormatShort(f.baseline_loss) << "): " << metrics_line(f.baseline)
     << "\n";
  os << "  verdict:     "
     << (f.metrics.mean_are < f.baseline.mean_are
             ? "the law beats the baseline by " +
                   Short(f.baseline.mean_are / f.metrics.mean_are, 3) +
                   "x in mean ARE"
             : std::string("the law does NOT beat the baseline"))
     << "\n";
  os << "  fit:         " << f.fit.BriefReport() << "\n";
  if (!f.fit.diagnostics.warnings.empty()) {
    os << "  fit warnings:\n";
    for (const auto& w : f.fit.diagnostics.warnings)
      os << "    [" << w.code << "] " << w.message << "\n";
  }
  os << "  held-out runs (" << split << " split):\n";
  {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head = {"row"};
    head.insert(head.end(), input_names.begin(), input_names.end());
    for (const char* h : {"decades", "observed", "predicted"})
      head.push_back(h);
    if (has_intervals) {
      head.push_back("lower");
      head.push_back("upper");
    }
    head.push_back("ARE");
    head.push_back("baseline ARE");
    rows.push_back(head);
    for (const auto& r : runs) {
      if (r.fold != 0) continue;
      std::vector<std::string> row = {std::to_string(r.row)};
      for (double v : r.x) row.push_back(Short(v));
      row.push_back(Short(r.distance_decades, 3));
      row.push_back(FormatShort(r.observed));
      row.push_back(FormatShort(r.predicted));
      if (has_intervals) {
        row.push_back(FormatShort(r.lower));
        row.push_back(FormatShort(r.upper));
      }
      row.push_back(FormatPercent(r.are));
      row.push_back(FormatPercent(r.baseline_are));
      rows.push_back(row);
    }
    os << detail::TextColumns(rows, "    ");
  }
  bool rolling = false;
  for (const auto& g : folds) rolling = rolling || g.kind == "rolling";
  if (rolling) {
    os << "  rolling origin:\n";
    std::vector<std::vector<std::string>> rows = {
        {"threshold", "train", "held out", "max dec.", "mean ARE", "max ARE",
         "RMSLE", "baseline mean ARE", ""}};
    for (const auto& g : folds) {
      if (g.kind != "rolling") continue;
      std::string note = g.fit.converged ? "" : "(fit NOT converged)";
      if (!g.fit.diagnostics.identified)
        note += std::string(note.empty() ? "" : " ") + "(NOT identified)";
      rows.push_back(
          {Short(g.threshold), std::to_string(g.num_train),
           std::to_string(g.num_test), Short(g.max_distance_decades, 3),
           FormatPercent(g.metrics.mean_are), FormatPercent(g.metrics.max_are),
           Short(g.metrics.rmsle, 4), FormatPercent(g.baseline.mean_are),
           note});
    }
    os << detail::TextColumns(rows, "    ");
  }
  if (!by_distance.empty()) {
    os << "  error vs extrapolation distance (decades of " << split
       << " beyond the largest training run; "
       << (rolling ? "all rolling folds" : "the split") << "):\n";
    for (const auto& b : by_distance) {
      os << "    " << PadRight(Short(b.lo, 3) + "-" + Short(b.hi, 3), 10)
         << PadRight(Runs(b.metrics.n), 10) << "mean ARE "
         << PadRight(FormatPercent(b.metrics.mean_are), 10) << "max ARE "
         << PadRight(FormatPercent(b.metrics.max_are), 10)
         << "baseline mean ARE " << FormatPercent(b.baseline.mean_are);
      if (!std::isnan(b.metrics.coverage))
        os << "  coverage " << Short(b.metrics.coverage, 3);
      os << "\n";
    }
  }
  bool logo = false;
  for (const auto& g : folds) logo = logo || g.kind == "leave_group_out";
  if (logo) {
    os << "  leave one group out (" << group_by << "):\n";
    for (const auto& g : folds) {
      if (g.kind != "leave_group_out") continue;
      os << "    " << PadRight(g.label, 28) << PadRight(Runs(g.num_test), 10)
         << "mean ARE " << PadRight(FormatPercent(g.metrics.mean_are), 10)
         << "max ARE " << PadRight(FormatPercent(g.metrics.max_are), 10)
         << "baseline mean ARE " << FormatPercent(g.baseline.mean_are)
         << (g.fit.converged ? "" : "  (fit NOT converged)") << "\n";
    }
  }
  return os.str();
}

}  // namespace scalefit
