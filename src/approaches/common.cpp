// Helpers of Approaches 1 and 2: the log-log regression, the power-law fit
// and input checks.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "approaches/approaches_internal.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"

namespace scalefit::detail {

bool FitLogLog(const std::vector<double>& x, const std::vector<double>& y,
               double* exponent, double* log_coefficient, double* r2) {
  const size_t n = x.size();
  if (n < 2 || y.size() != n) return false;
  double mx = 0.0, my = 0.0;
  for (size_t i = 0; i < n; ++i) {
    mx += std::log(x[i]);
    my += std::log(y[i]);
  }
  mx /= n;
  my /= n;
  double sxx = 0.0, sxy = 0.0, syy = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double dx = std::log(x[i]) - mx, dy = std::log(y[i]) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  // Fewer than 2 distinct x: the slope is not identified.
  if (!(sxx > 1e-24 * (1.0 + mx * mx))) return false;
  const double e = sxy / sxx;
  *exponent = e;
  *log_coefficient = my - e * mx;
  if (r2) *r2 = syy > 0.0 ? (sxy * sxy) / (sxx * syy) : 1.0;
  return std::isfinite(e);
}

void CheckColumn(const char* fn, const char* name,
                 const std::vector<double>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i]) || !(v[i] > 0.0)) {
      throw InvalidArgument(std::string(fn) + ": column '" + name + "', row " +
                            std::to_string(i) +
                            " (0-based) must be finite and > 0, got " +
                            FormatFull(v[i]));
    }
  }
}

void CheckLength(const char* fn, const char* name, size_t got, size_t want) {
  if (got != want) {
    throw InvalidArgument(std::string(fn) + ": column '" + name + "' has " +
                          std::to_string(got) + " values but 'loss' has " +
                          std::to_string(want));
  }
}

std::string RowList(const std::vector<int>& rows) {
  std::string s;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) s += ", ";
    if (i == 8 && rows.size() > 10) {
      s += "... (" + std::to_string(rows.size()) + " rows)";
      break;
    }
    s += std::to_string(rows[i]);
  }
  return s;
}

PowerLawFit MakePowerLaw(const std::vector<double>& C,
                         const std::vector<double>& y) {
  PowerLawFit f;
  double e = 0.0, lc = 0.0, r2 = 0.0;
  if (!FitLogLog(C, y, &e, &lc, &r2))
    throw InvalidArgument(
        "power-law fit needs at least 2 distinct FLOP values");
  f.exponent = e;
  f.coefficient = std::exp(lc);
  f.r2 = r2;
  f.num_points = static_cast<int>(C.size());
  f.lower = kApproachesNaN;
  f.upper = kApproachesNaN;
  return f;
}

std::string Interval(const PowerLawFit& f) {
  if (std::isnan(f.lower)) return "";
  return " [" + FormatShort(f.lower, 4) + ", " + FormatShort(f.upper, 4) + "]";
}

}  // namespace scalefit::detail
