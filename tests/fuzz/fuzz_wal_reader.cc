// Fuzz target: a write-ahead file (format-spec/wal.md) as recovery finds it
// after a crash or a disk fault: ScanWal over the whole file, then
// ReadWalRecordAt on every offset the scan returned and on a few it did not.
//
// Each input is tried as it is and, when that changes it, with its header and
// frame checksums recomputed: random bytes almost never pass a crc32c, and
// the fixed copy lets mutations reach the length and payload handling.
// Invariants: the valid prefix never exceeds the file, problems are in file
// order inside it, a scan that reports no tail problem covered the whole file
// (resyncing past damaged frames, wal.md §5), and every scanned record reads
// back identically by offset.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "libkpi/format/wal.h"
#include "tests/fuzz/fuzz_util.h"

namespace kpi::fuzz {
namespace {

struct Scanned {
  uint64_t offset;
  int64_t timestamp_ms;
  uint64_t seq;
  std::string json;
};

std::string WithWalChecksumsFixed(std::string data) {
  // wal.md §2: the header checksum sits at its last 4 bytes (60, version 1: 44).
  const size_t header = data.size() >= 6 ? wal::HeaderSizeOf(data) : wal::kHeaderSize;
  if (data.size() >= header) FixCrc(&data, 0, header - 4, header - 4);
  uint64_t offset = header;
  while (offset + wal::kFrameHeaderSize <= data.size()) {
    const uint64_t size = wal::DeclaredFrameSize(std::string_view(data).substr(offset));
    const uint64_t end = offset + size;
    if (size == 0 || end > data.size()) break;
    FixCrc(&data, offset + 4, end, offset);
    offset = end;
  }
  return data;
}

void ReadBack(const std::string& path, const std::vector<Scanned>& scanned, uint64_t file_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  FuzzCheck(fd >= 0, "cannot reopen the scratch WAL");
  wal::WalRecord record;
  std::string json;
  for (const Scanned& s : scanned) {
    FuzzCheck(wal::ReadWalRecordAt(fd, path, s.offset, &record, &json).ok(),
              "a scanned frame does not read back by offset");
    FuzzCheck(record.offset == s.offset && record.timestamp_ms == s.timestamp_ms &&
                  record.seq == s.seq && record.json == s.json,
              "a frame read by offset differs from the scan");
  }
  // Offsets that are not frame starts must fail cleanly, never crash.
  for (uint64_t offset : {uint64_t{0}, uint64_t{1}, file_bytes, file_bytes - 1, ~uint64_t{0}}) {
    static_cast<void>(wal::ReadWalRecordAt(fd, path, offset, &record, &json));
  }
  ::close(fd);
}

void ScanOne(ScratchFile* file, const std::string& data) {
  const std::string& path = file->Write(data);
  std::vector<Scanned> scanned;
  wal::WalScanResult result;
  const Status s = wal::ScanWal(
      path,
      [&](const wal::WalRecord& r) {
        scanned.push_back({r.offset, r.timestamp_ms, r.seq, std::string(r.json)});
        return true;
      },
      &result);
  if (!s.ok()) return;
  FuzzCheck(result.file_bytes == data.size(), "file size misread");
  // At least the header (48 bytes in version 1, else 64), or the whole short file.
  FuzzCheck(result.valid_bytes >= std::min<uint64_t>(wal::kHeaderSizeV1, result.file_bytes) &&
                result.valid_bytes <= result.file_bytes,
            "valid prefix outside the file");
  uint64_t last_offset = 0;
  for (const wal::WalProblem& p : result.problems) {
    FuzzCheck(p.offset <= result.file_bytes && p.offset >= last_offset,
              "problems outside the file or out of file order");
    last_offset = p.offset;
  }
  FuzzCheck(result.records == scanned.size(), "record count differs from the callbacks");
  // Zeros past the valid prefix are kpid's prefill, not damage: no problem
  // reported, but then they must really be zeros.
  FuzzCheck(!result.tail_problem.empty() || result.zero_tail ||
                result.valid_bytes == result.file_bytes,
            "scan stopped early without saying why");
  if (result.zero_tail) {
    FuzzCheck(data.find_first_not_of('\0', result.valid_bytes) == std::string::npos,
              "a tail with data in it taken for prefill zeros");
  }
  ReadBack(path, scanned, result.file_bytes);
}

}  // namespace

int FuzzWalReader(const uint8_t* data, size_t size) {
  static ScratchFile file("wal");
  const std::string input(reinterpret_cast<const char*>(data), size);
  ScanOne(&file, input);
  const std::string fixed = WithWalChecksumsFixed(input);
  if (fixed != input) ScanOne(&file, fixed);
  return 0;
}

}  // namespace kpi::fuzz

#ifndef KPI_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return kpi::fuzz::FuzzWalReader(data, size);
}
#endif
