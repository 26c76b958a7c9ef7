/// @file fit_card.hpp
/// Fit cards: a FitResult as a JSON document that Python and C++ both read
/// and write, so a fit made in a notebook can drive a C++ planner.
///
/// Format (format "scalefit.fit_card", format_version 1; keys in this order):
///   {
///     "format": "scalefit.fit_card", "format_version": 1,
///     "scalefit_version": "0.1.0",
///     "law": {"name": "chinchilla", "formula": "...", "inputs": ["N", "D"],
///             "definition": {...}},   // formula laws only (formula.hpp)
///     "parameters": [{"name": "E", "value": 1.8172..., "lower": 0,
///                     "upper": "inf", "fixed": false, "tied_to": null,
///                     "at_bound": false}, ...],          // law order
///     "objective": {"name": "huber_log", "delta": 0.001, "value": 0.0123},
///     "flop_convention": "6ND",
///     "fit": {"fitted": true, "converged": true, "message": "converged",
///             "iterations": 17, "num_starts": 5, "num_best_basin": 5,
///             "start": "auto", "num_points": 240},
///     "options": {every other FitOptions field: init, bounds, fixed, ties,
///                 start, grid, grid_points, max_grid_cells, num_polish,
///                 max_iterations, function_tolerance, parameter_tolerance,
///                 gradient_tolerance, num_threads},
///     "data_summary": {"num_rows": 240, "inputs": [{"name": "N", "min": ..,
///                      "max": .., "num_distinct": ..}], "loss_min": ..,
///                      "loss_max": .., "hash": "fnv1a64:0123456789abcdef"},
///     "diagnostics": {every Diagnostics field (diagnostics.hpp)},
///     "data": {...}            // only when written with include_data
///   }
///
/// Numbers: every double is written in its shortest round-trip decimal form,
/// so reading a card gives bit-identical parameters. JSON has no infinity or
/// NaN: infinite bounds (and the objective of a failed fit) are written as
/// the strings "inf" / "-inf"; NaN is never written.
///
/// A loaded card is a FitResult without data (like FromParams): it predicts
/// and drives allocation, and its report shows the original fit's settings
/// and data summary, but analyses that refit (bootstrap, backtests) need the
/// data. Cards written with `include_data` carry the observations too; on
/// load their hash is recomputed and must match `data_summary.hash`.
///
/// Laws: a built-in law is stored by name (and must be built in when the
/// card is read: UnknownName naming `law.name` otherwise); a formula law
/// (MakeFormulaLaw) is stored with its formula and parameter metadata and
/// rebuilt on load.
/// WARNING: a law defined by a function (MakeNumericLaw, or a Python
/// callable) cannot be restored: loading its card fails naming `law.formula`.
/// WARNING: `data_summary.hash` is FNV-1a over the raw bytes of x, loss and
/// weights (data.hpp): it identifies the exact doubles, so re-reading a CSV
/// that was rounded on the way gives a different hash.
#pragma once

#include <string>

#include "scalefit/fit.hpp"

namespace scalefit {

/// The fit-card format version this build writes (and the newest it reads).
inline constexpr int kFitCardFormatVersion = 1;

/// Options for writing a card.
struct FitCardOptions {
  /// Also store the observations (inputs, loss, weights, groups), so the
  /// loaded result has data again (bootstrap, backtests). Off by default:
  /// cards are meant to be small and shareable.
  bool include_data = false;
  /// Spaces per indentation level; < 0 writes one line.
  int indent = 2;
};

/// The card as a JSON string. Throws InvalidArgument for a result without a
/// law or with a non-finite parameter.
std::string FitCardToString(const FitResult& result,
                            const FitCardOptions& options = {});

/// Parses a card. Validates everything and throws InvalidArgument (or
/// UnknownName for an unknown law, parameter or objective) naming the field,
/// e.g. "fit card <source>: parameters[3].value ('alpha') is not finite".
/// `source` names the card in error messages (a path, or "<string>").
FitResult FitCardFromString(const std::string& json,
                            const std::string& source = "<string>");

/// Writes the card to `path` (overwrites). Throws InvalidArgument naming the
/// path when it cannot be written.
void SaveFitCard(const FitResult& result, const std::string& path,
                 const FitCardOptions& options = {});

/// Reads a card from `path`. Throws InvalidArgument naming the path when it
/// cannot be read, and as FitCardFromString for bad content.
FitResult LoadFitCard(const std::string& path);

}  // namespace scalefit
