#include "kpictl/commands.h"
#include "libkpi/ctl_compact.h"

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
