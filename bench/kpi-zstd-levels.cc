// kpi-zstd-levels: how much each zstd level and block size stores, and how
// fast, for JSON lines compressed as independent frames the way segments
// store them (one frame per block, whole lines per block). Used to choose
// compaction's default level and block size (libkpi/compactor.h).
//
//   kpi-gen --mode records --count 20000 ... > lines.jsonl
//   kpi-zstd-levels --levels 9,12,15,19 --blocks 1M,4M lines.jsonl
//
// Prints one line per (block size, level): compressed bytes, the ratio to
// `zstd -19` of the whole file as one frame (the reference a benchmark holds
// compaction to) and the compression speed.
#include <zstd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "libkpi/util/units.h"
#include "libkpi/util/zstd_util.h"

namespace {

struct Measurement {
  size_t compressed = 0;
  double seconds = 0;
};

// Compresses `data` in frames of whole lines of at most `block` bytes.
Measurement Compress(const std::string& data, size_t block, int level) {
  kpi::ZstdCCtx cctx = kpi::NewZstdCCtx();
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  std::string out;
  Measurement m;
  const auto start = std::chrono::steady_clock::now();
  for (size_t pos = 0; pos < data.size();) {
    size_t end = std::min(data.size(), pos + block);
    if (end < data.size()) {
      const size_t nl = data.rfind('\n', end - 1);
      end = (nl == std::string::npos || nl < pos) ? end : nl + 1;
    }
    out.resize(ZSTD_compressBound(end - pos));
    const size_t n = ZSTD_compress2(cctx.get(), out.data(), out.size(), data.data() + pos, end - pos);
    if (ZSTD_isError(n)) {
      std::cerr << "zstd: " << ZSTD_getErrorName(n) << "\n";
      std::exit(1);
    }
    m.compressed += n;
    pos = end;
  }
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kpi-zstd-levels: stored size and speed of zstd levels and block sizes"};
  std::string file;
  std::vector<int> levels{9, 12, 15, 19};
  std::vector<std::string> blocks{"1M", "4M"};
  app.add_option("file", file, "JSON lines to compress")->required();
  app.add_option("--levels", levels, "zstd levels")->delimiter(',');
  app.add_option("--blocks", blocks, "block sizes")->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string data = buffer.str();
  const Measurement reference = Compress(data, data.size(), 19);
  std::printf("%zu bytes; zstd -19 as one frame: %zu bytes (%.1f s)\n", data.size(),
              reference.compressed, reference.seconds);
  for (const std::string& text : blocks) {
    uint64_t block = 0;
    if (!kpi::ParseSize(text, "--blocks", &block).ok()) return 1;
    for (int level : levels) {
      const Measurement m = Compress(data, block, level);
      std::printf("block %-5s level %2d: %10zu bytes  %.3f x reference  %6.1f MB/s\n",
                  text.c_str(), level, m.compressed,
                  static_cast<double>(m.compressed) / static_cast<double>(reference.compressed),
                  static_cast<double>(data.size()) / 1e6 / m.seconds);
    }
  }
  return 0;
}
