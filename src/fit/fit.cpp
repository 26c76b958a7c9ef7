// Fit() — the engine (engine.cpp) plus the design diagnostics that every
// result with data carries — and FromParams().
#include <cmath>
#include <map>
#include <string>

#include "fit/fit_internal.hpp"
#include "scalefit/diagnostics.hpp"
#include "scalefit/error.hpp"

namespace scalefit {

FitResult Fit(const LawPtr& law, const Observations& data,
              const FitOptions& options) {
  bool reached_optimum = false;
  FitResult r = detail::SolveFit(law, data, options, &reached_optimum);
  if (reached_optimum) {
    r.diagnostics = Diagnose(*r.law, *r.data, r.params, r.options.objective,
                             r.converged, r.message);
  }
  return r;
}

FitResult Fit(const std::string& law, const Observations& data,
              const FitOptions& options) {
  return Fit(GetLaw(law), data, options);
}

FitResult FromParams(const LawPtr& law,
                     const std::map<std::string, double>& params,
                     const std::string& flop_convention) {
  if (!law) throw InvalidArgument("law is null");
  const LawInfo& info = law->info();
  for (const auto& [name, v] : params) {
    const int k = info.ParamIndex(name);
    if (!std::isfinite(v))
      throw InvalidArgument("parameter '" + name + "' is not finite");
    if (info.params[k].positive && !(v > 0))
      throw InvalidArgument("parameter '" + name + "' must be > 0");
  }
  FitResult r;
  r.law = law;
  r.has_data = false;
  r.converged = true;
  r.message = "given parameters (no data, no uncertainty)";
  r.start = "given";
  r.options.flop_convention = flop_convention;
  for (const auto& p : info.params) {
    auto it = params.find(p.name);
    if (it == params.end())
      throw InvalidArgument("missing parameter '" + p.name + "' for law '" +
                            info.name + "'");
    ParamValue v;
    v.name = p.name;
    v.value = it->second;
    v.lower = p.lower;
    v.upper = p.upper;
    r.params.push_back(v);
  }
  return r;
}

}  // namespace scalefit
