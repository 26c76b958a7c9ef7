// The fit card's digest (fit_card.hpp): SHA-256 over the RFC 8785 (JCS)
// canonical form of the card, plus one short digest per field so that a
// mismatch names the first field that differs.
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "fit_card/fit_card_internal.hpp"
#include "scalefit/error.hpp"

namespace scalefit::detail {

namespace {

// UTF-16 code units of a valid UTF-8 string (RFC 8785 sorts keys by them).
std::u16string Utf16(const std::string& s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp = c;
    int len = 1;
    if (c >= 0xF0) {
      cp = c & 0x07;
      len = 4;
    } else if (c >= 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else if (c >= 0xC0) {
      cp = c & 0x1F;
      len = 2;
    }
    for (int j = 1; j < len && i + j < s.size(); ++j)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (cp >> 10));
      out += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
  }
  return out;
}

// RFC 8785 §3.2.2.2: only ", \ and control characters are escaped.
void WriteString(const std::string& s, std::string* out) {
  *out += '"';
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          *out += ch;
        }
    }
  }
  *out += '"';
}

void Write(const Json& j, std::string* out) {
  switch (j.type()) {
    case Json::value_t::null:
      *out += "null";
      return;
    case Json::value_t::boolean:
      *out += j.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      *out += EcmaNumber(static_cast<double>(j.get<std::int64_t>()));
      return;
    case Json::value_t::number_unsigned:
      *out += EcmaNumber(static_cast<double>(j.get<std::uint64_t>()));
      return;
    case Json::value_t::number_float:
      *out += EcmaNumber(j.get<double>());
      return;
    case Json::value_t::string:
      WriteString(j.get_ref<const std::string&>(), out);
      return;
    case Json::value_t::array: {
      *out += '[';
      bool first = true;
      for (const Json& x : j) {
        if (!first) *out += ',';
        first = false;
        Write(x, out);
      }
      *out += ']';
      return;
    }
    case Json::value_t::object: {
      std::vector<std::pair<std::u16string, Json::const_iterator>> keys;
      for (auto it = j.begin(); it != j.end(); ++it)
        keys.emplace_back(Utf16(it.key()), it);
      std::sort(keys.begin(), keys.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      *out += '{';
      bool first = true;
      for (const auto& [k16, it] : keys) {
        if (!first) *out += ',';
        first = false;
        WriteString(it.key(), out);
        *out += ':';
        Write(it.value(), out);
      }
      *out += '}';
      return;
    }
    default:
      throw InvalidArgument("canonical JSON: a value JSON cannot hold");
  }
}

// The card's fields in document order: every top-level member's members
// (objects) or elements (arrays), and top-level scalars themselves.
std::vector<std::pair<std::string, const Json*>> Fields(const Json& card) {
  std::vector<std::pair<std::string, const Json*>> out;
  for (auto it = card.begin(); it != card.end(); ++it) {
    if (it.key() == "digest") continue;
    const Json& v = it.value();
    if (v.is_object() && !v.empty()) {
      for (auto m = v.begin(); m != v.end(); ++m)
        out.emplace_back(it.key() + "." + m.key(), &m.value());
    } else if (v.is_array() && !v.empty()) {
      for (size_t i = 0; i < v.size(); ++i)
        out.emplace_back(it.key() + "[" + std::to_string(i) + "]", &v[i]);
    } else {
      out.emplace_back(it.key(), &v);
    }
  }
  return out;
}

std::string FieldDigest(const Json& v) {
  return Sha256Hex(CanonicalJson(v)).substr(0, 16);
}

// "parameters[3] ('alpha')" for a parameter, else the path.
std::string Describe(const Json& card, const std::string& path) {
  if (path.rfind("parameters[", 0) == 0) {
    const size_t i = std::stoul(path.substr(11));
    const Json& p = card["parameters"][i];
    if (p.is_object() && p.contains("name") && p["name"].is_string())
      return path + " ('" + p["name"].get<std::string>() + "')";
  }
  return path;
}

}  // namespace

