#include "libkpi/ingest/ingest_service.h"

#include "libkpi/util/strings.h"
#include "libkpi/util/random.h"
#include "libkpi/util/json_writer.h"
#include "libkpi/util/log.h"
#include "libkpi/util/secret.h"
#include "libkpi/util/time_util.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace kpi {
namespace {

bool Keep(double rate, uint64_t* state) {
  if (rate >= 1.0) return true;
  if (rate <= 0.0) return false;
  return static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53 < rate;
}

// {"index":i,"field":"...","reason":"..."}, comma-separated in `list`.
void AppendRejection(size_t index, const FieldError& error, std::string* list) {
  *list += list->empty() ? "{" : ",{";
  AppendJsonKey(list, "index");
  AppendJsonUint(list, index);
  *list += ',';
  AppendJsonKey(list, "field");
  AppendJsonString(list, error.field);
  *list += ',';
  AppendJsonKey(list, "reason");
  AppendJsonString(list, error.reason);
  *list += '}';
}

void SetStoredAnswer(size_t stored, std::string_view rejected, uint64_t sampled_out,
                     IngestAnswer* out) {
  out->status = 200;
  out->retry_after_s = 0;
  out->body = "{";
  AppendJsonKey(&out->body, "stored");
  AppendJsonUint(&out->body, stored);
  out->body += ",\"rejected\":[";
  out->body += rejected;
  out->body += ']';
  if (sampled_out != 0) {
    out->body += ',';
    AppendJsonKey(&out->body, "sampled_out");
    AppendJsonUint(&out->body, sampled_out);
  }
  out->body += '}';
}

void SetError(int status, std::string_view error, std::string_view reason, IngestAnswer* out) {
  out->status = status;
  out->retry_after_s = 0;
  out->body = ErrorJson(error, reason);
}

}  // namespace

// A parser and its buffers, lent from the pool for one request's parse and
// canonicalisation; no allocation there once it has grown to the request
// sizes seen.
struct IngestService::Workspace {
  simdjson::dom::parser parser;
  std::string scratch;
  IngestRequest request;
  CanonicalBlob blob;
  FieldError error;
};

// One request's records between canonicalisation and commit, and its answer's
// parts; per request thread (thread_local), reused.
struct IngestService::Accepted {
  std::vector<PendingRecord> pending;
  // The bodies of this thread's last requests, with their old bytes and
  // memory (at most kSpareBodyBytes in all), for the next request's records:
  // no allocation per record once a thread has seen a batch.
  std::vector<std::string> spare_bodies;
  size_t spare_bytes = 0;  // the capacities of spare_bodies
  std::vector<RecordId> ids;
  std::string rejected;  // AppendRejection's list
  uint64_t sampled_out = 0;
};

size_t DefaultParserCount() {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::min<size_t>(2 * cores, 16);
}

std::string ErrorJson(std::string_view error, std::string_view reason) {
  std::string json = "{";
  AppendJsonKey(&json, "error");
  AppendJsonString(&json, error);
  json += ',';
  AppendJsonKey(&json, "reason");
  AppendJsonString(&json, reason);
  json += '}';
  return json;
}

