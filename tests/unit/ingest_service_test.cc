// IngestService: every answer of POST /wsapi/interaction_data, decided
// without sockets against a fake sink that can fail on demand.
#include "libkpi/ingest/ingest_service.h"
#include "kpid/metrics.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "libkpi/util/time_util.h"

using namespace kpi;

namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(KPI_SOURCE_DIR) + "/tests/fixtures/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class FakeSink : public RecordSink {
 public:
  Status Commit(std::vector<PendingRecord>* records, std::vector<RecordId>* ids) override {
    if (!fail.ok()) return fail;
    ids->clear();
    for (PendingRecord& r : *records) {
      ids->push_back(RecordId{"t", stored.size()});
      stored.push_back(std::move(r));
    }
    records->clear();
    return Status::OK();
  }
  Status fail;
  std::vector<PendingRecord> stored;
};

struct Harness {
  explicit Harness(IngestConfig config = IngestConfig())
      : schema(Schema::Default()), service(std::move(config), &schema, &sink, &metrics) {}

  IngestAnswer Post(std::string_view content_type, std::string_view body) {
    in.content_type = content_type;
    in.body = body;
    in.now_ms = NowMs();
    IngestAnswer answer;
    service.Handle(in, &answer);
    return answer;
  }

  Schema schema;
  FakeSink sink;
  Metrics metrics;
  IngestService service;
  IngestInput in;
};

const std::string kJson = "application/json";

}  // namespace

TEST_CASE("every fixture is stored under canonical names") {
  Harness h;
  REQUIRE(h.Post(kJson, Fixture("request-dialog.json")).body ==
          R"({"stored":2,"rejected":[]})");
  REQUIRE(h.Post("application/x-www-form-urlencoded", Fixture("request-forwarded.form")).status ==
          200);
  REQUIRE(h.Post(kJson, Fixture("dialog-blob.json")).status == 200);
  REQUIRE(h.Post("application/json; charset=utf-8", Fixture("seed-blob.json")).status == 200);
  REQUIRE(h.sink.stored.size() == 6);
  const std::string& dialog = h.sink.stored[0].body;
  CHECK(dialog.find("\"language\":\"en-US\"") != std::string::npos);
  CHECK(dialog.find("\"lang\"") == std::string::npos);
  CHECK(dialog.find("\"number_sites_logged_in\":1") != std::string::npos);
  CHECK(h.sink.stored[0].timestamp_ms == 1361407200000);
  CHECK(h.metrics.records_stored() == 6);
}

TEST_CASE("bodies unusable as a whole get 411, 415 or 400") {
  Harness h;
  CHECK(h.Post(kJson, "").status == 411);
  h.in.has_body = false;
  CHECK(h.Post(kJson, "").status == 411);
  h.in.has_body = true;
  CHECK(h.Post("text/plain", "{}").status == 415);
  const IngestAnswer bad = h.Post(kJson, "{not json");
  CHECK(bad.status == 400);
  CHECK(bad.body.find("\"error\":\"bad_request\"") != std::string::npos);
  CHECK(h.Post(kJson, R"({"data":[]})").status == 400);
  CHECK(h.sink.stored.empty());
}

TEST_CASE("a partial batch stores the valid blobs and names the rejected ones") {
  Harness h;
  const IngestAnswer a = h.Post(kJson, R"({"data":[{"event_stream":[["a",1]],"number_emails":1},
                                         {"event_stream":[["a",1]],"number_emails":-3},
                                         {"event_stream":[["a",1]],"email_type":"tertiary"}]})");
  REQUIRE(a.status == 200);
  CHECK(a.body.rfind(R"({"stored":1,"rejected":[{"index":1,"field":"number_emails",)", 0) == 0);
  CHECK(a.body.find(R"({"index":2,"field":"email_type",)") != std::string::npos);
  CHECK(h.sink.stored.size() == 1);
  CHECK(h.metrics.rejected("number_emails") == 1);
  CHECK(h.metrics.rejected("email_type") == 1);
}

