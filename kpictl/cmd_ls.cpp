#include "kpictl/commands.h"
#include "libkpi/ctl_ls.h"

namespace kpictl {

CommandMain AddLsCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::LsArgs>();
  AddRangeArgument(sub, &args->query.range);
  sub->add_flag("--json", args->json, "one JSON object per file per line");
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunLs(*args);
  };
}

}  // namespace kpictl
