// The CSV reader (csv.hpp): one pass over the text, limits checked before
// the work they bound, errors naming the source, line and column.
#include "scalefit/csv.hpp"

#include <charconv>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "scalefit/detail/files.hpp"
#include "scalefit/error.hpp"
#include "scalefit/report.hpp"

namespace scalefit {

namespace {

std::string Quote(const std::string& s) {
  constexpr size_t kShown = 40;  // long cells are shortened in messages
  if (s.size() <= kShown) return "'" + s + "'";
  return "'" + s.substr(0, kShown) + "...' (" + std::to_string(s.size()) +
         " bytes)";
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string JoinNames(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The scanner: `text` from `pos`, counting physical lines.
class Scanner {
 public:
  Scanner(const std::string& text, const std::string& source,
          const CsvOptions& o)
      : text_(text), source_(source), o_(o) {
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;  // UTF-8 BOM
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  int line() const { return line_; }

  // Skips a comment or blank line at the current position; false if the
  // line holds a record.
  bool SkipIgnoredLine() {
    size_t end = pos_;
    while (end < text_.size() && text_[end] != '\n' && text_[end] != '\r')
      ++end;
    const bool comment = o_.comment != '\0' && text_[pos_] == o_.comment;
    bool blank = true;
    for (size_t i = pos_; i < end && blank; ++i)
      blank = text_[i] == ' ' || text_[i] == '\t';
    if (!comment && !blank) return false;
    pos_ = end;
    EndLine();
    return true;
  }

  // Reads one record (a row of fields, possibly spanning lines if quoted).
  std::vector<std::string> Record() {
    std::vector<std::string> fields;
    for (;;) {
      if (static_cast<int>(fields.size()) >= o_.limits.max_columns) {
        Fail(line_, static_cast<int>(fields.size()) + 1,
             "more than " + std::to_string(o_.limits.max_columns) +
                 " fields (CsvLimits::max_columns)");
      }
      fields.push_back(Field(static_cast<int>(fields.size()) + 1));
      if (!AtEnd() && text_[pos_] == o_.delimiter) {
        ++pos_;
        continue;
      }
      EndLine();
      return fields;
    }
  }

  [[noreturn]] void Fail(int line, int column, const std::string& what) const {
    throw InvalidArgument(
        source_ + ", line " + std::to_string(line) +
        (column > 0 ? ", column " + std::to_string(column) : std::string()) +
        ": " + what);
  }

 private:
  void Append(std::string* field, char c, int column) {
    if (c == '\0') Fail(line_, column, "NUL byte (not a text file?)");
    if (field->size() >= o_.limits.max_field_bytes) {
      Fail(line_, column,
           "field longer than " + std::to_string(o_.limits.max_field_bytes) +
               " bytes (CsvLimits::max_field_bytes)");
    }
    field->push_back(c);
  }

  std::string Field(int column) {
    std::string field;
    if (!AtEnd() && text_[pos_] == '"') {
      const int start_line = line_;
      ++pos_;
      for (;;) {
        if (AtEnd()) {
          Fail(start_line, column,
               "quoted field is not closed (a '\"' is missing)");
        }
        const char c = text_[pos_];
        if (c == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            Append(&field, '"', column);
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        if (c == '\n' || (c == '\r' && (pos_ + 1 >= text_.size() ||
                                        text_[pos_ + 1] != '\n'))) {
          ++line_;
        }
        Append(&field, c, column);
        ++pos_;
      }
      if (!AtEnd() && text_[pos_] != o_.delimiter && text_[pos_] != '\n' &&
          text_[pos_] != '\r') {
        Fail(line_, column,
             std::string("unexpected '") + text_[pos_] +
                 "' after the closing quote (expected the delimiter or the "
                 "end of the line)");
      }
      return field;
    }
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (c == o_.delimiter || c == '\n' || c == '\r') break;
      if (c == '"') {
        Fail(line_, column,
             "'\"' inside an unquoted field (quote the whole field and "
             "double the quote)");
      }
      Append(&field, c, column);
      ++pos_;
    }
    return field;
  }

  // Consumes a line ending (LF, CRLF or CR) or the end of the input.
  void EndLine() {
    if (AtEnd()) return;
    if (text_[pos_] == '\r') ++pos_;
    if (!AtEnd() && text_[pos_] == '\n') ++pos_;
    ++line_;
  }

  const std::string& text_;
  const std::string& source_;
  const CsvOptions& o_;
  size_t pos_ = 0;
  int line_ = 1;
};

// A finite number in decimal or scientific notation, surrounding blanks
// allowed; `problem` says why not.
bool ParseNumber(const std::string& cell, double* value, std::string* problem) {
  const std::string t = Trim(cell);
  if (t.empty()) {
    *problem = "empty cell (a number is needed)";
    return false;
  }
  for (char c : t) {
    const bool ok = (c >= '0' && c <= '9') || c == '.' || c == 'e' ||
                    c == 'E' || c == '+' || c == '-';
    if (!ok) {
      *problem = Quote(cell) + " is not a number";
      return false;
    }
  }
  const char* b = t.data();
  const char* e = t.data() + t.size();
  if (*b == '+' && b + 1 < e && b[1] != '-' && b[1] != '+') ++b;
  const auto res = std::from_chars(b, e, *value, std::chars_format::general);
  if (res.ec == std::errc::result_out_of_range) {
    *problem = Quote(cell) + " is outside the range of a double";
    return false;
  }
  if (res.ec != std::errc() || res.ptr != e) {
    *problem = Quote(cell) + " is not a number";
    return false;
  }
  if (!std::isfinite(*value)) {
    *problem = Quote(cell) + " is not a finite number";
    return false;
  }
  return true;
}

}  // namespace

bool CsvLimits::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (max_bytes == 0) return fail("max_bytes must be > 0");
  if (max_field_bytes == 0) return fail("max_field_bytes must be > 0");
  if (max_columns < 1) return fail("max_columns must be >= 1");
  return true;
}

bool CsvOptions::IsValid(std::string* why) const {
  auto fail = [why](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' ||
      delimiter == '\0')
    return fail("delimiter must not be '\"', CR, LF or NUL");
  if (comment != '\0' && comment == delimiter)
    return fail("comment and delimiter must differ");
  if (comment == '"' || comment == '\n' || comment == '\r')
    return fail("comment must not be '\"', CR or LF");
  return limits.IsValid(why);
}

bool CsvTable::HasColumn(const std::string& name) const {
  for (const auto& c : columns)
    if (c == name) return true;
  return false;
}

int CsvTable::ColumnIndex(const std::string& name) const {
  for (int j = 0; j < num_columns(); ++j)
    if (columns[j] == name) return j;
  throw UnknownName(source + ": no column '" + name +
                    "'; columns: " + JoinNames(columns));
}

std::string CsvTable::Where(int i, int j) const {
  return source + ", line " + std::to_string(lines.at(i)) + ", column " +
         std::to_string(j + 1) + " ('" + columns.at(j) + "')";
}

std::vector<std::string> CsvTable::Column(const std::string& name) const {
  const int j = ColumnIndex(name);
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r[j]);
  return out;
}

std::vector<double> CsvTable::NumericColumn(const std::string& name) const {
  const int j = ColumnIndex(name);
  std::vector<double> out(rows.size());
  std::string problem;
  for (int i = 0; i < num_rows(); ++i) {
    if (!ParseNumber(rows[i][j], &out[i], &problem))
      throw InvalidArgument(Where(i, j) + ": " + problem);
  }
  return out;
}

std::vector<std::int64_t> CsvTable::IntegerColumn(
    const std::string& name) const {
  const int j = ColumnIndex(name);
  std::vector<std::int64_t> out(rows.size());
  for (int i = 0; i < num_rows(); ++i) {
    const std::string t = Trim(rows[i][j]);
    const char* b = t.data();
    const char* e = t.data() + t.size();
    if (b < e && *b == '+') ++b;
    const auto res = std::from_chars(b, e, out[i]);
    if (t.empty() || res.ec != std::errc() || res.ptr != e) {
      throw InvalidArgument(
          Where(i, j) + ": " +
          (t.empty() ? std::string("empty cell") : Quote(rows[i][j])) +
          (t.empty() ? " (an integer is needed)" : " is not a 64-bit integer"));
    }
  }
  return out;
}

CsvTable ParseCsv(const std::string& text, const std::string& source,
                  const CsvOptions& options) {
  std::string why;
  if (!options.IsValid(&why))
    throw InvalidArgument("invalid CSV options: " + why);
  if (text.size() > options.limits.max_bytes) {
    throw InvalidArgument(source + ": " + std::to_string(text.size()) +
                          " bytes is more than the limit of " +
                          std::to_string(options.limits.max_bytes) +
                          " bytes (CsvLimits::max_bytes)");
  }
  CsvTable t;
  t.source = source;
  Scanner in(text, source, options);
  int header_line = 0;
  while (!in.AtEnd()) {
    if (in.SkipIgnoredLine()) continue;
    const int line = in.line();
    std::vector<std::string> fields = in.Record();
    if (header_line == 0) {
      std::set<std::string> seen;
      for (size_t j = 0; j < fields.size(); ++j) {
        const std::string name = Trim(fields[j]);
        if (name.empty())
          in.Fail(line, static_cast<int>(j) + 1,
                  "empty column name in the header");
        if (!seen.insert(name).second)
          in.Fail(line, static_cast<int>(j) + 1,
                  "column name '" + name + "' appears twice in the header");
        t.columns.push_back(name);
      }
      header_line = line;
      continue;
    }
    if (fields.size() != t.columns.size()) {
      in.Fail(line, 0,
              std::to_string(fields.size()) +
                  (fields.size() == 1 ? " field" : " fields") +
                  ", but the header (line " + std::to_string(header_line) +
                  ") has " + std::to_string(t.columns.size()) + " columns");
    }
    t.rows.push_back(std::move(fields));
    t.lines.push_back(line);
  }
  if (header_line == 0) {
    throw InvalidArgument(source +
                          ": no header line (the input is empty, or only "
                          "comments and blank lines)");
  }
  return t;
}

CsvTable ReadCsv(const std::string& path, const CsvOptions& options) {
  std::string why;
  if (!options.IsValid(&why))
    throw InvalidArgument("invalid CSV options: " + why);
  const std::string text = detail::ReadFileBounded(
      path, options.limits.max_bytes, "CSV file", "CsvLimits::max_bytes");
  return ParseCsv(text, path, options);
}

Observations ObservationsFromCsv(const CsvTable& table,
                                 const std::vector<std::string>& input_names,
                                 const CsvObservationColumns& columns) {
  for (const auto& [input, column] : columns.inputs) {
    bool known = false;
    for (const auto& n : input_names) known = known || n == input;
    if (!known) {
      throw UnknownName(
          "CSV columns: '" + input +
          "' is not an input of the law; inputs: " + JoinNames(input_names));
    }
  }
  // A numeric column whose every value is finite and > 0.
  auto positive = [&table](const std::string& name, const std::string& what) {
    const std::vector<double> v = table.NumericColumn(name);
    const int j = table.ColumnIndex(name);
    for (int i = 0; i < table.num_rows(); ++i) {
      if (!(v[i] > 0.0)) {
        throw InvalidArgument(table.Where(i, j) + ": " + what +
                              " must be > 0, got " + FormatFull(v[i]));
      }
    }
    return v;
  };
  std::map<std::string, std::vector<double>> cols;
  for (const auto& input : input_names) {
    auto it = columns.inputs.find(input);
    const std::string name = it == columns.inputs.end() ? input : it->second;
    cols[input] = positive(name, "input '" + input + "'");
  }
  const std::vector<double> loss = positive(columns.loss, "the loss");
  std::vector<double> weights;
  if (!columns.weights.empty()) weights = positive(columns.weights, "a weight");
  std::vector<std::int64_t> groups;
  if (!columns.groups.empty()) groups = table.IntegerColumn(columns.groups);
  return MakeObservations(input_names, cols, loss, weights, groups);
}

}  // namespace scalefit
