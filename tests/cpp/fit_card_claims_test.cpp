// Fit cards carry and verify every claim: a loaded card refuses what the fit
// in memory refuses, edits are refused naming the field, verify = false
// gives given parameters, the digest follows RFC 8785, parameter domains.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fit_card/fit_card_internal.hpp"
#include "scalefit/scalefit.hpp"
#include "test_support.hpp"

namespace scalefit {
namespace {

using Json = nlohmann::ordered_json;

// 7 runs all at 20 tokens per parameter: the exponents are not identified
// (the design cannot separate alpha from beta).
Observations SingleRatio() {
  std::vector<double> N, D, L;
  int i = 0;
  for (double n : test_support::LogSpace(1e7, 1e9, 7)) {
    N.push_back(n);
    D.push_back(20 * n);
    L.push_back(test_support::kChinchilla.L(n, 20 * n) *
                (1.0 + 0.005 * std::sin(2.3 * i++)));
  }
  return MakeObservations({"N", "D"}, {{"N", N}, {"D", D}}, L);
}

FitResult PlantedFit() {
  static const FitResult fit = Fit(
      "chinchilla", test_support::ChinchillaGrid(test_support::kChinchilla, 1e7,
                                                 1e9, 1e9, 1e11, 6, 0.01, 7));
  return fit;
}

using test_support::ErrorOf;

TEST(FitCardClaims, UnidentifiedCardIsRefusedLikeTheFitInMemory) {
  const FitResult fit = Fit("chinchilla", SingleRatio());
  ASSERT_FALSE(fit.diagnostics.identified);
  EXPECT_THROW(ComputeOptimal(fit, 1e24), NotIdentified);
  for (bool data : {true, false}) {
    FitCardOptions o;
    o.include_data = data;
    const FitResult card = FitCardFromString(FitCardToString(fit, o));
    EXPECT_TRUE(card.fitted);
    EXPECT_EQ(card.has_data, data);
    EXPECT_EQ(card.converged, fit.converged);
    EXPECT_FALSE(card.diagnostics.identified);
    EXPECT_THROW(ComputeOptimal(card, 1e24), NotIdentified);
    EXPECT_THROW(LossToCompute(card, 2.5), NotIdentified);
  }
}

TEST(FitCardClaims, NotConvergedTravelsIntoEveryTable) {
  FitOptions o;
  o.max_iterations = 1;
  o.start = "init";
  o.init = {{"alpha", 0.9}, {"beta", 0.9}};
  const FitResult fit = Fit("chinchilla", *PlantedFit().data, o);
  ASSERT_FALSE(fit.converged);
  AllocationOptions a;
  a.allow_unidentified = true;
  const FitResult card = FitCardFromString(FitCardToString(fit));
  for (const FitResult* r : {&fit, &card}) {
    const AllocationTable t =
        ComputeOptimal(*r, std::vector<double>{1e22}, FlopModel::OfFit(), a);
    EXPECT_NE(t.warning.find("did not converge"), std::string::npos)
        << t.warning;
  }
}

TEST(FitCardClaims, EverySingleFieldEditIsRefusedNamingTheField) {
  const FitResult fit = PlantedFit();
  const std::string text = FitCardToString(fit);
  struct Edit {
    const char* field;
    std::function<void(Json*)> apply;
  };
  const std::vector<Edit> edits = {
      {"parameters[3] ('alpha')",
       [](Json* j) { (*j)["parameters"][3]["value"] = 0.5; }},
      {"law.formula", [](Json* j) { (*j)["law"]["formula"] = "L = E"; }},
      {"diagnostics.identified",
       [](Json* j) { (*j)["diagnostics"]["identified"] = false; }},
      {"data.groups",
       [](Json* j) {
         (*j)["data"]["groups"] = Json::array();
         for (size_t i = 0; i < (*j)["data"]["loss"].size(); ++i)
           (*j)["data"]["groups"].push_back(static_cast<int>(i % 3));
       }},
      {"options.max_iterations",
       [](Json* j) { (*j)["options"]["max_iterations"] = 7; }},
      {"fit.converged", [](Json* j) { (*j)["fit"]["converged"] = false; }},
      {"units.N", [](Json* j) { (*j)["units"]["N"] = 1e6; }},
      {"data.loss", [](Json* j) { (*j)["data"]["loss"][0] = 3.25; }},
  };
  for (const Edit& e : edits) {
    Json j = Json::parse(text);
    e.apply(&j);
    const std::string edited = j.dump(2);
    const std::string err = ErrorOf([&] { FitCardFromString(edited); });
    EXPECT_NE(err.find(e.field), std::string::npos) << e.field << ": " << err;
    EXPECT_NE(err.find("verify"), std::string::npos) << err;  // how to proceed
    FitCardLoadOptions lax;
    lax.verify = false;
    const FitResult given = FitCardFromString(edited, "<edited>", lax);
    EXPECT_FALSE(given.fitted);
    EXPECT_FALSE(given.has_data);
    EXPECT_FALSE(given.converged);
    EXPECT_FALSE(given.diagnostics.computed);
    EXPECT_NO_THROW(ComputeOptimal(given, 1e22));
  }
}

TEST(FitCardClaims, ACardIsTheFitAndReChecksOnLoad) {
  const FitResult fit = PlantedFit();
  const FitResult card = FitCardFromString(FitCardToString(fit));
  EXPECT_TRUE(card.fitted && card.has_data && card.converged);
  EXPECT_EQ(card.objective, fit.objective);
  EXPECT_LE(card.relative_gradient, kMaxRelativeGradient);
  // The re-check recomputes what Fit() reported.
  const OptimumCheck c = CheckOptimum(fit);
  EXPECT_NEAR(c.objective, fit.objective, 1e-12 * fit.objective);
  // Intervals work from a card saved by default.
  EXPECT_NO_THROW(ComputeOptimalInterval(card, {1e24}, 0.9));
  EXPECT_NO_THROW(ConfInt(card, 0.9));
}

TEST(FitCardClaims, ForgedDigestIsCaughtByTheReCheck) {
  Json j = Json::parse(FitCardToString(PlantedFit()));
  j["parameters"][3]["value"] =
      j["parameters"][3]["value"].get<double>() * 1.01;
  j["digest"] = detail::MakeDigest(j);  // anyone can recompute a SHA-256
  const std::string err = ErrorOf([&] { FitCardFromString(j.dump()); });
  EXPECT_NE(err.find("objective.value"), std::string::npos) << err;
}

TEST(FitCardClaims, FormatVersion1NeedsVerifyFalse) {
  Json j = Json::parse(FitCardToString(PlantedFit()));
  j["format_version"] = 1;
  EXPECT_NE(
      ErrorOf([&] { FitCardFromString(j.dump()); }).find("without a digest"),
      std::string::npos);
  FitCardLoadOptions lax;
  lax.verify = false;
  EXPECT_FALSE(FitCardFromString(j.dump(), "<v1>", lax).fitted);
}

// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical strings.
TEST(FitCardClaims, CanonicalNumbersFollowRfc8785AppendixB) {
  const std::pair<std::uint64_t, const char*> samples[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& [bits, text] : samples) {
    double v;
    std::memcpy(&v, &bits, sizeof v);
    EXPECT_EQ(detail::EcmaNumber(v), text);
  }
  // Keys sorted by UTF-16 code units (the astral-plane key before U+FB01),
  // minimal escapes, 100.0 the same value as 100.
  const Json j = Json::parse(
      R"({"\ufb01":4,"\ud83d\ude00":3,"b":[100.0,1e15],"a":"\u20ac\u0001/\"\\\n"})");
  EXPECT_EQ(detail::CanonicalJson(j),
            "{\"a\":\"\xe2\x82\xac\\u0001/\\\"\\\\\\n\",\"b\":[100,"
            "1000000000000000],\"\xf0\x9f\x98\x80\":3,\"\xef\xac\x81\":4}");
  // FIPS 180-2, Appendix B.1: SHA-256("abc").
  EXPECT_EQ(detail::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ParameterDomains, FromParamsCardsAndInitAreChecked) {
  const LawPtr law = GetLaw("chinchilla");
  auto params = [](double alpha) {
    return std::map<std::string, double>{{"E", 1.69},
                                         {"A", 406.4},
                                         {"B", 410.7},
                                         {"alpha", alpha},
                                         {"beta", 0.28}};
  };
  for (double bad : {50.0, -0.5}) {
    const std::string err = ErrorOf([&] { FromParams(law, params(bad)); });
    EXPECT_NE(err.find("'alpha'"), std::string::npos) << err;
    EXPECT_NE(err.find(FormatFull(bad)), std::string::npos) << err;
    EXPECT_NE(err.find("[0, 5]"), std::string::npos) << err;
  }
  // A card edited to alpha = 50, read as given parameters: refused too.
  Json j = Json::parse(FitCardToString(FromParams(law, params(0.34))));
  j["parameters"][3]["value"] = 50.0;
  FitCardLoadOptions lax;
  lax.verify = false;
  EXPECT_NE(ErrorOf([&] {
              FitCardFromString(j.dump(), "<c>", lax);
            }).find("'alpha' = 50"),
            std::string::npos);
  // init outside the law's domain.
  FitOptions o;
  o.init = {{"alpha", 7.0}};
  const std::string err = ErrorOf([&] { Fit(law, *PlantedFit().data, o); });
  EXPECT_NE(err.find("init for 'alpha' = 7 is outside the domain of law "
                     "'chinchilla'"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace scalefit
