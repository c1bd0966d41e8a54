// The committer's threads and their handoffs are described in committer.h;
// this file holds open/close, the callers' side and the commit thread
// (the seal thread: committer_seal.cc, the sync thread: wal_syncer.cc).
#include "libkpi/write/committer_impl.h"
#include "libkpi/util/log.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

void FormatSeqHex(uint64_t seq, char out[16]) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, seq >>= 4) out[i] = kDigits[seq & 0xf];
}

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
using committer_internal::WalEnd;

// ---------------------------------------------------------------- open/close

Status Committer::Impl::Open() {
  if (opened_) return Status::InvalidArgument("Committer::Open called twice");
  if (options_.data_dir.empty()) return Status::InvalidArgument("no data directory configured");
  KPI_RETURN_IF_ERROR(layout_.CreateDirectories());
  KPI_RETURN_IF_ERROR(WriterState::Open(layout_, options_.writer_id, &state_));
  writer_id_ = state_->writer_id();
  line_prefix_ = "{\"_id\":\"" + writer_id_ + "-";
  // Recovery: every WAL of this writer left by the last process is closed
  // for good (new records always go to new files), so seal them all now,
  // finished hour or not. A WAL that cannot be sealed is reported and kept.
  {
    std::lock_guard<std::mutex> seal_lock(seal_mu_);
    static_cast<void>(SealClosedWals());
  }
  std::lock_guard<std::mutex> lock(mu_);
  opened_ = accepting_ = commit_running_ = true;
  syncer_.Start();
  commit_thread_ = std::thread([this] { CommitLoop(); });
  seal_thread_ = std::thread([this] { SealLoop(); });
  return Status::OK();
}

void Committer::Impl::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = false;
    stop_seal_ = true;
  }
  seal_cv_.notify_all();
  if (seal_thread_.joinable()) seal_thread_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_commit_ = true;
  }
  work_cv_.notify_all();
  if (commit_thread_.joinable()) commit_thread_.join();
  syncer_.Stop();
  state_.reset();  // releases the writer lock
}

// ---------------------------------------------------------------- callers

Status Committer::Impl::CheckRecords(const std::vector<PendingRecord>& records) const {
  const size_t id_bytes = line_prefix_.size() + 16 + 2;
  for (const PendingRecord& r : records) {
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
  KPI_RETURN_IF_ERROR(CheckRecords(*records));
  KPI_RETURN_IF_ERROR(free_space_.Check());
  CommitRequest request;
  request.records = records;
  request.ids = ids;
  return Enqueue(&request);
}

Status Committer::Impl::Enqueue(CommitRequest* request) {
  const size_t n = request->records->size();
  std::unique_lock<std::mutex> lock(mu_);
  if (!accepting_) return Status::Aborted("kpid is shutting down; the request was not stored");
  // An oversized request is let into an empty queue so that it cannot starve.
  if (queued_records_ > 0 && queued_records_ + n > options_.max_queue_records) {
    return Status::Busy(std::to_string(queued_records_) +
                        " records wait to be committed; retry later");
  }
  const bool wake = queue_.empty();
  queue_.push_back(request);
  queued_records_ += n;
  stats_.queue_depth.store(queued_records_, std::memory_order_relaxed);
  lock.unlock();
  if (wake) work_cv_.notify_one();
  // Waiting on the request's own mutex: answering a group does not make
  // every woken caller queue up again behind the committer's mutex.
  std::unique_lock<std::mutex> done_lock(request->done_mu);
  request->cv.wait(done_lock, [request] { return request->done; });
  return request->status;
}

// ---------------------------------------------------------------- commit thread

void Committer::Impl::CommitLoop() {
  std::vector<CommitRequest*> group;
  for (;;) {
    int64_t close_cutoff = 0;
    bool close_force = false;
    uint64_t close_generation = 0;
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [this] {
        return !queue_.empty() || stop_commit_ || close_requested_ != close_done_;
      });
      TakeGroup(&group);
      close_generation = close_requested_;
      close_cutoff = close_cutoff_hour_ms_;
      close_force = close_force_;
      stopping = stop_commit_ && queue_.empty();
    }
    if (!group.empty()) CommitGroup(group);
    if (close_generation != close_done_) {
      CloseFinishedWals(close_cutoff, close_force);
      std::lock_guard<std::mutex> lock(mu_);
      close_done_ = close_generation;
      closed_cv_.notify_all();
    }
    if (stopping) break;
  }
  while (!open_wals_.empty()) CloseWal(open_wals_.begin()->first, WalEnd::kShutdown);
  std::lock_guard<std::mutex> lock(mu_);
  commit_running_ = false;
  closed_cv_.notify_all();
}

