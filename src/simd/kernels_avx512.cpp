// Batch kernels for AVX-512F (8 rows per batch). Compiled with -mavx512f,
// -mfma (Eigen refuses AVX-512F without it) and -ffp-contract=off
// (CMakeLists.txt): without the last the compiler would fuse a*b + c, and
// xsimd's own fma() is a multiply and an add for its avx512f architecture.
// Without fusion its results are bit-identical to the SSE2 and AVX2 kernels.
// Called only when the CPU (and the operating system) support AVX-512F.
#if SCALEFIT_SIMD_X86
#include "simd/batch_registry.hpp"

namespace scalefit::detail {
const BatchTable& Avx512Table() {
  return BuiltinTable<xsimd::avx512f>(Isa::kAvx512);
}
}  // namespace scalefit::detail
#endif  // SCALEFIT_SIMD_X86
