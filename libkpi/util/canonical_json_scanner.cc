#include "libkpi/util/canonical_json_scanner.h"

#include <simdjson.h>

#include <cstdint>
#include <cstring>

#include "libkpi/util/copy_run.h"
#include "libkpi/util/event_array_scanner.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace kpi {
namespace {

// Bytes that end a run of plain string text: the closing quote, a backslash,
// a control byte (never raw in valid JSON) and non-ASCII (checked as UTF-8).
inline bool StopsString(unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80; }

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

#ifdef __SSE2__
using json_scan::NonDigits;
using json_scan::StringStops;
#endif

// The first byte at or after p that StopsString, or end.
inline const char* FindStringStop(const char* p, const char* end) {
#ifdef __SSE2__
  // 16 bytes at a time while 16 remain (the text's end is not ours to read
  // past): event names are ~15 bytes, so most strings take one step.
  while (end - p >= 16) {
    const unsigned mask = StringStops(p);
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end && !StopsString(static_cast<unsigned char>(*p))) ++p;
  return p;
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the four hex digits at p, or -1.
inline int HexQuad(const char* p) {
  int value = 0;
  for (int i = 0; i < 4; ++i) {
    const int digit = HexValue(p[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// The byte an escape `\c` stands for, other than \u; 0 for no such escape.
inline char SimpleEscape(char c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
  }
}

}  // namespace

// Copies the text up to and including `quote` to the doubled output, then
// the quote once more.
inline void CanonicalJsonScanner::DoubleThrough(const char* quote) {
  doubled_ = CopyRun(doubled_, doubled_from_, static_cast<size_t>(quote + 1 - doubled_from_), end_);
  *doubled_++ = '"';
  doubled_from_ = quote + 1;
}

inline bool CanonicalJsonScanner::ReadString(std::string_view* text, bool* escaped) {
  if (!Peek('"')) return false;
  if (doubled_ != nullptr) DoubleThrough(p_);
  const char* const start = ++p_;
  bool non_ascii = false;
  *escaped = false;
  for (;;) {
    p_ = FindStringStop(p_, end_);
    if (p_ == end_) return false;
    const unsigned char c = static_cast<unsigned char>(*p_);
    if (c == '"') break;
    if (c >= 0x80) {
      non_ascii = true;
      ++p_;
    } else if (c == '\\') {
      if (end_ - p_ < 2) return false;
      *escaped = true;
      if (p_[1] == 'u') {
        if (end_ - p_ < 6 || HexQuad(p_ + 2) < 0) return false;
        p_ += 6;
      } else if (SimpleEscape(p_[1]) != 0) {
        if (p_[1] == '"' && doubled_ != nullptr) DoubleThrough(p_ + 1);
        p_ += 2;
      } else {
        return false;
      }
    } else {
      return false;  // a control byte
    }
  }
  *text = std::string_view(start, static_cast<size_t>(p_ - start));
  if (doubled_ != nullptr) DoubleThrough(p_);
  ++p_;  // the closing quote
  return !non_ascii || simdjson::validate_utf8(text->data(), text->size());
}

// The fast path of ReadString: an unescaped ASCII string of up to 63 bytes,
// 32 at a time while 32 can be read after the opening quote (one branch for
// most event names, whose lengths vary), else 16 when 16 can be read (the
// last members); false (nothing consumed) for any other.
[[gnu::always_inline]] inline bool CanonicalJsonScanner::ReadShortString(std::string_view* text) {
#ifdef __SSE2__
  if (p_ == end_ || *p_ != '"') return false;
  const char* chunk = p_ + 1;
  uint32_t stops = 0;
  for (int i = 0; i < 2 && end_ - chunk >= 32 && stops == 0; ++i) {
    stops = StringStops(chunk) | (StringStops(chunk + 16) << 16);
    if (stops == 0) chunk += 32;
  }
  if (stops == 0 && chunk == p_ + 1 && end_ - chunk >= 16) stops = StringStops(chunk);
  if (stops == 0) return false;
  const char* const close = chunk + __builtin_ctz(stops);
  if (*close != '"') return false;
  if (doubled_ != nullptr) {
    DoubleThrough(p_);
    DoubleThrough(close);
  }
  *text = std::string_view(p_ + 1, static_cast<size_t>(close - p_ - 1));
  p_ = close + 1;
  return true;
#else
  return false;
#endif
}

bool CanonicalJsonScanner::ReadKey(std::string_view* key) {
  if (ReadShortString(key)) return Consume(':');
  bool escaped = false;
  return ReadString(key, &escaped) && !escaped && Consume(':');
}

inline bool CanonicalJsonScanner::SkipNumber() {
  Consume('-');
  if (Consume('0')) {
    // no leading zeros
  } else if (p_ != end_ && IsDigit(*p_)) {
    while (p_ != end_ && IsDigit(*p_)) ++p_;
  } else {
    return false;
  }
  if (Consume('.')) {
    if (p_ == end_ || !IsDigit(*p_)) return false;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
  }
  if (Consume('e') || Consume('E')) {
    if (!Consume('+')) Consume('-');
    if (p_ == end_ || !IsDigit(*p_)) return false;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
  }
  return true;
}

bool CanonicalJsonScanner::SkipLiteral(std::string_view literal) {
  if (static_cast<size_t>(end_ - p_) < literal.size()) return false;
  // Byte by byte: a memcmp call per boolean was 1.5 % of a CSV export.
  for (size_t i = 0; i < literal.size(); ++i) {
    if (p_[i] != literal[i]) return false;
  }
  p_ += literal.size();
  return true;
}

// The fast path of SkipNumber: 1-15 digits without a leading zero followed
// by , ] or }, when 16 bytes can be read; false (nothing consumed) otherwise.
[[gnu::always_inline]] inline bool CanonicalJsonScanner::SkipShortInteger() {
#ifdef __SSE2__
  if (end_ - p_ < 16 || *p_ < '1' || *p_ > '9') return false;
  const unsigned non_digits = NonDigits(p_);
  if (non_digits == 0) return false;
  const char* const after = p_ + __builtin_ctz(non_digits);
  if (*after != ',' && *after != ']' && *after != '}') return false;
  p_ = after;
  return true;
#else
  return false;
#endif
}

// A string, on its fast path when it can.
[[gnu::always_inline]] inline bool CanonicalJsonScanner::ReadShortOrLongString(
    std::string_view* text) {
  if (ReadShortString(text)) return true;
  bool escaped = false;
  return ReadString(text, &escaped);
}

// A string, number or literal (p_ is not at the end).
inline bool CanonicalJsonScanner::SkipScalar() {
  std::string_view text;
  if (ReadShortString(&text) || SkipShortInteger()) return true;
  switch (*p_) {
    case '"': {
      std::string_view text;
      bool escaped = false;
      return ReadString(&text, &escaped);
    }
    case 't': return SkipLiteral("true");
    case 'f': return SkipLiteral("false");
    case 'n': return SkipLiteral("null");
    default: return SkipNumber();
  }
}

// The fast path of SkipComposite for the shape of event_stream, most of a
// record's bytes: [["name",int,...],...], names and integers on their fast
// paths. False, with p_ and the doubling as they were, for anything else.
bool CanonicalJsonScanner::SkipEventArrays() {
  const char* const start = p_;
  if (doubled_ != nullptr) {  // nothing is pending when a value starts, but be exact
    doubled_ = CopyRun(doubled_, doubled_from_, static_cast<size_t>(start - doubled_from_), end_);
    doubled_from_ = start;
  }
  char* const doubled = doubled_;
  // Whole blocks at a time first (event_array_scanner.h); then token by
  // token, which also takes escaped and non-ASCII names.
  char* out = doubled;
  if (const char* const after = ScanEventArrays(start, end_, doubled != nullptr ? &out : nullptr)) {
    p_ = after;
    if (doubled != nullptr) {
      doubled_ = out;
      doubled_from_ = after;
    }
    return true;
  }
  std::string_view name;
  if (!Consume('[')) return false;
  for (;;) {
    if (!Consume('[') || !ReadShortOrLongString(&name)) break;
    while (Consume(',')) {
      if (!SkipShortInteger()) goto other_shape;
    }
    if (!Consume(']')) break;
    if (Consume(',')) continue;
    if (Consume(']')) return true;
    break;
  }
other_shape:
  p_ = start;
  doubled_ = doubled;
  doubled_from_ = start;
  return false;
}

// From an opening '[' or '{' through its matching close, in one loop (no
// call per level).
bool CanonicalJsonScanner::SkipComposite() {
  if (SkipEventArrays()) return true;
  uint64_t objects = 0;  // bit i: whether the container at depth i + 1 is an object
  int depth = 0;
  for (;;) {
    // Here a value is expected.
    if (p_ == end_) return false;
    const char c = *p_;
    if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return false;
      objects = (objects << 1) | (c == '{' ? 1 : 0);
      ++p_;
      const char close = c == '{' ? '}' : ']';
      if (!Consume(close)) {
        std::string_view key;
        if (c == '{' && !ReadKey(&key)) return false;
        continue;
      }
      objects >>= 1;
      --depth;
    } else if (!SkipScalar()) {
      return false;
    }
    // After a value: a comma (and a key in an object), or closes.
    for (;;) {
      if (depth == 0) return true;
      if (p_ == end_) return false;
      const bool in_object = (objects & 1) != 0;
      const char next = *p_++;
      if (next == ',') {
        std::string_view key;
        if (in_object && !ReadKey(&key)) return false;
        break;
      }
      if (next != (in_object ? '}' : ']')) return false;
      objects >>= 1;
      --depth;
    }
  }
}

bool CanonicalJsonScanner::ReadAnyValue(ScannedJson* value, char** doubled) {
  if (p_ == end_) return false;
  const char* const start = p_;
  std::string_view text;
  doubled_ = doubled != nullptr ? *doubled : nullptr;
  doubled_from_ = start;
  value->escaped = false;
  bool ok = true;
  switch (*p_) {
    case '"':
      value->type = ScannedJson::kString;
      ok = ReadShortString(&text) || ReadString(&text, &value->escaped);
      value->begin = text.data();
      value->end = text.data() + text.size();
      break;
    case '[': value->type = ScannedJson::kArray; ok = SkipComposite(); break;
    case '{': value->type = ScannedJson::kObject; ok = SkipComposite(); break;
    case 't':
    case 'f': value->type = ScannedJson::kBoolean; ok = SkipScalar(); break;
    case 'n': value->type = ScannedJson::kNull; ok = SkipScalar(); break;
    default: value->type = ScannedJson::kNumber; ok = SkipScalar(); break;
  }
  if (ok && doubled_ != nullptr) {
    *doubled = CopyRun(doubled_, doubled_from_, static_cast<size_t>(p_ - doubled_from_), end_);
  }
  doubled_ = nullptr;
  if (value->type != ScannedJson::kString) {
    value->begin = start;
    value->end = p_;
  }
  return ok;
}

bool AppendUnescapedJson(std::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size();) {
    const size_t backslash = text.find('\\', i);
    out->append(text.substr(i, backslash - i));
    if (backslash == std::string_view::npos) break;
    const char kind = text[backslash + 1];
    if (kind != 'u') {
      out->push_back(SimpleEscape(kind));
      i = backslash + 2;
      continue;
    }
    const int unit = HexQuad(text.data() + backslash + 2);
    if (unit < 0 || (unit >= 0xD800 && unit <= 0xDFFF)) return false;
    if (unit < 0x80) {
      out->push_back(static_cast<char>(unit));
    } else if (unit < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (unit >> 6)));
      out->push_back(static_cast<char>(0x80 | (unit & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xE0 | (unit >> 12)));
      out->push_back(static_cast<char>(0x80 | ((unit >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (unit & 0x3F)));
    }
    i = backslash + 6;
  }
  return true;
}

}  // namespace kpi
