#include "kpictl/commands.h"
#include "libkpi/ctl_export.h"
#include "libkpi/ctl_export_csv.h"

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
  // --format csv (and the schema naming its columns): ctl_export_csv.h.
  auto format = std::make_shared<std::string>("jsonl");
  auto schema = std::make_shared<std::string>();
  sub->add_option("--format", *format,
                  "jsonl (default): the stored lines; csv: one column per schema field, "
                  "objects flattened (screen_size.width), a header row")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->type_name("FORMAT");
  sub->add_option("--schema", *schema,
                  "schema file naming the CSV columns (default: the installed "
                  "schema.json, else the built-in one)")
      ->type_name("FILE");
  return [args, format, schema, &global] {
    FillGlobals(global, &args->query);
    if (*format == "csv") return kpi::RunCsvExport(*args, *schema);
    return kpi::RunExport(*args);
  };
}

}  // namespace kpictl
