#include "libkpi/util/log.h"

#include <cstdio>
#include <atomic>
#include <string>

#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<LogSink> g_sink{nullptr};

constexpr const char* kNames[] = {"debug", "info", "warn", "error"};

// Control characters as \xNN: a message that quotes a request (a path with
// %0a decoded to a newline, a raw ESC) can neither start a forged line nor
// drive a terminal.
void AppendEscaped(std::string_view message, std::string* line) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      line->push_back(c);
      continue;
    }
    line->append("\\x");
    line->push_back(kHex[byte >> 4]);
    line->push_back(kHex[byte & 0xf]);
  }
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  for (int i = 0; i < 4; ++i) {
    if (text == kNames[i]) {
      *level = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

const char* LogLevelName(LogLevel level) { return kNames[static_cast<int>(level)]; }

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

void SetLogSink(LogSink sink) { g_sink.store(sink); }

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void Log(LogLevel level, std::string_view message) {
  const LogSink sink = g_sink.load(std::memory_order_acquire);
  if (sink == nullptr || !LogEnabled(level)) return;
  const int64_t now = NowMs();
  const CivilTime t = ToCivil(now);
  char stamp[40];
  const int n = std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s ",
                              t.year, t.month, t.day, t.hour, t.minute, t.second, t.millis,
                              LogLevelName(level));
  std::string line(stamp, n > 0 ? static_cast<size_t>(n) : 0);
  AppendEscaped(message, &line);
  line.push_back('\n');
  sink(line);
}

}  // namespace kpi
