// ReadApi: the authenticated read side of kpid's HTTP API, for dashboards
// and importers that cannot run kpictl on the host.
//
//   GET /wsapi/interaction_data?start=&end=&limit=&cursor=
//       application/x-ndjson, chunked: the stored records of [start, end) in
//       order-key order (timestamp, _id), at most `limit` (default 1000, at
//       most 100000). When more records follow, the last line is
//       {"next_cursor":"..."}: pass it as `cursor` to read on from exactly
//       after the last record returned. If the store fails mid-answer the
//       last line is {"error":...,"reason":...}.
//   GET /wsapi/interaction_data/count?start=&end=   {"count":N}, from the
//       segment indexes (libkpi/read/store_counts.h): only blocks straddling
//       an end of the range and WALs are read.
//   GET /wsapi/report?start=&end=&by=&group=&where=&success_event=&funnel=
//       &min_count=&format=json|html
//       the KPI report of kpictl report (libkpi/report/), JSON by default or
//       the self-contained HTML page: aggregates with cells of fewer than
//       min_count records withheld, so a dashboard can show it without raw
//       data. min_count can raise the minimum of 10, never lower it; group
//       and where repeat.
//
// start and end take the forms of kpictl ranges (time_range.h: ISO 8601,
// Unix ms, -7d, today); either may be left out. Every request needs
// `Authorization: Bearer <token>` with one of --read-token-file's named
// tokens (read_tokens.h, compared in constant time): 401 otherwise. Without a
// token file kpid does not create a ReadApi and the routes answer 404. Bad
// parameters get 400. Every answer carries `Cache-Control: no-store`, so no
// proxy or browser cache keeps records. Every read is logged at info with
// the token's name, the route, the range and the records it returned (for a
// report: the records it counted), never the token; a refused token is
// logged without what was presented.
//
// Thread-safety: the routes run on many worker threads; each request reads
// through its own RecordStream.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kpid/read_tokens.h"
#include "libkpi/read/read_cursor.h"
#include "libkpi/report/report_spec.h"
#include "libkpi/util/status.h"
#include "libkpi/util/time_range.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}

namespace kpi {

struct ReadQuery {
  static constexpr size_t kDefaultLimit = 1000;
  static constexpr size_t kMaxLimit = 100000;

  TimeRange range;
  size_t limit = kDefaultLimit;
  bool has_cursor = false;
  ReadCursor cursor;
};

// Parses the query parameters (empty view: absent). InvalidArgument names
// the parameter and what it accepts.
Status ParseReadQuery(std::string_view start, std::string_view end, std::string_view limit,
                      std::string_view cursor, int64_t now_ms, ReadQuery* query);

// Parses the report route's parameters (in request order) into `spec`,
// the --where clauses into `where`, and format=html into `html`.
// InvalidArgument names the parameter.
Status ParseReportParams(const std::vector<std::pair<std::string, std::string>>& params,
                         ReportSpec* spec, std::vector<std::string>* where, bool* html);

class ReadApi {
 public:
  ReadApi(std::string data_dir, ReadTokens tokens);

  // The name of the reader whose bearer token an Authorization header
  // carries, or nullptr.
  const std::string* Reader(std::string_view authorization) const;

  // Registers the export, count and report routes on `server`; `this` must
  // outlive it.
  void AddRoutes(httplib::Server* server) const;

 private:
  // Authenticates and parses a read; false when `res` already holds the
  // answer (401 or 400). *reader gets the token's name.
  bool Admit(const httplib::Request& req, httplib::Response& res, bool paged, ReadQuery* query,
             std::string* reader) const;

  std::string data_dir_;
  ReadTokens tokens_;
};

}  // namespace kpi
