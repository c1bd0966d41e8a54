// Log: one line per event, "<UTC time> <level> <message>". The library never
// prints: lines go to the sink the program installs (kpid writes them to
// stderr, where journald adds the host and unit); with no sink they are
// dropped.
//
// Contract: a log line names an event and its numbers, never request
// payloads, IP addresses, cookies, headers or User-Agent strings. Lines at a
// level below the configured one cost one relaxed atomic load.
//
// Thread-safety: all functions may be called from any thread; each line is
// written with a single write(2), so lines never interleave.
#pragma once

#include <string_view>

namespace kpi {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

bool ParseLogLevel(std::string_view text, LogLevel* level);
const char* LogLevelName(LogLevel level);

void SetLogLevel(LogLevel level);

// Receives each enabled line, '\n' included; must be callable from any thread.
using LogSink = void (*)(std::string_view line);
void SetLogSink(LogSink sink);
bool LogEnabled(LogLevel level);

// Passes "2026-11-29T18:00:00.123Z info <message>\n" to the sink if
// `level` is enabled. Control characters of `message` (newlines included)
// are written as \xNN, so every message is exactly one line.
void Log(LogLevel level, std::string_view message);

inline void LogInfo(std::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarn(std::string_view message) { Log(LogLevel::kWarn, message); }
inline void LogError(std::string_view message) { Log(LogLevel::kError, message); }

}  // namespace kpi
