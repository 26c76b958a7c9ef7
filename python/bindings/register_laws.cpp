// Laws: the runtime descriptor, built-in laws by name, evaluation.
#include "common.hpp"

namespace scalefit::py {

namespace {

pyb::array_t<double> EvaluateLaw(const LawPtr& law,
                                 const std::vector<double>& params,
                                 const pyb::dict& inputs) {
  const LawInfo& info = law->info();
  if (static_cast<int>(params.size()) != info.num_params())
    throw InvalidArgument("law '" + info.name + "' takes " +
                          std::to_string(info.num_params()) +
                          " parameters, got " + std::to_string(params.size()));
  FitResult r = FromParams(law, [&] {
    std::map<std::string, double> m;
    for (int k = 0; k < info.num_params(); ++k)
      m[info.params[k].name] = params[k];
    return m;
  }());
  return ToArray(r.Predict(ToColumns(inputs)));
}

using Ranges = std::map<std::string, std::pair<double, double>>;

LawPtr FormulaLawPy(const std::string& formula, const std::string& name,
                    const std::vector<std::string>& params,
                    const std::vector<std::string>& inputs,
                    const std::vector<std::string>& positive,
                    const std::vector<std::string>& linear,
                    const Ranges& bounds, const Ranges& start,
                    const std::map<std::string, double>& init, int max_length,
                    int max_depth) {
  FormulaLawOptions o;
  o.name = name;
  o.params = params;
  o.inputs = inputs;
  o.positive = positive;
  o.linear = linear;
  o.bounds = bounds;
  o.start = start;
  o.init = init;
  o.max_length = max_length;
  o.max_depth = max_depth;
  return MakeFormulaLaw(formula, o);
}

// A law from a Python callable f(params: dict name -> float,
// inputs: dict name -> 1-D float64 array) -> array of n losses; derivatives
// by central differences in C++ (MakeNumericLaw). The GIL is taken inside.
LawPtr CallableLawPy(const pyb::function& fn, const std::string& name,
                     const std::vector<std::string>& params,
                     const std::vector<std::string>& inputs,
                     const std::vector<std::string>& positive,
                     const std::vector<std::string>& linear,
                     const Ranges& bounds, const Ranges& start,
                     const std::map<std::string, double>& init,
                     const std::string& formula) {
  LawInfo info;
  info.name = name;
  info.formula = formula;
  info.input_names = inputs;
  info.params =
      MakeParamInfos(name, params, positive, linear, bounds, start, init);
  std::shared_ptr<pyb::object> holder = HoldPython(fn);
  info.definition = holder;  // a pickled result carries the callable
  BatchFunction f = [holder, params, inputs, name](
                        const double* p, const double* x, int n, double* out) {
    pyb::gil_scoped_acquire gil;
    const size_t K = inputs.size();
    try {
      pyb::dict pd;
      for (size_t k = 0; k < params.size(); ++k) pd[pyb::str(params[k])] = p[k];
      pyb::dict xd;
      for (size_t j = 0; j < K; ++j) {
        pyb::array_t<double> col(n);
        auto w = col.mutable_unchecked<1>();
        for (int i = 0; i < n; ++i) w(i) = x[static_cast<size_t>(i) * K + j];
        xd[pyb::str(inputs[j])] = col;
      }
      pyb::object res = (*holder)(pd, xd);
      auto a = pyb::array_t<double, pyb::array::forcecast>::ensure(res);
      if (!a) {
        PyErr_Clear();
        throw InvalidArgument(
            "the Python law '" + name +
            "' must return an array of numbers, got " +
            std::string(pyb::str(pyb::type::of(res).attr("__name__"))));
      }
      const bool scalar_ok = a.ndim() == 0 && n == 1;
      if (!scalar_ok && (a.ndim() != 1 || a.shape(0) != n)) {
        std::string shape = "(";
        for (pyb::ssize_t d = 0; d < a.ndim(); ++d)
          shape += (d ? ", " : "") + std::to_string(a.shape(d));
        shape += a.ndim() == 1 ? ",)" : ")";
        throw InvalidArgument("the Python law '" + name + "' returned shape " +
                              shape + " for " + std::to_string(n) +
                              " rows; it must return one value per row");
      }
      const double* d = a.data();
      for (int i = 0; i < n; ++i) out[i] = d[scalar_ok ? 0 : i];
    } catch (pyb::error_already_set& e) {
      // KeyboardInterrupt (Ctrl-C while the law runs), SystemExit and other
      // exceptions that are not Exceptions stop the whole computation and
      // reach the caller unchanged; outside controlled work they propagate
      // as they are.
      if (!e.matches(PyExc_Exception)) {
        if (RequestStop(std::make_exception_ptr(e)))
          throw Cancelled("interrupted inside the Python law '" + name + "'");
        throw;
      }
      // One line: the exception's type and message (what() would append
      // the whole Python stack).
      std::string what = pyb::str(e.type().attr("__name__"));
      const std::string text = pyb::str(e.value());
      if (!text.empty()) what += ": " + text;
      throw InvalidArgument("the Python law '" + name + "' raised " + what);
    }
  };
  return MakeNumericLaw(std::move(info), std::move(f));
}

}  // namespace

void RegisterLaws(pyb::module_& m) {
  pyb::class_<ParamInfo>(m, "ParamInfo")
      .def_readonly("name", &ParamInfo::name)
      .def_readonly("positive", &ParamInfo::positive)
      .def_readonly("linear", &ParamInfo::linear)
      .def_readonly("lower", &ParamInfo::lower)
      .def_readonly("upper", &ParamInfo::upper)
      .def_readonly("start_lo", &ParamInfo::start_lo)
      .def_readonly("start_hi", &ParamInfo::start_hi)
      .def_readonly("init", &ParamInfo::init)
      .def("__repr__", [](const ParamInfo& p) {
        return "ParamInfo(" + p.name + (p.positive ? ", positive" : "") +
               (p.linear ? ", linear" : "") + ", bounds [" +
               FormatShort(p.lower) + ", " + FormatShort(p.upper) + "])";
      });
  pyb::class_<LawModel, LawPtr>(m, "Law")
      .def_property_readonly("name",
                             [](const LawModel& l) { return l.info().name; })
      .def_property_readonly("formula",
                             [](const LawModel& l) { return l.info().formula; })
      .def_property_readonly(
          "param_names",
          [](const LawModel& l) { return l.info().param_names(); })
      .def_property_readonly(
          "input_names", [](const LawModel& l) { return l.info().input_names; })
      .def_property_readonly(
          "python_function",
          [](const LawModel& l) -> pyb::object {
            const auto* fn = std::any_cast<std::shared_ptr<pyb::object>>(
                &l.info().definition);
            return fn && *fn ? **fn : pyb::none();
          },
          "The Python callable a callable law was made from (else None).")
      .def_property_readonly("params",
                             [](const LawModel& l) { return l.info().params; })
      .def("evaluate", &EvaluateLaw, pyb::arg("params"), pyb::arg("inputs"),
           "L at the given parameters (list in law order) and input columns.")
      .def("__repr__", [](const LawModel& l) {
        return "Law(" + l.info().name + ": " + l.info().formula + ")";
      });
  m.def("get_law", &GetLaw, pyb::arg("name"));
  m.def("formula_names", &FormulaNames, pyb::arg("formula"),
        pyb::arg("max_length") = kDefaultMaxFormulaLength,
        pyb::arg("max_depth") = kDefaultMaxFormulaDepth,
        "Names used by a formula, in order of first appearance.");
  m.def("formula_law", &FormulaLawPy, pyb::arg("formula"),
        pyb::arg("name") = "formula",
        pyb::arg("params") = std::vector<std::string>{},
        pyb::arg("inputs") = std::vector<std::string>{},
        pyb::arg("positive") = std::vector<std::string>{},
        pyb::arg("linear") = std::vector<std::string>{},
        pyb::arg("bounds") = Ranges{}, pyb::arg("start") = Ranges{},
        pyb::arg("init") = std::map<std::string, double>{},
        pyb::arg("max_length") = kDefaultMaxFormulaLength,
        pyb::arg("max_depth") = kDefaultMaxFormulaDepth);
  m.def("callable_law", &CallableLawPy, pyb::arg("fn"), pyb::arg("name"),
        pyb::arg("params"), pyb::arg("inputs"),
        pyb::arg("positive") = std::vector<std::string>{},
        pyb::arg("linear") = std::vector<std::string>{},
        pyb::arg("bounds") = Ranges{}, pyb::arg("start") = Ranges{},
        pyb::arg("init") = std::map<std::string, double>{},
        pyb::arg("formula") = "");
  m.def("builtin_laws", &BuiltinLawNames);
}

}  // namespace scalefit::py
