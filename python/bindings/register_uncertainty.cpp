// Bindings for the uncertainty topic (filled in by its issue).
#include "common.hpp"

namespace scalefit::py {

void RegisterUncertainty(pyb::module_& m) { (void)m; }

}  // namespace scalefit::py
