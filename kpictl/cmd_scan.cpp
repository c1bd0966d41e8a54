#include "kpictl/commands.h"
#include "libkpi/ctl_scan.h"

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
