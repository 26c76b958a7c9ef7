/// @file batch_registry.hpp
/// The built-in laws' kernel tables for one instruction set (included by
/// each src/simd/kernels_*.cpp with its Arch).
#pragma once

#include <array>
#include <type_traits>
#include <typeinfo>

#include "scalefit/laws/builtin.hpp"
#include "simd/batch_kernels.hpp"

namespace scalefit::detail {

/// Whether Law::Evaluate takes a batch of rows (its row parameter is a
/// template, as in laws/chinchilla.hpp), so that it can run on batches.
template <typename Law, typename V, typename = void>
struct TakesBatchRow : std::false_type {};
template <typename Law, typename V>
struct TakesBatchRow<
    Law, V,
    std::void_t<decltype(Law::Evaluate(std::declval<const V*>(),
                                       std::declval<BatchRow<V>>()))>>
    : std::true_type {};

// The built-in laws that take batch rows, with their kernels for Arch. A
// fixed array, filled in this translation unit: no out-of-line standard
// library code is instantiated here (with this TU's target flags) that the
// linker could pick for baseline callers.
template <class Arch>
const BatchTable& BuiltinTable(Isa isa) {
  static const BatchTable table = [isa] {
    BatchTable t;
    laws::ForEachBuiltinLaw([&](auto tag) {
      using Law = decltype(tag);
      using V = xsimd::batch<double, Arch>;
      if constexpr (TakesBatchRow<Law, V>::value) {
        if (t.size < kMaxBatchLaws)
          t.entries[t.size++] = {&typeid(Law),
                                 BatchKernel<Law, Arch>::Table(isa)};
      }
    });
    return t;
  }();
  return table;
}

}  // namespace scalefit::detail
