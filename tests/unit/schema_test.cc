// Schema::Canonicalize against the fixtures and against every rule of the
// default schema (packaging/schema.json, documented in packaging/schema.md).
#include "libkpi/ingest/schema.h"

#include <catch2/catch.hpp>

#include <cctype>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

namespace {

constexpr int64_t kNow = 1764439200000;  // 2025-11-29T18:00:00Z

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Fixture(const std::string& name) {
  return ReadFile(std::string(KPI_SOURCE_DIR) + "/tests/fixtures/" + name);
}

// The fixtures are from 2013: no age limit.
kpi::CanonicalizeContext Context() {
  kpi::CanonicalizeContext ctx;
  ctx.now_ms = kNow;
  ctx.max_future_ms = 5 * 60 * 1000;
  ctx.max_age_ms = 0;
  return ctx;
}

struct Outcome {
  bool ok = false;
  kpi::CanonicalBlob blob;
  kpi::FieldError error;
};

// The default schema but with event_stream optional, so that a test of one
// field's rules can send that field alone; the tests of the default schema
// as shipped (event_stream required) name kpi::Schema::Default().
const kpi::Schema& OneFieldSchema() {
  static const kpi::Schema schema = [] {
    std::string text = ReadFile(std::string(KPI_SOURCE_DIR) + "/packaging/schema.json");
    const std::string rule = R"("required": true, )";
    const size_t at = text.find(rule);
    REQUIRE(at != std::string::npos);
    text.erase(at, rule.size());
    kpi::Schema parsed = kpi::Schema::Default();
    REQUIRE(kpi::Schema::Parse(text, "schema.json without required event_stream", &parsed).ok());
    return parsed;
  }();
  return schema;
}

Outcome Canonicalize(const std::string& json, const kpi::CanonicalizeContext& ctx = Context(),
                     const kpi::Schema& schema = OneFieldSchema()) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(json).get(root) == simdjson::SUCCESS);
  Outcome outcome;
  outcome.ok = schema.Canonicalize(root, ctx, &outcome.blob, &outcome.error);
  return outcome;
}

std::string Body(const std::string& json, const kpi::CanonicalizeContext& ctx = Context()) {
  Outcome outcome = Canonicalize(json, ctx);
  INFO(outcome.error.field << ": " << outcome.error.reason);
  REQUIRE(outcome.ok);
  return outcome.blob.body;
}

const char kDialogCanonical[] =
    R"("timestamp":1361407200000,"event_stream":[["window.dom_loading",972],)"
    R"(["window.channel_established",2720],["screen.rp_info",2721],)"
    R"(["xhr_complete.GET/wsapi/session_context",2723,294],["screen.authenticate",3032],)"
    R"(["user.can_interact",3053],["xhr_complete.GET/wsapi/address_info",8656,603],)"
    R"(["authenticate.enter_password",9548],["authenticate.password_submitted",15381],)"
    R"(["xhr_complete.POST/wsapi/authenticate_user",15381,1545],)"
    R"(["xhr_complete.GET/wsapi/list_emails",16930,255],["authenticate.password_success",17195],)"
    R"(["screen.is_this_your_computer",17199],["generate_assertion",20064],)"
    R"(["screen.generate_assertion",20065],["xhr_complete.POST/wsapi/cert_key",20140,3580],)"
    R"(["assertion_generated",23761]],"email_type":"secondary","number_emails":1,)"
    R"("new_account":false,"language":"en-US","number_sites_logged_in":1,)"
    R"("number_sites_remembered":1,"orphaned":false,"rp_api":"watch_with_onready",)"
    R"("screen_size":{"width":1680,"height":1050},"sample_rate":1,)"
    R"("user_agent":{"os":"Macintosh","browser":"Firefox","version":18}})";

