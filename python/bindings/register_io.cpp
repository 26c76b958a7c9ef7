// Bindings for the io topic (filled in by its issue).
#include "common.hpp"

namespace scalefit::py {

void RegisterIo(pyb::module_& m) { (void)m; }

}  // namespace scalefit::py
