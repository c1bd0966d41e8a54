// ReportAggregator: one streaming pass over records in timestamp order
// (as RecordStream yields them) into a Report.
//
// Memory is bounded whatever the range: the open period and the whole-range
// total each hold one accumulator (a LogHistogram, 4 KiB) per key in use,
// and keys are capped (ReportSpec::kMaxGroupValues per group, the rest
// "Other"); a finished period keeps only its figures (~300 bytes a cell).
// So a report needs about 8 KiB × keys + 300 B × non-empty cells.
//
// Finish() closes the last period, appends the total row and applies
// suppression (report_suppression.h).
//
// Thread-safety: not thread-safe; one aggregator per report.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/report/log_histogram.h"
#include "libkpi/report/report.h"
#include "libkpi/report/report_record.h"
#include "libkpi/util/status.h"

namespace kpi {

class ReportAggregator {
 public:
  ReportAggregator(ReportSpec spec, int64_t range_from_ms, int64_t range_to_ms);
  ~ReportAggregator();

  // Adds one stored record line with its timestamp. InvalidArgument when
  // timestamps go back to an earlier period; Corruption for a line that is
  // not a JSON object (the caller may count it and go on).
  Status Add(int64_t timestamp_ms, std::string_view json);
  // Adds an already parsed record (tests, and Add itself).
  Status AddParsed(int64_t timestamp_ms, const ReportRecord& record);

  // The report; the aggregator is spent afterwards.
  Report Finish();

 private:
  struct Accumulator {
    CellFigures figures;
    LogHistogram success_ms;
    // `success_bucket`: LogHistogram::BucketOf the time to success.
    void Add(const ReportRecord& r, size_t funnel_steps, int success_bucket);
    CellFigures Close() const;
  };

  size_t KeyOf(size_t group, std::string_view label);
  void ClosePeriod();
  void SortKeys();
  Accumulator* Open(std::vector<std::unique_ptr<Accumulator>>* accumulators, size_t key);

  Report report_;
  ReportRecordParser parser_;
  ReportRecord record_;
  std::vector<std::map<std::string, size_t, std::less<>>> key_index_;  // per group: label → key
  bool period_open_ = false;
  int64_t period_start_ = 0;
  std::vector<std::unique_ptr<Accumulator>> period_;  // by key; null: no record yet
  std::vector<std::unique_ptr<Accumulator>> total_;
  std::vector<size_t> keys_of_record_;
};

}  // namespace kpi
