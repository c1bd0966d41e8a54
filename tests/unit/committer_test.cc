// Committer: group commit, recovery, sealing, rotation, full disks, and
// crashes (its queue and groups under load: committer_queue_test.cc) at random points and at named crash points: every acknowledged
// record is stored exactly once.
#include "libkpi/write/committer.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <climits>
#include <cstring>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "libkpi/read/segment_reader.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/util/time_util.h"
#include "libkpi/format/wal.h"
#include "tests/unit/committer_test_util.h"
#include "tests/unit/write_path_test_util.h"

namespace kpi {
namespace {

using testing::TempDir;

using testing::kOldHour;
using testing::kWriter;
using testing::Options;
using testing::Record;

std::string IdOf(uint64_t seq) { return RecordId{kWriter, seq}.ToString(); }

// How often each id occurs across every WAL and segment of the store.
struct StoreContents {
  std::map<std::string, int> ids;
  size_t wals = 0;
  size_t segments = 0;
  bool segments_ordered = true;
};

void ReadWals(const StoreLayout& layout, StoreContents* out) {
  std::vector<ListedFile> files;
  REQUIRE(layout.ListWals(kMinTimeMs, kMaxTimeMs, &files).ok());
  for (const ListedFile& f : files) {
    ++out->wals;
    wal::WalScanResult result;
    REQUIRE(wal::ScanWal(
                f.path,
                [&](const wal::WalRecord& r) {
                  ++out->ids[IdOf(r.seq)];
                  return true;
                },
                &result)
                .ok());
  }
}

void ReadSegments(const StoreLayout& layout, StoreContents* out) {
  std::vector<ListedFile> files;
  REQUIRE(layout.ListSegments(kMinTimeMs, kMaxTimeMs, &files).ok());
  for (const ListedFile& f : files) {
    ++out->segments;
    std::unique_ptr<SegmentReader> reader;
    REQUIRE(SegmentReader::Open(f.path, &reader).ok());
    REQUIRE_FALSE(reader->index_damaged());
    std::pair<int64_t, std::string> last{INT64_MIN, ""};
    for (size_t b = 0; b < reader->blocks().size(); ++b) {
      std::vector<RecordView> records;
      REQUIRE(reader->ReadBlock(b, &records).ok());
      for (const RecordView& r : records) {
        std::pair<int64_t, std::string> key{r.timestamp_ms, std::string(r.id)};
        out->segments_ordered &= last < key;
        last = key;
        ++out->ids[key.second];
      }
    }
  }
}

StoreContents ReadStore(const std::string& dir) {
  StoreLayout layout(dir);
  StoreContents out;
  ReadWals(layout, &out);
  ReadSegments(layout, &out);
  return out;
}

// Opens a committer, waits until the WALs left behind are sealed (Open
// only cuts their torn tails; the seal thread seals them in the background,
// SealFinishedHours seals them now) and closes it.
void Recover(const std::string& dir) {
  Committer c(Options(dir));
  REQUIRE(c.Open().ok());
  REQUIRE(c.SealFinishedHours(NowMs()).ok());
  c.Close();
}

void RequireExactlyOnce(const StoreContents& store, const std::set<uint64_t>& acked) {
  for (uint64_t seq : acked) {
    auto it = store.ids.find(IdOf(seq));
    INFO("acknowledged " << IdOf(seq));
    REQUIRE(it != store.ids.end());
    REQUIRE(it->second == 1);
  }
  for (const auto& [id, count] : store.ids) {
    INFO(id);
    REQUIRE(count == 1);
  }
}

TEST_CASE("concurrent commits get unique ids, each stored exactly once") {
  TempDir dir;
  constexpr int kThreads = 8, kCommitsPerThread = 150;
  std::vector<std::vector<RecordId>> ids(kThreads);
  uint64_t committed = 0;
  {
    Committer c(Options(dir.path(), SyncMode::kBatch));
    REQUIRE(c.Open().ok());
    REQUIRE(c.writer_id() == kWriter);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCommitsPerThread; ++i) {
          std::vector<PendingRecord> records;
          for (int k = 0; k <= i % 3; ++k) {
            records.push_back(Record(kOldHour + ((i + k) % 3) * kMsPerHour + t, i));
          }
          std::vector<RecordId> got;
          if (!c.Commit(&records, &got).ok() || got.size() != records.size()) ++failures;
          ids[t].insert(ids[t].end(), got.begin(), got.end());
        }
      });
    }
    for (auto& th : threads) th.join();
    REQUIRE(failures == 0);
    committed = c.stats().records_committed;
    REQUIRE(c.stats().syncs > 0);
    c.Close();
    std::vector<PendingRecord> late{Record(kOldHour, 1)};
    std::vector<RecordId> late_ids;
    REQUIRE(c.Commit(&late, &late_ids).code() == Status::Code::kAborted);
  }
  std::set<uint64_t> acked;
  for (const auto& v : ids) {
    for (const RecordId& id : v) {
      REQUIRE(id.writer == kWriter);
      REQUIRE(acked.insert(id.seq).second);
    }
  }
  REQUIRE(acked.size() == committed);
  Recover(dir.path());
  const StoreContents store = ReadStore(dir.path());
  REQUIRE(store.wals == 0);
  REQUIRE(store.segments >= 3);
  REQUIRE(store.segments_ordered);
  REQUIRE(store.ids.size() == acked.size());
  RequireExactlyOnce(store, acked);
}

