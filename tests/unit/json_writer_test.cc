// AppendJson*: RFC 8259 escaping and shortest round-trip numbers.
#include "libkpi/util/json_writer.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

namespace {

template <typename F>
std::string Written(F append) {
  std::string out = "<";
  append(&out);
  return out;
}

}  // namespace

TEST_CASE("strings are quoted and escaped per RFC 8259, and appended") {
  CHECK(Written([](std::string* o) { kpi::AppendJsonString(o, "plain"); }) == "<\"plain\"");
  CHECK(Written([](std::string* o) { kpi::AppendJsonString(o, ""); }) == "<\"\"");
  CHECK(Written([](std::string* o) { kpi::AppendJsonString(o, "a\"b\\c/d"); }) ==
        R"(<"a\"b\\c/d")");
  CHECK(Written([](std::string* o) { kpi::AppendJsonString(o, "\b\f\n\r\t"); }) ==
        R"(<"\b\f\n\r\t")");
  CHECK(Written([](std::string* o) {
          kpi::AppendJsonString(o, std::string_view("\x00\x01\x1f\x7f", 4));
        }) == "<\"\\u0000\\u0001\\u001f\x7f\"");
  CHECK(Written([](std::string* o) { kpi::AppendJsonString(o, "caf\xc3\xa9 \xe2\x82\xac"); }) ==
        "<\"caf\xc3\xa9 \xe2\x82\xac\"");
  CHECK(Written([](std::string* o) { kpi::AppendJsonKey(o, "k\n"); }) == R"(<"k\n":)");
}

TEST_CASE("integers are plain decimal over their whole range") {
  CHECK(Written([](std::string* o) { kpi::AppendJsonInt(o, 0); }) == "<0");
  CHECK(Written([](std::string* o) { kpi::AppendJsonInt(o, -42); }) == "<-42");
  CHECK(Written([](std::string* o) {
          kpi::AppendJsonInt(o, std::numeric_limits<int64_t>::min());
        }) == "<-9223372036854775808");
  CHECK(Written([](std::string* o) {
          kpi::AppendJsonUint(o, std::numeric_limits<uint64_t>::max());
        }) == "<18446744073709551615");
}

TEST_CASE("doubles use the shortest text that reads back the same") {
  CHECK(Written([](std::string* o) { kpi::AppendJsonDouble(o, 1.0); }) == "<1");
  CHECK(Written([](std::string* o) { kpi::AppendJsonDouble(o, 0.5); }) == "<0.5");
  CHECK(Written([](std::string* o) { kpi::AppendJsonDouble(o, 0.1); }) == "<0.1");
  CHECK(Written([](std::string* o) { kpi::AppendJsonDouble(o, 0.1 * 3); }) ==
        "<0.30000000000000004");
  CHECK(Written([](std::string* o) { kpi::AppendJsonDouble(o, 1e-7); }) == "<1e-07");
  // "-0" would read back as the integer 0: stored lines must not change
  // when canonicalized again (a fuzz_ingest_body finding).
  CHECK(Written([](std::string* o) { kpi::AppendJsonDouble(o, -0.0); }) == "<0");
  CHECK(Written([](std::string* o) { kpi::AppendJsonDouble(o, -0.5); }) == "<-0.5");
  CHECK(Written([](std::string* o) { kpi::AppendJsonDouble(o, NAN); }) == "<null");
  CHECK(Written([](std::string* o) { kpi::AppendJsonDouble(o, -INFINITY); }) == "<null");
}

TEST_CASE("booleans and null") {
  CHECK(Written([](std::string* o) { kpi::AppendJsonBool(o, true); }) == "<true");
  CHECK(Written([](std::string* o) { kpi::AppendJsonBool(o, false); }) == "<false");
  CHECK(Written([](std::string* o) { kpi::AppendJsonNull(o); }) == "<null");
}
