// Batch kernels for SSE2 (2 rows per batch), the baseline of every x86-64
// CPU: no target flags.
#if SCALEFIT_SIMD_X86
#include "simd/batch_registry.hpp"

namespace scalefit::detail {
const BatchTable& Sse2Table() { return BuiltinTable<xsimd::sse2>(Isa::kSse2); }
}  // namespace scalefit::detail
#endif  // SCALEFIT_SIMD_X86