TEST_CASE("recovery cuts a torn tail off a WAL and seals the rest") {
  TempDir dir;
  {
    Committer c(Options(dir.path()));
    REQUIRE(c.Open().ok());
    std::vector<PendingRecord> records;
    for (int i = 0; i < 10; ++i) records.push_back(Record(kOldHour + i, i));
    std::vector<RecordId> ids;
    REQUIRE(c.Commit(&records, &ids).ok());
  }
  std::vector<ListedFile> wals;
  REQUIRE(StoreLayout(dir.path()).ListWals(kMinTimeMs, kMaxTimeMs, &wals).ok());
  REQUIRE(wals.size() == 1);
  const std::string torn(30, '\x07');  // a frame header claiming 0x07070707 bytes
  testing::WriteWholeFile(wals[0].path, testing::ReadWholeFile(wals[0].path) + torn);

  Committer c(Options(dir.path()));
  REQUIRE(c.Open().ok());
  // Open does not read the backlog; the seal pass cuts the tail, then seals.
  REQUIRE(c.SealFinishedHours(NowMs()).ok());
  REQUIRE(c.stats().recovered_torn_bytes == torn.size());
  REQUIRE(c.stats().segments_sealed == 1);
  c.Close();
  const StoreContents store = ReadStore(dir.path());
  REQUIRE(store.wals == 0);
  REQUIRE(store.ids.size() == 10);
}

TEST_CASE("finished hours are sealed; later records of a sealed hour get a new segment") {
  TempDir dir;
  Committer c(Options(dir.path()));
  REQUIRE(c.Open().ok());
  const int64_t now = NowMs();
  std::vector<PendingRecord> records;
  for (int i = 0; i < 5; ++i) records.push_back(Record(kOldHour + 5 - i, i));
  records.push_back(Record(FloorTo(now, 1000), 99));
  std::vector<RecordId> ids;
  REQUIRE(c.Commit(&records, &ids).ok());

  REQUIRE(c.SealFinishedHours(now).ok());
  StoreContents store = ReadStore(dir.path());
  REQUIRE(store.segments == 1);
  REQUIRE(store.wals == 1);  // the current hour stays open
  REQUIRE(store.segments_ordered);
  REQUIRE(store.ids.size() == 6);

  std::vector<PendingRecord> more{Record(kOldHour + 1, 7)};
  REQUIRE(c.Commit(&more, &ids).ok());
  REQUIRE(c.SealFinishedHours(now).ok());
  std::vector<ListedFile> segments;
  REQUIRE(StoreLayout(dir.path()).ListSegments(kOldHour, kOldHour + 1, &segments).ok());
  REQUIRE(segments.size() == 2);
  REQUIRE(segments[0].key.seq != segments[1].key.seq);
  REQUIRE(c.stats().segments_sealed == 2);
  c.Close();
  store = ReadStore(dir.path());
  REQUIRE(store.ids.size() == 7);
  RequireExactlyOnce(store, {});
}

