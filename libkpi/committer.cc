// The committer's threads and their handoffs are described in committer.h.
#include "libkpi/committer.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "libkpi/free_space.h"
#include "libkpi/log.h"
#include "libkpi/sealer.h"
#include "libkpi/store_layout.h"
#include "libkpi/time_util.h"
#include "libkpi/wal.h"
#include "libkpi/writer_state.h"

namespace kpi {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kSealInterval{2000};
// The seal thread closes the WAL of a finished hour once no record came for
// it this long, or once it has been open for seal_grace_ms: a trickle of
// late records then makes one segment per grace period, not one per pass.
constexpr int64_t kIdleBeforeSealMs = 30 * 1000;
// In batch mode a group stops gathering early once this many records wait.
constexpr size_t kFullBatchRecords = 4096;

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

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

struct CommitRequest {
  std::vector<PendingRecord>* records;
  std::vector<RecordId>* ids;
  Status status;
  bool done = false;  // guarded by Impl::mu_
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

}  // namespace

bool ParseSyncMode(std::string_view text, SyncMode* mode) {
  if (text == "always") *mode = SyncMode::kAlways;
  else if (text == "batch") *mode = SyncMode::kBatch;
  else if (text == "none") *mode = SyncMode::kNone;
  else return false;
  return true;
}

const char* SyncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kAlways: return "always";
    case SyncMode::kBatch: return "batch";
    case SyncMode::kNone: return "none";
  }
  return "?";
}

class Committer::Impl {
 public:
  explicit Impl(CommitterOptions options)
      : options_(std::move(options)),
        layout_(options_.data_dir),
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
  void TakeGroup(std::unique_lock<std::mutex>& lock, std::vector<CommitRequest*>* group);
  void CommitGroup(const std::vector<CommitRequest*>& group);
  void AppendGroup(const std::vector<CommitRequest*>& group, uint64_t first_seq);
  void AppendRecord(size_t request, const PendingRecord& record, uint64_t seq,
                    CommitRequest* r);
  void SyncTouched(const std::vector<CommitRequest*>& group);
  Status SyncWal(wal::WalWriter* writer);
  void Complete(const std::vector<CommitRequest*>& group);
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
  size_t queued_records_ = 0;
  uint64_t close_requested_ = 0;  // generation of close requests
  uint64_t close_done_ = 0;
  int64_t close_cutoff_hour_ms_ = 0;
  bool close_force_ = false;
  std::set<FileKey> open_keys_;  // WALs the commit thread may still append to

  // Owned by the commit thread alone.
  std::map<int64_t, OpenWalFile> open_wals_;  // by hour
  std::vector<TouchedWal> touched_;
  size_t touched_count_ = 0;

  std::mutex seal_mu_;  // one seal pass at a time
  std::map<std::string, std::string> reported_seal_failures_;  // guarded by seal_mu_

  FreeSpaceFloor free_space_;

  std::thread commit_thread_;
  std::thread seal_thread_;
};

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
  const bool wake = queue_.empty() || queued_records_ + n >= kFullBatchRecords;
  queue_.push_back(request);
  queued_records_ += n;
  stats_.queue_depth.store(queued_records_, std::memory_order_relaxed);
  if (wake) work_cv_.notify_one();
  request->cv.wait(lock, [request] { return request->done; });
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
      TakeGroup(lock, &group);
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

// Batch mode lets a group gather for up to commit_window_us before its one
// sync; always mode takes whatever queued up during the previous sync.
void Committer::Impl::TakeGroup(std::unique_lock<std::mutex>& lock,
                                std::vector<CommitRequest*>* group) {
  group->clear();
  if (queue_.empty()) return;
  if (options_.sync == SyncMode::kBatch && options_.commit_window_us > 0) {
    const auto deadline = Clock::now() + std::chrono::microseconds(options_.commit_window_us);
    work_cv_.wait_until(lock, deadline, [this] {
      return stop_commit_ || queued_records_ >= kFullBatchRecords;
    });
  }
  group->assign(queue_.begin(), queue_.end());
  queue_.clear();
  queued_records_ = 0;
  stats_.queue_depth.store(0, std::memory_order_relaxed);
}

