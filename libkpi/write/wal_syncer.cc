// The sync thread's rounds and handoffs are described in wal_syncer.h.
#include "libkpi/write/wal_syncer.h"

#include <algorithm>
#include <chrono>

#include "libkpi/util/log.h"

namespace kpi {
namespace {

using Clock = std::chrono::steady_clock;

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

void RecordSyncLatency(CommitterStats* stats, uint64_t us) {
  int bucket = 0;
  while (bucket < CommitterStats::kSyncBuckets - 1 && us > CommitterStats::kSyncBucketUs[bucket]) {
    ++bucket;
  }
  stats->sync_latency_bucket[bucket].fetch_add(1, std::memory_order_relaxed);
  stats->sync_latency_sum_us.fetch_add(us, std::memory_order_relaxed);
  stats->syncs.fetch_add(1, std::memory_order_relaxed);
}

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

WalSyncer::WalSyncer(SyncMode mode, int64_t window_us, CommitterStats* stats, ReleaseFn release)
    : mode_(mode), window_us_(window_us), stats_(stats), release_(std::move(release)) {}

WalSyncer::~WalSyncer() { Stop(); }

void WalSyncer::Start() {
  if (mode_ == SyncMode::kNone || thread_.joinable()) return;
  thread_ = std::thread([this] { SyncLoop(); });
}

void WalSyncer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalSyncer::AddWritten(const std::vector<WrittenWal>& wals) {
  if (mode_ == SyncMode::kNone) return;
  const int64_t now = SteadyMicros();
  std::lock_guard<std::mutex> lock(mu_);
  for (const WrittenWal& w : wals) {
    auto it = std::find_if(dirty_.begin(), dirty_.end(),
                           [&](const Dirty& d) { return d.writer == w.writer; });
    if (it == dirty_.end()) it = dirty_.insert(dirty_.end(), Dirty{w.writer, now, {}});
    for (SyncWaiter* waiter : w.waiters) {
      ++waiter->unsynced;
      it->waiters.push_back(waiter);
    }
  }
  work_cv_.notify_one();
}

Status WalSyncer::Detach(wal::WalWriter* writer, bool force) {
  Dirty dirty;
  bool was_dirty = false;
  Status failure;
  {
    std::unique_lock<std::mutex> lock(mu_);
    ++detaching_;
    idle_cv_.wait(lock, [this] { return !syncing_; });
    --detaching_;
    auto it = std::find_if(dirty_.begin(), dirty_.end(),
                           [&](const Dirty& d) { return d.writer == writer; });
    if (it != dirty_.end()) {
      dirty = std::move(*it);
      dirty_.erase(it);
      was_dirty = true;
    }
    auto f = std::find_if(failed_.begin(), failed_.end(),
                          [&](const Failed& x) { return x.writer == writer; });
    if (f != failed_.end()) {
      failure = f->status;
      failed_.erase(f);
    }
  }
  work_cv_.notify_one();  // the sync thread may have held back for this call
  Status s = failure;
  if (s.ok() && (was_dirty || force)) s = TimedSync(writer, /*from_commit_thread=*/true);
  std::vector<SyncWaiter*> released;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Settle(s, dirty.waiters, &released);
  }
  if (!released.empty()) release_(released);
  return s;
}

std::vector<wal::WalWriter*> WalSyncer::TakeFailed() {
  std::vector<wal::WalWriter*> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (Failed& f : failed_) {
    if (!f.reported) out.push_back(f.writer);
    f.reported = true;
  }
  return out;
}

// Waits until a round may start: dirty WALs, no Detach waiting and, in
// batch mode, the oldest write's window over. False when stopped and idle.
bool WalSyncer::WaitForWork(std::unique_lock<std::mutex>& lock) {
  for (;;) {
    work_cv_.wait(lock, [this] { return stop_ || (!dirty_.empty() && detaching_ == 0); });
    if (dirty_.empty()) return false;  // stopped with nothing left
    if (detaching_ > 0) continue;
    if (mode_ != SyncMode::kBatch || stop_) return true;
    int64_t oldest = dirty_.front().first_write_us;
    for (const Dirty& d : dirty_) oldest = std::min(oldest, d.first_write_us);
    const auto due = Clock::time_point(std::chrono::microseconds(oldest + window_us_));
    if (Clock::now() >= due) return true;
    work_cv_.wait_until(lock, due, [this] { return stop_ || detaching_ > 0; });
  }
}

void WalSyncer::SyncLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  std::vector<Dirty> round;
  std::vector<Status> results;
  std::vector<SyncWaiter*> released;
  while (WaitForWork(lock)) {
    round.swap(dirty_);
    syncing_ = true;
    results.clear();
    for (const Dirty& d : round) {
      const Status* failed = FailureOf(d.writer);
      results.push_back(failed != nullptr ? *failed : Status::OK());
    }
    lock.unlock();
    // Each sync starts after every write taken into this round: it covers them.
    for (size_t i = 0; i < round.size(); ++i) {
      if (results[i].ok()) results[i] = TimedSync(round[i].writer, false);
    }
    lock.lock();
    released.clear();
    for (size_t i = 0; i < round.size(); ++i) {
      const Status& s = results[i];
      if (!s.ok() && FailureOf(round[i].writer) == nullptr) {
        failed_.push_back(Failed{round[i].writer, s, false});
        LogError("fdatasync failed, the WAL will be closed: " + s.ToString() +
                 (mode_ == SyncMode::kBatch
                      ? " (records acknowledged in the last commit window may not survive "
                        "a power loss)"
                      : ""));
      }
      Settle(s, round[i].waiters, &released);
    }
    round.clear();
    syncing_ = false;
    idle_cv_.notify_all();
    if (!released.empty()) {
      lock.unlock();
      release_(released);
      lock.lock();
    }
  }
}

Status WalSyncer::TimedSync(wal::WalWriter* writer, bool from_commit_thread) {
  const int64_t start = SteadyMicros();
  // The commit thread owns the writer and may use its full Sync; the sync
  // thread only fdatasyncs what Flush wrote, leaving the writer's state alone.
  const Status s = from_commit_thread ? writer->Sync() : writer->SyncFlushed();
  RecordSyncLatency(stats_, static_cast<uint64_t>(SteadyMicros() - start));
  return s;
}

void WalSyncer::Settle(const Status& status, const std::vector<SyncWaiter*>& waiters,
                       std::vector<SyncWaiter*>* released) {
  for (SyncWaiter* w : waiters) {
    if (!status.ok() && w->status.ok()) w->status = status;
    if (--w->unsynced == 0) released->push_back(w);
  }
}

const Status* WalSyncer::FailureOf(const wal::WalWriter* writer) const {
  for (const Failed& f : failed_) {
    if (f.writer == writer) return &f.status;
  }
  return nullptr;
}

}  // namespace kpi
