// Helpers shared by the committer's tests: its options and records as the
// tests use them, and waiting for another thread to get somewhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "libkpi/util/time_util.h"
#include "libkpi/write/committer.h"

namespace kpi::testing {

// An hour long finished, so that its WALs are sealed when the seal thread runs.
inline const int64_t kOldHour = FromCivil(2026, 1, 1, 10);
inline constexpr char kWriter[] = "t1";

inline CommitterOptions Options(const std::string& dir, SyncMode sync = SyncMode::kAlways) {
  CommitterOptions o;
  o.data_dir = dir;
  o.writer_id = kWriter;
  o.sync = sync;
  o.commit_window_us = 500;
  return o;
}

// A record body numbered `n`, `padding` bytes longer than the smallest.
inline PendingRecord Record(int64_t timestamp_ms, int n, size_t padding = 0) {
  return PendingRecord{timestamp_ms, "\"timestamp\":" + std::to_string(timestamp_ms) +
                                         ",\"n\":" + std::to_string(n) + ",\"pad\":\"" +
                                         std::string(padding, 'p') + "\"}"};
}

// Polls `reached` every millisecond for up to 5 s; its last answer. The
// tests assert on state, never on how long it took.
template <typename Predicate>
bool WaitUntil(Predicate reached) {
  for (int i = 0; i < 5000 && !reached(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return reached();
}

}  // namespace kpi::testing
