// The sync thread's rounds are described in wal_syncer.h.
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

}  // namespace

WalSyncer::WalSyncer(SyncMode mode, int64_t window_us, CommitterStats* stats)
    : mode_(mode), window_us_(window_us), stats_(stats) {}

WalSyncer::~WalSyncer() { Stop(); }

void WalSyncer::Start() {
  if (mode_ != SyncMode::kBatch || thread_.joinable()) return;
  thread_ = std::thread([this] { SyncLoop(); });
}

void WalSyncer::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  work_cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void WalSyncer::AddWritten(wal::WalWriter* writer) {
  if (mode_ != SyncMode::kBatch) return;
  const int64_t now = SteadyMicros();
  bool wake = false;
  {
    MutexLock lock(&mu_);
    auto it = std::find_if(dirty_.begin(), dirty_.end(),
                           [&](const Dirty& d) { return d.writer == writer; });
    if (it == dirty_.end()) {
      wake = dirty_.empty();
      dirty_.push_back(Dirty{writer, now});
    }
  }
  if (wake) work_cv_.Signal();
}

Status WalSyncer::SyncNow(wal::WalWriter* writer) { return TimedSync(writer, true); }

Status WalSyncer::Detach(wal::WalWriter* writer, bool force) {
  bool was_dirty = false;
  Status failure;
  {
    MutexLock lock(&mu_);
    ++detaching_;
    while (syncing_) idle_cv_.Wait();
    --detaching_;
    auto it = std::find_if(dirty_.begin(), dirty_.end(),
                           [&](const Dirty& d) { return d.writer == writer; });
    if (it != dirty_.end()) {
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
  work_cv_.Signal();  // the sync thread may have held back for this call
  if (!failure.ok()) return failure;
  if (was_dirty || force) return TimedSync(writer, /*from_owner=*/true);
  return Status::OK();
}

std::vector<wal::WalWriter*> WalSyncer::TakeFailed() {
  std::vector<wal::WalWriter*> out;
  MutexLock lock(&mu_);
  for (Failed& f : failed_) {
    if (!f.reported) out.push_back(f.writer);
    f.reported = true;
  }
  return out;
}

// Waits until a round may start: dirty WALs, no Detach waiting and the
// oldest write's window over (at once when stopping). False when stopped
// and idle.
bool WalSyncer::WaitForWork() {
  for (;;) {
    while (!stop_ && (dirty_.empty() || detaching_ > 0)) work_cv_.Wait();
    if (dirty_.empty()) return false;  // stopped with nothing left
    if (detaching_ > 0) continue;
    if (stop_) return true;
    int64_t oldest = dirty_.front().first_write_us;
    for (const Dirty& d : dirty_) oldest = std::min(oldest, d.first_write_us);
    const auto due = Clock::time_point(std::chrono::microseconds(oldest + window_us_));
    if (Clock::now() >= due) return true;
    work_cv_.WaitUntil(due);
  }
}

void WalSyncer::SyncLoop() {
  MutexLock lock(&mu_);
  while (WaitForWork()) SyncRound();
}

// Syncs every WAL dirty now, outside mu_; each sync starts after every
// write taken into the round, so it covers them.
void WalSyncer::SyncRound() {
  syncing_ = true;
  std::vector<std::pair<wal::WalWriter*, Status>> results;
  results.reserve(dirty_.size());
  for (const Dirty& d : dirty_) {
    if (FailureOf(d.writer) == nullptr) results.emplace_back(d.writer, Status::OK());
  }
  dirty_.clear();
  mu_.Unlock();
  for (auto& [writer, status] : results) status = TimedSync(writer, /*from_owner=*/false);
  mu_.Lock();
  for (const auto& [writer, status] : results) {
    if (status.ok()) continue;
    failed_.push_back(Failed{writer, status, false});
    LogError("fdatasync failed, the WAL will be closed: " + status.ToString() +
             " (records acknowledged in the last commit window may not survive a power loss)");
  }
  syncing_ = false;
  idle_cv_.SignalAll();
}

Status WalSyncer::TimedSync(wal::WalWriter* writer, bool from_owner) {
  const int64_t start = SteadyMicros();
  // The writer role owns the writer and may use its full Sync; the sync
  // thread only fdatasyncs what Flush wrote, leaving the writer's state alone.
  const Status s = from_owner ? writer->Sync() : writer->SyncFlushed();
  stats_->RecordSyncLatency(static_cast<uint64_t>(SteadyMicros() - start));
  return s;
}

const Status* WalSyncer::FailureOf(const wal::WalWriter* writer) const {
  for (const Failed& f : failed_) {
    if (f.writer == writer) return &f.status;
  }
  return nullptr;
}

}  // namespace kpi
