// Every input saved under tests/fuzz/ — the seed corpora and the inputs that
// once crashed or hung a parser (regressions/) — replayed through the fuzz
// targets' contracts (tests/fuzz/fuzz_targets.hpp), plus the error each
// regression must now give. Runs under ASan/UBSan in scripts/sanitize.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "../fuzz/fuzz_targets.hpp"
#include "scalefit/csv.hpp"
#include "scalefit/fit_card.hpp"
#include "scalefit/formula.hpp"

namespace scalefit {
namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = fs::path(SCALEFIT_SOURCE_DIR) / "tests" / "fuzz";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> Files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

using Target = void (*)(const std::uint8_t*, std::size_t);

void Replay(const std::string& name, Target target) {
  int n = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    for (const fs::path& p : Files(kFuzzDir / kind / name)) {
      const std::string bytes = Slurp(p);
      SCOPED_TRACE(p.string());
      target(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++n;
    }
  }
  EXPECT_GT(n, 3) << name;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FuzzRegressions, FormulaInputsKeepTheContract) {
  Replay("formula", &fuzz::Formula);
}
TEST(FuzzRegressions, FitCardInputsKeepTheContract) {
  Replay("fit_card", &fuzz::FitCard);
}
TEST(FuzzRegressions, CsvInputsKeepTheContract) { Replay("csv", &fuzz::Csv); }

TEST(FuzzRegressions, EachRegressionGivesItsError) {
  auto formula = [](const char* file) {
    const std::string text = Slurp(kFuzzDir / "regressions" / "formula" / file);
    return ErrorOf([&] { FormulaNames(text); });
  };
  // The stack overflow libFuzzer found (~3000 nested parentheses under
  // ASan) and its relatives: refused by the nesting limit, the 20000-name
  // formula (quadratic before) by the length limit.
  EXPECT_NE(formula("deep_parentheses_3000").find("max_depth"),
            std::string::npos);
  EXPECT_NE(formula("unary_minus_chain_5000").find("max_depth"),
            std::string::npos);
  EXPECT_NE(formula("power_chain_4000").find("max_depth"), std::string::npos);
  EXPECT_NE(formula("many_names_20000").find("max_length"), std::string::npos);

  auto card = [](const char* file, bool verify = true) {
    const std::string text =
        Slurp(kFuzzDir / "regressions" / "fit_card" / file);
    FitCardLoadOptions o;
    o.verify = verify;
    return ErrorOf([&] { FitCardFromString(text, file, o); });
  };
  // A format_version 1 card (no digest): its formula is parsed as given
  // parameters.
  EXPECT_NE(card("deep_formula_5000.json", false).find("max_length"),
            std::string::npos);
  EXPECT_NE(card("deep_array_100000.json").find("max_depth"),
            std::string::npos);
  EXPECT_NE(card("duplicate_key.json").find("duplicate key 'value'"),
            std::string::npos);
  EXPECT_NE(card("not_utf8.json").find("not UTF-8 text: byte 0xFF at line"),
            std::string::npos);

  auto csv = [](const char* file) {
    const std::string text = Slurp(kFuzzDir / "regressions" / "csv" / file);
    return ErrorOf([&] { ParseCsv(text, file); });
  };
  EXPECT_NE(csv("nul_byte.csv").find("NUL"), std::string::npos);
  EXPECT_NE(csv("long_field.csv").find("max_field_bytes"), std::string::npos)
      << csv("long_field.csv");
}

}  // namespace
}  // namespace scalefit
