// ReportWorkers: reads and parses a report's records on several threads and
// hands them to one consumer in exactly the order one RecordStream over the
// whole range returns them.
//
// Worker w of n reads hours w, w + n, w + 2n, ... of `hours` (the range's,
// as ListStoreHours lists them), each through its own RecordStream, filter
// and ReportRecordParser, into batches of up to kBatchRecords records; a
// worker runs at most kBatchesPerWorker batches ahead of the consumer, so
// memory stays bounded whatever the range. The consumer takes the batches
// hour by hour (Next), so its aggregation sees every record in the
// sequential order: sums of weights, percentiles and the cap on a group's
// values come out the same, bit for bit, whatever n and the scheduling.
//
// An hour's last batch carries its stream's status and problems. After an
// hour whose status is not OK, Next ends (a single stream stops there too).
//
// Thread-safety: Next is for one consumer thread; the destructor stops the
// workers (wherever they are) and joins them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "libkpi/read/record_filter.h"
#include "libkpi/read/record_stream.h"
#include "libkpi/report/report_batch.h"
#include "libkpi/report/report_spec.h"
#include "libkpi/util/mutex.h"

namespace kpi {

class ReportWorkers {
 public:
  static constexpr size_t kBatchRecords = 256;
  static constexpr size_t kBatchesPerWorker = 4;

  // One worker per filter (each a copy of the query's); `base` gives the
  // data directories and range (its filter, projection and hours are
  // ignored). `spec` must outlive the workers. Starts the threads.
  ReportWorkers(const StreamOptions& base, std::vector<RecordFilter> filters,
                const ReportSpec& spec, std::vector<int64_t> hours);
  ~ReportWorkers();
  ReportWorkers(const ReportWorkers&) = delete;
  ReportWorkers& operator=(const ReportWorkers&) = delete;

  // The next batch, valid until the next call; nullptr after the last hour.
  const ReportBatch* Next();

 private:
  struct Lane;

  void Work(size_t worker);
  bool ReadHour(size_t worker, int64_t hour, ReportRecordParser* parser);
  // A cleared batch of `worker`'s, waiting for one; nullptr once stopping.
  std::unique_ptr<ReportBatch> TakeFree(size_t worker);
  void Push(size_t worker, std::unique_ptr<ReportBatch> batch);

  const StreamOptions base_;
  const ReportSpec& spec_;
  const std::vector<int64_t> hours_;
  std::vector<RecordFilter> filters_;  // filters_[w] is worker w's alone

  Mutex mu_;
  CondVar changed_{&mu_};
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Lane>> lanes_ GUARDED_BY(mu_);

  // The consumer's: the hour it reads, and the batch it holds.
  size_t next_hour_ = 0;
  std::unique_ptr<ReportBatch> held_;
  size_t held_lane_ = 0;

  std::vector<std::thread> threads_;
};

}  // namespace kpi
