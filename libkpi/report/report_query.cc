#include "libkpi/report/report_query.h"

#include "libkpi/report/report_aggregator.h"

namespace kpi {

Status BuildReport(Query* query, const ReportSpec& spec, Report* report, ReadProblems* problems) {
  KPI_RETURN_IF_ERROR(spec.Validate());
  ReportAggregator aggregator(spec, query->range.from_ms, query->range.to_ms);
  RecordStream stream(query->ToStreamOptions());
  while (stream.Next()) {
    const RecordView& r = stream.record();
    Status s = aggregator.Add(r.timestamp_ms, r.json);
    if (s.IsCorruption()) {
      problems->push_back(ReadProblem::FromStatus(ReadProblem::Severity::kWarning,
                                                  "record " + std::string(r.id), -1, -1, s));
      continue;
    }
    KPI_RETURN_IF_ERROR(s);
  }
  problems->insert(problems->end(), stream.problems().begin(), stream.problems().end());
  KPI_RETURN_IF_ERROR(stream.status());
  *report = aggregator.Finish();
  return Status::OK();
}

}  // namespace kpi
