#include "scalefit/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <utility>

#include "scalefit/error.hpp"

namespace scalefit {

namespace {

std::mutex& HandlerMutex() {
  static std::mutex m;
  return m;
}

std::shared_ptr<const WarningHandler>& HandlerSlot() {
  static std::shared_ptr<const WarningHandler> handler;
  return handler;
}

thread_local bool quiet_warnings = false;

}  // namespace

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
  const std::string name = level == "warning" ? "warn" : level;
  for (const char* known : kNames) {
    if (name == known) {
      Logger()->set_level(spdlog::level::from_str(name));
      return;
    }
  }
  throw InvalidArgument("unknown log level '" + level +
                        "'; valid: trace, debug, info, warn, warning, error, "
                        "critical, off");
}

std::string GetLogLevel() {
  const auto name = spdlog::level::to_string_view(Logger()->level());
  return std::string(name.data(), name.size());  // "warning" for warn
}

void SetWarningHandler(WarningHandler handler) {
  std::shared_ptr<const WarningHandler> next;
  if (handler)
    next = std::make_shared<const WarningHandler>(std::move(handler));
  std::lock_guard<std::mutex> lock(HandlerMutex());
  HandlerSlot() = std::move(next);
}

void Warn(const std::string& message) {
  if (quiet_warnings) {
    Logger()->debug("{}", message);
    return;
  }
  std::shared_ptr<const WarningHandler> handler;
  {
    std::lock_guard<std::mutex> lock(HandlerMutex());
    handler = HandlerSlot();
  }
  if (handler) {
    (*handler)(message);  // called outside the lock
  } else {
    Logger()->warn("{}", message);
  }
}

ScopedQuietWarnings::ScopedQuietWarnings() : previous_(quiet_warnings) {
  quiet_warnings = true;
}

ScopedQuietWarnings::~ScopedQuietWarnings() { quiet_warnings = previous_; }

}  // namespace scalefit
