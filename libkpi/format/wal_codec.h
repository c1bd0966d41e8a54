// The byte layout of write-ahead files (format-spec/wal.md §2, §3): the WAL
// header and the record frame. The one codec behind the WAL writer, the WAL
// scan (readers, recovery, sealing, tail) and verification, as LevelDB has
// one log record format behind its writer and ReadPhysicalRecord.
//
//   header (64 B): "KPIW" | u16 version 2 | u16 flags | i64 hour | u64 seq |
//                  writer[16] NUL-padded | u8 order bits | 3 reserved |
//                  order key[16] | u32 crc32c of [0, 60)
//   (version 1, still read: 48 B, no order fields, u32 reserved at 40, crc at 44)
//   frame:         u32 crc32c of [4, 24 + L) | u32 L | i64 timestamp | u64 seq |
//                  L bytes of payload
//
// Pure functions on byte strings; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "libkpi/format/record_order.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/util/status.h"

namespace kpi::wal {

constexpr char kMagic[4] = {'K', 'P', 'I', 'W'};
constexpr uint16_t kVersion = 2;
constexpr size_t kHeaderSize = 64;    // version 2, which kpi writes
constexpr size_t kHeaderSizeV1 = 48;  // version 1, read only
constexpr size_t kFrameHeaderSize = 24;
constexpr uint32_t kMaxPayload = 1 << 20;

struct WalHeader {
  FileKey key;
  uint16_t version = kVersion;
  // Version 2: the records' seqs are key.seq + 1 + a permutation of their
  // arrival index on order_bits bits under order_key (RecordOrder). Version 1
  // files have none (order_bits 0): their seqs increase through the file.
  int order_bits = 0;
  RecordOrder::Key order_key{};
};

// The header of a WAL for `key` (a valid writer id and hour start) whose
// records take their seqs from `order`.
std::string EncodeHeader(const FileKey& key, const RecordOrder& order);
// Where the frames of a file start, from its version field (the bytes at
// 4..5 of `header`, which must hold 6): 48 for version 1, else 64. A damaged
// header is still read this way (wal.md §2).
size_t HeaderSizeOf(std::string_view header);
// Decodes a header of HeaderSizeOf bytes (wal.md §2, checked in the spec's
// order). Unsupported for a newer version under a valid checksum, Corruption
// with "offset N: why" for anything else that is wrong.
Status DecodeHeader(std::string_view header, WalHeader* decoded);

struct Frame {
  int64_t timestamp_ms = 0;
  uint64_t seq = 0;
  std::string_view payload;  // points into the decoded bytes
  uint64_t size() const { return kFrameHeaderSize + payload.size(); }
};

bool PayloadLengthValid(uint32_t length);  // 1 .. kMaxPayload

// Appends a frame whose payload is the concatenation of `payload_parts`
// (so callers need not build the line first); their total length must be
// PayloadLengthValid (the caller checks).
void AppendFrame(int64_t timestamp_ms, uint64_t seq,
                 std::initializer_list<std::string_view> payload_parts, std::string* out);

// How many bytes the frame starting `bytes` spans according to its length
// field (at least kFrameHeaderSize bytes needed), or 0 if that length is
// out of range: how much a reader must have to decode it.
uint64_t DeclaredFrameSize(std::string_view bytes);

// Why the bytes at a frame position are not a valid frame (wal.md §3).
enum class FrameError { kNone, kHeaderCutShort, kBadLength, kCutShort, kBadChecksum };
const char* Describe(FrameError error);

// Decodes the frame at the start of `bytes` (which may hold more): kNone
// and *frame filled when a whole valid frame is there.
FrameError DecodeFrame(std::string_view bytes, Frame* frame);

// wal.md §3: a valid frame's record is valid when its payload has the record
// prefix and its _id and timestamp agree with the frame and with the file
// (`key.writer` empty: writer and hour unknown, not checked). Returns "" or
// why not; sets *id to the payload's _id when the prefix parses.
std::string CheckFrameRecord(const Frame& frame, const FileKey& key, std::string_view* id);

}  // namespace kpi::wal
