// Fitting: options, the result, fit(), from_params().
#include "common.hpp"

namespace scalefit::py {

namespace {

FitResult FitPy(const LawPtr& law, const pyb::dict& inputs,
                const pyb::array_t<double, pyb::array::forcecast>& loss,
                const pyb::object& weights, const pyb::object& groups,
                const FitOptions& options, const pyb::object& compute,
                const std::map<std::string, double>& units,
                const pyb::object& progress) {
  Observations obs = MakeObservations(
      law->info().input_names, ToColumns(inputs), ToVector(loss, "loss"),
      weights.is_none()
          ? std::vector<double>{}
          : ToVector(
                pyb::array_t<double, pyb::array::forcecast>::ensure(weights),
                "weights"),
      groups.is_none() ? std::vector<std::int64_t>{}
                       : groups.cast<std::vector<std::int64_t>>());
  if (!compute.is_none())
    obs.compute = ToVector(
        pyb::array_t<double, pyb::array::forcecast>::ensure(compute), "C");
  ConvertUnits(&obs, units);
  FitOptions o = options;
  o.control = PythonControl(progress);
  return WithoutGil([&] { return Fit(law, obs, o); });
}

// Named input columns as row-major rows in the law's input order.
std::vector<double> RowMajor(const FitResult& r, const pyb::dict& inputs) {
  const auto cols = ToColumns(inputs);
  const LawInfo& info = r.law->info();
  std::vector<const std::vector<double>*> in;
  for (const auto& name : info.input_names) {
    const auto it = cols.find(name);
    if (it == cols.end())
      throw InvalidArgument("missing input '" + name + "' of law '" +
                            info.name + "'");
    in.push_back(&it->second);
  }
  const size_t n = in.empty() ? 0 : in[0]->size();
  std::vector<double> x;
  for (size_t i = 0; i < n; ++i)
    for (const auto* c : in) {
      if (c->size() != n) throw InvalidArgument("inputs of different lengths");
      x.push_back((*c)[i]);
    }
  return x;
}

pyb::dict ParamsDict(const FitResult& r) {
  pyb::dict d;
  for (const auto& p : r.params) d[pyb::str(p.name)] = p.value;
  return d;
}

}  // namespace

void RegisterFit(pyb::module_& m) {
  // The objective as a member of pickled FitOptions (Python sets it by name).
  pyb::enum_<Objective>(m, "_Objective")
      .value("huber_log", Objective::kHuberLog)
      .value("mse_log", Objective::kMseLog)
      .value("mse", Objective::kMse);
  pyb::class_<FitOptions>(m, "FitOptions")
      .def(pyb::init<>())
      .def_property(
          "objective",
          [](const FitOptions& o) { return ToString(o.objective); },
          [](FitOptions& o, const std::string& s) {
            o.objective = ParseObjective(s);
          })
      .def_readwrite("delta", &FitOptions::delta)
      .def_readwrite("init", &FitOptions::init)
      .def_readwrite("bounds", &FitOptions::bounds)
      .def_readwrite("fixed", &FitOptions::fixed)
      .def_readwrite("ties", &FitOptions::ties)
      .def_readwrite("start", &FitOptions::start)
      .def_readwrite("grid", &FitOptions::grid)
      .def_readwrite("grid_points", &FitOptions::grid_points)
      .def_readwrite("max_grid_cells", &FitOptions::max_grid_cells)
      .def_readwrite("max_scoring_rows", &FitOptions::max_scoring_rows)
      .def_readwrite("num_polish", &FitOptions::num_polish)
      .def_readwrite("max_iterations", &FitOptions::max_iterations)
      .def_readwrite("function_tolerance", &FitOptions::function_tolerance)
      .def_readwrite("parameter_tolerance", &FitOptions::parameter_tolerance)
      .def_readwrite("gradient_tolerance", &FitOptions::gradient_tolerance)
      .def_readwrite("screening_tolerance", &FitOptions::screening_tolerance)
      .def_readwrite("num_refined", &FitOptions::num_refined)
      .def_readwrite("num_threads", &FitOptions::num_threads)
      .def_readwrite("flop_convention", &FitOptions::flop_convention)
      .def_readwrite("architecture", &FitOptions::architecture)
      .def_readwrite("compute_tolerance", &FitOptions::compute_tolerance)
      .def_readwrite("profile_check", &FitOptions::profile_check)
      .def("is_valid", &IsValidPair<FitOptions>)
      .def(PickleFields<FitOptions>(
          &FitOptions::objective, &FitOptions::delta, &FitOptions::init,
          &FitOptions::bounds, &FitOptions::fixed, &FitOptions::ties,
          &FitOptions::start, &FitOptions::grid, &FitOptions::grid_points,
          &FitOptions::max_grid_cells, &FitOptions::max_scoring_rows,
          &FitOptions::num_polish, &FitOptions::max_iterations,
          &FitOptions::function_tolerance, &FitOptions::parameter_tolerance,
          &FitOptions::gradient_tolerance, &FitOptions::screening_tolerance,
          &FitOptions::num_refined, &FitOptions::num_threads,
          &FitOptions::flop_convention, &FitOptions::architecture,
          &FitOptions::compute_tolerance, &FitOptions::profile_check));

  pyb::class_<ParamValue>(m, "ParamValue")
      .def_readonly("name", &ParamValue::name)
      .def_readonly("value", &ParamValue::value)
      .def_readonly("lower", &ParamValue::lower)
      .def_readonly("upper", &ParamValue::upper)
      .def_readonly("fixed", &ParamValue::fixed)
      .def_readonly("tied_to", &ParamValue::tied_to)
      .def_readonly("at_bound", &ParamValue::at_bound)
      .def(PickleFields<ParamValue>(&ParamValue::name, &ParamValue::value,
                                    &ParamValue::lower, &ParamValue::upper,
                                    &ParamValue::fixed, &ParamValue::tied_to,
                                    &ParamValue::at_bound));

  pyb::class_<DataSummary>(m, "DataSummary")
      .def_readonly("num_rows", &DataSummary::num_rows)
      .def_readonly("input_names", &DataSummary::input_names)
      .def_readonly("min", &DataSummary::min)
      .def_readonly("max", &DataSummary::max)
      .def_readonly("num_distinct", &DataSummary::num_distinct)
      .def_readonly("loss_min", &DataSummary::loss_min)
      .def_readonly("loss_max", &DataSummary::loss_max)
      .def_readonly("compute_min", &DataSummary::compute_min)
      .def_readonly("compute_max", &DataSummary::compute_max)
      .def_readonly("compute_source", &DataSummary::compute_source)
      .def_readonly("hash", &DataSummary::hash)
      .def(PickleFields<DataSummary>(
          &DataSummary::num_rows, &DataSummary::input_names, &DataSummary::min,
          &DataSummary::max, &DataSummary::num_distinct, &DataSummary::loss_min,
          &DataSummary::loss_max, &DataSummary::compute_min,
          &DataSummary::compute_max, &DataSummary::compute_source,
          &DataSummary::hash));

  pyb::class_<FitResult>(m, "FitResult")
      // Pickles through its fit card with the data: exact (shortest
      // round-trip decimals), validated on load like any card.
      .def(pyb::pickle(
          [](const FitResult& r) {
            FitCardOptions o;
            o.include_data = true;
            o.indent = -1;
            return pyb::make_tuple(FitCardToString(r, o));
          },
          [](const pyb::tuple& state) {
            if (state.size() != 1)
              throw InvalidArgument("unpickling FitResult: bad state");
            return FitCardFromString(state[0].cast<std::string>(), "<pickle>");
          }))
      .def_readonly("law", &FitResult::law)
      .def_property_readonly("params", &ParamsDict)
      .def_readonly("param_values", &FitResult::params)
      .def_property_readonly("values", &FitResult::values)
      .def_readonly("fitted", &FitResult::fitted)
      .def_readonly("has_data", &FitResult::has_data)
      .def_readonly("converged", &FitResult::converged)
      .def_readonly("relative_gradient", &FitResult::relative_gradient)
      .def_readonly("units", &FitResult::units)
      .def("flop_model", &FitResult::flop_model)
      .def_readonly("message", &FitResult::message)
      .def_readonly("objective", &FitResult::objective)
      .def_readonly("iterations", &FitResult::iterations)
      .def_readonly("num_starts", &FitResult::num_starts)
      .def_readonly("num_best_basin", &FitResult::num_best_basin)
      .def_readonly("screened", &FitResult::screened)
      .def_readonly("instruction_set", &FitResult::instruction_set)
      .def_readonly("start", &FitResult::start)
      // Derived from `options` (the one record of the objective and delta).
      .def_property_readonly(
          "objective_name",
          [](const FitResult& r) { return ToString(r.options.objective); })
      .def_property_readonly("delta",
                             [](const FitResult& r) { return r.options.delta; })
      .def_readonly("num_points", &FitResult::num_points)
      .def_readonly("options", &FitResult::options)
      .def_readonly("data_summary", &FitResult::data_summary)
      .def(
          "predict",
          [](const FitResult& r, const pyb::dict& inputs) {
            return ToArray(r.Predict(ToColumns(inputs)));
          },
          pyb::arg("inputs"))
      .def(
          "compute_at",
          [](const FitResult& r, const pyb::dict& inputs) {
            return ToArray(r.ComputeAt(RowMajor(r, inputs)));
          },
          pyb::arg("inputs"),
          "Training compute (FLOPs) of each row under the fit's convention.")
      .def(
          "decades_beyond_data",
          [](const FitResult& r, const pyb::dict& inputs) {
            return ToArray(r.DecadesBeyondData(RowMajor(r, inputs)));
          },
          pyb::arg("inputs"),
          "Decades of compute beyond the largest fitted run, per row.")
      .def(
          "extrapolation_warning",
          [](const FitResult& r, const pyb::dict& inputs) {
            return r.ExtrapolationWarning(RowMajor(r, inputs));
          },
          pyb::arg("inputs"),
          "The extrapolation warning line for these rows, or ''.")
      .def(
          "residuals",
          [](const FitResult& r) { return ToArray(r.Residuals()); },
          "Raw residuals of the stored data in the objective's space "
          "(log L̂ − log L, or L̂ − L for mse), row order.")
      .def(
          "stored_data",
          [](const FitResult& r) -> pyb::object {
            if (!r.has_data || !r.data) return pyb::none();
            // Conversion only: the stored observations as named columns.
            const Observations& obs = *r.data;
            const int n = obs.num_rows(), k = obs.num_inputs();
            pyb::dict d;
            for (int j = 0; j < k; ++j) {
              std::vector<double> col(n);
              for (int i = 0; i < n; ++i) col[i] = obs.x[i * k + j];
              d[pyb::str(obs.input_names[j])] = ToArray(col);
            }
            d["loss"] = ToArray(obs.loss);
            if (!obs.weights.empty()) d["weights"] = ToArray(obs.weights);
            if (!obs.compute.empty()) d["C"] = ToArray(obs.compute);
            return d;
          },
          "The stored observations as columns (inputs, loss, weights if "
          "any), or None without data.")
      .def("brief_report", &FitResult::BriefReport)
      .def("full_report", &FitResult::FullReport)
      .def("__repr__", &FitResult::BriefReport);

  m.def("fit", &FitPy, pyb::arg("law"), pyb::arg("inputs"), pyb::arg("loss"),
        pyb::arg("weights") = pyb::none(), pyb::arg("groups") = pyb::none(),
        pyb::arg("options") = FitOptions{}, pyb::arg("compute") = pyb::none(),
        pyb::arg("units") = std::map<std::string, double>{},
        pyb::arg("progress") = pyb::none(),
        "Fit a law (the GIL is released while the solver runs; Ctrl-C stops "
        "it; `progress` gets scalefit.Progress updates). `compute` is the "
        "runs' reported C (FLOPs), `units` the factors the inputs are in.");
  m.def(
      "from_params",
      [](const LawPtr& law, const std::map<std::string, double>& params,
         const std::string& conv,
         const std::optional<flops::Architecture>& arch) {
        return FromParams(law, params, conv, arch);
      },
      pyb::arg("law"), pyb::arg("params"), pyb::arg("flop_convention") = "6ND",
      pyb::arg("architecture") = pyb::none());
  m.def("parse_unit", &ParseUnit, pyb::arg("name"), pyb::arg("unit"),
        "A unit factor from '1e6', 'K', 'M', 'B', 'T' or 'PF-day'.");
  m.def(
      "check_optimum",
      [](const FitResult& r) {
        const OptimumCheck c = CheckOptimum(r);
        return std::make_pair(c.objective, c.relative_gradient);
      },
      pyb::arg("result"),
      "(objective, relative_gradient) recomputed on the attached data.");
  m.attr("MAX_RELATIVE_GRADIENT") = kMaxRelativeGradient;
  m.attr("EXTRAPOLATION_WARNING_DECADES") = kExtrapolationWarningDecades;
  m.def("format_full", &FormatFull);
  m.def("format_short", &FormatShort, pyb::arg("v"), pyb::arg("digits") = 6,
        "v to `digits` significant digits (what people read).");
}

}  // namespace scalefit::py
