// kpictl: query and maintain a kpi store. Parses options only; every command
// is a libkpi function (libkpi/ctl_*.h). Exit codes: libkpi/exit_codes.h.
#include <CLI/CLI.hpp>
#include <malloc.h>
#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <utility>
#include <vector>

#include "kpictl/common.h"
#include "kpictl/exit_codes.h"

namespace kpictl {

void AddRangeArgument(CLI::App* sub, std::vector<std::string>* range) {
  sub->add_option("range", *range,
                  "time range: FROM [TO] or FROM..TO, each ISO 8601 (2026-11-29, "
                  "2026-11-29T18:05Z), Unix ms or relative (now, -3h, -7d); a date or hour "
                  "alone means that whole day or hour; none means everything; TO is exclusive")
      ->expected(0, 2);
}

void AddWhereOption(CLI::App* sub, std::vector<std::string>* where) {
  sub->add_option("--where", *where,
                  "keep records where FIELD OP VALUE holds (OP: = != >= <= > <), e.g. "
                  "language=en-US, number_emails>=2, event_stream=assertion_generated (holds that "
                  "event; != holds none); repeat to AND")
      ->allow_extra_args(false)
      ->type_name("CLAUSE");
}

// kpid's config file, read for its data-dir when --config is not given:
// $KPICTL_CONFIG, else the package's /etc/kpid/kpid.conf (skipped when
// missing), so `kpictl export -7d` finds the packaged store.
std::string DefaultConfigPath() {
  const char* env = std::getenv("KPICTL_CONFIG");
  return env != nullptr && *env != '\0' ? env : "/etc/kpid/kpid.conf";
}

void FillGlobals(const GlobalOptions& global, kpi::QueryArgs* query) {
  query->data_dirs = global.data_dirs;
  query->quiet = global.quiet;
}

}  // namespace kpictl

namespace {

// A read opens one SegmentReader per segment, and each allocates its zstd
// context and block buffers (~300 KiB with 128 KiB blocks) and frees them
// when the segment ends. With glibc's defaults that top of the heap went
// back to the kernel and came back as zeroed pages for every segment: 1,350
// brk calls and +20 % time for a 720-segment export. kpictl is short-lived
// and its peak is what counts (RSS is measured as VmHWM), so it keeps what it
// freed below 64 MiB and serves allocations up to 32 MiB from the heap.
void KeepFreedMemoryForReuse() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  KeepFreedMemoryForReuse();
  // What kpictl writes is its user's alone (exports, reports, cursors and
  // ship state 0600) or the store's (kpid's 0640 files, 0750 directories):
  // never anything for others, whatever umask it inherited.
  ::umask(::umask(0) | 027);
  CLI::App app{"kpictl - query and maintain a kpi store"};
  kpictl::GlobalOptions global;
  app.add_option("--data-dir", global.data_dirs,
                 "a data directory (repeat to read several as one store; default: the "
                 "config file's data-dir)")
      ->allow_extra_args(false)
      ->type_name("DIR");
  const std::string default_config = kpictl::DefaultConfigPath();
  app.set_config("--config", default_config,
                 "read options from FILE (kpid's config file; keys kpictl does not know are "
                 "ignored); without it, $KPICTL_CONFIG or /etc/kpid/kpid.conf when present")
      ->type_name("FILE");
  // kpid's keys (listen, sync, ...) are not kpictl's: ignore them, but keep
  // rejecting unknown options on the command line.
  app.allow_config_extras(CLI::config_extras_mode::ignore);
  app.add_flag("-q,--quiet", global.quiet, "no warnings or notes on stderr, only errors");
  app.footer(kpi::kExitCodesHelp);
  app.require_subcommand(1);

  using Adder = kpictl::CommandMain (*)(CLI::App*, const kpictl::GlobalOptions&);
  const std::pair<const char*, std::pair<const char*, Adder>> specs[] = {
      {"ls", {"list segments and WALs with their state and sizes", kpictl::AddLsCommand}},
      {"scan", {"count records per hour or day", kpictl::AddScanCommand}},
      {"export", {"write records as JSON lines", kpictl::AddExportCommand}},
      {"report", {"the KPIs of a range as tables, JSON or an HTML page; small cells withheld",
                  kpictl::AddReportCommand}},
      {"sample", {"a reproducible uniform sample of records", kpictl::AddSampleCommand}},
      {"verify", {"check every checksum, index and block", kpictl::AddVerifyCommand}},
      {"tail", {"the newest records, optionally following new ones", kpictl::AddTailCommand}},
      {"compact", {"merge each hour's segments into one, smaller", kpictl::AddCompactCommand}},
      {"purge", {"delete whole hours: by age, range, size budget or free space",
                 kpictl::AddPurgeCommand}},
      {"ship", {"keep a ClickHouse table in step with the store's sealed hours",
                kpictl::AddShipCommand}},
  };
  std::vector<std::pair<CLI::App*, kpictl::CommandMain>> commands;
  for (const auto& [name, spec] : specs) {
    CLI::App* sub = app.add_subcommand(name, spec.first);
    commands.emplace_back(sub, spec.second(sub, global));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kpi::kExitOk : kpi::kExitUsage;
  }
  if (global.data_dirs.empty()) {
    std::cerr << "kpictl: no data directory: give --data-dir DIR, or --config FILE holding "
                 "`data-dir = DIR` (the default "
              << default_config << " is missing, unreadable or has no data-dir)\n";
    return kpi::kExitUsage;
  }
  for (auto& [sub, run] : commands) {
    if (sub->parsed()) return run();
  }
  return kpi::kExitUsage;
}
