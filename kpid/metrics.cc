#include "kpid/metrics.h"

#include <cstring>
#include <map>

namespace kpi {
namespace {

void AppendHelp(std::string* out, const char* name, const char* type, const char* help) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
}

void AppendSample(std::string* out, const char* name, std::string_view labels, uint64_t value) {
  *out += name;
  if (!labels.empty()) {
    *out += '{';
    *out += labels;
    *out += '}';
  }
  *out += ' ';
  *out += std::to_string(value);
  *out += '\n';
}

void AppendMetric(std::string* out, const char* name, const char* type, const char* help,
                  uint64_t value) {
  AppendHelp(out, name, type, help);
  AppendSample(out, name, "", value);
}

}  // namespace

void Metrics::CountResponse(int status) {
  if (status < kMinStatus || status > kMaxStatus) status = 500;
  responses_[status - kMinStatus].fetch_add(1, kRelaxed);
}

uint64_t Metrics::responses(int status) const {
  if (status < kMinStatus || status > kMaxStatus) return 0;
  return responses_[status - kMinStatus].load(kRelaxed);
}

std::string Metrics::RejectLabel(std::string_view field) {
  std::string label;
  for (char c : field) {
    if (c == '.' || c == '[' || label.size() == kMaxLabelLength) break;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    label.push_back(keep ? c : '_');
  }
  return label.empty() ? "blob" : label;
}

void Metrics::CountRejected(std::string_view field) {
  char label[kMaxLabelLength + 1] = {};
  const std::string name = RejectLabel(field);
  std::memcpy(label, name.data(), name.size());
  for (RejectSlot& slot : reject_slots_) {
    int state = slot.state.load(std::memory_order_acquire);
    if (state == 0) {
      int expected = 0;
      if (slot.state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
        std::memcpy(slot.label, label, sizeof(label));
        slot.count.fetch_add(1, kRelaxed);
        slot.state.store(2, std::memory_order_release);
        return;
      }
      state = expected;
    }
    // A slot being named (1) is skipped: the label may be another one.
    if (state == 2 && std::strcmp(slot.label, label) == 0) {
      slot.count.fetch_add(1, kRelaxed);
      return;
    }
  }
  rejects_overflow_.fetch_add(1, kRelaxed);
}

uint64_t Metrics::rejected(std::string_view label) const {
  uint64_t sum = 0;
  for (const RejectSlot& slot : reject_slots_) {
    if (slot.state.load(std::memory_order_acquire) == 2 && label == slot.label) {
      sum += slot.count.load(kRelaxed);
    }
  }
  return label == "other" ? sum + rejects_overflow_.load(kRelaxed) : sum;
}

std::string Metrics::RenderPrometheus(const ScrapeGauges& gauges) const {
  std::string out;
  out.reserve(4096);
  AppendHelp(&out, "kpi_http_responses_total", "counter", "HTTP responses by status code.");
  for (int status = kMinStatus; status <= kMaxStatus; ++status) {
    const uint64_t n = responses(status);
    if (n != 0) AppendSample(&out, "kpi_http_responses_total",
                             "code=\"" + std::to_string(status) + "\"", n);
  }
  AppendMetric(&out, "kpi_records_stored_total", "counter",
               "Records acknowledged to clients (durable per --sync).", records_stored());
  AppendHelp(&out, "kpi_records_rejected_total", "counter",
             "Blobs rejected by the schema, by the top-level field that failed.");
  std::map<std::string, uint64_t> rejects;
  for (const RejectSlot& slot : reject_slots_) {
    if (slot.state.load(std::memory_order_acquire) == 2) {
      rejects[slot.label] += slot.count.load(kRelaxed);
    }
  }
  if (rejects_overflow_.load(kRelaxed) != 0) rejects["other"] += rejects_overflow_.load(kRelaxed);
  for (const auto& [label, n] : rejects) {
    AppendSample(&out, "kpi_records_rejected_total", "field=\"" + label + "\"", n);
  }
  AppendMetric(&out, "kpi_unknown_fields_dropped_total", "counter",
               "Blob members not in the schema, dropped before storage.",
               unknown_fields_dropped_.load(kRelaxed));
  AppendMetric(&out, "kpi_opt_outs_total", "counter",
               "Requests that stored nothing because of an opt-out cookie, Sec-GPC or DNT.",
               opt_outs());
  AppendMetric(&out, "kpi_records_sampled_out_total", "counter",
               "Valid blobs dropped by --sample-rate.", sampled_out());
  if (gauges.free_disk_bytes >= 0) {
    AppendMetric(&out, "kpi_free_disk_bytes", "gauge",
                 "Free bytes on the data directory's file system.",
                 static_cast<uint64_t>(gauges.free_disk_bytes));
  }
  if (gauges.committer != nullptr) RenderCommitter(*gauges.committer, &out);
  if (const RetentionStats* retention = retention_.load(kRelaxed)) retention->RenderPrometheus(&out);
  return out;
}

void Metrics::RenderCommitter(const CommitterStats& stats, std::string* out) const {
  AppendMetric(out, "kpi_wal_bytes_written_total", "counter",
               "Bytes appended to write-ahead files.", stats.bytes_written.load(kRelaxed));
  AppendMetric(out, "kpi_wal_syncs_total", "counter", "fdatasync calls on write-ahead files.",
               stats.syncs.load(kRelaxed));
  AppendMetric(out, "kpi_commit_queue_records", "gauge",
               "Records waiting for the commit thread.", stats.queue_depth.load(kRelaxed));
  AppendMetric(out, "kpi_open_wals", "gauge", "Write-ahead files open for appending.",
               stats.open_wals.load(kRelaxed));
  AppendMetric(out, "kpi_segments_sealed_total", "counter",
               "Segments sealed by this process.", stats.segments_sealed.load(kRelaxed));
  AppendMetric(out, "kpi_recovered_torn_bytes_total", "counter",
               "Torn WAL tail bytes dropped by recovery at start.",
               stats.recovered_torn_bytes.load(kRelaxed));
  const char* name = "kpi_wal_sync_seconds";
  AppendHelp(out, name, "histogram", "fdatasync latency of write-ahead files.");
  uint64_t cumulative = 0;
  char le[32];
  for (int i = 0; i < CommitterStats::kSyncBuckets; ++i) {
    cumulative += stats.sync_latency_bucket[i].load(kRelaxed);
    if (i + 1 < CommitterStats::kSyncBuckets) {
      std::snprintf(le, sizeof(le), "le=\"%g\"", CommitterStats::kSyncBucketUs[i] / 1e6);
    } else {
      std::snprintf(le, sizeof(le), "le=\"+Inf\"");
    }
    AppendSample(out, "kpi_wal_sync_seconds_bucket", le, cumulative);
  }
  char sum[64];
  std::snprintf(sum, sizeof(sum), "kpi_wal_sync_seconds_sum %.6f\n",
                stats.sync_latency_sum_us.load(kRelaxed) / 1e6);
  *out += sum;
  AppendSample(out, "kpi_wal_sync_seconds_count", "", cumulative);
}

}  // namespace kpi
