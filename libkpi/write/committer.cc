// The committer's threads and their handoffs are described in committer.h;
// this file holds open/close, the callers' side and the group leader (the
// seal thread: committer_seal.cc, batch mode's sync thread: wal_syncer.cc).
#include "libkpi/util/hex.h"
#include "libkpi/write/committer_impl.h"
#include "libkpi/util/log.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

// The committer writes the line as {"_id":"<id>",<body>; the sealer later
// checks that the line's timestamp is the record's, so check it here, where
// the caller still can be told.
bool BodyStartsWithTimestamp(std::string_view body, int64_t timestamp_ms) {
  constexpr std::string_view kKey = "\"timestamp\":";
  if (body.size() < kKey.size() + 2 || body.substr(0, kKey.size()) != kKey || body.back() != '}') {
    return false;
  }
  const std::string expected = std::to_string(timestamp_ms);
  const std::string_view rest = body.substr(kKey.size());
  return rest.substr(0, expected.size()) == expected &&
         (rest[expected.size()] == ',' || rest[expected.size()] == '}');
}

}  // namespace

using committer_internal::kIdleBeforeSealMs;
constexpr uint64_t kAlwaysPrefillBytes = 512 << 10;
// A group's records are framed into one buffer per WAL before its write(2).
// Unbounded, 64 forwarders' batches of 100 made 7 MB groups, and the buffer,
// regrown by doubling on whichever thread led, left holes of up to 16 MB in
// every malloc arena (heaptrack: 11-20 MB peak in AppendFrame; kpid's RSS
// 260 MiB for a 44 MiB heap). At 1 MiB a group still holds ~1,000 single
// blobs, more than the connections, and a few forwarder batches.
constexpr size_t kMaxGroupBytes = 1 << 20;
// A leader's own caller waits while it leads the groups that queued up
// behind its own; this bounds that wait (a group takes tens of µs in batch).
// In always, where each group waits for an fdatasync, the hand-off's
// wake-up is small beside it, and a leader leads one group.
constexpr int kMaxGroupsPerLeader = 16;
using committer_internal::WalEnd;

// ---------------------------------------------------------------- open/close

Status Committer::Impl::Open() {
  {
    MutexLock lock(&mu_);
    if (opened_) return Status::InvalidArgument("Committer::Open called twice");
  }
  if (options_.data_dir.empty()) return Status::InvalidArgument("no data directory configured");
  KPI_RETURN_IF_ERROR(layout_.CreateDirectories());
  KPI_RETURN_IF_ERROR(WriterState::Open(layout_, options_.writer_id, &state_));
  writer_id_ = state_->writer_id();
  line_prefix_ = "{\"_id\":\"" + writer_id_ + "-";
  // Recovery: every WAL of this writer left by the last process is closed
  // for good (new records always go to new files, under seqs above the
  // reservation), so nothing new is ever appended after a torn tail. The
  // seal thread's first pass cuts each one's torn tail and seals it
  // (finished hour or not) while new records are taken: the time to the
  // first answer does not grow with the backlog. A WAL that cannot be
  // sealed is reported and kept.
  MutexLock lock(&mu_);
  opened_ = accepting_ = true;
  seal_wanted_ = true;  // the first pass seals the recovered WALs at once
  syncer_.Start();
  seal_thread_ = std::thread([this] { SealLoop(); });
  return Status::OK();
}

void Committer::Impl::Close() {
  bool opened;
  {
    MutexLock lock(&mu_);
    accepting_ = false;
    stop_seal_ = true;
    opened = opened_;
  }
  seal_cv_.SignalAll();
  if (seal_thread_.joinable()) seal_thread_.join();
  if (opened) {
    // Queued behind every accepted request: they are committed first.
    CommitRequest shutdown;
    shutdown.kind = CommitRequest::Kind::kShutdown;
    static_cast<void>(Enqueue(&shutdown));
  }
  syncer_.Stop();
  state_.reset();  // releases the writer lock
}

// ---------------------------------------------------------------- callers

Status Committer::Impl::CheckRecords(const std::vector<PendingRecord>& records,
                                     size_t* bytes) const {
  const size_t id_bytes = line_prefix_.size() + 16 + 2;
  *bytes = 0;
  for (const PendingRecord& r : records) {
    *bytes += r.body.size();
    if (r.timestamp_ms < kMinTimeMs || r.timestamp_ms >= kMaxTimeMs) {
      return Status::InvalidArgument("timestamp " + std::to_string(r.timestamp_ms) +
                                     " is outside 1970..9999");
    }
    if (!BodyStartsWithTimestamp(r.body, r.timestamp_ms)) {
      return Status::InvalidArgument("record body must start with \"timestamp\":" +
                                     std::to_string(r.timestamp_ms) + " and end with '}'");
    }
    if (id_bytes + r.body.size() > wal::kMaxPayload) {
      return Status::InvalidArgument("record of " + std::to_string(r.body.size()) +
                                     " bytes is over the 1 MiB limit");
    }
  }
  return Status::OK();
}

