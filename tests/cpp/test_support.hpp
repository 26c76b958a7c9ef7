// Helpers shared by the C++ tests: log-spaced values, exception checks and
// planted designs. Test support only; nothing here is scalefit API.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/data.hpp"
#include "scalefit/error.hpp"
#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/log.hpp"

namespace scalefit::test_support {

inline std::vector<double> LogSpace(double lo, double hi, int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i)
    v[i] = std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / (n - 1));
  return v;
}

struct Planted {
  double E, A, B, alpha, beta;
  double L(double N, double D) const {
    return E + A / std::pow(N, alpha) + B / std::pow(D, beta);
  }
  std::map<std::string, double> Map() const {
    return {{"E", E}, {"A", A}, {"B", B}, {"alpha", alpha}, {"beta", beta}};
  }
};

// Hoffmann et al. 2022, Eq. 10 (rounded values used only as a planted law).
inline constexpr Planted kChinchilla{1.69, 406.4, 410.7, 0.34, 0.28};

// Full factorial N × D grid of a planted chinchilla law with multiplicative
// log-normal noise of standard deviation `sigma` (seeded, portable).
inline Observations ChinchillaGrid(const Planted& p, double n_lo, double n_hi,
                                   double d_lo, double d_hi, int k,
                                   double sigma, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<double> N, D, L;
  for (double n : LogSpace(n_lo, n_hi, k)) {
    for (double d : LogSpace(d_lo, d_hi, k)) {
      // Box–Muller from two 53-bit uniforms (std::normal_distribution is
      // implementation-defined).
      const double u1 = ((gen() >> 11) + 0.5) * 0x1.0p-53;
      const double u2 = ((gen() >> 11) + 0.5) * 0x1.0p-53;
      const double z =
          std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      N.push_back(n);
      D.push_back(d);
      L.push_back(p.L(n, d) * std::exp(sigma * z));
    }
  }
  return MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, L);
}

// Captures what the scalefit logger writes while alive.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(os_)) {
    Logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = Logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  std::string text() const { return os_.str(); }

 private:
  std::ostringstream os_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

inline std::string Describe(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+inf" : "-inf";
  std::ostringstream os;
  os << v;
  return os.str();
}

template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

inline bool AllFinite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(),
                     [](double x) { return std::isfinite(x); });
}

/// Calls fn and expects an exception of type E whose message contains every
/// needle.
template <typename E>
void ExpectThrows(const std::function<void()>& fn,
                  std::initializer_list<std::string> needles) {
  try {
    fn();
    ADD_FAILURE() << "expected an exception, nothing thrown";
  } catch (const E& e) {
    const std::string what = e.what();
    for (const std::string& needle : needles) {
      EXPECT_NE(what.find(needle), std::string::npos)
          << "message \"" << what << "\" lacks \"" << needle << "\"";
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

/// A 7 × 7 log-spaced grid of (N, D): N 1e7–1e10, D 1e9–1e12.
inline std::vector<std::vector<double>> NdGrid() {
  std::vector<std::vector<double>> r;
  for (double n : LogSpace(1e7, 1e10, 7))
    for (double d : LogSpace(1e9, 1e12, 7)) r.push_back({n, d});
  return r;
}

/// Noise-free observations of the chinchilla law at `truth` on NdGrid().
inline Observations PlantedChinchilla(const std::vector<double>& truth) {
  Observations obs;
  obs.input_names = {"N", "D"};
  for (const auto& row : NdGrid()) {
    obs.x.insert(obs.x.end(), row.begin(), row.end());
    obs.loss.push_back(laws::Chinchilla::Evaluate(truth.data(), row.data()));
  }
  return obs;
}

}  // namespace scalefit::test_support
