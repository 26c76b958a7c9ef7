/// @file text_table.hpp
/// Aligned text columns for the human reports (one place for every table
/// a report prints). Cells are already formatted (FormatShort: 6 significant
/// digits where people read; full precision belongs to cards and JSON).
#pragma once

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "scalefit/report.hpp"

namespace scalefit::detail {

/// `rows` (the first one the header) as columns two spaces apart, each line
/// prefixed with `indent`; cells left-aligned, trailing spaces dropped.
inline std::string TextColumns(
    const std::vector<std::vector<std::string>>& rows,
    const std::string& indent = "  ") {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t j = 0; j < r.size(); ++j) {
      if (width.size() <= j) width.push_back(0);
      width[j] = std::max(width[j], r[j].size());
    }
  std::ostringstream os;
  for (const auto& r : rows) {
    std::string line = indent;
    for (size_t j = 0; j < r.size(); ++j)
      line += (j ? "  " : "") +
              (j + 1 < r.size() ? PadRight(r[j], width[j]) : r[j]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    os << line << "\n";
  }
  return os.str();
}

}  // namespace scalefit::detail
