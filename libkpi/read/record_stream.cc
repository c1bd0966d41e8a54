#include "libkpi/read/record_stream.h"

#include <algorithm>

#include "libkpi/read/hour_snapshot.h"
#include "libkpi/util/time_util.h"

namespace kpi {

std::vector<StoreLayout> LayoutsFor(const std::vector<std::string>& data_dirs, FileSystem* fs) {
  std::vector<StoreLayout> layouts;
  for (const std::string& dir : data_dirs) layouts.emplace_back(dir, fs);
  return layouts;
}

RecordStream::RecordStream(StreamOptions options)
    : options_(std::move(options)), layouts_(LayoutsFor(options_.data_dirs, options_.fs)) {}

RecordStream::~RecordStream() = default;

Status ListRangeHours(const std::vector<StoreLayout>& layouts, int64_t from_ms, int64_t to_ms,
                      std::vector<int64_t>* hours) {
  if (layouts.empty()) return Status::InvalidArgument("no data directory given");
  KPI_RETURN_IF_ERROR(CheckDataDirs(layouts));
  return ListStoreHours(layouts, from_ms, to_ms, hours);
}

Status RecordStream::Start() {
  if (options_.hours.empty()) {
    return ListRangeHours(layouts_, options_.range.from_ms, options_.range.to_ms, &hours_);
  }
  hours_ = options_.hours;  // checked and listed by the caller
  return Status::OK();
}

bool RecordStream::OpenNextHour() {
  merge_.Reset({});
  sources_.clear();
  advance_ = false;
  snapshot_.reset();
  while (next_hour_ < hours_.size()) {
    const int64_t hour = hours_[next_hour_++];
    auto snapshot = std::make_unique<HourSnapshot>();
    status_ = HourSnapshot::Open(layouts_, hour, snapshot.get(), &problems_);
    if (!status_.ok()) return false;
    snapshot_ = std::move(snapshot);
    std::vector<MergeSource*> runs;
    for (const auto& file : snapshot_->files()) {
      sources_.push_back(MergeSource::For(*file, options_.range, &problems_, &stats_));
      runs.push_back(sources_.back().get());
    }
    merge_.Reset(std::move(runs));
    if (merge_.Valid()) return true;
  }
  return false;
}

// Moves to the next record of the current hour's merge (copies merged
// once, segment.md §11.3), opening later hours as the merge runs dry.
bool RecordStream::NextMerged() {
  if (advance_) {
    const uint64_t copies_before = merge_.copies_skipped();
    merge_.Next();
    const uint64_t copies = merge_.copies_skipped() - copies_before;
    stats_.copies_skipped += copies;
    stats_.records_scanned += copies;
    advance_ = false;
  }
  if (!merge_.Valid() && !OpenNextHour()) return false;
  advance_ = true;
  current_ = merge_.current();
  ++stats_.records_scanned;
  return true;
}

// Applies the filter and the projection to current_.
bool RecordStream::Accept() {
  if (options_.filter != nullptr && !options_.filter->Matches(current_.json)) return false;
  if (options_.projection != nullptr && !options_.projection->empty()) {
    Status s = options_.projection->Project(current_.json, &projected_);
    if (!s.ok()) {
      problems_.push_back(ReadProblem::FromStatus(ReadProblem::Severity::kDamage,
                                                  "record " + std::string(current_.id), -1, -1, s));
      return false;
    }
    current_.json = projected_;
  }
  return true;
}

bool RecordStream::Next() {
  if (!started_) {
    started_ = true;
    status_ = Start();
  }
  if (!status_.ok()) return false;
  while (NextMerged()) {
    if (Accept()) {
      ++returned_;
      return true;
    }
  }
  return false;
}

}  // namespace kpi
