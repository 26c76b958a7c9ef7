// Bindings for uncertainty.hpp: covariance, delta-method intervals, the
// bootstrap and its percentile intervals.
#include <algorithm>

#include "common.hpp"
#include "scalefit/uncertainty.hpp"

namespace scalefit::py {

namespace {

// Named input columns -> row-major x in the law's input order.
std::vector<double> RowMajor(const LawInfo& info, const pyb::dict& inputs) {
  const auto cols = ToColumns(inputs);
  for (const auto& [name, v] : cols)
    if (info.FindInput(name) < 0)
      throw UnknownName("predict: unknown input '" + name + "' for law '" +
                        info.name + "'");
  size_t n = 0;
  bool first = true;
  for (const auto& name : info.input_names) {
    auto it = cols.find(name);
    if (it == cols.end())
      throw InvalidArgument("predict: missing input '" + name + "'");
    if (!first && it->second.size() != n)
      throw InvalidArgument("predict: input '" + name + "' has " +
                            std::to_string(it->second.size()) +
                            " values, the first input has " +
                            std::to_string(n));
    n = it->second.size();
    first = false;
  }
  const int k = info.num_inputs();
  std::vector<double> x(n * k);
  for (int j = 0; j < k; ++j) {
    const auto& col = cols.at(info.input_names[j]);
    for (size_t i = 0; i < n; ++i) x[i * k + j] = col[i];
  }
  return x;
}

pyb::array_t<double> Matrix(const std::vector<double>& v, size_t rows,
                            size_t cols) {
  pyb::array_t<double> out(
      {static_cast<pyb::ssize_t>(rows), static_cast<pyb::ssize_t>(cols)});
  auto w = out.mutable_unchecked<2>();
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) w(i, j) = v[i * cols + j];
  return out;
}

pyb::array_t<bool> BoolArray(const std::vector<unsigned char>& v) {
  pyb::array_t<bool> out(static_cast<pyb::ssize_t>(v.size()));
  auto w = out.mutable_unchecked<1>();
  for (size_t i = 0; i < v.size(); ++i) w(i) = v[i] != 0;
  return out;
}

AllocationOptions AllocOptions(const std::string& method,
                               const pyb::object& other,
                               bool allow_unidentified) {
  AllocationOptions o;
  o.method = method;
  if (!other.is_none())
    o.other_inputs = other.cast<std::map<std::string, double>>();
  o.allow_unidentified = allow_unidentified;
  return o;
}

}  // namespace