// A group is whatever queued up while the previous one was written; nothing
// waits to gather more (the syncer batches the syncs instead).
void Committer::Impl::TakeGroup(std::vector<CommitRequest*>* group) {
  group->assign(queue_.begin(), queue_.end());
  queue_.clear();
}

void Committer::Impl::CommitGroup(const std::vector<CommitRequest*>& group) {
  CloseFailedWals();
  uint64_t records = 0;
  for (CommitRequest* r : group) records += r->records->size();
  uint64_t first_seq = 0;
  const Status s = state_->NextSeqs(records, &first_seq);
  if (!s.ok()) {
    for (CommitRequest* r : group) r->status = s;
    return Complete(group);
  }
  AppendGroup(group, first_seq);
  WriteTouched(group);
  HandToSyncer(group);
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

void Committer::Impl::AppendGroup(const std::vector<CommitRequest*>& group, uint64_t first_seq) {
  touched_count_ = 0;
  uint64_t seq = first_seq;
  for (size_t i = 0; i < group.size(); ++i) {
    CommitRequest* r = group[i];
    r->ids->reserve(r->records->size());
    for (const PendingRecord& record : *r->records) AppendRecord(i, record, seq++, r);
  }
}

// Frames go into the WAL's group buffer; SyncTouched writes each buffer with
// one write(2).
void Committer::Impl::AppendRecord(size_t request, const PendingRecord& record, uint64_t seq,
                                   CommitRequest* r) {
  if (!r->status.ok()) return;  // the request fails anyway; store no more of it
  const int64_t hour_ms = HourStart(record.timestamp_ms);
  size_t t = 0;
  while (t < touched_count_ && touched_[t].hour_ms != hour_ms) ++t;
  if (t == touched_count_) {
    if (touched_.size() == t) touched_.emplace_back();
    touched_[t].hour_ms = hour_ms;
    touched_[t].writer = nullptr;
    touched_[t].open_status = OpenWal(hour_ms, &touched_[t].writer);
    touched_[t].requests.clear();
    ++touched_count_;
  }
  TouchedWal& touched = touched_[t];
  if (touched.writer == nullptr) {
    r->status = touched.open_status;
    return;
  }
  if (touched.requests.empty() || touched.requests.back() != request) {
    touched.requests.push_back(request);
  }
  char hex[16];
  FormatSeqHex(seq, hex);
  touched.writer->AddFrame(record.timestamp_ms, seq,
                           {line_prefix_, std::string_view(hex, 16), "\",", record.body});
  r->ids->push_back(RecordId{writer_id_, seq});
}

// Writes each touched WAL's frames with one write(2). A WAL that failed is
// left out of touched_ (writer = null) for what follows.
void Committer::Impl::WriteTouched(const std::vector<CommitRequest*>& group) {
  bool rotated = false;
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
    touched.writer = nullptr;
    LogError("commit failed: " + s.ToString());
    for (size_t i : touched.requests) {
      if (group[i]->status.ok()) group[i]->status = s;
    }
    // NoSpace leaves the WAL cut back to its last frame and usable; anything
    // else leaves its tail unknown: close it, a new file takes new records.
    if (!s.IsNoSpace()) {
      CloseWal(touched.hour_ms, WalEnd::kFailed);
      rotated = true;
    }
  }
  if (rotated) {
    std::lock_guard<std::mutex> lock(mu_);
    seal_wanted_ = true;
    seal_cv_.notify_one();
  }
}

// always: a request is answered once the syncer has synced every WAL it
// wrote to; batch and none: now, its frames being written (a kill -9 no
// longer loses them; batch's syncer makes them survive a power loss within
// commit_window_us).
void Committer::Impl::HandToSyncer(const std::vector<CommitRequest*>& group) {
  const bool wait = options_.sync == SyncMode::kAlways;
  waits_for_sync_.assign(group.size(), 0);
  written_.resize(touched_count_);
  size_t n = 0;
  for (size_t t = 0; t < touched_count_; ++t) {
    if (touched_[t].writer == nullptr) continue;
    WrittenWal& w = written_[n++];
    w.writer = touched_[t].writer;
    w.waiters.clear();
    if (!wait) continue;
    for (size_t i : touched_[t].requests) {
      if (!group[i]->status.ok()) continue;
      w.waiters.push_back(group[i]);
      waits_for_sync_[i] = 1;
    }
  }
  written_.resize(n);
  answer_now_.clear();
  for (size_t i = 0; i < group.size(); ++i) {
    if (!waits_for_sync_[i]) answer_now_.push_back(group[i]);
  }
  // Answer first: the syncer may release the others as soon as it has them.
  if (!answer_now_.empty()) Complete(answer_now_);
  syncer_.AddWritten(written_);
}

