// Appending minimal JSON to a std::string: the one place that knows how kpi
// spells a JSON value, so every record and every listing agrees byte for byte.
//
// Contract: each function appends exactly one JSON token (or a key and its
// colon) to *out and never allocates beyond growing *out. Strings are escaped
// per RFC 8259 §7: '"', '\\' and U+0000..U+001F are escaped (\b \f \n \r \t
// or \u00XX); every other byte is copied as is, so valid UTF-8 in is valid
// UTF-8 out. Doubles use the shortest text that reads back to the same value
// (std::to_chars), so 1.0 is "1" and 0.1 is "0.1"; -0.0 is "0" (so that
// the text reads back as the same number type); JSON has no NaN or
// infinity, so those are written as null.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kpi {

void AppendJsonString(std::string* out, std::string_view text);  // "text", escaped
void AppendJsonKey(std::string* out, std::string_view key);      // "key":
void AppendJsonInt(std::string* out, int64_t value);
void AppendJsonUint(std::string* out, uint64_t value);
void AppendJsonDouble(std::string* out, double value);
void AppendJsonBool(std::string* out, bool value);
void AppendJsonNull(std::string* out);

}  // namespace kpi