void Committer::Impl::CommitGroup(const std::vector<CommitRequest*>& group) {
  uint64_t records = 0;
  for (CommitRequest* r : group) records += r->records->size();
  uint64_t first_seq = 0;
  const Status s = state_->NextSeqs(records, &first_seq);
  if (!s.ok()) {
    for (CommitRequest* r : group) r->status = s;
  } else {
    AppendGroup(group, first_seq);
    SyncTouched(group);
  }
  Complete(group);
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

void Committer::Impl::SyncTouched(const std::vector<CommitRequest*>& group) {
  bool rotated = false;
  for (size_t t = 0; t < touched_count_; ++t) {
    TouchedWal& touched = touched_[t];
    wal::WalWriter* writer = touched.writer;
    if (writer == nullptr) continue;
    const uint64_t before = writer->size();
    Status s = writer->Flush();
    if (s.ok()) s = SyncWal(writer);
    if (s.ok()) {
      stats_.bytes_written.fetch_add(writer->size() - before, std::memory_order_relaxed);
      if (writer->size() >= options_.wal_max_bytes) {
        CloseWal(touched.hour_ms, WalEnd::kRotated);
        rotated = true;
      }
      continue;
    }
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

Status Committer::Impl::SyncWal(wal::WalWriter* writer) {
  if (options_.sync == SyncMode::kNone) return Status::OK();
  const int64_t start = SteadyMicros();
  Status s = writer->Sync();
  const uint64_t us = static_cast<uint64_t>(SteadyMicros() - start);
  int bucket = 0;
  while (bucket < CommitterStats::kSyncBuckets - 1 && us > CommitterStats::kSyncBucketUs[bucket]) {
    ++bucket;
  }
  stats_.sync_latency_bucket[bucket].fetch_add(1, std::memory_order_relaxed);
  stats_.sync_latency_sum_us.fetch_add(us, std::memory_order_relaxed);
  stats_.syncs.fetch_add(1, std::memory_order_relaxed);
  return s;
}

void Committer::Impl::Complete(const std::vector<CommitRequest*>& group) {
  uint64_t committed = 0;
  std::lock_guard<std::mutex> lock(mu_);
  for (CommitRequest* r : group) {
    if (r->status.ok()) {
      committed += r->records->size();
    } else {
      r->ids->clear();
    }
    r->done = true;
    r->cv.notify_one();  // under the lock: the request lives on its caller's stack
  }
  stats_.records_committed.fetch_add(committed, std::memory_order_relaxed);
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
  const bool sync = why == WalEnd::kShutdown && options_.sync == SyncMode::kNone;
  Status s = sync ? writer->Sync() : Status::OK();
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

// ---------------------------------------------------------------- sealing

void Committer::Impl::SealLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_seal_) {
    seal_cv_.wait_for(lock, kSealInterval, [this] { return stop_seal_ || seal_wanted_; });
    if (stop_seal_) break;
    seal_wanted_ = false;
    lock.unlock();
    static_cast<void>(SealFinishedHours(NowMs(), /*force=*/false));  // failures are logged
    lock.lock();
  }
}

Status Committer::Impl::SealFinishedHours(int64_t now_ms, bool force) {
  std::lock_guard<std::mutex> seal_lock(seal_mu_);
  // An hour is finished when it ended at least seal_grace_ms ago.
  RequestCloseFinished(now_ms - options_.seal_grace_ms - kMsPerHour, force);
  return SealClosedWals();
}

// Only the commit thread touches open WALs, so the seal side asks it to
// close the finished ones and waits until it has.
void Committer::Impl::RequestCloseFinished(int64_t cutoff_hour_ms, bool force) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!commit_running_) return;
  const uint64_t generation = ++close_requested_;
  close_cutoff_hour_ms_ = cutoff_hour_ms;
  close_force_ = force;
  work_cv_.notify_one();
  closed_cv_.wait(lock, [&] { return close_done_ >= generation || !commit_running_; });
}

// Seals every WAL of this writer that the commit thread does not hold open.
// A closed WAL is never appended to again, whatever its hour.
Status Committer::Impl::SealClosedWals() {
  std::vector<ListedFile> wals;
  KPI_RETURN_IF_ERROR(layout_.ListWals(kMinTimeMs, kMaxTimeMs, &wals));
  SealOptions seal_options;
  seal_options.zstd_level = options_.zstd_level;
  seal_options.block_bytes = options_.block_bytes;
  Status first_error;
  for (const ListedFile& f : wals) {
    if (f.key.writer != writer_id_) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (open_keys_.count(f.key) != 0) continue;
    }
    SealResult result;
    const Status s = SealWal(layout_, f.path, seal_options, &result);
    if (result.torn_bytes > 0) {
      stats_.recovered_torn_bytes.fetch_add(result.torn_bytes, std::memory_order_relaxed);
      LogWarn(f.path + ": dropped a torn tail of " + std::to_string(result.torn_bytes) +
              " bytes (" + result.tail_problem + "); it was never acknowledged");
    }
    if (!s.ok()) {
      ReportSealFailure(f.path, s);
      if (first_error.ok()) first_error = s;
      continue;
    }
    reported_seal_failures_.erase(f.path);
    if (!result.segment_path.empty() && !result.already_sealed) {
      stats_.segments_sealed.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return first_error;
}

// The seal thread retries every few seconds; say each distinct failure once.
void Committer::Impl::ReportSealFailure(const std::string& path, const Status& s) {
  std::string& last = reported_seal_failures_[path];
  if (last == s.ToString()) return;
  last = s.ToString();
  LogError("cannot seal " + path + ", keeping it: " + last);
}

// ---------------------------------------------------------------- Committer

Committer::Committer(CommitterOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
Committer::~Committer() { Close(); }
Status Committer::Open() { return impl_->Open(); }
Status Committer::Commit(std::vector<PendingRecord>* records, std::vector<RecordId>* ids) {
  return impl_->Commit(records, ids);
}
void Committer::Close() { impl_->Close(); }
Status Committer::SealFinishedHours(int64_t now_ms) {
  return impl_->SealFinishedHours(now_ms, /*force=*/true);
}
const std::string& Committer::writer_id() const { return impl_->writer_id(); }
const CommitterStats& Committer::stats() const { return impl_->stats(); }

}  // namespace kpi
