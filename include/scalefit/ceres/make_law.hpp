/// @file make_law.hpp
/// Ceres glue of the header-only core: MakeLaw<Law>() turns a law functor
/// (the law concept of law.hpp; see laws/chinchilla.hpp) into a runtime
/// LawModel that Fit, the analyses and the bindings accept, with exact
/// derivatives by automatic differentiation (ceres::Jet).
///
/// The functors themselves (scalefit::laws, laws.hpp) never include Ceres;
/// this header does, so include it only in the translation units that
/// instantiate a law, and link scalefit::scalefit there:
///
///   #include "scalefit/ceres/make_law.hpp"
///   const scalefit::LawPtr law = scalefit::MakeLaw<MyLaw>();
///   scalefit::FitResult fit = scalefit::Fit(law, observations);
///
/// WARNING: Law::Evaluate must compile for T = double and T = ceres::Jet:
/// write `using std::exp;` and call exp/log unqualified, keep data double.
#pragma once

#include <memory>

#include "scalefit/detail/typed_law.hpp"
#include "scalefit/law.hpp"

namespace scalefit {

/// The runtime descriptor of any functor that follows the law concept
/// (law.hpp). A user-defined C++ law works everywhere a built-in one does.
template <typename Law>
LawPtr MakeLaw() {
  static_assert(Law::kNumParams == static_cast<int>(Law::kParams.size()),
                "kParams must list kNumParams parameters");
  static_assert(Law::kNumInputs == static_cast<int>(Law::kInputs.size()),
                "kInputs must list kNumInputs inputs");
  return std::make_shared<detail::TypedLaw<Law>>();
}

}  // namespace scalefit
