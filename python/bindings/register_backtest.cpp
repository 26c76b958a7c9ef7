// Bindings for backtests, the sensitivity panel and design diagnostics.
#include "common.hpp"
#include "scalefit/backtest.hpp"
#include "scalefit/diagnostics.hpp"
#include "scalefit/uncertainty.hpp"

namespace scalefit::py {

namespace {

pyb::dict RunColumns(const BacktestResult& r, int fold) {
  std::vector<int> fold_col, row;
  std::vector<double> split, dist, obs, pred, lo, hi, are, le, base, base_are;
  std::vector<std::string> kind;
  std::vector<std::vector<double>> x(r.input_names.size());
  for (const auto& run : r.runs) {
    if (fold >= 0 && run.fold != fold) continue;
    fold_col.push_back(run.fold);
    kind.push_back(r.folds[run.fold].kind);
    row.push_back(run.row);
    for (size_t j = 0; j < x.size(); ++j) x[j].push_back(run.x[j]);
    split.push_back(run.split_value);
    dist.push_back(run.distance_decades);
    obs.push_back(run.observed);
    pred.push_back(run.predicted);
    lo.push_back(run.lower);
    hi.push_back(run.upper);
    are.push_back(run.are);
    le.push_back(run.log_error);
    base.push_back(run.baseline);
    base_are.push_back(run.baseline_are);
  }
  pyb::dict d;
  d["fold"] = fold_col;
  d["kind"] = kind;
  d["row"] = row;
  for (size_t j = 0; j < x.size(); ++j)
    d[pyb::str(r.input_names[j])] = ToArray(x[j]);
  d["split_value"] = ToArray(split);
  d["distance_decades"] = ToArray(dist);
  d["observed"] = ToArray(obs);
  d["predicted"] = ToArray(pred);
  d["lower"] = ToArray(lo);
  d["upper"] = ToArray(hi);
  d["are"] = ToArray(are);
  d["log_error"] = ToArray(le);
  d["baseline"] = ToArray(base);
  d["baseline_are"] = ToArray(base_are);
  return d;
}

void AddMetrics(pyb::dict* d, const std::string& prefix,
                const std::vector<BacktestMetrics>& m) {
  std::vector<int> n;
  std::vector<double> mean, mx, rmsle, cov;
  for (const auto& v : m) {
    n.push_back(v.n);
    mean.push_back(v.mean_are);
    mx.push_back(v.max_are);
    rmsle.push_back(v.rmsle);
    cov.push_back(v.coverage);
  }
  (*d)[pyb::str(prefix + "n")] = n;
  (*d)[pyb::str(prefix + "mean_are")] = ToArray(mean);
  (*d)[pyb::str(prefix + "max_are")] = ToArray(mx);
  (*d)[pyb::str(prefix + "rmsle")] = ToArray(rmsle);
  if (prefix.empty()) (*d)["coverage"] = ToArray(cov);
}

pyb::dict FoldColumns(const BacktestResult& r) {
  std::vector<std::string> kind, label;
  std::vector<double> threshold, group, tmax, dmax, bloss;
  std::vector<int> ntrain, ntest;
  std::vector<bool> converged, identified;
  std::vector<BacktestMetrics> m, b;
  for (const auto& f : r.folds) {
    kind.push_back(f.kind);
    label.push_back(f.label);
    threshold.push_back(f.threshold);
    group.push_back(f.group_value);
    ntrain.push_back(f.num_train);
    ntest.push_back(f.num_test);
    tmax.push_back(f.train_max_split);
    dmax.push_back(f.max_distance_decades);
    bloss.push_back(f.baseline_loss);
    converged.push_back(f.fit.converged);
    identified.push_back(f.fit.diagnostics.identified);
    m.push_back(f.metrics);
    b.push_back(f.baseline);
  }
  pyb::dict d;
  d["kind"] = kind;
  d["label"] = label;
  d["threshold"] = ToArray(threshold);
  d["group_value"] = ToArray(group);
  d["num_train"] = ntrain;
  d["num_test"] = ntest;
  d["train_max_split"] = ToArray(tmax);
  d["max_distance_decades"] = ToArray(dmax);
  AddMetrics(&d, "", m);
  d["baseline_loss"] = ToArray(bloss);
  AddMetrics(&d, "baseline_", b);
  d["converged"] = converged;
  d["identified"] = identified;
  return d;
}

pyb::dict DistanceColumns(const BacktestResult& r) {
  std::vector<double> lo, hi;
  std::vector<BacktestMetrics> m, b;
  for (const auto& bin : r.by_distance) {
    lo.push_back(bin.lo);
    hi.push_back(bin.hi);
    m.push_back(bin.metrics);
    b.push_back(bin.baseline);
  }
  pyb::dict d;
  d["decades_lo"] = ToArray(lo);
  d["decades_hi"] = ToArray(hi);
  AddMetrics(&d, "", m);
  AddMetrics(&d, "baseline_", b);
  return d;
}

void FillOptions(BacktestOptions* o, const std::string& split,
                 const pyb::object& split_values, const pyb::object& threshold,
                 bool rolling, const std::vector<double>& rolling_thresholds,
                 double rolling_step, int max_rolling, bool leave_group_out,
                 const std::string& group_by, int num_groups_out,
                 double group_tolerance, int num_threads,
                 const pyb::object& level, const std::string& interval) {
  if (!level.is_none()) {
    // Delta-method intervals of each fold's fit (uncertainty.hpp).
    const IntervalKind kind = ParseIntervalKind(interval);
    o->interval_level = level.cast<double>();
    CheckLevel(o->interval_level, "backtest");
    o->intervals = [kind](const FitResult& fit, const std::vector<double>& x,
                          double lvl, std::vector<double>* lo,
                          std::vector<double>* hi) {
      const PredictionTable t = PredictInterval(fit, x, lvl, kind);
      *lo = t.lower;
      *hi = t.upper;
    };
  }
  o->split = split;
  if (!split_values.is_none())
    o->split_values = ToVector(
        pyb::array_t<double, pyb::array::forcecast>::ensure(split_values),
        "split_values");
  if (!threshold.is_none()) o->threshold = threshold.cast<double>();
  o->rolling = rolling;
  o->rolling_thresholds = rolling_thresholds;
  o->rolling_step_decades = rolling_step;
  o->max_rolling = max_rolling;
  o->leave_group_out = leave_group_out;
  o->group_by = group_by;
  o->num_groups_out = num_groups_out;
  o->group_tolerance = group_tolerance;
  o->num_threads = num_threads;
}

}  // namespace

void RegisterBacktest(pyb::module_& m) {
  // Element types of BacktestResult, bound only so that it pickles.
  pyb::class_<BacktestRun>(m, "_BacktestRun")
      .def(PickleFields<BacktestRun>(
          &BacktestRun::fold, &BacktestRun::row, &BacktestRun::x,
          &BacktestRun::split_value, &BacktestRun::distance_decades,
          &BacktestRun::observed, &BacktestRun::predicted, &BacktestRun::lower,
          &BacktestRun::upper, &BacktestRun::are, &BacktestRun::log_error,
          &BacktestRun::baseline, &BacktestRun::baseline_are));
  pyb::class_<DistanceBin>(m, "_DistanceBin")
      .def(PickleFields<DistanceBin>(&DistanceBin::lo, &DistanceBin::hi,
                                     &DistanceBin::metrics,
                                     &DistanceBin::baseline));
  // --- diagnostics ----------------------------------------------------------
  pyb::class_<DiagnosticWarning>(m, "DiagnosticWarning")
      .def_readonly("code", &DiagnosticWarning::code)
      .def_readonly("message", &DiagnosticWarning::message)
      .def("__repr__",
           [](const DiagnosticWarning& w) {
             return "[" + w.code + "] " + w.message;
           })
      .def(PickleFields<DiagnosticWarning>(&DiagnosticWarning::code,
                                           &DiagnosticWarning::message));
  pyb::class_<ParamCorrelation>(m, "ParamCorrelation")
      .def_readonly("first", &ParamCorrelation::first)
      .def_readonly("second", &ParamCorrelation::second)
      .def_readonly("value", &ParamCorrelation::value)
      .def("__repr__",
           [](const ParamCorrelation& c) {
             return "corr(" + c.first + ", " + c.second +
                    ") = " + FormatFull(c.value);
           })
      .def(PickleFields<ParamCorrelation>(&ParamCorrelation::first,
                                          &ParamCorrelation::second,
                                          &ParamCorrelation::value));
  pyb::class_<WeakParameter>(m, "WeakParameter")
      .def_readonly("name", &WeakParameter::name)
      .def_readonly("estimate", &WeakParameter::estimate)
      .def_readonly("lower", &WeakParameter::lower)
      .def_readonly("upper", &WeakParameter::upper)
      .def_readonly("level", &WeakParameter::level)
      .def_readonly("reason", &WeakParameter::reason)
      .def("__repr__", [](const WeakParameter& w) { return w.reason; })
      .def(PickleFields<WeakParameter>(
          &WeakParameter::name, &WeakParameter::estimate, &WeakParameter::lower,
          &WeakParameter::upper, &WeakParameter::level,
          &WeakParameter::reason));
  pyb::class_<CompetingBasin>(m, "CompetingBasin")
      .def_readonly("params", &CompetingBasin::params)
      .def_readonly("objective", &CompetingBasin::objective)
      .def_readonly("deviance", &CompetingBasin::deviance)
      .def(PickleFields<CompetingBasin>(&CompetingBasin::params,
                                        &CompetingBasin::objective,
                                        &CompetingBasin::deviance));
  pyb::class_<Diagnostics>(m, "Diagnostics")
      .def_readonly("computed", &Diagnostics::computed)
      .def_readonly("num_points", &Diagnostics::num_points)
      .def_readonly("num_free_params", &Diagnostics::num_free_params)
      .def_readonly("input_names", &Diagnostics::input_names)
      .def_readonly("num_distinct", &Diagnostics::num_distinct)
      .def_readonly("span_decades", &Diagnostics::span_decades)
      .def_readonly("has_compute", &Diagnostics::has_compute)
      .def_readonly("num_distinct_compute", &Diagnostics::num_distinct_compute)
      .def_readonly("compute_span_decades", &Diagnostics::compute_span_decades)
      .def_readonly("has_tokens_per_param", &Diagnostics::has_tokens_per_param)
      .def_readonly("tokens_per_param_min", &Diagnostics::tokens_per_param_min)
      .def_readonly("tokens_per_param_median",
                    &Diagnostics::tokens_per_param_median)
      .def_readonly("tokens_per_param_max", &Diagnostics::tokens_per_param_max)
      .def_readonly("tokens_per_param_spread_decades",
                    &Diagnostics::tokens_per_param_spread_decades)
      .def_readonly("condition_number", &Diagnostics::condition_number)
      .def_readonly("correlations", &Diagnostics::correlations)
      .def_readonly("sigma", &Diagnostics::sigma)
      .def_readonly("exponent_names", &Diagnostics::exponent_names)
      .def_readonly("exponent_rel_se", &Diagnostics::exponent_rel_se)
      .def_readonly("at_bound", &Diagnostics::at_bound)
      .def_readonly("floor_name", &Diagnostics::floor_name)
      .def_readonly("floor_value", &Diagnostics::floor_value)
      .def_readonly("min_loss", &Diagnostics::min_loss)
      .def_readonly("floor_at_min_loss", &Diagnostics::floor_at_min_loss)
      .def_readonly("profile_checked", &Diagnostics::profile_checked)
      .def_readonly("weak_parameters", &Diagnostics::weak_parameters)
      .def_readonly("competing_basins", &Diagnostics::competing_basins)
      .def_readonly("identified", &Diagnostics::identified)
      .def_readonly("warnings", &Diagnostics::warnings)
      .def("has_warning", &Diagnostics::HasWarning, pyb::arg("code"))
      .def("warning_text", &Diagnostics::WarningText)
      .def("brief_report", &Diagnostics::BriefReport)
      .def("full_report", &Diagnostics::FullReport)
      .def("__repr__", &Diagnostics::BriefReport)
      .def(PickleFields<Diagnostics>(
          &Diagnostics::computed, &Diagnostics::num_points,
          &Diagnostics::num_free_params, &Diagnostics::input_names,
          &Diagnostics::num_distinct, &Diagnostics::span_decades,
          &Diagnostics::has_compute, &Diagnostics::num_distinct_compute,
          &Diagnostics::compute_span_decades,
          &Diagnostics::has_tokens_per_param,
          &Diagnostics::tokens_per_param_min,
          &Diagnostics::tokens_per_param_median,
          &Diagnostics::tokens_per_param_max,
          &Diagnostics::tokens_per_param_spread_decades,
          &Diagnostics::condition_number, &Diagnostics::correlations,
          &Diagnostics::sigma, &Diagnostics::exponent_names,
          &Diagnostics::exponent_rel_se, &Diagnostics::at_bound,
          &Diagnostics::floor_name, &Diagnostics::floor_value,
          &Diagnostics::min_loss, &Diagnostics::floor_at_min_loss,
          &Diagnostics::profile_checked, &Diagnostics::weak_parameters,
          &Diagnostics::competing_basins, &Diagnostics::identified,
          &Diagnostics::warnings));
  m.def(
      "fit_diagnostics",
      [](const FitResult& r) {
        return r.diagnostics.computed || !r.has_data ? r.diagnostics
                                                     : Diagnose(r);
      },
      pyb::arg("fit"), "The design diagnostics of a fit.");
  m.def("require_identified", &RequireIdentified, pyb::arg("fit"),
        pyb::arg("allow_unidentified") = false);
  m.def("unidentified_note", &UnidentifiedNote, pyb::arg("fit"));

  // --- backtests ------------------------------------------------------------
  pyb::class_<BacktestMetrics>(m, "BacktestMetrics")
      .def_readonly("n", &BacktestMetrics::n)
      .def_readonly("mean_are", &BacktestMetrics::mean_are)
      .def_readonly("max_are", &BacktestMetrics::max_are)
      .def_readonly("rmsle", &BacktestMetrics::rmsle)
      .def_readonly("coverage", &BacktestMetrics::coverage)
      .def(PickleFields<BacktestMetrics>(
          &BacktestMetrics::n, &BacktestMetrics::mean_are,
          &BacktestMetrics::max_are, &BacktestMetrics::rmsle,
          &BacktestMetrics::coverage));
  pyb::class_<BacktestFold>(m, "BacktestFold")
      .def_readonly("kind", &BacktestFold::kind)
      .def_readonly("label", &BacktestFold::label)
      .def_readonly("threshold", &BacktestFold::threshold)
      .def_readonly("group_value", &BacktestFold::group_value)
      .def_readonly("num_train", &BacktestFold::num_train)
      .def_readonly("num_test", &BacktestFold::num_test)
      .def_readonly("train_max_split", &BacktestFold::train_max_split)
      .def_readonly("max_distance_decades", &BacktestFold::max_distance_decades)
      .def_readonly("baseline_loss", &BacktestFold::baseline_loss)
      .def_readonly("fit", &BacktestFold::fit)
      .def_readonly("metrics", &BacktestFold::metrics)
      .def_readonly("baseline", &BacktestFold::baseline)
      .def(PickleFields<BacktestFold>(
          &BacktestFold::kind, &BacktestFold::label, &BacktestFold::threshold,
          &BacktestFold::group_value, &BacktestFold::num_train,
          &BacktestFold::num_test, &BacktestFold::train_max_split,
          &BacktestFold::max_distance_decades, &BacktestFold::baseline_loss,
          &BacktestFold::fit, &BacktestFold::metrics, &BacktestFold::baseline));
  pyb::class_<BacktestResult>(m, "BacktestResult")
      .def_readonly("law", &BacktestResult::law)
      .def_readonly("input_names", &BacktestResult::input_names)
      .def_readonly("objective", &BacktestResult::objective)
      .def_readonly("split", &BacktestResult::split)
      .def_readonly("threshold", &BacktestResult::threshold)
      .def_readonly("has_intervals", &BacktestResult::has_intervals)
      .def_readonly("interval_level", &BacktestResult::interval_level)
      .def_readonly("group_by", &BacktestResult::group_by)
      .def_readonly("folds", &BacktestResult::folds)
      .def_property_readonly("mean_are", &BacktestResult::mean_are)
      .def_property_readonly("max_are", &BacktestResult::max_are)
      .def_property_readonly("rmsle", &BacktestResult::rmsle)
      .def_property_readonly("coverage", &BacktestResult::coverage)
      .def("run_columns", &RunColumns, pyb::arg("fold") = 0,
           "Held-out runs of one fold (-1 = all) as named columns.")
      .def("fold_columns", &FoldColumns)
      .def("distance_columns", &DistanceColumns)
      .def("brief_report", &BacktestResult::BriefReport)
      .def("full_report", &BacktestResult::FullReport)
      .def("__repr__", &BacktestResult::BriefReport)
      .def(PickleFields<BacktestResult>(
          &BacktestResult::law, &BacktestResult::input_names,
          &BacktestResult::objective, &BacktestResult::split,
          &BacktestResult::threshold, &BacktestResult::has_intervals,
          &BacktestResult::interval_level, &BacktestResult::group_by,
          &BacktestResult::folds, &BacktestResult::runs,
          &BacktestResult::by_distance));

  m.def(
      "backtest",
      [](const LawPtr& law, const pyb::dict& inputs,
         const pyb::array_t<double, pyb::array::forcecast>& loss,
         const pyb::object& weights, const pyb::object& groups,
         const FitOptions& fit_options, const std::string& split,
         const pyb::object& split_values, const pyb::object& threshold,
         bool rolling, const std::vector<double>& rolling_thresholds,
         double rolling_step, int max_rolling, bool leave_group_out,
         const std::string& group_by, int num_groups_out,
         double group_tolerance, int num_threads, const pyb::object& level,
         const std::string& interval, const pyb::object& progress) {
        Observations obs = MakeObservations(
            law->info().input_names, ToColumns(inputs), ToVector(loss, "loss"),
            weights.is_none()
                ? std::vector<double>{}
                : ToVector(pyb::array_t<double, pyb::array::forcecast>::ensure(
                               weights),
                           "weights"),
            groups.is_none() ? std::vector<std::int64_t>{}
                             : groups.cast<std::vector<std::int64_t>>());
        BacktestOptions o;
        o.fit = fit_options;
        FillOptions(&o, split, split_values, threshold, rolling,
                    rolling_thresholds, rolling_step, max_rolling,
                    leave_group_out, group_by, num_groups_out, group_tolerance,
                    num_threads, level, interval);
        o.control = PythonControl(progress);
        return WithoutGil([&] { return Backtest(law, obs, o); });
      },
      pyb::arg("law"), pyb::arg("inputs"), pyb::arg("loss"),
      pyb::arg("weights") = pyb::none(), pyb::arg("groups") = pyb::none(),
      pyb::arg("options") = FitOptions{}, pyb::arg("split") = "compute",
      pyb::arg("split_values") = pyb::none(),
      pyb::arg("threshold") = pyb::none(), pyb::arg("rolling") = true,
      pyb::arg("rolling_thresholds") = std::vector<double>{},
      pyb::arg("rolling_step") = 0.5, pyb::arg("max_rolling") = 6,
      pyb::arg("leave_group_out") = true, pyb::arg("group_by") = "",
      pyb::arg("num_groups_out") = 1, pyb::arg("group_tolerance") = 0.02,
      pyb::arg("num_threads") = 1, pyb::arg("level") = pyb::none(),
      pyb::arg("interval") = "prediction", pyb::arg("progress") = pyb::none(),
      "Backtest a law on runs (the GIL is released while refitting).");
  m.def(
      "backtest_fit",
      [](const FitResult& fit, const std::string& split,
         const pyb::object& split_values, const pyb::object& threshold,
         bool rolling, const std::vector<double>& rolling_thresholds,
         double rolling_step, int max_rolling, bool leave_group_out,
         const std::string& group_by, int num_groups_out,
         double group_tolerance, int num_threads, const pyb::object& level,
         const std::string& interval, const pyb::object& progress) {
        BacktestOptions o;
        FillOptions(&o, split, split_values, threshold, rolling,
                    rolling_thresholds, rolling_step, max_rolling,
                    leave_group_out, group_by, num_groups_out, group_tolerance,
                    num_threads, level, interval);
        o.control = PythonControl(progress);
        return WithoutGil([&] { return Backtest(fit, o); });
      },
      pyb::arg("fit"), pyb::arg("split") = "compute",
      pyb::arg("split_values") = pyb::none(),
      pyb::arg("threshold") = pyb::none(), pyb::arg("rolling") = true,
      pyb::arg("rolling_thresholds") = std::vector<double>{},
      pyb::arg("rolling_step") = 0.5, pyb::arg("max_rolling") = 6,
      pyb::arg("leave_group_out") = true, pyb::arg("group_by") = "",
      pyb::arg("num_groups_out") = 1, pyb::arg("group_tolerance") = 0.02,
      pyb::arg("num_threads") = 1, pyb::arg("level") = pyb::none(),
      pyb::arg("interval") = "prediction", pyb::arg("progress") = pyb::none(),
      "Backtest the recipe (law, data, options) of a fit.");

  // --- sensitivity panel
  // ------------------------------------------------------
  pyb::class_<SensitivityRow>(m, "SensitivityRow")
      .def_readonly("objective", &SensitivityRow::objective)
      .def_readonly("fit", &SensitivityRow::fit)
      .def_readonly("a", &SensitivityRow::a)
      .def_readonly("N_opt", &SensitivityRow::N_opt)
      .def_readonly("D_opt", &SensitivityRow::D_opt)
      .def_readonly("loss_opt", &SensitivityRow::loss_opt)
      .def_readonly("note", &SensitivityRow::note)
      .def(PickleFields<SensitivityRow>(
          &SensitivityRow::objective, &SensitivityRow::fit, &SensitivityRow::a,
          &SensitivityRow::N_opt, &SensitivityRow::D_opt,
          &SensitivityRow::loss_opt, &SensitivityRow::note));
  pyb::class_<SensitivityPanel>(m, "SensitivityPanel")
      .def_readonly("law", &SensitivityPanel::law)
      .def_readonly("budget", &SensitivityPanel::budget)
      .def_readonly("flop_convention", &SensitivityPanel::flop_convention)
      .def_readonly("rows", &SensitivityPanel::rows)
      .def_readonly("a_spread", &SensitivityPanel::a_spread)
      .def_readonly("N_opt_ratio", &SensitivityPanel::N_opt_ratio)
      .def_readonly("loss_opt_rel_spread",
                    &SensitivityPanel::loss_opt_rel_spread)
      .def("brief_report", &SensitivityPanel::BriefReport)
      .def("full_report", &SensitivityPanel::FullReport)
      .def("__repr__", &SensitivityPanel::BriefReport)
      .def(PickleFields<SensitivityPanel>(
          &SensitivityPanel::law, &SensitivityPanel::budget,
          &SensitivityPanel::rows, &SensitivityPanel::a_spread,
          &SensitivityPanel::N_opt_ratio,
          &SensitivityPanel::loss_opt_rel_spread,
          &SensitivityPanel::flop_convention));
  m.def(
      "sensitivity",
      [](const FitResult& fit, double budget,
         const std::vector<std::string>& objectives, bool allow_unidentified,
         const pyb::object& progress) {
        std::vector<Objective> objs;
        for (const auto& s : objectives) objs.push_back(ParseObjective(s));
        const RunControl control = PythonControl(progress);
        return WithoutGil([&] {
          return Sensitivity(fit, budget, objs, allow_unidentified, control);
        });
      },
      pyb::arg("fit"), pyb::arg("budget"),
      pyb::arg("objectives") = std::vector<std::string>{},
      pyb::arg("allow_unidentified") = false,
      pyb::arg("progress") = pyb::none());
}

}  // namespace scalefit::py
