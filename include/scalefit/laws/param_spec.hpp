/// @file param_spec.hpp
/// Compile-time metadata that every law carries for each of its parameters.
#pragma once

#include <limits>

namespace scalefit {

/// Describes one parameter of a law, in user units.
///
/// `positive` parameters (scales such as E, A, B) are fitted as log(value):
/// the optimiser sees log A instead of A, which turns a range of 1e0..1e10
/// into 0..23 and removes the positivity constraint. Values and bounds are
/// always given and reported in user units.
///
/// `linear` parameters enter the law linearly with no constant offset:
/// L(x; c, θ) = Σ_k c_k φ_k(x; θ). The default start strategy solves them by
/// non-negative least squares on a grid of the other parameters (variable
/// projection), so a law that declares them is fitted without a user grid.
struct ParamSpec {
  const char* name;
  bool positive;  ///< Fitted in log space; must stay > 0.
  bool linear;    ///< Enters the law linearly (see above).
  double lower;   ///< Default lower bound (user units); 0 for positive = none.
  double upper;   ///< Default upper bound (user units); +inf = none.
  double start_lo;  ///< Low end of the default start grid (user units).
  double start_hi;  ///< High end of the default start grid (user units).
  double init;      ///< A typical value, used when nothing better is known.
};

inline constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace scalefit
