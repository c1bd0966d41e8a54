// The write path under a failing disk (libkpi/fault_injection.h): short
// writes ending in EIO or ENOSPC, EIO on fdatasync, failed renames, unlinks
// and directory syncs, injected at every step. The invariant everywhere: what
// was acknowledged survives recovery, what failed is neither acknowledged nor
// half-visible. The binary ends by printing "faults injected: N, records
// lost: 0" (the README quotes it).
#include "testing/fault_injection.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libkpi/write/committer.h"
#include "libkpi/space/compactor.h"
#include "libkpi/space/purger.h"
#include "libkpi/read/record_stream.h"
#include "libkpi/format/wal.h"
#include "tests/unit/segment_test_util.h"
#include "tests/unit/write_path_test_util.h"

namespace kpi {
namespace {

using testing::ReadWholeFile;

// Totals over the whole binary, printed when it exits.
struct Tally {
  uint64_t faults = 0;
  uint64_t records_lost = 0;
  ~Tally() {
    std::printf("faults injected: %llu, records lost: %llu\n",
                static_cast<unsigned long long>(faults),
                static_cast<unsigned long long>(records_lost));
  }
};
Tally tally;

void Count(const FaultInjectingFileSystem& fs) { tally.faults += fs.faults_injected(); }

// Calls `fn` for every record of the store at `dir`, read as analysts read
// it (the query engine), which must meet no damage.
template <typename Fn>
void ForEachStored(const std::string& dir, Fn&& fn) {
  StreamOptions options;
  options.data_dirs = {dir};
  RecordStream stream(options);
  while (stream.Next()) fn(stream.record());
  REQUIRE(stream.status().ok());
  CHECK(stream.problems().empty());
}

const int64_t kHour = FromCivil(2026, 11, 29, 18);

std::string Line(uint64_t seq) {
  char id[24];
  std::snprintf(id, sizeof(id), "a1-%016llx", static_cast<unsigned long long>(seq));
  return "{\"_id\":\"" + std::string(id) + "\",\"timestamp\":" + std::to_string(kHour) +
         ",\"lang\":\"en-US\"}";
}

// The records a WAL yields on recovery, and whether its valid prefix is the
// whole file (no partial frame left behind).
struct Recovered {
  std::vector<std::string> lines;
  bool whole = false;
};

Recovered Recover(const std::string& path) {
  Recovered out;
  wal::WalScanResult result;
  const Status s = wal::ScanWal(
      path,
      [&](const wal::WalRecord& r) {
        out.lines.emplace_back(r.json);
        return true;
      },
      &result);
  REQUIRE(s.ok());
  out.whole = result.valid_bytes == result.file_bytes;
  return out;
}

// Lines the test expected to find but recovery did not, added to the tally.
void ExpectExactly(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  size_t missing = 0;
  for (const std::string& line : want) {
    if (std::find(got.begin(), got.end(), line) == got.end()) ++missing;
  }
  tally.records_lost += missing;
  CHECK(got == want);
}

struct WalFixture {
  testing::TempDir dir;
  StoreLayout layout{dir.path()};
  FileKey key{kHour, "a1", 1};
  WalFixture() { REQUIRE(layout.CreateDirectories().ok()); }
};

}  // namespace

TEST_CASE("a WAL append that fails part-way leaves no partial frame after recovery") {
  const int error = GENERATE(EIO, ENOSPC);
  const size_t prefix = GENERATE(size_t{0}, size_t{1}, size_t{23}, size_t{24}, size_t{30});
  ScopedFaultInjection faults;  // before the fixture: its layout takes Default()
  WalFixture f;
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE(wal::WalWriter::Create(f.layout, f.key, &w).ok());
  REQUIRE(w->Append(kHour, 1, Line(1)).ok());
  REQUIRE(w->Sync().ok());

  faults->Inject({FsOp::kAppend, 1, false, error, prefix, "/wal/"});
  const Status failed = w->Append(kHour, 2, Line(2));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.IsNoSpace() == (error == ENOSPC));
  CHECK(failed.message().find("injected fault") != std::string::npos);

