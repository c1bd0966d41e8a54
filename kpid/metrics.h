// Metrics: kpid's counters and their Prometheus text exposition (GET /metrics).
//
// Contract: every counter is a relaxed atomic, so counting costs no lock on
// the request path. Label sets are bounded: status codes 100..599, and
// rejected records by the top-level schema field that failed (at most
// kMaxRejectLabels distinct labels; further ones count as "other").
// Committer figures (bytes written, fsync latency, queue depth, open WALs,
// sealed segments) are read from CommitterStats at scrape time.
//
// Thread-safety: all methods may be called from any thread at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "libkpi/ingest/ingest_counters.h"
#include "libkpi/write/committer.h"
#include "libkpi/space/retention.h"

namespace kpi {

// Figures sampled when /metrics is scraped.
struct ScrapeGauges {
  const CommitterStats* committer = nullptr;  // null before the store opened
  int64_t free_disk_bytes = -1;               // -1: unknown
};

class Metrics : public IngestCounters {
 public:
  static constexpr size_t kMaxRejectLabels = 64;
  static constexpr size_t kMaxLabelLength = 31;

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void CountResponse(int status);
  void AddRecordsStored(uint64_t n) override { records_stored_.fetch_add(n, kRelaxed); }
  void CountRejected(std::string_view field) override;
  void AddUnknownFieldsDropped(uint64_t n) override { unknown_fields_dropped_.fetch_add(n, kRelaxed); }
  void CountOptOut() override { opt_outs_.fetch_add(1, kRelaxed); }
  // kpid's retention counters (kpi_retention_*), rendered when set; the
  // stats must outlive the Metrics.
  void SetRetentionStats(const RetentionStats* stats) { retention_.store(stats, kRelaxed); }
  void AddSampledOut(uint64_t n) override { sampled_out_.fetch_add(n, kRelaxed); }

  uint64_t responses(int status) const;
  uint64_t records_stored() const { return records_stored_.load(kRelaxed); }
  uint64_t rejected(std::string_view label) const;
  uint64_t opt_outs() const { return opt_outs_.load(kRelaxed); }
  uint64_t sampled_out() const { return sampled_out_.load(kRelaxed); }

  // The Prometheus text format (version 0.0.4).
  std::string RenderPrometheus(const ScrapeGauges& gauges) const;

  // The bounded label for a FieldError field: the top-level name, reduced
  // to [a-z0-9_], at most kMaxLabelLength characters.
  static std::string RejectLabel(std::string_view field);

 private:
  static constexpr std::memory_order kRelaxed = std::memory_order_relaxed;
  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;

  // A slot is claimed once (state 0 -> 1), named, then published (2); two
  // threads racing on one new label may claim two slots, which rendering sums.
  struct RejectSlot {
    std::atomic<int> state{0};
    char label[kMaxLabelLength + 1] = {};
    std::atomic<uint64_t> count{0};
  };

  void RenderCommitter(const CommitterStats& stats, std::string* out) const;

  std::array<std::atomic<uint64_t>, kMaxStatus - kMinStatus + 1> responses_{};
  std::atomic<uint64_t> records_stored_{0};
  std::atomic<const RetentionStats*> retention_{nullptr};
  std::atomic<uint64_t> unknown_fields_dropped_{0};
  std::atomic<uint64_t> opt_outs_{0};
  std::atomic<uint64_t> sampled_out_{0};
  std::atomic<uint64_t> rejects_overflow_{0};
  std::array<RejectSlot, kMaxRejectLabels> reject_slots_;
};

}  // namespace kpi
