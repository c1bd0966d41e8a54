// CommitterStats: counters of the write path, read by kpid's /metrics.
//
// Thread-safety: every field is an atomic, updated by the committer's
// threads and read by anyone at any time (values are independent: a reader
// may see one counter updated before another).
#pragma once

#include <atomic>
#include <cstdint>

namespace kpi {

struct CommitterStats {
  std::atomic<uint64_t> records_committed{0};
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> syncs{0};
  std::atomic<uint64_t> queue_depth{0};
  std::atomic<uint64_t> open_wals{0};
  std::atomic<uint64_t> segments_sealed{0};
  std::atomic<uint64_t> recovered_torn_bytes{0};
  // fdatasync latency histogram, upper bounds in microseconds (+Inf last).
  static constexpr int kSyncBuckets = 12;
  static constexpr uint64_t kSyncBucketUs[kSyncBuckets - 1] = {
      50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000};
  std::atomic<uint64_t> sync_latency_bucket[kSyncBuckets] = {};
  std::atomic<uint64_t> sync_latency_sum_us{0};

  void RecordSyncLatency(uint64_t us) {
    int bucket = 0;
    while (bucket < kSyncBuckets - 1 && us > kSyncBucketUs[bucket]) ++bucket;
    sync_latency_bucket[bucket].fetch_add(1, std::memory_order_relaxed);
    sync_latency_sum_us.fetch_add(us, std::memory_order_relaxed);
    syncs.fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace kpi
