#include "libkpi/util/time_range.h"

#include <catch2/catch.hpp>

#include "libkpi/util/time_util.h"

using kpi::FromCivil;
using kpi::kMsPerDay;
using kpi::kMsPerHour;
using kpi::TimeRange;

namespace {

const int64_t kNow = FromCivil(2026, 11, 29, 18, 30, 15, 250);

int64_t Point(const std::string& text, int64_t* period = nullptr) {
  int64_t ms = 0, p = 0;
  kpi::Status s = kpi::ParseTimePoint(text, kNow, &ms, &p);
  INFO(text << ": " << s.ToString());
  REQUIRE(s.ok());
  if (period) *period = p;
  return ms;
}

TimeRange Range(std::vector<std::string> args) {
  TimeRange r;
  kpi::Status s = kpi::ParseTimeRange(args, kNow, &r);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return r;
}

std::string RangeError(std::vector<std::string> args) {
  TimeRange r;
  kpi::Status s = kpi::ParseTimeRange(args, kNow, &r);
  REQUIRE(!s.ok());
  REQUIRE(s.code() == kpi::Status::Code::kInvalidArgument);
  return s.message();
}

}  // namespace

TEST_CASE("ISO 8601 points at every precision, with their periods") {
  int64_t period = 0;
  CHECK(Point("2026-11-29", &period) == FromCivil(2026, 11, 29));
  CHECK(period == kMsPerDay);
  CHECK(Point("2026-11-29T18", &period) == FromCivil(2026, 11, 29, 18));
  CHECK(period == kMsPerHour);
  CHECK(Point("2026-11-29T18:05Z", &period) == FromCivil(2026, 11, 29, 18, 5));
  CHECK(period == 60000);
  CHECK(Point("2026-11-29T18:05:00.000Z", &period) == FromCivil(2026, 11, 29, 18, 5));
  CHECK(period == 1);
  CHECK(Point("2026-11-29T18:05:07.5Z") == FromCivil(2026, 11, 29, 18, 5, 7, 500));
  CHECK(Point("2026-11-29 18:05:07") == FromCivil(2026, 11, 29, 18, 5, 7));
  CHECK(Point("2026-11", &period) == FromCivil(2026, 11, 1));
  CHECK(period == 30 * kMsPerDay);
  CHECK(Point("2024-02", &period) == FromCivil(2024, 2, 1));
  CHECK(period == 29 * kMsPerDay);
}

TEST_CASE("UTC offsets move the instant to UTC") {
  CHECK(Point("2026-11-29T20:05+02:00") == FromCivil(2026, 11, 29, 18, 5));
  CHECK(Point("2026-11-29T18:05:00+00:00") == FromCivil(2026, 11, 29, 18, 5));
  CHECK(Point("2026-11-29T13:05-0500") == FromCivil(2026, 11, 29, 18, 5));
  CHECK(Point("2026-11-30T00:30+05:30") == FromCivil(2026, 11, 29, 19, 0));
}

TEST_CASE("Unix milliseconds and times relative to now") {
  int64_t period = -1;
  CHECK(Point("1764439200000", &period) == 1764439200000);
  CHECK(period == 0);
  CHECK(Point("0") == 0);
  CHECK(Point("now") == kNow);
  CHECK(Point("-7d") == kNow - 7 * kMsPerDay);
  CHECK(Point("-3h") == kNow - 3 * kMsPerHour);
  CHECK(Point("-15m") == kNow - 15 * 60000);
  CHECK(Point("now-2w") == kNow - 14 * kMsPerDay);
  CHECK(Point("+1h") == kNow + kMsPerHour);
  CHECK(Point("today", &period) == FromCivil(2026, 11, 29));
  CHECK(period == kMsPerDay);
  CHECK(Point("yesterday") == FromCivil(2026, 11, 28));
}

