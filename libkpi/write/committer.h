// Committer: kpid's durable write path (format-spec/wal.md).
//
// Request threads hand canonical records to Commit and queue up; the first
// one in the queue leads: it takes every request queued behind it as one
// group, assigns ids and appends the group to the write-ahead file of each
// record's hour (one write(2) per WAL per group), syncs in `always`, answers
// the group, leads the next groups itself while requests wait (up to 16;
// not in `always`) and then hands the lead to the next request waiting
// (group commit, as LevelDB's writer queue). A background sealer turns finished hours
// (hour end + grace) and over-size WALs into segments. Open() recovers:
// reserves record seqs past anything previously handed out, then returns;
// the seal thread cuts the recovered WALs' torn tails and seals them (and
// deletes WALs already sealed and .tmp leftovers) in the background.
//
// Sync modes: when Commit returns OK, and what a crash can then lose.
//   always  after an fdatasync that started after the records were written
//           (group commit: the leader syncs once for its whole group, and
//           the requests that queue up meanwhile make the next group).
//           Nothing acknowledged is lost, whatever crashes.
//   batch   (default) once the records are written to the WAL (write(2)
//           done): they are in the page cache, so a kpid crash or kill -9
//           loses nothing acknowledged. The sync thread fdatasyncs every
//           written WAL at most commit_window_us after its first unsynced
//           write, so a power loss or kernel crash loses at most the records
//           acknowledged in the last commit window. Durable against process
//           crashes at once, against power loss within the commit window.
//   none    never fdatasync, except when a WAL is closed at shutdown (and a
//           segment is always synced when sealed): a power loss may lose any
//           record not yet sealed; kill -9 loses nothing acknowledged.
//
// Threads and handoffs:
//   - Callers: Commit checks the records and the free-space floor (statvfs,
//     cached ~100 ms), queues one request and, unless it leads at once
//     (nobody else does), waits on its own futex word (TurnSignal) until
//     the leader of its group answers it or hands it the lead.
//   - The writer role: one thread at a time, the leader, owns the open
//     WalWriters. Per group it takes the queue (whatever arrived while the
//     last group was written, up to 1 MiB of records but at least one
//     request, so the frame buffers stay small; it never waits to gather), hands out the
//     seqs (each WAL reserved a block of them when it was created, and hands
//     them out in a keyed random order, record_order.h), encodes each record's frame into
//     the buffer of its hour's WAL, writes each touched WAL with one
//     write(2), in always fdatasyncs each (batch: hands it to the sync
//     thread, WalSyncer), then answers the group; while requests wait, it
//     takes their group too, up to 16 groups (one in always, where a sync
//     dwarfs a wake-up), before it wakes the next leader (a hand-off costs
//     a wake-up that every new request waits for).
//     No commit thread: a group costs no hand-off to another thread and
//     back. A WAL that fails a write or sync is closed and later records of
//     its hour go to a new file (new seq); NoSpace from a write cuts the WAL
//     back to its last frame and keeps it. A WAL past wal_max_bytes is
//     closed after its group (rotation), and so is a WAL with fewer seqs
//     left in its block than max_queue_records; closing syncs what is
//     unsynced.
//   - Backpressure: records accepted and not yet answered (queued or in the
//     group being written) count against max_queue_records.
//   - The seal thread wakes every 2 s or when a WAL was closed. It queues a
//     control request that, when it gets the writer role, closes the WALs of
//     finished hours (hour end + seal_grace_ms) that got no record for 30 s
//     or have been open for seal_grace_ms (so late records make one segment
//     per grace period, not one per pass); then it seals every WAL of this
//     writer that is not open. Open WAL keys are published in a set under
//     the queue mutex *before* the file is created, and a closed WAL is never
//     appended to again, so "listed and not open" means "safe to seal".
//     Records that arrive for an hour already sealed go to a new WAL of that
//     hour and so to another segment of it. Each pass starts at the crash
//     point "seal.pass" (KPI_PAUSE_AT=seal.pass:<ms> delays every pass).
//   - Recovery (Open): every WAL of this writer is closed for good (new
//     records go to new files), so no new write lands after a torn tail and
//     Open need not read the backlog: it returns after taking the writer
//     lock and a fresh seq reservation, whatever the backlog's size. The
//     seal thread's first pass, started at once, cuts each WAL's torn tail
//     (logged) and seals it, finished hour or not (sealed-but-not-deleted
//     WALs deleted), while Commit already takes new records. Readers see
//     every record once throughout: a torn tail holds no acknowledged record
//     and is reported as a warning, and a WAL and its segment are never both
//     read (hour_snapshot.h). WALs that cannot be sealed are kept and
//     reported. Close stops that pass between two WALs.
//   - Close queues a shutdown request behind every accepted one (so they are
//     committed), which closes every WAL; it leaves the WALs of unfinished
//     hours in wal/ for the next start.
//
// Thread-safety: Commit may be called from any number of threads; Open and
// Close from one thread, before and after all Commit calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libkpi/format/record.h"
#include "libkpi/format/record_order.h"
#include "libkpi/format/segment_format.h"
#include "libkpi/env/file_system.h"
#include "libkpi/util/status.h"
#include "libkpi/write/committer_stats.h"
#include "libkpi/write/sync_mode.h"

namespace kpi {

struct CommitterOptions {
  std::string data_dir;
  std::string writer_id;            // empty: derived from the host name
  SyncMode sync = SyncMode::kBatch;
  int64_t commit_window_us = 2000;  // batch mode: longest a write stays unsynced
  size_t max_queue_records = 20000; // unanswered records beyond this: Busy (→ 503)
  int64_t seal_grace_ms = 5 * 60 * 1000;   // seal an hour this long after it ends
  uint64_t wal_max_bytes = 64ull << 20;    // seal early past this size
  int zstd_level = 3;
  size_t block_bytes = segment::kDefaultBlockBytes;
  uint64_t min_free_bytes = 0;      // below this, Commit returns NoSpace (→ 507)
  // Each WAL owns 2^wal_order_bits record seqs, handed out in a keyed random
  // order (format/record_order.h); a WAL is rotated before they run out.
  int wal_order_bits = RecordOrder::kDefaultBits;
  // Every file, lock, free-space query and clock reading goes through this
  // (not owned; null: FileSystem::Default()).
  FileSystem* fs = nullptr;
};

struct PendingRecord {
  int64_t timestamp_ms = 0;
  std::string body;  // CanonicalBlob::body: members after "_id", ending in '}'
};

class Committer {
 public:
  explicit Committer(CommitterOptions options);
  ~Committer();  // calls Close()
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Takes the writer lock (Busy if another process holds it), recovers, and
  // starts the seal thread (and in batch mode the sync thread).
  Status Open();

  // Makes `records` durable per the sync mode and fills `ids` in the same
  // order. Busy when the queue is full, NoSpace when the disk is short
  // (nothing of this call stored), IOError when a write or sync failed
  // (nothing of this call acknowledged), Aborted after Close began.
  Status Commit(std::vector<PendingRecord>* records, std::vector<RecordId>* ids);

  // Stops accepting, commits what is queued, closes and syncs every WAL,
  // seals nothing new, and joins the threads. Idempotent.
  void Close();

  // Closes and seals every WAL whose hour is finished (hour end + grace) at
  // `now_ms`, busy or not, and seals every other closed WAL (rotated ones).
  // The seal thread does the same periodically, sparing busy late hours.
  Status SealFinishedHours(int64_t now_ms);

  const std::string& writer_id() const;
  const CommitterStats& stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kpi
