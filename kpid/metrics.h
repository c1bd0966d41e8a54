// Metrics: kpid's counters and their Prometheus text exposition (GET /metrics).
//
// Contract: every counter is a relaxed atomic, so counting costs no lock on
// the request path. Label sets are bounded and never taken from what a
// client sent: status codes 100..599, and rejected records by the top-level
// schema field that failed (an alias counts under its field's name), "blob"
// for a blob as a whole, "invalid" for an unusable body, and "unknown" for a
// key the schema does not name (e.g. a duplicated junk member).
// Committer figures (bytes written, fsync latency, queue depth, open WALs,
// sealed segments) are read from CommitterStats at scrape time.
//
// Thread-safety: all methods may be called from any thread at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/ingest/ingest_counters.h"
#include "libkpi/ingest/schema.h"
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
  // Reject labels from the built-in schema's fields.
  Metrics();
  // Reject labels from `schema`'s top-level fields (only read here).
  explicit Metrics(const Schema& schema);
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

  // The label a FieldError field counts under: the canonical name of the
  // top-level schema field it is in, "blob" for "", "invalid", or "unknown".
  std::string_view RejectLabel(std::string_view field) const;

 private:
  static constexpr std::memory_order kRelaxed = std::memory_order_relaxed;
  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;

  size_t RejectIndex(std::string_view field) const;

  void RenderCommitter(const CommitterStats& stats, std::string* out) const;

  std::array<std::atomic<uint64_t>, kMaxStatus - kMinStatus + 1> responses_{};
  std::atomic<uint64_t> records_stored_{0};
  std::atomic<const RetentionStats*> retention_{nullptr};
  std::atomic<uint64_t> unknown_fields_dropped_{0};
  std::atomic<uint64_t> opt_outs_{0};
  std::atomic<uint64_t> sampled_out_{0};
  // Fixed at construction: the labels, a counter per label, and every key
  // (field name or alias, "", "invalid") that has a label of its own.
  std::vector<std::string> reject_labels_;
  std::unique_ptr<std::atomic<uint64_t>[]> reject_counts_;
  std::map<std::string, size_t, std::less<>> reject_index_;
  size_t unknown_index_ = 0;
};

}  // namespace kpi