TEST_CASE("commit failures map to 503 and 507 with Retry-After and store nothing") {
  Harness h;
  const std::string blob = Fixture("seed-blob.json");
  h.sink.fail = Status::Busy("queue full");
  IngestAnswer a = h.Post(kJson, blob);
  CHECK(a.status == 503);
  CHECK(a.retry_after_s == 1);
  h.sink.fail = Status::NoSpace("disk full");
  a = h.Post(kJson, blob);
  CHECK(a.status == 507);
  CHECK(a.retry_after_s > 0);
  CHECK(h.service.disk_full());  // /healthz says so even above --min-free-bytes
  h.sink.fail = Status::IOError("fdatasync failed");
  a = h.Post(kJson, blob);
  CHECK(a.status == 503);
  CHECK(h.service.commit_failing());
  h.sink.fail = Status::OK();
  CHECK(h.Post(kJson, blob).status == 200);
  CHECK_FALSE(h.service.commit_failing());
  CHECK_FALSE(h.service.disk_full());
  CHECK(h.metrics.records_stored() == 1);
}

TEST_CASE("opt-outs store nothing and are counted") {
  IngestConfig config;
  config.opt_out_cookie = "kpi_optout";
  Harness h(config);
  const std::string blob = Fixture("seed-blob.json");
  const char* kOptedOut = R"({"stored":0,"rejected":[],"opted_out":true})";
  h.in.cookies = "a=b; kpi_optout=1";
  CHECK(h.Post(kJson, blob).body == kOptedOut);
  h.in.cookies = "kpi_optout=";  // cleared by the opt-out page: recorded again
  CHECK(h.Post(kJson, blob).body == R"({"stored":1,"rejected":[]})");
  h.sink.stored.clear();
  h.in.cookies = "kpi_optout_not=1";
  h.in.sec_gpc = "1";
  CHECK(h.Post(kJson, blob).body == kOptedOut);
  h.in.sec_gpc = "";
  h.in.dnt = "1";  // DNT is off by default
  CHECK(h.Post(kJson, blob).body == R"({"stored":1,"rejected":[]})");
  CHECK(h.sink.stored.size() == 1);
  CHECK(h.metrics.opt_outs() == 2);
}

// Accepts the tokens "good" and "old" (expired); everything else is forged.
class FakeVerifier : public CsrfTokenVerifier {
 public:
  Status Verify(std::string_view token, int64_t) const override {
    if (token == "good") return Status::OK();
    return Status::InvalidArgument(token == "old" ? "expired csrf token" : "forged csrf token");
  }
};

IngestConfig CsrfRequired(const CsrfTokenVerifier* verifier) {
  IngestConfig config;
  config.csrf.required = true;
  config.csrf.verifier = verifier;
  config.csrf.allowed_origins = {"https://dialog.example"};
  return config;
}

TEST_CASE("CSRF: a verified token in the cookie and the body, else 403 with the reason") {
  const FakeVerifier verifier;
  Harness h(CsrfRequired(&verifier));
  const auto reason = [&](std::string_view body) {
    const IngestAnswer a = h.Post(kJson, body);
    return std::to_string(a.status) + " " + a.body;
  };
  const std::string good = R"({"csrf":"good","data":[{"event_stream":[["screen.rp_info",1]],"number_emails":1}]})";
  CHECK_THAT(reason(good), Catch::Contains("403") && Catch::Contains("missing csrf cookie"));
  h.in.cookies = "kpi_csrf=good";
  CHECK(reason(R"({"data":[{"event_stream":[["screen.rp_info",1]],"number_emails":1}]})").find("missing csrf token") !=
        std::string::npos);
  CHECK(reason(R"({"csrf":"evil","data":[{"event_stream":[["screen.rp_info",1]],"number_emails":1}]})").find("does not match") !=
        std::string::npos);
  CHECK(reason(good).rfind("200 ", 0) == 0);
  h.in.cookies = "kpi_csrf=evil; kpi_csrf=good";  // cookie tossing
  CHECK(reason(R"({"csrf":"evil","data":[{"event_stream":[["screen.rp_info",1]],"number_emails":1}]})").find("tossed") !=
        std::string::npos);
  h.in.cookies = "kpi_csrf=forged";
  CHECK(reason(R"({"csrf":"forged","data":[{"event_stream":[["screen.rp_info",1]],"number_emails":1}]})").find("forged") !=
        std::string::npos);
  h.in.cookies = "kpi_csrf=old";
  CHECK(reason(R"({"csrf":"old","data":[{"event_stream":[["screen.rp_info",1]],"number_emails":1}]})").find("expired") !=
        std::string::npos);
  // A bare blob carries the token in the X-KPI-CSRF-Token header instead.
  h.in.cookies = "kpi_csrf=good";
  h.in.csrf_header = "good";
  CHECK(reason(R"({"event_stream":[["screen.rp_info",1]],"number_emails":1})").rfind("200 ", 0) == 0);
  CHECK(h.sink.stored.size() == 2);
}

