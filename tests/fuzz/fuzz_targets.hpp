// The contracts the fuzz targets check, shared by the libFuzzer targets
// (fuzz_*.cpp, built by scripts/fuzz.sh) and by the regression test that
// replays every saved input (tests/cpp/fuzz_regressions_test.cpp, also run
// under ASan/UBSan by scripts/sanitize.sh). A contract violation aborts;
// any exception other than scalefit::Error escapes (libFuzzer reports it).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "scalefit/csv.hpp"
#include "scalefit/error.hpp"
#include "scalefit/fit_card.hpp"
#include "scalefit/formula.hpp"

namespace scalefit::fuzz {

/// A formula either is refused with a scalefit::Error or gives a law that
/// evaluates (value and exact gradient) without crashing; NaN is allowed.
inline void Formula(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const std::vector<std::string> names = FormulaNames(text);
    if (names.empty()) return;
    FormulaLawOptions o;
    o.inputs = {names[0]};  // the first name is the input, the rest params
    const LawPtr law = MakeFormulaLaw(text, o);
    const int P = law->info().num_params();
    std::vector<double> p(P, 0.7), g(P);
    const double x[] = {3.0};
    (void)law->Evaluate(p.data(), x);
    (void)law->ValueAndGradient(p.data(), x, g.data());
  } catch (const Error&) {
  }
}

/// A card either is refused with a scalefit::Error or gives a result whose
/// own card reads back to the same parameters, bit for bit. Read as written
/// (verify = true: the digest, so most mutations stop there) and as given
/// parameters (verify = false: every field after the digest is parsed too).
inline void FitCard(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const bool verify : {true, false}) {
    FitCardLoadOptions o;
    o.verify = verify;
    FitResult r;
    try {
      r = FitCardFromString(text, "<fuzz>", o);
    } catch (const Error&) {
      continue;
    }
    const FitResult back = FitCardFromString(FitCardToString(r), "<again>", o);
    if (back.params.size() != r.params.size()) std::abort();
    for (std::size_t k = 0; k < r.params.size(); ++k) {
      if (std::memcmp(&back.params[k].value, &r.params[k].value,
                      sizeof(double)) != 0)
        std::abort();
    }
  }
}

/// CSV text either is refused with a scalefit::Error or gives a table whose
/// every row has the header's width; observations read from it are refused
/// with a scalefit::Error or pass validation.
inline void Csv(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  CsvTable t;
  try {
    t = ParseCsv(text, "<fuzz>");
  } catch (const Error&) {
    return;
  }
  if (t.lines.size() != t.rows.size()) std::abort();
  for (const auto& row : t.rows)
    if (row.size() != t.columns.size()) std::abort();
  try {
    const Observations obs = ObservationsFromCsv(t, {"N", "D"});
    ValidateObservations(obs, 1);
  } catch (const Error&) {
  }
}

}  // namespace scalefit::fuzz
