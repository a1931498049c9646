#include "kube/rfc3339.h"

#include <chrono>
#include <cstdio>

namespace ps::kube {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

std::optional<int> digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool separatorAt(std::string_view text, size_t pos, char expected) {
  return pos < text.size() && text[pos] == expected;
}

}  // namespace

std::string formatRfc3339(TimePoint time, TimeFraction fraction) {
  using namespace std::chrono;
  // In microseconds: the day's start can lie before the earliest nanosecond time point.
  const auto micro = floor<microseconds>(time);
  const auto day = floor<days>(micro);
  const year_month_day date{day};
  const hh_mm_ss clock{micro - day};
  char buffer[48];
  int length =
      std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02lld", int(date.year()),
                    unsigned(date.month()), unsigned(date.day()), long(clock.hours().count()),
                    long(clock.minutes().count()), static_cast<long long>(clock.seconds().count()));
  const auto micros = static_cast<long long>(clock.subseconds().count());
  const auto room = sizeof buffer - static_cast<std::size_t>(length);
  if (fraction == TimeFraction::kMillis) {
    std::snprintf(buffer + length, room, ".%03lldZ", micros / 1000);
  } else if (fraction == TimeFraction::kMicros) {
    std::snprintf(buffer + length, room, ".%06lldZ", micros);
  } else {
    std::snprintf(buffer + length, room, "Z");
  }
  return buffer;
}

std::optional<TimePoint> parseRfc3339(std::string_view text) {
  using namespace std::chrono;
  const auto year = digits(text, 0, 4), month = digits(text, 5, 2), dayOfMonth = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (!year || !month || !dayOfMonth || !hour || !minute || !second) return std::nullopt;
  if (!separatorAt(text, 4, '-') || !separatorAt(text, 7, '-') || !separatorAt(text, 13, ':') ||
      !separatorAt(text, 16, ':') || !(separatorAt(text, 10, 'T') || separatorAt(text, 10, 't'))) {
    return std::nullopt;
  }
  const year_month_day date{std::chrono::year{*year}, std::chrono::month(unsigned(*month)),
                            std::chrono::day(unsigned(*dayOfMonth))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  size_t pos = 19;
  if (separatorAt(text, pos, '.')) {
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  minutes offset{0};
  if (separatorAt(text, pos, 'Z') || separatorAt(text, pos, 'z')) {
    ++pos;
  } else if (separatorAt(text, pos, '+') || separatorAt(text, pos, '-')) {
    const auto offsetHours = digits(text, pos + 1, 2), offsetMinutes = digits(text, pos + 4, 2);
    if (!offsetHours || !offsetMinutes || !separatorAt(text, pos + 3, ':') || *offsetHours > 23 ||
        *offsetMinutes > 59) {
      return std::nullopt;
    }
    offset = hours(*offsetHours) + minutes(*offsetMinutes);
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const sys_seconds instant =
      sys_days{date} + hours(*hour) + minutes(*minute) + seconds(*second) - offset;
  // The clock counts nanoseconds in 64 bits (years 1677 to 2262): refuse what it cannot hold
  // rather than overflow while converting.
  constexpr auto kLimit = duration_cast<seconds>(TimePoint::duration::max());
  if (instant.time_since_epoch() > kLimit || instant.time_since_epoch() < -kLimit) {
    return std::nullopt;
  }
  return time_point_cast<TimePoint::duration>(instant);
}

}  // namespace ps::kube
