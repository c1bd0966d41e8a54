// ParseIngestBody and FormFieldValue: the three body shapes of
// tests/fixtures/ as they are, and everything a client can get wrong.
#include "libkpi/ingest/ingest_request.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "libkpi/ingest/schema.h"

namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(KPI_SOURCE_DIR) + "/tests/fixtures/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One parser reused across requests, as a kpid worker thread does.
struct Parsed {
  simdjson::dom::parser parser;
  std::string scratch;
  kpi::IngestRequest request;
  kpi::Status status;

  Parsed(std::string_view content_type, std::string_view body, kpi::IngestLimits limits = {}) {
    Parse(content_type, body, limits);
  }
  void Parse(std::string_view content_type, std::string_view body, kpi::IngestLimits limits = {}) {
    status = kpi::ParseIngestBody(content_type, body, limits, &parser, &scratch, &request);
  }
  std::string Canonical(size_t i) const {
    kpi::CanonicalizeContext ctx;
    ctx.now_ms = 1764439200000;
    kpi::CanonicalBlob blob;
    kpi::FieldError error;
    REQUIRE(kpi::Schema::Default().Canonicalize(request.blobs.at(i), ctx, &blob, &error));
    return blob.body;
  }
};

std::string CanonicalOfFixture(const std::string& name) {
  Parsed parsed("application/json", Fixture(name));
  REQUIRE(parsed.status.ok());
  REQUIRE(parsed.request.blobs.size() == 1);
  return parsed.Canonical(0);
}

constexpr char kBlob[] = R"({"timestamp":1361407200000,"orphaned":false})";

}  // namespace

TEST_CASE("the dialog's JSON and the forwarded form carry the fixture blobs") {
  const struct {
    const char* content_type;
    const char* fixture;
    const char* csrf;
  } cases[] = {{"application/json", "request-dialog.json", "aGVsbG8gY3NyZiB0b2tlbg=="},
               {"application/x-www-form-urlencoded", "request-forwarded.form", ""}};
  for (const auto& c : cases) {
    INFO(c.fixture);
    Parsed parsed(c.content_type, Fixture(c.fixture));
    REQUIRE(parsed.status.ok());
    CHECK(parsed.request.csrf == c.csrf);
    REQUIRE(parsed.request.blobs.size() == 2);
    CHECK(parsed.Canonical(0) == CanonicalOfFixture("dialog-blob.json"));
    CHECK(parsed.Canonical(1) == CanonicalOfFixture("seed-blob.json"));
  }
}

TEST_CASE("a bare blob is a batch of one") {
  Parsed parsed("application/json", Fixture("dialog-blob.json"));
  REQUIRE(parsed.status.ok());
  CHECK(parsed.request.blobs.size() == 1);
  CHECK(parsed.request.csrf.empty());
  CHECK(parsed.Canonical(0).rfind("\"timestamp\":1361407200000,\"event_stream\":", 0) == 0);
}

TEST_CASE("data may be a single blob or a bare array") {
  Parsed single("application/json", std::string(R"({"csrf":"t","data":)") + kBlob + "}");
  REQUIRE(single.status.ok());
  CHECK(single.request.blobs.size() == 1);
  CHECK(single.request.csrf == "t");
  Parsed bare("application/json", std::string("[") + kBlob + "," + kBlob + "]");
  REQUIRE(bare.status.ok());
  CHECK(bare.request.blobs.size() == 2);
  Parsed form("application/x-www-form-urlencoded",
              "csrf=a%2Bb&data=%7B%22orphaned%22%3Atrue%7D");
  REQUIRE(form.status.ok());
  CHECK(form.request.blobs.size() == 1);
  CHECK(form.request.csrf == "a+b");
}

TEST_CASE("a batch is passed through whole; blobs are judged one by one later") {
  Parsed parsed("application/json", std::string(R"({"data":[1,"x",)") + kBlob + "]}");
  REQUIRE(parsed.status.ok());
  CHECK(parsed.request.blobs.size() == 3);
}

TEST_CASE("content types are matched without case and with parameters") {
  for (const char* type : {"application/json; charset=UTF-8", "Application/JSON",
                           " application/json ;charset=utf-8"}) {
    INFO(type);
    CHECK(Parsed(type, kBlob).status.ok());
  }
  CHECK(Parsed("application/x-www-form-urlencoded; charset=UTF-8",
               "data=%7B%7D").status.ok());
}

TEST_CASE("other content types are unsupported") {
  for (const char* type : {"", "text/plain", "application/jsonx", "multipart/form-data; boundary=x",
                           "application/x-www-form-urlencodedx"}) {
    INFO(type);
    Parsed parsed(type, kBlob);
    CHECK(parsed.status.code() == kpi::Status::Code::kUnsupported);
    CHECK(parsed.status.message().find("application/json") != std::string::npos);
  }
}

