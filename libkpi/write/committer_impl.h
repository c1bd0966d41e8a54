// Committer::Impl, shared by committer.cc (open, close, the callers and the
// group leader) and committer_seal.cc (the seal thread). Private to those
// two files; the contract is committer.h.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include "libkpi/env/free_space.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/format/wal.h"
#include "libkpi/util/mutex.h"
#include "libkpi/util/thread_annotations.h"
#include "libkpi/util/turn_signal.h"
#include "libkpi/write/committer.h"
#include "libkpi/write/sealer.h"
#include "libkpi/write/wal_syncer.h"
#include "libkpi/write/writer_state.h"

namespace kpi {
namespace committer_internal {

constexpr std::chrono::milliseconds kSealInterval{2000};
// The seal thread closes the WAL of a finished hour once no record came for
// it this long, or once it has been open for seal_grace_ms: a trickle of
// late records then makes one segment per grace period, not one per pass.
constexpr int64_t kIdleBeforeSealMs = 30 * 1000;

// Why a WAL is closed.
enum class WalEnd {
  kRotated,   // over wal_max_bytes, or its hour is finished
  kFailed,    // a write or sync failed; the error was reported already
  kShutdown,  // Close(): make it durable even in sync mode `none`
};

struct OpenWalFile {
  std::unique_ptr<wal::WalWriter> writer;
  std::unique_ptr<RecordOrder> order;  // the seqs of its block, in the header's order
  uint64_t assigned = 0;               // records given a seq so far (arrival index)
  int64_t opened_ms = 0;   // wall clock
  int64_t written_ms = 0;  // wall clock of the last group that wrote to it
};

// The writer role: held by the one thread that leads a commit group (or
// runs a control request) and owns the open WALs. It is not a lock but a
// turn handed from leader to leader through the queue (committer.h); the
// leader tells the thread-safety analysis so with AssertHeld.
class CAPABILITY("writer role") WriterRole {
 public:
  void AssertHeld() const ASSERT_CAPABILITY(this) {}
};

// One caller's place in the queue: records to commit, or a control request
// that needs the writer role (close finished WALs, shut down).
struct CommitRequest {
  enum class Kind { kRecords, kCloseFinished, kShutdown };
  enum class Turn { kWait, kLead, kDone };

  Kind kind = Kind::kRecords;
  std::vector<PendingRecord>* records = nullptr;  // kRecords
  std::vector<RecordId>* ids = nullptr;           // kRecords
  size_t bytes = 0;  // kRecords: the records' bodies, for kMaxGroupBytes
  int64_t close_cutoff_hour_ms = 0;               // kCloseFinished
  bool close_force = false;                       // kCloseFinished
  Status status;  // written by the leader of its group before kDone

  // Each caller waits on its own signal, so answering a group does not make
  // every woken caller queue up again behind the committer's mutex.
  TurnSignal turn;  // posts a Turn other than kWait
};

// One WAL written by the group being committed, and the requests that wrote
// to it: a failed write or sync fails exactly those.
struct TouchedWal {
  int64_t hour_ms = 0;
  OpenWalFile* file = nullptr;       // the open WAL: its writer and seq block
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
  using WriterRole = committer_internal::WriterRole;
  using Group = std::vector<CommitRequest*>;

  explicit Impl(CommitterOptions options)
      : options_(std::move(options)),
        layout_(options_.data_dir, options_.fs),
        syncer_(options_.sync, options_.commit_window_us, &stats_),
        free_space_(options_.data_dir, options_.min_free_bytes, layout_.fs()) {}

  Status Open() EXCLUDES(mu_, seal_mu_);
  void Close() EXCLUDES(mu_);
  Status Commit(std::vector<PendingRecord>* records, std::vector<RecordId>* ids);
  // `force`: close every finished hour's WAL now (the public API); else
  // only those idle or open long enough (the seal thread).
  Status SealFinishedHours(int64_t now_ms, bool force) EXCLUDES(mu_, seal_mu_);

  const std::string& writer_id() const { return writer_id_; }
  const CommitterStats& stats() const { return stats_; }

