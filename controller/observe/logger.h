#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/annotated_mutex.h"

namespace ps::observe {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kJson, kText };

std::optional<LogLevel> parseLogLevel(std::string_view text);
std::optional<LogFormat> parseLogFormat(std::string_view text);
std::string_view levelName(LogLevel level);

// Structured logs: every entry is one line, either one JSON object (built with nlohmann::json, so
// escaping is right) or readable "time LEVEL message key=value" text. Thread-safe.
class Logger {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  Logger(
      std::ostream& out, LogFormat format, LogLevel minimum,
      WallClock now = [] { return std::chrono::system_clock::now(); });

  bool enabled(LogLevel level) const { return level >= minimum_; }
  void log(LogLevel level, std::string_view message,
           const nlohmann::json& fields = nlohmann::json::object());
  void debug(std::string_view message, const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kDebug, message, fields);
  }
  void info(std::string_view message, const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kInfo, message, fields);
  }
  void warn(std::string_view message, const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kWarn, message, fields);
  }
  void error(std::string_view message, const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kError, message, fields);
  }

 private:
  std::string formatLine(LogLevel level, std::string_view message,
                         const nlohmann::json& fields) const;

  Mutex mutex_;
  std::ostream& out_ GUARDED_BY(mutex_);
  const LogFormat format_;
  const LogLevel minimum_;
  const WallClock now_;
};

}  // namespace ps::observe
