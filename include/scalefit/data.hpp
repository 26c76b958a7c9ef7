/// @file data.hpp
/// Observations: named input columns, the observed loss, optional weights and
/// group labels, with validation that names the offending row and column.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scalefit/flops.hpp"

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
  /// Training compute the data report per row (a "C" column for a law that
  /// does not take C as an input), FLOPs; empty = none. Fit() checks it
  /// against the fit's FLOP convention where that fixes C from N and D
  /// (6ND; FitOptions::compute_tolerance), and it is the runs' compute in
  /// the diagnostics and the extrapolation columns.
  std::vector<double> compute;
  /// The factors the inputs were converted by on the way in (ConvertUnits):
  /// input name → factor, e.g. {"N": 1e6} for N given in millions. A record
  /// only: `x` always holds plain counts. Empty = given in plain counts.
  std::map<std::string, double> units;

  int num_rows() const { return static_cast<int>(loss.size()); }
  int num_inputs() const { return static_cast<int>(input_names.size()); }
  const double* row(int i) const { return x.data() + i * num_inputs(); }
  /// The column of input `name` in `x`, or -1 when there is none.
  int input_index(const std::string& name) const;
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

/// Checks shapes and values: every input and loss finite and > 0 (with
/// `positive_data` false, as for the link laws: finite, any sign), weights
/// and the reported compute finite and > 0, lengths equal, at least
/// `min_rows` rows.
void ValidateObservations(const Observations& obs, int min_rows,
                          bool positive_data = true);

/// A unit factor: a number written out ("1e6", finite and > 0), or "K"
/// (1e3), "M" (1e6), "B" (1e9), "T" (1e12), or "PF-day" (8.64e19 FLOPs, for
/// compute). Throws InvalidArgument naming `name` (the column) otherwise.
double ParseUnit(const std::string& name, const std::string& unit);

/// Converts columns given in units to plain counts: multiplies input k (or
/// the reported compute, for "C" when C is not an input) by units[name] and
/// records the factors in obs->units. Throws UnknownName for a name that is
/// neither an input nor "C" with reported compute, InvalidArgument for a
/// factor not finite and > 0, and when obs already records units.
/// Example: units {"N": 1e6, "D": 1e9} for N in millions, D in billions.
void ConvertUnits(Observations* obs,
                  const std::map<std::string, double>& units);

/// Summary figures used by reports and diagnostics.
struct DataSummary {
  int num_rows = 0;
  std::vector<std::string> input_names;
  std::vector<double> min, max;   ///< per input
  std::vector<int> num_distinct;  ///< per input (relative tol 1e-9)
  double loss_min = 0, loss_max = 0;
  /// Range of the runs' training compute (FLOPs) and where it came from:
  /// "C column" (Observations::compute), "C input" (a law in C), or the FLOP
  /// model's name (C(N, D) of each run); "" (and 0, 0) when none applies.
  /// The extrapolation columns measure decades beyond compute_max.
  double compute_min = 0, compute_max = 0;
  std::string compute_source;
  std::uint64_t hash = 0;  ///< FNV-1a over the raw bytes of x, loss, weights
};
/// The summary of `obs`; `flops` (may be null) gives each run's compute from
/// N and D when the data report none and the law has no C input. `threads`
/// count the inputs' distinct values and the hash side by side; the summary
/// does not depend on it.
DataSummary Summarize(const Observations& obs, const FlopModel* flops = nullptr,
                      int threads = 1);

/// Each run's compute C = flops(N, D) from its N and D inputs, FLOPs; empty
/// when the data have no N or no D input or the convention is of the fit
/// (flop_convention="fit", where C comes from the fitted law). Overflow is
/// not checked here: a row with N·D too large for a double gives inf.
std::vector<double> ComputeFromND(const Observations& obs,
                                  const FlopModel& flops);

/// Each run's compute (FLOPs) as Summarize defines it, or empty when none
/// applies; `source` (may be null) receives its origin.
std::vector<double> RunCompute(const Observations& obs, const FlopModel* flops,
                               std::string* source = nullptr);

/// A data hash as text: "fnv1a64:" and 16 lower-case hex digits (reports and
/// fit cards).
std::string FormatHash(std::uint64_t hash);

}  // namespace scalefit
