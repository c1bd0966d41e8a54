// kpictl verify: checks every file of a range's hours, including leftovers
// that readers skip (superseded inputs, WALs beside their segments).
//
// Segments: the header frame, the footer and index (checksums, contiguous
// blocks), every block (zstd frame and checksum, crc32c, record count, first
// id and timestamp bounds against the index), and across blocks: records in
// strictly increasing order-key order, all inside the segment's hour, the
// header agreeing with the file name.
// WALs: the header and its name, every frame's crc32c, each record's _id and
// timestamp against its frame, seqs increasing, timestamps in the hour.
//
// A WAL's valid prefix may end before the file does. If what follows holds
// no valid frame, it is a torn tail (a write in progress, or a crash that
// kpid's recovery truncates; those bytes were never acknowledged): a
// warning. If a valid frame follows the damage, acknowledged records were
// lost: damage.
//
// Output: one summary line on stdout; each problem on stderr with its file
// and offset. Exit 3 when anything is damaged, 0 when there are only
// warnings.
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
#include "libkpi/util/coding.h"
#include "libkpi/util/crc32c.h"
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
    Status s = SegmentReader::Open(file_.path, &reader);
    if (s.IsNotFound()) return Status::OK();  // compacted or purged meanwhile
    ++report_->segments;
    if (s.IsCorruption()) {
      Damage(-1, -1, s);
      return Status::OK();
    }
    KPI_RETURN_IF_ERROR(s);
    if (reader->header_damaged()) Problem(-1, 0, "header frame damaged");
    if (reader->index_damaged()) Problem(-1, -1, "index damaged: " + reader->index_problem());
    CheckHeader(reader->header(), reader->header_damaged());
    std::vector<RecordView> records;
    for (size_t i = 0; i < reader->blocks().size(); ++i) {
      ++report_->blocks;
      const int64_t offset = static_cast<int64_t>(reader->blocks()[i].offset);
      s = reader->ReadBlock(i, &records);
      if (!s.ok()) {
        Damage(static_cast<int64_t>(i), offset, s);
        continue;
      }
      for (const RecordView& r : records) CheckRecord(static_cast<int64_t>(i), offset, r);
    }
    return Status::OK();
  }

 private:
  void Damage(int64_t block, int64_t offset, const Status& s) {
    report_->problems.push_back(
        ReadProblem::FromStatus(Severity::kDamage, file_.path, block, offset, s));
  }
  void Problem(int64_t block, int64_t offset, std::string message) {
    report_->problems.push_back(
        ReadProblem{Severity::kDamage, file_.path, block, offset, std::move(message)});
  }

  void CheckHeader(const segment::Header& h, bool damaged) {
    if (damaged) return;
    if (h.hour_ms != file_.key.hour_ms || h.writer != file_.key.writer || h.seq != file_.key.seq) {
      Problem(-1, 0,
              "header says hour " + FormatHour(h.hour_ms) + ", writer " + h.writer + ", seq " +
                  std::to_string(h.seq) + ", which does not match its name");
    }
  }

  void CheckRecord(int64_t block, int64_t offset, const RecordView& r) {
    ++report_->records;
    if (HourStart(r.timestamp_ms) != file_.key.hour_ms) {
      Problem(block, offset,
              "record " + std::string(r.id) + " at " + FormatIso(r.timestamp_ms) +
                  " is outside the segment's hour");
    }
    const bool ordered =
        !have_prev_ || r.timestamp_ms > prev_ts_ || (r.timestamp_ms == prev_ts_ && r.id > prev_id_);
    if (!ordered) {
      Problem(block, offset,
              "record " + std::string(r.id) + " is not after " + prev_id_ +
                  " in (timestamp, _id) order");
    }
    have_prev_ = true;
    prev_ts_ = r.timestamp_ms;
    prev_id_.assign(r.id);
  }

  const ListedFile& file_;
  VerifyReport* report_;
  bool have_prev_ = false;
  int64_t prev_ts_ = 0;
  std::string prev_id_;
};

// Whether a frame with a matching checksum starts somewhere in
// (from, to) of the file: then the bytes at `from` are damage, not a torn tail.
bool ValidFrameFollows(const std::string& path, uint64_t from, uint64_t to, uint64_t* at) {
  constexpr uint64_t kMaxSearch = 256ull << 20;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string buf(static_cast<size_t>(std::min(to - from, kMaxSearch)), '\0');
  const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(from));
  ::close(fd);
  if (n <= 0) return false;
  buf.resize(static_cast<size_t>(n));
  for (size_t p = 1; p + wal::kFrameHeaderSize <= buf.size(); ++p) {
    const uint32_t len = DecodeFixed32(&buf[p + 4]);
    if (len == 0 || len > wal::kMaxPayload || p + wal::kFrameHeaderSize + len > buf.size())
      continue;
    if (crc32c::Value(&buf[p + 4], wal::kFrameHeaderSize - 4 + len) == DecodeFixed32(&buf[p])) {
      *at = from + p;
      return true;
    }
  }
  return false;
}

Status VerifyWal(const ListedFile& file, VerifyReport* report) {
  auto problem = [&](Severity severity, int64_t offset, std::string message) {
    report->problems.push_back(ReadProblem{severity, file.path, -1, offset, std::move(message)});
  };
  uint64_t prev_seq = 0;
  wal::WalScanResult result;
  Status s = wal::ScanWal(
      file.path,
      [&](const wal::WalRecord& r) {
        ++report->records;
        const auto offset = static_cast<int64_t>(r.offset);
        std::string_view id;
        int64_t ts = 0;
        const auto parsed =
            ParseRecordPrefix(r.json, &id, &ts) ? RecordId::Parse(id) : std::nullopt;
        if (!parsed || ts != r.timestamp_ms || parsed->seq != r.seq ||
            parsed->writer != file.key.writer) {
          problem(Severity::kDamage, offset,
                  "record does not agree with its frame (_id, timestamp)");
        }
        if (HourStart(r.timestamp_ms) != file.key.hour_ms) {
          problem(Severity::kDamage, offset,
                  "timestamp " + FormatIso(r.timestamp_ms) + " is outside the WAL's hour");
        }
        if (r.seq <= prev_seq) problem(Severity::kDamage, offset, "seq does not increase");
        prev_seq = r.seq;
        return true;
      },
      &result);
  if (s.IsNotFound()) return Status::OK();  // sealed meanwhile: its segment is checked
  ++report->wals;
  if (s.IsCorruption()) {
    report->problems.push_back(ReadProblem::FromStatus(Severity::kDamage, file.path, -1, -1, s));
    return Status::OK();
  }
  KPI_RETURN_IF_ERROR(s);
  if (result.key != file.key) problem(Severity::kDamage, 0, "header does not match the file name");
  if (result.tail_problem.empty()) return Status::OK();
  uint64_t at = 0;
  if (ValidFrameFollows(file.path, result.valid_bytes, result.file_bytes, &at)) {
    problem(Severity::kDamage, static_cast<int64_t>(result.valid_bytes),
            ReadProblem::WithoutOffset(result.tail_problem) + ", yet a valid frame follows at " +
                "offset " + std::to_string(at) + ": records in between are lost");
  } else {
    problem(
        Severity::kWarning, static_cast<int64_t>(result.valid_bytes),
        "torn tail of " + std::to_string(result.file_bytes - result.valid_bytes) + " bytes (" +
            ReadProblem::WithoutOffset(result.tail_problem) +
            "): a write in progress or a crash; never acknowledged, kpid truncates it at start");
  }
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
