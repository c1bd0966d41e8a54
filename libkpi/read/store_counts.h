// Counting records without reading them: per-hour totals from the segment
// indexes, for `kpictl scan` and kpid's /count endpoint.
//
// Contract: the counts are exact. A block wholly inside the range is counted
// from its index entry alone; a block that straddles a range end (only
// possible at the two ends of the range) is decompressed and its records
// counted; WALs have no index and are scanned (their valid prefix). The same
// HourSnapshot protocol as RecordStream applies, so a record being sealed or
// compacted meanwhile is counted once. Damaged blocks are reported in
// `problems` and not counted.
//
// Thread-safety: pure functions of the store; safe from any thread.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "libkpi/read/read_problem.h"
#include "libkpi/util/status.h"
#include "libkpi/util/time_range.h"

namespace kpi {

struct PeriodCount {
  int64_t start_ms = 0;  // the hour (or day, ...) this counts
  uint64_t records = 0;
  uint64_t bytes = 0;  // JSON lines with their '\n', as export writes them
  int64_t first_ts = std::numeric_limits<int64_t>::max();  // meaningful when records > 0
  int64_t last_ts = std::numeric_limits<int64_t>::min();

  void AddRecords(uint64_t n, uint64_t line_bytes, int64_t min_ts, int64_t max_ts);
  void Merge(const PeriodCount& other) {
    AddRecords(other.records, other.bytes, other.first_ts, other.last_ts);
  }
};

// Appends one PeriodCount per hour of `range` that holds records, ascending.
Status CountByHour(const std::vector<std::string>& data_dirs, const TimeRange& range,
                   std::vector<PeriodCount>* hours, ReadProblems* problems);

// Folds hourly counts into periods of `period_ms` (kMsPerDay: UTC days).
std::vector<PeriodCount> FoldPeriods(const std::vector<PeriodCount>& hours, int64_t period_ms);

}  // namespace kpi
