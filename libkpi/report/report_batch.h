// ReportBatch: consecutive records of one hour, parsed by a ReportWorkers
// thread for the thread that aggregates them, and what that hour's
// RecordStream ended with when the batch is the hour's last.
//
// Thread-safety: a value, handed between threads under ReportWorkers' lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/read/read_problem.h"
#include "libkpi/report/report_record.h"
#include "libkpi/util/status.h"

namespace kpi {

struct ReportBatch {
  struct Entry {
    int64_t timestamp_ms = 0;
    ReportRecord record;
    Status parsed;   // ReportRecordParser::Parse's answer
    std::string id;  // the record's id, kept only when `parsed` failed
  };

  // entries[0, size) are this batch's; the rest are buffers kept for reuse.
  std::vector<Entry> entries;
  size_t size = 0;

  bool hour_done = false;  // the hour's last batch: the two below are set
  Status hour_status;      // the hour's RecordStream::status()
  ReadProblems hour_problems;

  void Clear() {
    size = 0;
    hour_done = false;
    hour_status = Status::OK();
    hour_problems.clear();
  }
};

}  // namespace kpi
