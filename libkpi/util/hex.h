// The fixed-width lower-case hex form of 64-bit numbers that kpi writes in
// record ids, file names and cursors ("000000000000002a"): always 16 digits,
// so the text sorts as the number does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kpi {

inline constexpr size_t kHex16Length = 16;

// Writes the 16 digits of `v` to out[0..15] (no terminator).
inline void EncodeHex16(uint64_t v, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 0xf];
}

inline std::string Hex16(uint64_t v) {
  std::string s(kHex16Length, '0');
  EncodeHex16(v, s.data());
  return s;
}

// Parses exactly 16 lower-case hex digits.
inline bool ParseHex16(std::string_view text, uint64_t* v) {
  if (text.size() != kHex16Length) return false;
  uint64_t value = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else return false;
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  *v = value;
  return true;
}

}  // namespace kpi
