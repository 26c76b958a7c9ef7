/// @file broken_power_law.hpp
/// The broken neural scaling law of Caballero et al. 2023 ("Broken Neural
/// Scaling Laws", ICLR 2023, arXiv:2210.14891, Eq. 1) with a chosen number
/// of breaks.
#pragma once

#include <array>
#include <cmath>

#include "scalefit/laws/input_row.hpp"
#include "scalefit/laws/param_spec.hpp"

namespace scalefit::laws {

namespace detail_bpl {
inline constexpr const char* kNames[] = {
    "broken_power_law", "broken_power_law:1", "broken_power_law:2",
    "broken_power_law:3"};
inline constexpr const char* kC[] = {"c0", "c1", "c2", "c3"};
inline constexpr const char* kD[] = {"", "d1", "d2", "d3"};
inline constexpr const char* kF[] = {"", "f1", "f2", "f3"};
inline constexpr const char* kFormulas[] = {
    "", "y(x) = a + b * x^(-c0) * (1 + (x / d1)^(1 / f1))^(-c1 * f1)",
    "y(x) = a + b * x^(-c0) * (1 + (x / d1)^(1 / f1))^(-c1 * f1)"
    " * (1 + (x / d2)^(1 / f2))^(-c2 * f2)",
    "y(x) = a + b * x^(-c0) * (1 + (x / d1)^(1 / f1))^(-c1 * f1)"
    " * (1 + (x / d2)^(1 / f2))^(-c2 * f2)"
    " * (1 + (x / d3)^(1 / f3))^(-c3 * f3)"};
}  // namespace detail_bpl

/// The largest number of breaks with a built-in law.
inline constexpr int kMaxBreaks = 3;

/// y(x) = a + b · x^(−c0) · Π_{i=1..n} (1 + (x / d_i)^(1/f_i))^(−c_i · f_i)
///                                         (Caballero et al. 2023, Eq. 1)
///
/// Parameters, in this order: a > 0 (the limit as x → ∞, e.g. the
/// irreducible loss; fitted in log; linear), b > 0 (scale; fitted in log;
/// linear), c0 (slope of the first segment on a log–log plot of y − a),
/// then for each break i = 1..n: c_i (change of slope at the break: the
/// slope after break i is c0 + c1 + … + c_i), d_i > 0 (the break's
/// position in units of x; fitted in log), f_i > 0 (sharpness: smaller is a
/// sharper break; fitted in log).
/// Input: x > 0 (parameters, tokens, FLOPs, ...).
/// Names: "broken_power_law" is the 1-break law; "broken_power_law:2" and
/// "broken_power_law:3" have 2 and 3 breaks ("broken_power_law:1" is an
/// alias of the 1-break law). The factor (1 + e^t)^(−c f) is evaluated as
/// exp(−c f · softplus(t)), t = (log x − log d)/f, which cannot overflow.
///
/// WARNING: the break positions d_i are in the units of x and the default
/// start grid (1e2 … 1e20, log-spaced) cannot know where your data lie;
/// with more than one break the grid is coarse (3 values per parameter).
/// Pass a start grid over d_i spanning your data (FitOptions::grid /
/// Python `grid={"d1": [...], "d2": [...]}`) or `init`.
/// WARNING: a break outside the sampled range of x is not identified (c_i,
/// d_i and f_i trade off), nor is f_i for a break with too few points
/// around it; extrapolating past an unseen break is guesswork.
/// WARNING: the breaks are exchangeable: (d1, d2) and (d2, d1) with their
/// c and f fit equally well; read them after sorting by d.
template <int kBreaks>
struct BrokenPowerLaw {
  static_assert(kBreaks >= 1 && kBreaks <= kMaxBreaks,
                "BrokenPowerLaw supports 1..kMaxBreaks breaks");
  static constexpr const char* kName =
      kBreaks == 1 ? detail_bpl::kNames[0] : detail_bpl::kNames[kBreaks];
  static constexpr const char* kFormula = detail_bpl::kFormulas[kBreaks];
  static constexpr int kNumParams = 3 + 3 * kBreaks;
  static constexpr int kNumInputs = 1;

  static constexpr std::array<ParamSpec, kNumParams> MakeParams() {
    std::array<ParamSpec, kNumParams> s{};
    s[0] = ParamSpec{"a", true, true, 0.0, kInf, 1.0, 1.0, 1.0};
    s[1] = ParamSpec{"b", true, true, 0.0, kInf, 1.0, 1.0, 10.0};
    s[2] = ParamSpec{"c0", false, false, -10.0, 10.0, 0.02, 1.0, 0.3};
    for (int i = 1; i <= kBreaks; ++i) {
      s[3 * i] = ParamSpec{
          detail_bpl::kC[i], false, false, -10.0, 10.0, -0.5, 1.0, 0.2};
      s[3 * i + 1] =
          ParamSpec{detail_bpl::kD[i], true, false, 0.0, kInf, 1e2, 1e20, 1e9};
      s[3 * i + 2] = ParamSpec{
          detail_bpl::kF[i], true, false, 1e-3, 100.0, 0.05, 2.0, 0.5};
    }
    return s;
  }
  static constexpr std::array<ParamSpec, kNumParams> kParams = MakeParams();
  static constexpr std::array<const char*, kNumInputs> kInputs = {{"x"}};

  template <typename T>
  static T Evaluate(const T* p, InputRow x) {
    using std::exp;
    using std::log;
    const double log_x = x.log(0);
    T log_shape = -p[2] * log_x;
    for (int i = 1; i <= kBreaks; ++i) {
      const T& c = p[3 * i];
      const T& d = p[3 * i + 1];
      const T& f = p[3 * i + 2];
      const T t = (log_x - log(d)) / f;
      // softplus(t) = log(1 + e^t), written so that e^t never overflows.
      const T softplus = t > 0.0 ? t + log(1.0 + exp(-t)) : log(1.0 + exp(t));
      log_shape = log_shape - c * f * softplus;
    }
    return p[0] + p[1] * exp(log_shape);
  }
};

}  // namespace scalefit::laws