const char kSeedCanonical[] =
    R"("timestamp":1333045800000,"event_stream":[["picker",732],["picker::change",1700],)"
    R"(["picker::signin",2300]],"email_type":"secondary","number_emails":3,)"
    R"("new_account":false,"language":"en_US","number_sites_logged_in":1,)"
    R"("screen_size":{"width":640,"height":480},"sample_rate":1,)"
    R"("user_agent":{"os":"iOS","browser":"Safari","version":"5.1"}})";

}  // namespace

TEST_CASE("the fixture blobs are stored under canonical names in schema order") {
  // The dialog's spellings (lang, number_sites_signed_in) and the original
  // ones give the same shape; the seed blob's 1.0 is written as 1.
  const struct {
    const char* fixture;
    const char* canonical;
    int64_t timestamp_ms;
  } cases[] = {{"dialog-blob.json", kDialogCanonical, 1361407200000},
               {"seed-blob.json", kSeedCanonical, 1333045800000}};
  for (const auto& c : cases) {
    INFO(c.fixture);
    Outcome outcome = Canonicalize(Fixture(c.fixture), Context(), kpi::Schema::Default());
    REQUIRE(outcome.ok);
    CHECK(outcome.blob.body == c.canonical);
    CHECK(outcome.blob.timestamp_ms == c.timestamp_ms);
    CHECK(outcome.blob.dropped_fields == 0);
  }
}

TEST_CASE("the canonical line is itself valid, minimal JSON") {
  const std::string line = std::string(R"({"_id":"a1-0000000000000001",)") + kDialogCanonical;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(line).get(root) == simdjson::SUCCESS);
  CHECK(simdjson::minify(root) == line);
}

TEST_CASE("aliases are stored under the canonical name") {
  CHECK(Body(R"({"timestamp":0,"lang":"de","number_sites_signed_in":4})") ==
        R"("timestamp":0,"language":"de","number_sites_logged_in":4})");
  CHECK(Body(R"({"timestamp":0,"language":"de"})") == R"("timestamp":0,"language":"de"})");
}

TEST_CASE("a field sent under its name and its alias is a duplicate") {
  Outcome outcome = Canonicalize(R"({"lang":"de","language":"fr"})");
  CHECK_FALSE(outcome.ok);
  CHECK(outcome.error.field == "language");
  CHECK(outcome.error.reason == "duplicate member");
  CHECK(outcome.blob.body.empty());
}

TEST_CASE("timestamps are floored to ten minutes") {
  Outcome outcome = Canonicalize(R"({"timestamp":1361407799999})");
  REQUIRE(outcome.ok);
  CHECK(outcome.blob.timestamp_ms == 1361407200000);
  CHECK(outcome.blob.body == R"("timestamp":1361407200000})");
  CHECK(Canonicalize(R"({"timestamp":1361407800000})").blob.timestamp_ms == 1361407800000);
}

TEST_CASE("a missing or null timestamp is server time, floored") {
  kpi::CanonicalizeContext ctx = Context();
  ctx.now_ms = kNow + 599999;
  CHECK(Body(R"({"orphaned":true})", ctx) == R"("timestamp":1764439200000,"orphaned":true})");
  CHECK(Body(R"({"timestamp":null})", ctx) == R"("timestamp":1764439200000})");
}

TEST_CASE("timestamps too far ahead or too old are rejected") {
  kpi::CanonicalizeContext ctx = Context();
  CHECK(Canonicalize("{\"timestamp\":" + std::to_string(kNow + ctx.max_future_ms) + "}").ok);
  Outcome ahead = Canonicalize("{\"timestamp\":" + std::to_string(kNow + ctx.max_future_ms + 1) + "}");
  CHECK_FALSE(ahead.ok);
  CHECK(ahead.error.field == "timestamp");
  CHECK(ahead.error.reason == "more than 300000 ms ahead of server time 1764439200000");

  ctx.max_age_ms = 86400000;
  CHECK(Canonicalize("{\"timestamp\":" + std::to_string(kNow - 86400000) + "}", ctx).ok);
  Outcome old = Canonicalize("{\"timestamp\":" + std::to_string(kNow - 86400001) + "}", ctx);
  CHECK_FALSE(old.ok);
  CHECK(old.error.field == "timestamp");
  CHECK(old.error.reason == "more than 86400000 ms before server time 1764439200000");
}

