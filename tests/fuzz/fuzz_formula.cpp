// libFuzzer target for scalefit::fuzz::Formula (fuzz_targets.hpp); built and
// run by scripts/fuzz.sh.
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  scalefit::fuzz::Formula(data, size);
  return 0;
}
