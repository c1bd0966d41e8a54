#include "libkpi/read/store_counts.h"

#include <algorithm>

#include "libkpi/read/hour_snapshot.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

using Severity = ReadProblem::Severity;

void CountSegment(SegmentReader* reader, const TimeRange& range, PeriodCount* count,
                  ReadProblems* problems) {
  std::vector<RecordView> records;
  const auto& blocks = reader->blocks();
  for (size_t i = 0; i < blocks.size(); ++i) {
    const segment::BlockInfo& b = blocks[i];
    if (!reader->index_damaged()) {
      if (!range.Overlaps(b.min_ts, b.max_ts)) continue;
      if (range.Covers(b.min_ts, b.max_ts)) {
        count->AddRecords(b.record_count, b.uncompressed_size, b.min_ts, b.max_ts);
        continue;
      }
    }
    Status s = reader->ReadBlock(i, &records);
    if (!s.ok()) {
      problems->push_back(ReadProblem::FromStatus(Severity::kDamage, reader->path(),
                                                  static_cast<int64_t>(i),
                                                  static_cast<int64_t>(b.offset), s));
      continue;
    }
    for (const RecordView& r : records) {
      if (range.Contains(r.timestamp_ms)) {
        count->AddRecords(1, r.json.size() + 1, r.timestamp_ms, r.timestamp_ms);
      }
    }
  }
}

Status CountWal(const SnapshotFile& file, const TimeRange& range, PeriodCount* count,
                ReadProblems* problems) {
  wal::WalScanResult result;
  return file.ScanWal(
      [&](const wal::WalRecord& r) {
        if (range.Contains(r.timestamp_ms)) {
          count->AddRecords(1, r.json.size() + 1, r.timestamp_ms, r.timestamp_ms);
        }
        return true;
      },
      &result, problems);
}

}  // namespace

void PeriodCount::AddRecords(uint64_t n, uint64_t line_bytes, int64_t min_ts, int64_t max_ts) {
  if (n == 0) return;
  records += n;
  bytes += line_bytes;
  first_ts = std::min(first_ts, min_ts);
  last_ts = std::max(last_ts, max_ts);
}

Status CountByHour(const std::vector<std::string>& data_dirs, const TimeRange& range,
                   std::vector<PeriodCount>* hours, ReadProblems* problems) {
  return ForEachHourSnapshot(
      data_dirs, range,
      [&](const HourSnapshot& snapshot) {
        PeriodCount count;
        count.start_ms = snapshot.hour_ms();
        for (const auto& file : snapshot.files()) {
          if (file->is_wal()) {
            KPI_RETURN_IF_ERROR(CountWal(*file, range, &count, problems));
          } else {
            CountSegment(file->segment(), range, &count, problems);
          }
        }
        if (count.records > 0) hours->push_back(count);
        return Status::OK();
      },
      problems);
}

std::vector<PeriodCount> FoldPeriods(const std::vector<PeriodCount>& hours, int64_t period_ms) {
  std::vector<PeriodCount> periods;
  for (const PeriodCount& h : hours) {
    const int64_t start = FloorTo(h.start_ms, period_ms);
    if (periods.empty() || periods.back().start_ms != start) {
      periods.emplace_back();
      periods.back().start_ms = start;
    }
    periods.back().Merge(h);
  }
  return periods;
}

}  // namespace kpi
