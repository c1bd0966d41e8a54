#include "libkpi/read/read_cursor.h"

#include <charconv>

#include "libkpi/format/record.h"

namespace kpi {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(kAlphabet[(bits >> count) & 63]);
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 63]);
  return out;
}

bool Base64UrlDecode(std::string_view in, std::string* out) {
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    const int v = DecodeChar(c);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out->push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return true;
}

}  // namespace

std::string ReadCursor::Encode() const {
  return Base64UrlEncode(std::to_string(timestamp_ms) + ":" + id);
}

bool ReadCursor::Decode(std::string_view text, ReadCursor* cursor) {
  std::string plain;
  if (text.empty() || text.size() > 128 || !Base64UrlDecode(text, &plain)) return false;
  const size_t colon = plain.find(':');
  if (colon == std::string::npos) return false;
  const char* end = plain.data() + colon;
  const auto [ptr, ec] = std::from_chars(plain.data(), end, cursor->timestamp_ms);
  if (ec != std::errc() || ptr != end) return false;
  cursor->id = plain.substr(colon + 1);
  return RecordId::Parse(cursor->id).has_value();
}

}  // namespace kpi
