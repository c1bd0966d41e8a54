// Time arithmetic on Unix milliseconds, always UTC. Pure functions, except
// NowMs, which reads the wall clock.
#pragma once

#include <cstdint>
#include <string>

namespace kpi {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;

// Floors `ms` to a multiple of `step` (also for negative ms).
inline int64_t FloorTo(int64_t ms, int64_t step) {
  int64_t r = ms % step;
  return r < 0 ? ms - r - step : ms - r;
}
inline int64_t HourStart(int64_t ms) { return FloorTo(ms, kMsPerHour); }

// Wall clock now, in Unix ms.
int64_t NowMs();

struct CivilTime {
  int year, month, day, hour, minute, second, millis;
};
CivilTime ToCivil(int64_t ms);
// Returns Unix ms of the civil UTC time; no range checks.
int64_t FromCivil(int year, int month, int day, int hour = 0, int minute = 0, int second = 0,
                  int millis = 0);

// "2026-11-29T18:00:00Z" (milliseconds shown only when not zero).
std::string FormatIso(int64_t ms);
// "2026-11-29T18" — how an hour is named in listings.
std::string FormatHour(int64_t hour_ms);

}  // namespace kpi