TEST_CASE("local_timestamp and unknown members are dropped and counted") {
  Outcome outcome = Canonicalize(
      R"({"timestamp":0,"local_timestamp":"Thu Feb 21 2013","orphaned":false,"theme":"dark",)"
      R"("screen_size":{"width":1,"height":2,"depth":24},"extra":{"a":[1,2]}})");
  REQUIRE(outcome.ok);
  CHECK(outcome.blob.body ==
        R"("timestamp":0,"orphaned":false,"screen_size":{"width":1,"height":2}})");
  CHECK(outcome.blob.dropped_fields == 4);
}

TEST_CASE("null members are treated as absent") {
  CHECK(Body(R"({"timestamp":0,"email_type":null,"screen_size":{"width":null,"height":3}})") ==
        R"("timestamp":0,"screen_size":{"height":3}})");
}

TEST_CASE("strings are escaped per RFC 8259") {
  // Event names are tokens; a text field of a site's own schema may hold
  // quotes and backslashes.
  std::string text = kpi::Schema::Default().source();
  text.insert(text.find(R"({"name": "email_type")"),
              R"({"name": "note", "type": "string", "charset": "text", "max_length": 64},)");
  kpi::Schema schema = kpi::Schema::Default();
  REQUIRE(kpi::Schema::Parse(text, "note.json", &schema).ok());
  Outcome outcome = Canonicalize(R"({"timestamp":0,"event_stream":[["a",1]],"note":"a\"b\\c\/d"})",
                                 Context(), schema);
  REQUIRE(outcome.ok);
  CHECK(outcome.blob.body == R"("timestamp":0,"event_stream":[["a",1]],"note":"a\"b\\c/d"})");
  CHECK(Body(R"({"timestamp":0,"event_stream":[["a/b",1]]})") ==
        R"("timestamp":0,"event_stream":[["a/b",1]]})");
}

TEST_CASE("event_stream items carry a duration and a repeat count when sent") {
  CHECK(Body(R"({"timestamp":0,"event_stream":[["a",1],["b",2,3],["c",4,5,6]]})") ==
        R"("timestamp":0,"event_stream":[["a",1],["b",2,3],["c",4,5,6]]})");
}

TEST_CASE("user_agent.version keeps its type") {
  CHECK(Body(R"({"timestamp":0,"user_agent":{"version":5.1}})") ==
        R"("timestamp":0,"user_agent":{"version":5.1}})");
  CHECK(Body(R"({"timestamp":0,"user_agent":{"version":"10.0b2"}})") ==
        R"("timestamp":0,"user_agent":{"version":"10.0b2"}})");
}

namespace {

struct Violation {
  std::string blob;
  std::string field;
  std::string reason;
};

std::string Repeat(char c, size_t n) { return std::string(n, c); }

std::string EventStreamOf(size_t items) {
  std::string stream = "[";
  for (size_t i = 0; i < items; ++i) stream += (i ? "," : "") + std::string("[\"e\",1]");
  return stream + "]";
}

std::string MembersOf(size_t count) {
  std::string blob = "{";
  for (size_t i = 0; i < count; ++i) blob += (i ? ",\"m" : "\"m") + std::to_string(i) + "\":1";
  return blob + "}";
}

}  // namespace

