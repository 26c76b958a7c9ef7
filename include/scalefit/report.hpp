/// @file report.hpp
/// The one text formatter for every result type. Numbers in reports are
/// printed at full precision (shortest round-trip form) where they are
/// stored values, and to a few significant digits only in one-line reprs.
#pragma once

#include <string>

namespace scalefit {

/// Shortest decimal string that parses back to exactly `v`.
std::string FormatFull(double v);

/// `v` to `digits` significant digits (for one-line summaries only).
std::string FormatShort(double v, int digits = 6);

}  // namespace scalefit
