/// @file csv.hpp
/// The one CSV reader of scalefit: training runs from a file or a string,
/// as a table of text cells and as Observations for Fit(). The embedded
/// datasets (datasets.hpp) are parsed by it too.
///
/// Format (RFC 4180, with the conventions of the shipped data files):
///  - a UTF-8 byte-order mark at the start is skipped; lines end in LF or
///    CRLF (a lone CR also ends a line);
///  - lines that start with `comment` ('#' by default) and blank lines (only
///    spaces and tabs) are skipped — outside quoted fields only;
///  - the first remaining line is the header: non-empty, distinct column
///    names (surrounding spaces trimmed);
///  - fields are separated by `delimiter` (','); a field may be quoted with
///    '"', and then holds delimiters, line breaks and doubled quotes ("")
///    literally; a quote inside an unquoted field, text after a closing
///    quote, or a quote left open at the end of the input is an error;
///  - every row has exactly as many fields as the header.
/// Cells are kept as text; NumericColumn() converts a column, accepting
/// decimal and scientific notation ("1.4e12", "+3", " 7 ") and rejecting
/// empty cells, "nan", "inf", hexadecimal and anything else.
///
/// Limits (CsvLimits) are checked before the work they bound: the size of a
/// file before it is read, the size of a string before it is scanned, the
/// header's column count before any row is read, and a field's length as it
/// grows. Every error is a scalefit::InvalidArgument (UnknownName for a
/// missing column) that names the source, the 1-based line and column
/// (field number and header name) and the offending text, e.g.
///   runs.csv, line 7, column 3 ('loss'): 'abc' is not a number
///
/// WARNING: line numbers count physical lines of the input (comment and
/// blank lines included), so they match what an editor shows; a quoted
/// field that spans lines is reported at the line where its row starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scalefit/data.hpp"

namespace scalefit {

/// Bounds on the input, enforced before the work they bound.
struct CsvLimits {
  /// Largest input in bytes (256 MiB). A file larger than this is refused
  /// before it is read.
  std::size_t max_bytes = std::size_t{256} << 20;
  /// Longest field in bytes after unquoting (64 KiB).
  std::size_t max_field_bytes = std::size_t{64} << 10;
  /// Most columns in the header.
  int max_columns = 1024;

  /// True when every limit is positive; otherwise `why` says which is not.
  bool IsValid(std::string* why) const;
};

/// How to read a CSV.
struct CsvOptions {
  /// Field separator; not '"', CR, LF or the comment character.
  char delimiter = ',';
  /// Lines whose first character is this are skipped; '\0' = none.
  char comment = '#';
  CsvLimits limits;

  /// True when the options are consistent; otherwise `why` says why.
  bool IsValid(std::string* why) const;
};

/// A parsed CSV: the header and the data rows as text, with the line each
/// row starts on (for error messages).
struct CsvTable {
  std::string source;                          ///< path, or the given name
  std::vector<std::string> columns;            ///< header, file order
  std::vector<std::vector<std::string>> rows;  ///< cells, rows × columns
  std::vector<int> lines;                      ///< 1-based line per row

  int num_rows() const { return static_cast<int>(rows.size()); }
  int num_columns() const { return static_cast<int>(columns.size()); }
  bool HasColumn(const std::string& name) const;
  /// 0-based index of a column; throws UnknownName listing the columns.
  int ColumnIndex(const std::string& name) const;
  /// A column's cells as text.
  std::vector<std::string> Column(const std::string& name) const;
  /// A column as finite numbers (see the file comment for the syntax);
  /// throws InvalidArgument naming the line, column and cell.
  std::vector<double> NumericColumn(const std::string& name) const;
  /// A column as 64-bit integers (optional sign, digits only); throws
  /// InvalidArgument naming the line, column and cell.
  std::vector<std::int64_t> IntegerColumn(const std::string& name) const;
  /// "<source>, line L, column C ('name')" for row i, column j (0-based).
  std::string Where(int i, int j) const;
};

/// Parses CSV text. `source` names it in errors (e.g. the file it came
/// from). Throws InvalidArgument for invalid options, input over the limits
/// or malformed CSV (see the file comment).
CsvTable ParseCsv(const std::string& text,
                  const std::string& source = "<string>",
                  const CsvOptions& options = {});

/// Reads and parses a CSV file. Throws InvalidArgument when the path is not
/// a readable regular file or is larger than options.limits.max_bytes
/// (checked before reading), and as ParseCsv.
CsvTable ReadCsv(const std::string& path, const CsvOptions& options = {});

/// Which columns of a table hold the observations.
struct CsvObservationColumns {
  /// Column of the observed loss.
  std::string loss = "loss";
  /// Column of per-row weights; "" = none (all 1).
  std::string weights;
  /// Column of integer group labels (bootstrap clusters); "" = none.
  std::string groups;
  /// Column per law input, for inputs whose column has another name; an
  /// input not listed is read from the column of its own name.
  std::map<std::string, std::string> inputs;
};

/// Observations for a law with inputs `input_names` from a table: each
/// input, the loss (and weights, groups when named) read as numbers. Inputs,
/// loss and weights must be finite and > 0. Other columns are ignored.
/// Throws UnknownName for a missing column, InvalidArgument naming the
/// line, column and value of the first bad cell.
Observations ObservationsFromCsv(const CsvTable& table,
                                 const std::vector<std::string>& input_names,
                                 const CsvObservationColumns& columns = {});

}  // namespace scalefit
