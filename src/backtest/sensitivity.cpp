// The sensitivity panel (backtest.hpp): one fit per objective and the
// spread of the exponents, N_opt and L* at one budget.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/allocation.hpp"
#include "scalefit/backtest.hpp"
#include "scalefit/detail/run_state.hpp"
#include "scalefit/diagnostics.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

SensitivityPanel Sensitivity(const FitResult& fit, double budget,
                             const std::vector<Objective>& objectives_in,
                             bool allow_unidentified,
                             const RunControl& control) {
  const detail::ScopedRun run(control);
  if (!fit.has_data || !fit.data)
    throw InvalidArgument(
        "sensitivity: this result has no data (from given parameters); the "
        "panel refits the data with each objective");
  if (!std::isfinite(budget) || !(budget > 0))
    throw InvalidArgument(
        "sensitivity: budget must be finite and > 0 FLOPs, got " +
        FormatFull(budget));
  std::vector<Objective> objectives = objectives_in;
  if (objectives.empty())
    objectives = {Objective::kHuberLog, Objective::kMseLog, Objective::kMse};
  const LawInfo& info = fit.law->info();
  const bool allocates = info.FindInput("N") >= 0 && info.FindInput("D") >= 0;
  SensitivityPanel panel;
  panel.law = info.name;
  panel.budget = budget;
  panel.flop_convention = fit.flop_model().name();
  detail::Stage stage("sensitivity refits",
                      static_cast<std::int64_t>(objectives.size()));
  for (Objective obj : objectives) {
    detail::ThrowIfStopped();
    SensitivityRow row;
    row.objective = ToString(obj);
    FitOptions opts = fit.options;
    opts.objective = obj;
    row.fit = Fit(fit.law, *fit.data, opts);
    RequireIdentified(row.fit, allow_unidentified);
    row.note = UnidentifiedNote(row.fit);
    if (!row.fit.converged)
      row.note += (row.note.empty() ? "" : " ") +
                  std::string("fit did not converge: ") + row.fit.message;
    if (allocates) {
      try {
        // a = d ln N_opt / d ln C, by a central difference of ±0.05 decades
        // (exact for power-law frontiers such as chinchilla's).
        const double h = 0.05 * std::log(10.0);
        AllocationOptions ao;
        ao.allow_unidentified = allow_unidentified;
        const FlopModel flops = row.fit.flop_model();
        const Allocation mid = ComputeOptimal(row.fit, budget, flops, ao);
        const Allocation up =
            ComputeOptimal(row.fit, budget * std::exp(h), flops, ao);
        const Allocation dn =
            ComputeOptimal(row.fit, budget * std::exp(-h), flops, ao);
        row.N_opt = mid.N_opt;
        row.D_opt = mid.D_opt;
        row.loss_opt = mid.loss_opt;
        row.a = (std::log(up.N_opt) - std::log(dn.N_opt)) / (2.0 * h);
      } catch (const Error& e) {
        detail::RethrowIfStopped();
        row.note += (row.note.empty() ? "" : " ") +
                    std::string("no allocation: ") + e.what();
      }
    } else {
      row.note += (row.note.empty() ? "" : " ") +
                  std::string("law has no N and D inputs: no allocation");
    }
    panel.rows.push_back(std::move(row));
    stage.Advance();
  }
  auto spread = [&](auto get, double* mn, double* mx) {
    *mn = kInf;
    *mx = -kInf;
    int count = 0;
    for (const auto& r : panel.rows) {
      const double v = get(r);
      if (std::isnan(v)) continue;
      *mn = std::min(*mn, v);
      *mx = std::max(*mx, v);
      ++count;
    }
    return count > 0;
  };
  double mn, mx;
  if (spread([](const SensitivityRow& r) { return r.a; }, &mn, &mx))
    panel.a_spread = mx - mn;
  if (spread([](const SensitivityRow& r) { return r.N_opt; }, &mn, &mx))
    panel.N_opt_ratio = mx / mn;
  if (spread([](const SensitivityRow& r) { return r.loss_opt; }, &mn, &mx))
    panel.loss_opt_rel_spread = (mx - mn) / mn;
  return panel;
}

std::string SensitivityPanel::BriefReport() const {
  std::ostringstream os;
  os << "SensitivityPanel(" << law << " at C = " << FormatShort(budget, 4)
     << ", " << rows.size() << " objectives: a spread "
     << FormatShort(a_spread, 3) << ", N_opt max/min "
     << FormatShort(N_opt_ratio, 4) << ", L* spread "
     << FormatPercent(loss_opt_rel_spread) << ")";
  return os.str();
}

std::string SensitivityPanel::FullReport() const {
  std::ostringstream os;
  os << "scalefit sensitivity panel: the error model (objective)\n";
  os << "  law:     " << law << "; budget C = " << FormatShort(budget)
     << " FLOPs (" << flop_convention << ")\n";
  os << "    " << PadRight("objective", 11) << PadRight("a", 22)
     << PadRight("N_opt", 24) << PadRight("D_opt", 24) << PadRight("L*(C)", 22)
     << "parameters\n";
  for (const auto& r : rows) {
    os << "    " << PadRight(r.objective, 11) << PadRight(FormatShort(r.a), 22)
       << PadRight(FormatShort(r.N_opt), 24)
       << PadRight(FormatShort(r.D_opt), 24)
       << PadRight(FormatShort(r.loss_opt), 22);
    for (size_t k = 0; k < r.fit.params.size(); ++k)
      os << (k ? ", " : "") << r.fit.params[k].name << "="
         << FormatShort(r.fit.params[k].value);
    os << "\n";
    if (!r.note.empty()) os << "      note: " << r.note << "\n";
  }
  os << "  spread:  a max-min " << FormatShort(a_spread) << "; N_opt max/min "
     << FormatShort(N_opt_ratio) << "; L* (max-min)/min "
     << FormatShort(loss_opt_rel_spread) << "\n";
  return os.str();
}

}  // namespace scalefit
