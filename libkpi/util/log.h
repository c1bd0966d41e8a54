// Log: kpid's one-line-per-event log on stderr (journald adds the host and
// unit; we add the UTC time and level).
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
bool LogEnabled(LogLevel level);

// Writes "2026-11-29T18:00:00.123Z info <message>\n" if `level` is enabled.
void Log(LogLevel level, std::string_view message);

inline void LogInfo(std::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarn(std::string_view message) { Log(LogLevel::kWarn, message); }
inline void LogError(std::string_view message) { Log(LogLevel::kError, message); }

}  // namespace kpi