TEST_CASE("a WAL over wal_max_bytes rotates to a new file and is sealed") {
  TempDir dir;
  CommitterOptions options = Options(dir.path());
  options.wal_max_bytes = 4096;
  Committer c(options);
  REQUIRE(c.Open().ok());
  std::set<uint64_t> acked;
  for (int i = 0; i < 100; ++i) {
    std::vector<PendingRecord> records{Record(kOldHour + i, i, 150)};
    std::vector<RecordId> ids;
    REQUIRE(c.Commit(&records, &ids).ok());
    acked.insert(ids[0].seq);
  }
  REQUIRE(c.SealFinishedHours(0).ok());  // closes no hour, seals the rotated files
  std::vector<ListedFile> wals;
  REQUIRE(StoreLayout(dir.path()).ListWals(kMinTimeMs, kMaxTimeMs, &wals).ok());
  REQUIRE(wals.size() <= 1);
  for (const ListedFile& w : wals) REQUIRE(w.size < 4096 + 512);
  c.Close();
  const StoreContents store = ReadStore(dir.path());
  REQUIRE(store.segments >= 4);
  RequireExactlyOnce(store, acked);
}

TEST_CASE("ids come from each WAL's block in its keyed order, and a WAL rotates before its block runs out") {
  TempDir dir;
  CommitterOptions options = Options(dir.path());
  options.wal_order_bits = 4;  // blocks of 16 seqs
  options.max_queue_records = 4;  // rotate with fewer than 4 seqs left
  Committer c(options);
  REQUIRE(c.Open().ok());
  std::vector<uint64_t> arrival;  // seqs in the order they were handed out
  for (int i = 0; i < 60; ++i) {
    std::vector<PendingRecord> records{Record(kOldHour + i, i)};
    std::vector<RecordId> ids;
    REQUIRE(c.Commit(&records, &ids).ok());
    arrival.push_back(ids[0].seq);
  }
  // Rotated WALs are sealed in the background; waiting for that pass (and
  // sealing what it has not reached) leaves only the open one, the last 8.
  REQUIRE(c.SealFinishedHours(0).ok());
  std::vector<ListedFile> wals;
  REQUIRE(StoreLayout(dir.path()).ListWals(kMinTimeMs, kMaxTimeMs, &wals).ok());
  REQUIRE(wals.size() == 1);
  wal::WalScanResult result;
  std::vector<uint64_t> seqs;
  REQUIRE(wal::ScanWal(wals[0].path, [&](const wal::WalRecord& r) {
                        seqs.push_back(r.seq);
                        return true;
                      }, &result).ok());
  CHECK(result.problems.empty());
  REQUIRE(result.header.order_bits == 4);
  // Exactly the permutation of the header's key, over the file's block.
  const RecordOrder order(4, result.header.order_key);
  for (size_t i = 0; i < seqs.size(); ++i) {
    CHECK(seqs[i] == wals[0].key.seq + 1 + order.Position(i));
  }
  CHECK(std::vector<uint64_t>(arrival.end() - static_cast<ptrdiff_t>(seqs.size()), arrival.end()) == seqs);
  // Every file took 13 records (rotated with 3 seqs left), each from its own
  // block of 16 above the file's seq, in no increasing order.
  REQUIRE(seqs.size() == 8);
  size_t next = 0;
  for (int file = 0; file < 4; ++file, next += 13) {
    const std::vector<uint64_t> run(arrival.begin() + static_cast<ptrdiff_t>(next),
                                    arrival.begin() + static_cast<ptrdiff_t>(next + 13));
    const auto [low, high] = std::minmax_element(run.begin(), run.end());
    CHECK(*high - *low < 16);
    CHECK(std::set<uint64_t>(run.begin(), run.end()).size() == 13);
    CHECK_FALSE(std::is_sorted(run.begin(), run.end()));
    if (file > 0) CHECK(*low > arrival[next - 1]);  // the next block lies above
  }
  next += seqs.size();
  CHECK(next == arrival.size());
  c.Close();
  RequireExactlyOnce(ReadStore(dir.path()), std::set<uint64_t>(arrival.begin(), arrival.end()));
}

TEST_CASE("below the free-space floor Commit is NoSpace and stores nothing") {
  TempDir dir;
  CommitterOptions options = Options(dir.path());
  options.min_free_bytes = UINT64_MAX;
  Committer c(options);
  REQUIRE(c.Open().ok());
  std::vector<PendingRecord> records{Record(kOldHour, 1)};
  std::vector<RecordId> ids;
  const Status s = c.Commit(&records, &ids);
  REQUIRE(s.IsNoSpace());
  REQUIRE(s.message().find(dir.path()) != std::string::npos);
  REQUIRE(ids.empty());
  c.Close();
  REQUIRE(ReadStore(dir.path()).ids.empty());
}

