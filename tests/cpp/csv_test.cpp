// The CSV reader (csv.hpp) and the embedded datasets it parses. Truth: the
// literal cells of small hand-written inputs, and the first and last rows of
// the shipped files as printed in data/*.csv. Hostile inputs must give a
// scalefit::InvalidArgument naming the source, line and column — never a
// crash, a hang or a silently wrong table.
#include "scalefit/csv.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "scalefit/datasets.hpp"
#include "scalefit/error.hpp"

namespace scalefit {
namespace {

// The message of the InvalidArgument f throws ("" and a failure otherwise).
std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an InvalidArgument: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

void ExpectError(const std::function<void()>& f,
                 const std::vector<std::string>& parts) {
  const std::string m = ErrorOf(f);
  for (const auto& p : parts)
    EXPECT_NE(m.find(p), std::string::npos) << "'" << p << "' not in: " << m;
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("scalefit_csv_test_" + name))
      .string();
}

TEST(Csv, CommentsBlankLinesBomAndCrlf) {
  const CsvTable t = ParseCsv(
      "\xEF\xBB\xBF# a comment\r\n\r\n N , D,loss \r\n1e9,2e10,2.5\r\n"
      "   \r\n3,4,5\r\n# trailing comment\r\n",
      "runs.csv");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"N", "D", "loss"}));
  ASSERT_EQ(t.num_rows(), 2);
  EXPECT_EQ(t.lines, (std::vector<int>{4, 6}));
  EXPECT_EQ(t.NumericColumn("N"), (std::vector<double>{1e9, 3.0}));
  EXPECT_EQ(t.NumericColumn("loss"), (std::vector<double>{2.5, 5.0}));
  // LF only, a lone CR, and no final newline.
  EXPECT_EQ(ParseCsv("a,b\n1,2").NumericColumn("b"), std::vector<double>{2});
  EXPECT_EQ(ParseCsv("a,b\r1,2\r3,4").NumericColumn("a"),
            (std::vector<double>{1, 3}));
}

TEST(Csv, QuotedFields) {
  const CsvTable t = ParseCsv(
      "name,note,x\n\"a,b\",\"say \"\"hi\"\"\",1\n\"two\nlines\",\"\",2\n"
      "plain,x,3\n",
      "q.csv");
  ASSERT_EQ(t.num_rows(), 3);
  EXPECT_EQ(t.Column("name"),
            (std::vector<std::string>{"a,b", "two\nlines", "plain"}));
  EXPECT_EQ(t.Column("note"),
            (std::vector<std::string>{"say \"hi\"", "", "x"}));
  // The row after a two-line quoted field starts on line 5.
  EXPECT_EQ(t.lines, (std::vector<int>{2, 3, 5}));
  ExpectError([] { ParseCsv("a,b\n\"1,2\n3,4\n", "open.csv"); },
              {"open.csv, line 2, column 1", "not closed"});
  ExpectError([] { ParseCsv("a,b\n\"1\"x,2\n", "after.csv"); },
              {"after.csv, line 2, column 1", "after the closing quote"});
  ExpectError([] { ParseCsv("a,b\n1,2\"3\n", "inner.csv"); },
              {"inner.csv, line 2, column 2", "inside an unquoted field"});
}

TEST(Csv, RaggedRowsNameTheLine) {
  ExpectError([] { ParseCsv("# c\nN,D\n1,2\n3\n", "ragged.csv"); },
              {"ragged.csv, line 4", "1 field, but the header (line 2) has 2"});
  ExpectError([] { ParseCsv("N,D\n1,2,3\n", "wide.csv"); },
              {"wide.csv, line 2", "3 fields"});
  // A trailing delimiter is one more (empty) field.
  ExpectError([] { ParseCsv("N,D\n1,2,\n", "trail.csv"); },
              {"trail.csv, line 2", "3 fields"});
}

