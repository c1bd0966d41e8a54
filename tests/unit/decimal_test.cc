// WriteDecimal: the same text as std::to_chars, for every digit count, its
// edges and random values of both signs.
#include "libkpi/util/decimal.h"

#include <catch2/catch.hpp>

#include <charconv>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

template <typename Integer>
std::string ToChars(Integer value) {
  char buffer[32];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
}

// Written between guard bytes, which must stay untouched.
template <typename Integer>
std::string Written(Integer value) {
  char buffer[kpi::kMaxDecimalLength + 2];
  std::memset(buffer, '#', sizeof buffer);
  char* end = kpi::WriteDecimal(buffer + 1, value);
  REQUIRE(buffer[0] == '#');
  REQUIRE(end <= buffer + 1 + kpi::kMaxDecimalLength);
  for (char* p = end; p < buffer + sizeof buffer; ++p) REQUIRE(*p == '#');
  return std::string(buffer + 1, end);
}

// Every power of ten and of two, one either side of each, and the limits.
std::vector<uint64_t> EdgeValues() {
  std::vector<uint64_t> values = {0, 1, 9, 10, 11, 99, 100, 101,
                                  std::numeric_limits<uint64_t>::max(),
                                  std::numeric_limits<uint64_t>::max() - 1,
                                  uint64_t{std::numeric_limits<int64_t>::max()},
                                  uint64_t{std::numeric_limits<int64_t>::max()} + 1};
  for (uint64_t power = 1; power <= 10000000000000000000ull; power *= 10) {
    values.insert(values.end(), {power - 1, power, power + 1});
    if (power == 10000000000000000000ull) break;
  }
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t power = uint64_t{1} << bit;
    values.insert(values.end(), {power - 1, power, power + 1});
  }
  return values;
}

}  // namespace

TEST_CASE("unsigned values are written as std::to_chars writes them") {
  for (uint64_t value : EdgeValues()) {
    INFO(value);
    CHECK(Written(value) == ToChars(value));
  }
}

TEST_CASE("signed values, negatives and INT64_MIN included, match std::to_chars") {
  for (uint64_t edge : EdgeValues()) {
    const auto value = static_cast<int64_t>(edge);  // both signs over the edges
    INFO(value);
    CHECK(Written(value) == ToChars(value));
    if (value != std::numeric_limits<int64_t>::min()) CHECK(Written(-value) == ToChars(-value));
  }
  CHECK(Written(std::numeric_limits<int64_t>::min()) == "-9223372036854775808");
  CHECK(Written(int64_t{0}) == "0");
  CHECK(Written(int64_t{-1}) == "-1");
}

TEST_CASE("random values of every digit count match std::to_chars") {
  std::mt19937_64 random(42);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t bits = random();
    const uint64_t value = bits >> (random() % 64);  // spread over the widths
    REQUIRE(Written(value) == ToChars(value));
    REQUIRE(Written(static_cast<int64_t>(value)) == ToChars(static_cast<int64_t>(value)));
  }
}
