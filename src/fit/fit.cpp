// Fit() — the engine (engine.cpp) plus the design diagnostics that every
// result with data carries — and FromParams().
#include <cmath>
#include <map>
#include <string>

#include "diagnostics_internal.hpp"
#include "fit/fit_internal.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/detail/run_state.hpp"
#include "scalefit/diagnostics.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"
#include "scalefit/uncertainty/profile.hpp"

namespace scalefit {

FitResult Fit(const LawPtr& law, const Observations& data,
              const FitOptions& options) {
  // Cancellation and progress for everything below (run_control.hpp).
  const detail::ScopedRun run(options.control);
  bool reached_optimum = false;
  std::shared_ptr<const detail::Setup> setup;
  FitResult r = detail::SolveFit(law, data, options, &reached_optimum,
                                 /*summarize=*/true, &setup);
  if (reached_optimum) {
    const FlopModel flops = r.flop_model();
    // On the fit's own rows (its logs and targets, laid out for the law's
    // batch kernels), released as soon as the diagnostics are taken.
    r.diagnostics = detail::DiagnoseOnRows(
        *r.law, *r.data, r.params, r.options.objective, r.converged, r.message,
        &flops, &r.data_summary, detail::ResolveThreads(r.options.num_threads),
        setup ? &setup->pd.batch : nullptr);
    setup.reset();
    // The profile check costs several fits: opt-in (FitOptions::
    // profile_check); the allocations run it when they need the claim.
    if (r.options.profile_check)
      CheckIdentification(&r);
    else
      CheckCompetingBasins(&r);
    // An iteration cap on a design that does not identify the parameters
    // (e.g. a broken power law whose break lies beyond the data, on few
    // rows: a long flat valley): more iterations would not give estimates
    // to trust. Said where the cap is reported; `converged` stays false.
    if (!r.converged && !r.diagnostics.identified &&
        r.message.find("Maximum number of iterations") != std::string::npos)
      r.message +=
          " The runs do not identify this law's parameters (see the "
          "diagnostics' warnings): more iterations would not give estimates "
          "to trust.";
  }
  return r;
}

FitResult Fit(const std::string& law, const Observations& data,
              const FitOptions& options) {
  return Fit(GetLaw(law), data, options);
}

FitResult FitWithoutDiagnostics(const LawPtr& law, const Observations& data,
                                const FitOptions& options) {
  bool reached_optimum = false;
  return detail::SolveFit(law, data, options, &reached_optimum);
}

namespace detail {

FitResult FitWithoutSummary(const LawPtr& law, const Observations& data,
                            const FitOptions& options) {
  bool reached_optimum = false;
  return SolveFit(law, data, options, &reached_optimum, /*summarize=*/false);
}

}  // namespace detail

FitResult FromParams(const LawPtr& law,
                     const std::map<std::string, double>& params,
                     const std::string& flop_convention,
                     const std::optional<flops::Architecture>& architecture) {
  if (!law) throw InvalidArgument("law is null");
  const LawInfo& info = law->info();
  for (const auto& [name, v] : params) {
    const int k = info.ParamIndex(name);
    if (!std::isfinite(v))
      throw InvalidArgument("parameter '" + name + "' is not finite");
    const auto& p = info.params[k];
    CheckParameterDomain("parameter", name, v, p.lower, p.upper, p.positive,
                         "the domain of law '" + info.name + "'");
  }
  FitResult r;
  r.law = law;
  r.fitted = false;
  r.has_data = false;
  r.converged = false;
  r.message =
      "given parameters (not fitted here: no convergence, diagnostics or "
      "uncertainty claims)";
  r.start = "given";
  r.options.flop_convention = flop_convention;
  r.options.architecture = architecture;
  std::string why;
  if (!r.options.IsValid(&why)) throw InvalidArgument(why);
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

void CheckParameterDomain(const std::string& what, const std::string& name,
                          double value, double lower, double upper,
                          bool positive, const std::string& domain) {
  const bool inside =
      value >= lower && value <= upper && (!positive || value > 0);
  if (inside) return;
  const std::string open = positive && !(lower > 0) ? "(" : "[";
  const std::string lo = positive && !(lower > 0) ? "0" : FormatFull(lower);
  const std::string close = std::isinf(upper) ? ")" : "]";
  throw InvalidArgument(what + " '" + name + "' = " + FormatFull(value) +
                        " is outside " + domain + ": " + open + lo + ", " +
                        FormatFull(upper) + close);
}

}  // namespace scalefit