Status Committer::Impl::Commit(std::vector<PendingRecord>* records, std::vector<RecordId>* ids) {
  ids->clear();
  if (records->empty()) return Status::OK();
  CommitRequest request;
  KPI_RETURN_IF_ERROR(CheckRecords(*records, &request.bytes));
  KPI_RETURN_IF_ERROR(free_space_.Check());
  request.records = records;
  request.ids = ids;
  return Enqueue(&request);
}

// Queues the request and waits for its turn: answered by the leader of its
// group, or made the leader itself (at once when no one leads).
Status Committer::Impl::Enqueue(CommitRequest* request) {
  bool lead = false;
  {
    MutexLock lock(&mu_);
    if (request->kind == CommitRequest::Kind::kRecords) {
      if (!accepting_) return Status::Aborted("kpid is shutting down; the request was not stored");
      // An oversized request is let into an empty queue so that it cannot starve.
      const size_t n = request->records->size();
      if (queued_records_ > 0 && queued_records_ + n > options_.max_queue_records) {
        return Status::Busy(std::to_string(queued_records_) +
                            " records wait to be committed; retry later");
      }
      queued_records_ += n;
      stats_.queue_depth.store(queued_records_, std::memory_order_relaxed);
    } else if (shut_down_) {
      return Status::OK();  // every WAL is closed already
    }
    queue_.push_back(request);
    lead = !leader_active_;
    leader_active_ = true;
  }
  if (!lead) {
    lead = static_cast<CommitRequest::Turn>(request->turn.Wait()) == CommitRequest::Turn::kLead;
  }
  if (lead) Lead(request);
  return request->status;
}

void Committer::Impl::Wake(CommitRequest* request, CommitRequest::Turn turn) {
  request->turn.Post(static_cast<uint32_t>(turn));
}

// ---------------------------------------------------------------- the leader

// Runs on the thread of the request at the front of the queue: takes the
// group behind it, writes (and in always, syncs) it and answers it. While
// requests wait, it leads their group too, up to kMaxGroupsPerLeader groups
// (its own caller waits meanwhile): handing the writer role on costs a
// wake-up, and every request that arrives until the woken thread runs waits
// behind it. Then it hands the role to the request at the front, if any.
void Committer::Impl::Lead(CommitRequest* self) {
  role_.AssertHeld();
  Group group;
  {
    MutexLock lock(&mu_);
    TakeGroup(&group);
  }
  const int max_groups = options_.sync == SyncMode::kAlways ? 1 : kMaxGroupsPerLeader;
  for (int led = 1;; ++led) {
    if (group.front()->kind == CommitRequest::Kind::kRecords) {
      CommitGroup(group);
    } else {
      RunControl(*group.front());
    }
    Finish(group);
    Group following;
    CommitRequest* next = nullptr;
    {
      MutexLock lock(&mu_);
      if (queue_.empty()) {
        leader_active_ = false;
      } else if (led < max_groups &&
                 queue_.front()->kind == CommitRequest::Kind::kRecords) {
        TakeGroup(&following);
      } else {
        next = queue_.front();
      }
    }
    if (next != nullptr) Wake(next, CommitRequest::Turn::kLead);
    for (CommitRequest* r : group) {
      if (r != self) Wake(r, CommitRequest::Turn::kDone);
    }
    if (following.empty()) return;
    group = std::move(following);
  }
}

// The group is every record request queued, from the front up to the first
// control request or kMaxGroupBytes (at least one request); a control
// request at the front runs alone.
void Committer::Impl::TakeGroup(Group* group) {
  group->push_back(queue_.front());
  queue_.pop_front();
  if (group->front()->kind != CommitRequest::Kind::kRecords) return;
  size_t bytes = group->front()->bytes;
  while (!queue_.empty() && queue_.front()->kind == CommitRequest::Kind::kRecords &&
         bytes + queue_.front()->bytes <= kMaxGroupBytes) {
    bytes += queue_.front()->bytes;
    group->push_back(queue_.front());
    queue_.pop_front();
  }
}

void Committer::Impl::RunControl(const CommitRequest& request) {
  if (request.kind == CommitRequest::Kind::kCloseFinished) {
    return CloseFinishedWals(request.close_cutoff_hour_ms, request.close_force);
  }
  while (!open_wals_.empty()) CloseWal(open_wals_.begin()->first, WalEnd::kShutdown);
  MutexLock lock(&mu_);
  shut_down_ = true;
}

