/// @file report.hpp
/// The one number formatter of every report. Numbers are printed at full
/// precision (shortest round-trip form) where they are stored values, and to
/// a few significant digits only in one-line summaries meant to be read.
/// Header-only (part of the scalefit::laws target).
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>

namespace scalefit {

/// Shortest decimal string that parses back to exactly `v` ("nan", "inf",
/// "-inf" for non-finite values).
inline std::string FormatFull(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

/// `v` to `digits` significant digits (printf %g; for summaries only).
inline std::string FormatShort(double v, int digits = 6) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

/// 100·v to 3 significant digits with a percent sign ("12.3%").
inline std::string FormatPercent(double v) {
  return FormatShort(100.0 * v, 3) + "%";
}

/// `s` padded with spaces on the right to at least `width` characters (table
/// columns of the full reports).
inline std::string PadRight(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace scalefit
