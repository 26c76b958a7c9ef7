// The reports of the diagnostics value (diagnostics_types.hpp).
#include "scalefit/diagnostics_types.hpp"

#include <algorithm>
#include <sstream>
#include <string>

#include "scalefit/report.hpp"

namespace scalefit {

bool Diagnostics::HasWarning(const std::string& code) const {
  for (const auto& w : warnings)
    if (w.code == code) return true;
  return false;
}

std::string Diagnostics::WarningText() const {
  std::string out;
  for (const auto& w : warnings) out += "- " + w.message + "\n";
  return out;
}

std::string Diagnostics::BriefReport() const {
  if (!computed) return "Diagnostics(no data)";
  std::ostringstream os;
  os << "Diagnostics(" << num_points << " points, exponents "
     << (identified ? "identified" : "NOT IDENTIFIED") << ", condition "
     << FormatShort(condition_number, 3) << ", " << warnings.size()
     << (warnings.size() == 1 ? " warning" : " warnings");
  if (!warnings.empty()) {
    os << ":";
    for (size_t i = 0; i < warnings.size(); ++i)
      os << (i ? "," : "") << " " << warnings[i].code;
  }
  os << ")";
  return os.str();
}

std::string Diagnostics::FullReport() const {
  std::ostringstream os;
  if (!computed) {
    os << "  diagnostics: none (result without data)\n";
    return os.str();
  }
  os << "  design:      " << num_points << " points, " << num_free_params
     << " free parameters\n";
  for (size_t j = 0; j < input_names.size(); ++j) {
    os << "               " << input_names[j] << ": " << num_distinct[j]
       << " distinct, spans " << FormatShort(span_decades[j], 3)
       << " decades\n";
  }
  if (has_compute && std::find(input_names.begin(), input_names.end(), "C") ==
                         input_names.end()) {
    os << "               C = 6ND: " << num_distinct_compute
       << " distinct, spans " << FormatShort(compute_span_decades, 3)
       << " decades\n";
  }
  if (has_tokens_per_param) {
    os << "               tokens/parameter D/N: "
       << FormatShort(tokens_per_param_min, 4) << " .. "
       << FormatShort(tokens_per_param_max, 4) << " (median "
       << FormatShort(tokens_per_param_median, 4) << "), spread "
       << FormatShort(tokens_per_param_spread_decades, 3) << " decades\n";
  }
  os << "  geometry:    condition number of the scaled Jacobian "
     << FormatShort(condition_number, 4) << "; sigma " << FormatShort(sigma, 4)
     << "\n";
  for (size_t k = 0; k < exponent_names.size(); ++k) {
    os << "               " << exponent_names[k] << ": relative standard error "
       << FormatPercent(exponent_rel_se[k]) << "\n";
  }
  const size_t shown = std::min<size_t>(3, correlations.size());
  for (size_t k = 0; k < shown; ++k) {
    os << "               corr(" << correlations[k].first << ", "
       << correlations[k].second
       << ") = " << FormatShort(correlations[k].value, 4) << "\n";
  }
  if (!floor_name.empty()) {
    os << "  floor:       " << floor_name << " = "
       << FormatShort(floor_value, 6) << ", smallest observed loss "
       << FormatShort(min_loss, 6) << "\n";
  }
  os << "  identified:  " << (identified ? "yes" : "NO")
     << " (the exponents)\n";
  os << "  profile:     "
     << (profile_checked
             ? "checked (weak identification and competing basins)"
             : "not checked (profile_check off): a flat valley is not "
               "excluded")
     << "\n";
  if (warnings.empty()) {
    os << "  warnings:    none\n";
  } else {
    os << "  warnings:\n";
    for (const auto& w : warnings)
      os << "    [" << w.code << "] " << w.message << "\n";
  }
  return os.str();
}

}  // namespace scalefit