  // The writer cut the partial frame away; after ENOSPC it stays usable.
  Recovered r = Recover(w->path());
  CHECK(r.whole);
  std::vector<std::string> want{Line(1)};
  if (error == ENOSPC) {
    REQUIRE(w->Append(kHour, 3, Line(3)).ok());
    REQUIRE(w->Sync().ok());
    want.push_back(Line(3));
  } else {
    CHECK_FALSE(w->Append(kHour, 3, Line(3)).ok());  // broken: the tail is unknown
    CHECK_FALSE(w->Sync().ok());
  }
  r = Recover(w->path());
  CHECK(r.whole);
  ExpectExactly(r.lines, want);
  Count(faults.fs());
}

TEST_CASE("a WAL whose cut-back also fails recovers to its last whole frame") {
  ScopedFaultInjection faults;  // before the fixture: its layout takes Default()
  WalFixture f;
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE(wal::WalWriter::Create(f.layout, f.key, &w).ok());
  REQUIRE(w->Append(kHour, 1, Line(1)).ok());
  REQUIRE(w->Sync().ok());
  faults->Inject({FsOp::kAppend, 1, false, ENOSPC, 17, "/wal/"});
  faults->Inject({FsOp::kTruncate, 1, false, EIO, 0, "/wal/"});
  REQUIRE_FALSE(w->Append(kHour, 2, Line(2)).ok());
  // The tail could not be cut: the writer must refuse to go on.
  CHECK_FALSE(w->Append(kHour, 3, Line(3)).ok());
  const Recovered r = Recover(w->path());
  CHECK_FALSE(r.whole);  // 17 bytes of a frame remain; the scan stops before them
  ExpectExactly(r.lines, {Line(1)});
  Count(faults.fs());
}

TEST_CASE("a failed WAL sync is never retried as a success") {
  ScopedFaultInjection faults;  // before the fixture: its layout takes Default()
  WalFixture f;
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE(wal::WalWriter::Create(f.layout, f.key, &w).ok());
  REQUIRE(w->Append(kHour, 1, Line(1)).ok());
  faults->Inject({FsOp::kSync, 1, false, EIO, 0, "/wal/"});
  const Status failed = w->Sync();
  REQUIRE_FALSE(failed.ok());
  // The fault fired once; the disk would now sync fine, but the writer must
  // not claim durability for pages the kernel may have dropped.
  CHECK(faults->faults_injected() == 1);
  CHECK(w->Sync().ToString() == failed.ToString());
  CHECK_FALSE(w->Append(kHour, 2, Line(2)).ok());
  Count(faults.fs());
}

TEST_CASE("WalWriter::Create failing at any step leaves no WAL that claims records") {
  const FsOp op = GENERATE(FsOp::kCreate, FsOp::kAppend, FsOp::kSync, FsOp::kSyncDir);
  ScopedFaultInjection faults;  // before the fixture: its layout takes Default()
  WalFixture f;
  faults->Inject({op, 1, false, EIO, 10, ""});
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE_FALSE(wal::WalWriter::Create(f.layout, f.key, &w).ok());
  CHECK(w == nullptr);
  CHECK_FALSE(boost::filesystem::exists(f.layout.WalPath(f.key)));
  Count(faults.fs());
}