void Committer::Impl::CommitGroup(const Group& group) {
  CloseFailedWals();
  AppendGroup(group);
  WriteTouched(group);
  SyncTouched(group);
  RotateFullWals();
}

// A WAL whose background sync failed has an unknown tail: close it, so that
// later records of its hour go to a new file.
void Committer::Impl::CloseFailedWals() {
  for (wal::WalWriter* failed : syncer_.TakeFailed()) {
    for (const auto& [hour_ms, file] : open_wals_) {
      if (file.writer.get() != failed) continue;
      CloseWal(hour_ms, WalEnd::kFailed);
      break;
    }
  }
}

void Committer::Impl::AppendGroup(const Group& group) {
  touched_count_ = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    CommitRequest* r = group[i];
    r->ids->reserve(r->records->size());
    for (const PendingRecord& record : *r->records) AppendRecord(i, record, r);
  }
}

// Frames go into the WAL's group buffer; WriteTouched writes each buffer
// with one write(2).
void Committer::Impl::AppendRecord(size_t request, const PendingRecord& record,
                                   CommitRequest* r) {
  if (!r->status.ok()) return;  // the request fails anyway; store no more of it
  const int64_t hour_ms = HourStart(record.timestamp_ms);
  size_t t = 0;
  while (t < touched_count_ && touched_[t].hour_ms != hour_ms) ++t;
  if (t == touched_count_) {
    if (touched_.size() == t) touched_.emplace_back();
    touched_[t].hour_ms = hour_ms;
    touched_[t].file = nullptr;
    touched_[t].open_status = OpenWal(hour_ms, &touched_[t].file);
    touched_[t].writer = touched_[t].file ? touched_[t].file->writer.get() : nullptr;
    touched_[t].requests.clear();
    ++touched_count_;
  }
  TouchedWal& touched = touched_[t];
  if (touched.writer == nullptr) {
    r->status = touched.open_status;
    return;
  }
  OpenWalFile* file = touched.file;
  if (file->assigned == file->order->Capacity()) {
    // Only a single request larger than max_queue_records gets here (see
    // RotateFullWals); it is refused whole and the full WAL rotated.
    r->status = Status::Busy("the WAL's block of record seqs is full; retry");
    return;
  }
  if (touched.requests.empty() || touched.requests.back() != request) {
    touched.requests.push_back(request);
  }
  // wal.md §3.1: the arrival index, permuted within the WAL's block.
  const uint64_t seq = touched.writer->key().seq + 1 + file->order->Position(file->assigned++);
  char hex[16];
  EncodeHex16(seq, hex);
  touched.writer->AddFrame(record.timestamp_ms, seq,
                           {line_prefix_, std::string_view(hex, 16), "\",", record.body});
  r->ids->push_back(RecordId{writer_id_, seq});
}

// Writes each touched WAL's frames with one write(2). A WAL that failed is
// left out of touched_ (writer = null) for what follows.
void Committer::Impl::WriteTouched(const Group& group) {
  for (size_t t = 0; t < touched_count_; ++t) {
    TouchedWal& touched = touched_[t];
    wal::WalWriter* writer = touched.writer;
    if (writer == nullptr) continue;
    const uint64_t before = writer->size();
    const Status s = writer->Flush();
    if (s.ok()) {
      stats_.bytes_written.fetch_add(writer->size() - before, std::memory_order_relaxed);
      continue;
    }
    // NoSpace leaves the WAL cut back to its last frame and usable.
    if (s.IsNoSpace()) {
      LogError("commit failed: " + s.ToString());
      for (size_t i : touched.requests) {
        if (group[i]->status.ok()) group[i]->status = s;
      }
      touched.writer = nullptr;
      continue;
    }
    FailTouched(group, &touched, s);
  }
}

// always: every written WAL is fdatasynced before its requests are
// answered; one sync covers the whole group (group commit). batch: the sync
// thread syncs it within commit_window_us. none: nothing.
void Committer::Impl::SyncTouched(const Group& group) {
  for (size_t t = 0; t < touched_count_; ++t) {
    TouchedWal& touched = touched_[t];
    if (touched.writer == nullptr) continue;
    if (options_.sync != SyncMode::kAlways) {
      syncer_.AddWritten(touched.writer);
      continue;
    }
    const Status s = syncer_.SyncNow(touched.writer);
    if (!s.ok()) FailTouched(group, &touched, s);
  }
}

// A write or sync of `touched` failed with `s`: its requests fail, and its
// tail is unknown, so it is closed and a new file takes later records.
void Committer::Impl::FailTouched(const Group& group, TouchedWal* touched, const Status& s) {
  LogError("commit failed, closing " + touched->writer->path() + ": " + s.ToString());
  for (size_t i : touched->requests) {
    if (group[i]->status.ok()) group[i]->status = s;
  }
  touched->writer = nullptr;
  CloseWal(touched->hour_ms, WalEnd::kFailed);
  WantSeal();
}