TEST_CASE("every rule violation names the field and the reason") {
  const std::string long_name = Repeat('n', 129);
  const std::vector<Violation> cases = {
      {R"([1])", "", "not an object"},
      {R"({"timestamp":"1361407200000"})", "timestamp", "not an integer"},
      {R"({"timestamp":1361407200000.5})", "timestamp", "not an integer"},
      {R"({"timestamp":-1})", "timestamp", "negative"},
      {R"({"timestamp":18446744073709551615})", "timestamp", "too large"},
      {R"({"event_stream":{}})", "event_stream", "not an array"},
      {R"({"event_stream":[["a"]]})", "event_stream[0]",
       "not an array [name, offset_ms(, duration_ms(, repeat_count))]"},
      {R"({"event_stream":[["a",1],["b",1,2,3,4]]})", "event_stream[1]",
       "not an array [name, offset_ms(, duration_ms(, repeat_count))]"},
      {R"({"event_stream":["a"]})", "event_stream[0]",
       "not an array [name, offset_ms(, duration_ms(, repeat_count))]"},
      {R"({"event_stream":[[1,2]]})", "event_stream[0][0]", "not a string"},
      {R"({"event_stream":[["",2]]})", "event_stream[0][0]", "too short (min 1)"},
      {R"({"event_stream":[["a\u0001",2]]})", "event_stream[0][0]", "invalid character at byte 1"},
      {R"({"event_stream":[["caf\u00e9",2]]})", "event_stream[0][0]", "invalid character at byte 3"},
      {"{\"event_stream\":[[\"" + long_name + "\",1]]}", "event_stream[0][0]", "too long (max 128)"},
      {R"({"event_stream":[["a",-1]]})", "event_stream[0][1]", "below minimum (min 0)"},
      {R"({"event_stream":[["a",1.5]]})", "event_stream[0][1]", "not an integer"},
      {R"({"event_stream":[["a",1,604800001]]})", "event_stream[0][2]",
       "above maximum (max 604800000)"},
      {R"({"event_stream":[["a",1,2,"3"]]})", "event_stream[0][3]", "not an integer"},
      {R"({"event_stream":[["a",18446744073709551615]]})", "event_stream[0][1]",
       "above maximum (max 604800000)"},
      {"{\"event_stream\":" + EventStreamOf(201) + "}", "event_stream", "too many items (max 200)"},
      {R"({"email_type":"tertiary"})", "email_type", "not one of: primary, secondary"},
      {R"({"email_type":1})", "email_type", "not a string"},
      {R"({"number_emails":-1})", "number_emails", "below minimum (min 0)"},
      {R"({"number_emails":10001})", "number_emails", "above maximum (max 10000)"},
      {R"({"number_emails":"3"})", "number_emails", "not an integer"},
      {R"({"number_emails":3.0})", "number_emails", "not an integer"},
      {R"({"number_emails":9223372036854775808})", "number_emails", "above maximum (max 10000)"},
      {R"({"new_account":"false"})", "new_account", "not a boolean"},
      {R"({"new_account":0})", "new_account", "not a boolean"},
      {R"({"lang":"en US"})", "language", "invalid character at byte 2"},
      {R"({"language":""})", "language", "too short (min 1)"},
      {"{\"language\":\"" + Repeat('a', 36) + "\"}", "language", "too long (max 35)"},
      {R"({"number_sites_signed_in":-2})", "number_sites_logged_in", "below minimum (min 0)"},
      {R"({"number_sites_remembered":true})", "number_sites_remembered", "not an integer"},
      {R"({"orphaned":null,"orphaned":false})", "orphaned", "duplicate member"},
      {R"({"rp_api":"watch"})", "rp_api",
       "not one of: watch_without_onready, watch_with_onready, stateless, get, getVerifiedEmail, "
       "internal, unknown"},
      {R"({"screen_size":[640,480]})", "screen_size", "not an object"},
      {R"({"screen_size":{"width":"640"}})", "screen_size.width", "not an integer"},
      {R"({"screen_size":{"height":-1}})", "screen_size.height", "below minimum (min 0)"},
      {R"({"screen_size":{"width":1,"width":2}})", "screen_size.width", "duplicate member"},
      {R"({"screen_size":{"x":1,"x":2}})", "screen_size.x", "duplicate member"},
      {R"({"sample_rate":1.5})", "sample_rate", "out of range [0, 1]"},
      {R"({"sample_rate":-0.1})", "sample_rate", "out of range [0, 1]"},
      {R"({"sample_rate":"1"})", "sample_rate", "not a number"},
      {R"j({"user_agent":"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"})j",
       "user_agent", "not an object"},
      {R"j({"user_agent":{"os":"Mozilla/5.0 (X11)"}})j", "user_agent.os",
       "looks like a User-Agent string; personal data is never stored"},
      {R"({"user_agent":{"browser":"AppleWebKit/537.36"}})", "user_agent.browser",
       "looks like a User-Agent string; personal data is never stored"},
      {"{\"user_agent\":{\"browser\":\"" + Repeat('b', 33) + "\"}}", "user_agent.browser",
       "too long (max 32)"},
      {"{\"user_agent\":{\"version\":\"" + Repeat('1', 17) + "\"}}", "user_agent.version",
       "too long (max 16)"},
      {R"({"user_agent":{"version":true}})", "user_agent.version", "not a string or number"},
      {R"({"user_agent":{"os":"Linux\n"}})", "user_agent.os", "invalid character at byte 5"},
      {R"j({"user_agent":{"os":"Linux (x86_64)"}})j", "user_agent.os",
       "invalid character at byte 6"},
      {R"({"user_agent":{"browser":""}})", "user_agent.browser", "too short (min 1)"},
      {R"({"event_stream":[["screen;1",1]]})", "event_stream[0][0]",
       "invalid character at byte 6"},
      {R"({"event_stream":[]})", "event_stream", "too few items (min 1)"},
      {R"({"theme":1,"theme":2})", "theme", "duplicate member"},
      {R"({"extra":[[[1]]]})", "extra", "nested too deep (max depth 3)"},
      {R"({"extra":{"a":{"b":{}}}})", "extra", "nested too deep (max depth 3)"},
      {R"({"screen_size":{"extra":[[1]]}})", "screen_size.extra", "nested too deep (max depth 3)"},
      {MembersOf(65), "", "too many members (max 64)"},
  };
  for (const Violation& violation : cases) {
    INFO(violation.blob);
    Outcome outcome = Canonicalize(violation.blob);
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.error.field == violation.field);
    CHECK(outcome.error.reason == violation.reason);
    CHECK(outcome.blob.body.empty());
  }
}

