// The registry of built-in laws: GetLaw and BuiltinLawNames (law.hpp), one
// runtime law per functor in laws/builtin.hpp.
#include "scalefit/ceres/make_law.hpp"
#include "scalefit/error.hpp"
#include "scalefit/law.hpp"
#include "scalefit/laws/builtin.hpp"

namespace scalefit {

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