TEST_CASE("bad times are rejected with the text quoted") {
  for (const char* bad : {"", "bogus", "2026-13-01", "2026-02-30", "2026-11-29T24",
                          "2026-11-29T18:60", "2026-11-29T18:05:00.1234567890Z",
                          "2026-11-29T18+25:00", "-3x", "now-", "2026-11-29Zjunk", "2026"
                          "-11-29T18:05:00Zx"}) {
    int64_t ms = 0, period = 0;
    kpi::Status s = kpi::ParseTimePoint(bad, kNow, &ms, &period);
    INFO(bad);
    CHECK(s.code() == kpi::Status::Code::kInvalidArgument);
    CHECK(s.message().find(std::string("'") + bad + "'") != std::string::npos);
  }
}

TEST_CASE("no range is everything") {
  TimeRange r = Range({});
  CHECK(r.IsAll());
  CHECK(r.ToString() == "everything");
}

TEST_CASE("a period alone is that whole period; an instant alone runs to the end") {
  TimeRange day = Range({"2026-11-29"});
  CHECK(day.from_ms == FromCivil(2026, 11, 29));
  CHECK(day.to_ms == FromCivil(2026, 11, 30));
  TimeRange hour = Range({"2026-11-29T18"});
  CHECK(hour.to_ms - hour.from_ms == kMsPerHour);
  TimeRange since = Range({"-3h"});
  CHECK(since.from_ms == kNow - 3 * kMsPerHour);
  CHECK(since.to_ms == kpi::kMaxTimeMs);
  TimeRange ms = Range({"1764439200000"});
  CHECK(ms.from_ms == 1764439200000);
  CHECK(ms.to_ms == kpi::kMaxTimeMs);
}

TEST_CASE("FROM TO and FROM..TO are half-open, with open ends") {
  TimeRange a = Range({"2026-11-29", "2026-11-30"});
  TimeRange b = Range({"2026-11-29..2026-11-30"});
  CHECK(a.from_ms == b.from_ms);
  CHECK(a.to_ms == b.to_ms);
  CHECK(a.to_ms == FromCivil(2026, 11, 30));  // TO names the start of its period
  CHECK(a.Contains(FromCivil(2026, 11, 29)));
  CHECK(!a.Contains(FromCivil(2026, 11, 30)));
  CHECK(a.Contains(FromCivil(2026, 11, 30) - 1));
  TimeRange open_end = Range({"2026-11-29T18.."});
  CHECK(open_end.to_ms == kpi::kMaxTimeMs);
  TimeRange open_start = Range({"..-1h"});
  CHECK(open_start.from_ms == kpi::kMinTimeMs);
  CHECK(open_start.to_ms == kNow - kMsPerHour);
  TimeRange mixed = Range({"-7d..now"});
  CHECK(mixed.to_ms - mixed.from_ms == 7 * kMsPerDay);
}

TEST_CASE("empty, reversed or over-long ranges are usage errors naming the text") {
  CHECK(RangeError({"2026-11-29", "2026-11-29"}).find("'2026-11-29 2026-11-29' is empty") !=
        std::string::npos);
  CHECK(RangeError({"2026-11-30..2026-11-29"}).find("is empty") != std::string::npos);
  CHECK(RangeError({"a", "b", "c"}).find("too many") != std::string::npos);
  CHECK(RangeError({"2026-11-29..bogus"}).find("'bogus'") != std::string::npos);
}

TEST_CASE("overlap tests match the half-open contract at hour edges") {
  TimeRange r = Range({"2026-11-29T18", "2026-11-29T19"});
  const int64_t h18 = FromCivil(2026, 11, 29, 18);
  CHECK(r.OverlapsHour(h18));
  CHECK(!r.OverlapsHour(h18 + kMsPerHour));
  CHECK(!r.OverlapsHour(h18 - kMsPerHour));
  CHECK(r.Overlaps(h18 - 5, h18));          // a block ending exactly at FROM
  CHECK(!r.Overlaps(h18 + kMsPerHour, h18 + kMsPerHour + 5));  // starting at TO
  CHECK(r.Covers(h18, h18 + kMsPerHour - 1));
  CHECK(!r.Covers(h18, h18 + kMsPerHour));
}