TEST(Csv, BadCellsNameLineColumnAndValue) {
  const CsvTable t = ParseCsv(
      "N,loss\n1,2\n3,\n4,abc\n5,nan\n6,inf\n7,0x1p3\n8,1e999\n9,1e5e\n",
      "cells.csv");
  auto cell = [](const std::string& v) {
    return ParseCsv("N,loss\n1," + v + "\n", "one.csv");
  };
  ExpectError([&] { cell("").NumericColumn("loss"); },
              {"one.csv, line 2, column 2 ('loss')", "empty cell"});
  ExpectError([&] { cell("abc").NumericColumn("loss"); },
              {"line 2, column 2 ('loss')", "'abc' is not a number"});
  ExpectError([&] { cell("nan").NumericColumn("loss"); },
              {"'nan' is not a number"});
  ExpectError([&] { cell("-inf").NumericColumn("loss"); },
              {"'-inf' is not a number"});
  ExpectError([&] { cell("0x1p3").NumericColumn("loss"); },
              {"'0x1p3' is not a number"});
  ExpectError([&] { cell("1e999").NumericColumn("loss"); },
              {"'1e999' is outside the range of a double"});
  ExpectError([&] { cell("1e5e").NumericColumn("loss"); },
              {"'1e5e' is not a number"});
  ExpectError([&] { cell("+-1").NumericColumn("loss"); },
              {"'+-1' is not a number"});
  // The first bad cell of a column is the one reported.
  ExpectError([&] { t.NumericColumn("loss"); },
              {"line 3, column 2", "empty cell"});
  EXPECT_EQ(cell(" +2.5e-3 ").NumericColumn("loss"),
            std::vector<double>{2.5e-3});
  EXPECT_EQ(cell("-7").NumericColumn("loss"), std::vector<double>{-7});
  EXPECT_EQ(cell("12").IntegerColumn("loss"), std::vector<std::int64_t>{12});
  ExpectError([&] { cell("1.5").IntegerColumn("loss"); },
              {"'1.5' is not a 64-bit integer"});
  ExpectError([&] { cell("99999999999999999999").IntegerColumn("loss"); },
              {"is not a 64-bit integer"});
  EXPECT_THROW(t.NumericColumn("C"), UnknownName);
  const std::string m = [&] {
    try {
      t.ColumnIndex("C");
    } catch (const UnknownName& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(m.find("cells.csv: no column 'C'; columns: N, loss"),
            std::string::npos)
      << m;
}

TEST(Csv, HeaderProblems) {
  ExpectError([] { ParseCsv("", "empty.csv"); }, {"empty.csv: no header line"});
  ExpectError([] { ParseCsv("# only\n\n  \n", "c.csv"); }, {"no header line"});
  ExpectError([] { ParseCsv("N,,loss\n1,2,3\n", "h.csv"); },
              {"h.csv, line 1, column 2", "empty column name"});
  ExpectError([] { ParseCsv("N,loss,N\n1,2,3\n", "h.csv"); },
              {"line 1, column 3", "'N' appears twice"});
}

TEST(Csv, NulBytesAreRefused) {
  const std::string text = std::string("N,loss\n1,2") + '\0' + "\n";
  ExpectError([&] { ParseCsv(text, "bin.csv"); },
              {"bin.csv, line 2, column 2", "NUL byte"});
}

TEST(Csv, LimitsAreEnforcedBeforeTheWork) {
  CsvOptions o;
  o.limits.max_field_bytes = 16;
  // A 1 MB field stops at byte 17, with the line and column.
  const std::string huge = "N,loss\n1," + std::string(1 << 20, '7') + "\n";
  ExpectError([&] { ParseCsv(huge, "huge.csv", o); },
              {"huge.csv, line 2, column 2", "longer than 16 bytes",
               "max_field_bytes"});
  // The same with the default limit (64 KiB) and a quoted field.
  const std::string quoted =
      "N,loss\n1,\"" + std::string(1 << 17, 'x') + "\"\n";
  ExpectError([&] { ParseCsv(quoted, "q.csv"); }, {"longer than 65536 bytes"});
  o = CsvOptions();
  o.limits.max_columns = 3;
  ExpectError(
      [&] { ParseCsv("a,b,c,d\n1,2,3,4\n", "cols.csv", o); },
      {"cols.csv, line 1, column 4", "more than 3 fields", "max_columns"});
  EXPECT_EQ(ParseCsv("a,b,c\n1,2,3\n", "ok.csv", o).num_columns(), 3);
  o = CsvOptions();
  o.limits.max_bytes = 10;
  ExpectError([&] { ParseCsv("N,loss\n1,2\n3,4\n", "big.csv", o); },
              {"big.csv: 15 bytes is more than the limit of 10 bytes"});
  // A file over the limit is refused before it is read.
  const std::string path = TempPath("big.csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "N,loss\n";
    for (int i = 0; i < 1000; ++i) out << i + 1 << ",2\n";
  }
  o.limits.max_bytes = 100;
  ExpectError([&] { ReadCsv(path, o); },
              {path, "is more than the limit of 100 bytes", "not read"});
  EXPECT_EQ(ReadCsv(path).num_rows(), 1000);
  std::remove(path.c_str());
  CsvOptions bad;
  bad.limits.max_columns = 0;
  ExpectError([&] { ParseCsv("a\n1\n", "x", bad); },
              {"invalid CSV options", "max_columns"});
  bad = CsvOptions();
  bad.delimiter = '"';
  ExpectError([&] { ParseCsv("a\n1\n", "x", bad); }, {"delimiter"});
  bad = CsvOptions();
  bad.comment = ',';
  ExpectError([&] { ParseCsv("a\n1\n", "x", bad); }, {"comment and delimiter"});
}

TEST(Csv, ReadCsvFromFiles) {
  const std::string path = TempPath("runs.csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "# runs\nN;D;loss\n1e8;2e9;3.1\n2e8;4e9;2.9\n";
  }
  CsvOptions o;
  o.delimiter = ';';
  const CsvTable t = ReadCsv(path, o);
  EXPECT_EQ(t.source, path);
  EXPECT_EQ(t.NumericColumn("D"), (std::vector<double>{2e9, 4e9}));
  std::remove(path.c_str());
  ExpectError([&] { ReadCsv(path); }, {path, "does not exist"});
  ExpectError([] { ReadCsv(std::filesystem::temp_directory_path().string()); },
              {"is not a regular file"});
}

TEST(Csv, ObservationsFromCsv) {
  const CsvTable t = ParseCsv(
      "params,D,loss,w,run\n1e8,2e9,3.1,1,7\n2e8,4e9,2.9,2,7\n4e8,8e9,2.7,1,"
      "8\n",
      "obs.csv");
  CsvObservationColumns c;
  c.inputs["N"] = "params";
  c.weights = "w";
  c.groups = "run";
  const Observations obs = ObservationsFromCsv(t, {"N", "D"}, c);
  EXPECT_EQ(obs.input_names, (std::vector<std::string>{"N", "D"}));
  EXPECT_EQ(obs.x, (std::vector<double>{1e8, 2e9, 2e8, 4e9, 4e8, 8e9}));
  EXPECT_EQ(obs.loss, (std::vector<double>{3.1, 2.9, 2.7}));
  EXPECT_EQ(obs.weights, (std::vector<double>{1, 2, 1}));
  EXPECT_EQ(obs.groups, (std::vector<std::int64_t>{7, 7, 8}));
  EXPECT_THROW(ObservationsFromCsv(t, {"N", "D"}), UnknownName);  // no "N"
  CsvObservationColumns unknown;
  unknown.inputs["U"] = "params";
  EXPECT_THROW(ObservationsFromCsv(t, {"N", "D"}, unknown), UnknownName);
  const CsvTable neg =
      ParseCsv("N,D,loss\n1e8,2e9,3.1\n2e8,-4e9,2.9\n", "neg.csv");
  ExpectError(
      [&] {
        ObservationsFromCsv(neg, {"N", "D"});
      },
      {"neg.csv, line 3, column 2 ('D')", "input 'D' must be > 0",
       "got -4e+09"});
  const CsvTable zero = ParseCsv("N,D,loss\n1e8,2e9,0\n", "zero.csv");
  ExpectError(
      [&] {
        ObservationsFromCsv(zero, {"N", "D"});
      },
      {"zero.csv, line 2, column 3 ('loss')", "the loss must be > 0"});
}

TEST(Csv, MutatedInputsThrowOrParse) {
  // Random byte edits of a valid file: the reader either returns a table or
  // throws InvalidArgument (the sanitizer job checks the memory accesses).
  const std::string good =
      "# c\nN,D,loss\n\"1e8\",2e9,3.1\r\n2e8,4e9,2.9\n4e8,8e9,\"2,7\"\n";
  const std::string alphabet = ",\"\r\n#x9.e-\t";
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string s = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (s.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          s.insert(s.begin() + static_cast<long>(at), c);
          break;
        case 1:
          if (at < s.size()) s.erase(at, 1);
          break;
        default:
          if (at < s.size()) s[at] = c;
      }
    }
    try {
      const CsvTable t = ParseCsv(s, "fuzz.csv");
      for (const auto& row : t.rows) ASSERT_EQ(row.size(), t.columns.size());
      ASSERT_EQ(t.lines.size(), t.rows.size());
      for (const auto& name : t.columns) {
        try {
          t.NumericColumn(name);
        } catch (const InvalidArgument&) {
        }
      }
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()).rfind("fuzz.csv", 0), 0u) << e.what();
    }
  }
}

