#include "kpid/read_api.h"

#include <httplib.h>

#include <charconv>
#include <memory>

#include "libkpi/ingest/ingest_service.h"
#include "libkpi/util/json_writer.h"
#include "libkpi/util/log.h"
#include "libkpi/read/record_stream.h"
#include "libkpi/read/store_counts.h"
#include "libkpi/report/report_html.h"
#include "libkpi/report/report_json.h"
#include "libkpi/report/report_query.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

constexpr const char* kReadPath = "/wsapi/interaction_data";
constexpr const char* kCountPath = "/wsapi/interaction_data/count";
constexpr const char* kReportPath = "/wsapi/report";
constexpr size_t kChunkBytes = 64 << 10;

Status ParseEnd(std::string_view text, const char* name, int64_t now_ms, int64_t* ms) {
  if (text.empty()) return Status::OK();
  int64_t period = 0;
  Status s = ParseTimePoint(text, now_ms, ms, &period);
  if (!s.ok()) return Status::InvalidArgument(std::string(name) + ": " + s.message());
  return Status::OK();
}

void AnswerError(httplib::Response& res, int status, std::string_view error,
                 std::string_view reason) {
  res.status = status;
  res.set_content(ErrorJson(error, reason), "application/json");
}

// One paged answer in progress: the stream and where it stands.
struct Page {
  explicit Page(StreamOptions options) : stream(std::move(options)) {}

  RecordStream stream;
  ReadQuery query;
  size_t returned = 0;
  ReadCursor last;
  std::string chunk;

  // Fills `chunk` with up to kChunkBytes of lines; true once the answer is
  // complete (the range ended, the limit cut it, or the store failed).
  bool Fill() {
    chunk.clear();
    while (chunk.size() < kChunkBytes) {
      if (!stream.Next()) {
        if (!stream.status().ok()) {
          chunk += ErrorJson("io_error", stream.status().ToString());
          chunk += '\n';
        }
        return true;
      }
      const RecordView& r = stream.record();
      if (query.has_cursor && !query.cursor.Before(r.timestamp_ms, r.id)) continue;
      if (returned == query.limit) {
        chunk += "{\"next_cursor\":\"" + last.Encode() + "\"}\n";
        return true;
      }
      chunk.append(r.json);
      chunk += '\n';
      ++returned;
      last.timestamp_ms = r.timestamp_ms;
      last.id.assign(r.id);
    }
    return false;
  }
};

std::string RangeText(const TimeRange& range) {
  const std::string from = range.from_ms <= kMinTimeMs ? "*" : FormatIso(range.from_ms);
  const std::string to = range.to_ms >= kMaxTimeMs ? "*" : FormatIso(range.to_ms);
  return "[" + from + ", " + to + ")";
}

// Who read what: the reader's name (never the token), the route, the range
// and how many records the answer held.
void LogRead(const std::string& reader, const char* route, const TimeRange& range,
             uint64_t records, std::string_view note = {}) {
  LogInfo("read: reader " + reader + ", " + route + " " + RangeText(range) + ", " +
          std::to_string(records) + " records" + std::string(note));
}

// The unweighted records behind a report: its total over every use.
uint64_t ReportRecords(const Report& report) {
  if (report.rows.empty()) return 0;
  uint64_t records = 0;
  for (const auto& [key, cell] : report.total().cells) {
    if (report.keys[key].group < 0) records += cell.records;
  }
  return records;
}

