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

}  // namespace

void RegisterLaws(pyb::module_& m) {
  pyb::class_<ParamInfo>(m, "ParamInfo")
      .def_readonly("name", &ParamInfo::name)
      .def_readonly("positive", &ParamInfo::positive)
      .def_readonly("linear", &ParamInfo::linear)
      .def_readonly("lower", &ParamInfo::lower)
      .def_readonly("upper", &ParamInfo::upper)
      .def_readonly("init", &ParamInfo::init)
      .def("__repr__", [](const ParamInfo& p) {
        return "ParamInfo(" + p.name + (p.positive ? ", positive" : "") +
               (p.linear ? ", linear" : "") + ", bounds [" +
               FormatShort(p.lower) + ", " + FormatShort(p.upper) + "])";
      });
  pyb::class_<LawModel, LawPtr>(m, "Law")
      .def_property_readonly("name", [](const LawModel& l) { return l.info().name; })
      .def_property_readonly("formula",
                             [](const LawModel& l) { return l.info().formula; })
      .def_property_readonly(
          "param_names", [](const LawModel& l) { return l.info().param_names(); })
      .def_property_readonly(
          "input_names", [](const LawModel& l) { return l.info().input_names; })
      .def_property_readonly("params",
                             [](const LawModel& l) { return l.info().params; })
      .def("evaluate", &EvaluateLaw, pyb::arg("params"), pyb::arg("inputs"),
           "L at the given parameters (list in law order) and input columns.")
      .def("__repr__", [](const LawModel& l) {
        return "Law(" + l.info().name + ": " + l.info().formula + ")";
      });
  m.def("get_law", &GetLaw, pyb::arg("name"));
  m.def("builtin_laws", &BuiltinLawNames);
}

}  // namespace scalefit::py
