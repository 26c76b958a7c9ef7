// Batch kernels for AVX-512 (8 rows per batch), on xsimd's avx512dq
// architecture: AVX-512DQ converts between doubles and 64-bit integers in
// vector registers, which exp and log need for the exponent (on AVX-512F
// alone xsimd does that lane by lane: a fit's passes take about 1.4 times as
// long). Compiled with -mavx512f -mavx512cd -mavx512dq -mavx512bw (xsimd 8.1
// declares its avx512cd registers only where AVX-512BW is enabled), -mfma
// (Eigen refuses AVX-512 without it) and -ffp-contract=off (CMakeLists.txt):
// without the last the compiler would fuse a*b + c, and xsimd's own fma()
// is a multiply and an add for these architectures. Without fusion its
// results are bit-identical to the SSE2 and AVX2 kernels. Called only when
// the CPU (and the operating system) support all four.
#if SCALEFIT_SIMD_X86
#include "simd/batch_registry.hpp"

namespace scalefit::detail {
const BatchTable& Avx512Table() {
  return BuiltinTable<xsimd::avx512dq>(Isa::kAvx512);
}
}  // namespace scalefit::detail
#endif  // SCALEFIT_SIMD_X86
