/// @file fit_card.hpp
/// Fit cards: a FitResult as a JSON document that Python and C++ both read
/// and write, so a fit made in a notebook can drive a C++ planner. A card IS
/// the fit: loading it restores its convergence, certification, diagnostics,
/// objective, options, FLOP convention and units, and (by default) its data,
/// so every analysis refuses or warns exactly as for the fit in memory.
///
/// Format (format "scalefit.fit_card", format_version 2; keys in this order):
///   {
///     "format": "scalefit.fit_card", "format_version": 2,
///     "scalefit_version": "0.1.0",
///     "law": {"name": "chinchilla", "formula": "...", "inputs": ["N", "D"],
///             "definition": {...}},   // formula laws only (formula.hpp)
///     "parameters": [{"name": "E", "value": 1.8172..., "lower": 0,
///                     "upper": "inf", "fixed": false, "tied_to": null,
///                     "at_bound": false}, ...],          // law order
///     "objective": {"name": "huber_log", "delta": 0.001, "value": 0.0123},
///     "flops": {"convention": "6ND", "architecture": null},
///     "units": {"N": 1e6},                 // FitResult::units ({} = plain)
///     "fit": {"fitted": true, "converged": true, "relative_gradient": 3e-9,
///             "certification_threshold": 1e-6, "message": "converged",
///             "iterations": 17, "num_starts": 5, "num_best_basin": 5,
///             "screened": false, "start": "auto", "num_points": 240},
///     "options": {every other FitOptions field},
///     "data_summary": {"num_rows", "inputs": [{"name", "min", "max",
///                      "num_distinct"}], "loss_min", "loss_max",
///                      "compute_min", "compute_max", "compute_source",
///                      "hash": "fnv1a64:0123456789abcdef"},
///     "diagnostics": {every Diagnostics field (diagnostics_types.hpp)},
///     "data": {"input_names", "inputs": {...}, "loss", "weights", "groups",
///              "compute"},                  // unless include_data = false
///     "digest": {"algorithm": "sha256", "canonicalization": "RFC 8785",
///                "value": "<64 hex>", "fields": {"format": "<16 hex>", ...}}
///   }
///
/// The digest: `value` is the SHA-256 of the RFC 8785 (JCS) canonical form
/// of the card without "digest" (any JCS implementation and sha256sum can
/// check it); `fields` holds the first 16 hex digits of the SHA-256 of each
/// field's canonical form — every member of a top-level object
/// ("law.formula", "fit.converged", "diagnostics.identified",
/// "options.max_iterations", "data.groups"), every element of a top-level
/// array ("parameters[3]") and every top-level scalar — so that a mismatch
/// names the first field that differs.
/// WARNING: the digest detects edits and corruption; it is not a signature
/// (anyone can recompute a SHA-256). A card with data is therefore also
/// re-checked on load: its objective and certification are recomputed on
/// the data (CheckOptimum, fit.hpp) and must match.
///
/// Numbers: every double is written in its shortest round-trip decimal form,
/// so reading a card gives bit-identical parameters. JSON has no infinity or
/// NaN: infinite bounds (and the objective of a failed fit) are written as
/// the strings "inf" / "-inf"; NaN (diagnostics, given parameters'
/// certification) as "nan".
///
/// Laws: a built-in law is stored by name (and must be built in when the
/// card is read: UnknownName naming `law.name` otherwise); a formula law
/// (MakeFormulaLaw) is stored with its formula and parameter metadata and
/// rebuilt on load.
/// Laws defined in code (a function — MakeNumericLaw, a Python callable — or
/// a C++ functor that is not built in; LawInfo::origin) are written with
/// `"definition": {"kind": "function" | "functor", "params": [...]}`: a card
/// cannot carry code, so reading one needs the same law again
/// (FitCardLoadOptions::law); without it the error says so.
/// WARNING: format_version 1 cards (no digest) load only with
/// verify = false, as given parameters.
#pragma once

#include <cstddef>
#include <string>

#include "scalefit/fit.hpp"

namespace scalefit {

/// The fit-card format version this build writes (and the newest it reads).
inline constexpr int kFitCardFormatVersion = 2;

/// Options for writing a card.
struct FitCardOptions {
  /// Also store the observations (inputs, loss, weights, groups, reported
  /// compute), so the loaded result has its data: intervals, bootstrap,
  /// backtests, and the re-check on load. On by default; false writes a
  /// small card that still carries every claim but no uncertainty.
  bool include_data = true;
  /// Spaces per indentation level; < 0 writes one line.
  int indent = 2;
};

/// Options for reading a card. The limits are checked before the work they
/// bound (docs/reliability.md).
struct FitCardLoadOptions {
  /// true: the card must match its digest (else InvalidArgument naming the
  /// first field that differs), its parameters must lie within their
  /// recorded bounds, and a card with data is re-checked (objective and
  /// certification recomputed). The result then carries the card's claims.
  /// false: only the law, parameters, FLOP convention and units are read,
  /// and the result is given parameters (like FromParams: `fitted` false, no
  /// convergence, diagnostics or uncertainty claims, no data); parameters
  /// must lie in the law's domain. For edited, hand-written or
  /// format_version 1 cards.
  bool verify = true;
  /// Largest card accepted, in bytes: checked before parsing, and for a file
  /// before reading it. A card without data is a few kB; with data about
  /// 80 bytes per run.
  std::size_t max_bytes = std::size_t{64} << 20;
  /// Deepest JSON nesting accepted (a card nests 4 levels).
  int max_depth = 32;
  /// The law to restore the card with. Needed for a card whose law was
  /// defined by a function (a Python callable) or by a C++ functor that is
  /// not built in: the card records only its name and parameter metadata.
  /// It must have the card's law name, parameter names and inputs. Null: the
  /// law the card names (a built-in law or a formula).
  LawPtr law;

  /// True when the limits are positive; otherwise `why` says which is not.
  bool IsValid(std::string* why) const;
};

/// The card as a JSON string. Throws InvalidArgument for a result without a
/// law or with a non-finite parameter.
std::string FitCardToString(const FitResult& result,
                            const FitCardOptions& options = {});

/// Parses a card. Validates everything and throws InvalidArgument (or
/// UnknownName for an unknown law, parameter or objective) naming the field,
/// e.g. "fit card <source>: parameters[3].value ('alpha') is not finite";
/// duplicate keys, text that is not UTF-8 and cards over the limits of
/// `options` are refused too. `source` names the card in error messages (a
/// path, or "<string>").
FitResult FitCardFromString(const std::string& json,
                            const std::string& source = "<string>",
                            const FitCardLoadOptions& options = {});

/// Writes the card to `path` (overwrites). Throws InvalidArgument naming the
/// path when it cannot be written or contains a NUL byte.
void SaveFitCard(const FitResult& result, const std::string& path,
                 const FitCardOptions& options = {});

/// Reads a card from `path`. Throws InvalidArgument naming the path when it
/// cannot be read, is not a regular file (a directory, a device), is larger
/// than options.max_bytes (checked before reading) or contains a NUL byte,
/// and as FitCardFromString for bad content.
FitResult LoadFitCard(const std::string& path,
                      const FitCardLoadOptions& options = {});

}  // namespace scalefit
