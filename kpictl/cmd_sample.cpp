#include "kpictl/commands.h"
#include "libkpi/ctl_sample.h"

namespace kpictl {

CommandMain AddSampleCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::SampleArgs>();
  AddRangeArgument(sub, &args->query.range);
  AddWhereOption(sub, &args->query.where);
  auto* n = sub->add_option("-n", args->count, "exactly N records (reservoir sampling)")
                ->check(CLI::PositiveNumber);
  auto* fraction = sub->add_option("--fraction", args->fraction,
                                   "each record with probability P")
                       ->check(CLI::Range(0.0, 1.0));
  n->excludes(fraction);
  sub->add_option_function<uint64_t>(
         "--seed", [args](const uint64_t& seed) { args->seed = seed; },
         "random seed: the same seed gives the same sample")
      ->type_name("S");
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunSample(*args);
  };
}

}  // namespace kpictl