bool FindCookie(std::string_view header, std::string_view name, std::string_view* value) {
  while (!header.empty()) {
    const size_t end = header.find(';');
    std::string_view pair = TrimBlanks(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    const size_t eq = pair.find('=');
    if (TrimBlanks(pair.substr(0, eq)) != name) continue;
    *value = eq == std::string_view::npos ? std::string_view() : TrimBlanks(pair.substr(eq + 1));
    if (value->size() >= 2 && value->front() == '"' && value->back() == '"') {
      *value = value->substr(1, value->size() - 2);
    }
    return true;
  }
  return false;
}

IngestService::IngestService(IngestConfig config, const Schema* schema, RecordSink* sink,
                             IngestCounters* counters)
    : config_(std::move(config)), schema_(schema), sink_(sink), counters_(counters),
      workspaces_(std::make_unique<LendingPool<Workspace>>(
          config_.parsers != 0 ? config_.parsers : DefaultParserCount())) {}

IngestService::~IngestService() = default;

void IngestService::Handle(const IngestInput& in, IngestAnswer* out) const {
  if (!in.has_body || in.body.empty()) {
    return SetError(411, "length_required", "POST a JSON or form body with Content-Length",
                    out);
  }
  bool forwarded = false;
  if (!Authentic(in, &forwarded, out)) return;
  if (!forwarded) {
    const Status origin = CheckRequestOrigin(config_.csrf, Evidence(in, {}));
    if (!origin.ok()) return SetError(403, "forbidden", origin.message(), out);
  }
  if (OptedOut(in)) {
    counters_->CountOptOut();
    out->status = 200;
    out->retry_after_s = 0;
    out->body = R"({"stored":0,"rejected":[],"opted_out":true})";
    return;
  }
  thread_local Accepted accepted;
  {
    // The parser is lent for the parse and canonicalisation only: the commit
    // waits for the WAL, and holds no parser meanwhile.
    const LendingPool<Workspace>::Lease ws = workspaces_->Borrow();
    if (!Parse(in, forwarded, ws.get(), out)) return;
    Canonicalize(in, ws.get(), &accepted);
  }
  Store(&accepted, out);
}

// Parses the body into ws->request and checks the CSRF token of a request
// not forwarded; false with the answer set when either fails.
bool IngestService::Parse(const IngestInput& in, bool forwarded, Workspace* ws,
                          IngestAnswer* out) const {
  const Status parsed = ParseIngestBody(in.content_type, in.body, config_.limits, &ws->parser,
                                        &ws->scratch, &ws->request, in.body_padded);
  if (!parsed.ok()) {
    counters_->CountRejected("invalid");
    if (parsed.code() == Status::Code::kUnsupported) {
      SetError(415, "unsupported_media_type", parsed.message(), out);
    } else {
      SetError(400, "bad_request", parsed.message(), out);
    }
    return false;
  }
  if (!forwarded) {
    const Status token = CheckCsrfToken(config_.csrf, Evidence(in, ws->request.csrf), in.now_ms);
    if (!token.ok()) {
      SetError(403, "forbidden", token.message(), out);
      return false;
    }
  }
  return true;
}

bool IngestService::Authentic(const IngestInput& in, bool* forwarded, IngestAnswer* out) const {
  if (config_.forwarder_token.empty()) return true;
  if (!in.has_forwarder_token || !ConstantTimeEquals(in.forwarder_token,
                                                     config_.forwarder_token)) {
    SetError(403, "forbidden", "missing or wrong forwarder token", out);
    return false;
  }
  *forwarded = true;
  return true;
}

bool IngestService::OptedOut(const IngestInput& in) const {
  std::string_view value;
  // An emptied cookie (the opt-out page's "opt in again") is no opt-out.
  if (!config_.opt_out_cookie.empty() && FindCookie(in.cookies, config_.opt_out_cookie, &value) &&
      !value.empty()) {
    return true;
  }
  if (config_.honor_gpc && TrimBlanks(in.sec_gpc) == "1") return true;
  return config_.honor_dnt && TrimBlanks(in.dnt) == "1";
}

CsrfEvidence IngestService::Evidence(const IngestInput& in, std::string_view body_token) const {
  CsrfEvidence e;
  e.cookies = in.cookies;
  e.body_token = body_token;
  e.header_token = in.csrf_header;
  e.origin = in.origin;
  e.sec_fetch_site = in.sec_fetch_site;
  e.host = in.host;
  return e;
}

void IngestService::Canonicalize(const IngestInput& in, Workspace* ws, Accepted* accepted) const {
  CanonicalizeContext ctx;
  ctx.now_ms = in.now_ms;
  ctx.max_future_ms = config_.max_future_ms;
  ctx.max_age_ms = config_.max_age_ms;
  ctx.server_sample_rate = config_.sample_rate;
  uint64_t random_state = in.sample_seed;
  uint64_t dropped_fields = 0;
  accepted->pending.clear();
  accepted->rejected.clear();
  accepted->sampled_out = 0;
  const std::vector<simdjson::dom::element>& blobs = ws->request.blobs;
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (!Keep(config_.sample_rate, &random_state)) {
      ++accepted->sampled_out;
      continue;
    }
    if (!schema_->Canonicalize(blobs[i], ctx, &ws->blob, &ws->error)) {
      counters_->CountRejected(ws->error.field);
      AppendRejection(i, ws->error, &accepted->rejected);
      continue;
    }
    dropped_fields += ws->blob.dropped_fields;
    const size_t size = ws->blob.body.size();
    accepted->pending.push_back(PendingRecord{ws->blob.timestamp_ms, std::move(ws->blob.body)});
    // The next body is written into a spare one, or starts with room for
    // about this one's size: written empty, a 1 KB body was reallocated ~7
    // times as it doubled. A spare one keeps its capacity: reserving more
    // would double it (std::string's growth), and the spares of a batch
    // would no longer fit kSpareBodyBytes; the writer grows a body that is
    // short by what it needs.
    if (!accepted->spare_bodies.empty()) {
      ws->blob.body = std::move(accepted->spare_bodies.back());
      accepted->spare_bodies.pop_back();
      accepted->spare_bytes -= ws->blob.body.capacity();
    } else {
      ws->blob.body.reserve(size + size / 8);
    }
  }
  if (dropped_fields != 0) counters_->AddUnknownFieldsDropped(dropped_fields);
  if (accepted->sampled_out != 0) counters_->AddSampledOut(accepted->sampled_out);
}

