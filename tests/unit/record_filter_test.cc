#include "libkpi/read/record_filter.h"

#include <catch2/catch.hpp>

#include "libkpi/read/field_projection.h"

namespace {

const std::string kLine =
    R"({"_id":"a1-0000000000000007","timestamp":1764439200000,"event_stream":[["screen.rp_info",2721],["xhr_complete.GET/x",2723,294]],)"
    R"("email_type":"secondary","number_emails":3,"new_account":false,"language":"en-US",)"
    R"("screen_size":{"width":640,"height":480},"sample_rate":0.5,"user_agent":{"os":"iOS","browser":"Safari","version":"5.1"},"note":null})";

bool Matches(std::vector<std::string> clauses, const std::string& line = kLine) {
  kpi::RecordFilter filter;
  kpi::Status s = kpi::RecordFilter::Parse(clauses, &filter);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return filter.Matches(line);
}

std::string ParseError(std::vector<std::string> clauses) {
  kpi::RecordFilter filter;
  kpi::Status s = kpi::RecordFilter::Parse(clauses, &filter);
  REQUIRE(s.code() == kpi::Status::Code::kInvalidArgument);
  return s.message();
}

std::string Project(std::vector<std::string> specs, const std::string& line = kLine) {
  kpi::FieldProjection projection;
  REQUIRE(kpi::FieldProjection::Parse(specs, &projection).ok());
  std::string out;
  kpi::Status s = projection.Project(line, &out);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

}  // namespace

TEST_CASE("strings, booleans and numbers compare by the stored type") {
  CHECK(Matches({"language=en-US"}));
  CHECK(!Matches({"language=en-GB"}));
  CHECK(Matches({"language!=en-GB"}));
  CHECK(Matches({"new_account=false"}));
  CHECK(!Matches({"new_account=true"}));
  CHECK(Matches({"number_emails>=2"}));
  CHECK(Matches({"number_emails>=3"}));
  CHECK(!Matches({"number_emails>3"}));
  CHECK(Matches({"number_emails<4"}));
  CHECK(Matches({"number_emails<=3"}));
  CHECK(Matches({"number_emails=3"}));
  CHECK(Matches({"number_emails==3.0"}));
  CHECK(Matches({"sample_rate<1"}));
  CHECK(Matches({"timestamp>=1764439200000"}));
  CHECK(!Matches({"timestamp>1764439200000"}));
  CHECK(Matches({"note=null"}));
}

TEST_CASE("mismatched types never satisfy = or an ordering, only !=") {
  CHECK(!Matches({"number_emails=three"}));
  CHECK(Matches({"number_emails!=three"}));
  CHECK(!Matches({"new_account=0"}));
  CHECK(!Matches({"new_account>false"}));
  CHECK(!Matches({"number_emails=\"3\""}));  // quotes force a string
  CHECK(Matches({"language=\"en-US\""}));
}

TEST_CASE("a string member compares with the text, numbers included") {
  CHECK(Matches({"user_agent.version=5.1"}));
  CHECK(Matches({"language>=en"}));
  CHECK(Matches({"language<fr"}));
}

TEST_CASE("missing members: only != holds") {
  CHECK(!Matches({"rp_api=get"}));
  CHECK(Matches({"rp_api!=get"}));
  CHECK(!Matches({"rp_api>=a"}));
  CHECK(!Matches({"user_agent.missing=x"}));
}

TEST_CASE("dotted names reach into objects; several clauses are ANDed") {
  CHECK(Matches({"user_agent.os=iOS", "screen_size.width>=640", "screen_size.height<500"}));
  CHECK(!Matches({"user_agent.os=iOS", "screen_size.width>640"}));
  CHECK(Matches({"screen_size={\"width\":640,\"height\":480}"}));
  CHECK(Matches({"screen_size={\"width\":640,\"height\":480}", "screen_size.width=640"}));
  CHECK(!Matches({"language=en-US", "number_emails>5"}));
  CHECK(Matches({"email_type=secondary", "language=en-US", "number_emails=3"}));
}

TEST_CASE("no clause matches everything; a line that is not an object matches nothing") {
  CHECK(Matches({}));
  CHECK(!Matches({"language=en-US"}, "[1,2]"));
  CHECK(!Matches({"language=en-US"}, "{\"language\":"));
}

TEST_CASE("bad clauses are usage errors that quote them") {
  CHECK(ParseError({"language"}).find("'language': no operator") != std::string::npos);
  CHECK(ParseError({"=en"}).find("field name") != std::string::npos);
  CHECK(ParseError({"a!b"}).find("'!' must be followed") != std::string::npos);
  CHECK(ParseError({"number_emails>="}).find("nothing to compare") != std::string::npos);
  CHECK(ParseError({"user agent=x"}).find("'user agent=x'") != std::string::npos);
}

TEST_CASE("projection keeps _id and the named members in stored order") {
  CHECK(Project({"language,timestamp"}) ==
        R"({"_id":"a1-0000000000000007","timestamp":1764439200000,"language":"en-US"})");
  CHECK(Project({"user_agent", "sample_rate"}) ==
        R"({"_id":"a1-0000000000000007","sample_rate":0.5,"user_agent":{"os":"iOS","browser":"Safari","version":"5.1"}})");
  CHECK(Project({"language,-_id"}) == R"({"language":"en-US"})");
  CHECK(Project({"nothing_here,-_id"}) == "{}");
}

TEST_CASE("projection by exclusion keeps every other member byte for byte") {
  const std::string without_events = Project({"-event_stream"});
  CHECK(without_events.find("event_stream") == std::string::npos);
  CHECK(without_events.find(R"("timestamp":1764439200000,"email_type":"secondary")") !=
        std::string::npos);
  CHECK(Project({"-nothing"}) == kLine);  // every member: the stored line itself
}

TEST_CASE("an empty projection passes lines through; bad names are usage errors") {
  kpi::FieldProjection none;
  REQUIRE(kpi::FieldProjection::Parse({}, &none).ok());
  CHECK(none.empty());
  kpi::FieldProjection bad;
  kpi::Status s = kpi::FieldProjection::Parse({"language,,timestamp"}, &bad);
  CHECK(s.code() == kpi::Status::Code::kInvalidArgument);
  s = kpi::FieldProjection::Parse({"lang uage"}, &bad);
  CHECK(s.message().find("'lang uage'") != std::string::npos);
  kpi::FieldProjection p;
  REQUIRE(kpi::FieldProjection::Parse({"language"}, &p).ok());
  std::string out;
  CHECK(p.Project("not json", &out).IsCorruption());
}

TEST_CASE("event_stream=NAME tests whether the record holds an event of that name") {
  CHECK(Matches({"event_stream=screen.rp_info"}));
  CHECK(Matches({"event_stream=xhr_complete.GET/x"}));
  CHECK_FALSE(Matches({"event_stream=assertion_generated"}));
  CHECK(Matches({"event_stream!=assertion_generated"}));
  CHECK_FALSE(Matches({"event_stream!=screen.rp_info"}));
  // Beside other clauses, in any order, and on a record without events.
  CHECK(Matches({"language=en-US", "event_stream=screen.rp_info", "number_emails>=3"}));
  CHECK_FALSE(Matches({"event_stream=screen.rp_info", "language=de"}));
  const std::string no_events = R"({"_id":"a1-0000000000000008","timestamp":1,"language":"de"})";
  CHECK_FALSE(Matches({"event_stream=screen.rp_info"}, no_events));
  CHECK(Matches({"event_stream!=screen.rp_info"}, no_events));
  // A '[' value still compares the whole array's JSON text.
  CHECK(Matches({R"(event_stream=[["screen.rp_info",2721],["xhr_complete.GET/x",2723,294]])"}));
  CHECK(ParseError({"event_stream>=x"}).find("= or !=") != std::string::npos);
  CHECK(ParseError({"event_stream="}).find("no event name") != std::string::npos);
}

TEST_CASE("the byte pre-check never changes what matches") {
  // The pre-check rejects lines without "field":"text" unless some string
  // is spelled with a \u escape, which other writers may do (segment.md §2.2).
  const std::string escaped =
      R"({"_id":"a1-0000000000000007","timestamp":1,"language":"d\u0065","tags":[]})";
  CHECK(Matches({"language=de"}, escaped));
  CHECK_FALSE(Matches({"language=en"}, escaped));
  CHECK(Matches({"tags=[]"}, escaped));  // an array's text, not a string
  // Nested members are found through their last name.
  CHECK(Matches({"user_agent.os=iOS"}));
  CHECK_FALSE(Matches({"user_agent.os=Android"}));
  CHECK(Matches({"event_stream=screen.rp_info"}));
  CHECK_FALSE(Matches({"event_stream=screen.rp"}));
  // The bytes present elsewhere (a nested member of the same name) still
  // go through the full parse.
  const std::string nested =
      R"({"_id":"a1-0000000000000007","timestamp":1,"language":"en","x":{"language":"de"}})";
  CHECK_FALSE(Matches({"language=de"}, nested));
  CHECK(Matches({"language=en"}, nested));
  // Quoted and non-string literals: a number is never equal to the string.
  CHECK(Matches({"user_agent.version=5.1"}));
  CHECK(Matches({"user_agent.version=\"5.1\""}));
  CHECK_FALSE(Matches({"number_emails=\"3\""}));
  CHECK(Matches({"number_emails=3"}));
  CHECK(Matches({"note=null"}));
  CHECK(Matches({"new_account=false"}));
  CHECK(Matches({"language=de", "number_emails>=2"}, escaped) == false);  // no number_emails
}
