// The C++ CSV reader (csv.hpp): the one CSV parser of scalefit, for Python
// callers that read runs from files (the CLI) and for the datasets.
#include "common.hpp"

namespace scalefit::py {

namespace {

char OneChar(const std::string& s, const char* what) {
  if (s.size() > 1)
    throw InvalidArgument(std::string("CsvOptions.") + what +
                          " must be one character (or empty for none), got '" +
                          s + "'");
  return s.empty() ? '\0' : s[0];
}

}  // namespace

void RegisterCsv(pyb::module_& m) {
  pyb::class_<CsvOptions>(m, "CsvOptions")
      .def(pyb::init<>())
      .def_property(
          "delimiter",
          [](const CsvOptions& o) { return std::string(1, o.delimiter); },
          [](CsvOptions& o, const std::string& s) {
            o.delimiter = OneChar(s, "delimiter");
          })
      .def_property(
          "comment",
          [](const CsvOptions& o) {
            return o.comment ? std::string(1, o.comment) : std::string();
          },
          [](CsvOptions& o, const std::string& s) {
            o.comment = OneChar(s, "comment");
          })
      .def_property(
          "max_bytes", [](const CsvOptions& o) { return o.limits.max_bytes; },
          [](CsvOptions& o, std::size_t v) { o.limits.max_bytes = v; })
      .def_property(
          "max_field_bytes",
          [](const CsvOptions& o) { return o.limits.max_field_bytes; },
          [](CsvOptions& o, std::size_t v) { o.limits.max_field_bytes = v; })
      .def_property(
          "max_columns",
          [](const CsvOptions& o) { return o.limits.max_columns; },
          [](CsvOptions& o, int v) { o.limits.max_columns = v; })
      .def("is_valid", &IsValidPair<CsvOptions>);

  pyb::class_<CsvTable>(m, "CsvTable")
      .def_readonly("source", &CsvTable::source)
      .def_readonly("columns", &CsvTable::columns)
      .def_readonly("lines", &CsvTable::lines)
      .def_property_readonly("num_rows", &CsvTable::num_rows)
      .def("has_column", &CsvTable::HasColumn, pyb::arg("name"))
      .def("column", &CsvTable::Column, pyb::arg("name"),
           "A column's cells as text.")
      .def(
          "numeric_column",
          [](const CsvTable& t, const std::string& name) {
            return ToArray(t.NumericColumn(name));
          },
          pyb::arg("name"),
          "A column as finite numbers; errors name the line, column and cell.")
      .def("where", &CsvTable::Where, pyb::arg("row"), pyb::arg("column"),
           "'<source>, line L, column C (name)' for a 0-based row and column.");

  m.def("parse_csv", &ParseCsv, pyb::arg("text"),
        pyb::arg("source") = "<string>", pyb::arg("options") = CsvOptions{},
        "Parse CSV text (see csv.hpp).");
  m.def(
      "read_csv",
      [](const std::string& path, const CsvOptions& options) {
        return WithoutGil([&] { return ReadCsv(path, options); });
      },
      pyb::arg("path"), pyb::arg("options") = CsvOptions{},
      "Read and parse a CSV file; the size limit is checked before reading.");
}

}  // namespace scalefit::py
