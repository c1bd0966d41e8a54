// CanonicalWriter: the canonicaliser's output cursor over a std::string.
// Internal to schema.cc.
//
// Contract: appends bytes at a cursor into the string's own memory, growing
// it when needed; Close() trims the string to what was written and must be
// called before the string is read or the writer dropped. Numbers are
// spelled as json_writer.h spells them (std::to_chars's text, by
// util/decimal.h, which writes it faster); the rare values that
// need json_writer.h itself (escaped texts, doubles) go through Via().
// Why: a record is ~60 small appends, and std::string's push_back and append
// are out-of-line calls with a capacity check each (8 % of kpid's samples
// under forwarder batches); here each append is a compare and a store.
//
// Thread-safety: one writer per string, used by one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "libkpi/util/decimal.h"
#include "libkpi/util/short_bytes.h"

namespace kpi::schema_internal {

class CanonicalWriter {
 public:
  // Writes from the string's start, over whatever it holds: a string reused
  // with its old bytes is not zeroed again up to its capacity (std::string
  // zero-fills what it grows over, ~1 KB a record when emptied first).
  explicit CanonicalWriter(std::string* out) : out_(out) { Open(0); }
  CanonicalWriter(const CanonicalWriter&) = delete;
  CanonicalWriter& operator=(const CanonicalWriter&) = delete;

  size_t size() const { return static_cast<size_t>(cursor_ - out_->data()); }

  void Put(char c) {
    Need(1);
    *cursor_++ = c;
  }
  void Append(std::string_view text) {
    Need(text.size() + kCopyShortSlack);
    cursor_ = CopyShort(cursor_, text.data(), text.size());
  }
  // "text", for a text known to need no escape.
  void Quoted(std::string_view text) {
    Need(text.size() + 2 + kCopyShortSlack);
    *cursor_++ = '"';
    cursor_ = CopyShort(cursor_, text.data(), text.size());
    *cursor_++ = '"';
  }
  void Number(int64_t value) {
    Need(kMaxDecimalLength);
    cursor_ = WriteDecimal(cursor_, value);
  }
  void Number(uint64_t value) {
    Need(kMaxDecimalLength);
    cursor_ = WriteDecimal(cursor_, value);
  }
  // Appends what append(std::string*) writes with json_writer.h, by way of
  // a small string (no allocation for a number's text).
  template <typename Appender>
  void Via(Appender append) {
    std::string text;
    append(&text);
    Append(text);
  }
  void Close() { out_->resize(size()); }

 private:
  // The string is sized to its capacity (at least 256 bytes) so that the
  // cursor may write anywhere up to its end.
  void Open(size_t used) {
    out_->resize(std::max<size_t>(out_->capacity(), 256));
    cursor_ = out_->data() + used;
    end_ = out_->data() + out_->size();
  }
  void Need(size_t n) {
    if (static_cast<size_t>(end_ - cursor_) < n) Grow(n);
  }
  // By a quarter more than needed, not twice the capacity as std::string
  // grows: reused bodies keep their capacity, and doubled ones made a
  // batch's spare bodies exceed what ingest_service.cc keeps of them.
  [[gnu::noinline]] void Grow(size_t n) {
    const size_t used = size();
    std::string bigger;
    bigger.reserve(used + n + (used + n) / 4);
    bigger.assign(out_->data(), used);
    out_->swap(bigger);
    Open(used);
  }

  std::string* out_;
  char* cursor_ = nullptr;
  char* end_ = nullptr;
};

}  // namespace kpi::schema_internal
