#include "kpictl/commands.h"
#include "libkpi/ctl_tail.h"
#include "libkpi/exit_codes.h"
#include "libkpi/units.h"

namespace kpictl {

CommandMain AddTailCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::TailArgs>();
  auto poll = std::make_shared<std::string>("200ms");
  auto lookback = std::make_shared<std::string>("48h");
  sub->add_option("-n", args->count, "the N newest records (default 10)");
  sub->add_flag("-f,--follow", args->follow, "keep printing records as kpid appends them");
  sub->add_option("--cursor-file", args->cursor_file,
                  "continue after the position saved in FILE, and save the new one there")
      ->type_name("FILE");
  sub->add_option("--poll", *poll, "how often -f looks for new records");
  sub->add_option("--lookback", *lookback,
                  "how far back -f looks for WALs sealed between two polls");
  return [args, poll, lookback, &global] {
    FillGlobals(global, &args->query);
    kpi::Status s = kpi::ParseDuration(*poll, "--poll", &args->poll_ms);
    if (s.ok()) s = kpi::ParseDuration(*lookback, "--lookback", &args->lookback_ms);
    if (!s.ok()) {
      kpi::PrintError(s);
      return static_cast<int>(kpi::kExitUsage);
    }
    return kpi::RunTail(*args);
  };
}

}  // namespace kpictl