void Committer::Impl::RotateFullWals() {
  bool rotated = false;
  for (size_t t = 0; t < touched_count_; ++t) {
    const TouchedWal& touched = touched_[t];
    if (touched.writer == nullptr || touched.writer->size() < options_.wal_max_bytes) continue;
    CloseWal(touched.hour_ms, WalEnd::kRotated);
    rotated = true;
  }
  if (rotated) {
    std::lock_guard<std::mutex> lock(mu_);
    seal_wanted_ = true;
    seal_cv_.notify_one();
  }
}

void Committer::Impl::Complete(const std::vector<CommitRequest*>& requests) {
  uint64_t committed = 0, answered = 0;
  for (CommitRequest* r : requests) {
    answered += r->records->size();
    if (r->status.ok()) {
      committed += r->records->size();
    } else {
      r->ids->clear();
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued_records_ -= answered;
    stats_.queue_depth.store(queued_records_, std::memory_order_relaxed);
  }
  stats_.records_committed.fetch_add(committed, std::memory_order_relaxed);
  for (CommitRequest* r : requests) {
    std::lock_guard<std::mutex> lock(r->done_mu);
    r->done = true;
    r->cv.notify_one();  // under its lock: the request lives on its caller's stack
  }
}

void Committer::Impl::Release(const std::vector<SyncWaiter*>& released) {
  std::vector<CommitRequest*> requests;
  requests.reserve(released.size());
  for (SyncWaiter* w : released) requests.push_back(static_cast<CommitRequest*>(w));
  Complete(requests);
}

Status Committer::Impl::OpenWal(int64_t hour_ms, wal::WalWriter** writer) {
  auto it = open_wals_.find(hour_ms);
  if (it != open_wals_.end()) {
    it->second.written_ms = NowMs();
    *writer = it->second.writer.get();
    return Status::OK();
  }
  FileKey key{hour_ms, writer_id_, 0};
  KPI_RETURN_IF_ERROR(state_->NextSeqs(1, &key.seq));
  {
    // Listed before the file exists, so the sealer never sees it unlisted.
    std::lock_guard<std::mutex> lock(mu_);
    open_keys_.insert(key);
  }
  std::unique_ptr<wal::WalWriter> created;
  const Status s = wal::WalWriter::Create(layout_, key, &created);
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    open_keys_.erase(key);
    return s;
  }
  // always: every answer waits for an fdatasync, which is far cheaper over
  // blocks the file already has (wal.h set_prefill).
  if (options_.sync == SyncMode::kAlways) {
    created->set_prefill(kAlwaysPrefillBytes, options_.wal_max_bytes);
  }
  *writer = created.get();
  const int64_t now = NowMs();
  open_wals_.emplace(hour_ms, OpenWalFile{std::move(created), now, now});
  stats_.open_wals.store(open_wals_.size(), std::memory_order_relaxed);
  return Status::OK();
}

void Committer::Impl::CloseWal(int64_t hour_ms, WalEnd why) {
  auto it = open_wals_.find(hour_ms);
  if (it == open_wals_.end()) return;
  wal::WalWriter* writer = it->second.writer.get();
  // Syncs what the syncer has not yet synced (and, at shutdown, even in mode
  // none) and answers the requests that waited for it.
  Status s = syncer_.Detach(writer, why == WalEnd::kShutdown);
  const Status closed = writer->Close();
  if (s.ok()) s = closed;
  if (!s.ok() && why != WalEnd::kFailed) LogError("closing " + writer->path() + ": " + s.ToString());
  const FileKey key = writer->key();
  open_wals_.erase(it);
  stats_.open_wals.store(open_wals_.size(), std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  open_keys_.erase(key);
}

void Committer::Impl::CloseFinishedWals(int64_t cutoff_hour_ms, bool force) {
  const int64_t now = NowMs();
  for (auto it = open_wals_.begin(); it != open_wals_.end() && it->first <= cutoff_hour_ms;) {
    const OpenWalFile& w = (it++)->second;  // CloseWal erases the entry
    if (force || now - w.written_ms >= kIdleBeforeSealMs ||
        now - w.opened_ms >= options_.seal_grace_ms) {
      CloseWal(w.writer->key().hour_ms, WalEnd::kRotated);
    }
  }
}

}  // namespace kpi
