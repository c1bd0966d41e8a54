// Constants and fixed structures of segment format v1 (format-spec/segment.md).
// The spec is the contract; section numbers below refer to it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/format/record.h"

namespace kpi::segment {

constexpr uint32_t kHeaderFrameMagic = 0x184D2A5A;  // §3, a zstd skippable frame
constexpr uint32_t kIndexFrameMagic = 0x184D2A5B;   // §5
constexpr uint32_t kZstdFrameMagic = 0xFD2FB528;    // §4, a regular zstd frame
constexpr char kHeaderMagic[4] = {'K', 'P', 'I', 'S'};
constexpr char kFooterMagic[4] = {'K', 'P', 'I', 'X'};
constexpr uint16_t kFormatVersion = 1;
constexpr uint16_t kFlagCompacted = 1u << 0;
constexpr uint16_t kKnownFlags = kFlagCompacted;

constexpr size_t kSkippableHeaderSize = 8;   // magic + frame size
constexpr size_t kIndexEntrySize = 64;       // §5.1
constexpr size_t kFooterSize = 16;           // §5.2
constexpr size_t kMaxSupersededName = 64;
// Sealed segments' block size: a writer's choice, not part of the layout.
// 128 KiB costs ~3 % more bytes than 1 MiB at level 3 (bench/README.md,
// "Sealed block size") and lets a reader that wants a few records (`kpictl
// sample -n`, a range ending inside an hour) decompress an eighth as much.
// Compaction keeps larger blocks (libkpi/space/compactor.h).
constexpr size_t kDefaultBlockBytes = 128 << 10;
constexpr int kDefaultZstdLevel = 3;

// §3
struct Header {
  uint16_t version = kFormatVersion;
  uint16_t flags = 0;
  int64_t hour_ms = 0;
  uint64_t seq = 0;
  std::string writer;
  std::vector<std::string> superseded;  // only for compacted segments

  bool compacted() const { return flags & kFlagCompacted; }
};

// §5.1: one block of a segment.
struct BlockInfo {
  uint64_t offset = 0;
  uint32_t compressed_size = 0;
  uint32_t uncompressed_size = 0;
  uint32_t record_count = 0;
  uint32_t crc32c = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  RecordId first_id;
};

}  // namespace kpi::segment
