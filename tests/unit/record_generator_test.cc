// RecordGenerator: deterministic, realistic, and always valid.
#include "testing/record_generator.h"

#include <catch2/catch.hpp>

#include <set>

#include "libkpi/ingest/ingest_request.h"

namespace {

constexpr int64_t kStart = 1361404800000;  // 2013-02-21T00:00:00Z
constexpr int64_t kEnd = kStart + 86400000;

}  // namespace

TEST_CASE("the same seed gives the same blobs; another seed others") {
  kpi::RecordGenerator a(42, kStart, kEnd), b(42, kStart, kEnd), c(43, kStart, kEnd);
  for (int i = 0; i < 50; ++i) {
    const std::string blob = a.NextBlob();
    CHECK(blob == b.NextBlob());
    CHECK(blob != c.NextBlob());
  }
  CHECK(a.NextRequestBody(3) == b.NextRequestBody(3));
  CHECK(a.NextRecord("a1", 7).json == b.NextRecord("a1", 7).json);
}

TEST_CASE("every blob is 600 to 1500 bytes, valid, in range, with 5 to 40 events") {
  kpi::RecordGenerator generator(7, kStart, kEnd);
  const kpi::Schema schema = kpi::Schema::Default();
  kpi::CanonicalizeContext ctx;
  ctx.now_ms = kEnd;
  simdjson::dom::parser parser;
  kpi::CanonicalBlob canonical;
  std::set<std::string> spellings;
  size_t with_duration = 0, with_repeat = 0, dropped = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string blob = generator.NextBlob();
    INFO(blob);
    CHECK(blob.size() >= 600);
    CHECK(blob.size() <= 1500);
    simdjson::dom::element root;
    REQUIRE(parser.parse(blob).get(root) == simdjson::SUCCESS);
    kpi::FieldError error;
    REQUIRE(schema.Canonicalize(root, ctx, &canonical, &error));
    CHECK(canonical.timestamp_ms >= kStart - 600000);
    CHECK(canonical.timestamp_ms < kEnd);
    int64_t raw_ms = 0;
    REQUIRE(root["timestamp"].get(raw_ms) == simdjson::SUCCESS);
    CHECK(raw_ms >= kStart);
    CHECK(raw_ms < kEnd);
    simdjson::dom::array events;
    REQUIRE(root["event_stream"].get(events) == simdjson::SUCCESS);
    CHECK(events.size() >= 5);
    CHECK(events.size() <= 40);
    for (simdjson::dom::element event : events) {
      const size_t parts = simdjson::dom::array(event).size();
      with_duration += parts >= 3;
      with_repeat += parts == 4;
    }
    spellings.insert(root["lang"].error() ? "language" : "lang");
    dropped += canonical.dropped_fields;
  }
  CHECK(spellings.size() == 2);  // both the dialog's and the original names
  CHECK(with_duration > 2000);
  CHECK(with_repeat > 0);
  CHECK(dropped > 0);  // local_timestamp, as some dialogs send it
}

TEST_CASE("request bodies parse as the dialog's batches") {
  kpi::RecordGenerator generator(3, kStart, kEnd);
  simdjson::dom::parser parser;
  std::string scratch;
  kpi::IngestRequest request;
  const std::string body = generator.NextRequestBody(20);
  REQUIRE(kpi::ParseIngestBody("application/json", body, kpi::IngestLimits{}, &parser, &scratch,
                               &request)
              .ok());
  CHECK(request.blobs.size() == 20);
  CHECK(request.csrf.size() == 24);
}

TEST_CASE("records are canonical lines with the id first and the timestamp second") {
  kpi::RecordGenerator generator(9, kStart, kEnd);
  simdjson::dom::parser parser;
  for (uint64_t seq = 1; seq <= 100; ++seq) {
    const kpi::Record record = generator.NextRecord("w1", seq);
    INFO(record.json);
    CHECK(record.id.writer == "w1");
    CHECK(record.id.seq == seq);
    const std::string prefix = "{\"_id\":\"" + record.id.ToString() + "\",\"timestamp\":" +
                               std::to_string(record.timestamp_ms) + ",\"event_stream\":[";
    CHECK(record.json.rfind(prefix, 0) == 0);
    CHECK(record.timestamp_ms % 600000 == 0);
    simdjson::dom::element root;
    REQUIRE(parser.parse(record.json).get(root) == simdjson::SUCCESS);
    CHECK(simdjson::minify(root) == record.json);
    CHECK(root["local_timestamp"].error() == simdjson::NO_SUCH_FIELD);
    CHECK(root["lang"].error() == simdjson::NO_SUCH_FIELD);
  }
}
