// Parsing of POST /wsapi/interaction_data bodies into blobs, before any
// schema check. Three shapes arrive (see tests/fixtures/):
//   application/json                  {"data":[blob,...],"csrf":"..."} or a bare blob
//   application/x-www-form-urlencoded data=<url-encoded JSON array or object>
//
// Contract: ParseIngestBody never throws and never reads past `body`.
// InvalidArgument (→ 400) for a body that is not usable as a whole (not JSON,
// no "data", empty batch, batch over the limit); Unsupported (→ 415) for any
// other content type. The blobs are elements of `parser`'s document and live
// until the parser parses again.
//
// Thread-safety: use one simdjson parser per thread.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi {

struct IngestLimits {
  size_t max_batch = 100;  // blobs per request
  // JSON nesting of the whole body, counting arrays and objects:
  // {"data":[{"event_stream":[["a",1]]}]} is 5 deep.
  size_t max_depth = 8;
};

struct IngestRequest {
  std::vector<simdjson::dom::element> blobs;
  std::string csrf;  // the body's "csrf" member or form field, if any
};

// `body_padded`: simdjson::SIMDJSON_PADDING readable bytes follow `body`, so
// a JSON body is parsed where it is instead of copied first.
Status ParseIngestBody(std::string_view content_type, std::string_view body,
                       const IngestLimits& limits, simdjson::dom::parser* parser,
                       std::string* scratch, IngestRequest* request, bool body_padded = false);

// Decodes application/x-www-form-urlencoded and returns the value of `field`
// (first occurrence). InvalidArgument for bad %-escapes or a missing field.
Status FormFieldValue(std::string_view form, std::string_view field, std::string* value);

}  // namespace kpi
