#include "libkpi/format/record.h"

#include "libkpi/util/hex.h"

namespace kpi {
namespace {

// "<writer>-<16 lower-case hex>" with writer 1..16 of [a-z0-9] (segment.md §2).
bool IsIdText(std::string_view id) {
  if (id.size() < 18 || id.size() > kMaxWriterIdLength + 17 || id[id.size() - 17] != '-') {
    return false;
  }
  if (!IsValidWriterId(id.substr(0, id.size() - 17))) return false;
  for (char c : id.substr(id.size() - 16)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool IsValidWriterId(std::string_view id) {
  if (id.empty() || id.size() > kMaxWriterIdLength) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string RecordId::ToString() const {
  return writer + "-" + Hex16(seq);
}

std::optional<RecordId> RecordId::Parse(std::string_view text) {
  const size_t dash = text.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  RecordId id;
  id.writer = std::string(text.substr(0, dash));
  if (!IsValidWriterId(id.writer) || !ParseHex16(text.substr(dash + 1), &id.seq)) {
    return std::nullopt;
  }
  return id;
}

bool ParseRecordPrefix(std::string_view json, std::string_view* id, int64_t* timestamp_ms) {
  constexpr std::string_view kIdKey = "{\"_id\":\"";
  constexpr std::string_view kTimestampKey = "\",\"timestamp\":";
  if (json.size() < kIdKey.size() + 18 + kTimestampKey.size() + 2 || json.back() != '}' ||
      json.compare(0, kIdKey.size(), kIdKey) != 0) {
    return false;
  }
  const size_t id_end = json.find('"', kIdKey.size());
  if (id_end == std::string_view::npos) return false;
  const std::string_view id_text = json.substr(kIdKey.size(), id_end - kIdKey.size());
  if (!IsIdText(id_text) || json.compare(id_end, kTimestampKey.size(), kTimestampKey) != 0) {
    return false;
  }
  size_t pos = id_end + kTimestampKey.size();
  const size_t digits_start = pos;
  int64_t ts = 0;
  while (pos < json.size() && json[pos] >= '0' && json[pos] <= '9' && pos - digits_start < 18) {
    ts = ts * 10 + (json[pos] - '0');
    ++pos;
  }
  const size_t digits = pos - digits_start;
  if (digits == 0 || (digits > 1 && json[digits_start] == '0') || pos >= json.size()) return false;
  if (json[pos] != ',' && !(json[pos] == '}' && pos + 1 == json.size())) return false;
  *id = id_text;
  *timestamp_ms = ts;
  return true;
}

}  // namespace kpi
