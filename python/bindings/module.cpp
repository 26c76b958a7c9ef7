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
  // Messages are decoded with backslashreplace: a message that quotes
  // bytes of a file that are not UTF-8 must not turn into a
  // UnicodeDecodeError.
  pyb::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const scalefit::Error& e) {
      const std::string what = e.what();
      PyObject* msg = PyUnicode_DecodeUTF8(what.data(),
                                           static_cast<Py_ssize_t>(what.size()),
                                           "backslashreplace");
      if (!msg) return;  // the decoder set its own error
      PyErr_SetObject(error.ptr(), msg);
      Py_DECREF(msg);
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError,
                      "out of memory in scalefit's C++ core (the work asked "
                      "for more memory than the machine gives; see the limits "
                      "in docs/reliability.md)");
    }
  });
  scalefit::py::RegisterLog(m);
  m.def("instruction_set", &scalefit::InstructionSet,
        "The SIMD instruction set that evaluates the built-in laws: avx512, "
        "avx2, sse2 or scalar.");
  m.def("set_instruction_set", &scalefit::SetInstructionSet, pyb::arg("name"),
        "Use this instruction set (avx512, avx2, sse2, scalar) for the fits "
        "that "
        "follow; raises ScalefitError if this CPU cannot run it.");
  m.def("supported_instruction_sets", &scalefit::SupportedInstructionSets);
  scalefit::py::RegisterLaws(m);
  scalefit::py::RegisterFit(m);
  scalefit::py::RegisterFlops(m);
  scalefit::py::RegisterAllocation(m);
  scalefit::py::RegisterKaplan(m);
  scalefit::py::RegisterUncertainty(m);
  scalefit::py::RegisterApproaches(m);
  scalefit::py::RegisterBacktest(m);
  scalefit::py::RegisterIo(m);
  scalefit::py::RegisterCsv(m);
  scalefit::py::RegisterDatasets(m);
  scalefit::py::RegisterDownstream(m);
  scalefit::py::RegisterRunControl(m);
}
