#include "libkpi/util/crc32c.h"

#include <catch2/catch.hpp>
#include <string>

TEST_CASE("crc32c matches the published check value") {
  REQUIRE(kpi::crc32c::Value("123456789", 9) == 0xE3069283u);
}

TEST_CASE("crc32c extends across split buffers") {
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const uint32_t whole = kpi::crc32c::Value(data);
  for (size_t split : {0, 1, 7, 8, 9, 500, 999, 1000}) {
    uint32_t c = kpi::crc32c::Extend(0, data.data(), split);
    c = kpi::crc32c::Extend(c, data.data() + split, data.size() - split);
    REQUIRE(c == whole);
  }
}

namespace {

// CRC-32C bit by bit (reflected polynomial 0x82F63B78): the definition,
// independent of the table and instruction paths.
uint32_t BitwiseCrc32c(const std::string& data) {
  uint32_t crc = ~0u;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

}  // namespace

TEST_CASE("crc32c of long buffers (three interleaved streams) matches the definition") {
  std::string data(3 * 3 * 4096 + 100, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : data) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  // 767-769 and 1,100: the 256-byte strides a WAL frame takes; 13,055: both.
  for (size_t n : {size_t{767}, size_t{768}, size_t{769}, size_t{1100}, size_t{12287},
                   size_t{12288}, size_t{12289}, size_t{13055}, size_t{24583}, data.size()}) {
    const std::string part = data.substr(0, n);
    INFO("length " << n);
    REQUIRE(kpi::crc32c::Value(part) == BitwiseCrc32c(part));
    for (size_t split : {size_t{1}, size_t{4096}, n / 2, n - 3}) {
      if (split > n) continue;
      uint32_t c = kpi::crc32c::Extend(0, part.data(), split);
      REQUIRE(kpi::crc32c::Extend(c, part.data() + split, n - split) == BitwiseCrc32c(part));
    }
  }
}
