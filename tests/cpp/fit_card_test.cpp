// Fit cards: exact round trips and validation that names the field.
#include "scalefit/fit_card.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>

#include "scalefit/scalefit.hpp"

namespace scalefit {
namespace {

std::uint64_t Bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Values whose shortest decimal forms are long or awkward: a writer that
// rounds to 15 or 16 significant digits changes at least one of them.
FitResult Awkward() {
  return FromParams(GetLaw("chinchilla"),
                    {{"E", 1.0 / 3.0},
                     {"A", 406.4000000000001},
                     {"B", std::nextafter(410.7, 1e9)},
                     {"alpha", 0.1 + 0.2},
                     {"beta", 4.9406564584124654e-324}},  // smallest subnormal
                    "6ND");
}

// Planted data: L = 1.7 + 400 N^-0.34 + 410 D^-0.28 on a 5x5 design.
Observations Planted() {
  std::map<std::string, std::vector<double>> cols;
  std::vector<double> loss;
  for (double n : {1e7, 3e7, 1e8, 3e8, 1e9})
    for (double d : {1e9, 3e9, 1e10, 3e10, 1e11}) {
      cols["N"].push_back(n);
      cols["D"].push_back(d);
      // 1% deterministic multiplicative noise: an exact fit (zero residuals)
      // is a degenerate convergence test.
      const double noise =
          1.0 + 0.01 * std::sin(static_cast<double>(loss.size()) * 2.3);
      loss.push_back(
          (1.7 + 400.0 * std::pow(n, -0.34) + 410.0 * std::pow(d, -0.28)) *
          noise);
    }
  return MakeObservations({"N", "D"}, cols, loss);
}

void ExpectSameParams(const FitResult& a, const FitResult& b) {
  ASSERT_EQ(a.params.size(), b.params.size());
  for (size_t k = 0; k < a.params.size(); ++k) {
    EXPECT_EQ(a.params[k].name, b.params[k].name);
    EXPECT_EQ(Bits(a.params[k].value), Bits(b.params[k].value))
        << a.params[k].name << ": " << FormatFull(a.params[k].value) << " vs "
        << FormatFull(b.params[k].value);
    EXPECT_EQ(Bits(a.params[k].lower), Bits(b.params[k].lower));
    EXPECT_EQ(Bits(a.params[k].upper), Bits(b.params[k].upper));
    EXPECT_EQ(a.params[k].fixed, b.params[k].fixed);
    EXPECT_EQ(a.params[k].tied_to, b.params[k].tied_to);
    EXPECT_EQ(a.params[k].at_bound, b.params[k].at_bound);
  }
}

std::string ErrorOf(const std::string& text) {
  try {
    FitCardFromString(text, "card.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' not in the card";
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(FitCard, AwkwardValuesRoundTripBitForBit) {
  const FitResult a = Awkward();
  const std::string text = FitCardToString(a);
  const FitResult b = FitCardFromString(text);
  ExpectSameParams(a, b);
  EXPECT_FALSE(b.has_data);
  EXPECT_EQ(b.data, nullptr);
  EXPECT_EQ(b.law->info().name, "chinchilla");
  // Writing the loaded card again gives the same text (a fixed point).
  EXPECT_EQ(FitCardToString(b), text);
}

TEST(FitCard, FittedResultKeepsEverything) {
  FitOptions o;
  o.bounds["alpha"] = {0.01, 2.0};
  o.function_tolerance = 1e-13;
  o.flop_convention = "6ND";
  const FitResult a = Fit("chinchilla", Planted(), o);
  ASSERT_TRUE(a.converged) << a.message;
  const FitResult b = FitCardFromString(FitCardToString(a));
  ExpectSameParams(a, b);
  EXPECT_TRUE(b.has_data);  // the card carries the data by default
  EXPECT_TRUE(b.fitted);
  EXPECT_EQ(b.converged, a.converged);
  EXPECT_EQ(b.message, a.message);
  EXPECT_EQ(Bits(b.objective), Bits(a.objective));
  EXPECT_EQ(b.options.objective, a.options.objective);
  EXPECT_EQ(Bits(b.options.delta), Bits(a.options.delta));
  EXPECT_EQ(b.iterations, a.iterations);
  EXPECT_EQ(b.num_starts, a.num_starts);
  EXPECT_EQ(b.num_best_basin, a.num_best_basin);
  EXPECT_EQ(b.start, a.start);
  EXPECT_EQ(b.num_points, 25);
  EXPECT_EQ(b.options.bounds, a.options.bounds);
  EXPECT_EQ(Bits(b.options.function_tolerance), Bits(1e-13));
  EXPECT_EQ(b.options.flop_convention, "6ND");
  EXPECT_EQ(b.data_summary.hash, a.data_summary.hash);
  EXPECT_EQ(b.data_summary.input_names, a.data_summary.input_names);
  EXPECT_EQ(b.data_summary.min, a.data_summary.min);
  EXPECT_EQ(b.diagnostics.computed, a.diagnostics.computed);
  EXPECT_EQ(b.diagnostics.identified, a.diagnostics.identified);
  EXPECT_EQ(b.diagnostics.warnings.size(), a.diagnostics.warnings.size());
  // A loaded card predicts exactly like the original.
  const std::vector<double> x = {7e10, 1.4e12, 1e6, 1e8};
  const auto pa = a.Predict(x), pb = b.Predict(x);
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(Bits(pa[i]), Bits(pb[i]));
}

TEST(FitCard, MaxScoringRowsRoundTripsAndOlderCardsMeanEveryRow) {
  FitOptions o;
  o.max_scoring_rows = 500;
  const FitResult a = Fit("chinchilla", Planted(), o);
  const std::string text = FitCardToString(a);
  EXPECT_EQ(FitCardFromString(text).options.max_scoring_rows, 500);
  // Removing the field is an edit the digest names.
  const std::string key = "\"max_scoring_rows\":";
  const size_t at = text.find(key);
  ASSERT_NE(at, std::string::npos);
  const size_t end = text.find(',', at);
  std::string older = text;
  older.erase(at, end + 1 - at);
  EXPECT_NE(ErrorOf(older).find("options.max_scoring_rows"), std::string::npos)
      << ErrorOf(older);
}

TEST(FitCard, IncludeDataRestoresObservationsAndChecksHash) {
  const FitResult a = Fit("chinchilla", Planted());
  const std::string text = FitCardToString(a);  // data by default
  const FitResult b = FitCardFromString(text);
  ASSERT_TRUE(b.has_data);
  ASSERT_NE(b.data, nullptr);
  EXPECT_EQ(b.data->x, a.data->x);
  EXPECT_EQ(b.data->loss, a.data->loss);
  EXPECT_EQ(Summarize(*b.data).hash, a.data_summary.hash);
  // Editing one loss value is caught by the hash.
  const std::string edited =
      Replace(text, "\"loss\": [\n      ", "\"loss\": [\n      1.5,");
  std::string err = ErrorOf(edited);
  EXPECT_NE(err.find("data"), std::string::npos) << err;
}

TEST(FitCard, SaveAndLoadFile) {
  const std::string path = ::testing::TempDir() + "/scalefit_card_test.json";
  SaveFitCard(Awkward(), path);
  ExpectSameParams(Awkward(), LoadFitCard(path));
  std::remove(path.c_str());
  try {
    LoadFitCard(path);
    FAIL() << "no error for a missing file";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(SaveFitCard(Awkward(), "/nonexistent-dir/x/card.json"),
               InvalidArgument);
  std::ofstream(path) << "  \n";
  try {
    LoadFitCard(path);
    FAIL() << "no error for an empty file";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos)
        << e.what();
  }
  std::remove(path.c_str());
}

TEST(FitCard, ErrorsNameTheField) {
  const std::string good = FitCardToString(Awkward());
  // Unknown law.
  {
    const std::string bad =
        Replace(good, "\"name\": \"chinchilla\"", "\"name\": \"chinchila\"");
    try {
      FitCardFromString(bad, "card.json");
      FAIL();
    } catch (const UnknownName& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("card.json"), std::string::npos) << m;
      EXPECT_NE(m.find("law.name"), std::string::npos) << m;
      EXPECT_NE(m.find("chinchila"), std::string::npos) << m;
    }
  }
  // Missing parameter: rename beta to an unknown name, then drop it.
  EXPECT_NE(ErrorOf(Replace(good, "\"name\": \"beta\"", "\"name\": \"gamma\""))
                .find("parameters[4].name"),
            std::string::npos);
  {
    // Remove the last parameter object entirely.
    const size_t start = good.find(",\n    {\n      \"name\": \"beta\"");
    ASSERT_NE(start, std::string::npos);
    const size_t end = good.find("}", start);
    std::string bad = good;
    bad.erase(start, end - start + 1);
    const std::string m = ErrorOf(bad);
    EXPECT_NE(m.find("missing parameter 'beta'"), std::string::npos) << m;
  }
  // Non-finite values: null, "nan", "inf", 1e999.
  const std::string alpha_value = "\"value\": " + FormatFull(0.1 + 0.2);
  for (const std::string v : {"null", "\"nan\"", "\"inf\""}) {
    const std::string m =
        ErrorOf(Replace(good, alpha_value, "\"value\": " + v));
    EXPECT_NE(m.find("parameters[3].value ('alpha')"), std::string::npos)
        << v << ": " << m;
  }
  {
    // 1e999 overflows the JSON parser itself: the error gives line/column.
    const std::string bad = Replace(good, alpha_value, "\"value\": 1e999");
    const std::string m = ErrorOf(bad);
    const size_t at = bad.find("1e999");
    const size_t line = 1 + std::count(bad.begin(), bad.begin() + at, '\n');
    EXPECT_NE(m.find("line " + std::to_string(line) + ", column"),
              std::string::npos)
        << m;
  }
  // A positive scale must stay > 0.
  {
    const std::string m =
        ErrorOf(Replace(good, "\"value\": 406.4000000000001", "\"value\": -1"));
    EXPECT_NE(m.find("parameters[1].value ('A')"), std::string::npos) << m;
  }
  // Not JSON: the parser's line and column are kept.
  {
    const std::string m = ErrorOf("{\n  \"format\": ,\n}");
    EXPECT_NE(m.find("not valid JSON"), std::string::npos) << m;
    EXPECT_NE(m.find("line 2"), std::string::npos) << m;
  }
  EXPECT_NE(ErrorOf("[]").find("JSON object"), std::string::npos);
  EXPECT_NE(
      ErrorOf(Replace(good, "\"format_version\": 2", "\"format_version\": 99"))
          .find("format_version"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(Replace(good, "\"name\": \"huber_log\"", "\"name\": \"l1\""))
          .find("objective.name"),
      std::string::npos);
  EXPECT_NE(ErrorOf(Replace(good, "\"delta\": 0.001", "\"delta\": 0"))
                .find("objective.delta"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Replace(good, "\"max_iterations\": 1000",
                            "\"max_iterations\": 1.5"))
                .find("options.max_iterations"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Replace(good, "\"format\": \"scalefit.fit_card\"",
                            "\"format\": \"x\""))
                .find("format"),
            std::string::npos);
}

}  // namespace
}  // namespace scalefit
