#include "observe/logger.h"

#include "kube/rfc3339.h"

namespace ps::observe {
namespace {

std::string timestamp(std::chrono::system_clock::time_point time) {
  return kube::formatRfc3339(time, kube::TimeFraction::kMillis);
}

// Text values stay on one line: anything with spaces, quotes, '=' or control characters is
// written as a JSON string (quoted and escaped).
std::string textValue(const nlohmann::json& value) {
  if (!value.is_string())
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const auto& text = value.get_ref<const std::string&>();
  bool plain = !text.empty();
  for (unsigned char c : text) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) plain = false;
  }
  return plain ? text : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<LogLevel> parseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn" || text == "warning") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return std::nullopt;
}

std::optional<LogFormat> parseLogFormat(std::string_view text) {
  if (text == "json") return LogFormat::kJson;
  if (text == "text") return LogFormat::kText;
  return std::nullopt;
}

std::string_view levelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

Logger::Logger(std::ostream& out, LogFormat format, LogLevel minimum, WallClock now)
    : out_(out), format_(format), minimum_(minimum), now_(std::move(now)) {}

std::string Logger::formatLine(LogLevel level, std::string_view message,
                               const nlohmann::json& fields) const {
  const auto ts = timestamp(now_());
  if (format_ == LogFormat::kJson) {
    nlohmann::json entry = {{"ts", ts}, {"level", levelName(level)}, {"msg", message}};
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items()) {
        if (!entry.contains(key)) entry[key] = value;  // the fixed keys win
      }
    }
    // Invalid UTF-8 from a plugin must not make the logger throw.
    return entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string upper(levelName(level));
  for (auto& c : upper) c = static_cast<char>(c - 'a' + 'A');
  std::string line = ts + " " + upper + " " + textValue(nlohmann::json(std::string(message)));
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line += " " + key + "=" + textValue(value);
  }
  return line;
}

void Logger::log(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  if (!enabled(level)) return;
  const std::string line = formatLine(level, message, fields) + "\n";
  MutexLock lock(mutex_);
  out_ << line << std::flush;
}

}  // namespace ps::observe
