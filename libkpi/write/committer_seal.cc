// The seal thread of the committer (committer.h "Threads and handoffs"),
// and the public Committer forwarding to Committer::Impl.
#include "libkpi/write/committer_impl.h"

#include <thread>

#include "libkpi/util/log.h"
#include "libkpi/write/sealer.h"
#include "libkpi/util/time_util.h"

namespace kpi {

using committer_internal::kIdleBeforeSealMs;
using committer_internal::kSealInterval;

// ---------------------------------------------------------------- sealing

void Committer::Impl::SealLoop() {
  MutexLock lock(&mu_);
  while (!stop_seal_) {
    const auto due = std::chrono::steady_clock::now() + kSealInterval;
    while (!stop_seal_ && !seal_wanted_ && seal_cv_.WaitUntil(due)) {
    }
    if (stop_seal_) break;
    seal_wanted_ = false;
    mu_.Unlock();
    // KPI_PAUSE_AT=seal.pass:<ms> holds every pass this long before it
    // starts: bench/ingest.sh batch100 measures ingest with sealing held off
    // (sealing has its own figure, bench/seal.sh); what was closed meanwhile
    // is sealed by the pass after the pause.
    CrashPoint("seal.pass");
    // Failures are logged.
    static_cast<void>(SealFinishedHours(layout_.fs()->NowMs(), /*force=*/false));
    mu_.Lock();
  }
}

Status Committer::Impl::SealFinishedHours(int64_t now_ms, bool force) {
  MutexLock seal_lock(&seal_mu_);
  // An hour is finished when it ended at least seal_grace_ms ago.
  RequestCloseFinished(now_ms - options_.seal_grace_ms - kMsPerHour, force);
  return SealClosedWals(/*stoppable=*/!force);
}

// Only the writer role touches open WALs, so the seal side queues a control
// request that closes the finished ones when it gets the role.
void Committer::Impl::RequestCloseFinished(int64_t cutoff_hour_ms, bool force) {
  CommitRequest request;
  request.kind = CommitRequest::Kind::kCloseFinished;
  request.close_cutoff_hour_ms = cutoff_hour_ms;
  request.close_force = force;
  static_cast<void>(Enqueue(&request));
}

void Committer::Impl::ReportTornTail(const std::string& path, const SealResult& result) {
  if (result.torn_bytes > 0 && result.zero_tail) {
    LogInfo(path + ": cut " + std::to_string(result.torn_bytes) +
            " bytes of zeros past the last record (preallocated in sync mode always)");
  } else if (result.torn_bytes > 0) {
    stats_.recovered_torn_bytes.fetch_add(result.torn_bytes, std::memory_order_relaxed);
    LogWarn(path + ": dropped a torn tail of " + std::to_string(result.torn_bytes) +
            " bytes (" + result.tail_problem + "); it was never acknowledged");
  }
}

// Seals every WAL of this writer that no leader holds open. `stoppable`
// (the seal thread): stops between two WALs once Close began, so that a
// stop does not wait for a whole recovered backlog.
Status Committer::Impl::SealClosedWals(bool stoppable) {
  std::vector<ListedFile> wals;
  KPI_RETURN_IF_ERROR(layout_.ListWals(kMinTimeMs, kMaxTimeMs, &wals));
  SealOptions seal_options;
  seal_options.zstd_level = options_.zstd_level;
  seal_options.block_bytes = options_.block_bytes;
  Status first_error;
  for (const ListedFile& f : wals) {
    if (f.key.writer != writer_id_) continue;
    {
      MutexLock lock(&mu_);
      if (stoppable && stop_seal_) break;
      if (open_keys_.count(f.key) != 0) continue;
    }
    SealResult result;
    const Status s = SealWal(layout_, f.path, seal_options, &result);
    ReportTornTail(f.path, result);
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