TEST_CASE("nesting up to max_depth and up to max_members is accepted") {
  Outcome outcome = Canonicalize(R"({"extra":[[1]],"more":{"a":{"b":1}}})");
  REQUIRE(outcome.ok);
  CHECK(outcome.blob.dropped_fields == 2);
  CHECK(Canonicalize(MembersOf(64)).ok);
}

TEST_CASE("the stored sample_rate is multiplied by the server's sample rate") {
  kpi::CanonicalizeContext ctx = Context();
  ctx.server_sample_rate = 0.5;
  CHECK(Body(R"({"timestamp":0,"sample_rate":1})", ctx) == R"("timestamp":0,"sample_rate":0.5})");
  CHECK(Body(R"({"timestamp":0,"sample_rate":0.5})", ctx) ==
        R"("timestamp":0,"sample_rate":0.25})");
  SECTION("a blob without one records the server's rate in schema order") {
    CHECK(Body(R"({"user_agent":{"os":"iOS"},"timestamp":0,"orphaned":true})", ctx) ==
          R"("timestamp":0,"orphaned":true,"sample_rate":0.5,"user_agent":{"os":"iOS"}})");
  }
  SECTION("and nothing when the server keeps everything") {
    ctx.server_sample_rate = 1.0;
    CHECK(Body(R"({"timestamp":0})", ctx) == R"("timestamp":0})");
  }
}

TEST_CASE("Default() is packaging/schema.json, byte for byte") {
  const std::string file = ReadFile(std::string(KPI_SOURCE_DIR) + "/packaging/schema.json");
  const kpi::Schema builtin = kpi::Schema::Default();
  CHECK(builtin.source() == file);
  CHECK(builtin.timestamp_round_ms() == 600000);
  CHECK(builtin.field_count() == 13);

  kpi::Schema loaded = kpi::Schema::Default();
  const std::string path = std::string(KPI_SOURCE_DIR) + "/packaging/schema.json";
  REQUIRE(kpi::Schema::LoadFile(path, &loaded).ok());
  CHECK(Canonicalize(Fixture("dialog-blob.json"), Context(), loaded).blob.body == kDialogCanonical);
}

