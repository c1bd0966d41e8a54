// The byte layout of write-ahead files (format-spec/wal.md §2, §3): the WAL
// header and the record frame. The one codec behind the WAL writer, the WAL
// scan (readers, recovery, sealing, tail) and verification, as LevelDB has
// one log record format behind its writer and ReadPhysicalRecord.
//
//   header (48 B): "KPIW" | u16 version | u16 flags | i64 hour | u64 seq |
//                  writer[16] NUL-padded | u32 reserved | u32 crc32c of [0, 44)
//   frame:         u32 crc32c of [4, 24 + L) | u32 L | i64 timestamp | u64 seq |
//                  L bytes of payload
//
// Pure functions on byte strings; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "libkpi/format/store_layout.h"
#include "libkpi/util/status.h"

namespace kpi::wal {

constexpr char kMagic[4] = {'K', 'P', 'I', 'W'};
constexpr uint16_t kVersion = 1;
constexpr size_t kHeaderSize = 48;
constexpr size_t kFrameHeaderSize = 24;
constexpr uint32_t kMaxPayload = 1 << 20;

// The 48-byte header of a WAL for `key` (a valid writer id and hour start).
std::string EncodeHeader(const FileKey& key);
// Decodes a 48-byte header (wal.md §2, checked in the spec's order).
// Unsupported for a newer version under a valid checksum, Corruption with
// "offset N: why" for anything else that is wrong.
Status DecodeHeader(std::string_view header, FileKey* key);

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
