// The C++ core's log records and warnings, delivered to Python: records of
// the "scalefit" spdlog logger to a Python callable (the package sends them
// to logging.getLogger("scalefit")), Warn() messages to another (the package
// turns them into scalefit.ScalefitWarning).
//
// Threads: a record made on a thread that holds the GIL is delivered at
// once. Records made without the GIL (worker threads, or the calling thread
// while a binding runs C++ work with the GIL released) are queued and
// delivered by DeliverLogs() when the binding call returns (WithoutGil), in
// the order they were made. No C++ lock is held while Python runs, and no
// thread ever waits for the GIL inside a sink: a caller holding the GIL while
// it waits for workers cannot deadlock.
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "scalefit/detail/parallel.hpp"
#include "scalefit/log.hpp"

namespace scalefit::py {

namespace {

struct Record {
  bool warning = false;  // a Warn() message, not a log record
  int level = 0;         // Python logging level of a log record
  std::string text;
};

// Python logging levels of spdlog's levels (trace below DEBUG, as 5).
int PythonLevel(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
      return 5;
    case spdlog::level::debug:
      return 10;
    case spdlog::level::info:
      return 20;
    case spdlog::level::warn:
      return 30;
    case spdlog::level::err:
      return 40;
    case spdlog::level::critical:
      return 50;
    default:
      return 50;
  }
}

struct Routing {
  std::mutex mutex;  // guards `pending` only
  std::deque<Record> pending;
  // The Python callables (owned with the GIL held; never destroyed at
  // process exit, when the interpreter may be gone).
  pyb::object* on_record = nullptr;   // f(level: int, message: str)
  pyb::object* on_warning = nullptr;  // f(message: str)
  bool active = false;                // set while handlers are installed
};

Routing& R() {
  static Routing* r = new Routing();  // intentionally leaked
  return *r;
}

void Push(Record rec) {
  Routing& r = R();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    r.pending.push_back(std::move(rec));
  }
  if (PyGILState_Check()) DeliverLogs();
}

// The logger's only sink while Python routes the logs: copies each record
// into the queue (spdlog's loggers hold no lock while calling a sink).
class ForwardingSink final : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg& msg) override {
    Push(Record{false, PythonLevel(msg.level),
                std::string(msg.payload.data(), msg.payload.size())});
  }
  void flush() override {}
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}
};

void Install(pyb::object on_record, pyb::object on_warning) {
  Routing& r = R();
  auto logger = Logger();
  if (on_record.is_none()) {
    // Back to C++ defaults: stderr, warnings on the logger.
    SetWarningHandler({});
    logger->sinks().clear();
    logger->sinks().push_back(
        std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    r.active = false;
    DeliverLogs();
    delete r.on_record;
    delete r.on_warning;
    r.on_record = r.on_warning = nullptr;
    return;
  }
  delete r.on_record;
  delete r.on_warning;
  r.on_record = new pyb::object(std::move(on_record));
  r.on_warning = new pyb::object(std::move(on_warning));
  r.active = true;
  logger->sinks().clear();
  logger->sinks().push_back(std::make_shared<ForwardingSink>());
  SetWarningHandler([](const std::string& message) {
    Push(Record{true, 30, message});
  });
}

}  // namespace

void DeliverLogs() {
  Routing& r = R();
  for (;;) {
    Record rec;
    {
      std::lock_guard<std::mutex> lock(r.mutex);
      if (r.pending.empty()) return;
      rec = std::move(r.pending.front());
      r.pending.pop_front();
    }
    if (!r.active || r.on_record == nullptr) continue;
    if (rec.warning) {
      (*r.on_warning)(rec.text);  // may raise (warnings filter "error")
    } else {
      (*r.on_record)(rec.level, rec.text);
    }
  }
}

void RegisterLog(pyb::module_& m) {
  m.def("set_log_level", &SetLogLevel, pyb::arg("level"),
        "Set the C++ logger's level: trace, debug, info, warn (warning), "
        "error, critical, off.");
  m.def("get_log_level", &GetLogLevel);
  m.def("_route_logs", &Install, pyb::arg("on_record"), pyb::arg("on_warning"),
        "Send the core's log records to on_record(level, message) and its "
        "warnings to on_warning(message); None restores stderr.");
  m.def("_deliver_logs", &DeliverLogs,
        "Deliver queued log records and warnings now.");
  m.def(
      "_log_for_test",
      [](const std::string& level, const std::string& message, int threads) {
        // Emits from `threads` worker threads (0 = this thread), for the
        // tests of the routing.
        return WithoutGil([&] {
          if (threads <= 0) {
            if (level == "warning_channel") {
              Warn(message);
            } else {
              Logger()->log(spdlog::level::from_str(level), "{}", message);
            }
            return 0;
          }
          detail::ParallelFor(threads, threads, [&](int, int i) {
            if (level == "warning_channel") {
              Warn(message + " " + std::to_string(i));
            } else {
              Logger()->log(spdlog::level::from_str(level), "{} {}", message,
                            i);
            }
          });
          return threads;
        });
      },
      pyb::arg("level"), pyb::arg("message"), pyb::arg("threads") = 0);
}

}  // namespace scalefit::py