void RegisterUncertainty(pyb::module_& m) {
  pyb::class_<BootstrapOptions>(
      m, "_BootstrapOptions")  // pickling of BootstrapResult
      .def(PickleFields<BootstrapOptions>(
          &BootstrapOptions::num_replicates, &BootstrapOptions::seed,
          &BootstrapOptions::method, &BootstrapOptions::groups,
          &BootstrapOptions::fraction, &BootstrapOptions::num_threads,
          &BootstrapOptions::max_retries));
  pyb::class_<Covariance>(m, "Covariance")
      .def_readonly("names", &Covariance::names)
      .def_property_readonly(
          "estimate", [](const Covariance& c) { return ToArray(c.estimate); })
      .def_property_readonly("matrix",
                             [](const Covariance& c) {
                               return Matrix(c.matrix, c.names.size(),
                                             c.names.size());
                             })
      .def_property_readonly(
          "std_errors",
          [](const Covariance& c) { return ToArray(c.std_errors); })
      .def_property_readonly(
          "identified",
          [](const Covariance& c) { return BoolArray(c.identified); })
      .def_readonly("estimator", &Covariance::estimator)
      .def_readonly("objective", &Covariance::objective)
      .def_readonly("residual_variance", &Covariance::residual_variance)
      .def_readonly("num_points", &Covariance::num_points)
      .def_readonly("num_free", &Covariance::num_free)
      .def_readonly("num_quadratic", &Covariance::num_quadratic)
      .def_readonly("expected_quadratic", &Covariance::expected_quadratic)
      .def_readonly("bandwidth", &Covariance::bandwidth)
      .def_readonly("rank", &Covariance::rank)
      .def_readonly("condition_number", &Covariance::condition_number)
      .def_readonly("rank_deficient", &Covariance::rank_deficient)
      .def_readonly("message", &Covariance::message)
      .def("at", &Covariance::at, pyb::arg("a"), pyb::arg("b"))
      .def("report", &Covariance::Report)
      .def(PickleFields<Covariance>(
          &Covariance::names, &Covariance::estimate, &Covariance::matrix,
          &Covariance::std_errors, &Covariance::identified,
          &Covariance::estimator, &Covariance::objective,
          &Covariance::residual_variance, &Covariance::num_points,
          &Covariance::num_free, &Covariance::num_quadratic,
          &Covariance::expected_quadratic, &Covariance::bandwidth,
          &Covariance::rank, &Covariance::condition_number,
          &Covariance::rank_deficient, &Covariance::message));

  pyb::class_<IntervalTable>(m, "IntervalTable")
      .def_readonly("names", &IntervalTable::names)
      .def_property_readonly(
          "mean", [](const IntervalTable& t) { return ToArray(t.mean); })
      .def_property_readonly(
          "lower", [](const IntervalTable& t) { return ToArray(t.lower); })
      .def_property_readonly(
          "upper", [](const IntervalTable& t) { return ToArray(t.upper); })
      .def_property_readonly(
          "std_errors",
          [](const IntervalTable& t) { return ToArray(t.std_errors); })
      .def_property_readonly(
          "log_scale",
          [](const IntervalTable& t) { return BoolArray(t.log_scale); })
      .def_readonly("level", &IntervalTable::level)
      .def_readonly("method", &IntervalTable::method)
      .def_readonly("num_replicates", &IntervalTable::num_replicates)
      .def("index", &IntervalTable::Index, pyb::arg("name"))
      .def("brief_report", &IntervalTable::BriefReport)
      .def("full_report", &IntervalTable::FullReport)
      .def(PickleFields<IntervalTable>(
          &IntervalTable::names, &IntervalTable::mean, &IntervalTable::lower,
          &IntervalTable::upper, &IntervalTable::std_errors,
          &IntervalTable::log_scale, &IntervalTable::level,
          &IntervalTable::method, &IntervalTable::num_replicates));

  pyb::class_<PredictionTable>(m, "PredictionTable")
      .def_property_readonly(
          "mean", [](const PredictionTable& t) { return ToArray(t.mean); })
      .def_property_readonly(
          "lower", [](const PredictionTable& t) { return ToArray(t.lower); })
      .def_property_readonly(
          "upper", [](const PredictionTable& t) { return ToArray(t.upper); })
      .def_property_readonly(
          "std_errors",
          [](const PredictionTable& t) { return ToArray(t.std_errors); })
      .def_readonly("level", &PredictionTable::level)
      .def_readonly("interval", &PredictionTable::interval)
      .def_readonly("method", &PredictionTable::method)
      .def_property_readonly("decades_beyond_data",
                             [](const PredictionTable& t) {
                               return ToArray(t.decades_beyond_data);
                             })
      .def_readonly("warning", &PredictionTable::warning)
      .def("brief_report", &PredictionTable::BriefReport)
      .def(PickleFields<PredictionTable>(
          &PredictionTable::mean, &PredictionTable::lower,
          &PredictionTable::upper, &PredictionTable::std_errors,
          &PredictionTable::level, &PredictionTable::interval,
          &PredictionTable::method, &PredictionTable::decades_beyond_data,
          &PredictionTable::warning));

  pyb::class_<BootstrapResult>(m, "BootstrapResult")
      .def_readonly("fit", &BootstrapResult::fit)
      .def_readonly("names", &BootstrapResult::names)
      .def_property_readonly("samples",
                             [](const BootstrapResult& b) {
                               return Matrix(b.samples, b.num_replicates,
                                             b.names.size());
                             })
      .def_property_readonly(
          "converged",
          [](const BootstrapResult& b) { return BoolArray(b.converged); })
      .def_readonly("messages", &BootstrapResult::messages)
      .def_property_readonly(
          "objective",
          [](const BootstrapResult& b) { return ToArray(b.objective); })
      .def_readonly("attempts", &BootstrapResult::attempts)
      .def_readonly("failed", &BootstrapResult::failed)
      .def_readonly("num_replicates", &BootstrapResult::num_replicates)
      .def_readonly("num_failed", &BootstrapResult::num_failed)
      .def_readonly("num_restarted", &BootstrapResult::num_restarted)
      .def_readonly("num_rows_drawn", &BootstrapResult::num_rows_drawn)
      .def_readonly("num_groups", &BootstrapResult::num_groups)
      .def_readonly("scale", &BootstrapResult::scale)
      .def_readonly("seconds", &BootstrapResult::seconds)
      .def_readonly("threads_used", &BootstrapResult::threads_used)
      .def_property_readonly(
          "method", [](const BootstrapResult& b) { return b.options.method; })
      .def_property_readonly(
          "seed", [](const BootstrapResult& b) { return b.options.seed; })
      .def_property_readonly(
          "fraction",
          [](const BootstrapResult& b) { return b.options.fraction; })
      .def("std_errors", &BootstrapResult::StdErrors)
      .def(
          "conf_int",
          [](const BootstrapResult& b, double level,
             const std::vector<double>& budgets) {
            return WithoutGil([&] { return b.ConfInt(level, budgets); });
          },
          pyb::arg("level"), pyb::arg("budgets") = std::vector<double>{})
      .def(
          "predict",
          [](const BootstrapResult& b, const pyb::dict& inputs, double level,
             const std::string& interval) {
            const std::vector<double> x = RowMajor(b.fit.law->info(), inputs);
            const IntervalKind kind = ParseIntervalKind(interval);
            return WithoutGil([&] { return b.Predict(x, level, kind); });
          },
          pyb::arg("inputs"), pyb::arg("level"),
          pyb::arg("interval") = "confidence")
      .def(
          "compute_optimal",
          [](const BootstrapResult& b,
             const pyb::array_t<double, pyb::array::forcecast>& C, double level,
             const FlopModel& flops, const std::string& method,
             const pyb::object& other, bool allow_unidentified) {
            const std::vector<double> c = ToVector(C, "flops");
            const AllocationOptions o =
                AllocOptions(method, other, allow_unidentified);
            return WithoutGil(
                [&] { return b.ComputeOptimal(c, level, flops, o); });
          },
          pyb::arg("C"), pyb::arg("level"), pyb::arg("flops"),
          pyb::arg("method") = "auto", pyb::arg("other_inputs") = pyb::none(),
          pyb::arg("allow_unidentified") = false)
      .def(
          "loss_to_compute",
          [](const BootstrapResult& b,
             const pyb::array_t<double, pyb::array::forcecast>& target,
             double level, const FlopModel& flops, const std::string& method,
             const pyb::object& other, bool allow_unidentified) {
            const std::vector<double> t = ToVector(target, "target_loss");
            const AllocationOptions o =
                AllocOptions(method, other, allow_unidentified);
            return WithoutGil(
                [&] { return b.LossToCompute(t, level, flops, o); });
          },
          pyb::arg("target_loss"), pyb::arg("level"), pyb::arg("flops"),
          pyb::arg("method") = "auto", pyb::arg("other_inputs") = pyb::none(),
          pyb::arg("allow_unidentified") = false)
      .def("brief_report", &BootstrapResult::BriefReport)
      .def("full_report", &BootstrapResult::FullReport)
      .def("__repr__", &BootstrapResult::BriefReport)
      .def(PickleFields<BootstrapResult>(
          &BootstrapResult::fit, &BootstrapResult::options,
          &BootstrapResult::names, &BootstrapResult::samples,
          &BootstrapResult::converged, &BootstrapResult::messages,
          &BootstrapResult::objective, &BootstrapResult::attempts,
          &BootstrapResult::failed, &BootstrapResult::num_replicates,
          &BootstrapResult::num_failed, &BootstrapResult::num_restarted,
          &BootstrapResult::num_rows_drawn, &BootstrapResult::num_groups,
          &BootstrapResult::scale, &BootstrapResult::seconds,
          &BootstrapResult::threads_used));

  m.def(
      "covariance",
      [](const FitResult& r) {
        return WithoutGil([&] { return ComputeCovariance(r); });
      },
      pyb::arg("result"));
  m.def(
      "fit_summary",
      [](const FitResult& r, double level) {
        return WithoutGil([&] { return FitSummary(r, level); });
      },
      pyb::arg("result"), pyb::arg("level") = 0.95,
      "The fit's full report with standard errors and delta-method intervals "
      "next to the parameters.");
  m.def(
      "conf_int",
      [](const FitResult& r, double level, const std::vector<double>& budgets) {
        return WithoutGil([&] { return ConfInt(r, level, budgets); });
      },
      pyb::arg("result"), pyb::arg("level"),
      pyb::arg("budgets") = std::vector<double>{});
  pyb::class_<ProfileOptions>(m, "ProfileOptions")
      .def(pyb::init<>())
      .def_readwrite("level", &ProfileOptions::level)
      .def_readwrite("max_steps", &ProfileOptions::max_steps)
      .def_readwrite("max_span", &ProfileOptions::max_span)
      .def_readwrite("max_ratio", &ProfileOptions::max_ratio)
      .def_readwrite("max_relative_width", &ProfileOptions::max_relative_width)
      .def_readwrite("num_threads", &ProfileOptions::num_threads)
      .def("is_valid", &IsValidPair<ProfileOptions>);
  pyb::class_<Profile>(m, "Profile")
      .def_readonly("name", &Profile::name)
      .def_readonly("estimate", &Profile::estimate)
      .def_readonly("objective", &Profile::objective)
      .def_readonly("level", &Profile::level)
      .def_readonly("threshold", &Profile::threshold)
      .def_readonly("scale", &Profile::scale)
      .def_readonly("calibration", &Profile::calibration)
      .def_readonly("log_scale", &Profile::log_scale)
      .def_readonly("lower", &Profile::lower)
      .def_readonly("upper", &Profile::upper)
      .def_readonly("lower_end", &Profile::lower_end)
      .def_readonly("upper_end", &Profile::upper_end)
      .def_readonly("weakly_identified", &Profile::weakly_identified)
      .def_readonly("identification", &Profile::identification)
      .def_readonly("better_point", &Profile::better_point)
      .def_readonly("all_converged", &Profile::all_converged)
      .def_readonly("num_solves", &Profile::num_solves)
      .def_property_readonly("points",
                             [](const Profile& p) {
                               std::vector<double> value, objective, deviance;
                               std::vector<bool> converged;
                               for (const ProfilePoint& q : p.points) {
                                 value.push_back(q.value);
                                 objective.push_back(q.objective);
                                 deviance.push_back(q.deviance);
                                 converged.push_back(q.converged);
                               }
                               pyb::dict d;
                               d["value"] = ToArray(value);
                               d["objective"] = ToArray(objective);
                               d["deviance"] = ToArray(deviance);
                               d["converged"] = converged;
                               return d;
                             })
      .def_property_readonly("point_params",
                             [](const Profile& p) {
                               std::vector<std::vector<double>> out;
                               for (const ProfilePoint& q : p.points)
                                 out.push_back(q.params);
                               return out;
                             })
      .def("brief_report", &Profile::BriefReport)
      .def("full_report", &Profile::FullReport)
      .def("__repr__", &Profile::BriefReport);
  m.def(
      "profile",
      [](const FitResult& r, const std::string& name, const ProfileOptions& o) {
        pyb::gil_scoped_release release;
        const std::vector<std::string> params = r.law->info().param_names();
        if (std::find(params.begin(), params.end(), name) != params.end())
          return ProfileParameter(r, name, o);
        return ProfileDerived(r, name, o);
      },
      pyb::arg("result"), pyb::arg("name"), pyb::arg("options"),
      "The profile of a parameter or (chinchilla) a derived quantity.");
  m.def(
      "conf_int_by_method",
      [](const FitResult& r, const std::string& method, double level,
         const std::vector<double>& budgets, int threads) {
        pyb::gil_scoped_release release;
        return ConfIntByMethod(r, method, level, budgets, threads);
      },
      pyb::arg("result"), pyb::arg("method"), pyb::arg("level"),
      pyb::arg("budgets") = std::vector<double>{}, pyb::arg("threads") = 1);
  m.def(
      "profile_conf_int",
      [](const FitResult& r, const ProfileOptions& o,
         const std::vector<std::string>& derived) {
        pyb::gil_scoped_release release;
        return ProfileConfInt(r, o, derived);
      },
      pyb::arg("result"), pyb::arg("options"),
      pyb::arg("derived") = std::vector<std::string>{});
  m.def(
      "predict_interval",
      [](const FitResult& r, const pyb::dict& inputs, double level,
         const std::string& interval) {
        const std::vector<double> x = RowMajor(r.law->info(), inputs);
        const IntervalKind kind = ParseIntervalKind(interval);
        return WithoutGil([&] { return PredictInterval(r, x, level, kind); });
      },
      pyb::arg("result"), pyb::arg("inputs"), pyb::arg("level"),
      pyb::arg("interval") = "confidence");
  m.def(
      "compute_optimal_interval",
      [](const FitResult& r,
         const pyb::array_t<double, pyb::array::forcecast>& C, double level,
         const FlopModel& flops, const std::string& method,
         const pyb::object& other, bool allow_unidentified) {
        const std::vector<double> c = ToVector(C, "flops");
        const AllocationOptions o =
            AllocOptions(method, other, allow_unidentified);
        return WithoutGil(
            [&] { return ComputeOptimalInterval(r, c, level, flops, o); });
      },
      pyb::arg("result"), pyb::arg("C"), pyb::arg("level"), pyb::arg("flops"),
      pyb::arg("method") = "auto", pyb::arg("other_inputs") = pyb::none(),
      pyb::arg("allow_unidentified") = false);
  m.def(
      "loss_to_compute_interval",
      [](const FitResult& r,
         const pyb::array_t<double, pyb::array::forcecast>& target,
         double level, const FlopModel& flops, const std::string& method,
         const pyb::object& other, bool allow_unidentified) {
        const std::vector<double> t = ToVector(target, "target_loss");
        const AllocationOptions o =
            AllocOptions(method, other, allow_unidentified);
        return WithoutGil(
            [&] { return LossToComputeInterval(r, t, level, flops, o); });
      },
      pyb::arg("result"), pyb::arg("target_loss"), pyb::arg("level"),
      pyb::arg("flops"), pyb::arg("method") = "auto",
      pyb::arg("other_inputs") = pyb::none(),
      pyb::arg("allow_unidentified") = false);
  m.def(
      "bootstrap",
      [](const FitResult& r, int n, std::uint64_t seed,
         const std::string& method, const std::vector<std::int64_t>& groups,
         double fraction, int threads, int max_retries,
         const pyb::object& progress) {
        BootstrapOptions o;
        o.num_replicates = n;
        o.seed = seed;
        o.method = method;
        o.groups = groups;
        o.fraction = fraction;
        o.num_threads = threads;
        o.max_retries = max_retries;
        o.control = PythonControl(progress);
        return WithoutGil([&] { return Bootstrap(r, o); });
      },
      pyb::arg("result"), pyb::arg("n"), pyb::arg("seed"), pyb::arg("method"),
      pyb::arg("groups"), pyb::arg("fraction"), pyb::arg("threads"),
      pyb::arg("max_retries"), pyb::arg("progress") = pyb::none(),
      "Bootstrap a fit (the GIL is released while replicates are refitted).");
  m.def("normal_quantile", &NormalQuantile, pyb::arg("p"));
  m.def("derived_names", &DerivedNames, pyb::arg("budgets"));
}

}  // namespace scalefit::py
