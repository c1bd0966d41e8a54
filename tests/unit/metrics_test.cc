// Metrics: bounded labels and the Prometheus text kpid serves.
#include "kpid/metrics.h"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "libkpi/util/secret.h"

using namespace kpi;

TEST_CASE("reject labels are the top-level field, bounded and sanitized") {
  CHECK(Metrics::RejectLabel("screen_size.width") == "screen_size");
  CHECK(Metrics::RejectLabel("event_stream[3][1]") == "event_stream");
  CHECK(Metrics::RejectLabel("") == "blob");
  CHECK(Metrics::RejectLabel("Bad\"Label}") == "bad_label_");
  CHECK(Metrics::RejectLabel(std::string(100, 'x')).size() == Metrics::kMaxLabelLength);
}

TEST_CASE("past kMaxRejectLabels distinct labels, rejects count as other") {
  Metrics m;
  for (size_t i = 0; i < Metrics::kMaxRejectLabels + 10; ++i) {
    m.CountRejected("field" + std::to_string(i));
  }
  CHECK(m.rejected("field0") == 1);
  CHECK(m.rejected("other") == 10);
}

TEST_CASE("concurrent counting loses nothing") {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 10000; ++i) {
        m.CountRejected(i % 2 ? "number_emails" : "email_type");
        m.CountResponse(200);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(m.rejected("number_emails") == 20000);
  CHECK(m.rejected("email_type") == 20000);
  CHECK(m.responses(200) == 40000);
}

TEST_CASE("the exposition names every family with HELP and TYPE") {
  Metrics m;
  m.CountResponse(200);
  m.CountResponse(413);
  m.AddRecordsStored(3);
  m.CountRejected("screen_size.height");
  CommitterStats stats;
  stats.sync_latency_bucket[0] = 2;
  stats.sync_latency_bucket[CommitterStats::kSyncBuckets - 1] = 1;
  ScrapeGauges gauges;
  gauges.committer = &stats;
  gauges.free_disk_bytes = 1234;
  const std::string text = m.RenderPrometheus(gauges);
  CHECK(text.find("kpi_http_responses_total{code=\"413\"} 1\n") != std::string::npos);
  CHECK(text.find("kpi_records_stored_total 3\n") != std::string::npos);
  CHECK(text.find("kpi_records_rejected_total{field=\"screen_size\"} 1\n") != std::string::npos);
  CHECK(text.find("kpi_free_disk_bytes 1234\n") != std::string::npos);
  CHECK(text.find("kpi_wal_sync_seconds_bucket{le=\"5e-05\"} 2\n") != std::string::npos);
  CHECK(text.find("kpi_wal_sync_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("kpi_wal_sync_seconds_count 3\n") != std::string::npos);
  CHECK(text.find("# TYPE kpi_wal_sync_seconds histogram\n") != std::string::npos);
}

TEST_CASE("ConstantTimeEquals agrees with ==") {
  CHECK(ConstantTimeEquals("token", "token"));
  CHECK_FALSE(ConstantTimeEquals("token", "tokem"));
  CHECK_FALSE(ConstantTimeEquals("token", "token2"));
  CHECK_FALSE(ConstantTimeEquals("", "x"));
  CHECK(ConstantTimeEquals("", ""));
}
