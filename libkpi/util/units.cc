#include "libkpi/util/units.h"

#include <cmath>
#include <cstdio>
#include <cctype>
#include <cstdlib>

namespace kpi {
namespace {

// Splits "12.5GiB" into 12.5 and "GiB"; false if there is no leading number.
bool SplitNumber(std::string_view text, double* number, std::string* unit) {
  std::string s(text);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.')) return false;
  char* end = nullptr;
  *number = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(*number) || *number < 0) return false;
  *unit = std::string(end);
  while (!unit->empty() && unit->front() == ' ') unit->erase(unit->begin());
  return true;
}

Status Bad(std::string_view what, std::string_view text, const char* expected) {
  return Status::InvalidArgument(std::string(what) + ": cannot read '" + std::string(text) +
                                 "' (expected " + expected + ")");
}

}  // namespace

Status ParseSize(std::string_view text, std::string_view what, uint64_t* bytes) {
  constexpr const char* kExpected = "a size such as 512K, 64M, 50G or 1T";
  double number;
  std::string unit;
  if (!SplitNumber(text, &number, &unit)) return Bad(what, text, kExpected);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() == 3 && unit[1] == 'I' && unit[2] == 'B') unit.resize(1);
  if (unit.size() == 2 && unit[1] == 'B') unit.resize(1);
  double scale;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "K") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024;
  else if (unit == "G") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else return Bad(what, text, kExpected);
  const double value = number * scale;
  if (value >= 1.8e19) return Bad(what, text, kExpected);
  *bytes = static_cast<uint64_t>(std::llround(value));
  return Status::OK();
}

Status ParseDuration(std::string_view text, std::string_view what, int64_t* ms) {
  constexpr const char* kExpected = "a duration such as 250ms, 30s, 5m, 3h or 7d";
  double number;
  std::string unit;
  if (!SplitNumber(text, &number, &unit)) return Bad(what, text, kExpected);
  double scale;
  if (unit == "ms") scale = 1;
  else if (unit.empty() || unit == "s") scale = 1000;
  else if (unit == "m" || unit == "min") scale = 60e3;
  else if (unit == "h") scale = 3600e3;
  else if (unit == "d") scale = 86400e3;
  else if (unit == "w") scale = 7 * 86400e3;
  else return Bad(what, text, kExpected);
  const double value = number * scale;
  if (value >= 9.2e18) return Bad(what, text, kExpected);
  *ms = static_cast<int64_t>(std::llround(value));
  return Status::OK();
}

std::string FormatSize(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

}  // namespace kpi
