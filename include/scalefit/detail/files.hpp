/// @file files.hpp
/// Reading and writing the files scalefit is given (CSV data, fit cards),
/// with the checks every reader needs before any byte is read: a path
/// without NUL bytes (a C string would silently cut it), an existing
/// regular file (not a directory or a device such as /dev/zero), and a size
/// within the reader's limit. Not API.
#pragma once

#include <cstddef>
#include <string>

namespace scalefit::detail {

/// Throws InvalidArgument "<what> path contains a NUL byte at position i"
/// when `path` does.
void CheckPath(const std::string& path, const std::string& what);

/// The bytes of the regular file `path`, at most `max_bytes` of them.
/// Throws InvalidArgument naming `what` (e.g. "CSV file") and the path when
/// it has a NUL byte, does not exist, is not a regular file, is larger than
/// `max_bytes` ("... is more than the limit of M bytes (<limit_name>); not
/// read") or cannot be read.
std::string ReadFileBounded(const std::string& path, std::size_t max_bytes,
                            const std::string& what,
                            const std::string& limit_name);

/// The first byte of `text` that is not part of valid UTF-8 (overlong
/// forms, surrogates and code points above U+10FFFF are invalid), or
/// std::string::npos. `line` and `column` (1-based, in bytes) locate it.
std::size_t FindInvalidUtf8(const std::string& text, int* line, int* column);

}  // namespace scalefit::detail