TEST_CASE("CSRF: a cross-site browser request is refused before its body is read") {
  const FakeVerifier verifier;
  Harness h(CsrfRequired(&verifier));
  h.in.cookies = "kpi_csrf=good";
  const std::string good = R"({"csrf":"good","data":[{"event_stream":[["screen.rp_info",1]],"number_emails":1}]})";
  h.in.host = "kpi.example:8080";
  h.in.origin = "https://evil.example";
  CHECK(h.Post(kJson, good).body.find("Origin 'https://evil.example' is neither") !=
        std::string::npos);
  h.in.origin = "null";
  CHECK(h.Post(kJson, good).status == 403);
  h.in.origin = "http://kpi.example:8080";  // same origin
  CHECK(h.Post(kJson, good).status == 200);
  h.in.sec_fetch_site = "cross-site";
  CHECK(h.Post(kJson, good).body.find("Sec-Fetch-Site") != std::string::npos);
  h.in.origin = "https://dialog.example";  // --allowed-origin
  CHECK(h.Post(kJson, good).status == 200);
  h.in.origin = "";
  h.in.sec_fetch_site = "same-origin";
  CHECK(h.Post(kJson, good).status == 200);
  CHECK(h.sink.stored.size() == 3);
}

TEST_CASE("CSRF off checks nothing") {
  Harness h;
  CHECK(h.Post(kJson, R"({"data":[{"event_stream":[["screen.rp_info",1]],"number_emails":1}]})").status == 200);
}

TEST_CASE("CountCookie counts every occurrence of a name") {
  CHECK(CountCookie("a=1; kpi_csrf=x; b=2; kpi_csrf=y", "kpi_csrf") == 2);
  CHECK(CountCookie("kpi_csrfx=1", "kpi_csrf") == 0);
  CHECK(CountCookie("", "kpi_csrf") == 0);
}

TEST_CASE("forwarder token mode requires the token and skips CSRF") {
  const FakeVerifier verifier;
  IngestConfig config = CsrfRequired(&verifier);
  config.forwarder_token = "s3cret";
  Harness h(config);
  const std::string form = Fixture("request-forwarded.form");
  const std::string_view kForm = "application/x-www-form-urlencoded";
  CHECK(h.Post(kForm, form).status == 403);
  h.in.has_forwarder_token = true;
  h.in.forwarder_token = "s3cres";
  CHECK(h.Post(kForm, form).status == 403);
  h.in.forwarder_token = "s3cret";
  CHECK(h.Post(kForm, form).status == 200);
  CHECK(h.sink.stored.size() == 2);
}

