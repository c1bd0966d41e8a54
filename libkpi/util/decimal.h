// WriteDecimal: an integer's decimal text, written two digits per step.
//
// Contract: writes exactly what std::to_chars(out, out + 20, value) writes
// for the same value (base 10: a '-' for negatives, no leading zeros, "0"
// for zero) and returns the end of it; `out` needs room for
// kMaxDecimalLength bytes. Nothing is read or written past the text.
// Why: the canonicaliser spells ~80 integers per record (event offsets and
// durations). libstdc++'s to_chars first counts the digits by dividing in a
// loop and was ~7 % of Canonicalize; here the count is one multiply and a
// table compare, then the digits come out in pairs from a 200-byte table.
//
// Thread-safety: pure functions.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace kpi {

constexpr size_t kMaxDecimalLength = 20;  // "-9223372036854775808", "18446744073709551615"

namespace decimal_internal {

inline constexpr char kDigitPairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

inline constexpr uint64_t kPowersOf10[20] = {1ull,
                                              10ull,
                                              100ull,
                                              1000ull,
                                              10000ull,
                                              100000ull,
                                              1000000ull,
                                              10000000ull,
                                              100000000ull,
                                              1000000000ull,
                                              10000000000ull,
                                              100000000000ull,
                                              1000000000000ull,
                                              10000000000000ull,
                                              100000000000000ull,
                                              1000000000000000ull,
                                              10000000000000000ull,
                                              100000000000000000ull,
                                              1000000000000000000ull,
                                              10000000000000000000ull};

// The number of decimal digits of `value` (1 for 0): log10 estimated from
// the bit width (1233/4096 ≈ log10(2)), corrected by one compare (`| 1`
// makes 0 count one digit and changes no other count: the powers are even).
inline int DigitCount(uint64_t value) {
  const int estimate = (std::bit_width(value | 1) * 1233) >> 12;  // 0..19
  return estimate + ((value | 1) >= kPowersOf10[estimate] ? 1 : 0);
}

}  // namespace decimal_internal

inline char* WriteDecimal(char* out, uint64_t value) {
  const int length = decimal_internal::DigitCount(value);
  char* end = out + length;
  char* p = end;
  while (value >= 100) {
    const unsigned pair = static_cast<unsigned>(value % 100);
    value /= 100;
    p -= 2;
    std::memcpy(p, decimal_internal::kDigitPairs + 2 * pair, 2);
  }
  if (value >= 10) {
    std::memcpy(p - 2, decimal_internal::kDigitPairs + 2 * value, 2);
  } else {
    p[-1] = static_cast<char>('0' + value);
  }
  return end;
}

inline char* WriteDecimal(char* out, int64_t value) {
  if (value >= 0) return WriteDecimal(out, static_cast<uint64_t>(value));
  *out = '-';
  return WriteDecimal(out + 1, ~static_cast<uint64_t>(value) + 1);  // INT64_MIN too
}

}  // namespace kpi
