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

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace kpi {

#ifdef __SSE2__
namespace json_scan {

// Bit i set when p[i] ends a run of plain string text: '"', '\\', a control
// byte or non-ASCII.
inline unsigned StringStops(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed compare: bytes >= 0x80 are negative, so below 0x20 as well.
  const __m128i stop =
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                   _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
  return static_cast<unsigned>(_mm_movemask_epi8(stop));
}

// Bit i set when p[i] is not a decimal digit.
inline unsigned NonDigits(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
  return ~static_cast<unsigned>(_mm_movemask_epi8(digit)) & 0xFFFF;
}

}  // namespace json_scan
#endif

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
  // Inline for the common values (ReadPlainValue), which calls cost more
  // than reading (a CSV export reads ~14 members per record).
  bool ReadValue(ScannedJson* value, char** doubled = nullptr);

 private:
  bool ReadPlainValue(ScannedJson* value);
  bool ReadAnyValue(ScannedJson* value, char** doubled);
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

inline bool CanonicalJsonScanner::ConsumePaddedBytes(std::string_view bytes) {
  if (static_cast<size_t>(end_ - p_) < bytes.size()) return false;
#ifdef __SSE2__
  if (bytes.size() <= 32 && end_ - p_ >= 32) {
    const auto same = [](const char* a, const char* b) {
      return static_cast<uint32_t>(
          _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)),
                                           _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)))));
    };
    const uint64_t want = (uint64_t{1} << bytes.size()) - 1;
    const uint64_t equal = same(p_, bytes.data()) | (same(p_ + 16, bytes.data() + 16) << 16);
    if ((equal & want) != want) return false;
    p_ += bytes.size();
    return true;
  }
#endif
  if (std::memcmp(p_, bytes.data(), bytes.size()) != 0) return false;
  p_ += bytes.size();
  return true;
}

// Without a call or a switch, when 33 bytes can be read: an unescaped ASCII
// string of up to 31 bytes, an integer of 1-15 digits without a leading
// zero (or 0) ending at ',', ']' or '}', true, false. False, with nothing
// consumed, for any other value: ReadAnyValue reads those (and the same
// ones the same way).
inline bool CanonicalJsonScanner::ReadPlainValue(ScannedJson* value) {
#ifdef __SSE2__
  if (end_ - p_ < 33) return false;
  const char first = *p_;
  const char* after = nullptr;
  if (first == '"') {
    const char* const chunk = p_ + 1;
    const uint32_t stops = json_scan::StringStops(chunk) | (json_scan::StringStops(chunk + 16) << 16);
    if (stops == 0) return false;
    const char* const close = chunk + __builtin_ctz(stops);
    if (*close != '"') return false;
    value->type = ScannedJson::kString;
    value->begin = chunk;
    value->end = close;
    value->escaped = false;
    p_ = close + 1;
    return true;
  }
  if (first >= '1' && first <= '9') {
    const unsigned non_digits = json_scan::NonDigits(p_);
    if (non_digits == 0) return false;
    after = p_ + __builtin_ctz(non_digits);
    value->type = ScannedJson::kNumber;
  } else if (first == '0') {
    after = p_ + 1;
    value->type = ScannedJson::kNumber;
  } else if (first == 't' && std::memcmp(p_, "true", 4) == 0) {
    after = p_ + 4;
    value->type = ScannedJson::kBoolean;
  } else if (first == 'f' && std::memcmp(p_, "false", 5) == 0) {
    after = p_ + 5;
    value->type = ScannedJson::kBoolean;
  } else {
    return false;
  }
  if (value->type == ScannedJson::kNumber && *after != ',' && *after != ']' && *after != '}') {
    return false;
  }
  value->begin = p_;
  value->end = after;
  value->escaped = false;
  p_ = after;
  return true;
#else
  return false;
#endif
}

inline bool CanonicalJsonScanner::ReadValue(ScannedJson* value, char** doubled) {
  if (doubled == nullptr && ReadPlainValue(value)) return true;
  return ReadAnyValue(value, doubled);
}

// Appends the unescaped form of a scanned string's text to *out, as simdjson
// would unescape it; false (with *out partly appended) for an escape it does
// not handle: a \u escape of a surrogate.
bool AppendUnescapedJson(std::string_view text, std::string* out);

}  // namespace kpi
