#include "kpictl/commands.h"
#include "libkpi/ctl_verify.h"

namespace kpictl {

CommandMain AddVerifyCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::VerifyArgs>();
  AddRangeArgument(sub, &args->query.range);
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunVerify(*args);
  };
}

}  // namespace kpictl
