#include "libkpi/read/indexed_sample.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "libkpi/format/order_key.h"
#include "libkpi/format/record.h"
#include "libkpi/read/hour_snapshot.h"
#include "libkpi/read/record_stream.h"
#include "libkpi/read/sampler.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

// The picks draw from their own generator, not the reservoir's.
constexpr uint64_t kPickSalt = 0x5eed'b10c'5a3b'1e01ull;

struct HourPlan {
  int64_t hour_ms;
  bool indexed;
  uint64_t count;  // indexed hours: records by the index
};

struct PickedRecord {
  int64_t timestamp_ms;
  std::string id;
  std::string json;
};

TimeRange HourPart(const TimeRange& range, int64_t hour_ms) {
  TimeRange part;
  part.from_ms = std::max(range.from_ms, hour_ms);
  part.to_ms = std::min(range.to_ms, hour_ms + kMsPerHour);
  return part;
}

// Whether the index's counts are the hour's records (see the header), and
// how many it says lie in `part`.
bool IndexedCount(const HourSnapshot& snapshot, const TimeRange& part, uint64_t* count) {
  *count = 0;
  std::set<std::string> inputs;  // superseded names: two outputs naming one are copies
  const std::string* data_dir = nullptr;
  for (const auto& file : snapshot.files()) {
    if (file->is_wal()) return false;
    if (data_dir != nullptr && *data_dir != file->data_dir()) return false;
    data_dir = &file->data_dir();
    const SegmentReader& reader = *file->segment();
    if (reader.header_damaged() || reader.index_damaged()) return false;
    for (const std::string& name : reader.header().superseded) {
      if (!inputs.insert(name).second) return false;
    }
    for (const segment::BlockInfo& b : reader.blocks()) {
      if (!part.Overlaps(b.min_ts, b.max_ts)) continue;
      if (!part.Covers(b.min_ts, b.max_ts)) return false;
      *count += b.record_count;
    }
  }
  return true;
}

// Selection sampling (Knuth's Algorithm S): the positions in [0, n) of the
// records chosen among the next n of `*remaining`, `*needed` of which are
// still to be chosen. Ascending.
std::vector<uint64_t> SelectAmong(uint64_t n, uint64_t* remaining, uint64_t* needed,
                                  SampleRng* rng) {
  std::vector<uint64_t> chosen;
  uint64_t i = 0;
  for (; i < n && *needed > 0; ++i, --*remaining) {
    if (*needed == *remaining || rng->Below(*remaining) < *needed) {
      chosen.push_back(i);
      --*needed;
    }
  }
  *remaining -= n - i;  // the rest of the n, none chosen
  return chosen;
}

class IndexedSampler {
 public:
  IndexedSampler(Query* query, uint64_t count, uint64_t seed, OutputSink* sink,
                 ReadProblems* problems, ReadStats* stats)
      : query_(query),
        count_(count),
        layouts_(LayoutsFor(query->data_dirs)),
        reservoir_(count, seed),
        rng_(seed ^ kPickSalt),
        sink_(sink),
        problems_(problems),
        stats_(stats) {}

  Status Run() {
    KPI_RETURN_IF_ERROR(Plan());
    ChooseReadRecords();
    for (const HourPlan& plan : plans_) {
      KPI_RETURN_IF_ERROR(plan.indexed ? EmitIndexedHour(plan) : EmitReadHour(plan.hour_ms));
    }
    return Status::OK();
  }

 private:
  Status Plan();
  Status ReadHour(int64_t hour_ms);
  void ChooseReadRecords();
  Status EmitReadHour(int64_t hour_ms);
  Status EmitIndexedHour(const HourPlan& plan);
  Status PickFromBlocks(const HourSnapshot& snapshot, const TimeRange& part,
                        const std::vector<uint64_t>& positions, std::vector<PickedRecord>* picked);

  Query* query_;
  uint64_t count_;
  std::vector<StoreLayout> layouts_;
  std::vector<HourPlan> plans_;
  uint64_t indexed_records_ = 0;
  ReservoirSampler reservoir_;
  SampleRng rng_;
  std::vector<std::string> read_kept_;  // the read hours' share, in stream order
  size_t next_read_kept_ = 0;
  uint64_t indexed_needed_ = 0;
  uint64_t indexed_remaining_ = 0;
  OutputSink* sink_;
  ReadProblems* problems_;
  ReadStats* stats_;
};

// Pass 1: every hour's plan; read hours go through the reservoir now.
Status IndexedSampler::Plan() {
  if (layouts_.empty()) return Status::InvalidArgument("no data directory given");
  KPI_RETURN_IF_ERROR(CheckDataDirs(layouts_));
  std::vector<int64_t> hours;
  const TimeRange& range = query_->range;
  KPI_RETURN_IF_ERROR(ListStoreHours(layouts_, range.from_ms, range.to_ms, &hours));
  for (int64_t hour : hours) {
    HourSnapshot snapshot;
    ReadProblems open_problems;  // a read hour's stream reports them
    KPI_RETURN_IF_ERROR(HourSnapshot::Open(layouts_, hour, &snapshot, &open_problems));
    HourPlan plan{hour, false, 0};
    plan.indexed = open_problems.empty() && IndexedCount(snapshot, HourPart(range, hour), &plan.count);
    if (plan.indexed) {
      indexed_records_ += plan.count;
    } else {
      KPI_RETURN_IF_ERROR(ReadHour(hour));
    }
    plans_.push_back(plan);
  }
  return Status::OK();
}

