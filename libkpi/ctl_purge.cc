#include "libkpi/ctl_purge.h"

#include <cstdio>

#include "libkpi/exit_codes.h"
#include "libkpi/purger.h"
#include "libkpi/time_util.h"
#include "libkpi/units.h"

namespace kpi {
namespace {

Status ParseOptionalSize(const std::string& text, const char* option,
                         std::optional<uint64_t>* out) {
  if (text.empty()) return Status::OK();
  uint64_t bytes = 0;
  KPI_RETURN_IF_ERROR(ParseSize(text, option, &bytes));
  *out = bytes;
  return Status::OK();
}

Status ParsePurgeArgs(const PurgeArgs& args, int64_t now_ms, PurgeOptions* options) {
  if (args.query.data_dirs.empty()) {
    return Status::InvalidArgument("no data directory: give --data-dir DIR or --config FILE");
  }
  options->data_dirs = args.query.data_dirs;
  options->now_ms = now_ms;
  if (!args.before.empty()) {
    int64_t ms = 0, period = 0;
    KPI_RETURN_IF_ERROR(ParseTimePoint(args.before, now_ms, &ms, &period));
    options->before_ms = ms;
  }
  if (!args.query.range.empty()) {
    TimeRange range;
    KPI_RETURN_IF_ERROR(ParseTimeRange(args.query.range, now_ms, &range));
    options->range = range;
  }
  KPI_RETURN_IF_ERROR(ParseOptionalSize(args.max_bytes, "--max-bytes", &options->max_bytes));
  KPI_RETURN_IF_ERROR(ParseOptionalSize(args.keep_free, "--keep-free", &options->keep_free_bytes));
  options->keep_free_percent = args.keep_free_percent;
  options->include_open = args.include_open;
  options->dry_run = args.dry_run;
  return Status::OK();
}

std::string UnitLine(const PurgeUnit& u, bool dry_run, bool several_dirs) {
  std::string line = std::string(dry_run ? "would remove " : "removed ") + FormatHour(u.hour_ms) +
                     "  " + std::to_string(u.segments.size()) + " segments";
  if (!u.wals.empty()) line += "  " + std::to_string(u.wals.size()) + " WALs";
  line += "  " + FormatSize(u.bytes) + "  (" + u.why + ")";
  if (several_dirs) line += "  " + u.data_dir;
  return line;
}

}  // namespace

int RunPurge(const PurgeArgs& args) {
  PurgeOptions options;
  Status s = ParsePurgeArgs(args, NowMs(), &options);
  if (!s.ok()) return ReportAndExit(s, {}, args.query.quiet);
  const bool several = options.data_dirs.size() > 1;
  PurgeResult result;
  s = Purger(options).Run(&result, [&](const PurgeUnit& u) {
    std::printf("%s\n", UnitLine(u, options.dry_run, several).c_str());
  });
  if (s.ok()) {
    std::printf("%s %s: %zu hours, %llu segments, %llu WALs; the store used %s\n",
                options.dry_run ? "would free" : "freed", FormatSize(result.bytes_removed).c_str(),
                result.removed.size(), static_cast<unsigned long long>(result.segments_removed),
                static_cast<unsigned long long>(result.wals_removed),
                FormatSize(result.store_bytes_before).c_str());
    std::fflush(stdout);
    if (!args.query.quiet) {
      for (const std::string& line : result.unmet) PrintNote("not met: " + line);
    }
  }
  return ReportAndExit(s, {}, args.query.quiet);
}

}  // namespace kpi
