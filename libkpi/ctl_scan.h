// kpictl scan: record counts, bytes and first/last timestamps per hour or
// day of a range. Without --where the answer comes from the segment indexes
// (plus a scan of the WALs, which have none): no block in the middle of the
// range is decompressed. With --where every record in range is read and
// filtered.
//
// Output: an aligned table with a total line, or with --json one object per
// period per line: {"period":"2026-11-29T18","start_ms":..,"records":..,
// "bytes":..,"first_ts":..,"last_ts":..} (no total line; sum with jq).
// "bytes" are the JSON lines' bytes, what an export would write.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <string>
#include <vector>

#include "libkpi/ctl_common.h"
#include "libkpi/store_counts.h"

namespace kpi {

struct ScanArgs {
  QueryArgs query;
  std::string by = "hour";  // "hour" or "day"
  bool json = false;
};

// Counts the records of `query` per period of `period_ms` (an hour or a day).
Status ScanStore(Query* query, int64_t period_ms, std::vector<PeriodCount>* periods,
                 ReadProblems* problems);

// Renders periods as kpictl prints them.
std::string FormatScan(const std::vector<PeriodCount>& periods, int64_t period_ms, bool json);

int RunScan(const ScanArgs& args);

}  // namespace kpi
