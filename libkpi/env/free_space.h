// FreeSpaceFloor: refuses writes while the file system holding a directory
// has less free space than a configured floor, so kpid answers 507 before
// the disk is full rather than failing writes half-way.
//
// statvfs costs a system call; under load many requests share one answer,
// refreshed at most every 100 ms, so the floor may be crossed by what is
// written within that time.
//
// Thread-safety: Check may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "libkpi/env/file_system.h"
#include "libkpi/util/status.h"

namespace kpi {

class FreeSpaceFloor {
 public:
  // A floor of 0 disables the check. `fs` (not owned; null: Default())
  // answers the free-space queries.
  FreeSpaceFloor(std::string dir, uint64_t min_free_bytes, FileSystem* fs = nullptr);

  // NoSpace naming the directory, the free bytes and the floor when below it.
  Status Check();

 private:
  static constexpr int64_t kRefreshUs = 100 * 1000;

  const std::string dir_;
  const uint64_t min_free_bytes_;
  FileSystem* const fs_;
  std::atomic<int64_t> checked_us_{INT64_MIN / 2};
  std::atomic<uint64_t> free_bytes_{0};
};

}  // namespace kpi
