// Batch kernels for AVX2 (4 rows per batch). Compiled with -mavx2 only
// (CMakeLists.txt): without fused multiply-add its results are bit-identical
// to the SSE2 kernels. Called only when the CPU has AVX2.
#if SCALEFIT_SIMD_X86
#include "simd/batch_registry.hpp"

namespace scalefit::detail {
const BatchTable& Avx2Table() { return BuiltinTable<xsimd::avx2>(Isa::kAvx2); }
}  // namespace scalefit::detail
#endif  // SCALEFIT_SIMD_X86
