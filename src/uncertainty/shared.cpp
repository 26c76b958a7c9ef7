// Helpers shared by the uncertainty files (uncertainty_internal.hpp).
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/error.hpp"
#include "scalefit/flops.hpp"
#include "scalefit/report.hpp"
#include "uncertainty/uncertainty_internal.hpp"

namespace scalefit::detail {

void RequireData(const FitResult& r, const std::string& where) {
  if (!r.law) throw InvalidArgument(where + ": the result has no law");
  if (!r.has_data || !r.data)
    throw InvalidArgument(
        where + (r.fitted
                     ? ": the result has no data (a fit card saved without "
                       "them: include_data=false, CLI --no-data), so it has no "
                       "uncertainty; save the card with its data"
                     : ": the result has no data (given parameters), so it has "
                       "no uncertainty; fit it to data first"));
}

FreeMap MakeFreeMap(const FitResult& r) {
  const LawInfo& info = r.law->info();
  FreeMap m;
  m.P = info.num_params();
  m.source.assign(m.P, 0);
  m.column.assign(m.P, -1);
  for (int k = 0; k < m.P; ++k) {
    const ParamValue& pv = r.params[k];
    if (pv.fixed) {
      m.source[k] = -1;
    } else if (!pv.tied_to.empty()) {
      m.source[k] = info.ParamIndex(pv.tied_to);
    } else {
      m.source[k] = k;
    }
  }
  for (int k = 0; k < m.P; ++k) {
    if (m.source[k] == k) {
      m.column[k] = static_cast<int>(m.free.size());
      m.free.push_back(k);
    }
  }
  return m;
}

double BlockQuadratic(const std::vector<double>& S, int P, int offset,
                      const std::vector<double>& g) {
  double v = 0.0;
  const int n = static_cast<int>(g.size());
  for (int a = 0; a < n; ++a) {
    if (g[a] == 0.0) continue;
    for (int b = 0; b < n; ++b) {
      if (g[b] == 0.0) continue;
      v += g[a] * S[static_cast<size_t>(offset + a) * P + offset + b] * g[b];
    }
  }
  return v;
}

double DeltaVariance(const Covariance& cov, const std::vector<double>& g) {
  const int P = static_cast<int>(g.size());
  // A nonzero weight on an unidentified parameter: no finite variance.
  for (int a = 0; a < P; ++a)
    if (g[a] != 0.0 && !cov.identified[a]) return kInf;
  return std::max(BlockQuadratic(cov.matrix, P, 0, g), 0.0);
}

void DeltaInterval(double value, double se, double z, bool log_scale,
                   double* lo, double* hi) {
  if (!std::isfinite(se)) {
    *lo = log_scale ? 0.0 : -kInf;
    *hi = kInf;
    return;
  }
  if (log_scale && value > 0.0) {
    const double s = se / value;
    *lo = value * std::exp(-z * s);
    *hi = value * std::exp(z * s);
  } else {
    *lo = value - z * se;
    *hi = value + z * se;
  }
}

bool IsChinchilla(const FitResult& r) {
  return r.law && IsChinchillaLaw(r.law->info());
}

ChinIdx ChinchillaIndices(const LawInfo& info) {
  return ChinIdx{info.ParamIndex("E"), info.ParamIndex("A"),
                 info.ParamIndex("B"), info.ParamIndex("alpha"),
                 info.ParamIndex("beta")};
}

DerivedRoute RouteDerived(const FitResult& r,
                          const std::vector<double>& budgets) {
  DerivedRoute d{r.flop_model(), true, {}, 6.0};
  d.closed = budgets.empty() || d.flops.is_six_nd();
  if (d.closed) d.closed_budgets = budgets;
  if (!d.closed_budgets.empty()) d.k = d.flops.k();
  return d;
}

void CheckBudgets(const std::vector<double>& budgets, const FitResult& r,
                  const std::string& where) {
  if (budgets.empty()) return;
  if (!IsChinchilla(r))
    throw InvalidArgument(where +
                          ": budgets (derived quantities a, b, G, "
                          "N_opt, D_opt, L*) need the chinchilla "
                          "law; this fit is '" +
                          r.law->info().name + "'");
  for (size_t i = 0; i < budgets.size(); ++i)
    if (!std::isfinite(budgets[i]) || !(budgets[i] > 0))
      throw InvalidArgument(where + ": budget " + std::to_string(i) +
                            " (0-based) must be finite and > 0, got " +
                            FormatFull(budgets[i]));
}

std::vector<unsigned char> DerivedLogScale(size_t count) {
  std::vector<unsigned char> v(count, 1);
  v[0] = v[1] = 0;
  return v;
}

}  // namespace scalefit::detail