Status IndexedSampler::ReadHour(int64_t hour_ms) {
  StreamOptions options;
  options.data_dirs = query_->data_dirs;
  options.range = HourPart(query_->range, hour_ms);
  RecordStream stream(options);
  while (stream.Next()) reservoir_.Offer(stream.record().json);
  problems_->insert(problems_->end(), stream.problems().begin(), stream.problems().end());
  if (stats_ != nullptr) {
    stats_->blocks_read += stream.stats().blocks_read;
    stats_->records_scanned += stream.stats().records_scanned;
  }
  return stream.status();
}

// How many of the sample come from read hours (N draws without replacement
// from R read and M indexed records), and which of the reservoir's they are.
void IndexedSampler::ChooseReadRecords() {
  const uint64_t read = reservoir_.seen();
  uint64_t read_left = read, total_left = read + indexed_records_, from_read = 0;
  for (uint64_t i = 0; i < count_ && total_left > 0; ++i, --total_left) {
    if (rng_.Below(total_left) < read_left) {
      ++from_read;
      --read_left;
    }
  }
  indexed_needed_ = std::min(count_, read + indexed_records_) - from_read;
  indexed_remaining_ = indexed_records_;
  std::vector<std::string> held = reservoir_.TakeInStreamOrder();
  uint64_t remaining = held.size(), needed = from_read;
  for (uint64_t i : SelectAmong(held.size(), &remaining, &needed, &rng_)) {
    read_kept_.push_back(std::move(held[i]));
  }
}

Status IndexedSampler::EmitReadHour(int64_t hour_ms) {
  for (; next_read_kept_ < read_kept_.size(); ++next_read_kept_) {
    const std::string& line = read_kept_[next_read_kept_];
    std::string_view id;
    int64_t ts = 0;
    if (ParseRecordPrefix(line, &id, &ts) && HourStart(ts) > hour_ms) break;
    KPI_RETURN_IF_ERROR(sink_->AppendLine(line));
  }
  return Status::OK();
}

// Pass 2 for an indexed hour: decompresses only the blocks holding one of
// the hour's chosen positions (counted over its files' blocks in snapshot
// order) and writes the chosen records in order-key order.
Status IndexedSampler::EmitIndexedHour(const HourPlan& plan) {
  const std::vector<uint64_t> positions =
      SelectAmong(plan.count, &indexed_remaining_, &indexed_needed_, &rng_);
  if (positions.empty()) return Status::OK();
  HourSnapshot snapshot;
  ReadProblems open_problems;
  KPI_RETURN_IF_ERROR(HourSnapshot::Open(layouts_, plan.hour_ms, &snapshot, &open_problems));
  const TimeRange part = HourPart(query_->range, plan.hour_ms);
  uint64_t count = 0;
  if (!open_problems.empty() || !IndexedCount(snapshot, part, &count) || count != plan.count) {
    return Status::Busy("sample: hour " + FormatHour(plan.hour_ms) +
                        " changed while it was sampled (compaction, purge or damage); run it again");
  }
  std::vector<PickedRecord> picked;
  KPI_RETURN_IF_ERROR(PickFromBlocks(snapshot, part, positions, &picked));
  std::sort(picked.begin(), picked.end(), [](const PickedRecord& a, const PickedRecord& b) {
    return OrderKeyLess(a.timestamp_ms, a.id, b.timestamp_ms, b.id);
  });
  for (const PickedRecord& r : picked) KPI_RETURN_IF_ERROR(sink_->AppendLine(r.json));
  return Status::OK();
}

Status IndexedSampler::PickFromBlocks(const HourSnapshot& snapshot, const TimeRange& part,
                                      const std::vector<uint64_t>& positions,
                                      std::vector<PickedRecord>* picked) {
  auto next = positions.begin();
  uint64_t first = 0;  // hour position of the current block's first record
  std::vector<RecordView> records;
  for (const auto& file : snapshot.files()) {
    SegmentReader* reader = file->segment();
    const std::vector<segment::BlockInfo>& blocks = reader->blocks();
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (!part.Overlaps(blocks[i].min_ts, blocks[i].max_ts)) continue;
      const uint64_t end = first + blocks[i].record_count;
      if (next != positions.end() && *next < end) {
        const Status s = reader->ReadBlock(i, &records);
        if (stats_ != nullptr) ++stats_->blocks_read;
        if (!s.ok() && !s.IsCorruption()) return s;
        if (!s.ok()) problems_->push_back(reader->BlockProblem(i, s));
        for (; next != positions.end() && *next < end; ++next) {
          if (!s.ok()) continue;
          const RecordView& r = records[*next - first];
          picked->push_back(PickedRecord{r.timestamp_ms, std::string(r.id), std::string(r.json)});
        }
      } else if (stats_ != nullptr) {
        ++stats_->blocks_skipped;
      }
      first = end;
    }
  }
  return Status::OK();
}

}  // namespace

Status SampleByIndex(Query* query, uint64_t count, uint64_t seed, OutputSink* sink,
                     ReadProblems* problems, ReadStats* stats) {
  IndexedSampler sampler(query, count, seed, sink, problems, stats);
  return sampler.Run();
}

}  // namespace kpi