std::string_view ParamOrEmpty(const httplib::Request& req, const char* name) {
  const auto it = req.params.find(name);
  return it == req.params.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace

Status ParseReportParams(const std::vector<std::pair<std::string, std::string>>& params,
                         ReportSpec* spec, std::vector<std::string>* where, bool* html) {
  *html = false;
  for (const auto& [name, value] : params) {
    if (name == "by") {
      KPI_RETURN_IF_ERROR(ParseReportPeriod(value, &spec->period));
    } else if (name == "group") {
      KPI_RETURN_IF_ERROR(AddReportGroup(value, spec));
    } else if (name == "where") {
      where->push_back(value);
    } else if (name == "success_event") {
      spec->success_event = value;
    } else if (name == "funnel") {
      KPI_RETURN_IF_ERROR(ParseFunnel(value, &spec->funnel));
    } else if (name == "min_count") {
      uint64_t k = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), k);
      if (ec != std::errc() || ptr != value.data() + value.size() ||
          k < ReportSpec::kDefaultMinCount) {
        return Status::InvalidArgument("min_count: expected an integer of at least " +
                                       std::to_string(ReportSpec::kDefaultMinCount) +
                                       " (it can raise the minimum, never lower it)");
      }
      spec->min_count = k;
    } else if (name == "format") {
      if (value != "json" && value != "html") {
        return Status::InvalidArgument("format: expected json or html");
      }
      *html = value == "html";
    } else if (name != "start" && name != "end") {
      return Status::InvalidArgument("unknown parameter '" + name +
                                     "' (start, end, by, group, where, success_event, funnel, "
                                     "min_count, format)");
    }
  }
  return spec->Validate();
}

Status ParseReadQuery(std::string_view start, std::string_view end, std::string_view limit,
                      std::string_view cursor, int64_t now_ms, ReadQuery* query) {
  KPI_RETURN_IF_ERROR(ParseEnd(start, "start", now_ms, &query->range.from_ms));
  KPI_RETURN_IF_ERROR(ParseEnd(end, "end", now_ms, &query->range.to_ms));
  if (query->range.from_ms >= query->range.to_ms) {
    return Status::InvalidArgument("start must be before end (end is exclusive)");
  }
  if (!limit.empty()) {
    size_t n = 0;
    const auto [ptr, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
    if (ec != std::errc() || ptr != limit.data() + limit.size() || n == 0 ||
        n > ReadQuery::kMaxLimit) {
      return Status::InvalidArgument("limit: expected 1.." + std::to_string(ReadQuery::kMaxLimit));
    }
    query->limit = n;
  }
  if (!cursor.empty()) {
    if (!ReadCursor::Decode(cursor, &query->cursor)) {
      return Status::InvalidArgument("cursor: not a next_cursor this API returned");
    }
    query->has_cursor = true;
    // Nothing before the cursor's timestamp can follow it.
    query->range.from_ms = std::max(query->range.from_ms, query->cursor.timestamp_ms);
  }
  return Status::OK();
}

namespace {

// Answers GET /wsapi/report for `range` (already authenticated by `reader`).
void ServeReport(const std::string& data_dir, const httplib::Request& req, const TimeRange& range,
                 const std::string& reader, httplib::Response& res) {
  std::vector<std::pair<std::string, std::string>> params(req.params.begin(), req.params.end());
  ReportSpec spec;
  std::vector<std::string> where;
  bool html = false;
  Query query;
  Status s = ParseReportParams(params, &spec, &where, &html);
  if (s.ok()) s = RecordFilter::Parse(where, &query.filter);
  if (!s.ok()) return AnswerError(res, 400, "bad_request", s.message());
  query.data_dirs = {data_dir};
  query.range = range;
  Report report;
  ReadProblems problems;
  // On this request's thread alone (BuildReport's default): the cores are
  // ingest's, whose latency a report must not take; a report is a rare read.
  s = BuildReport(&query, spec, &report, &problems);
  if (!s.ok()) {
    LogWarn("read API report failed: " + s.ToString());
    return AnswerError(res, 503, "io_error", s.ToString());
  }
  if (AnyDamage(problems)) LogWarn("read API report skipped damaged blocks");
  LogRead(reader, "report", range, ReportRecords(report));
  html ? res.set_content(RenderReportHtml(report), "text/html; charset=utf-8")
       : res.set_content(RenderReportJson(report), "application/json");
}

// Streams the page's records as JSON lines, then logs what was sent.
void ServeExport(const std::string& data_dir, ReadQuery query, const std::string& reader,
                 httplib::Response& res) {
  StreamOptions options;
  options.data_dirs = {data_dir};
  options.range = query.range;
  auto page = std::make_shared<Page>(std::move(options));
  page->query = std::move(query);
  res.set_chunked_content_provider(
      "application/x-ndjson",
      [page](size_t, httplib::DataSink& sink) {
        const bool complete = page->Fill();
        if (!page->chunk.empty() && !sink.write(page->chunk.data(), page->chunk.size())) {
          return false;  // the client went away
        }
        if (complete) sink.done();
        return true;
      },
      // Runs once the answer is over: the records it sent are known.
      [page, reader](bool success) {
        LogRead(reader, "export", page->query.range, page->returned,
                success ? "" : " (answer cut short)");
      });
}

void ServeCount(const std::string& data_dir, const TimeRange& range, const std::string& reader,
                httplib::Response& res) {
  std::vector<PeriodCount> hours;
  ReadProblems problems;
  const Status s = CountByHour({data_dir}, range, &hours, &problems);
  if (!s.ok()) {
    LogWarn("read API count failed: " + s.ToString());
    return AnswerError(res, 503, "io_error", s.ToString());
  }
  uint64_t count = 0;
  for (const PeriodCount& hour : hours) count += hour.records;
  std::string body = "{";
  AppendJsonKey(&body, "count");
  AppendJsonUint(&body, count);
  body += '}';
  res.set_content(body, "application/json");
  LogRead(reader, "count", range, count);
}

}  // namespace

ReadApi::ReadApi(std::string data_dir, ReadTokens tokens)
    : data_dir_(std::move(data_dir)), tokens_(std::move(tokens)) {}

const std::string* ReadApi::Reader(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.substr(0, kBearer.size()) != kBearer) return nullptr;
  return tokens_.Find(authorization.substr(kBearer.size()));
}

