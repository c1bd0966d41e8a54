// Committer's queue under load: requests queue behind a leader held in its
// write or sync (a stalled disk), the queue's bound answers Busy, groups are
// cut at 1 MiB, and every queued request is committed once, whoever leads it.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "libkpi/write/committer.h"
#include "tests/unit/committer_test_util.h"
#include "tests/unit/write_path_test_util.h"

namespace kpi {
namespace {

using testing::Faults;
using testing::kOldHour;
using testing::Options;
using testing::Record;
using testing::TempDir;
using testing::WaitUntil;

// Commits run on threads of their own (Catch2's assertions are for the main
// thread), their statuses kept until JoinAllOk.
class BackgroundCommits {
 public:
  void Start(std::function<Status()> commit) {
    Status* status = &statuses_.emplace_back();  // a deque keeps it in place
    threads_.emplace_back([status, commit = std::move(commit)] { *status = commit(); });
  }
  // Waits for every commit started; true if each one was stored.
  bool JoinAllOk() {
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    return std::all_of(statuses_.begin(), statuses_.end(),
                       [](const Status& s) { return s.ok(); });
  }

 private:
  std::deque<Status> statuses_;
  std::vector<std::thread> threads_;
};

CommitterOptions OptionsIn(const TempDir& dir, SyncMode sync, size_t max_queue_records) {
  CommitterOptions options = Options(dir.path(), sync);
  options.max_queue_records = max_queue_records;
  return options;
}

// A committer in a fresh directory over a FaultFileSystem, and commits of
// `records` records of `padding` bytes each, as one request that must get
// one id per record.
struct QueueFixture {
  explicit QueueFixture(SyncMode sync, size_t max_queue_records = 100000)
      : committer(OptionsIn(dir, sync, max_queue_records)) {
    REQUIRE(committer.Open().ok());
  }
  Status Commit(int records, size_t padding = 0) {
    std::vector<PendingRecord> batch;
    for (int i = 0; i < records; ++i) batch.push_back(Record(kOldHour + i, i, padding));
    std::vector<RecordId> ids;
    const Status s = committer.Commit(&batch, &ids);
    if (s.ok() && ids.size() != batch.size()) return Status::Corruption("an id is missing");
    return s;
  }
  // Starts a commit that sticks in its sync or write while `hold` is set.
  void StartHeld(std::atomic<bool>* hold, const std::atomic<int>& held) {
    *hold = true;
    background.Start([this] { return Commit(1); });
    REQUIRE(WaitUntil([&] { return held == 1; }));  // the leader is stuck
  }
  // Starts `n` requests of 600 KB behind the held one: no two fit in a group.
  void QueueLarge(int n) {
    const uint64_t depth = committer.stats().queue_depth + n;
    for (int i = 0; i < n; ++i) background.Start([this] { return Commit(1, 600 << 10); });
    REQUIRE(WaitUntil([&] { return committer.stats().queue_depth == depth; }));
  }

  TempDir dir;
  testing::ScopedFaultFs fault_fs;
  Committer committer;
  BackgroundCommits background;
};

TEST_CASE("Commit is Busy while the queue is full, and the queued requests complete") {
  QueueFixture f(SyncMode::kAlways, 3);
  REQUIRE(f.Commit(1).ok());  // the WAL exists: later syncs are the stalled ones
  Faults& faults = f.fault_fs.faults();
  f.StartHeld(&faults.hold_syncs, faults.syncs_held);
  // The next request queues behind the stuck leader; every unanswered record
  // counts: 1 syncing + 2 waiting.
  f.background.Start([&f] { return f.Commit(2); });
  REQUIRE(WaitUntil([&] { return f.committer.stats().queue_depth == 3; }));
  REQUIRE(f.Commit(2).IsBusy());
  faults.hold_syncs = false;
  REQUIRE(f.background.JoinAllOk());
  REQUIRE(f.committer.stats().records_committed == 4);
}

TEST_CASE("a group holds at most 1 MiB of records, so large batches are written in several groups") {
  QueueFixture f(SyncMode::kAlways);  // one sync per group
  REQUIRE(f.Commit(1).ok());          // the WAL exists
  Faults& faults = f.fault_fs.faults();
  f.StartHeld(&faults.hold_syncs, faults.syncs_held);
  const uint64_t syncs_before = f.committer.stats().syncs;
  constexpr int kLarge = 3;
  f.QueueLarge(kLarge);
  faults.hold_syncs = false;
  REQUIRE(f.background.JoinAllOk());
  // The held sync, then one group (and sync) per large request.
  REQUIRE(f.committer.stats().syncs - syncs_before == 1 + kLarge);
  REQUIRE(f.committer.stats().records_committed == 2 + kLarge);
}

// In batch a leader leads the groups that queued behind its own, up to 16,
// then hands the writer role on: 20 groups wait behind a held write here, and
// every one of them is committed once, whoever leads it.
TEST_CASE("in batch the groups queued behind a leader are committed, however many") {
  QueueFixture f(SyncMode::kBatch);
  REQUIRE(f.Commit(1).ok());  // the WAL exists
  Faults& faults = f.fault_fs.faults();
  f.StartHeld(&faults.hold_appends, faults.appends_held);
  constexpr int kLarge = 20;
  f.QueueLarge(kLarge);
  faults.hold_appends = false;
  REQUIRE(f.background.JoinAllOk());
  REQUIRE(f.committer.stats().records_committed == 2 + kLarge);
  REQUIRE(f.committer.stats().queue_depth == 0);
}

}  // namespace
}  // namespace kpi
