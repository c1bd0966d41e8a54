// kpictl export: the records of a range as JSON lines, to stdout or a file
// (".zst" compresses), optionally filtered and projected.
//
// Without --fields each output line is exactly the stored line plus '\n', so
// an export re-imported or compared byte for byte matches the store.
// Records come in order-key order across every data directory. Damaged
// blocks are skipped, reported on stderr, and make the exit code 3; the
// output then holds every readable record.
//
// Thread-safety: runs on the calling thread.
#include <cstdint>
#include <string>
#include <sys/stat.h>

#include "kpictl/common.h"
#include "kpictl/exit_codes.h"
#include "kpictl/progress_line.h"
#include "libkpi/env/output_sink.h"
#include "libkpi/read/csv_writer.h"
#include "libkpi/util/time_util.h"

namespace kpi {

struct ExportArgs {
  QueryArgs query;
  std::string output;  // "" or "-": stdout
  int progress = -1;   // -1: when stderr is a terminal, 0 never, 1 always
  int zstd_level = 3;
};

struct ExportResult {
  uint64_t records = 0;
  uint64_t bytes = 0;  // uncompressed JSON bytes written
};

// Streams `query` into `sink` (not finished here), reporting to `progress`.
Status ExportRecords(Query* query, OutputSink* sink, ProgressLine* progress, ExportResult* result,
                     ReadProblems* problems);

// ExportRecords with the progress line args.progress asks for, then
// finishes `sink` (only when the export succeeded).
Status ExportAndFinish(const ExportArgs& args, Query* query, OutputSink* sink,
                       ReadProblems* problems);

// Where the export goes: stdout for "" or "-", else args.output (zstd
// compressed at args.zstd_level when it ends in .zst).
Status OpenExportOutput(const ExportArgs& args, std::unique_ptr<OutputSink>* out);

// Bytes of the segment and WAL files of `range`, for progress estimates.
uint64_t EstimateInputBytes(const std::vector<std::string>& data_dirs, const TimeRange& range);

// The whole command; returns the exit code (exit_codes.h).

}  // namespace kpi

// kpictl export --format csv: the records of a range as a CSV table
// (csv_writer.h describes the columns and quoting), to stdout or a file
// (".zst" compresses), with the same range, --where, --fields, order and
// damage handling as the JSON lines export (ctl_export.h).
//
// The columns come from a schema: `schema_file` when given, else the
// installed default (KPI_DEFAULT_SCHEMA, the file kpid reads by default)
// when present, else the built-in copy of packaging/schema.json. Members a
// record holds but the schema does not name are left out, and a note says
// how many.
//
// Thread-safety: runs on the calling thread.

namespace kpi {

// The whole command; returns the exit code (exit_codes.h).
int RunCsvExport(const ExportArgs& args, const std::string& schema_file);

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

namespace {

Status LoadCsvSchema(const std::string& schema_file, Schema* schema) {
  struct stat st;
  if (schema_file.empty() && ::stat(KPI_DEFAULT_SCHEMA, &st) != 0) {
    *schema = Schema::Default();
    return Status::OK();
  }
  const std::string path = schema_file.empty() ? KPI_DEFAULT_SCHEMA : schema_file;
  Status s = Schema::LoadFile(path, schema);
  if (!s.ok() && s.code() != Status::Code::kInvalidArgument) {
    // A schema that cannot be read is the caller's option gone wrong, not the store's.
    return Status::InvalidArgument("--schema: " + s.ToString());
  }
  return s;
}

// An OutputSink that turns the JSON lines appended to it into CSV rows for
// `out`, so the CSV export is the JSON lines export (ExportRecords) with
// another sink: the same stream, progress and problem reporting.
class CsvSink final : public OutputSink {
 public:
  CsvSink(std::unique_ptr<CsvWriter> csv, std::unique_ptr<OutputSink> out)
      : OutputSink(/*converts_lines=*/true), csv_(std::move(csv)), out_(std::move(out)) {}

