// Fit cards: FitResult <-> JSON (fit_card.hpp).
#include "common.hpp"
#include "scalefit/fit_card.hpp"

namespace scalefit::py {

void RegisterIo(pyb::module_& m) {
  m.attr("fit_card_format_version") = kFitCardFormatVersion;
  m.def(
      "fit_card_to_string",
      [](const FitResult& r, bool include_data, int indent) {
        FitCardOptions o;
        o.include_data = include_data;
        o.indent = indent;
        return FitCardToString(r, o);
      },
      pyb::arg("result"), pyb::arg("include_data") = true,
      pyb::arg("indent") = 2, "The fit card (JSON) of a result.");
  pyb::class_<FitCardLoadOptions>(m, "FitCardLoadOptions")
      .def(pyb::init<>())
      .def_readwrite("verify", &FitCardLoadOptions::verify)
      .def_readwrite("max_bytes", &FitCardLoadOptions::max_bytes)
      .def_readwrite("max_depth", &FitCardLoadOptions::max_depth)
      .def_readwrite("law", &FitCardLoadOptions::law)
      .def("is_valid", &IsValidPair<FitCardLoadOptions>);
  m.def("fit_card_from_string", &FitCardFromString, pyb::arg("text"),
        pyb::arg("source") = "<string>",
        pyb::arg("options") = FitCardLoadOptions{},
        "Parse and validate a fit card; `source` names it in errors; "
        "options.verify = False reads it as given parameters.");
  m.def(
      "save_fit_card",
      [](const FitResult& r, const std::string& path, bool include_data) {
        FitCardOptions o;
        o.include_data = include_data;
        SaveFitCard(r, path, o);
      },
      pyb::arg("result"), pyb::arg("path"), pyb::arg("include_data") = true,
      "Write a result's fit card to `path`.");
  m.def("load_fit_card", &LoadFitCard, pyb::arg("path"),
        pyb::arg("options") = FitCardLoadOptions{},
        "Read and validate a fit card from `path` (options.verify = False: "
        "given parameters).");
}

}  // namespace scalefit::py
