// kpictl purge: the command around Purger (purger.h).
//
// Output on stdout: one line per hour, oldest first, then a total line:
//   removed 2026-11-29T18  3 segments  1.2 MiB  (--before)
//   freed 3.4 MiB: 2 hours, 5 segments, 0 WALs; the store used 10.0 MiB
// With --dry-run the words are "would remove" and "would free", and nothing
// changes. A limit that cannot be met by removing closed hours is a note on
// stderr (the purge still removes what it may; exit 0). No limit given, a
// bad time, size or percentage: exit 1; another compaction or purge
// running, --include-open meeting a running kpid, I/O errors: exit 2.
//
// Thread-safety: runs on the calling thread.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "kpictl/common.h"
#include "kpictl/exit_codes.h"
#include "libkpi/space/purger.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

namespace kpi {

struct PurgeArgs {
  QueryArgs query;  // data dirs, positional range, quiet
  std::string before;
  std::string max_bytes;
  std::string keep_free;
  std::optional<double> keep_free_percent;
  bool include_open = false;
  bool dry_run = false;
};

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

// The flag that sets each limit, as the user typed it.
const char* FlagFor(PurgeLimit limit) {
  switch (limit) {
    case PurgeLimit::kBefore:
      return "--before";
    case PurgeLimit::kRange:
      return "range";
    case PurgeLimit::kMaxBytes:
      return "--max-bytes";
    case PurgeLimit::kKeepFree:
      return "--keep-free";
  }
  return "limit";
}

std::string UnitLine(const PurgeUnit& u, bool dry_run, bool several_dirs) {
  std::string line = std::string(dry_run ? "would remove " : "removed ") + FormatHour(u.hour_ms) +
                     "  " + std::to_string(u.segments.size()) + " segments";
  if (!u.wals.empty()) line += "  " + std::to_string(u.wals.size()) + " WALs";
  line += "  " + FormatSize(u.bytes) + "  (" + FlagFor(u.limit) + ")";
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
      for (const PurgeResult::Unmet& u : result.unmet) {
        PrintNote(std::string("not met: ") + FlagFor(u.limit) + " " + FormatSize(u.goal_bytes) +
                  ": " + u.detail);
      }
    }
  }
  return ReportAndExit(s, {}, args.query.quiet);
}

}  // namespace kpi

namespace kpictl {

CommandMain AddPurgeCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::PurgeArgs>();
  AddRangeArgument(sub, &args->query.range);
  sub->add_option("--before", args->before,
                  "remove the hours that end at or before TIME (2026-01-01, -90d, Unix ms)")
      ->type_name("TIME");
  sub->add_option("--max-bytes,--max-disk-bytes", args->max_bytes,
                  "remove the oldest hours until the store (segments + WALs) uses at most SIZE")
      ->type_name("SIZE");
  sub->add_option("--keep-free", args->keep_free,
                  "remove the oldest hours until the file system has SIZE free")
      ->type_name("SIZE");
  sub->add_option("--keep-free-percent", args->keep_free_percent,
                  "remove the oldest hours until the file system is P percent free")
      ->type_name("P");
  sub->add_flag("--include-open", args->include_open,
                "also hours kpid may still write to (with a WAL, or the current hour); "
                "refused while a running kpid holds the writer lock");
  sub->add_flag("--dry-run", args->dry_run, "print what would be removed, change nothing");
  sub->footer("Limits combine: what any of them selects is removed, oldest hours first.");
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunPurge(*args);
  };
}

}  // namespace kpictl
