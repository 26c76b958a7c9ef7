// Bindings for the allocation topic (filled in by its issue).
#include "common.hpp"

namespace scalefit::py {

void RegisterAllocation(pyb::module_& m) { (void)m; }

}  // namespace scalefit::py
