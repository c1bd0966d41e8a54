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

#include "libkpi/util/short_bytes.h"
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

struct FieldSpec;

// Which of one object's fields a member key names, found without comparing
// the key with every name and alias: an open-addressed table (a power of two
// of slots, at least twice the keys) of (field, alias) pairs, alias -1 for
// the name. Built by ParseSchemaSpec; copies with the fields it indexes.
struct FieldKeyIndex {
  struct Slot {
    int16_t field = -1;  // -1: empty
    int16_t alias = -1;  // -1: the field's name, else its aliases[alias]
  };
  std::vector<Slot> slots;

  static size_t Hash(std::string_view key) {
    const size_t n = key.size();
    const uint32_t ends = n == 0 ? 0
                                 : static_cast<unsigned char>(key[0]) |
                                       static_cast<unsigned char>(key[n - 1]) << 8 |
                                       static_cast<unsigned char>(key[n / 2]) << 16;
    return ((static_cast<uint32_t>(n) * 0x9E3779B1u) ^ ends) * 0x85EBCA6Bu >> 7;
  }
  // The index into `fields` (the list this index was built from), or -1.
  int Find(const std::vector<FieldSpec>& fields, std::string_view key) const;
};

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
  FieldKeyIndex keys;                // kObject: of `fields`

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
  FieldKeyIndex keys;  // of `fields`
};

inline int FieldKeyIndex::Find(const std::vector<FieldSpec>& fields, std::string_view key) const {
  if (slots.empty()) return -1;
  const size_t mask = slots.size() - 1;
  for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
    const Slot slot = slots[i];
    if (slot.field < 0) return -1;
    const FieldSpec& field = fields[slot.field];
    const std::string& name = slot.alias < 0 ? field.name : field.aliases[slot.alias];
    if (key.size() == name.size() && EqualShort(key.data(), name.data(), key.size())) {
      return slot.field;
    }
  }
}

// Parses and checks a schema file's text; errors start with `origin` and name
// the entry ("fields[5] (language): ...").
Status ParseSchemaSpec(std::string_view json, const std::string& origin, SchemaSpec* spec);

}  // namespace kpi::schema_internal
