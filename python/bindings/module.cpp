// The scalefit._core extension: binds the runtime layer only. One
// register_* file per topic.
#include "common.hpp"

namespace pyb = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "scalefit C++ core (private; use the scalefit package)";
  m.attr("__version__") = scalefit::kVersion;
  // Every scalefit::Error becomes scalefit.ScalefitError, a ValueError.
  static pyb::exception<scalefit::Error> error(m, "ScalefitError",
                                               PyExc_ValueError);
  pyb::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const scalefit::Error& e) {
      pyb::set_error(error, e.what());
    }
  });
  scalefit::py::RegisterLog(m);
  m.def("instruction_set", &scalefit::InstructionSet,
        "The SIMD instruction set that evaluates the built-in laws: avx2, "
        "sse2 or scalar.");
  m.def("set_instruction_set", &scalefit::SetInstructionSet, pyb::arg("name"),
        "Use this instruction set (avx2, sse2, scalar) for the fits that "
        "follow; raises ScalefitError if this CPU cannot run it.");
  m.def("supported_instruction_sets", &scalefit::SupportedInstructionSets);
  scalefit::py::RegisterLaws(m);
  scalefit::py::RegisterFit(m);
  scalefit::py::RegisterFlops(m);
  scalefit::py::RegisterAllocation(m);
  scalefit::py::RegisterUncertainty(m);
  scalefit::py::RegisterApproaches(m);
  scalefit::py::RegisterBacktest(m);
  scalefit::py::RegisterIo(m);
  scalefit::py::RegisterCsv(m);
  scalefit::py::RegisterDatasets(m);
  scalefit::py::RegisterDownstream(m);
}
