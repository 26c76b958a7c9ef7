// Kaplan et al. 2020's compute-efficient frontier and critical-batch
// accounting (kaplan_frontier.hpp).
#include "common.hpp"

namespace scalefit::py {

namespace {
using Arr = pyb::array_t<double, pyb::array::forcecast>;
}  // namespace

void RegisterKaplan(pyb::module_& m) {
  pyb::class_<KaplanFrontierOptions>(m, "KaplanFrontierOptions")
      .def(pyb::init<>())
      .def_readwrite("allow_unidentified",
                     &KaplanFrontierOptions::allow_unidentified)
      .def("is_valid", &IsValidPair<KaplanFrontierOptions>);

  pyb::class_<KaplanFrontierTable>(m, "KaplanFrontierTable")
      .def_property_readonly(
          "columns",
          [](const KaplanFrontierTable& t) {
            pyb::dict d;
            for (const auto& name : KaplanFrontierTable::ColumnNames())
              d[pyb::str(name)] = ToArray(t.column(name));
            return d;
          })
      .def_readonly("alpha_C", &KaplanFrontierTable::alpha_C)
      .def_readonly("C_c", &KaplanFrontierTable::C_c)
      .def_readonly("p_N", &KaplanFrontierTable::p_N)
      .def_readonly("p_B", &KaplanFrontierTable::p_B)
      .def_readonly("p_S", &KaplanFrontierTable::p_S)
      .def_readonly("convergence_factor",
                    &KaplanFrontierTable::convergence_factor)
      .def_readonly("warning", &KaplanFrontierTable::warning)
      .def("num_rows", &KaplanFrontierTable::num_rows)
      .def("brief_report", &KaplanFrontierTable::BriefReport)
      .def("full_report", &KaplanFrontierTable::FullReport);

  m.def(
      "kaplan_compute_efficient",
      [](const FitResult& steps, const FitResult& batch, const Arr& C_min,
         const KaplanFrontierOptions& o) {
        const std::vector<double> c = ToVector(C_min, "C_min");
        pyb::gil_scoped_release release;
        return KaplanComputeEfficient(steps, batch, c, o);
      },
      pyb::arg("steps"), pyb::arg("batch"), pyb::arg("C_min"),
      pyb::arg("options"),
      "Kaplan et al. 2020's compute-efficient frontier at budgets C_min "
      "(FLOPs).");
  m.def(
      "kaplan_minimum_steps",
      [](const FitResult& batch, const Arr& S, const Arr& B, const Arr& L) {
        return ToArray(MinimumSteps(batch, ToVector(S, "S"), ToVector(B, "B"),
                                    ToVector(L, "L")));
      },
      pyb::arg("batch"), pyb::arg("S"), pyb::arg("B"), pyb::arg("L"),
      "S_min = S/(1 + B_crit(L)/B) per run (Kaplan et al. 2020, Eq. 5.4).");
  m.def(
      "kaplan_minimum_compute",
      [](const FitResult& batch, const Arr& C, const Arr& B, const Arr& L) {
        return ToArray(MinimumCompute(batch, ToVector(C, "C"), ToVector(B, "B"),
                                      ToVector(L, "L")));
      },
      pyb::arg("batch"), pyb::arg("C"), pyb::arg("B"), pyb::arg("L"),
      "C_min = C/(1 + B/B_crit(L)) per run (Kaplan et al. 2020, Eq. 5.5).");
}

}  // namespace scalefit::py
