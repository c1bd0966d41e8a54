// Record and RecordId: the unit kpi stores (format-spec/segment.md §Records).
//
// A record is one canonical JSON object, stored as one line without its
// trailing newline. Its first member is always "_id", its second "timestamp"
// (Unix milliseconds, floored at ingest). The id is "<writer>-<seq>" with seq
// as 16 lower-case hex digits, so ids sort as (writer, seq) by plain string
// comparison and the store's order key (timestamp, id) is total.
//
// Thread-safety: plain values.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libkpi/format/order_key.h"

namespace kpi {

// Writer ids are 1..16 characters of [a-z0-9]; "compact" is reserved for
// segments written by compaction.
constexpr size_t kMaxWriterIdLength = 16;
constexpr std::string_view kCompactWriterId = "compact";
bool IsValidWriterId(std::string_view id);

struct RecordId {
  std::string writer;
  uint64_t seq = 0;

  // "<writer>-<seq as 16 hex digits>"
  std::string ToString() const;
  static std::optional<RecordId> Parse(std::string_view text);

  auto operator<=>(const RecordId&) const = default;
  bool operator==(const RecordId&) const = default;
};

struct Record {
  int64_t timestamp_ms = 0;
  RecordId id;
  std::string json;  // the whole canonical line, no trailing '\n'

  // The order of records in segments and exports (order_key.h).
  static bool OrderLess(const Record& a, const Record& b) {
    return OrderKeyLess(a.timestamp_ms, a.id, b.timestamp_ms, b.id);
  }
};

// Parses the record prefix of a line (format-spec/segment.md §2.1):
// {"_id":"<writer>-<16 hex>","timestamp":<1-18 digits>, then "," or the
// closing "}" that ends the line. False if the line does not have it. The
// one check of a record's bytes that every reader (segment, WAL) makes.
bool ParseRecordPrefix(std::string_view json, std::string_view* id, int64_t* timestamp_ms);

}  // namespace kpi