void Committer::Impl::RotateFullWals() {
  bool rotated = false;
  for (size_t t = 0; t < touched_count_; ++t) {
    const TouchedWal& touched = touched_[t];
    if (touched.writer == nullptr) continue;
    const uint64_t seqs_left = touched.file->order->Capacity() - touched.file->assigned;
    if (touched.writer->size() < options_.wal_max_bytes &&
        seqs_left >= options_.max_queue_records) {
      continue;
    }
    CloseWal(touched.hour_ms, WalEnd::kRotated);
    rotated = true;
  }
  if (rotated) WantSeal();
}

void Committer::Impl::WantSeal() {
  {
    MutexLock lock(&mu_);
    seal_wanted_ = true;
  }
  seal_cv_.Signal();
}

// Counts the group's records as answered (before anyone is woken: a caller
// may send its next request at once).
void Committer::Impl::Finish(const Group& group) {
  uint64_t committed = 0, answered = 0;
  for (CommitRequest* r : group) {
    if (r->kind != CommitRequest::Kind::kRecords) continue;
    answered += r->records->size();
    if (r->status.ok()) {
      committed += r->records->size();
    } else {
      r->ids->clear();
    }
  }
  stats_.records_committed.fetch_add(committed, std::memory_order_relaxed);
  if (answered == 0) return;
  MutexLock lock(&mu_);
  queued_records_ -= answered;
  stats_.queue_depth.store(queued_records_, std::memory_order_relaxed);
}

Status Committer::Impl::OpenWal(int64_t hour_ms, OpenWalFile** file) {
  auto it = open_wals_.find(hour_ms);
  if (it != open_wals_.end()) {
    it->second.written_ms = layout_.fs()->NowMs();
    *file = &it->second;
    return Status::OK();
  }
  // The file's seq, then the block its records' seqs come from (wal.md §3.1).
  auto order = std::make_unique<RecordOrder>(RecordOrder::Random(options_.wal_order_bits));
  FileKey key{hour_ms, writer_id_, 0};
  KPI_RETURN_IF_ERROR(state_->NextSeqs(1 + order->Capacity(), &key.seq));
  {
    // Listed before the file exists, so the sealer never sees it unlisted.
    MutexLock lock(&mu_);
    open_keys_.insert(key);
  }
  std::unique_ptr<wal::WalWriter> created;
  const Status s = wal::WalWriter::Create(layout_, key, *order, &created);
  if (!s.ok()) {
    MutexLock lock(&mu_);
    open_keys_.erase(key);
    return s;
  }
  // always: every answer waits for an fdatasync, which is far cheaper over
  // blocks the file already has (wal.h set_prefill).
  if (options_.sync == SyncMode::kAlways) {
    created->set_prefill(kAlwaysPrefillBytes, options_.wal_max_bytes);
  }
  const int64_t now = layout_.fs()->NowMs();
  *file = &open_wals_.emplace(hour_ms, OpenWalFile{std::move(created), std::move(order), 0, now, now})
               .first->second;
  stats_.open_wals.store(open_wals_.size(), std::memory_order_relaxed);
  return Status::OK();
}

void Committer::Impl::CloseWal(int64_t hour_ms, WalEnd why) {
  auto it = open_wals_.find(hour_ms);
  if (it == open_wals_.end()) return;
  wal::WalWriter* writer = it->second.writer.get();
  // Syncs what the syncer has not yet synced (and, at shutdown, even in mode
  // none).
  Status s = syncer_.Detach(writer, why == WalEnd::kShutdown);
  const Status closed = writer->Close();
  if (s.ok()) s = closed;
  if (!s.ok() && why != WalEnd::kFailed) LogError("closing " + writer->path() + ": " + s.ToString());
  const FileKey key = writer->key();
  open_wals_.erase(it);
  stats_.open_wals.store(open_wals_.size(), std::memory_order_relaxed);
  MutexLock lock(&mu_);
  open_keys_.erase(key);
}

void Committer::Impl::CloseFinishedWals(int64_t cutoff_hour_ms, bool force) {
  const int64_t now = layout_.fs()->NowMs();
  for (auto it = open_wals_.begin(); it != open_wals_.end() && it->first <= cutoff_hour_ms;) {
    const OpenWalFile& w = (it++)->second;  // CloseWal erases the entry
    if (force || now - w.written_ms >= kIdleBeforeSealMs ||
        now - w.opened_ms >= options_.seal_grace_ms) {
      CloseWal(w.writer->key().hour_ms, WalEnd::kRotated);
    }
  }
}

}  // namespace kpi
