#include "libkpi/util/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>

namespace kpi {

namespace {

// A table rather than comparisons: strings are scanned a byte at a time and
// this is the hot loop of canonicalization.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = table['\\'] = true;
  return table;
}();

void AppendEscaped(std::string* out, unsigned char c) {
  switch (c) {
    case '"': out->append("\\\""); return;
    case '\\': out->append("\\\\"); return;
    case '\b': out->append("\\b"); return;
    case '\f': out->append("\\f"); return;
    case '\n': out->append("\\n"); return;
    case '\r': out->append("\\r"); return;
    case '\t': out->append("\\t"); return;
    default: break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
  out->append(escape, sizeof escape);
}

template <typename T>
void AppendNumber(std::string* out, T value) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, result.ptr);
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view text) {
  out->push_back('"');
  // Copy runs of plain bytes in one append; most strings have no escapes.
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kNeedsEscape[c]) continue;
    out->append(text.data() + run_start, i - run_start);
    AppendEscaped(out, c);
    run_start = i + 1;
  }
  out->append(text.data() + run_start, text.size() - run_start);
  out->push_back('"');
}

void AppendJsonKey(std::string* out, std::string_view key) {
  AppendJsonString(out, key);
  out->push_back(':');
}

void AppendJsonInt(std::string* out, int64_t value) { AppendNumber(out, value); }

void AppendJsonUint(std::string* out, uint64_t value) { AppendNumber(out, value); }

void AppendJsonDouble(std::string* out, double value) {
  if (!std::isfinite(value)) {
    AppendJsonNull(out);
    return;
  }
  // -0.0 would print as "-0", which parses back as the integer 0 and prints
  // "0": a stored line must be a fixed point of canonicalization (found by
  // fuzz_ingest_body). Adding 0.0 turns -0.0 into +0.0 and nothing else.
  AppendNumber(out, value + 0.0);
}

void AppendJsonBool(std::string* out, bool value) { out->append(value ? "true" : "false"); }

void AppendJsonNull(std::string* out) { out->append("null"); }

}  // namespace kpi
