#include "kpictl/commands.h"
#include "libkpi/ctl_export.h"

namespace kpictl {

CommandMain AddExportCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::ExportArgs>();
  AddRangeArgument(sub, &args->query.range);
  AddWhereOption(sub, &args->query.where);
  sub->add_option("--fields", args->query.fields,
                  "keep only these members, comma-separated (_id is kept unless -_id is "
                  "given; -name drops a member)")
      ->allow_extra_args(false)
      ->type_name("LIST");
  sub->add_option("-o,--output", args->output,
                  "write to FILE instead of stdout; FILE.zst is zstd-compressed")
      ->type_name("FILE");
  sub->add_option("--zstd-level", args->zstd_level, "compression level for -o FILE.zst")
      ->check(CLI::Range(1, 19));
  auto* on = sub->add_flag_function(
      "--progress", [args](int64_t) { args->progress = 1; }, "show progress on stderr");
  auto* off = sub->add_flag_function(
      "--no-progress", [args](int64_t) { args->progress = 0; },
      "never show progress (default: only when stderr is a terminal)");
  on->excludes(off);
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunExport(*args);
  };
}

}  // namespace kpictl