namespace {

// Files in `dir` other than a writer's own temp file.
std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  if (!boost::filesystem::is_directory(dir)) return names;
  for (const auto& e : boost::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("a segment write failing at every step never publishes a partial segment") {
  const auto records = test::GenerateRecords("a1", 400, 7);
  const std::string want = test::JoinLines(records);
  SegmentWriterOptions options;
  options.block_bytes = 16 << 10;  // several blocks, so several appends
  const segment::Header header = test::TestHeader("a1", 1);

  // Count the file-system calls of a clean write: every one is a step to fail.
  uint64_t steps = 0;
  {
    test::TempDir dir;
    ScopedFaultInjection faults;
    REQUIRE(test::WriteSegment(dir / "a1.kpi.zst", header, options, records).ok());
    steps = faults->calls(FsOp::kAny);
  }
  REQUIRE(steps >= 6);  // create, appends, sync, rename, directory sync

  for (uint64_t n = 1; n <= steps; ++n) {
    for (size_t prefix : {size_t{0}, size_t{100}}) {
      CAPTURE(n, prefix);
      test::TempDir dir;
      const std::string path = dir / "a1.kpi.zst";
      ScopedFaultInjection faults;
      faults->Inject({FsOp::kAny, n, false, EIO, prefix, ""});
      const Status s = test::WriteSegment(path, header, options, records);
      CHECK(faults->faults_injected() == 1);
      Count(faults.fs());
      // Whatever failed, a segment under its final name is whole.
      if (boost::filesystem::exists(path)) {
        const test::ReadOutcome read = test::ReadEverything(path);
        REQUIRE(read.open.ok());
        CHECK(read.block_errors.empty());
        std::string got;
        for (const std::string& line : read.lines) got.append(line).push_back('\n');
        CHECK(got == want);
      } else {
        CHECK_FALSE(s.ok());
      }
      // At most the writer's temp file is left (when unlinking it failed too).
      for (const std::string& name : FilesIn(dir.path())) {
        CHECK((name == "a1.kpi.zst" || name == ".a1.kpi.zst.tmp"));
      }
    }
  }
}

namespace {

const int64_t kOldHour = FromCivil(2026, 1, 1, 10);  // finished: sealed on the next pass

CommitterOptions CommitOptions(const std::string& dir) {
  CommitterOptions o;
  o.data_dir = dir;
  o.writer_id = "f1";
  o.sync = SyncMode::kBatch;
  o.commit_window_us = 200;
  o.wal_max_bytes = 2048;  // rotate often: every fault meets WAL creation and sealing
  return o;
}

// What the committer acknowledged: id -> the unique number in the record's body.
struct Acks {
  std::mutex mu;
  std::map<std::string, int> number_of_id;
  int failed_records = 0;
};

// `threads` threads each commit `rounds` pairs of records numbered uniquely.
void CommitConcurrently(Committer* c, int threads, int rounds, Acks* acks) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([=] {
      for (int i = 0; i < rounds; ++i) {
        const int n = (t * rounds + i) * 2;
        std::vector<PendingRecord> records;
        for (int k : {n, n + 1}) {
          const int64_t ts = kOldHour + 600000 * (k % 6);
          records.push_back({ts, "\"timestamp\":" + std::to_string(ts) + ",\"n\":" +
                                     std::to_string(k) + "}"});
        }
        std::vector<RecordId> ids;
        const Status s = c->Commit(&records, &ids);
        std::lock_guard<std::mutex> lock(acks->mu);
        if (!s.ok()) {
          acks->failed_records += 2;
          continue;
        }
        acks->number_of_id[ids[0].ToString()] = n;
        acks->number_of_id[ids[1].ToString()] = n + 1;
      }
    });
  }
  for (std::thread& w : workers) w.join();
}

int NumberIn(std::string_view json) {
  const size_t at = json.find("\"n\":");
  return at == std::string_view::npos ? -1 : std::atoi(std::string(json.substr(at + 4)).c_str());
}

// Reads the store with the query engine and checks every acknowledged record
// is there exactly once with its own content; returns the records stored that
// were never acknowledged (allowed only where a sync failed after the write).
size_t CheckStore(const std::string& dir, const Acks& acks) {
  std::map<std::string, int> seen;
  size_t unacknowledged = 0;
  ForEachStored(dir, [&](const RecordView& r) {
    const std::string id(r.id);
    ++seen[id];
    const auto it = acks.number_of_id.find(id);
    if (it == acks.number_of_id.end()) {
      ++unacknowledged;
    } else {
      CHECK(NumberIn(r.json) == it->second);
    }
  });
  for (const auto& [id, count] : seen) {
    INFO(id);
    CHECK(count == 1);
  }
  size_t lost = 0;
  for (const auto& [id, number] : acks.number_of_id) lost += seen.count(id) == 0 ? 1 : 0;
  tally.records_lost += lost;
  CHECK(lost == 0);
  return unacknowledged;
}

}  // namespace

