// Shared by the fit-card writer (write.cpp), reader (read.cpp) and digest
// (digest.cpp).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace scalefit::detail {

using Json = nlohmann::ordered_json;

/// The card's "format" field.
inline constexpr const char* kFitCardFormatName = "scalefit.fit_card";

/// ECMAScript Number::toString of a finite double, as RFC 8785 §3.2.2.3
/// serialises numbers (shortest round-trip digits; 1e21 and up, and below
/// 1e-6, in exponent form). Throws InvalidArgument for NaN or ±inf.
std::string EcmaNumber(double v);

/// The RFC 8785 (JCS) canonical form of `j`: object members sorted by their
/// UTF-16 code units, no whitespace, minimal string escapes, numbers by
/// EcmaNumber (so 100.0 and 100 are the same value).
std::string CanonicalJson(const Json& j);

/// What a card's text is checked against while it is parsed, and how errors
/// name the card and the options that set the limits.
struct CardText {
  std::string label;  ///< e.g. "fit card runs.json"
  std::size_t max_bytes = 0;
  std::string bytes_option;  ///< e.g. "FitCardLoadOptions::max_bytes"
  int max_depth = 0;
  std::string depth_option;  ///< e.g. "FitCardLoadOptions::max_depth"
  std::string depth_note;    ///< e.g. "a card nests 4"
};

/// The JSON of a card's text. Throws InvalidArgument, starting with
/// card.label: more than max_bytes bytes (not parsed), text that is not
/// UTF-8 (byte, line, column, offset), nesting deeper than max_depth or a
/// key repeated within one object (the JSON path of the place; nlohmann
/// would keep the last silently), and text that is not JSON (the parser's
/// line and column; a number beyond the double range located in the text).
Json ParseCardJson(const std::string& text, const CardText& card);

/// Lower-case hex SHA-256 of `bytes` (OpenSSL EVP).
std::string Sha256Hex(const std::string& bytes);

/// The "digest" member for `card` (any "digest" member of it is ignored):
/// {"algorithm": "sha256", "canonicalization": "RFC 8785",
///  "value": SHA-256 of the canonical card without "digest",
///  "fields": {path: first 16 hex digits of the SHA-256 of the canonical
///             field, ...}}, paths in card order: "format", "law.formula",
///  "parameters[3]", "diagnostics.identified", "data.groups", ...
Json MakeDigest(const Json& card);

/// Throws InvalidArgument naming `source` and the first field (in card
/// order) whose content does not match the digest, a field the digest does
/// not cover, or one it covers that is missing, and saying how to proceed.
void VerifyDigest(const Json& card, const std::string& source);

}  // namespace scalefit::detail
