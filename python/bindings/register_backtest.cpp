// Bindings for the backtest topic (filled in by its issue).
#include "common.hpp"

namespace scalefit::py {

void RegisterBacktest(pyb::module_& m) { (void)m; }

}  // namespace scalefit::py