TEST_CASE("a field is added by editing the schema, without a rebuild") {
  std::string text = kpi::Schema::Default().source();
  const std::string last = R"({"name": "user_agent")";
  text.insert(text.find(last), R"({"name": "theme", "type": "enum", "values": ["dark", "light"],
    "required": true},
    )");
  kpi::Schema schema = kpi::Schema::Default();
  REQUIRE(kpi::Schema::Parse(text, "theme.json", &schema).ok());
  CHECK(schema.field_count() == 14);
  Outcome outcome = Canonicalize(
      R"({"theme":"dark","timestamp":0,"event_stream":[["a",1]],"sample_rate":1})", Context(),
      schema);
  REQUIRE(outcome.ok);
  CHECK(outcome.blob.body ==
        R"("timestamp":0,"event_stream":[["a",1]],"sample_rate":1,"theme":"dark"})");
  Outcome missing = Canonicalize(R"({"timestamp":0,"event_stream":[["a",1]]})", Context(), schema);
  CHECK_FALSE(missing.ok);
  CHECK(missing.error.field == "theme");
  CHECK(missing.error.reason == "missing");
}

TEST_CASE("a bad schema file is refused with the file and the entry named") {
  const std::string head = R"({"format":"kpi-schema/1","timestamp_round_ms":600000,)"
                           R"("max_members":64,"max_depth":3,"fields":[)"
                           R"({"name":"timestamp","type":"timestamp"})";
  struct BadSchema {
    std::string text;
    std::string message;
  };
  const std::vector<BadSchema> cases = {
      {"not json", "bad.json: not a JSON object"},
      {R"({"format":"kpi-schema/2"})", "bad.json: \"format\" must be \"kpi-schema/1\""},
      {R"({"format":"kpi-schema/1","colour":1})", "bad.json: \"colour\" is not a schema key"},
      {R"({"format":"kpi-schema/1","timestamp_round_ms":0,"max_members":1,"max_depth":1,)"
       R"("fields":[]})",
       "bad.json: \"timestamp_round_ms\" is missing or not a positive integer"},
      {head + R"(,{"name":"n","type":"integer","max":5}]})",
       "bad.json: fields[1] (n): \"min\" is required for this type"},
      {head + R"(,{"name":"n","type":"integer","min":0,"max":5,"max_length":3}]})",
       "bad.json: fields[1] (n): \"max_length\" does not apply to this type"},
      {head + R"(,{"name":"n","type":"integer","min":0,"max":5,"maxx":3}]})",
       "bad.json: fields[1] (n): \"maxx\" is not a schema key"},
      {head + R"(,{"name":"n","type":"integer","min":6,"max":5}]})",
       "bad.json: fields[1] (n): \"min\" is above \"max\""},
      {head + R"(,{"name":"n","type":"float"}]})", "bad.json: fields[1] (n): \"type\" is not one of"},
      {head + R"(,{"name":"s","type":"string","max_length":3,"charset":"ebcdic"}]})",
       "bad.json: fields[1] (s): \"charset\" is not one of printable, language_tag, text"},
      {head + R"(,{"name":"a","type":"boolean"},{"name":"b","aliases":["a"],"type":"boolean"}]})",
       "bad.json: fields[2] (b): a name or alias is already used by a"},
      {head + R"(,{"name":"o","type":"object","fields":[{"name":"p","type":"object","fields":[)"
              R"({"name":"q","type":"object","fields":[{"name":"r","type":"boolean"}]}]}]}]})",
       "bad.json: fields[1] (o).fields[0] (p).fields[0] (q): \"type\" nests deeper than the "
       "schema's max_depth"},
      {head + R"(,{"name":"o","type":"object","fields":[{"name":"e","type":"event_stream",)"
              R"("max_items":1,"max_name_length":1,"max_number":1}]}]})",
       "bad.json: fields[1] (o).fields[0] (e): \"type\" nests deeper than the schema's max_depth"},
      {head + R"(,{"name":"o","type":"object","fields":[{"name":"t","type":"timestamp"}]}]})",
       "bad.json: fields[1] (o).fields[0] (t): \"type\" timestamp is allowed at the top level only"},
      {R"({"format":"kpi-schema/1","timestamp_round_ms":1,"max_members":1,"max_depth":3,)"
       R"("fields":[{"name":"orphaned","type":"boolean"}]})",
       "bad.json: fields[0] must be {\"name\": \"timestamp\", \"type\": \"timestamp\"}"},
  };
  for (const BadSchema& bad : cases) {
    INFO(bad.text);
    kpi::Schema schema = kpi::Schema::Default();
    kpi::Status status = kpi::Schema::Parse(bad.text, "bad.json", &schema);
    CHECK(status.code() == kpi::Status::Code::kInvalidArgument);
    CHECK(status.message().rfind(bad.message, 0) == 0);
    CHECK(schema.field_count() == 13);  // left as it was
  }
  kpi::Schema schema = kpi::Schema::Default();
  CHECK(kpi::Schema::LoadFile("/nonexistent/schema.json", &schema).IsNotFound());
}