bool ReadApi::Admit(const httplib::Request& req, httplib::Response& res, bool paged,
                    ReadQuery* query, std::string* reader) const {
  // Records, counts and refusals alike are never kept by a cache.
  res.set_header("Cache-Control", "no-store");
  const auto auth = req.headers.find("Authorization");
  const std::string* name = auth == req.headers.end() ? nullptr : Reader(auth->second);
  if (name == nullptr) {
    LogInfo(std::string("read refused: ") +
            (auth == req.headers.end() ? "no bearer token" : "not a read token") + " on " +
            (paged ? "export" : req.path == kCountPath ? "count" : "report"));
    res.set_header("WWW-Authenticate", "Bearer realm=\"kpi\"");
    AnswerError(res, 401, "unauthorized", "send Authorization: Bearer <read token>");
    return false;
  }
  *reader = *name;
  const Status s = ParseReadQuery(ParamOrEmpty(req, "start"), ParamOrEmpty(req, "end"),
                                  paged ? ParamOrEmpty(req, "limit") : std::string_view(),
                                  paged ? ParamOrEmpty(req, "cursor") : std::string_view(),
                                  NowMs(), query);
  if (!s.ok()) AnswerError(res, 400, "bad_request", s.message());
  return s.ok();
}

void ReadApi::AddRoutes(httplib::Server* server) const {
  server->Get(kReadPath, [this](const httplib::Request& req, httplib::Response& res) {
    ReadQuery query;
    std::string reader;
    if (Admit(req, res, /*paged=*/true, &query, &reader)) {
      ServeExport(data_dir_, std::move(query), reader, res);
    }
  });
  server->Get(kCountPath, [this](const httplib::Request& req, httplib::Response& res) {
    ReadQuery query;
    std::string reader;
    if (Admit(req, res, /*paged=*/false, &query, &reader)) {
      ServeCount(data_dir_, query.range, reader, res);
    }
  });
  server->Get(kReportPath, [this](const httplib::Request& req, httplib::Response& res) {
    ReadQuery query;
    std::string reader;
    if (Admit(req, res, /*paged=*/false, &query, &reader)) {
      ServeReport(data_dir_, req, query.range, reader, res);
    }
  });
}

}  // namespace kpi
