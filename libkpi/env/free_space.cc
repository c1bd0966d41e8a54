#include "libkpi/env/free_space.h"

#include <chrono>

namespace kpi {

FreeSpaceFloor::FreeSpaceFloor(std::string dir, uint64_t min_free_bytes, FileSystem* fs)
    : dir_(std::move(dir)),
      min_free_bytes_(min_free_bytes),
      fs_(FileSystem::OrDefault(fs)) {}

Status FreeSpaceFloor::Check() {
  if (min_free_bytes_ == 0) return Status::OK();
  using namespace std::chrono;
  const int64_t now =
      duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
  if (now - checked_us_.load(std::memory_order_relaxed) > kRefreshUs) {
    DiskSpace space;
    // Racing refreshes are harmless: each stores a fresh answer.
    if (fs_->GetDiskSpace(dir_, &space).ok()) {
      free_bytes_.store(space.free_bytes, std::memory_order_relaxed);
    }
    checked_us_.store(now, std::memory_order_relaxed);
  }
  const uint64_t free_bytes = free_bytes_.load(std::memory_order_relaxed);
  if (free_bytes >= min_free_bytes_) return Status::OK();
  return Status::NoSpace(dir_ + " has " + std::to_string(free_bytes) +
                         " bytes free, below the configured minimum of " +
                         std::to_string(min_free_bytes_) +
                         "; free space (kpictl purge) or lower the minimum");
}

}  // namespace kpi
