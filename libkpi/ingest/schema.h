// Schema: which fields a blob may carry and how each is checked and stored
// (the privacy review's rules; default schema in packaging/schema.json).
//
// Contract: Canonicalize checks one blob against the schema and writes its
// canonical, minimal form: members in schema order under canonical names
// (aliases accepted), timestamp floored to the schema's rounding (server time
// when missing), unknown members dropped and counted. The output never holds
// anything the schema does not name. A blob that fails a rule yields a
// FieldError naming the field (dotted path, e.g. "screen_size.width") and the
// reason; nothing of it is stored.
//
// Thread-safety: a loaded Schema is immutable; Canonicalize may be called
// from many threads at once.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi {

struct FieldError {
  std::string field;   // "" for the blob as a whole
  std::string reason;  // short, stable, e.g. "not an integer", "too long (max 64)"
};

struct CanonicalizeContext {
  int64_t now_ms = 0;          // server time, for a missing timestamp and the bounds
  int64_t max_future_ms = 0;   // reject timestamps later than now + this
  int64_t max_age_ms = 0;      // reject timestamps older than now - this; 0 = no limit
  double server_sample_rate = 1.0;  // multiplied into the stored sample_rate
};

struct CanonicalBlob {
  int64_t timestamp_ms = 0;  // floored
  // The record's members after "_id", as they follow `{"_id":"...",` in the
  // stored line: `"timestamp":1764439200000,"event_stream":[...],...}`.
  std::string body;
  uint32_t dropped_fields = 0;  // unknown members dropped (local_timestamp included)
};

// A top-level field as the privacy page names it: its canonical name and the
// schema file's "description" ("" when the entry has none).
struct FieldDescription {
  std::string name;
  std::string description;
};

class Schema {
 public:
  ~Schema();
  Schema(Schema&&) noexcept;
  Schema& operator=(Schema&&) noexcept;

  // Loads a schema file (JSON, see packaging/schema.json); errors name the
  // file and the offending entry.
  static Status LoadFile(const std::string& path, Schema* schema);
  static Status Parse(std::string_view json, const std::string& origin, Schema* schema);
  // The built-in default, identical to packaging/schema.json.
  static Schema Default();

  // Returns true and fills `out` when the blob is valid; false and fills `error`.
  bool Canonicalize(simdjson::dom::element blob, const CanonicalizeContext& ctx,
                    CanonicalBlob* out, FieldError* error) const;

  int64_t timestamp_round_ms() const;
  size_t field_count() const;
  // Each top-level field: its canonical name first, then its aliases.
  std::vector<std::vector<std::string>> TopLevelFieldKeys() const;
  std::vector<FieldDescription> DescribeFields() const;
  // The schema file's text as loaded (for Default(): packaging/schema.json
  // as it was at build time).
  const std::string& source() const;

 private:
  Schema();
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace kpi