 private:
  // Callers.
  // Checks each record and sums their bodies' sizes into *bytes.
  Status CheckRecords(const std::vector<PendingRecord>& records, size_t* bytes) const;
  Status Enqueue(CommitRequest* request) EXCLUDES(mu_);
  static void Wake(CommitRequest* request, CommitRequest::Turn turn);

  // The leader (the thread holding the writer role).
  void Lead(CommitRequest* self) EXCLUDES(mu_);
  void TakeGroup(Group* group) REQUIRES(mu_);
  void RunControl(const CommitRequest& request) REQUIRES(role_) EXCLUDES(mu_);
  void CommitGroup(const Group& group) REQUIRES(role_) EXCLUDES(mu_);
  void CloseFailedWals() REQUIRES(role_) EXCLUDES(mu_);
  void AppendGroup(const Group& group) REQUIRES(role_) EXCLUDES(mu_);
  void AppendRecord(size_t request, const PendingRecord& record, CommitRequest* r)
      REQUIRES(role_) EXCLUDES(mu_);
  void WriteTouched(const Group& group) REQUIRES(role_) EXCLUDES(mu_);
  void SyncTouched(const Group& group) REQUIRES(role_) EXCLUDES(mu_);
  void FailTouched(const Group& group, TouchedWal* touched, const Status& s)
      REQUIRES(role_) EXCLUDES(mu_);
  void RotateFullWals() REQUIRES(role_) EXCLUDES(mu_);
  void Finish(const Group& group) EXCLUDES(mu_);
  Status OpenWal(int64_t hour_ms, OpenWalFile** file) REQUIRES(role_) EXCLUDES(mu_);
  void CloseWal(int64_t hour_ms, WalEnd why) REQUIRES(role_) EXCLUDES(mu_);
  void CloseFinishedWals(int64_t cutoff_hour_ms, bool force) REQUIRES(role_) EXCLUDES(mu_);
  void WantSeal() EXCLUDES(mu_);

  // Seal side.
  void SealLoop() EXCLUDES(mu_, seal_mu_);
  void RequestCloseFinished(int64_t cutoff_hour_ms, bool force) EXCLUDES(mu_);
  void ReportTornTail(const std::string& path, const SealResult& result);
  Status SealClosedWals(bool stoppable) REQUIRES(seal_mu_) EXCLUDES(mu_);
  void ReportSealFailure(const std::string& path, const Status& s) REQUIRES(seal_mu_);

  // Set by Open before any other thread runs, read-only afterwards.
  const CommitterOptions options_;
  const StoreLayout layout_;
  std::string writer_id_;
  std::string line_prefix_;  // {"_id":"<writer>-
  std::unique_ptr<WriterState> state_;  // NextSeqs: writer role only
  CommitterStats stats_;

  Mutex mu_;
  CondVar seal_cv_{&mu_};  // seal thread: periodic, rotations, stop
  bool opened_ GUARDED_BY(mu_) = false;
  bool accepting_ GUARDED_BY(mu_) = false;
  bool shut_down_ GUARDED_BY(mu_) = false;  // every WAL closed; no leader any more
  bool stop_seal_ GUARDED_BY(mu_) = false;
  bool seal_wanted_ GUARDED_BY(mu_) = false;
  // Requests not yet taken into a group; the front one leads next.
  std::deque<CommitRequest*> queue_ GUARDED_BY(mu_);
  bool leader_active_ GUARDED_BY(mu_) = false;  // some thread holds the writer role
  size_t queued_records_ GUARDED_BY(mu_) = 0;   // accepted and not yet answered
  std::set<FileKey> open_keys_ GUARDED_BY(mu_);  // WALs a leader may still append to

  WriterRole role_;
  std::map<int64_t, OpenWalFile> open_wals_ GUARDED_BY(role_);  // by hour
  std::vector<TouchedWal> touched_ GUARDED_BY(role_);
  size_t touched_count_ GUARDED_BY(role_) = 0;

  WalSyncer syncer_;  // AddWritten, SyncNow, Detach, TakeFailed: writer role only

  Mutex seal_mu_;  // one seal pass at a time
  std::map<std::string, std::string> reported_seal_failures_ GUARDED_BY(seal_mu_);

  FreeSpaceFloor free_space_;

  std::thread seal_thread_;
};

}  // namespace kpi
