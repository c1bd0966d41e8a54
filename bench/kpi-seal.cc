// kpi-seal: seals every write-ahead file of a store into segments exactly as
// kpid's seal thread does (kpi::SealWal), and times it. bench/seal.sh holds
// the time to `zstd -3` compressing the same JSON lines.
//
//   kpi-mkstore --data-dir /tmp/s --records 60000 --hours 1 --wal-hours 1
//   kpi-seal --data-dir /tmp/s [--level 3] [--block-size 128K]
//
// Prints "<records> <segment bytes> <seconds>".
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <sys/stat.h>

#include "libkpi/write/sealer.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

int main(int argc, char** argv) {
  CLI::App app{"kpi-seal - seal a store's write-ahead files and time it"};
  std::string data_dir, block_size = "128K";
  kpi::SealOptions options;
  app.add_option("--data-dir", data_dir, "the store")->required();
  app.add_option("--level,--zstd-level", options.zstd_level, "segment compression level");
  app.add_option("--block-size", block_size, "uncompressed bytes per block (1M, 256K, ...)");
  CLI11_PARSE(app, argc, argv);
  uint64_t block_bytes = 0;
  kpi::Status s = kpi::ParseSize(block_size, "--block-size", &block_bytes);
  if (!s.ok()) {
    std::fprintf(stderr, "kpi-seal: %s\n", s.ToString().c_str());
    return 2;
  }
  options.block_bytes = block_bytes;

  const kpi::StoreLayout layout(data_dir);
  std::vector<kpi::ListedFile> wals;
  s = layout.ListWals(kpi::kMinTimeMs, kpi::kMaxTimeMs, &wals);
  if (!s.ok()) {
    std::fprintf(stderr, "kpi-seal: %s\n", s.ToString().c_str());
    return 1;
  }
  uint64_t records = 0, segment_bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const kpi::ListedFile& wal : wals) {
    kpi::SealResult result;
    s = kpi::SealWal(layout, wal.path, options, &result);
    if (!s.ok()) {
      std::fprintf(stderr, "kpi-seal: %s\n", s.ToString().c_str());
      return 1;
    }
    records += result.records;
    struct stat st;
    if (!result.segment_path.empty() && ::stat(result.segment_path.c_str(), &st) == 0) {
      segment_bytes += static_cast<uint64_t>(st.st_size);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu %llu %.6f\n", static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(segment_bytes), seconds);
  return 0;
}
