// Bindings for the approaches topic (filled in by its issue).
#include "common.hpp"

namespace scalefit::py {

void RegisterApproaches(pyb::module_& m) { (void)m; }

}  // namespace scalefit::py
