#include "kpictl/commands.h"
#include "libkpi/ctl_purge.h"

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
