// kpictl ls: the files holding a range's hours: segments and WALs, with
// hour, writer, seq, state, records, bytes, uncompressed bytes and ratio.
//
// States: sealed (a segment kpid sealed), compacted (written by compaction),
// open-wal (a WAL kpid may still append to), superseded (a compaction input
// not yet deleted: its records are read from the compacted segment) and
// sealed-wal (a WAL whose segment exists: its records are read from the
// segment). The last two are leftovers of a crash that recovery or the next
// compaction removes; ls shows them so nothing on disk is invisible.
//
// Output: an aligned table with a total line, or with --json one object per
// file per line: {"hour","writer","seq","state","records","bytes",
// "raw_bytes","ratio","path"}.
//
// Thread-safety: runs on the calling thread.
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

#include "libkpi/util/hex.h"
#include "kpictl/common.h"
#include "kpictl/text_table.h"
#include "libkpi/env/output_sink.h"
#include "libkpi/read/hour_snapshot.h"
#include "libkpi/util/json_line_builder.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

namespace kpi {

struct LsArgs {
  QueryArgs query;
  bool json = false;
};

struct StoreFileInfo {
  FileKey key;
  std::string path;
  std::string state;
  uint64_t records = 0;
  uint64_t bytes = 0;      // on disk
  uint64_t raw_bytes = 0;  // the JSON lines it holds
};

// Describes every file of the hours overlapping `range`, hour by hour.
Status ListStoreFiles(const std::vector<std::string>& data_dirs, const TimeRange& range,
                      std::vector<StoreFileInfo>* files, ReadProblems* problems);

std::string FormatLs(const std::vector<StoreFileInfo>& files, bool json);

namespace {

using Severity = ReadProblem::Severity;

void DescribeSegment(const SegmentReader& reader, StoreFileInfo* info) {
  info->records = reader.record_count();
  info->bytes = reader.file_size();
  for (const segment::BlockInfo& b : reader.blocks()) info->raw_bytes += b.uncompressed_size;
}

// Counts a WAL's records (through `fd` when open, else by path).
Status DescribeWal(const std::string& path, int fd, StoreFileInfo* info, ReadProblems* problems) {
  wal::WalScanResult result;
  auto count = [info](const wal::WalRecord& r) {
    info->raw_bytes += r.json.size() + 1;
    return true;
  };
  KPI_RETURN_IF_ERROR(ScanWalReporting(path, fd, count, &result, problems));
  info->records = result.records;
  info->bytes = result.file_bytes;
  return Status::OK();
}

// A listed file the snapshot left out; it may vanish meanwhile (then it is
// simply not shown).
Status DescribeSkipped(const SkippedFile& skipped, StoreFileInfo* info, bool* gone,
                       ReadProblems* problems) {
  info->key = skipped.listed.key;
  info->path = skipped.listed.path;
  info->state = skipped.is_wal ? "sealed-wal" : "superseded";
  Status s;
  if (skipped.is_wal) {
    s = DescribeWal(info->path, -1, info, problems);
  } else {
    std::unique_ptr<SegmentReader> reader;
    s = SegmentReader::Open(info->path, &reader);
    if (s.ok()) DescribeSegment(*reader, info);
    if (s.IsCorruption()) s = Status::OK();  // the compacted segment holds its records
  }
  *gone = s.IsNotFound();
  return *gone ? Status::OK() : s;
}

std::string Ratio(const StoreFileInfo& f) {
  if (f.bytes == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f",
                static_cast<double>(f.raw_bytes) / static_cast<double>(f.bytes));
  return buf;
}

}  // namespace

Status ListStoreFiles(const std::vector<std::string>& data_dirs, const TimeRange& range,
                      std::vector<StoreFileInfo>* files, ReadProblems* problems) {
  return ForEachHourSnapshot(
      data_dirs, range,
      [&](const HourSnapshot& snapshot) {
        for (const auto& file : snapshot.files()) {
          StoreFileInfo info;
          info.key = file->key();
          info.path = file->path();
          if (file->is_wal()) {
            info.state = "open-wal";
            KPI_RETURN_IF_ERROR(DescribeWal(file->path(), file->wal_fd(), &info, problems));
          } else {
            info.state = file->segment()->header().compacted() ? "compacted" : "sealed";
            DescribeSegment(*file->segment(), &info);
          }
          files->push_back(std::move(info));
        }
        for (const SkippedFile& skipped : snapshot.skipped()) {
          StoreFileInfo info;
          bool gone = false;
          KPI_RETURN_IF_ERROR(DescribeSkipped(skipped, &info, &gone, problems));
          if (!gone) files->push_back(std::move(info));
        }
        return Status::OK();
      },
      problems);
}

std::string FormatLs(const std::vector<StoreFileInfo>& files, bool json) {
  std::string out;
  if (json) {
    for (const StoreFileInfo& f : files) {
      JsonLineBuilder(&out)
          .Str("hour", FormatHour(f.key.hour_ms))
          .Str("writer", f.key.writer)
          .Str("seq", Hex16(f.key.seq))
          .Str("state", f.state)
          .Uint("records", f.records)
          .Uint("bytes", f.bytes)
          .Uint("raw_bytes", f.raw_bytes)
          .Double("ratio",
                  f.bytes ? static_cast<double>(f.raw_bytes) / static_cast<double>(f.bytes) : 0)
          .Str("path", f.path)
          .End();
    }
    return out;
  }
  TextTable table({"hour", "writer", "seq", "state", "records", "bytes", "raw", "ratio", "path"},
                  "LLLLRRRRL");
  StoreFileInfo total;
  for (const StoreFileInfo& f : files) {
    table.AddRow({FormatHour(f.key.hour_ms), f.key.writer, Hex16(f.key.seq), f.state,
                  std::to_string(f.records), FormatSize(f.bytes), FormatSize(f.raw_bytes), Ratio(f),
                  f.path});
    const bool counted = f.state != "superseded" && f.state != "sealed-wal";
    total.bytes += f.bytes;  // disk use counts leftovers too; records and raw bytes do not
    if (counted) total.records += f.records, total.raw_bytes += f.raw_bytes;
  }
  table.AddRow({"total", "", "", std::to_string(files.size()) + " files",
                std::to_string(total.records), FormatSize(total.bytes), FormatSize(total.raw_bytes),
                Ratio(total), ""});
  return table.Render();
}

int RunLs(const LsArgs& args) {
  Query query;
  ReadProblems problems;
  std::vector<StoreFileInfo> files;
  Status s = Query::Parse(args.query, NowMs(), &query);
  if (s.ok()) s = ListStoreFiles(query.data_dirs, query.range, &files, &problems);
  if (s.ok()) s = WriteAll(STDOUT_FILENO, FormatLs(files, args.json), "standard output");
  return ReportAndExit(s, problems, args.query.quiet);
}

}  // namespace kpi

namespace kpictl {

CommandMain AddLsCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::LsArgs>();
  AddRangeArgument(sub, &args->query.range);
  sub->add_flag("--json", args->json, "one JSON object per file per line");
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunLs(*args);
  };
}

}  // namespace kpictl
