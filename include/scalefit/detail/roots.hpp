/// @file roots.hpp
/// The one-dimensional root finders and minimisers of scalefit, written
/// once: bisection, Brent's root finder, a 6th-order central difference,
/// golden section and a scan-then-refine minimiser. Deterministic (no
/// randomness, fixed iteration caps) and free of dependencies beyond the
/// standard library, so the header-only core (FlopModel, flops.hpp) and the
/// allocation analysis share them.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "scalefit/error.hpp"

namespace scalefit::detail {

/// Search ranges in log space are [−kLogLimit, kLogLimit]: e^±700 spans
/// every finite double except the extremes.
inline constexpr double kLogLimit = 700.0;

/// Bisection on an increasing-crossing predicate: returns x in [lo, hi] with
/// s(x) changing sign, to double resolution. `s` may return ±inf but not NaN
/// (NaN counts as "above"). Requires s(lo) < 0 <= s(hi).
template <typename F>
double Bisect(F&& s, double lo, double hi) {
  for (int it = 0; it < 2000; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const double v = s(mid);
    if (v < 0.0) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

/// Brent's root finder (zeroin; Brent 1973, ch. 4) on [a, b] with
/// fa·fb < 0, to |x − x*| ≤ 4·eps·|x| + tol. Deterministic.
template <typename F>
double BrentRoot(F&& f, double a, double b, double fa, double fb, double tol) {
  const double eps = std::numeric_limits<double>::epsilon();
  double c = a, fc = fa, d = b - a, e = d;
  for (int it = 0; it < 200; ++it) {
    if ((fb > 0) == (fc > 0)) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (std::abs(fc) < std::abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const double t = 2.0 * eps * std::abs(b) + 0.5 * tol;
    const double m = 0.5 * (c - b);
    if (std::abs(m) <= t || fb == 0.0) return b;
    if (std::abs(e) < t || std::abs(fa) <= std::abs(fb)) {
      d = e = m;
    } else {
      double p, q, r;
      const double s = fb / fa;
      if (a == c) {
        p = 2.0 * m * s;
        q = 1.0 - s;
      } else {
        q = fa / fc;
        r = fb / fc;
        p = s * (2.0 * m * q * (q - r) - (b - a) * (r - 1.0));
        q = (q - 1.0) * (r - 1.0) * (s - 1.0);
      }
      if (p > 0) {
        q = -q;
      } else {
        p = -p;
      }
      if (2.0 * p < std::min(3.0 * m * q - std::abs(t * q), std::abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = e = m;
      }
    }
    a = b;
    fa = fb;
    b += std::abs(d) > t ? d : (m > 0 ? t : -t);
    fb = f(b);
  }
  return b;
}

/// 7-point central difference (6th order) of f at u with step h.
template <typename F>
double Derivative7(F&& f, double u, double h) {
  return (-f(u - 3 * h) + 9 * f(u - 2 * h) - 45 * f(u - h) + 45 * f(u + h) -
          9 * f(u + 2 * h) + f(u + 3 * h)) /
         (60.0 * h);
}

/// Golden-section minimiser of f on [a, b] (to ~1e-15 relative in u; f's
/// resolution limits it to ~sqrt(eps) for smooth minima).
template <typename F>
double GoldenSection(F&& f, double a, double b) {
  const double r = 0.5 * (std::sqrt(5.0) - 1.0);
  double c = b - r * (b - a), d = a + r * (b - a);
  double fc = f(c), fd = f(d);
  for (int it = 0; it < 200 && (b - a) > 1e-15 * (1.0 + std::abs(a)); ++it) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  return 0.5 * (a + b);
}

/// Minimiser of a unimodal f on [lo, hi]: a 65-point scan, then the root of
/// f' (7-point difference, step h) by Brent in the bracket around the best
/// scan point, checked against golden section on f within ±4h (kinks), or
/// golden section alone where f' does not change sign. Non-finite f counts
/// as +inf. Throws NotIdentified(edge_message) when the best scan point is
/// an end point of [lo, hi].
template <typename F>
double Minimize1D(F&& f, double lo, double hi, double h,
                  const std::string& edge_message) {
  constexpr int kGrid = 64;
  double best = std::numeric_limits<double>::infinity();
  int ibest = -1;
  std::vector<double> u(kGrid + 1);
  for (int i = 0; i <= kGrid; ++i) {
    u[i] = lo + (hi - lo) * (static_cast<double>(i) / kGrid);
    const double v = f(u[i]);
    if (std::isfinite(v) && v < best) {
      best = v;
      ibest = i;
    }
  }
  if (ibest < 0) {
    throw NotIdentified("the law is not finite anywhere on the search range");
  }
  if (ibest == 0 || ibest == kGrid) throw NotIdentified(edge_message);
  double a = u[ibest - 1], b = u[ibest + 1];
  auto g = [&](double x) { return Derivative7(f, x, h); };
  const double ga = g(a), gb = g(b);
  if (std::isfinite(ga) && std::isfinite(gb) && ga < 0.0 && gb > 0.0) {
    const double root = BrentRoot(g, a, b, ga, gb, 1e-15);
    // A kink within ±3h (e.g. a min/max in the law, as in the
    // data-constrained law exactly at the compute-optimal point) biases the
    // smoothed derivative's root; golden section on f itself finds the kink.
    // Keep the root unless f is clearly lower elsewhere in the window.
    const double w = GoldenSection(f, root - 4 * h, root + 4 * h);
    const double f_root = f(root);
    return f(w) < f_root - 1e-12 * std::abs(f_root) ? w : root;
  }
  return GoldenSection(f, a, b);
}

}  // namespace scalefit::detail