TEST_CASE("the committer under disk faults loses nothing it acknowledged") {
  struct Case {
    const char* name;
    FaultSpec fault;
  };
  const Case c = GENERATE(
      Case{"short write then EIO", {FsOp::kAppend, 3, false, EIO, 10, "/wal/"}},
      Case{"short write then ENOSPC", {FsOp::kAppend, 2, false, ENOSPC, 30, "/wal/"}},
      Case{"every write ENOSPC for a while", {FsOp::kAppend, 2, true, ENOSPC, 5, "/wal/"}},
      Case{"fdatasync EIO", {FsOp::kSync, 2, false, EIO, 0, "/wal/"}},
      Case{"fdatasync EIO twice", {FsOp::kSync, 1, true, EIO, 0, "/wal/"}},
      Case{"creating the next WAL fails", {FsOp::kCreate, 2, false, EIO, 0, "/wal/"}},
      Case{"sealing: segment write fails", {FsOp::kAppend, 1, false, EIO, 7, ".tmp"}},
      Case{"sealing: rename fails", {FsOp::kRename, 1, false, EIO, 0, ""}},
      Case{"sealing: directory sync fails", {FsOp::kSyncDir, 1, false, EIO, 0, "segments"}},
      Case{"sealing: WAL unlink fails", {FsOp::kRemove, 1, false, EIO, 0, "/wal/"}});
  CAPTURE(c.name);
  testing::TempDir dir;
  Acks acks;
  ScopedFaultInjection faults;  // outlives the committer's files
  {
    Committer committer(CommitOptions(dir.path()));
    REQUIRE(committer.Open().ok());
    CommitConcurrently(&committer, 4, 10, &acks);
    faults->Inject(c.fault);
    CommitConcurrently(&committer, 4, 10, &acks);
    static_cast<void>(committer.SealFinishedHours(NowMs()));
    // A repeating fault is a disk that recovers: stop it, and commits pass again.
    faults->ClearFaults();
    CommitConcurrently(&committer, 4, 5, &acks);
    static_cast<void>(committer.SealFinishedHours(NowMs()));
    committer.Close();
  }
  CHECK(faults->faults_injected() >= 1);
  CHECK(acks.number_of_id.size() + acks.failed_records == 4 * 25 * 2);
  // Restart: recovery seals whatever the faults left behind.
  {
    Committer committer(CommitOptions(dir.path()));
    REQUIRE(committer.Open().ok());
    committer.Close();
  }
  const size_t unacknowledged = CheckStore(dir.path(), acks);
  CHECK(unacknowledged <= static_cast<size_t>(acks.failed_records));
  Count(faults.fs());
}

namespace {

// Three segments of kTestHour with distinct ids: records 1..300 dealt out
// round-robin, so each segment is in order-key order on its own.
std::vector<Record> WriteInputSegments(const std::string& dir) {
  const std::vector<Record> all = test::GenerateRecords("a1", 300, 11);
  StoreLayout layout(dir);
  SegmentWriterOptions options;
  options.block_bytes = 8 << 10;
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    std::vector<Record> part;
    for (size_t i = seq - 1; i < all.size(); i += 3) part.push_back(all[i]);
    REQUIRE(test::WriteSegment(layout.SegmentPath({test::kTestHour, "a1", seq}),
                               test::TestHeader("a1", seq), options, part)
                .ok());
  }
  return all;
}

CompactOptions FastCompaction(const std::string& dir) {
  CompactOptions o;
  o.data_dirs = {dir};
  o.zstd_level = 1;
  o.block_bytes = 16 << 10;
  return o;
}

void CheckEveryRecordOnce(const std::string& dir, const std::vector<Record>& records) {
  std::map<std::string, int> want;
  for (const Record& r : records) want[r.id.ToString()] = 1;
  std::map<std::string, int> got;
  ForEachStored(dir, [&](const RecordView& r) { ++got[std::string(r.id)]; });
  size_t lost = 0;
  for (const auto& [id, count] : want) lost += got.count(id) == 0 ? 1 : 0;
  tally.records_lost += lost;
  CHECK(got == want);
}

}  // namespace

