#include "scalefit/report.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "scalefit/fit.hpp"

namespace scalefit {

std::string FormatFull(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string FormatShort(double v, int digits) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

namespace {

std::string FormatHash(std::uint64_t h) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016llx",
                static_cast<unsigned long long>(h));
  return buf;
}

std::string Pad(const std::string& s, size_t w) {
  return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

std::string BoundText(double lo, double hi) {
  return "[" + FormatShort(lo, 6) + ", " + FormatShort(hi, 6) + "]";
}

}  // namespace

std::string FitResult::BriefReport() const {
  std::ostringstream os;
  os << "FitResult(" << (law ? law->info().name : "?") << ": ";
  for (size_t k = 0; k < params.size(); ++k) {
    os << (k ? ", " : "") << params[k].name << "="
       << FormatShort(params[k].value, 6);
  }
  // A loaded fit card has no data but keeps the fit's record (num_points).
  if (has_data || num_points > 0) {
    os << "; " << (converged ? "converged" : "NOT CONVERGED")
       << ", objective=" << FormatShort(objective, 6) << ", n=" << num_points;
  } else {
    os << "; from given parameters, no data";
  }
  os << ")";
  return os.str();
}

std::string FitResult::FullReport() const {
  std::ostringstream os;
  const LawInfo& info = law->info();
  os << "scalefit fit report\n";
  os << "  law:         " << info.name << "    " << info.formula << "\n";
  os << "  FLOP conv.:  " << options.flop_convention << "\n";
  const bool fitted = has_data || num_points > 0;  // true for loaded cards
  if (fitted) {
    os << "  data:        " << num_points << " points";
    for (size_t j = 0; j < data_summary.input_names.size(); ++j) {
      os << "; " << data_summary.input_names[j] << " "
         << FormatShort(data_summary.min[j], 4) << ".."
         << FormatShort(data_summary.max[j], 4) << " ("
         << data_summary.num_distinct[j] << " distinct)";
    }
    os << "; loss " << FormatShort(data_summary.loss_min, 5) << ".."
       << FormatShort(data_summary.loss_max, 5) << "\n";
    os << "  objective:   " << ToString(objective_kind);
    if (objective_kind == Objective::kHuberLog)
      os << " (delta = " << FormatFull(delta) << " on log residuals, summed)";
    os << "\n";
    os << "  starts:      " << start << ", " << num_starts << " polished, "
       << num_best_basin << " reached the best objective\n";
    if (start == "auto" && options.max_scoring_rows > 0 &&
        num_points > options.max_scoring_rows)
      os << "               (grid cells ranked on at most "
         << options.max_scoring_rows << " of the " << num_points
         << " rows: each input's extremes and an even stride; every solve"
            " used all rows)\n";
    if (screened)
      os << "               (each start screened to a relative decrease of "
         << FormatShort(options.screening_tolerance, 3) << ", the best "
         << options.num_refined << " refined to full tolerance)\n";
    os << "  solver:      Ceres L-BFGS + Levenberg-Marquardt, max "
       << options.max_iterations << " iterations, function tol "
       << FormatShort(options.function_tolerance, 3) << ", parameter tol "
       << FormatShort(options.parameter_tolerance, 3) << "\n";
    os << "  converged:   " << (converged ? "yes" : "NO") << " (" << message
       << "), " << iterations << " iterations\n";
    os << "  objective value: " << FormatFull(objective) << "\n";
    if (!has_data)
      os << "  data:        not attached (a loaded fit card); data hash "
         << FormatHash(data_summary.hash) << "\n";
  } else {
    os << "  source:      " << message << "\n";
  }
  os << "  parameters:\n";
  for (const auto& p : params) {
    os << "    " << Pad(p.name, 10) << " " << Pad(FormatFull(p.value), 24);
    if (fitted) os << " bounds " << BoundText(p.lower, p.upper);
    if (p.fixed) os << "  (fixed)";
    if (!p.tied_to.empty()) os << "  (tied to " << p.tied_to << ")";
    if (p.at_bound) os << "  AT BOUND";
    os << "\n";
  }
  if (diagnostics.computed) {  // also for loaded fit cards
    os << "diagnostics\n" << diagnostics.FullReport();
  }
  return os.str();
}

}  // namespace scalefit
