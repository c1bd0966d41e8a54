// kpictl scan: record counts, bytes and first/last timestamps per hour or
// day of a range. Without --where the answer comes from the segment indexes
// (plus a scan of the WALs, which have none): no block in the middle of the
// range is decompressed. With --where every record in range is read and
// filtered.
//
// Output: an aligned table with a total line, or with --json one object per
// period per line: {"period":"2026-11-29T18","start_ms":..,"records":..,
// "bytes":..,"first_ts":..,"last_ts":..} (no total line; sum with jq).
// "bytes" are the JSON lines' bytes, what an export would write.
//
// Thread-safety: runs on the calling thread.
#include <string>
#include <unistd.h>
#include <vector>

#include "kpictl/common.h"
#include "kpictl/exit_codes.h"
#include "kpictl/text_table.h"
#include "libkpi/env/output_sink.h"
#include "libkpi/read/store_counts.h"
#include "libkpi/util/json_line_builder.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

namespace kpi {

struct ScanArgs {
  QueryArgs query;
  std::string by = "hour";  // "hour" or "day"
  bool json = false;
};

// Counts the records of `query` per period of `period_ms` (an hour or a day).
Status ScanStore(Query* query, int64_t period_ms, std::vector<PeriodCount>* periods,
                 ReadProblems* problems);

// Renders periods as kpictl prints them.
std::string FormatScan(const std::vector<PeriodCount>& periods, int64_t period_ms, bool json);

namespace {

Status CountFiltered(Query* query, int64_t period_ms, std::vector<PeriodCount>* periods,
                     ReadProblems* problems) {
  RecordStream stream(query->ToStreamOptions());
  while (stream.Next()) {
    const RecordView& r = stream.record();
    const int64_t start = FloorTo(r.timestamp_ms, period_ms);
    if (periods->empty() || periods->back().start_ms != start) {
      periods->emplace_back();
      periods->back().start_ms = start;
    }
    periods->back().AddRecords(1, r.json.size() + 1, r.timestamp_ms, r.timestamp_ms);
  }
  problems->insert(problems->end(), stream.problems().begin(), stream.problems().end());
  return stream.status();
}

std::string PeriodName(int64_t start_ms, int64_t period_ms) {
  const std::string hour = FormatHour(start_ms);
  return period_ms == kMsPerDay ? hour.substr(0, 10) : hour;
}

std::string FormatJson(const std::vector<PeriodCount>& periods, int64_t period_ms) {
  std::string out;
  for (const PeriodCount& p : periods) {
    JsonLineBuilder(&out)
        .Str("period", PeriodName(p.start_ms, period_ms))
        .Int("start_ms", p.start_ms)
        .Uint("records", p.records)
        .Uint("bytes", p.bytes)
        .Int("first_ts", p.first_ts)
        .Int("last_ts", p.last_ts)
        .End();
  }
  return out;
}

}  // namespace

Status ScanStore(Query* query, int64_t period_ms, std::vector<PeriodCount>* periods,
                 ReadProblems* problems) {
  periods->clear();
  if (!query->filter.empty()) return CountFiltered(query, period_ms, periods, problems);
  std::vector<PeriodCount> hours;
  KPI_RETURN_IF_ERROR(CountByHour(query->data_dirs, query->range, &hours, problems));
  *periods = FoldPeriods(hours, period_ms);
  return Status::OK();
}

std::string FormatScan(const std::vector<PeriodCount>& periods, int64_t period_ms, bool json) {
  if (json) return FormatJson(periods, period_ms);
  TextTable table({"period", "records", "bytes", "first", "last"}, "LRRLL");
  PeriodCount total;
  for (const PeriodCount& p : periods) {
    table.AddRow({PeriodName(p.start_ms, period_ms), std::to_string(p.records), FormatSize(p.bytes),
                  FormatIso(p.first_ts), FormatIso(p.last_ts)});
    total.Merge(p);
  }
  const bool any = total.records > 0;
  table.AddRow({"total", std::to_string(total.records), FormatSize(total.bytes),
                any ? FormatIso(total.first_ts) : "-", any ? FormatIso(total.last_ts) : "-"});
  return table.Render();
}

int RunScan(const ScanArgs& args) {
  Query query;
  ReadProblems problems;
  Status s = Query::Parse(args.query, NowMs(), &query);
  int64_t period_ms = kMsPerHour;
  if (s.ok() && args.by == "day") {
    period_ms = kMsPerDay;
  } else if (s.ok() && args.by != "hour") {
    s = Status::InvalidArgument("--by '" + args.by + "': use hour or day");
  }
  std::vector<PeriodCount> periods;
  if (s.ok()) s = ScanStore(&query, period_ms, &periods, &problems);
  if (s.ok())
    s = WriteAll(STDOUT_FILENO, FormatScan(periods, period_ms, args.json), "standard output");
  return ReportAndExit(s, problems, args.query.quiet);
}

}  // namespace kpi

namespace kpictl {

CommandMain AddScanCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::ScanArgs>();
  AddRangeArgument(sub, &args->query.range);
  sub->add_option("--by", args->by, "count per hour or day (UTC)")
      ->check(CLI::IsMember({"hour", "day"}));
  AddWhereOption(sub, &args->query.where);
  sub->add_flag("--json", args->json, "one JSON object per period per line");
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunScan(*args);
  };
}

}  // namespace kpictl
