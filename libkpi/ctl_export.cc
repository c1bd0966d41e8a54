#include "libkpi/ctl_export.h"

#include "libkpi/exit_codes.h"
#include "libkpi/time_util.h"

namespace kpi {

Status ExportRecords(Query* query, OutputSink* sink, ProgressLine* progress, ExportResult* result,
                     ReadProblems* problems) {
  RecordStream stream(query->ToStreamOptions());
  Status s;
  while (s.ok() && stream.Next()) {
    s = sink->AppendLine(stream.record().json);
    progress->Update(stream.records_returned(), stream.stats().input_bytes, sink->bytes_in());
  }
  if (s.ok()) s = stream.status();
  result->records = stream.records_returned();
  result->bytes = sink->bytes_in();
  problems->insert(problems->end(), stream.problems().begin(), stream.problems().end());
  progress->Done(result->records, stream.stats().input_bytes, result->bytes);
  return s;
}

uint64_t EstimateInputBytes(const std::vector<std::string>& data_dirs, const TimeRange& range) {
  uint64_t total = 0;
  for (const StoreLayout& layout : LayoutsFor(data_dirs)) {
    std::vector<ListedFile> files, wals;
    if (!layout.ListSegments(range.from_ms, range.to_ms, &files).ok()) continue;
    if (layout.ListWals(range.from_ms, range.to_ms, &wals).ok()) {
      files.insert(files.end(), wals.begin(), wals.end());
    }
    for (const ListedFile& f : files) total += f.size;
  }
  return total;
}

Status ExportAndFinish(const ExportArgs& args, Query* query, OutputSink* sink,
                       ReadProblems* problems) {
  const bool show = ProgressLine::ShouldShow(args.progress);
  ProgressLine progress(show, show ? EstimateInputBytes(query->data_dirs, query->range) : 0);
  ExportResult result;
  Status s = ExportRecords(query, sink, &progress, &result, problems);
  if (s.ok()) s = sink->Finish();
  return s;
}

Status OpenExportOutput(const ExportArgs& args, std::unique_ptr<OutputSink>* out) {
  if (args.output.empty() || args.output == "-") {
    *out = OutputSink::Stdout();
    return Status::OK();
  }
  return OutputSink::OpenFile(args.output, args.zstd_level, out);
}

int RunExport(const ExportArgs& args) {
  Query query;
  ReadProblems problems;
  Status s = Query::Parse(args.query, NowMs(), &query);
  if (!s.ok()) return ReportAndExit(s, problems, args.query.quiet);
  std::unique_ptr<OutputSink> sink;
  s = OpenExportOutput(args, &sink);
  if (!s.ok()) return ReportAndExit(s, problems, args.query.quiet);
  s = ExportAndFinish(args, &query, sink.get(), &problems);
  return ReportAndExit(s, problems, args.query.quiet);
}

}  // namespace kpi