  const CsvWriter& csv() const { return *csv_; }
  Status WriteHeader() { return out_->AppendLine(csv_->HeaderRow()); }
  Status Finish() override { return out_->Finish(); }

 protected:
  Status ConvertLine(std::string_view line) override {
    bytes_in_ += line.size() + 1;
    return out_->AppendLineBuiltBy(
        [this, line](std::string* buffer) { return csv_->AppendFormattedRow(line, buffer); });
  }
  Status Drain() override { return Status::OK(); }  // nothing is buffered here

 private:
  std::unique_ptr<CsvWriter> csv_;
  std::unique_ptr<OutputSink> out_;
};

Status OpenCsvSink(const ExportArgs& args, const Schema& schema, Query* query,
                   std::unique_ptr<CsvSink>* sink) {
  std::unique_ptr<CsvWriter> csv;
  KPI_RETURN_IF_ERROR(CsvWriter::Create(schema, &query->projection, &csv));
  std::unique_ptr<OutputSink> out;
  KPI_RETURN_IF_ERROR(OpenExportOutput(args, &out));
  *sink = std::make_unique<CsvSink>(std::move(csv), std::move(out));
  return (*sink)->WriteHeader();
}

}  // namespace

int RunCsvExport(const ExportArgs& args, const std::string& schema_file) {
  Query query;
  ReadProblems problems;
  Schema schema = Schema::Default();
  std::unique_ptr<CsvSink> sink;
  Status s = Query::Parse(args.query, NowMs(), &query);
  if (s.ok()) s = LoadCsvSchema(schema_file, &schema);
  if (s.ok()) s = OpenCsvSink(args, schema, &query, &sink);
  if (!s.ok()) return ReportAndExit(s, problems, args.query.quiet);
  s = ExportAndFinish(args, &query, sink.get(), &problems);
  const uint64_t unknown = sink->csv().unknown_members();
  if (s.ok() && unknown > 0 && !args.query.quiet) {
    PrintNote(std::to_string(unknown) +
              " members not named by the schema were left out of the CSV (give --schema "
              "with the schema they were stored under)");
  }
  return ReportAndExit(s, problems, args.query.quiet);
}

}  // namespace kpi

namespace kpictl {

CommandMain AddExportCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::ExportArgs>();
  AddRangeArgument(sub, &args->query.range);
  AddWhereOption(sub, &args->query.where);
  sub->add_option("--fields", args->query.fields,
                  "keep only these members, comma-separated (_id is kept unless -_id is "
                  "given; -name drops a member)")
      ->allow_extra_args(false)
      ->type_name("LIST");
  sub->add_option("-o,--output", args->output,
                  "write to FILE instead of stdout; FILE.zst is zstd-compressed")
      ->type_name("FILE");
  sub->add_option("--zstd-level", args->zstd_level, "compression level for -o FILE.zst")
      ->check(CLI::Range(1, 19));
  auto* on = sub->add_flag_function(
      "--progress", [args](int64_t) { args->progress = 1; }, "show progress on stderr");
  auto* off = sub->add_flag_function(
      "--no-progress", [args](int64_t) { args->progress = 0; },
      "never show progress (default: only when stderr is a terminal)");
  on->excludes(off);
  // --format csv (and the schema naming its columns): ctl_export_csv.h.
  auto format = std::make_shared<std::string>("jsonl");
  auto schema = std::make_shared<std::string>();
  sub->add_option("--format", *format,
                  "jsonl (default): the stored lines; csv: one column per schema field, "
                  "objects flattened (screen_size.width), a header row")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->type_name("FORMAT");
  sub->add_option("--schema", *schema,
                  "schema file naming the CSV columns (default: the installed "
                  "schema.json, else the built-in one)")
      ->type_name("FILE");
  return [args, format, schema, &global] {
    FillGlobals(global, &args->query);
    if (*format == "csv") return kpi::RunCsvExport(*args, *schema);
    return kpi::RunExport(*args);
  };
}

}  // namespace kpictl