TEST_CASE("sampling drops blobs before storage and scales the stored sample_rate") {
  IngestConfig none;
  none.sample_rate = 0;
  Harness dropped(none);
  const IngestAnswer a = dropped.Post(kJson, Fixture("request-dialog.json"));
  CHECK(a.body == R"({"stored":0,"rejected":[],"sampled_out":2})");
  CHECK(dropped.metrics.sampled_out() == 2);

  IngestConfig half;
  half.sample_rate = 0.5;
  Harness h(half);
  std::string batch = R"({"data":[)";
  for (int i = 0; i < 100; ++i) {
    batch += (i ? ",{" : "{") + std::string(R"("event_stream":[["a",1]],"sample_rate":1})");
  }
  batch += "]}";
  h.in.sample_seed = 42;
  REQUIRE(h.Post(kJson, batch).status == 200);
  const size_t kept = h.sink.stored.size();
  CHECK(kept > 20);
  CHECK(kept < 80);
  CHECK(h.metrics.sampled_out() == 100 - kept);
  for (const PendingRecord& r : h.sink.stored) {
    CHECK(r.body.find("\"sample_rate\":0.5") != std::string::npos);
  }
  // The same seed makes the same decisions.
  h.sink.stored.clear();
  REQUIRE(h.Post(kJson, batch).status == 200);
  CHECK(h.sink.stored.size() == kept);
}

TEST_CASE("FindCookie reads one cookie out of a Cookie header") {
  std::string_view v;
  REQUIRE(FindCookie("a=1; kpi_csrf=\"tok\" ;b=2", "kpi_csrf", &v));
  CHECK(v == "tok");
  REQUIRE(FindCookie("flag; b=2", "flag", &v));
  CHECK(v.empty());
  CHECK_FALSE(FindCookie("kpi_csrfx=1", "kpi_csrf", &v));
  CHECK_FALSE(FindCookie("", "kpi_csrf", &v));
}

TEST_CASE("error answers are small JSON objects") {
  CHECK(ErrorJson("bad_request", "line \"1\"") ==
        R"({"error":"bad_request","reason":"line \"1\""})");
}

TEST_CASE("personal data in a blob rejects that blob, names the field and stores nothing of it") {
  Harness h;
  const IngestAnswer a = h.Post(kJson, R"({"data":[
      {"event_stream":[["login:alice.pii@example.com",1]]},
      {"event_stream":[["picker",1]],"user_agent":{"os":"203.0.113.42"}},
      {"event_stream":[["picker",1]],"user_agent":{"browser":"mozilla/5.0 (x11) gecko/20100101"}},
      {},
      {"event_stream":[["picker::signin",1]],"user_agent":{"os":"Windows NT 6.1"}}]})");
  REQUIRE(a.status == 200);
  INFO(a.body);
  CHECK(a.body.rfind(R"({"stored":1,"rejected":[{"index":0,"field":"event_stream[0][0]",)", 0) == 0);
  CHECK(a.body.find(R"({"index":1,"field":"user_agent.os","reason":"looks like an IP address)") !=
        std::string::npos);
  CHECK(a.body.find(R"({"index":2,"field":"user_agent.browser",)") != std::string::npos);
  CHECK(a.body.find(R"({"index":3,"field":"event_stream","reason":"missing"})") != std::string::npos);
  REQUIRE(h.sink.stored.size() == 1);
  CHECK(h.sink.stored[0].body.find("picker::signin") != std::string::npos);
  for (const char* secret : {"alice", "203.0.113", "mozilla"}) {
    CHECK(a.body.find(secret) == std::string::npos);  // the answer never echoes the value
  }
}

TEST_CASE("a year-10000 timestamp is one rejected blob, never a failed batch") {
  IngestConfig config;
  config.max_future_ms = 9000LL * 365 * 24 * 3600 * 1000;  // past any legal --max-future
  config.max_age_ms = 0;
  Harness h(config);
  const IngestAnswer a = h.Post(kJson, R"({"data":[
      {"timestamp":253402300800000,"event_stream":[["picker",1]]},
      {"timestamp":1361407200000,"event_stream":[["picker",1]]}]})");
  INFO(a.body);
  REQUIRE(a.status == 200);
  CHECK(a.body.rfind(R"({"stored":1,"rejected":[{"index":0,"field":"timestamp",)", 0) == 0);
  REQUIRE(h.sink.stored.size() == 1);
  CHECK(h.sink.stored[0].timestamp_ms == 1361407200000);
}
