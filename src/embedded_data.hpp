// The data files embedded in the library at build time (data/*.csv; the
// generated embedded_data.cpp defines them). Read through datasets.hpp.
#pragma once

namespace scalefit::detail {

struct EmbeddedFile {
  const char* name;  ///< file name in data/, e.g. "chinchilla_epoch.csv"
  const char* text;  ///< the file's bytes
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const int kNumEmbeddedFiles;

}  // namespace scalefit::detail
