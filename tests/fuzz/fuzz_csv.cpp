// libFuzzer target for scalefit::fuzz::Csv (fuzz_targets.hpp); built and run
// by scripts/fuzz.sh.
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  scalefit::fuzz::Csv(data, size);
  return 0;
}
