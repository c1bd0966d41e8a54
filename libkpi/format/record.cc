#include "libkpi/format/record.h"

#include <cstdio>

namespace kpi {

bool IsValidWriterId(std::string_view id) {
  if (id.empty() || id.size() > kMaxWriterIdLength) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string RecordId::ToString() const {
  char seq_hex[17];
  std::snprintf(seq_hex, sizeof seq_hex, "%016llx", static_cast<unsigned long long>(seq));
  return writer + "-" + seq_hex;
}

std::optional<RecordId> RecordId::Parse(std::string_view text) {
  const size_t dash = text.rfind('-');
  if (dash == std::string_view::npos || text.size() - dash - 1 != 16) return std::nullopt;
  RecordId id;
  id.writer = std::string(text.substr(0, dash));
  if (!IsValidWriterId(id.writer)) return std::nullopt;
  for (char c : text.substr(dash + 1)) {
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else return std::nullopt;
    id.seq = (id.seq << 4) | static_cast<uint64_t>(digit);
  }
  return id;
}

}  // namespace kpi
