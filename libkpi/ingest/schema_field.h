// FieldSpec and SchemaSpec: a schema file (packaging/schema.md) once loaded.
// Internal to schema*.cc: other modules use kpi::Schema.
//
// Thread-safety: immutable after ParseSchemaSpec returns.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi::schema_internal {

enum class FieldType {
  kTimestamp,       // integer Unix ms, floored; the first top-level field
  kEventStream,     // [min_items, max_items] arrays of
                    // [name, offset_ms(, duration_ms(, repeat_count))]
  kInteger,         // int64 in [min_int, max_int]
  kNumber,          // double in [min_number, max_number]
  kBoolean,
  kString,          // charset, [min_length, max_length] bytes, no forbidden text
  kStringOrNumber,  // a string as kString, or any finite number; text ≤ max_length
  kEnum,            // one of `values`
  kObject,          // nested `fields`
};

// Values index the charset tables of schema.cc: keep the order.
enum class Charset {
  kPrintable,    // ASCII 0x20..0x7E
  kLanguageTag,  // [A-Za-z0-9_-]
  kText,         // any UTF-8 but control characters
  kToken,        // [A-Za-z0-9], space and . _ : / - (event names, user_agent members)
};

// Objects are validated with a 64-bit "seen" mask, so no object of a schema
// has more fields than this.
constexpr size_t kMaxFieldsPerObject = 64;

struct FieldSpec {
  std::string name;
  std::string json_key;  // "name": as written before the value
  std::vector<std::string> aliases;
  std::string description;  // plain words for people (kpid's privacy page)
  FieldType type = FieldType::kInteger;
  bool required = false;
  // kInteger bounds; for kEventStream, max_int bounds every number.
  int64_t min_int = 0;
  int64_t max_int = std::numeric_limits<int64_t>::max();
  // kNumber bounds.
  double min_number = 0;
  double max_number = 0;
  bool scale_by_server_sample_rate = false;
  // kString and kStringOrNumber; for kEventStream, max_length and charset
  // apply to names. Every string is also checked by FindPersonalDataShape.
  size_t min_length = 0;
  size_t max_length = 0;
  Charset charset = Charset::kPrintable;
  std::vector<std::string> forbid;
  size_t min_items = 0;              // kEventStream
  size_t max_items = 0;              // kEventStream
  std::vector<std::string> values;   // kEnum
  std::vector<FieldSpec> fields;     // kObject

  bool Matches(std::string_view key) const {
    if (key == name) return true;
    for (const std::string& alias : aliases) {
      if (key == alias) return true;
    }
    return false;
  }
};

struct SchemaSpec {
  std::string source;  // the schema file's text, as loaded
  int64_t timestamp_round_ms = 0;
  size_t max_members = 0;  // per object of a blob
  size_t max_depth = 0;    // nesting of a blob; the blob itself is level 1
  std::vector<FieldSpec> fields;
};

// Parses and checks a schema file's text; errors start with `origin` and name
// the entry ("fields[5] (language): ...").
Status ParseSchemaSpec(std::string_view json, const std::string& origin, SchemaSpec* spec);

}  // namespace kpi::schema_internal
