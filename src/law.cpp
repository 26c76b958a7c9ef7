// LawInfo's lookups and LawModel's default batch evaluation (law.hpp).
#include "scalefit/law.hpp"

#include <algorithm>

#include "scalefit/error.hpp"

namespace scalefit {

std::vector<std::string> LawInfo::param_names() const {
  std::vector<std::string> out;
  for (const auto& p : params) out.push_back(p.name);
  return out;
}

int LawInfo::ParamIndex(const std::string& n) const {
  for (int k = 0; k < num_params(); ++k) {
    if (params[k].name == n) return k;
  }
  std::string valid;
  for (const auto& p : params) valid += (valid.empty() ? "" : ", ") + p.name;
  throw UnknownName("unknown parameter '" + n + "' for law '" + name +
                    "'; its parameters are: " + valid);
}

int LawInfo::FindInput(const std::string& n) const {
  for (int k = 0; k < num_inputs(); ++k) {
    if (input_names[k] == n) return k;
  }
  return -1;
}

bool LawInfo::HasInputs(const std::vector<std::string>& names) const {
  return std::all_of(names.begin(), names.end(), [this](const std::string& n) {
    return FindInput(n) >= 0;
  });
}

void LawModel::EvaluateMany(const double* p, const double* x, int n,
                            double* out) const {
  const int k = info_.num_inputs();
  for (int i = 0; i < n; ++i) out[i] = Evaluate(p, x + i * k);
}

void LawModel::EvaluateManyWithLogs(const double* p, const double* x,
                                    const double* /*log_x*/, int n,
                                    double* out) const {
  EvaluateMany(p, x, n, out);
}

}  // namespace scalefit