TEST_CASE("a compaction failing at every step leaves every record readable exactly once") {
  uint64_t steps = 0;
  {
    testing::TempDir dir;
    static_cast<void>(WriteInputSegments(dir.path()));
    ScopedFaultInjection faults;
    CompactResult result;
    REQUIRE(Compactor(FastCompaction(dir.path())).Run(&result).ok());
    REQUIRE(result.hours.size() == 1);
    steps = faults->calls(FsOp::kAny);
  }
  REQUIRE(steps >= 8);  // output: create, appends, sync, rename, dir sync; 3 unlinks, dir sync
  for (uint64_t n = 1; n <= steps; ++n) {
    CAPTURE(n);
    testing::TempDir dir;
    const std::vector<Record> records = WriteInputSegments(dir.path());
    ScopedFaultInjection faults;
    faults->Inject({FsOp::kAny, n, false, EIO, 50, ""});
    CompactResult failed;
    static_cast<void>(Compactor(FastCompaction(dir.path())).Run(&failed));
    CHECK(faults->faults_injected() == 1);
    Count(faults.fs());
    // Readers see each record once even before anyone cleans up...
    CheckEveryRecordOnce(dir.path(), records);
    // ...and after the roll-forward kpid and kpictl run at start.
    RollForwardResult rolled;
    REQUIRE(RollForwardCompactions(dir.path(), &rolled).ok());
    CheckEveryRecordOnce(dir.path(), records);
    // A second, clean compaction finishes the job.
    CompactResult again;
    REQUIRE(Compactor(FastCompaction(dir.path())).Run(&again).ok());
    CheckEveryRecordOnce(dir.path(), records);
    std::vector<ListedFile> segments;
    REQUIRE(StoreLayout(dir.path()).ListSegments(kMinTimeMs, kMaxTimeMs, &segments).ok());
    CHECK(segments.size() == 1);
  }
}

TEST_CASE("a purge failing at every step removes whole hours or leaves them readable") {
  // Two hours: the older is purged, the newer must stay untouched.
  const auto write_store = [](const std::string& dir) {
    std::vector<Record> kept = WriteInputSegments(dir);
    StoreLayout layout(dir);
    segment::Header older = test::TestHeader("a1", 9);
    older.hour_ms = test::kTestHour - kMsPerHour;
    std::vector<Record> old_records;
    for (uint64_t seq : {9, 10}) {
      std::vector<Record> old_records;
      for (uint64_t i = 1; i <= 20; ++i) {
        Record r;
        r.timestamp_ms = older.hour_ms;
        r.id = RecordId{"a1", seq * 1000 + i};
        r.json = "{\"_id\":\"" + r.id.ToString() + "\",\"timestamp\":" +
                 std::to_string(older.hour_ms) + "}";
        old_records.push_back(r);
      }
      older.seq = seq;
      REQUIRE(test::WriteSegment(layout.SegmentPath({older.hour_ms, "a1", seq}), older, {},
                                 old_records)
                  .ok());
    }
    return kept;
  };
  PurgeOptions options;
  options.before_ms = test::kTestHour;
  options.now_ms = test::kTestHour + 10 * kMsPerHour;
  uint64_t steps = 0;
  {
    testing::TempDir dir;
    static_cast<void>(write_store(dir.path()));
    options.data_dirs = {dir.path()};
    ScopedFaultInjection faults;
    PurgeResult result;
    REQUIRE(Purger(options).Run(&result).ok());
    REQUIRE(result.segments_removed == 2);
    steps = faults->calls(FsOp::kAny);
  }
  REQUIRE(steps >= 3);
  for (uint64_t n = 1; n <= steps; ++n) {
    CAPTURE(n);
    testing::TempDir dir;
    const std::vector<Record> kept = write_store(dir.path());
    options.data_dirs = {dir.path()};
    ScopedFaultInjection faults;
    faults->Inject({FsOp::kAny, n, false, EIO, 0, ""});
    PurgeResult failed;
    static_cast<void>(Purger(options).Run(&failed));
    CHECK(faults->faults_injected() == 1);
    Count(faults.fs());
    faults->ClearFaults();
    PurgeResult again;
    REQUIRE(Purger(options).Run(&again).ok());
    CheckEveryRecordOnce(dir.path(), kept);  // the newer hour, whole; the older, gone
  }
}

}  // namespace kpi
