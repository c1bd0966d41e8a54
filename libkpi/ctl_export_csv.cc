#include "libkpi/ctl_export_csv.h"

#include <sys/stat.h>

#include "libkpi/csv_writer.h"
#include "libkpi/exit_codes.h"
#include "libkpi/time_util.h"

namespace kpi {
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
      : csv_(std::move(csv)), out_(std::move(out)) {}

  const CsvWriter& csv() const { return *csv_; }
  Status WriteHeader() { return out_->AppendLine(csv_->HeaderRow()); }
  Status Finish() override {
    KPI_RETURN_IF_ERROR(Drain());
    return out_->Finish();
  }

 protected:
  Status Drain() override {
    std::string_view rest = buffer_;
    while (!rest.empty()) {
      const size_t end = rest.find('\n');  // AppendLine ended every line
      KPI_RETURN_IF_ERROR(csv_->FormatRow(rest.substr(0, end), &row_));
      KPI_RETURN_IF_ERROR(out_->AppendLine(row_));
      rest.remove_prefix(end + 1);
    }
    buffer_.clear();
    return Status::OK();
  }

 private:
  std::unique_ptr<CsvWriter> csv_;
  std::unique_ptr<OutputSink> out_;
  std::string row_;
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
