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