TEST_CASE("bad records are refused before anything is queued") {
  TempDir dir;
  Committer c(Options(dir.path()));
  REQUIRE(c.Open().ok());
  std::vector<RecordId> ids;
  std::vector<PendingRecord> wrong_ts{PendingRecord{kOldHour, "\"timestamp\":1,\"n\":1}"}};
  REQUIRE(c.Commit(&wrong_ts, &ids).code() == Status::Code::kInvalidArgument);
  std::vector<PendingRecord> huge{Record(kOldHour, 1, wal::kMaxPayload)};
  REQUIRE(c.Commit(&huge, &ids).code() == Status::Code::kInvalidArgument);
  std::vector<PendingRecord> none;
  REQUIRE(c.Commit(&none, &ids).ok());
}

TEST_CASE("ENOSPC while writing fails that commit, leaves no partial record, and passes") {
  TempDir dir;
  testing::ScopedFaultFs fault_fs;  // outlives the committer's files
  Committer c(Options(dir.path()));
  REQUIRE(c.Open().ok());
  std::set<uint64_t> acked;
  auto commit = [&](int n) {
    std::vector<PendingRecord> records{Record(kOldHour + n, n, 100), Record(kOldHour, n)};
    std::vector<RecordId> ids;
    const Status s = c.Commit(&records, &ids);
    for (const RecordId& id : ids) acked.insert(id.seq);
    return s;
  };
  REQUIRE(commit(1).ok());
  fault_fs.faults().append_no_space = true;
  REQUIRE(commit(2).IsNoSpace());
  REQUIRE(fault_fs.faults().appends_failed == 1);
  fault_fs.faults().append_no_space = false;
  REQUIRE(commit(3).ok());

  fault_fs.faults().sync_io_error = true;
  REQUIRE(commit(4).code() == Status::Code::kIOError);
  fault_fs.faults().sync_io_error = false;
  REQUIRE(commit(5).ok());  // in a new WAL of the same hour
  c.Close();

  // The WAL that failed its sync was closed (perhaps sealed meanwhile).
  std::vector<ListedFile> wals;
  REQUIRE(StoreLayout(dir.path()).ListWals(kMinTimeMs, kMaxTimeMs, &wals).ok());
  for (const ListedFile& w : wals) {
    wal::WalScanResult result;
    REQUIRE(wal::ScanWal(w.path, nullptr, &result).ok());
    REQUIRE(result.valid_bytes == result.file_bytes);
  }
  REQUIRE(acked.size() == 6);
  StoreContents store = ReadStore(dir.path());
  REQUIRE(store.wals + store.segments == 2);
  RequireExactlyOnce(store, acked);
  REQUIRE(store.ids.size() <= 8);  // plus perhaps the records of the failed sync
}

TEST_CASE("a second committer with the same writer id is Busy") {
  TempDir dir;
  Committer a(Options(dir.path()));
  REQUIRE(a.Open().ok());
  Committer b(Options(dir.path()));
  REQUIRE(b.Open().IsBusy());
}

// ------------------------------------------------------------ crash tests

// Commits in a loop and writes each acknowledged seq (u64) to the pipe fd in
// KPI_TEST_ACK_FD. Run by the crash tests in a child process, never alone.
TEST_CASE("commit child", "[.]") {
  const char* dir = std::getenv("KPI_TEST_DATA_DIR");
  const char* ack_fd = std::getenv("KPI_TEST_ACK_FD");
  const char* commits = std::getenv("KPI_TEST_COMMITS");
  REQUIRE(dir != nullptr);
  REQUIRE(ack_fd != nullptr);
  const int fd = std::atoi(ack_fd);
  const int limit = commits != nullptr ? std::atoi(commits) : 20000;
  Committer c(Options(dir));
  REQUIRE(c.Open().ok());
  for (int i = 0; i < limit; ++i) {
    std::vector<PendingRecord> records;
    for (int k = 0; k <= i % 4; ++k) records.push_back(Record(kOldHour + (k % 2) * kMsPerHour + i, i));
    std::vector<RecordId> ids;
    if (!c.Commit(&records, &ids).ok()) continue;
    std::vector<uint64_t> seqs;
    for (const RecordId& id : ids) seqs.push_back(id.seq);
    const ssize_t bytes = static_cast<ssize_t>(seqs.size() * sizeof(uint64_t));
    REQUIRE(write(fd, seqs.data(), static_cast<size_t>(bytes)) == bytes);
  }
  if (std::getenv("KPI_TEST_SEAL") != nullptr) REQUIRE(c.SealFinishedHours(kMaxTimeMs).ok());
  c.Close();
}

