/// @file log.hpp
/// The "scalefit" spdlog logger: warn level by default, writes to stderr.
/// Library code never prints to stdout; solver progress goes out at debug.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace scalefit {

/// The shared logger named "scalefit" (created on first use).
std::shared_ptr<spdlog::logger> Logger();

/// Sets the level: "trace", "debug", "info", "warn", "error", "critical",
/// "off". Throws InvalidArgument for anything else.
void SetLogLevel(const std::string& level);

/// The current level's name.
std::string GetLogLevel();

}  // namespace scalefit
