// Committer::Impl, shared by committer.cc (open, close, the callers and the
// commit thread) and committer_seal.cc (the seal thread). Private to those
// two files; the contract is committer.h.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "libkpi/write/committer.h"
#include "libkpi/env/free_space.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/format/wal.h"
#include "libkpi/write/wal_syncer.h"
#include "libkpi/write/writer_state.h"

namespace kpi {
namespace committer_internal {

constexpr std::chrono::milliseconds kSealInterval{2000};
// The seal thread closes the WAL of a finished hour once no record came for
// it this long, or once it has been open for seal_grace_ms: a trickle of
// late records then makes one segment per grace period, not one per pass.
constexpr int64_t kIdleBeforeSealMs = 30 * 1000;

// Why the commit thread closes a WAL.
enum class WalEnd {
  kRotated,   // over wal_max_bytes, or its hour is finished
  kFailed,    // a write or sync failed; the error was reported already
  kShutdown,  // Close(): make it durable even in sync mode `none`
};

struct OpenWalFile {
  std::unique_ptr<wal::WalWriter> writer;
  int64_t opened_ms = 0;   // wall clock
  int64_t written_ms = 0;  // wall clock of the last group that wrote to it
};

// status (SyncWaiter) is written by the commit thread before the request is
// handed to the sync thread, and by the syncer under its lock after.
struct CommitRequest : SyncWaiter {
  std::vector<PendingRecord>* records = nullptr;
  std::vector<RecordId>* ids = nullptr;
  std::mutex done_mu;
  bool done = false;  // guarded by done_mu
  std::condition_variable cv;
};

// One WAL written by the group being committed, and the requests that wrote
// to it: a failed write or sync fails exactly those.
struct TouchedWal {
  int64_t hour_ms = 0;
  wal::WalWriter* writer = nullptr;  // null if it could not be opened:
  Status open_status;                // then this says why
  std::vector<size_t> requests;  // indexes into the group, ascending, unique
};

}  // namespace committer_internal

class Committer::Impl {
 public:
  using CommitRequest = committer_internal::CommitRequest;
  using OpenWalFile = committer_internal::OpenWalFile;
  using TouchedWal = committer_internal::TouchedWal;
  using WalEnd = committer_internal::WalEnd;

  explicit Impl(CommitterOptions options)
      : options_(std::move(options)),
        layout_(options_.data_dir),
        syncer_(options_.sync, options_.commit_window_us, &stats_,
                [this](const std::vector<SyncWaiter*>& released) { Release(released); }),
        free_space_(options_.data_dir, options_.min_free_bytes) {}

  Status Open();
  void Close();
  Status Commit(std::vector<PendingRecord>* records, std::vector<RecordId>* ids);
  // `force`: close every finished hour's WAL now (the public API); else
  // only those idle or open long enough (the seal thread).
  Status SealFinishedHours(int64_t now_ms, bool force);

  const std::string& writer_id() const { return writer_id_; }
  const CommitterStats& stats() const { return stats_; }

 private:
  // Caller side.
  Status CheckRecords(const std::vector<PendingRecord>& records) const;
  Status Enqueue(CommitRequest* request);

  // Commit thread.
  void CommitLoop();
  void TakeGroup(std::vector<CommitRequest*>* group);
  void CommitGroup(const std::vector<CommitRequest*>& group);
  void CloseFailedWals();
  void AppendGroup(const std::vector<CommitRequest*>& group, uint64_t first_seq);
  void AppendRecord(size_t request, const PendingRecord& record, uint64_t seq,
                    CommitRequest* r);
  void WriteTouched(const std::vector<CommitRequest*>& group);
  void HandToSyncer(const std::vector<CommitRequest*>& group);
  void RotateFullWals();
  void Complete(const std::vector<CommitRequest*>& requests);
  void Release(const std::vector<SyncWaiter*>& released);
  Status OpenWal(int64_t hour_ms, wal::WalWriter** writer);
  void CloseWal(int64_t hour_ms, WalEnd why);
  void CloseFinishedWals(int64_t cutoff_hour_ms, bool force);

  // Seal side.
  void SealLoop();
  void RequestCloseFinished(int64_t cutoff_hour_ms, bool force);
  Status SealClosedWals();
  void ReportSealFailure(const std::string& path, const Status& s);

  const CommitterOptions options_;
  const StoreLayout layout_;
  std::string writer_id_;
  std::string line_prefix_;  // {"_id":"<writer>-
  std::unique_ptr<WriterState> state_;
  CommitterStats stats_;

  std::mutex mu_;
  std::condition_variable work_cv_;   // commit thread: requests, stop, close requests
  std::condition_variable seal_cv_;   // seal thread: periodic, rotations, stop
  std::condition_variable closed_cv_; // RequestCloseFinished: the commit thread closed
  bool opened_ = false;
  bool accepting_ = false;
  bool stop_commit_ = false;
  bool commit_running_ = false;
  bool stop_seal_ = false;
  bool seal_wanted_ = false;
  std::deque<CommitRequest*> queue_;
  size_t queued_records_ = 0;  // accepted and not yet answered (queued or syncing)
  uint64_t close_requested_ = 0;  // generation of close requests
  uint64_t close_done_ = 0;
  int64_t close_cutoff_hour_ms_ = 0;
  bool close_force_ = false;
  std::set<FileKey> open_keys_;  // WALs the commit thread may still append to

  // Owned by the commit thread alone.
  std::map<int64_t, OpenWalFile> open_wals_;  // by hour
  std::vector<TouchedWal> touched_;
  size_t touched_count_ = 0;
  std::vector<WrittenWal> written_;
  std::vector<CommitRequest*> answer_now_;
  std::vector<char> waits_for_sync_;  // by request of the group

  WalSyncer syncer_;

  std::mutex seal_mu_;  // one seal pass at a time
  std::map<std::string, std::string> reported_seal_failures_;  // guarded by seal_mu_

  FreeSpaceFloor free_space_;

  std::thread commit_thread_;
  std::thread seal_thread_;
};

}  // namespace kpi
