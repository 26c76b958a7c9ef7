/// @file error.hpp
/// The exception types scalefit throws. Every error names the problem and,
/// where there is one, the offending row (0-based) or column.
#pragma once

#include <stdexcept>
#include <string>

namespace scalefit {

/// Base class of every exception scalefit throws.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// Bad input data or a bad argument value (maps to Python ValueError).
class InvalidArgument : public Error {
 public:
  explicit InvalidArgument(const std::string& what) : Error(what) {}
};

/// A name that is not known: law, parameter, input or column
/// (maps to Python ValueError).
class UnknownName : public InvalidArgument {
 public:
  explicit UnknownName(const std::string& what) : InvalidArgument(what) {}
};

/// The machine refused a resource the computation needs: a worker thread
/// could not be started (std::system_error from std::thread), or memory ran
/// out in a worker. The work already started was stopped and joined first;
/// retry with fewer threads (`num_threads`) or less data.
class ResourceError : public Error {
 public:
  explicit ResourceError(const std::string& what) : Error(what) {}
};

/// A computation that cannot give a trustworthy answer: e.g. a target loss
/// at or below the law's floor, or an unidentified design used for
/// extrapolation without opt-in (maps to Python ValueError).
class NotIdentified : public Error {
 public:
  explicit NotIdentified(const std::string& what) : Error(what) {}
};

}  // namespace scalefit
