// Shared by the fit-card writer (write.cpp) and reader (read.cpp).
#pragma once

#include <nlohmann/json.hpp>

namespace scalefit::detail {

using Json = nlohmann::ordered_json;

/// The card's "format" field.
inline constexpr const char* kFitCardFormatName = "scalefit.fit_card";

}  // namespace scalefit::detail
