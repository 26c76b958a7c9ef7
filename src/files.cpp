// Bounded, checked file reading and UTF-8 validation (detail/files.hpp).
#include "scalefit/detail/files.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "scalefit/error.hpp"

namespace scalefit::detail {

void CheckPath(const std::string& path, const std::string& what) {
  const std::size_t nul = path.find('\0');
  if (nul != std::string::npos)
    throw InvalidArgument(what + " path contains a NUL byte at position " +
                          std::to_string(nul) +
                          " (0-based); a path cannot hold one");
}

std::string ReadFileBounded(const std::string& path, std::size_t max_bytes,
                            const std::string& what,
                            const std::string& limit_name) {
  CheckPath(path, what);
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    throw InvalidArgument(what + " '" + path + "' does not exist");
  if (fs::is_directory(st))
    throw InvalidArgument(what + " '" + path +
                          "' is a directory (is not a regular file)");
  if (!fs::is_regular_file(st))
    throw InvalidArgument(what + " '" + path + "' is not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw InvalidArgument("cannot read the size of '" + path + "'");
  if (size > max_bytes) {
    throw InvalidArgument(path + ": " + std::to_string(size) +
                          " bytes is more than the limit of " +
                          std::to_string(max_bytes) + " bytes (" + limit_name +
                          "); not read");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument("cannot open '" + path + "' for reading");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size))
    throw InvalidArgument("failed reading '" + path + "'");
  return text;
}

std::size_t FindInvalidUtf8(const std::string& text, int* line, int* column) {
  const std::size_t n = text.size();
  int ln = 1;
  std::size_t line_start = 0;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  while (i < n) {
    const unsigned char c = byte(i);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      if (c == '\n') {
        ++ln;
        line_start = i + 1;
      }
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (byte(i + k) & 0xC0) == 0x80;
      cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    // Overlong 3- and 4-byte forms, UTF-16 surrogates, > U+10FFFF.
    if (ok && len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
      ok = false;
    if (ok && len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ok = false;
    if (!ok) {
      if (line) *line = ln;
      if (column) *column = static_cast<int>(i - line_start) + 1;
      return i;
    }
    i += len;
  }
  return std::string::npos;
}

}  // namespace scalefit::detail
