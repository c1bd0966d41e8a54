#include "libkpi/space/retention.h"

#include <chrono>

#include "libkpi/env/file_system.h"
#include "libkpi/util/log.h"
#include "libkpi/space/purger.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

namespace kpi {
namespace {

constexpr auto kFreeSpacePoll = std::chrono::seconds(1);
// When the floor cannot be met, passes triggered by it are spaced this far
// apart, so a full disk does not turn into a listing of the store per second.
constexpr int64_t kMinPassGapMs = 5 * 1000;

int64_t SteadyMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}


void AddCounter(std::string* out, const char* name, const char* help, uint64_t value) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
          " " + std::to_string(value) + "\n";
}

}  // namespace

void RetentionStats::RenderPrometheus(std::string* out) const {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  AddCounter(out, "kpi_retention_runs_total", "Retention passes run.", runs.load(kRelaxed));
  AddCounter(out, "kpi_retention_failures_total", "Retention passes that failed (see the log).",
             failures.load(kRelaxed));
  AddCounter(out, "kpi_retention_hours_removed_total", "Hours of segments removed by retention.",
             hours_removed.load(kRelaxed));
  AddCounter(out, "kpi_retention_segments_removed_total", "Segment files removed by retention.",
             segments_removed.load(kRelaxed));
  AddCounter(out, "kpi_retention_bytes_removed_total", "Bytes of segments removed by retention.",
             bytes_removed.load(kRelaxed));
}

RetentionPolicy::RetentionPolicy(RetentionOptions options) : options_(std::move(options)) {}

Status RetentionPolicy::Apply(int64_t now_ms) {
  PurgeOptions purge;
  purge.data_dirs = {options_.data_dir};
  if (options_.max_age_ms > 0) purge.before_ms = now_ms - options_.max_age_ms;
  if (options_.max_bytes > 0) purge.max_bytes = options_.max_bytes;
  if (options_.min_free_bytes > 0) purge.keep_free_bytes = options_.min_free_bytes;
  if (!purge.AnyLimit()) return Status::OK();
  purge.now_ms = now_ms;
  purge.fs = options_.fs;
  stats_.runs.fetch_add(1, std::memory_order_relaxed);
  PurgeResult result;
  Status s = Purger(purge).Run(&result, [this](const PurgeUnit& unit) {
    stats_.hours_removed.fetch_add(1, std::memory_order_relaxed);
    stats_.segments_removed.fetch_add(unit.segments.size(), std::memory_order_relaxed);
    stats_.bytes_removed.fetch_add(unit.bytes, std::memory_order_relaxed);
    LogInfo("retention: removed hour " + FormatHour(unit.hour_ms) + ": " +
            std::to_string(unit.segments.size()) + " segments, " + FormatSize(unit.bytes) + " (" +
            PurgeLimitName(unit.limit) + ")");
  });
  if (s.IsBusy()) return s;  // a kpictl compact or purge is running; next pass
  if (!s.ok()) {
    stats_.failures.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  std::string unmet;
  for (const PurgeResult::Unmet& u : result.unmet) {
    unmet += std::string(unmet.empty() ? "" : "; ") + PurgeLimitName(u.limit) + " " +
             FormatSize(u.goal_bytes) + ": " + u.detail;
  }
  ReportUnmet(unmet);
  return Status::OK();
}

void RetentionPolicy::ReportUnmet(const std::string& text) {
  if (text == last_unmet_) return;
  last_unmet_ = text;
  if (text.empty()) {
    LogInfo("retention: the configured limits are met again");
    return;
  }
  LogWarn("retention: removing every sealed hour would not meet the limits (" + text +
          "); hours still being written are kept, and POSTs get 507 while free space is "
          "below the configured minimum");
}

RetentionService::RetentionService(RetentionOptions options) : policy_(std::move(options)) {}

RetentionService::~RetentionService() { Stop(); }

void RetentionService::Start() {
  if (!policy_.options().enabled() || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void RetentionService::Nudge() {
  std::lock_guard<std::mutex> lock(mu_);
  nudged_ = true;
  cv_.notify_one();
}

void RetentionService::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

bool RetentionService::SpaceShort() const {
  const uint64_t floor = policy_.options().min_free_bytes;
  if (floor == 0) return false;
  DiskSpace space;
  if (!Fs()->GetDiskSpace(policy_.options().data_dir, &space).ok()) return false;
  return space.free_bytes < floor;
}

void RetentionService::Loop() {
  int64_t last_pass = SteadyMs() - policy_.options().interval_ms;  // first pass at once
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, kFreeSpacePoll, [this] { return stop_ || nudged_; });
    if (stop_) break;
    const bool nudged = nudged_;
    nudged_ = false;
    lock.unlock();
    const int64_t since = SteadyMs() - last_pass;
    const bool due = since >= policy_.options().interval_ms ||
                     (since >= kMinPassGapMs && (nudged || SpaceShort()));
    if (due) {
      last_pass = SteadyMs();
      Status s = policy_.Apply(Fs()->NowMs());
      if (!s.ok() && !s.IsBusy()) LogWarn("retention: " + s.ToString());
    }
    lock.lock();
  }
}

}  // namespace kpi
