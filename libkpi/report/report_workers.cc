#include "libkpi/report/report_workers.h"

#include <deque>
#include <utility>

namespace kpi {

// One worker's batches: those filled and waiting for the consumer, in hour
// order, and those free for the worker to fill.
struct ReportWorkers::Lane {
  std::deque<std::unique_ptr<ReportBatch>> full;
  std::vector<std::unique_ptr<ReportBatch>> free;
};

ReportWorkers::ReportWorkers(const StreamOptions& base, std::vector<RecordFilter> filters,
                             const ReportSpec& spec, std::vector<int64_t> hours)
    : base_(base), spec_(spec), hours_(std::move(hours)), filters_(std::move(filters)) {
  {
    MutexLock lock(&mu_);
    for (size_t w = 0; w < filters_.size(); ++w) {
      auto lane = std::make_unique<Lane>();
      for (size_t i = 0; i < kBatchesPerWorker; ++i) {
        lane->free.push_back(std::make_unique<ReportBatch>());
      }
      lanes_.push_back(std::move(lane));
    }
  }
  for (size_t w = 0; w < filters_.size(); ++w) threads_.emplace_back([this, w] { Work(w); });
}

ReportWorkers::~ReportWorkers() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    changed_.SignalAll();
  }
  for (std::thread& t : threads_) t.join();
}

std::unique_ptr<ReportBatch> ReportWorkers::TakeFree(size_t worker) {
  MutexLock lock(&mu_);
  Lane& lane = *lanes_[worker];
  while (!stopping_ && lane.free.empty()) changed_.Wait();
  if (stopping_) return nullptr;
  std::unique_ptr<ReportBatch> batch = std::move(lane.free.back());
  lane.free.pop_back();
  batch->Clear();
  return batch;
}

void ReportWorkers::Push(size_t worker, std::unique_ptr<ReportBatch> batch) {
  MutexLock lock(&mu_);
  lanes_[worker]->full.push_back(std::move(batch));
  changed_.SignalAll();
}

void ReportWorkers::Work(size_t worker) {
  ReportRecordParser parser(spec_);
  for (size_t i = worker; i < hours_.size(); i += filters_.size()) {
    if (!ReadHour(worker, hours_[i], &parser)) return;
  }
}

// False when the workers stop or the hour's stream failed: nothing after
// it will be read.
bool ReportWorkers::ReadHour(size_t worker, int64_t hour, ReportRecordParser* parser) {
  StreamOptions options = base_;
  options.filter = &filters_[worker];
  options.projection = nullptr;
  options.hours = {hour};
  RecordStream stream(std::move(options));
  std::unique_ptr<ReportBatch> batch = TakeFree(worker);
  if (!batch) return false;
  while (stream.Next()) {
    if (batch->size == kBatchRecords) {
      Push(worker, std::move(batch));
      if (!(batch = TakeFree(worker))) return false;
    }
    if (batch->entries.size() == batch->size) batch->entries.emplace_back();
    ReportBatch::Entry& entry = batch->entries[batch->size++];
    const RecordView& r = stream.record();
    entry.timestamp_ms = r.timestamp_ms;
    entry.parsed = parser->Parse(r.json, &entry.record);
    if (!entry.parsed.ok()) entry.id = std::string(r.id);
  }
  batch->hour_done = true;
  batch->hour_status = stream.status();
  batch->hour_problems = stream.problems();
  Push(worker, std::move(batch));
  return stream.status().ok();
}

const ReportBatch* ReportWorkers::Next() {
  MutexLock lock(&mu_);
  if (held_) {
    lanes_[held_lane_]->free.push_back(std::move(held_));
    changed_.SignalAll();
  }
  if (next_hour_ >= hours_.size()) return nullptr;
  held_lane_ = next_hour_ % lanes_.size();
  Lane& lane = *lanes_[held_lane_];
  while (lane.full.empty()) changed_.Wait();
  held_ = std::move(lane.full.front());
  lane.full.pop_front();
  if (held_->hour_done) next_hour_ = held_->hour_status.ok() ? next_hour_ + 1 : hours_.size();
  return held_.get();
}

}  // namespace kpi