std::string EcmaNumber(double v) {
  if (!std::isfinite(v))
    throw InvalidArgument("canonical JSON: a number that is not finite");
  if (v == 0.0) return "0";  // also -0
  char buf[40];
  const auto res =
      std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const char* p = buf;
  const char* end = res.ptr;
  std::string out;
  if (*p == '-') {
    out = "-";
    ++p;
  }
  const char* e = std::find(p, end, 'e');
  std::string digits;
  for (const char* q = p; q < e; ++q)
    if (*q != '.') digits += *q;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int exp10 = 0;
  std::from_chars(e + 1 + (e[1] == '+' ? 1 : 0), end, exp10);
  // v = 0.d1...dk × 10^n (ECMAScript Number::toString, RFC 8785 §3.2.2.3).
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;
  if (k <= n && n <= 21) return out + digits + std::string(n - k, '0');
  if (0 < n && n <= 21)
    return out + digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return out + "0." + std::string(-n, '0') + digits;
  out += digits.substr(0, 1);
  if (k > 1) out += "." + digits.substr(1);
  return out + "e" + (n - 1 >= 0 ? "+" : "-") + std::to_string(std::abs(n - 1));
}

std::string CanonicalJson(const Json& j) {
  std::string out;
  Write(j, &out);
  return out;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) !=
      1)
    throw InvalidArgument("fit card: SHA-256 failed (OpenSSL EVP_Digest)");
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

Json MakeDigest(const Json& card) {
  Json body = card;
  body.erase("digest");
  Json fields = Json::object();
  for (const auto& [path, v] : Fields(body)) fields[path] = FieldDigest(*v);
  Json d;
  d["algorithm"] = "sha256";
  d["canonicalization"] = "RFC 8785";
  d["value"] = Sha256Hex(CanonicalJson(body));
  d["fields"] = fields;
  return d;
}

void VerifyDigest(const Json& card, const std::string& source) {
  const std::string how =
      " Refit and save the card again, or load it with verify = false "
      "(Python: scalefit.load(path, verify=False); CLI: --no-verify) to use "
      "its parameters as given parameters, without its convergence, "
      "diagnostics or uncertainty claims.";
  auto fail = [&](const std::string& what) {
    throw InvalidArgument("fit card " + source + ": " + what + how);
  };
  if (!card.contains("digest") || !card["digest"].is_object())
    fail("it has no digest, so its claims cannot be verified.");
  const Json& d = card["digest"];
  if (!d.contains("algorithm") || d["algorithm"] != "sha256" ||
      !d.contains("fields") || !d["fields"].is_object() ||
      !d.contains("value") || !d["value"].is_string())
    fail("digest: must hold algorithm \"sha256\", value and fields.");
  const Json& fields = d["fields"];
  const std::string changed =
      " does not match the card's digest: the card was changed after "
      "scalefit wrote it.";
  Json body = card;
  body.erase("digest");
  std::vector<std::string> seen;
  for (const auto& [path, v] : Fields(body)) {
    seen.push_back(path);
    const auto it = fields.find(path);
    if (it == fields.end())
      fail(Describe(body, path) +
           " is not covered by the digest: it was added after scalefit "
           "wrote the card.");
    if (!it->is_string() || it->get<std::string>() != FieldDigest(*v))
      fail(Describe(body, path) + changed);
  }
  for (auto it = fields.begin(); it != fields.end(); ++it)
    if (std::find(seen.begin(), seen.end(), it.key()) == seen.end())
      fail(it.key() +
           " is covered by the digest but missing from the card: "
           "it was removed after scalefit wrote the card.");
  if (d["value"].get<std::string>() != Sha256Hex(CanonicalJson(body)))
    fail("digest.value" + changed);
}

}  // namespace scalefit::detail
