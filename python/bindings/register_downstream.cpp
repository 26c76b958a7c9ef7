// Bindings for downstream.hpp (ladders, chained task forecasts, cards) and
// emergence.hpp.
#include "common.hpp"
#include "scalefit/csv.hpp"
#include "scalefit/downstream.hpp"
#include "scalefit/emergence.hpp"

namespace scalefit::py {

namespace {

using downstream::ChainOptions;
using downstream::ChainPrediction;
using downstream::ExportTable;
using downstream::Ladder;
using downstream::LadderOptions;
using downstream::LadderRun;
using downstream::MetricSpec;
using downstream::TaskChain;
using downstream::TaskSpec;

pyb::array_t<bool> Bools(const std::vector<unsigned char>& v) {
  pyb::array_t<bool> out(static_cast<pyb::ssize_t>(v.size()));
  auto w = out.mutable_unchecked<1>();
  for (size_t i = 0; i < v.size(); ++i) w(i) = v[i] != 0;
  return out;
}

pyb::array_t<double> Rows(const std::vector<double>& v, int rows) {
  const size_t cols = rows > 0 ? v.size() / rows : 0;
  pyb::array_t<double> out(
      {static_cast<pyb::ssize_t>(rows), static_cast<pyb::ssize_t>(cols)});
  auto w = out.mutable_unchecked<2>();
  for (int i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) w(i, j) = v[i * cols + j];
  return out;
}

// The ladder's columns for a pandas frame: run, N, D, C, step, target and
// one entry per metric (insertion order).
pyb::dict LadderColumns(const Ladder& l) {
  pyb::dict d;
  d["run"] = l.run;
  d["N"] = ToArray(l.N);
  d["D"] = ToArray(l.D);
  d["C"] = ToArray(l.C);
  d["step"] = ToArray(l.step);
  d["target"] = Bools(l.target);
  for (size_t j = 0; j < l.metric_names.size(); ++j)
    d[pyb::str(l.metric_names[j])] = ToArray(l.metrics[j]);
  return d;
}

}  // namespace

void RegisterDownstream(pyb::module_& m) {
  // --- ingestion -----------------------------------------------------------
  pyb::class_<ExportTable>(m, "ExportTable")
      .def_readonly("source", &ExportTable::source)
      .def_readonly("columns", &ExportTable::columns)
      .def_readonly("lines", &ExportTable::lines)
      .def("num_rows", &ExportTable::num_rows);
  m.def(
      "export_from_csv",
      [](const std::string& path) {
        return downstream::ExportFromCsv(ReadCsv(path));
      },
      pyb::arg("path"), "An evaluation export read from a CSV file.");
  m.def(
      "export_from_csv_text",
      [](const std::string& text, const std::string& source) {
        return downstream::ExportFromCsv(ParseCsv(text, source));
      },
      pyb::arg("text"), pyb::arg("source"));
  m.def(
      "export_from_columns",
      [](const std::string& source, const std::vector<std::string>& names,
         const std::vector<pyb::array_t<double, pyb::array::forcecast>>&
             values) {
        if (names.size() != values.size())
          throw InvalidArgument(source + ": " + std::to_string(names.size()) +
                                " column names for " +
                                std::to_string(values.size()) + " columns");
        ExportTable t;
        t.source = source;
        t.columns = names;
        for (size_t j = 0; j < values.size(); ++j)
          t.values.push_back(ToVector(values[j], names[j]));
        for (size_t j = 1; j < t.values.size(); ++j)
          if (t.values[j].size() != t.values[0].size())
            throw InvalidArgument(source + ": column '" + names[j] +
                                  "' has a different length");
        return t;
      },
      pyb::arg("source"), pyb::arg("names"), pyb::arg("values"),
      "An evaluation export from in-memory columns (NaN = empty cell; rows "
      "are named by their 0-based index).");

  pyb::class_<MetricSpec>(m, "MetricSpec")
      .def(pyb::init<>())
      .def_readwrite("name", &MetricSpec::name)
      .def_readwrite("columns", &MetricSpec::columns)
      .def_readwrite("weights", &MetricSpec::weights);
  pyb::class_<LadderRun>(m, "LadderRun")
      .def(pyb::init<>())
      .def_readwrite("name", &LadderRun::name)
      .def_readwrite("N", &LadderRun::N)
      .def_readwrite("flops_per_token", &LadderRun::flops_per_token)
      .def_readwrite("target", &LadderRun::target)
      .def_readwrite("table", &LadderRun::table);
  pyb::class_<LadderOptions>(m, "LadderOptions")
      .def(pyb::init<>())
      .def_readwrite("metrics", &LadderOptions::metrics)
      .def_readwrite("tokens_column", &LadderOptions::tokens_column)
      .def_readwrite("step_column", &LadderOptions::step_column)
      .def_readwrite("batch_column", &LadderOptions::batch_column)
      .def_readwrite("batch_size", &LadderOptions::batch_size)
      .def_readwrite("flop_convention", &LadderOptions::flop_convention)
      .def_readwrite("on_missing", &LadderOptions::on_missing)
      .def("is_valid", &IsValidPair<LadderOptions>);

  pyb::class_<Ladder>(m, "Ladder")
      .def_readonly("metric_names", &Ladder::metric_names)
      .def_readonly("dropped", &Ladder::dropped)
      .def("num_rows", &Ladder::num_rows)
      .def("runs", &Ladder::runs)
      .def("columns", &LadderColumns);
  m.def(
      "ladder_from_columns",
      [](const std::vector<std::string>& run,
         const pyb::array_t<double, pyb::array::forcecast>& N,
         const pyb::array_t<double, pyb::array::forcecast>& D,
         const pyb::array_t<double, pyb::array::forcecast>& C,
         const pyb::array_t<double, pyb::array::forcecast>& step,
         const std::vector<bool>& target, const std::vector<std::string>& names,
         const std::vector<pyb::array_t<double, pyb::array::forcecast>>&
             metrics) {
        Ladder l;
        l.run = run;
        l.N = ToVector(N, "N");
        l.D = ToVector(D, "D");
        l.C = ToVector(C, "C");
        l.step = ToVector(step, "step");
        for (bool t : target) l.target.push_back(t);
        l.metric_names = names;
        for (size_t j = 0; j < metrics.size(); ++j)
          l.metrics.push_back(
              ToVector(metrics[j], j < names.size() ? names[j] : "metric"));
        l.Validate();
        return l;
      },
      pyb::arg("run"), pyb::arg("N"), pyb::arg("D"), pyb::arg("C"),
      pyb::arg("step"), pyb::arg("target"), pyb::arg("names"),
      pyb::arg("metrics"));
  m.def("read_ladder", &downstream::ReadLadder, pyb::arg("runs"),
        pyb::arg("options"));
  m.def("skip_first", &downstream::SkipFirst, pyb::arg("ladder"),
        pyb::arg("fraction"), pyb::arg("include_targets") = false);
  m.def("smooth", &downstream::Smooth, pyb::arg("ladder"), pyb::arg("window"),
        pyb::arg("metrics") = std::vector<std::string>{});
  m.def("final_checkpoints", &downstream::FinalCheckpoints, pyb::arg("ladder"),
        pyb::arg("average") = 1);
  m.def("olmo_ladder", &downstream::OlmoLadder);

  // --- emergence -----------------------------------------------------------
  pyb::class_<EmergenceOptions>(m, "EmergenceOptions")
      .def(pyb::init<>())
      .def_readwrite("alpha", &EmergenceOptions::alpha)
      .def_readwrite("forecast_alpha", &EmergenceOptions::forecast_alpha)
      .def_readwrite("onset_threshold", &EmergenceOptions::onset_threshold)
      .def_readwrite("margin", &EmergenceOptions::margin)
      .def_readwrite("ceiling", &EmergenceOptions::ceiling)
      .def_readwrite("extra_sd", &EmergenceOptions::extra_sd)
      .def("is_valid", &IsValidPair<EmergenceOptions>);
  pyb::class_<EmergenceResult>(m, "EmergenceResult")
      .def_property_readonly(
          "kind", [](const EmergenceResult& r) { return ToString(r.kind); })
      .def_readonly("forecastable", &EmergenceResult::forecastable)
      .def_readonly("at_chance_at_top", &EmergenceResult::at_chance_at_top)
      .def_readonly("at_chance", &EmergenceResult::at_chance)
      .def_readonly("options", &EmergenceResult::options)
      .def_property_readonly(
          "compute",
          [](const EmergenceResult& r) { return ToArray(r.compute); })
      .def_property_readonly(
          "scores", [](const EmergenceResult& r) { return ToArray(r.scores); })
      .def_property_readonly(
          "n_items",
          [](const EmergenceResult& r) { return ToArray(r.n_items); })
      .def_property_readonly(
          "above_chance_p",
          [](const EmergenceResult& r) { return ToArray(r.above_chance_p); })
      .def_readonly("chance", &EmergenceResult::chance)
      .def_readonly("top_p", &EmergenceResult::top_p)
      .def_readonly("bottom_p", &EmergenceResult::bottom_p)
      .def_readonly("intercept", &EmergenceResult::intercept)
      .def_readonly("slope", &EmergenceResult::slope)
      .def_readonly("slope_se", &EmergenceResult::slope_se)
      .def_readonly("slope_p", &EmergenceResult::slope_p)
      .def_readonly("dispersion", &EmergenceResult::dispersion)
      .def_readonly("chi2_linear", &EmergenceResult::chi2_linear)
      .def_readonly("weighted_mean", &EmergenceResult::weighted_mean)
      .def_readonly("chi2_constant", &EmergenceResult::chi2_constant)
      .def_readonly("constant_p", &EmergenceResult::constant_p)
      .def_readonly("chi2_onset", &EmergenceResult::chi2_onset)
      .def_readonly("onset_log10_compute",
                    &EmergenceResult::onset_log10_compute)
      .def_readonly("onset_steepness", &EmergenceResult::onset_steepness)
      .def_readonly("onset_converged", &EmergenceResult::onset_converged)
      .def_readonly("delta_chi2", &EmergenceResult::delta_chi2)
      .def_readonly("onset_lower_bound", &EmergenceResult::onset_lower_bound)
      .def_readonly("top_compute", &EmergenceResult::top_compute)
      .def_readonly("statement", &EmergenceResult::statement)
      .def("brief_report", &EmergenceResult::BriefReport)
      .def("full_report", &EmergenceResult::FullReport);
  m.def("classify_emergence", &ClassifyEmergence, pyb::arg("compute"),
        pyb::arg("scores"), pyb::arg("chance"), pyb::arg("n_items"),
        pyb::arg("options") = EmergenceOptions{});

  // --- chains --------------------------------------------------------------
  pyb::class_<TaskSpec>(m, "TaskSpec")
      .def(pyb::init<>())
      .def_readwrite("name", &TaskSpec::name)
      .def_readwrite("intermediate", &TaskSpec::intermediate)
      .def_readwrite("metric", &TaskSpec::metric)
      .def_readwrite("chance", &TaskSpec::chance)
      .def_readwrite("ceiling", &TaskSpec::ceiling)
      .def_readwrite("n_items", &TaskSpec::n_items)
      .def("is_valid", &IsValidPair<TaskSpec>);
  m.def("olmo_tasks", &downstream::OlmoTasks);
  pyb::class_<ChainOptions>(m, "ChainOptions")
      .def(pyb::init<>())
      .def_readwrite("step1_law", &ChainOptions::step1_law)
      .def_readwrite("step1", &ChainOptions::step1)
      .def_readwrite("final_average", &ChainOptions::final_average)
      .def_readwrite("link", &ChainOptions::link)
      .def_readwrite("step2", &ChainOptions::step2)
      .def_readwrite("skip_fraction", &ChainOptions::skip_fraction)
      .def_readwrite("smoothing", &ChainOptions::smoothing)
      .def_readwrite("ideal_point", &ChainOptions::ideal_point)
      .def_readwrite("floor", &ChainOptions::floor)
      .def_readwrite("single_step", &ChainOptions::single_step)
      .def_readwrite("interval", &ChainOptions::interval)
      .def_readwrite("num_replicates", &ChainOptions::num_replicates)
      .def_readwrite("seed", &ChainOptions::seed)
      .def_readwrite("num_threads", &ChainOptions::num_threads)
      .def_readwrite("max_retries", &ChainOptions::max_retries)
      .def_readwrite("emergence", &ChainOptions::emergence)
      .def("is_valid", &IsValidPair<ChainOptions>);

  pyb::class_<ChainPrediction>(m, "ChainPrediction")
      .def_readonly("task", &ChainPrediction::task)
      .def_property_readonly(
          "N", [](const ChainPrediction& p) { return ToArray(p.N); })
      .def_property_readonly(
          "D", [](const ChainPrediction& p) { return ToArray(p.D); })
      .def_property_readonly(
          "C", [](const ChainPrediction& p) { return ToArray(p.C); })
      .def_property_readonly(
          "decades_beyond",
          [](const ChainPrediction& p) { return ToArray(p.decades_beyond); })
      .def_property_readonly(
          "intermediate",
          [](const ChainPrediction& p) { return ToArray(p.intermediate); })
      .def_property_readonly("intermediate_lower",
                             [](const ChainPrediction& p) {
                               return ToArray(p.intermediate_lower);
                             })
      .def_property_readonly("intermediate_upper",
                             [](const ChainPrediction& p) {
                               return ToArray(p.intermediate_upper);
                             })
      .def_property_readonly(
          "metric", [](const ChainPrediction& p) { return ToArray(p.metric); })
      .def_property_readonly(
          "metric_lower",
          [](const ChainPrediction& p) { return ToArray(p.metric_lower); })
      .def_property_readonly(
          "metric_upper",
          [](const ChainPrediction& p) { return ToArray(p.metric_upper); })
      .def_property_readonly(
          "single_step",
          [](const ChainPrediction& p) { return ToArray(p.single_step); })
      .def_property_readonly(
          "single_step_lower",
          [](const ChainPrediction& p) { return ToArray(p.single_step_lower); })
      .def_property_readonly(
          "single_step_upper",
          [](const ChainPrediction& p) { return ToArray(p.single_step_upper); })
      .def_property_readonly(
          "forecast",
          [](const ChainPrediction& p) { return Bools(p.forecast); })
      .def_readonly("level", &ChainPrediction::level)
      .def_readonly("method", &ChainPrediction::method)
      .def_readonly("num_replicates", &ChainPrediction::num_replicates)
      .def_readonly("statement", &ChainPrediction::statement)
      .def("brief_report", &ChainPrediction::BriefReport)
      .def("full_report", &ChainPrediction::FullReport);

  pyb::class_<TaskChain>(m, "TaskChain")
      .def_readonly("task", &TaskChain::task)
      .def_readonly("options", &TaskChain::options)
      .def_readonly("step1", &TaskChain::step1)
      .def_readonly("step2", &TaskChain::step2)
      .def_readonly("single_step", &TaskChain::single_step)
      .def_readonly("has_single_step", &TaskChain::has_single_step)
      .def_readonly("runs", &TaskChain::runs)
      .def_property_readonly(
          "run_N", [](const TaskChain& c) { return ToArray(c.run_N); })
      .def_readonly("step2_run", &TaskChain::step2_run)
      .def_property_readonly(
          "final_C", [](const TaskChain& c) { return ToArray(c.final_C); })
      .def_property_readonly(
          "final_metric",
          [](const TaskChain& c) { return ToArray(c.final_metric); })
      .def_readonly("max_ladder_C", &TaskChain::max_ladder_C)
      .def_readonly("max_ladder_ND", &TaskChain::max_ladder_ND)
      .def_readonly("emergence", &TaskChain::emergence)
      .def_readonly("has_emergence", &TaskChain::has_emergence)
      .def_readonly("num_replicates", &TaskChain::num_replicates)
      .def_readonly("num_failed", &TaskChain::num_failed)
      .def_readonly("num_single_step_failed",
                    &TaskChain::num_single_step_failed)
      .def_property_readonly(
          "single_step_converged",
          [](const TaskChain& c) { return Bools(c.single_step_converged); })
      .def_property_readonly(
          "converged", [](const TaskChain& c) { return Bools(c.converged); })
      .def_property_readonly("step1_samples",
                             [](const TaskChain& c) {
                               return Rows(c.step1_samples, c.num_replicates);
                             })
      .def_property_readonly("step2_samples",
                             [](const TaskChain& c) {
                               return Rows(c.step2_samples, c.num_replicates);
                             })
      .def_readonly("seconds", &TaskChain::seconds)
      .def(
          "predict",
          [](const TaskChain& c,
             const pyb::array_t<double, pyb::array::forcecast>& N,
             const pyb::array_t<double, pyb::array::forcecast>& D, double level,
             const std::string& method) {
            const std::vector<double> n = ToVector(N, "N"),
                                      d = ToVector(D, "D");
            pyb::gil_scoped_release release;
            return c.Predict(n, d, level, method);
          },
          pyb::arg("N"), pyb::arg("D"), pyb::arg("level") = 0.9,
          pyb::arg("method") = "")
      .def("brief_report", &TaskChain::BriefReport)
      .def("full_report", &TaskChain::FullReport);

  m.def(
      "fit_chain",
      [](const Ladder& l, const TaskSpec& t, ChainOptions o,
         const pyb::object& progress) {
        o.control = PythonControl(progress);
        return WithoutGil([&] { return downstream::FitChain(l, t, o); });
      },
      pyb::arg("ladder"), pyb::arg("task"),
      pyb::arg("options") = ChainOptions{}, pyb::arg("progress") = pyb::none(),
      "Fit a task chain (the GIL is released; Ctrl-C and progress as fit).");
  m.def(
      "fit_chains",
      [](const Ladder& l, const std::vector<TaskSpec>& t, ChainOptions o,
         const pyb::object& progress) {
        o.control = PythonControl(progress);
        return WithoutGil([&] { return downstream::FitChains(l, t, o); });
      },
      pyb::arg("ladder"), pyb::arg("tasks"),
      pyb::arg("options") = ChainOptions{}, pyb::arg("progress") = pyb::none(),
      "Fit the chains of several tasks (as fit_chain).");
  m.def("task_chain_to_string", &downstream::TaskChainToString,
        pyb::arg("chain"), pyb::arg("indent") = 2);
  m.def("task_chain_from_string", &downstream::TaskChainFromString,
        pyb::arg("json"), pyb::arg("source") = "<string>");
  m.def("load_task_chain", &downstream::LoadTaskChain, pyb::arg("path"));
}

}  // namespace scalefit::py
