#include "libkpi/write/sync_mode.h"

namespace kpi {

bool ParseSyncMode(std::string_view text, SyncMode* mode) {
  if (text == "always") *mode = SyncMode::kAlways;
  else if (text == "batch") *mode = SyncMode::kBatch;
  else if (text == "none") *mode = SyncMode::kNone;
  else return false;
  return true;
}

const char* SyncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kAlways: return "always";
    case SyncMode::kBatch: return "batch";
    case SyncMode::kNone: return "none";
  }
  return "?";
}

}  // namespace kpi
