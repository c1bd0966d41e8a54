// The read API's cursor and query parameters.
#include "kpid/read_api.h"

#include <catch2/catch.hpp>

using namespace kpi;

TEST_CASE("a cursor round-trips and resumes strictly after its record") {
  ReadCursor c{1361407200000, "a1-0000000000000007"};
  const std::string text = c.Encode();
  CHECK(text.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
  ReadCursor back;
  REQUIRE(ReadCursor::Decode(text, &back));
  CHECK(back.timestamp_ms == c.timestamp_ms);
  CHECK(back.id == c.id);
  CHECK_FALSE(c.Before(1361407200000, "a1-0000000000000007"));
  CHECK_FALSE(c.Before(1361407200000, "a1-0000000000000006"));
  CHECK(c.Before(1361407200000, "a1-0000000000000008"));
  CHECK(c.Before(1361407200001, "a0-0000000000000000"));
  CHECK_FALSE(c.Before(1361407199999, "z9-0000000000000000"));
}

TEST_CASE("cursors that Encode did not make are refused") {
  ReadCursor c;
  CHECK_FALSE(ReadCursor::Decode("", &c));
  CHECK_FALSE(ReadCursor::Decode("!!!", &c));
  CHECK_FALSE(ReadCursor::Decode(ReadCursor{5, "not an id"}.Encode(), &c));
  CHECK_FALSE(ReadCursor::Decode("MTIz", &c));  // "123": no id
}

TEST_CASE("query parameters: ranges, limits, cursor") {
  const int64_t now = 1764439200000;
  ReadQuery q;
  REQUIRE(ParseReadQuery("", "", "", "", now, &q).ok());
  CHECK(q.range.IsAll());
  CHECK(q.limit == ReadQuery::kDefaultLimit);
  ReadQuery r;
  REQUIRE(ParseReadQuery("2013-02-21", "1361500000000", "10",
                         ReadCursor{1361410000000, "a-0000000000000001"}.Encode(), now, &r)
              .ok());
  CHECK(r.range.from_ms == 1361410000000);  // the cursor moves the start forward
  CHECK(r.range.to_ms == 1361500000000);
  CHECK(r.limit == 10);
  CHECK(r.has_cursor);
  ReadQuery bad;
  CHECK(ParseReadQuery("", "", "100001", "", now, &bad).message().find("limit") == 0);
  CHECK(ParseReadQuery("x", "", "", "", now, &bad).message().find("start") == 0);
  CHECK_FALSE(ParseReadQuery("2014-01-01", "2013-01-01", "", "", now, &bad).ok());
}

TEST_CASE("report parameters: period, groups, funnel, where, format; K only rises") {
  kpi::ReportSpec spec;
  std::vector<std::string> where;
  bool html = false;
  REQUIRE(kpi::ParseReportParams({{"start", "-7d"}, {"by", "week"}, {"group", "language"},
                                  {"group", "user_agent.os"}, {"where", "event_stream=x"},
                                  {"funnel", "a,b"}, {"success_event", "b"}, {"min_count", "25"},
                                  {"format", "html"}},
                                 &spec, &where, &html)
              .ok());
  CHECK(spec.period == kpi::ReportPeriod::kWeek);
  REQUIRE(spec.groups.size() == 2);
  CHECK(spec.groups[1].field == "user_agent.os");
  CHECK(spec.funnel == std::vector<std::string>{"a", "b"});
  CHECK(spec.success_event == "b");
  CHECK(spec.min_count == 25);
  CHECK(where == std::vector<std::string>{"event_stream=x"});
  CHECK(html);
  kpi::ReportSpec other;
  CHECK(kpi::ParseReportParams({{"min_count", "9"}}, &other, &where, &html).message().find(
            "never lower") != std::string::npos);
  CHECK(kpi::ParseReportParams({{"format", "csv"}}, &other, &where, &html).message().find(
            "format") == 0);
  CHECK(kpi::ParseReportParams({{"limit", "3"}}, &other, &where, &html).message().find(
            "unknown parameter 'limit'") == 0);
  CHECK(kpi::ParseReportParams({{"by", "month"}}, &other, &where, &html).message().find(
            "period") == 0);
}
