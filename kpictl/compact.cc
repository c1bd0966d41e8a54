// kpictl compact: the command around Compactor (compactor.h).
//
// Output: one line per compacted hour on stdout
//   2026-11-29T18  4 segments -> compact-0000000000000001.kpi.zst  12000 records  3.1 MiB -> 1.2 MiB
// then a total line. Notes (hours already compact, an interrupted
// compaction finished) on stderr unless -q; damaged inputs on stderr, and
// their hours are left alone: exit 3. Busy (another compaction or purge)
// and I/O errors: exit 2; a bad range or level: exit 1.
//
// Thread-safety: runs on the calling thread.
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "kpictl/common.h"
#include "kpictl/exit_codes.h"
#include "libkpi/space/compactor.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

namespace kpi {

struct CompactArgs {
  QueryArgs query;  // data dirs, range, quiet
  int zstd_level = kDefaultCompactZstdLevel;
  std::string block_size = "4M";
};

namespace {

std::string HourLine(const CompactedHour& h, bool several_dirs) {
  std::string line = FormatHour(h.hour_ms) + "  " + std::to_string(h.inputs) + " segments -> " +
                     h.output.substr(h.output.rfind('/') + 1) + "  " +
                     std::to_string(h.records) + " records  " + FormatSize(h.bytes_before) +
                     " -> " + FormatSize(h.bytes_after);
  if (h.duplicates > 0) line += "  (" + std::to_string(h.duplicates) + " duplicates dropped)";
  if (several_dirs) line += "  " + h.data_dir;
  return line;
}

Status ParseCompactArgs(const CompactArgs& args, CompactOptions* options) {
  options->data_dirs = args.query.data_dirs;
  KPI_RETURN_IF_ERROR(ParseTimeRange(args.query.range, NowMs(), &options->range));
  uint64_t block = 0;
  KPI_RETURN_IF_ERROR(ParseSize(args.block_size, "--block-size", &block));
  if (block < 4096 || block > (64u << 20)) {
    return Status::InvalidArgument("--block-size " + args.block_size +
                                   ": must be between 4K and 64M");
  }
  options->block_bytes = block;
  options->zstd_level = args.zstd_level;
  return Status::OK();
}

}  // namespace

int RunCompact(const CompactArgs& args) {
  CompactOptions options;
  Status s = ParseCompactArgs(args, &options);
  if (!s.ok()) return ReportAndExit(s, {}, args.query.quiet);
  const bool several = options.data_dirs.size() > 1;
  uint64_t before = 0, after = 0, records = 0;
  CompactResult result;
  s = Compactor(options).Run(&result, [&](const CompactedHour& h) {
    std::printf("%s\n", HourLine(h, several).c_str());
    std::fflush(stdout);
    before += h.bytes_before;
    after += h.bytes_after;
    records += h.records;
  });
  if (!args.query.quiet) {
    const RollForwardResult& r = result.rolled_forward;
    if (r.inputs_removed + r.temps_removed > 0) {
      PrintNote("finished interrupted compactions: removed " + std::to_string(r.inputs_removed) +
                " superseded inputs and " + std::to_string(r.temps_removed) + " temporary files");
    }
    if (result.hours_already_compact > 0) {
      PrintNote(std::to_string(result.hours_already_compact) +
                " hours were already compact and left as they are");
    }
  }
  if (s.ok()) {
    std::printf("compacted %zu hours, %llu records: %s -> %s\n", result.hours.size(),
                static_cast<unsigned long long>(records), FormatSize(before).c_str(),
                FormatSize(after).c_str());
  }
  return ReportAndExit(s, result.problems, args.query.quiet);
}

}  // namespace kpi

namespace kpictl {

CommandMain AddCompactCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::CompactArgs>();
  AddRangeArgument(sub, &args->query.range);
  sub->add_option("--level,--zstd-level", args->zstd_level,
                  "zstd level of the compacted segments (19: smallest, ~1 MB/s; 15 is several "
                  "times faster and stores ~13% more)")
      ->capture_default_str()
      ->check(CLI::Range(1, 22));
  sub->add_option("--block-size", args->block_size,
                  "uncompressed bytes per block of the compacted segments (larger blocks "
                  "compress better; a reader decompresses one at a time)")
      ->capture_default_str();
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunCompact(*args);
  };
}

}  // namespace kpictl
