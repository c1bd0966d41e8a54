// TimeRange: the half-open interval [from, to) of record timestamps that a
// query reads, and the text forms analysts type for it.
//
// One end of a range (ParseTimePoint) is written as
//   - ISO 8601 UTC or with an offset, as precise as wanted:
//       2026-11  2026-11-29  2026-11-29T18  2026-11-29T18:05Z
//       2026-11-29T18:05:00.000Z  2026-11-29T20:05+02:00  (' ' may replace 'T')
//   - Unix milliseconds: all digits, e.g. 1764439200000
//   - relative to now: now, -7d, -3h, -15m, -30s, now-2w (units as ParseDuration)
//   - today, yesterday (UTC days)
//
// kpictl's positional range (ParseTimeRange) is one of
//   (nothing)       everything
//   FROM TO         [FROM, TO)    also written FROM..TO; either side may be empty
//   FROM..          [FROM, end of time)
//   ..TO            [beginning of time, TO)
//   PERIOD          a calendar text alone (2026-11, 2026-11-29, 2026-11-29T18,
//                   today, ...) means that whole month, day, hour, ...
//   INSTANT         Unix ms or a relative time alone means [INSTANT, end of
//                   time), so "-3h" reads the last three hours
// TO is exclusive and names the start of its period: 2026-11-29..2026-11-30
// is exactly the day of 29 November.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"

namespace kpi {

struct TimeRange {
  int64_t from_ms = kMinTimeMs;  // inclusive
  int64_t to_ms = kMaxTimeMs;    // exclusive

  static TimeRange All() { return TimeRange(); }
  bool IsAll() const { return from_ms <= kMinTimeMs && to_ms >= kMaxTimeMs; }
  bool Contains(int64_t ts) const { return ts >= from_ms && ts < to_ms; }
  // Whether some ts in [min_ts, max_ts] (both inclusive, as in a block's
  // index entry) lies in the range.
  bool Overlaps(int64_t min_ts, int64_t max_ts) const {
    return max_ts >= from_ms && min_ts < to_ms;
  }
  // Whether every ts in [min_ts, max_ts] lies in the range.
  bool Covers(int64_t min_ts, int64_t max_ts) const { return min_ts >= from_ms && max_ts < to_ms; }
  bool OverlapsHour(int64_t hour_ms) const;
  // "[2026-11-29T00:00:00Z, 2026-11-30T00:00:00Z)", or "everything".
  std::string ToString() const;
};

// Parses one end of a range. `*period_ms` is the length of the calendar
// period the text names (a day for 2026-11-29, 1 ms for a full timestamp)
// or 0 for an instant (Unix ms, relative times). InvalidArgument quotes the
// text and lists the accepted forms.
Status ParseTimePoint(std::string_view text, int64_t now_ms, int64_t* ms, int64_t* period_ms);

// Parses kpictl's positional range arguments (0, 1 or 2 of them; see above).
Status ParseTimeRange(const std::vector<std::string>& args, int64_t now_ms, TimeRange* range);

}  // namespace kpi