TEST_CASE("a blob needs a non-empty event_stream") {
  const kpi::Schema& schema = kpi::Schema::Default();
  for (const char* blob : {"{}", R"({"number_emails":1})", R"({"event_stream":null})"}) {
    INFO(blob);
    Outcome outcome = Canonicalize(blob, Context(), schema);
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.error.field == "event_stream");
    CHECK(outcome.error.reason == "missing");
  }
  Outcome empty = Canonicalize(R"({"event_stream":[]})", Context(), schema);
  CHECK(empty.error.field == "event_stream");
  CHECK(empty.error.reason == "too few items (min 1)");
  CHECK(Canonicalize(R"({"event_stream":[["picker",1]]})", Context(), schema).ok);
}

TEST_CASE("event names and user_agent members are short tokens; real values stay valid") {
  const std::string blob =
      R"({"event_stream":[["picker::signin",1],["xhr_complete.GET/wsapi/session_context",2,3],)"
      R"(["screen.rp_info",4],["user.can_interact",5]],)"
      R"("user_agent":{"os":"Windows NT 6.1","browser":"Chrome","version":"21.0"}})";
  Outcome outcome = Canonicalize(blob, Context(), kpi::Schema::Default());
  INFO(outcome.error.field << ": " << outcome.error.reason);
  CHECK(outcome.ok);
  for (const char* os : {"Mac OS X 10_8_2", "Linux x86_64", "Android 4.1", "iOS"}) {
    INFO(os);
    CHECK(Canonicalize(std::string(R"({"user_agent":{"os":")") + os + "\"}}").ok);
  }
}

namespace {

// tests/fixtures/pii-corpus.txt: one string per line, '#' comments.
std::vector<std::string> PiiCorpus() {
  std::istringstream lines(Fixture("pii-corpus.txt"));
  std::vector<std::string> corpus;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') corpus.push_back(line);
  }
  return corpus;
}

std::string JsonString(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string Cased(std::string text, bool upper) {
  for (char& c : text) c = static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
  return text;
}

// The default schema plus a free-text field: the shapes are refused even
// where the charset would let every character through.
const kpi::Schema& SchemaWithText() {
  static const kpi::Schema schema = [] {
    std::string text = ReadFile(std::string(KPI_SOURCE_DIR) + "/packaging/schema.json");
    const size_t at = text.find(R"(    {"name": "email_type")");
    REQUIRE(at != std::string::npos);
    text.insert(at, R"(    {"name": "note", "type": "string", "charset": "text", "max_length": 512},)"
                    "\n");
    kpi::Schema parsed = kpi::Schema::Default();
    REQUIRE(kpi::Schema::Parse(text, "schema.json with a text field", &parsed).ok());
    return parsed;
  }();
  return schema;
}

}  // namespace

