#include "kpid/metrics.h"

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

Metrics::Metrics() : Metrics(Schema::Default()) {}

Metrics::Metrics(const Schema& schema) {
  for (const std::vector<std::string>& keys : schema.TopLevelFieldKeys()) {
    for (const std::string& key : keys) reject_index_.emplace(key, reject_labels_.size());
    reject_labels_.push_back(keys.front());
  }
  for (const char* label : {"blob", "invalid", "unknown"}) {
    reject_index_.emplace(label, reject_labels_.size());
    reject_labels_.push_back(label);
  }
  reject_index_.emplace("", reject_index_.at("blob"));
  unknown_index_ = reject_labels_.size() - 1;
  reject_counts_ = std::make_unique<std::atomic<uint64_t>[]>(reject_labels_.size());
}

size_t Metrics::RejectIndex(std::string_view field) const {
  const std::string_view top = field.substr(0, field.find_first_of(".["));
  const auto it = reject_index_.find(top);
  return it == reject_index_.end() ? unknown_index_ : it->second;
}

std::string_view Metrics::RejectLabel(std::string_view field) const {
  return reject_labels_[RejectIndex(field)];
}

void Metrics::CountRejected(std::string_view field) {
  reject_counts_[RejectIndex(field)].fetch_add(1, kRelaxed);
}

uint64_t Metrics::rejected(std::string_view label) const {
  for (size_t i = 0; i < reject_labels_.size(); ++i) {
    if (reject_labels_[i] == label) return reject_counts_[i].load(kRelaxed);
  }
  return 0;
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
  std::map<std::string_view, uint64_t> rejects;  // sorted by label
  for (size_t i = 0; i < reject_labels_.size(); ++i) {
    const uint64_t n = reject_counts_[i].load(kRelaxed);
    if (n != 0) rejects[reject_labels_[i]] = n;
  }
  for (const auto& [label, n] : rejects) {
    AppendSample(&out, "kpi_records_rejected_total", "field=\"" + std::string(label) + "\"", n);
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
