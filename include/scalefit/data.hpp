/// @file data.hpp
/// Observations: named input columns, the observed loss, optional weights and
/// group labels, with validation that names the offending row and column.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace scalefit {

/// Training runs as the fitting engine sees them.
///
/// `x` is row-major: row i holds the law's inputs in the law's order
/// (e.g. N, D for chinchilla). Rows are 0-based in every error message.
struct Observations {
  std::vector<std::string> input_names;
  std::vector<double> x;             ///< num_rows × input_names.size()
  std::vector<double> loss;          ///< observed loss, > 0
  std::vector<double> weights;       ///< empty = all 1; else > 0 per row
  std::vector<std::int64_t> groups;  ///< empty = none; cluster labels per row

  int num_rows() const { return static_cast<int>(loss.size()); }
  int num_inputs() const { return static_cast<int>(input_names.size()); }
  const double* row(int i) const { return x.data() + i * num_inputs(); }
  double weight(int i) const { return weights.empty() ? 1.0 : weights[i]; }
};

/// Builds observations for the given input names from named columns.
/// Throws UnknownName / InvalidArgument naming the missing or extra column,
/// a length mismatch, or the first bad value (row and column).
Observations MakeObservations(
    const std::vector<std::string>& input_names,
    const std::map<std::string, std::vector<double>>& columns,
    const std::vector<double>& loss, const std::vector<double>& weights = {},
    const std::vector<std::int64_t>& groups = {});

/// Checks shapes and values: every input and loss finite and > 0, weights
/// finite and > 0, lengths equal, at least `min_rows` rows.
void ValidateObservations(const Observations& obs, int min_rows);

/// Summary figures used by reports and diagnostics.
struct DataSummary {
  int num_rows = 0;
  std::vector<std::string> input_names;
  std::vector<double> min, max;   ///< per input
  std::vector<int> num_distinct;  ///< per input (relative tol 1e-9)
  double loss_min = 0, loss_max = 0;
  std::uint64_t hash = 0;  ///< FNV-1a over the raw bytes of x, loss, weights
};
DataSummary Summarize(const Observations& obs);

/// A data hash as text: "fnv1a64:" and 16 lower-case hex digits (reports and
/// fit cards).
std::string FormatHash(std::uint64_t hash);

}  // namespace scalefit
