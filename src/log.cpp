#include "scalefit/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "scalefit/error.hpp"

namespace scalefit {

std::shared_ptr<spdlog::logger> Logger() {
  static std::once_flag once;
  static std::shared_ptr<spdlog::logger> logger;
  std::call_once(once, [] {
    logger = spdlog::get("scalefit");
    if (!logger) {
      logger = spdlog::stderr_color_mt("scalefit");
      logger->set_level(spdlog::level::warn);
    }
  });
  return logger;
}

void SetLogLevel(const std::string& level) {
  static const char* kNames[] = {"trace", "debug",    "info", "warn",
                                 "error", "critical", "off"};
  for (const char* name : kNames) {
    if (level == name) {
      Logger()->set_level(spdlog::level::from_str(level));
      return;
    }
  }
  throw InvalidArgument("unknown log level '" + level +
                        "'; valid: trace, debug, info, warn, error, "
                        "critical, off");
}

std::string GetLogLevel() {
  const auto name = spdlog::level::to_string_view(Logger()->level());
  return std::string(name.data(), name.size());
}

}  // namespace scalefit