TEST_CASE("unusable bodies are invalid, with a reason") {
  struct Bad {
    const char* content_type;
    std::string body;
    std::string reason;
  };
  const std::string json = "application/json", form = "application/x-www-form-urlencoded";
  std::string deep = R"({"data":[{"a":[[[[[[1]]]]]]}]})";
  std::string batch_101 = "[";
  for (int i = 0; i < 101; ++i) batch_101 += std::string(i ? "," : "") + "{}";
  batch_101 += "]";
  const std::vector<Bad> cases = {
      {"application/json", "", "JSON body is empty"},
      {"application/json", "  \n", "JSON body is empty"},
      {"application/json", "{\"data\":", "JSON body is not valid JSON"},
      {"application/json", "\"just a string\"", "JSON body is neither an array of blobs nor a blob"},
      {"application/json", "{\"data\":\"[]\"}", "JSON body: \"data\" is neither"},
      {"application/json", "{\"data\":[]}", "JSON body: \"data\" is an empty batch"},
      {"application/json", "[]", "JSON body is an empty batch"},
      {"application/json", "{\"data\":[{}],\"data\":[{}]}", "JSON body: duplicate \"data\""},
      {"application/json", "{\"data\":[{}],\"csrf\":7}", "JSON body: \"csrf\" is not a string"},
      {"application/json", "{\"data\":[\"\xff\"]}", "JSON body is not valid JSON"},
      {"application/json", batch_101, "JSON body holds 101 blobs, over the limit of 100"},
      {"application/json", deep, "JSON body nests deeper than 8 levels"},
      {"application/x-www-form-urlencoded", "", "form body has no \"data\" field"},
      {"application/x-www-form-urlencoded", "csrf=x", "form body has no \"data\" field"},
      {"application/x-www-form-urlencoded", "data=", "form field \"data\" is empty"},
      {"application/x-www-form-urlencoded", "data=%5B", "form field \"data\" is not valid JSON"},
      {"application/x-www-form-urlencoded", "data=%5B%5D", "form field \"data\" is an empty batch"},
      {"application/x-www-form-urlencoded", "data=%7B%7D%", "form body: bad %-escape at offset 11"},
  };
  for (const Bad& bad : cases) {
    INFO(bad.content_type << " " << bad.body);
    Parsed parsed(bad.content_type, bad.body);
    CHECK(parsed.status.code() == kpi::Status::Code::kInvalidArgument);
    CHECK(parsed.status.message().rfind(bad.reason, 0) == 0);
    CHECK(parsed.request.blobs.empty());
  }
}

TEST_CASE("limits come from the caller and a reused parser follows them") {
  kpi::IngestLimits limits;
  limits.max_batch = 2;
  Parsed parsed("application/json", "[{},{}]", limits);
  CHECK(parsed.status.ok());
  parsed.Parse("application/json", "[{},{},{}]", limits);
  CHECK(parsed.status.message() == "JSON body holds 3 blobs, over the limit of 2 per request");

  // {"data":[blob]} with event_stream items is five levels deep.
  limits.max_depth = 5;
  parsed.Parse("application/json", R"({"data":[{"event_stream":[["a",1]]}]})", limits);
  CHECK(parsed.status.ok());
  limits.max_depth = 4;
  parsed.Parse("application/json", R"({"data":[{"event_stream":[["a",1]]}]})", limits);
  CHECK(parsed.status.message() == "JSON body nests deeper than 4 levels");
  parsed.Parse("application/json", std::string(20000, ' ') + "[{}]", limits);
  CHECK(parsed.status.ok());
}

TEST_CASE("form values decode '+' and %XX; bad escapes are refused") {
  std::string value;
  REQUIRE(kpi::FormFieldValue("a=1&data=x+y%20z%2b%2F&b=2", "data", &value).ok());
  CHECK(value == "x y z+/");
  REQUIRE(kpi::FormFieldValue("data=first&data=second", "data", &value).ok());
  CHECK(value == "first");
  REQUIRE(kpi::FormFieldValue("d%61ta=encoded+key", "data", &value).ok());
  CHECK(value == "encoded key");
  REQUIRE(kpi::FormFieldValue("x&data&y=1", "data", &value).ok());
  CHECK(value.empty());
  REQUIRE(kpi::FormFieldValue("data=a=b", "data", &value).ok());
  CHECK(value == "a=b");
  REQUIRE(kpi::FormFieldValue("data=%00%ff", "data", &value).ok());
  CHECK(value == std::string("\0\xff", 2));
  // Only the field asked for is decoded: other fields' values are not judged.
  REQUIRE(kpi::FormFieldValue("other=%zz&data=1", "data", &value).ok());
  CHECK(value == "1");
  CHECK_FALSE(kpi::FormFieldValue("%zz=1&data=1", "data", &value).ok());

  for (const char* bad : {"data=%", "data=%4", "data=%g0", "data=%0g", "data=ab%"}) {
    INFO(bad);
    kpi::Status status = kpi::FormFieldValue(bad, "data", &value);
    CHECK(status.code() == kpi::Status::Code::kInvalidArgument);
    CHECK(status.message().find("bad %-escape") != std::string::npos);
  }
  CHECK(kpi::FormFieldValue("database=1", "data", &value).code() ==
        kpi::Status::Code::kInvalidArgument);
}
