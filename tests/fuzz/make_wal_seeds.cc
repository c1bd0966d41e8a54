// Writes the seed WALs of corpus/wal_reader/ with the real WalWriter, so the
// fuzzer starts from files recovery actually meets: a header alone, a few
// records, a long record, and a torn tail. Usage: fuzz_make_wal_seeds <out-dir>
// (run by make_corpus.sh; the output is committed and small).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "libkpi/format/wal.h"

namespace {

constexpr int64_t kHour = 1764439200000;  // 2025-11-29T18:00Z

std::string Line(uint64_t seq, int64_t ts, const std::string& extra) {
  char id[32];
  std::snprintf(id, sizeof(id), "a1-%016llx", static_cast<unsigned long long>(seq));
  return "{\"_id\":\"" + std::string(id) + "\",\"timestamp\":" + std::to_string(ts) +
         ",\"event_stream\":[[\"screen.rp_info\",2721]]" + extra + "}";
}

kpi::Status WriteWal(const kpi::StoreLayout& layout, uint64_t file_seq, int records,
                     const std::string& extra) {
  std::unique_ptr<kpi::wal::WalWriter> writer;
  KPI_RETURN_IF_ERROR(kpi::wal::WalWriter::Create(layout, {kHour, "a1", file_seq}, &writer));
  for (int i = 0; i < records; ++i) {
    const int64_t ts = kHour + 600000 * (i % 6);
    KPI_RETURN_IF_ERROR(writer->Append(ts, i + 1, Line(i + 1, ts, extra)));
  }
  KPI_RETURN_IF_ERROR(writer->Sync());
  return writer->Close();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <out-dir>\n", argv[0]);
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path tmp = fs::temp_directory_path() / ("kpi-wal-seeds-" + std::to_string(getpid()));
  kpi::StoreLayout layout(tmp.string());
  kpi::Status s = layout.CreateDirectories();
  const struct {
    uint64_t seq;
    int records;
    std::string extra;
  } wals[] = {{1, 0, ""}, {2, 3, ""}, {3, 12, ",\"lang\":\"en-US\""}, {4, 1, std::string(3000, ' ')}};
  for (const auto& w : wals) {
    if (s.ok()) s = WriteWal(layout, w.seq, w.records, w.extra);
  }
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  fs::create_directories(argv[1]);
  for (const auto& w : wals) {
    const std::string from = layout.WalPath({kHour, "a1", w.seq});
    const fs::path to = fs::path(argv[1]) / ("wal-" + std::to_string(w.seq));
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    if (w.records == 12) {  // and the same file with its last frame torn
      const fs::path torn = fs::path(argv[1]) / "wal-torn";
      fs::copy_file(from, torn, fs::copy_options::overwrite_existing);
      fs::resize_file(torn, fs::file_size(torn) - 7);
    }
  }
  fs::remove_all(tmp);
  return 0;
}