void IngestService::Store(Accepted* accepted, IngestAnswer* out) const {
  const size_t stored = accepted->pending.size();
  if (stored != 0) {
    const Status s = sink_->Commit(&accepted->pending, &accepted->ids);
    KeepSpareBodies(accepted);
    if (!s.ok()) return AnswerCommitFailure(s, out);
    commit_failing_.store(false, std::memory_order_relaxed);
    disk_full_.store(false, std::memory_order_relaxed);
    counters_->AddRecordsStored(stored);
  }
  SetStoredAnswer(stored, accepted->rejected, accepted->sampled_out, out);
}

// Empties accepted->pending, keeping its bodies up to kSpareBodyBytes
// per thread: a forwarder's batch (100 records of 0.6-1.5 KB, bodies of up
// to ~1.9 KB capacity), and at most 12 MiB over 64 request threads.
void IngestService::KeepSpareBodies(Accepted* accepted) {
  constexpr size_t kSpareBodyBytes = 192 << 10;
  for (PendingRecord& record : accepted->pending) {
    const size_t capacity = record.body.capacity();
    if (accepted->spare_bytes + capacity > kSpareBodyBytes) continue;
    // Not cleared: Canonicalize writes over the old bytes, and an emptied
    // string would be zero-filled again as its writer opens it to capacity.
    accepted->spare_bytes += capacity;
    accepted->spare_bodies.push_back(std::move(record.body));
  }
  accepted->pending.clear();
}

void IngestService::AnswerCommitFailure(const Status& s, IngestAnswer* out) const {
  switch (s.code()) {
    case Status::Code::kBusy:
      SetError(503, "busy", "commit queue full; retry later", out);
      out->retry_after_s = 1;
      return;  // expected under overload: not worth a log line per request
    case Status::Code::kNoSpace:
      disk_full_.store(true, std::memory_order_relaxed);
      SetError(507, "insufficient_storage", "disk short of space; nothing stored", out);
      out->retry_after_s = 30;
      break;
    case Status::Code::kAborted:
      SetError(503, "shutting_down", "kpid is stopping; retry", out);
      out->retry_after_s = 1;
      return;
    case Status::Code::kIOError:
      commit_failing_.store(true, std::memory_order_relaxed);
      SetError(503, "io_error", "write failed; nothing of this request was stored", out);
      out->retry_after_s = 5;
      break;
    default:
      SetError(500, "internal", "unexpected commit failure", out);
      break;
  }
  // At most one line a second, however many requests fail; by the steady
  // clock, so that a wall clock stepped back cannot silence the log.
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_failure_log_ms_.load(std::memory_order_relaxed);
  if (now - last >= 1000 && last_failure_log_ms_.compare_exchange_strong(last, now)) {
    LogWarn("commit failed, answering " + std::to_string(out->status) + ": " + s.ToString());
  }
}

}  // namespace kpi
