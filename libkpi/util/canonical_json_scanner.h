// CanonicalJsonScanner: walks the bytes of JSON text written the way kpi's
// canonicaliser writes records (format-spec/segment.md §2.2: no white space,
// RFC 8259 strings and numbers) without building anything, so a reader that
// only needs each member's text (CSV export) need not run a parser over it.
//
// It accepts a strict subset of JSON: anything it does not expect makes a
// Read* call return false, and the caller then hands the text to simdjson.
// Not accepted: white space anywhere, key strings holding a backslash, bytes
// below 0x20 in strings, invalid UTF-8, nesting deeper than kMaxDepth, and
// anything that is not valid JSON. Whatever it accepts is valid JSON, so a
// simdjson parse of the same text sees the same values (the differential unit
// test and fuzz target check that).
//
// Thread-safety: a scanner is a cursor over text it does not own; one thread.
#pragma once

#include <string>
#include <string_view>

namespace kpi {

// One value as the scanner found it.
struct ScannedJson {
  enum Type { kString, kNumber, kBoolean, kNull, kArray, kObject };
  Type type = kNull;
  // The value's text; for a string, what lies between its quotes (still
  // escaped when `escaped`). Kept as two pointers, not a string_view: a
  // caller copying a view just written here as two words stalled on the
  // store forwarding (a third of CsvWriter::ScanValue's samples).
  const char* begin = nullptr;
  const char* end = nullptr;
  bool escaped = false;

  std::string_view text() const { return std::string_view(begin, static_cast<size_t>(end - begin)); }
};

class CanonicalJsonScanner {
 public:
  static constexpr int kMaxDepth = 32;

  explicit CanonicalJsonScanner(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  bool AtEnd() const { return p_ == end_; }
  // The end of the text: what a caller may read up to.
  const char* text_end() const { return end_; }
  // Whether the next byte is `c` (then consumed, for Consume).
  bool Peek(char c) const { return p_ != end_ && *p_ == c; }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++p_;
    return true;
  }
  // Whether the next bytes are `bytes` (then consumed). bytes.data() must
  // be readable for 32 bytes however short `bytes` is (a key is compared in
  // two SSE2 steps then).
  bool ConsumePaddedBytes(std::string_view bytes);
  // `"key":` where the key holds no backslash; *key is what lies between
  // the quotes.
  bool ReadKey(std::string_view* key);
  // Any one value, checked down to its last byte. With `doubled`, the
  // value's text with each '"' doubled (as CSV quotes it) is also written at
  // *doubled, which has room for twice the text and 80 bytes, and *doubled
  // is moved past it: the walk knows where the quotes are, so they need no
  // second search.
  bool ReadValue(ScannedJson* value, char** doubled = nullptr);

 private:
  bool ReadString(std::string_view* text, bool* escaped);
  bool ReadShortString(std::string_view* text);
  bool ReadShortOrLongString(std::string_view* text);
  bool SkipShortInteger();
  bool SkipEventArrays();
  bool SkipNumber();
  bool SkipLiteral(std::string_view literal);
  bool SkipScalar();
  bool SkipComposite();

  const char* p_;
  const char* end_;
  void DoubleThrough(const char* quote);

  // During a ReadValue that doubles quotes: where the output goes, and the
  // first byte of the text not copied yet.
  char* doubled_ = nullptr;
  const char* doubled_from_ = nullptr;
};

// Appends the unescaped form of a scanned string's text to *out, as simdjson
// would unescape it; false (with *out partly appended) for an escape it does
// not handle: a \u escape of a surrogate.
bool AppendUnescapedJson(std::string_view text, std::string* out);

}  // namespace kpi
