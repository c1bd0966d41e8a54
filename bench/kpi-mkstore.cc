// kpi-mkstore: writes a store of generated records without kpid, for
// benchmarks and kpictl's CLI tests.
//
//   kpi-mkstore --data-dir /tmp/s --records 100000 --hours 24 --from 2026-11-29
//   kpi-mkstore --data-dir /tmp/s --records 500 --hours 3 --wal-hours 1 --writer b2
//
// Records are spread evenly over the hours; hour i gets its own generator
// (seed + i), so the output depends only on the options. The last
// --wal-hours hours are left as WALs (as if kpid had not sealed them yet),
// the others are sealed segments. Seqs are consecutive from --first-seq in
// hour order. Prints one line per file written.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "testing/store_builder.h"
#include "libkpi/util/time_range.h"
#include "libkpi/util/time_util.h"

int main(int argc, char** argv) {
  CLI::App app{"kpi-mkstore - write a store of generated records"};
  std::string data_dir, from_text = "2026-11-29", writer = "a1";
  uint64_t records = 1000, seed = 1, first_seq = 1, block_bytes = kpi::segment::kDefaultBlockBytes;
  int hours = 1, wal_hours = 0, level = kpi::segment::kDefaultZstdLevel;
  app.add_option("--data-dir", data_dir, "the store to write into")->required();
  app.add_option("--records", records, "records in total");
  app.add_option("--hours", hours, "hours to spread them over")->check(CLI::PositiveNumber);
  app.add_option("--from", from_text, "first hour (ISO 8601 or Unix ms)");
  app.add_option("--writer", writer, "writer id");
  app.add_option("--seed", seed, "generator seed");
  app.add_option("--first-seq", first_seq, "seq of the first record");
  app.add_option("--wal-hours", wal_hours, "leave the last N hours as WALs");
  app.add_option("--block-bytes", block_bytes, "uncompressed bytes per segment block");
  app.add_option("--zstd-level", level, "segment compression level");
  CLI11_PARSE(app, argc, argv);

  int64_t from = 0, period = 0;
  kpi::Status s = kpi::ParseTimePoint(from_text, kpi::NowMs(), &from, &period);
  if (!s.ok()) {
    std::fprintf(stderr, "kpi-mkstore: %s\n", s.message().c_str());
    return 1;
  }
  from = kpi::HourStart(from);
  kpi::SegmentWriterOptions options = kpi::StoreBuilder::Unsynced();
  options.block_bytes = block_bytes;
  options.zstd_level = level;
  kpi::StoreBuilder builder(data_dir, options);
  uint64_t seq = first_seq;
  for (int h = 0; h < hours; ++h) {
    const int64_t hour = from + h * kpi::kMsPerHour;
    const uint64_t count = records / hours + (static_cast<uint64_t>(h) < records % hours ? 1 : 0);
    if (count == 0) continue;
    auto batch = kpi::GenerateRecords(seed + h, hour, hour + kpi::kMsPerHour, writer, seq, count);
    const bool wal = h >= hours - wal_hours;
    // A WAL's records lie in the block above its own seq (wal.md §3): it
    // takes the seq before its first record's (no record of its hour).
    const kpi::FileKey key{hour, writer, wal ? seq - 1 : seq};
    seq += count;
    std::string path;
    s = wal ? builder.WriteWal(key, std::move(batch), &path)
            : builder.WriteSegment(key, std::move(batch), &path);
    if (!s.ok()) {
      std::fprintf(stderr, "kpi-mkstore: %s\n", s.ToString().c_str());
      return 2;
    }
    std::printf("%s %llu\n", path.c_str(), static_cast<unsigned long long>(count));
  }
  return 0;
}
