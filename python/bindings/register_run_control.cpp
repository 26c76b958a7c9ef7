// Run control: the Progress value handed to `progress=` callables.
#include "common.hpp"

namespace scalefit::py {

void RegisterRunControl(pyb::module_& m) {
  pyb::class_<Progress>(m, "Progress",
                        "How far a stage of long work is (run_control.hpp).")
      .def_readonly("stage", &Progress::stage, "what is being counted")
      .def_readonly("done", &Progress::done, "items finished")
      .def_readonly("total", &Progress::total, "items in the stage")
      .def_readonly("seconds", &Progress::seconds, "since the stage began")
      .def("__repr__", [](const Progress& p) {
        return "Progress(" + p.stage + ": " + std::to_string(p.done) + "/" +
               std::to_string(p.total) + ", " + FormatShort(p.seconds) + " s)";
      });
}

}  // namespace scalefit::py
