// Bindings for the flops topic (filled in by its issue).
#include "common.hpp"

namespace scalefit::py {

void RegisterFlops(pyb::module_& m) { (void)m; }

}  // namespace scalefit::py
