// kpictl verify: checks every file of a range's hours, including leftovers
// that readers skip (superseded inputs, WALs beside their segments), by the
// rules of format-spec: segments as segment.md §3-§5 and §9 say (header and
// its agreement with the path, index, every block, order across blocks),
// WALs as wal.md §5 says (header, frames, records against their frames,
// seqs, torn tails, damaged stretches followed by valid frames).
//
// Output: one summary line on stdout; each problem on stderr as
// "<file>: [block <i> at ]offset <n>: <kind>: <why>" (segment.md §12).
// Exit 3 when anything is damaged, 0 when there are only warnings.
//
// Thread-safety: runs on the calling thread.
#include <cstdint>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "kpictl/common.h"
#include "libkpi/env/output_sink.h"
#include "libkpi/format/wal.h"
#include "libkpi/read/record_stream.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/util/time_util.h"

namespace kpi {

struct VerifyArgs {
  QueryArgs query;
};

struct VerifyReport {
  uint64_t segments = 0;
  uint64_t blocks = 0;
  uint64_t wals = 0;
  uint64_t records = 0;  // in checked segments and WALs, leftovers included
  ReadProblems problems;

  std::string Summary() const;
};

Status VerifyStore(const std::vector<std::string>& data_dirs, const TimeRange& range,
                   VerifyReport* report);

namespace {

using Severity = ReadProblem::Severity;

// Checks one segment beyond what SegmentReader checks per block: the order
// across blocks, the hour, and the header against the name.
class SegmentVerifier {
 public:
  SegmentVerifier(const ListedFile& file, VerifyReport* report) : file_(file), report_(report) {}

  Status Run() {
    std::unique_ptr<SegmentReader> reader;
    Status s = SegmentReader::OpenListed(file_.path, file_.key, &reader);
    if (s.IsNotFound()) return Status::OK();  // compacted or purged meanwhile
    ++report_->segments;
    if (s.code() == Status::Code::kUnsupported) {
      report_->problems.push_back(UnsupportedProblem(file_.path, s));
      return Status::OK();
    }
    KPI_RETURN_IF_ERROR(s);
    for (ReadProblem& p : reader->OpenProblems()) report_->problems.push_back(std::move(p));
    std::vector<RecordView> records;
    for (size_t i = 0; i < reader->blocks().size(); ++i) {
      ++report_->blocks;
      s = reader->ReadBlock(i, &records);
      if (!s.ok()) {
        report_->problems.push_back(reader->BlockProblem(i, s));
        continue;
      }
      report_->records += records.size();
      CheckOrder(i, reader->blocks()[i].offset, records);
    }
    return Status::OK();
  }

 private:
  // segment.md §4: the first record of a block after the last of the block
  // before it (the last valid one read); within a block ReadBlock checked it.
  void CheckOrder(size_t i, uint64_t offset, const std::vector<RecordView>& records) {
    const RecordView& first = records.front();
    if (have_prev_ &&
        !OrderKeyLess(prev_ts_, std::string_view(prev_id_), first.timestamp_ms, first.id)) {
      report_->problems.push_back(ReadProblem::OfKind(
          Severity::kDamage, file_.path, static_cast<int64_t>(i), static_cast<int64_t>(offset),
          "order", "record " + std::string(first.id) + " is not after " + prev_id_ +
                       " in (timestamp, _id) order"));
    }
    have_prev_ = true;
    prev_ts_ = records.back().timestamp_ms;
    prev_id_.assign(records.back().id);
  }

  const ListedFile& file_;
  VerifyReport* report_;
  bool have_prev_ = false;
  int64_t prev_ts_ = 0;
  std::string prev_id_;
};

// wal.md §5 and §6: the scan itself finds damaged stretches, torn tails,
// records that disagree with their frames and seqs that do not increase.
Status VerifyWal(const ListedFile& file, VerifyReport* report) {
  wal::WalScanResult result;
  const Status s = ScanWalReporting(file.path, -1, nullptr, &result, &report->problems);
  if (s.IsNotFound()) return Status::OK();  // sealed meanwhile: its segment is checked
  KPI_RETURN_IF_ERROR(s);
  ++report->wals;
  report->records += result.records;
  return Status::OK();
}

}  // namespace

std::string VerifyReport::Summary() const {
  uint64_t damaged = 0;
  for (const ReadProblem& p : problems) damaged += p.damage();
  return "verified " + std::to_string(segments) + " segments (" + std::to_string(blocks) +
         " blocks), " + std::to_string(wals) + " WALs, " + std::to_string(records) +
         " records: " + std::to_string(damaged) + " damaged, " +
         std::to_string(problems.size() - damaged) + " warnings\n";
}

Status VerifyStore(const std::vector<std::string>& data_dirs, const TimeRange& range,
                   VerifyReport* report) {
  const std::vector<StoreLayout> layouts = LayoutsFor(data_dirs);
  KPI_RETURN_IF_ERROR(CheckDataDirs(layouts));
  for (const StoreLayout& layout : layouts) {
    std::vector<ListedFile> segments, wals;
    KPI_RETURN_IF_ERROR(layout.ListSegments(range.from_ms, range.to_ms, &segments));
    KPI_RETURN_IF_ERROR(layout.ListWals(range.from_ms, range.to_ms, &wals));
    for (const ListedFile& f : segments) KPI_RETURN_IF_ERROR(SegmentVerifier(f, report).Run());
    for (const ListedFile& f : wals) KPI_RETURN_IF_ERROR(VerifyWal(f, report));
  }
  return Status::OK();
}

int RunVerify(const VerifyArgs& args) {
  Query query;
  VerifyReport report;
  Status s = Query::Parse(args.query, NowMs(), &query);
  if (s.ok()) s = VerifyStore(query.data_dirs, query.range, &report);
  if (s.ok()) s = WriteAll(STDOUT_FILENO, report.Summary(), "standard output");
  return ReportAndExit(s, report.problems, args.query.quiet);
}

}  // namespace kpi

namespace kpictl {

CommandMain AddVerifyCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::VerifyArgs>();
  AddRangeArgument(sub, &args->query.range);
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunVerify(*args);
  };
}

}  // namespace kpictl
