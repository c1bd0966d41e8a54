// ShipState: what `kpictl ship` has sent to one ClickHouse table, saved in
// its state file so that each run ships only the hours that changed.
//
// Per hour it keeps the hour's fingerprint as it was listed before the hour
// was read and shipped (HourFingerprint: the names and sizes of its segment
// files) and the number of records sent, which ClickHouse's count after FINAL
// matched. Compaction renames and rewrites an hour's files and a late segment
// adds one, so either changes the fingerprint and the hour is shipped again;
// an hour that no longer exists in the store is deleted from ClickHouse.
//
// The state belongs to one target: `target` names the server and table, and a
// state saved for another target is not used (every hour is shipped again,
// which the table's deduplication by _id makes harmless).
//
// The file is text, replaced atomically (temp file, fsync, rename, directory
// fsync) with mode 0600:
//   kpi-ship-state 1
//   target <url> <table>
//   hour <hour_ms> <records> <fingerprint hex>
//
// Thread-safety: a value.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "libkpi/env/file_system.h"
#include "libkpi/util/status.h"

namespace kpi {

struct ShippedHour {
  uint64_t records = 0;
  uint64_t fingerprint = 0;

  bool operator==(const ShippedHour&) const = default;
};

struct ShipState {
  std::string target;
  std::map<int64_t, ShippedHour> hours;

  // A state file beyond this is not one kpictl wrote.
  static constexpr size_t kMaxFileBytes = 64 << 20;

  // Loads `path` through `fs` (null: FileSystem::Default()); *found is
  // false (and the state empty) if it does not exist.
  static Status Load(const std::string& path, ShipState* state, bool* found,
                     FileSystem* fs = nullptr);
  // Replaces `path` atomically (atomic_file.h), mode 0600.
  Status Save(const std::string& path, FileSystem* fs = nullptr) const;
  std::string Serialize() const;
  static Status Parse(const std::string& text, const std::string& origin, ShipState* state);
};

}  // namespace kpi
