// Shared helpers for the bindings: numpy <-> std::vector conversion.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <exception>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scalefit/scalefit.hpp"

namespace scalefit::py {

namespace pyb = pybind11;

/// A 1-D float64 array copied into a vector. `name` is used in errors.
inline std::vector<double> ToVector(
    const pyb::array_t<double, pyb::array::forcecast>& a,
    const std::string& name) {
  if (a.ndim() != 1) {
    throw InvalidArgument("'" + name + "' must be 1-dimensional, got " +
                          std::to_string(a.ndim()) + " dimensions");
  }
  std::vector<double> v(a.shape(0));
  auto r = a.unchecked<1>();
  for (pyb::ssize_t i = 0; i < a.shape(0); ++i) v[i] = r(i);
  return v;
}

inline pyb::array_t<double> ToArray(const std::vector<double>& v) {
  pyb::array_t<double> out(static_cast<pyb::ssize_t>(v.size()));
  auto w = out.mutable_unchecked<1>();
  for (size_t i = 0; i < v.size(); ++i) w(i) = v[i];
  return out;
}

inline std::map<std::string, std::vector<double>> ToColumns(
    const pyb::dict& d) {
  std::map<std::string, std::vector<double>> cols;
  for (auto item : d) {
    const std::string name = pyb::str(item.first);
    cols[name] = ToVector(
        pyb::array_t<double, pyb::array::forcecast>::ensure(item.second), name);
  }
  return cols;
}

/// Drops a Python object with the GIL held (its owner may die on any
/// thread); at interpreter shutdown it is leaked instead.
struct GilDeleter {
  void operator()(pyb::object* o) const {
    if (Py_IsInitialized()) {
      pyb::gil_scoped_acquire gil;
      delete o;
    } else {
      o->release();
      delete o;
    }
  }
};

/// A Python object that C++ may copy and drop on any thread.
inline std::shared_ptr<pyb::object> HoldPython(const pyb::object& o) {
  return std::shared_ptr<pyb::object>(new pyb::object(o), GilDeleter());
}

/// The RunControl of a long call from Python (run_control.hpp): Ctrl-C is
/// noticed within one poll (50 ms; the GIL is taken on the calling thread
/// and the signal handlers run), and `progress` (None or a callable taking a
/// scalefit.Progress) is called with each update. The KeyboardInterrupt, or
/// whatever the callable raised, stops the work and leaves the C++ call
/// unchanged (pybind11 re-raises it), after every worker has stopped.
inline RunControl PythonControl(const pyb::object& progress) {
  RunControl c;
  c.should_stop = [] {
    pyb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() == 0) return false;
    RequestStop(std::make_exception_ptr(pyb::error_already_set()));
    return true;
  };
  if (!progress.is_none()) {
    auto fn = HoldPython(progress);
    c.on_progress = [fn](const Progress& p) {
      pyb::gil_scoped_acquire gil;
      try {
        (*fn)(p);
      } catch (pyb::error_already_set& e) {
        RequestStop(std::make_exception_ptr(e));
      }
    };
  }
  return c;
}

/// An options struct's IsValid as Python's `is_valid() -> (ok, why)`.
template <typename Options>
std::pair<bool, std::string> IsValidPair(const Options& o) {
  std::string why;
  const bool ok = o.IsValid(&why);
  return std::make_pair(ok, why);
}

/// Delivers the log records and warnings the C++ core queued while the GIL
/// was released (register_log.cpp). Throws pybind11::error_already_set when
/// a Python handler raises (e.g. a warnings filter set to "error").
void DeliverLogs();

/// Runs `work` without the GIL, then delivers what it logged and warned to
/// Python's logging and warnings (with the GIL held again). Every long call
/// of the bindings goes through here.
template <typename Work>
auto WithoutGil(Work&& work) -> decltype(work()) {
  try {
    auto result = [&] {
      pyb::gil_scoped_release release;
      return work();
    }();
    DeliverLogs();
    return result;
  } catch (const pyb::error_already_set&) {
    throw;
  } catch (...) {
    try {
      DeliverLogs();  // what the failed work said before it threw
    } catch (const pyb::error_already_set&) {
      // the work's own error is the one to report
    }
    throw;
  }
}

/// Pickling for a value type from its data members, listed once: the state
/// is the tuple of the members (nested scalefit types pickle themselves), so
/// results cross processes (concurrent.futures, Dask) exactly.
/// WARNING: a member left out of the list is lost in a pickle; the pickling
/// tests compare every result's report and to_dict before and after.
template <typename T, typename... M>
auto PickleFields(M T::*... members) {
  return pyb::pickle(
      [members...](const T& t) { return pyb::make_tuple(t.*members...); },
      [members...](const pyb::tuple& state) {
        if (state.size() != sizeof...(M))
          throw InvalidArgument(
              "unpickling: the state has " + std::to_string(state.size()) +
              " fields, expected " + std::to_string(sizeof...(M)) +
              " (pickled by another scalefit version?)");
        T t;
        size_t i = 0;
        ((t.*members = state[i++].template cast<M>()), ...);
        return t;
      });
}

void RegisterLog(pyb::module_& m);
void RegisterLaws(pyb::module_& m);
void RegisterFit(pyb::module_& m);
void RegisterAllocation(pyb::module_& m);
void RegisterUncertainty(pyb::module_& m);
void RegisterApproaches(pyb::module_& m);
void RegisterBacktest(pyb::module_& m);
void RegisterIo(pyb::module_& m);
void RegisterFlops(pyb::module_& m);
void RegisterDatasets(pyb::module_& m);
void RegisterCsv(pyb::module_& m);
void RegisterDownstream(pyb::module_& m);
void RegisterRunControl(pyb::module_& m);
void RegisterKaplan(pyb::module_& m);

}  // namespace scalefit::py
