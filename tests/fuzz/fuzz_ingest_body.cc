// Fuzz target: an HTTP ingest body, as kpid receives it, through
// ParseIngestBody and then Schema::Default().Canonicalize for every blob.
//
// Input: byte 0 picks the Content-Type (kContentTypes), the rest is the body.
// Invariants beyond "no crash, no sanitizer report":
//  - a blob the schema accepts yields a record line that is valid JSON;
//  - canonicalizing that stored line again yields the same line (the stored
//    form is a fixed point, so re-importing data never changes it).
#include <simdjson.h>

#include <string>

#include "libkpi/ingest/ingest_request.h"
#include "libkpi/ingest/schema.h"
#include "tests/fuzz/fuzz_util.h"

namespace kpi::fuzz {
namespace {

constexpr std::string_view kContentTypes[] = {
    "application/json",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-8",
    "Application/X-WWW-Form-Urlencoded ; charset=UTF-8",
    "text/plain",
    "",
};

CanonicalizeContext FixedContext() {
  CanonicalizeContext ctx;
  ctx.now_ms = 1764439200000;  // 2025-11-29T18:00Z: fixed, so runs reproduce
  ctx.max_future_ms = 24LL * 3600 * 1000;
  ctx.max_age_ms = 0;
  return ctx;
}

// The stored line must parse and canonicalize to itself.
void CheckStoredForm(const Schema& schema, const CanonicalBlob& blob) {
  static simdjson::dom::parser parser;
  const std::string line = "{\"_id\":\"a1-0000000000000001\"," + blob.body;
  simdjson::dom::element root;
  FuzzCheck(!parser.parse(line).get(root), "canonical record is not valid JSON");
  CanonicalBlob again;
  FieldError error;
  FuzzCheck(schema.Canonicalize(root, FixedContext(), &again, &error),
            "canonical record fails the schema it was made by");
  FuzzCheck(again.body == blob.body, "canonicalization is not idempotent");
  FuzzCheck(again.timestamp_ms == blob.timestamp_ms, "timestamp changed on re-canonicalization");
}

}  // namespace

int FuzzIngestBody(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const Schema schema = Schema::Default();
  static simdjson::dom::parser parser;
  static std::string scratch;
  const std::string_view content_type =
      kContentTypes[data[0] % (sizeof(kContentTypes) / sizeof(kContentTypes[0]))];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  IngestRequest request;
  if (!ParseIngestBody(content_type, body, IngestLimits(), &parser, &scratch, &request).ok()) {
    return 0;
  }
  FuzzCheck(!request.blobs.empty(), "an accepted body carries no blob");
  FuzzCheck(request.blobs.size() <= IngestLimits().max_batch, "batch over the limit accepted");
  // CheckStoredForm parses with its own parser: `request.blobs` stay valid.
  for (simdjson::dom::element blob : request.blobs) {
    CanonicalBlob out;
    FieldError error;
    if (schema.Canonicalize(blob, FixedContext(), &out, &error)) CheckStoredForm(schema, out);
  }
  return 0;
}

}  // namespace kpi::fuzz

#ifndef KPI_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return kpi::fuzz::FuzzIngestBody(data, size);
}
#endif