struct Child {
  pid_t pid = -1;
  int ack_fd = -1;
  std::string pending;  // bytes of a partly read seq

  // Reads acknowledged seqs until `want` more arrived or the child is gone.
  void ReadAcks(std::set<uint64_t>* acked, size_t want) {
    const size_t target = acked->size() + want;
    char buf[4096];
    while (acked->size() < target) {
      const ssize_t n = read(ack_fd, buf, sizeof buf);
      if (n <= 0) return;
      pending.append(buf, static_cast<size_t>(n));
      size_t whole = pending.size() / 8 * 8;
      for (size_t off = 0; off < whole; off += 8) {
        uint64_t seq;
        std::memcpy(&seq, pending.data() + off, 8);
        acked->insert(seq);
      }
      pending.erase(0, whole);
    }
  }

  // Reaps the child after reading every ack it wrote; returns its wait status.
  int Reap(std::set<uint64_t>* acked) {
    ReadAcks(acked, SIZE_MAX / 2);
    close(ack_fd);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return status;
  }
};

// Runs the "commit child" test case of this binary in a new process.
Child SpawnCommitChild(const std::string& dir, const std::vector<std::string>& env) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  char self[PATH_MAX] = {};
  REQUIRE(readlink("/proc/self/exe", self, sizeof self - 1) > 0);
  Child child;
  child.pid = fork();
  REQUIRE(child.pid >= 0);
  if (child.pid == 0) {
    close(fds[0]);
    setenv("KPI_TEST_DATA_DIR", dir.c_str(), 1);
    setenv("KPI_TEST_ACK_FD", std::to_string(fds[1]).c_str(), 1);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    if (FILE* null = freopen("/dev/null", "w", stdout)) static_cast<void>(null);
    execl(self, self, "commit child", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  child.ack_fd = fds[0];
  return child;
}

TEST_CASE("SIGKILL at random points never loses or duplicates an acknowledged record") {
  TempDir dir;
  std::set<uint64_t> acked;
  std::mt19937 random(12345);
  for (int round = 0; round < 4; ++round) {
    Child child = SpawnCommitChild(dir.path(), {});
    child.ReadAcks(&acked, 50 + random() % 500);
    kill(child.pid, SIGKILL);
    const int status = child.Reap(&acked);
    REQUIRE(WIFSIGNALED(status));
  }
  REQUIRE(acked.size() > 200);
  Recover(dir.path());
  const StoreContents store = ReadStore(dir.path());
  REQUIRE(store.wals == 0);
  REQUIRE(store.segments_ordered);
  RequireExactlyOnce(store, acked);
}

TEST_CASE("a crash after appending, before the sync, loses nothing acknowledged") {
  TempDir dir;
  std::set<uint64_t> acked;
  Child child = SpawnCommitChild(dir.path(), {"KPI_CRASH_AT=wal.after_append:40"});
  const int status = child.Reap(&acked);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 86);
  REQUIRE(acked.size() >= 39);
  Recover(dir.path());
  RequireExactlyOnce(ReadStore(dir.path()), acked);
}

TEST_CASE("a crash between publishing a segment and deleting its WAL") {
  TempDir dir;
  std::set<uint64_t> acked;
  Child child = SpawnCommitChild(
      dir.path(), {"KPI_CRASH_AT=seal.published", "KPI_TEST_COMMITS=30", "KPI_TEST_SEAL=1"});
  const int status = child.Reap(&acked);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 86);
  REQUIRE(acked.size() == 73);  // 30 commits of 1, 2, 3, 4, 1, ... records

  // Both the segment and its WAL exist now; recovery must keep one copy.
  const StoreLayout layout(dir.path());
  std::vector<ListedFile> wals, segments;
  REQUIRE(layout.ListWals(kMinTimeMs, kMaxTimeMs, &wals).ok());
  REQUIRE(layout.ListSegments(kMinTimeMs, kMaxTimeMs, &segments).ok());
  REQUIRE(segments.size() == 1);
  REQUIRE(std::any_of(wals.begin(), wals.end(),
                      [&](const ListedFile& w) { return w.key == segments[0].key; }));
  Recover(dir.path());
  const StoreContents store = ReadStore(dir.path());
  REQUIRE(store.wals == 0);
  RequireExactlyOnce(store, acked);
}

}  // namespace
}  // namespace kpi