TEST_CASE("strings shaped like personal data are rejected in every string field") {
  const std::vector<std::string> corpus = PiiCorpus();
  REQUIRE(corpus.size() >= 20);
  const struct {
    const char* before;
    const char* after;
    const char* field;
  } places[] = {
      {R"({"event_stream":[["picker",1],[)", ",2]]}", "event_stream[1][0]"},
      {R"({"event_stream":[["picker",1]],"user_agent":{"os":)", "}}", "user_agent.os"},
      {R"({"event_stream":[["picker",1]],"user_agent":{"browser":)", "}}", "user_agent.browser"},
      {R"({"event_stream":[["picker",1]],"user_agent":{"version":)", "}}", "user_agent.version"},
      {R"({"event_stream":[["picker",1]],"language":)", "}", "language"},
      {R"({"event_stream":[["picker",1]],"note":)", "}", "note"},
  };
  for (const std::string& line : corpus) {
    for (const std::string& text : {line, Cased(line, true), Cased(line, false)}) {
      for (const auto& place : places) {
        const std::string blob = place.before + JsonString(text) + place.after;
        INFO(blob);
        Outcome outcome = Canonicalize(blob, Context(), SchemaWithText());
        CHECK_FALSE(outcome.ok);
        CHECK(outcome.error.field == place.field);
        CHECK(outcome.blob.body.empty());
        if (std::string(place.field) == "note") {
          CHECK(outcome.error.reason.find("looks like") == 0);
        }
      }
    }
  }
}

TEST_CASE("a timestamp past year 9999 is refused whatever the context allows") {
  // The store's hour directories have four-digit years; a year-10000 record
  // used to reach the committer and fail its whole request with a 500.
  kpi::CanonicalizeContext ctx = Context();
  ctx.max_future_ms = std::numeric_limits<int64_t>::max();  // no overflow either
  const int64_t year_10000 = 253402300800000;
  Outcome outcome = Canonicalize("{\"timestamp\":" + std::to_string(year_10000) + "}", ctx);
  CHECK_FALSE(outcome.ok);
  CHECK(outcome.error.field == "timestamp");
  CHECK(outcome.error.reason == "after 9999-12-31, the last day the store can name");
  CHECK(Canonicalize("{\"timestamp\":" + std::to_string(year_10000 - 1) + "}", ctx).ok);
  CHECK_FALSE(Canonicalize("{\"timestamp\":9223372036854775807}", ctx).ok);
}

// Canonicalize remembers each thread's checked texts (text_verdicts.h): a
// text accepted once must still be judged by each field's own charset, and
// a refused one refused every time.
TEST_CASE("a text's verdict is the same the first time and every later time, per field") {
  const std::string in_os = R"({"user_agent":{"os":"Windows NT 6.1"}})";
  const std::string in_language = R"({"language":"Windows NT 6.1"})";
  const std::string in_note = R"({"event_stream":[["picker",1]],"note":"a \"quoted\" word"})";
  const std::string pii = R"({"event_stream":[["picker",1]],"note":"mail me: a@b.example"})";
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    CHECK(Canonicalize(in_os).ok);
    Outcome language = Canonicalize(in_language);
    CHECK_FALSE(language.ok);
    CHECK(language.error.reason == "invalid character at byte 7");
    Outcome note = Canonicalize(in_note, Context(), SchemaWithText());
    INFO(note.error.field << ": " << note.error.reason);
    CHECK(note.ok);
    CHECK(note.blob.body.find(R"("note":"a \"quoted\" word")") != std::string::npos);
    Outcome refused = Canonicalize(pii, Context(), SchemaWithText());
    CHECK_FALSE(refused.ok);
    CHECK(refused.error.reason == "looks like an email address; personal data is never stored");
  }
}
