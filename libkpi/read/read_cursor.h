// ReadCursor: where a paged read of the read API resumes.
//
// Contract: a cursor names the order key (timestamp, _id) of the last record
// an answer returned; the next page starts strictly after it, so pages never
// repeat or skip a record, whatever kpid sealed or compaction merged in
// between. On the wire it is opaque: base64url (no padding) of
// "<timestamp>:<id>". Clients must not build or parse it.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libkpi/format/order_key.h"

namespace kpi {

struct ReadCursor {
  int64_t timestamp_ms = 0;
  std::string id;

  std::string Encode() const;
  // False for anything Encode did not produce (bad base64url, no id).
  static bool Decode(std::string_view text, ReadCursor* cursor);

  // Whether the record (timestamp, id) comes after the cursor in order-key order.
  bool Before(int64_t timestamp_ms, std::string_view id) const {
    return OrderKeyLess(this->timestamp_ms, std::string_view(this->id), timestamp_ms, id);
  }
};

}  // namespace kpi