TEST(Datasets, EmbeddedFilesParseToThePrintedValues) {
  const std::vector<std::string> names = datasets::FileNames();
  ASSERT_GE(names.size(), 4u);
  EXPECT_EQ(names[0], "chinchilla_epoch.csv");
  EXPECT_EQ(names[1], "porian2024_isoflop.csv");
  EXPECT_EQ(names[2], "porian2024_fits.csv");
  // The OLMo ladder (data/olmo_ladder/): runs.csv and 18 exports.
  EXPECT_EQ(names.size(), 3u + 1u + 18u);
  EXPECT_EQ(names[3], "olmo_ladder/runs.csv");
  // data/chinchilla_epoch.csv: 245 rows; the first data row is
  // 6795600349,245105957.9,9.9938528e+18,5.005581996,1 (line 6).
  const CsvTable c = datasets::Table("chinchilla_epoch.csv");
  EXPECT_EQ(c.columns,
            (std::vector<std::string>{"N", "D", "C", "loss", "excluded"}));
  ASSERT_EQ(c.num_rows(), 245);
  EXPECT_EQ(c.lines[0], 6);
  const datasets::ChinchillaRuns runs = datasets::Chinchilla();
  EXPECT_EQ(runs.N[0], 6795600349.0);
  EXPECT_EQ(runs.D[0], 245105957.9);
  EXPECT_EQ(runs.C[0], 9.9938528e+18);
  EXPECT_EQ(runs.loss[0], 5.005581996);
  EXPECT_TRUE(runs.excluded[0]);
  int excluded = 0;
  for (bool e : runs.excluded) excluded += e;
  EXPECT_EQ(excluded, 5);
  // ObservationsFromCsv on the same table gives the same observations.
  const Observations all = datasets::ChinchillaObservations(true);
  const Observations via = ObservationsFromCsv(c, {"N", "D"});
  EXPECT_EQ(via.x, all.x);
  EXPECT_EQ(via.loss, all.loss);
  // data/porian2024_isoflop.csv: 15 configurations; the default one has
  // 121 runs at 12 budgets.
  const std::vector<std::string> configs = datasets::Porian2024Configs();
  ASSERT_EQ(configs.size(), 15u);
  EXPECT_EQ(configs.front(), "rw|base|long|kaplan|kaplan|train");
  EXPECT_EQ(configs.back(), "owt2|tuned|short|const|standard|val");
  const datasets::PorianRuns p = datasets::Porian2024();
  EXPECT_EQ(p.C.size(), 121u);
  EXPECT_EQ(p.C.front(), 1.25e16);
  EXPECT_EQ(p.C.back(), 2.56e19);
  ExpectError([] { datasets::Porian2024("owt2"); },
              {"unknown porian2024 configuration 'owt2'",
               "shipped: rw|base|long|kaplan|kaplan|train, "});
  EXPECT_THROW(datasets::FileText("nope.csv"), UnknownName);
}

}  // namespace
}  // namespace scalefit
