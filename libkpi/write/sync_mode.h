// SyncMode: when the committer acknowledges a record (committer.h says what
// each mode means for durability).
#pragma once

#include <string_view>

namespace kpi {

enum class SyncMode { kAlways, kBatch, kNone };
bool ParseSyncMode(std::string_view text, SyncMode* mode);
const char* SyncModeName(SyncMode mode);

}  // namespace kpi
