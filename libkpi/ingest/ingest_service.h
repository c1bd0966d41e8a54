// IngestService: what kpid answers to POST /wsapi/interaction_data, apart
// from HTTP plumbing, so it can be unit-tested and fuzzed without sockets.
//
// Contract: Handle decides the whole answer from the request's parts:
//   411  no body                      403  forwarder token, origin or CSRF
//                                          token refused (the reason says which:
//                                          missing, tossed, forged, expired...)
//   415  unsupported content type     400  body unusable as a whole
//   200  {"stored":N,"rejected":[{"index":i,"field":"...","reason":"..."}]}
//        valid blobs of a batch are stored even when others are rejected;
//        {"stored":0,"rejected":[],"opted_out":true} for an opt-out
//   503 + Retry-After  commit queue full, write/sync failed, shutting down
//   507 + Retry-After  disk short (nothing of the request stored)
// Checks run in that order: authenticity before privacy before parsing, so
// an opted-out request's payload is never parsed. Nothing from the request
// (payload, cookies, headers) is logged or kept.
//
// Thread-safety: Handle may be called from many threads at once. The JSON
// parsers and their buffers are a pool of IngestConfig::parsers (lending_pool.h),
// each lent for one request's parse and canonicalisation (not its commit): their
// memory is bounded by the pool, not by the connection count. The request
// path takes no lock besides the pool's and the sink's queue.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/write/committer.h"
#include "libkpi/ingest/csrf_check.h"
#include "libkpi/ingest/ingest_request.h"
#include "libkpi/ingest/ingest_counters.h"
#include "libkpi/ingest/lending_pool.h"
#include "libkpi/ingest/schema.h"

namespace kpi {

// Where accepted records go: the Committer in kpid, a fake in tests.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // As Committer::Commit.
  virtual Status Commit(std::vector<PendingRecord>* records, std::vector<RecordId>* ids) = 0;
};

class CommitterSink : public RecordSink {
 public:
  explicit CommitterSink(Committer* committer) : committer_(committer) {}
  Status Commit(std::vector<PendingRecord>* records, std::vector<RecordId>* ids) override {
    return committer_->Commit(records, ids);
  }

 private:
  Committer* committer_;
};

struct IngestConfig {
  IngestLimits limits;
  int64_t max_future_ms = 10 * 60 * 1000;
  int64_t max_age_ms = 0;
  double sample_rate = 1.0;
  std::string opt_out_cookie;   // empty: no opt-out cookie
  bool honor_gpc = true;
  bool honor_dnt = false;
  CsrfPolicy csrf;  // checked unless the forwarder token vouches for the POST
  std::string forwarder_token;  // empty: no forwarder token required
  // JSON parsers shared by the request threads; 0: DefaultParserCount(). A
  // parser holds ~15 bytes per byte of the largest body it has parsed.
  size_t parsers = 0;
};

// Two per core (a parse does not wait for I/O, so more would only queue on
// the CPU), at most 16.
size_t DefaultParserCount();

// The parts of a POST that matter; views into the HTTP request.
struct IngestInput {
  bool has_body = true;  // false: neither Content-Length nor chunked body
  std::string_view content_type;
  std::string_view body;
  // simdjson::SIMDJSON_PADDING readable bytes follow `body` (kpid pads its
  // body buffer): the JSON parser reads the body in place, without a copy.
  bool body_padded = false;
  std::string_view cookies;  // the Cookie header
  std::string_view sec_gpc;  // the Sec-GPC header
  std::string_view dnt;      // the DNT header
  std::string_view origin;          // the Origin header
  std::string_view sec_fetch_site;  // the Sec-Fetch-Site header
  std::string_view host;            // the Host header
  std::string_view csrf_header;     // the X-KPI-CSRF-Token header
  bool has_forwarder_token = false;
  std::string_view forwarder_token;  // the --forwarder-header header
  uint64_t sample_seed = 0;  // seeds this request's sampling decisions
  int64_t now_ms = 0;
};

struct IngestAnswer {
  int status = 200;
  int retry_after_s = 0;  // > 0: send Retry-After
  std::string body;       // application/json
};

class IngestService {
 public:
  IngestService(IngestConfig config, const Schema* schema, RecordSink* sink, IngestCounters* counters);
  ~IngestService();
  IngestService(const IngestService&) = delete;
  IngestService& operator=(const IngestService&) = delete;

  void Handle(const IngestInput& in, IngestAnswer* out) const;

  // True while the last commit failed with an I/O error (→ /healthz 503).
  bool commit_failing() const { return commit_failing_.load(std::memory_order_relaxed); }
  // True while the last commit found the disk full (→ /healthz 507): with a
  // low --min-free-bytes the free-space check alone would still say ok.
  bool disk_full() const { return disk_full_.load(std::memory_order_relaxed); }

 private:
  struct Workspace;
  struct Accepted;

  bool Authentic(const IngestInput& in, bool* forwarded, IngestAnswer* out) const;
  bool OptedOut(const IngestInput& in) const;
  CsrfEvidence Evidence(const IngestInput& in, std::string_view body_token) const;
  bool Parse(const IngestInput& in, bool forwarded, Workspace* ws, IngestAnswer* out) const;
  void Canonicalize(const IngestInput& in, Workspace* ws, Accepted* accepted) const;
  void Store(Accepted* accepted, IngestAnswer* out) const;
  static void KeepSpareBodies(Accepted* accepted);
  void AnswerCommitFailure(const Status& s, IngestAnswer* out) const;

  IngestConfig config_;
  const Schema* schema_;
  RecordSink* sink_;
  IngestCounters* counters_;
  mutable std::atomic<bool> commit_failing_{false};
  mutable std::atomic<bool> disk_full_{false};
  mutable std::atomic<int64_t> last_failure_log_ms_{-1000};  // steady clock
  std::unique_ptr<LendingPool<Workspace>> workspaces_;
};

// {"error":"<error>","reason":"<reason>"}: the body of every error answer.
std::string ErrorJson(std::string_view error, std::string_view reason);

// The value of cookie `name` in a Cookie header; false when absent.
bool FindCookie(std::string_view cookie_header, std::string_view name, std::string_view* value);

}  // namespace kpi
