// Metrics: bounded labels and the Prometheus text kpid serves.
#include "kpid/metrics.h"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "libkpi/util/secret.h"

using namespace kpi;

TEST_CASE("reject labels are the schema's top-level fields, never a client's key") {
  const Metrics m;
  CHECK(m.RejectLabel("screen_size.width") == "screen_size");
  CHECK(m.RejectLabel("event_stream[3][1]") == "event_stream");
  CHECK(m.RejectLabel("lang") == "language");  // an alias counts under its field
  CHECK(m.RejectLabel("") == "blob");
  CHECK(m.RejectLabel("invalid") == "invalid");
  CHECK(m.RejectLabel("junk") == "unknown");
  CHECK(m.RejectLabel("Bad\"Label}") == "unknown");
  CHECK(m.RejectLabel(std::string(100, 'x')) == "unknown");
}

TEST_CASE("70 junk keys count as unknown and leave the real fields' labels alone") {
  Metrics m;
  for (int i = 0; i < 70; ++i) m.CountRejected("junk" + std::to_string(i));
  m.CountRejected("number_emails");
  m.CountRejected("number_sites_signed_in");
  CHECK(m.rejected("unknown") == 70);
  CHECK(m.rejected("number_emails") == 1);
  CHECK(m.rejected("number_sites_logged_in") == 1);
  CHECK(m.rejected("junk0") == 0);
  const std::string text = m.RenderPrometheus(ScrapeGauges{});
  CHECK(text.find("junk") == std::string::npos);
  CHECK(text.find("kpi_records_rejected_total{field=\"unknown\"} 70\n") != std::string::npos);
  CHECK(text.find("kpi_records_rejected_total{field=\"number_emails\"} 1\n") != std::string::npos);
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
