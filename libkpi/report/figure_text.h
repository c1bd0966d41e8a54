// How report renderers write figures as text: fixed decimals, and shares as
// percentages ("-" when the whole is zero). Thread-safety: pure functions.
#pragma once

#include <cstdio>
#include <string>

namespace kpi {

inline std::string FixedText(double value, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

// "87.3%" (or "87.3 %" with `space`), one decimal.
inline std::string PercentText(double part, double whole, bool space = false) {
  if (!(whole > 0)) return "-";
  return FixedText(100 * part / whole, 1) + (space ? " %" : "%");
}

}  // namespace kpi
