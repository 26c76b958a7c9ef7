#include <algorithm>

#include "scalefit/detail/typed_law.hpp"
#include "scalefit/error.hpp"
#include "scalefit/law.hpp"
#include "scalefit/laws/builtin.hpp"

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
  return std::all_of(names.begin(), names.end(),
                     [this](const std::string& n) { return FindInput(n) >= 0; });
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

namespace {

const std::vector<LawPtr>& Registry() {
  static const std::vector<LawPtr> laws = [] {
    std::vector<LawPtr> v;
    laws::ForEachBuiltinLaw([&v](auto tag) {
      using Law = decltype(tag);
      v.push_back(MakeLaw<Law>());
    });
    return v;
  }();
  return laws;
}

}  // namespace

LawPtr GetLaw(const std::string& name) {
  // "broken_power_law:1" is the 1-break law, registered as
  // "broken_power_law".
  const std::string lookup =
      name == "broken_power_law:1" ? std::string("broken_power_law") : name;
  for (const auto& law : Registry()) {
    if (law->info().name == lookup) return law;
  }
  const std::string bpl = "broken_power_law:";
  if (name.compare(0, bpl.size(), bpl) == 0) {
    throw UnknownName("unknown law '" + name + "': the broken power law has " +
                      "1 to " + std::to_string(laws::kMaxBreaks) +
                      " breaks ('broken_power_law' = 1 break, "
                      "'broken_power_law:K' = K breaks)");
  }
  std::string valid;
  for (const auto& law : Registry()) {
    valid += (valid.empty() ? "" : ", ") + law->info().name;
  }
  throw UnknownName("unknown law '" + name + "'; built-in laws: " + valid);
}

std::vector<std::string> BuiltinLawNames() {
  std::vector<std::string> out;
  for (const auto& law : Registry()) out.push_back(law->info().name);
  return out;
}

}  // namespace scalefit
