// Run-time instruction-set choice for the batch kernels (baseline code).
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "scalefit/detail/simd.hpp"
#include "scalefit/error.hpp"
#include "scalefit/instruction_set.hpp"
#include "scalefit/log.hpp"

namespace scalefit::detail {

#if SCALEFIT_SIMD_X86
const BatchTable& Sse2Table();
const BatchTable& Avx2Table();
const BatchTable& Avx512Table();
#endif

namespace {

std::atomic<int> g_active{-1};

// Every set, widest first (the order of SupportedInstructionSets).
constexpr Isa kAllIsas[] = {Isa::kAvx512, Isa::kAvx2, Isa::kSse2, Isa::kScalar};

Isa Parse(const std::string& name) {
  std::string valid;
  for (Isa isa : kAllIsas) {
    if (name == IsaName(isa)) return isa;
    valid += (valid.empty() ? "" : ", ") + std::string(IsaName(isa));
  }
  throw InvalidArgument("unknown instruction set '" + name +
                        "'; valid: " + valid);
}

Isa Best() {
  for (Isa isa : kAllIsas)
    if (IsaSupported(isa)) return isa;
  return Isa::kScalar;
}

const BatchTable* TableFor(Isa isa) {
#if SCALEFIT_SIMD_X86
  if (isa == Isa::kSse2) return &Sse2Table();
  if (isa == Isa::kAvx2) return &Avx2Table();
  if (isa == Isa::kAvx512) return &Avx512Table();
#endif
  (void)isa;
  return nullptr;
}

}  // namespace

bool IsaCompiled([[maybe_unused]] Isa isa) {
#if SCALEFIT_SIMD_X86
  return true;
#else
  return isa == Isa::kScalar;
#endif
}

bool IsaSupported(Isa isa) {
  if (isa == Isa::kScalar) return true;
  if (!IsaCompiled(isa)) return false;
#if SCALEFIT_SIMD_X86 && (defined(__GNUC__) || defined(__clang__))
  // __builtin_cpu_supports checks the OS saves the wide registers too.
  if (isa == Isa::kSse2) return true;  // every x86-64 CPU
  if (isa == Isa::kAvx2) return __builtin_cpu_supports("avx2");
  // The AVX-512 kernels are compiled with -mavx512f -mavx512cd -mavx512dq
  // -mavx512bw -mfma (CMakeLists.txt): every AVX-512 CPU from Skylake-SP and
  // Zen 4 on has them.
  if (isa == Isa::kAvx512)
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma");
#endif
  return false;
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kSse2:
      return "sse2";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

Isa ActiveIsa() {
  int v = g_active.load(std::memory_order_relaxed);
  if (v >= 0) return static_cast<Isa>(v);
  // An environment variable naming no set, or one this CPU or build cannot
  // run, leaves the default in place and says so once; an empty one is unset
  // (Warn, outside the once-block: a warning handler may throw).
  static std::once_flag once;
  static std::string refused;
  std::call_once(once, [] {
    Isa isa = Best();
    const char* env = std::getenv("SCALEFIT_INSTRUCTION_SET");
    if (env != nullptr && *env != '\0') {  // empty: as if unset
      const std::string name = env;
      try {
        const Isa want = Parse(name);
        if (IsaSupported(want)) {
          isa = want;
        } else {
          refused = "SCALEFIT_INSTRUCTION_SET='" + name +
                    "' is not supported by this CPU or build; using " +
                    IsaName(isa);
        }
      } catch (const InvalidArgument& e) {
        refused = "SCALEFIT_INSTRUCTION_SET: " + std::string(e.what()) +
                  "; using " + IsaName(isa);
      }
    }
    int expected = -1;
    g_active.compare_exchange_strong(expected, static_cast<int>(isa));
  });
  static std::atomic<bool> warned{false};
  if (!refused.empty() && !warned.exchange(true)) Warn(refused);
  return static_cast<Isa>(g_active.load());
}

void SetActiveIsa(const std::string& name) {
  const Isa isa = Parse(name);
  if (!IsaSupported(isa))
    throw InvalidArgument(std::string("instruction set '") + name +
                          "' is not supported by this CPU or build");
  ActiveIsa();  // settle the default first
  g_active.store(static_cast<int>(isa));
}

const BatchKernels* FindBatchKernels(const std::type_info& law, Isa isa) {
  const BatchTable* table = TableFor(isa);
  if (!table) return nullptr;
  for (int i = 0; i < table->size; ++i)
    if (*table->entries[i].law == law) return table->entries[i].kernels;
  return nullptr;
}

const BatchKernels* FindBatchKernels(const std::type_info& law) {
  return FindBatchKernels(law, ActiveIsa());
}

}  // namespace scalefit::detail

namespace scalefit {

std::string InstructionSet() { return detail::IsaName(detail::ActiveIsa()); }

void SetInstructionSet(const std::string& name) { detail::SetActiveIsa(name); }

std::vector<std::string> SupportedInstructionSets() {
  std::vector<std::string> out;
  for (detail::Isa isa : detail::kAllIsas)
    if (detail::IsaSupported(isa)) out.push_back(detail::IsaName(isa));
  return out;
}

}  // namespace scalefit
