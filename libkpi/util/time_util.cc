#include "libkpi/util/time_util.h"

#include <chrono>
#include <cstdio>

namespace kpi {

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (*m <= 2));
}

}  // namespace

CivilTime ToCivil(int64_t ms) {
  const int64_t day_start = FloorTo(ms, kMsPerDay);
  int64_t rest = ms - day_start;
  CivilTime t{};
  CivilFromDays(day_start / kMsPerDay, &t.year, &t.month, &t.day);
  t.hour = static_cast<int>(rest / kMsPerHour);
  rest %= kMsPerHour;
  t.minute = static_cast<int>(rest / kMsPerMinute);
  rest %= kMsPerMinute;
  t.second = static_cast<int>(rest / kMsPerSecond);
  t.millis = static_cast<int>(rest % kMsPerSecond);
  return t;
}

int64_t FromCivil(int year, int month, int day, int hour, int minute, int second, int millis) {
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
             kMsPerDay +
         hour * kMsPerHour + minute * kMsPerMinute + second * kMsPerSecond + millis;
}

std::string FormatIso(int64_t ms) {
  const CivilTime t = ToCivil(ms);
  char buf[40];
  if (t.millis != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.year, t.month,
                  t.day, t.hour, t.minute, t.second, t.millis);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day,
                  t.hour, t.minute, t.second);
  }
  return buf;
}

std::string FormatHour(int64_t hour_ms) {
  const CivilTime t = ToCivil(hour_ms);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d", t.year, t.month, t.day, t.hour);
  return buf;
}

}  // namespace kpi
