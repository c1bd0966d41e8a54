#include "libkpi/report/report_query.h"

#include <algorithm>

#include "libkpi/report/report_aggregator.h"
#include "libkpi/report/report_workers.h"

namespace kpi {
namespace {

// A line that is not a JSON object is counted and skipped; any other error
// ends the report.
Status Unparsed(const Status& s, std::string_view id, ReadProblems* problems) {
  if (!s.IsCorruption()) return s;
  problems->push_back(ReadProblem::FromStatus(ReadProblem::Severity::kWarning,
                                              "record " + std::string(id), -1, -1, s));
  return Status::OK();
}

Status AggregateOnThisThread(Query* query, ReportAggregator* aggregator, ReadProblems* problems) {
  RecordStream stream(query->ToStreamOptions());
  while (stream.Next()) {
    const RecordView& r = stream.record();
    Status s = aggregator->Add(r.timestamp_ms, r.json);
    if (!s.ok()) KPI_RETURN_IF_ERROR(Unparsed(s, r.id, problems));
  }
  problems->insert(problems->end(), stream.problems().begin(), stream.problems().end());
  return stream.status();
}

// The same pass with the hours read by workers. The checks and the listing
// RecordStream::Start makes are made here, once for all of them.
Status AggregateOnWorkers(Query* query, const ReportSpec& spec, size_t threads,
                          ReportAggregator* aggregator, ReadProblems* problems) {
  std::vector<int64_t> hours;
  KPI_RETURN_IF_ERROR(ListRangeHours(LayoutsFor(query->data_dirs), query->range.from_ms,
                                     query->range.to_ms, &hours));
  if (hours.empty()) return Status::OK();
  std::vector<RecordFilter> filters(std::min(threads, hours.size()));
  for (RecordFilter& filter : filters) KPI_RETURN_IF_ERROR(query->filter.Copy(&filter));
  ReportWorkers workers(query->ToStreamOptions(), std::move(filters), spec, std::move(hours));
  ReadProblems stream_problems;
  Status stream_status;
  while (const ReportBatch* batch = workers.Next()) {
    for (size_t i = 0; i < batch->size; ++i) {
      const ReportBatch::Entry& e = batch->entries[i];
      Status s = e.parsed.ok() ? aggregator->AddParsed(e.timestamp_ms, e.record) : e.parsed;
      if (!s.ok()) KPI_RETURN_IF_ERROR(Unparsed(s, e.id, problems));
    }
    if (batch->hour_done) {
      stream_problems.insert(stream_problems.end(), batch->hour_problems.begin(),
                             batch->hour_problems.end());
      stream_status = batch->hour_status;
    }
  }
  problems->insert(problems->end(), stream_problems.begin(), stream_problems.end());
  return stream_status;
}

}  // namespace

Status BuildReport(Query* query, const ReportSpec& spec, Report* report, ReadProblems* problems,
                   size_t threads) {
  KPI_RETURN_IF_ERROR(spec.Validate());
  ReportAggregator aggregator(spec, query->range.from_ms, query->range.to_ms);
  const bool on_workers = threads > 1 && query->projection.empty();
  KPI_RETURN_IF_ERROR(on_workers
                          ? AggregateOnWorkers(query, spec, threads, &aggregator, problems)
                          : AggregateOnThisThread(query, &aggregator, problems));
  *report = aggregator.Finish();
  return Status::OK();
}

}  // namespace kpi
