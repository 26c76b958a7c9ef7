// LawSlice: a result's law restricted to (N, D), with its additive offsets
// split off; and the test for the built-in Chinchilla law.
#include <cmath>
#include <string>
#include <vector>

#include "allocation/allocation_internal.hpp"
#include "scalefit/error.hpp"
#include "scalefit/laws/chinchilla.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

bool IsChinchillaLaw(const LawInfo& info) {
  return IsLaw<laws::Chinchilla>(info);
}

namespace detail {

void CheckFinitePositive(const std::string& what, double v) {
  if (!std::isfinite(v) || !(v > 0.0)) {
    throw InvalidArgument(what + " must be finite and > 0 (got " +
                          FormatFull(v) + ")");
  }
}

LawSlice::LawSlice(const FitResult& result, const AllocationOptions& options) {
  if (!result.law) throw InvalidArgument("the result has no law");
  law_ = result.law.get();
  const LawInfo& info = law_->info();
  iN_ = info.FindInput("N");
  iD_ = info.FindInput("D");
  if (iN_ < 0 || iD_ < 0) {
    std::string ins;
    for (const auto& n : info.input_names) ins += (ins.empty() ? "" : ", ") + n;
    throw InvalidArgument("allocation needs a law with inputs N and D; law '" +
                          info.name + "' has inputs: " + ins);
  }
  for (const auto& [name, v] : options.other_inputs) {
    const int j = info.FindInput(name);
    if (j < 0) {
      throw UnknownName("other_inputs: unknown input '" + name + "' for law '" +
                        info.name + "'");
    }
    if (j == iN_ || j == iD_) {
      throw InvalidArgument("other_inputs: '" + name +
                            "' is allocated, it cannot be held fixed");
    }
    CheckFinitePositive("other_inputs['" + name + "']", v);
  }
  x_.assign(info.num_inputs(), 0.0);
  for (int j = 0; j < info.num_inputs(); ++j) {
    if (j == iN_ || j == iD_) continue;
    auto it = options.other_inputs.find(info.input_names[j]);
    if (it == options.other_inputs.end()) {
      throw InvalidArgument("allocation: law '" + info.name + "' has input '" +
                            info.input_names[j] +
                            "' besides N and D; give its value in "
                            "other_inputs");
    }
    x_[j] = it->second;
  }
  p_ = result.values();
  if (static_cast<int>(p_.size()) != info.num_params()) {
    throw InvalidArgument("the result has " + std::to_string(p_.size()) +
                          " parameters; law '" + info.name + "' needs " +
                          std::to_string(info.num_params()));
  }
  for (size_t k = 0; k < p_.size(); ++k) {
    if (!std::isfinite(p_[k])) {
      throw InvalidArgument("parameter '" + info.params[k].name +
                            "' is not finite");
    }
  }
  FindOffsets();
  is_chinchilla_ = info.name == laws::Chinchilla::kName &&
                   info.formula == laws::Chinchilla::kFormula &&
                   info.param_names() ==
                       std::vector<std::string>{"E", "A", "B", "alpha", "beta"};
}

double LawSlice::Floor() const {
  if (is_chinchilla_) return p_[0];
  for (double big : {1e300, 1e200, 1e100}) {
    const double r = Eval(q_, big, big);
    if (std::isfinite(r)) return offset_ + r;
  }
  throw NotIdentified("law '" + law_name() +
                      "' is not finite at N = D = 1e100: no floor");
}

/// Additive offsets: parameters with ∂L/∂p_k = 1 exactly at two probes
/// and L(p_k = 0) = L − p_k there.
void LawSlice::FindOffsets() {
  const int P = static_cast<int>(p_.size());
  q_ = p_;
  offset_ = 0.0;
  const double probes[2][2] = {{1e9, 2e10}, {3e6, 1e12}};
  std::vector<double> grad(P);
  std::vector<std::vector<double>> grads;
  for (const auto& pr : probes) {
    std::vector<double> x = x_;
    x[iN_] = pr[0];
    x[iD_] = pr[1];
    law_->ValueAndGradient(p_.data(), x.data(), grad.data());
    grads.push_back(grad);
  }
  for (int k = 0; k < P; ++k) {
    if (grads[0][k] != 1.0 || grads[1][k] != 1.0) continue;
    std::vector<double> z = q_;
    z[k] = 0.0;
    bool ok = true;
    for (const auto& pr : probes) {
      const double full = Eval(q_, pr[0], pr[1]);
      const double without = Eval(z, pr[0], pr[1]);
      if (!std::isfinite(without) ||
          std::abs((full - without) - q_[k]) > 1e-12 * std::abs(full)) {
        ok = false;
      }
    }
    if (ok) {
      offset_ += q_[k];
      q_ = z;
    }
  }
}

}  // namespace detail
}  // namespace scalefit
