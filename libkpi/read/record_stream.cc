#include "libkpi/read/record_stream.h"

#include <algorithm>

#include "libkpi/read/hour_snapshot.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

// std::*_heap keep the greatest element first; this makes it the least.
bool Later(const MergeSource* a, const MergeSource* b) {
  const RecordView& x = a->current();
  const RecordView& y = b->current();
  if (x.timestamp_ms != y.timestamp_ms) return x.timestamp_ms > y.timestamp_ms;
  return x.id > y.id;
}

}  // namespace

std::vector<StoreLayout> LayoutsFor(const std::vector<std::string>& data_dirs) {
  std::vector<StoreLayout> layouts;
  for (const std::string& dir : data_dirs) layouts.emplace_back(dir);
  return layouts;
}

RecordStream::RecordStream(StreamOptions options)
    : options_(std::move(options)), layouts_(LayoutsFor(options_.data_dirs)) {}

RecordStream::~RecordStream() = default;

Status RecordStream::Start() {
  if (layouts_.empty()) return Status::InvalidArgument("no data directory given");
  KPI_RETURN_IF_ERROR(CheckDataDirs(layouts_));
  return ListStoreHours(layouts_, options_.range.from_ms, options_.range.to_ms, &hours_);
}

bool RecordStream::OpenNextHour() {
  heap_.clear();
  sources_.clear();
  advance_ = nullptr;
  snapshot_.reset();
  while (next_hour_ < hours_.size()) {
    const int64_t hour = hours_[next_hour_++];
    auto snapshot = std::make_unique<HourSnapshot>();
    status_ = HourSnapshot::Open(layouts_, hour, snapshot.get(), &problems_);
    if (!status_.ok()) return false;
    snapshot_ = std::move(snapshot);
    for (const auto& file : snapshot_->files()) {
      auto source = MergeSource::For(*file, options_.range, &problems_, &stats_);
      if (source->Valid()) heap_.push_back(source.get());
      sources_.push_back(std::move(source));
    }
    if (heap_.empty()) continue;
    std::make_heap(heap_.begin(), heap_.end(), Later);
    return true;
  }
  return false;
}

// Moves to the least record of the current hour's runs, opening later hours
// as runs run dry.
bool RecordStream::NextMerged() {
  if (advance_ != nullptr) {
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    advance_->Next();
    if (advance_->Valid()) {
      std::push_heap(heap_.begin(), heap_.end(), Later);
    } else {
      heap_.pop_back();
    }
    advance_ = nullptr;
  }
  if (heap_.empty() && !OpenNextHour()) return false;
  advance_ = heap_.front();
  current_ = advance_->current();
  ++stats_.records_scanned;
  return true;
}

// segment.md §11.3: a record whose order key equals the one merged just
// before it is a copy (a WAL beside its segment, compaction inputs beside
// the output) and is returned once.
bool RecordStream::IsCopyOfLast() {
  const bool copy = have_last_ && current_.timestamp_ms == last_ts_ && current_.id == last_id_;
  have_last_ = true;
  last_ts_ = current_.timestamp_ms;
  last_id_.assign(current_.id);
  if (copy) ++stats_.copies_skipped;
  return copy;
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
    if (IsCopyOfLast()) continue;
    if (Accept()) {
      ++returned_;
      return true;
    }
  }
  return false;
}

}  // namespace kpi
