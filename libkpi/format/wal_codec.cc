// format-spec/wal.md §2 and §3; see wal_codec.h.
#include "libkpi/format/wal_codec.h"

#include <cstring>

#include "libkpi/format/record.h"
#include "libkpi/util/coding.h"
#include "libkpi/util/crc32c.h"
#include "libkpi/util/time_util.h"

namespace kpi::wal {
namespace {

constexpr size_t kWriterFieldSize = 16;

std::string At(uint64_t offset, std::string_view what) {
  return "offset " + std::to_string(offset) + ": " + std::string(what);
}

}  // namespace

std::string EncodeHeader(const FileKey& key, const RecordOrder& order) {
  std::string h(kHeaderSize, '\0');
  std::memcpy(&h[0], kMagic, 4);
  EncodeFixed16(&h[4], kVersion);
  EncodeFixed64(&h[8], static_cast<uint64_t>(key.hour_ms));
  EncodeFixed64(&h[16], key.seq);
  std::memcpy(&h[24], key.writer.data(), key.writer.size());
  h[40] = static_cast<char>(order.bits());
  std::memcpy(&h[44], order.key().data(), RecordOrder::kKeySize);
  EncodeFixed32(&h[60], crc32c::Value(h.data(), 60));
  return h;
}

size_t HeaderSizeOf(std::string_view header) {
  return DecodeFixed16(header.data() + 4) == 1 ? kHeaderSizeV1 : kHeaderSize;
}

namespace {

// Version 2's order fields (bytes 40..59): bits even in 2..24, reserved 0.
Status DecodeOrder(const char* h, WalHeader* decoded) {
  const int bits = static_cast<uint8_t>(h[40]);
  if (h[41] != 0 || h[42] != 0 || h[43] != 0) {
    return Status::Corruption(At(41, "header has non-zero reserved bytes"));
  }
  if (!RecordOrder::ValidBits(bits)) {
    return Status::Corruption(At(40, "order bits " + std::to_string(bits) +
                                         " is not an even number from 2 to 24"));
  }
  decoded->order_bits = bits;
  std::memcpy(decoded->order_key.data(), h + 44, decoded->order_key.size());
  return Status::OK();
}

}  // namespace

// Checks in the order of wal.md §2, which makes each message true: the
// checksum means something once the magic matched, the fields once it passed.
Status DecodeHeader(std::string_view header, WalHeader* decoded) {
  const char* h = header.data();
  if (std::memcmp(h, kMagic, 4) != 0) {
    return Status::Corruption(At(0, "not a kpi write-ahead file (bad magic)"));
  }
  const size_t crc_at = header.size() - 4;
  if (DecodeFixed32(h + crc_at) != crc32c::Value(h, crc_at)) {
    return Status::Corruption(At(crc_at, "header checksum mismatch"));
  }
  const uint16_t version = DecodeFixed16(h + 4);
  if (version > kVersion) {
    return Status::Unsupported(At(4, "WAL version " + std::to_string(version) +
                                         " is newer than this kpi understands (2); upgrade kpi"));
  }
  if (version == 0 || DecodeFixed16(h + 6) != 0 ||
      (version == 1 && DecodeFixed32(h + 40) != 0)) {
    return Status::Corruption(At(4, "header has version 0 or non-zero flags/reserved bytes"));
  }
  decoded->version = version;
  if (version >= 2) KPI_RETURN_IF_ERROR(DecodeOrder(h, decoded));
  const char* w = h + 24;
  const size_t len = strnlen(w, kWriterFieldSize);
  for (size_t i = len; i < kWriterFieldSize; ++i) {
    if (w[i] != '\0') return Status::Corruption(At(24, "writer not NUL-padded"));
  }
  FileKey* key = &decoded->key;
  key->writer.assign(w, len);
  key->hour_ms = static_cast<int64_t>(DecodeFixed64(h + 8));
  key->seq = DecodeFixed64(h + 16);
  if (!IsValidWriterId(key->writer) || !IsValidHour(key->hour_ms)) {
    return Status::Corruption(At(8, "header has an invalid writer id or hour"));
  }
  return Status::OK();
}

bool PayloadLengthValid(uint32_t length) { return length >= 1 && length <= kMaxPayload; }

void AppendFrame(int64_t timestamp_ms, uint64_t seq,
                 std::initializer_list<std::string_view> payload_parts, std::string* out) {
  size_t len = 0;
  for (std::string_view part : payload_parts) len += part.size();
  const size_t start = out->size();
  out->resize(start + kFrameHeaderSize);
  char* h = out->data() + start;
  EncodeFixed32(h + 4, static_cast<uint32_t>(len));
  EncodeFixed64(h + 8, static_cast<uint64_t>(timestamp_ms));
  EncodeFixed64(h + 16, seq);
  uint32_t crc = crc32c::Extend(0, h + 4, kFrameHeaderSize - 4);
  for (std::string_view part : payload_parts) {
    crc = crc32c::Extend(crc, part.data(), part.size());
    out->append(part);
  }
  EncodeFixed32(out->data() + start, crc);
}

uint64_t DeclaredFrameSize(std::string_view bytes) {
  const uint32_t len = DecodeFixed32(bytes.data() + 4);
  return PayloadLengthValid(len) ? kFrameHeaderSize + len : 0;
}

const char* Describe(FrameError error) {
  switch (error) {
    case FrameError::kNone: return "valid frame";
    case FrameError::kHeaderCutShort: return "frame header cut short";
    case FrameError::kBadLength: return "invalid payload length";
    case FrameError::kCutShort: return "frame cut short";
    case FrameError::kBadChecksum: return "frame checksum mismatch";
  }
  return "invalid frame";
}

FrameError DecodeFrame(std::string_view bytes, Frame* frame) {
  if (bytes.size() < kFrameHeaderSize) return FrameError::kHeaderCutShort;
  const uint64_t size = DeclaredFrameSize(bytes);
  if (size == 0) return FrameError::kBadLength;
  if (bytes.size() < size) return FrameError::kCutShort;
  if (crc32c::Value(bytes.data() + 4, size - 4) != DecodeFixed32(bytes.data())) {
    return FrameError::kBadChecksum;
  }
  frame->timestamp_ms = static_cast<int64_t>(DecodeFixed64(bytes.data() + 8));
  frame->seq = DecodeFixed64(bytes.data() + 16);
  frame->payload = bytes.substr(kFrameHeaderSize, size - kFrameHeaderSize);
  return FrameError::kNone;
}

std::string CheckFrameRecord(const Frame& frame, const FileKey& key, std::string_view* id) {
  int64_t ts = 0;
  if (!ParseRecordPrefix(frame.payload, id, &ts)) {
    return "payload is not a record starting with its _id and timestamp";
  }
  if (ts != frame.timestamp_ms) return "the payload's timestamp is not the frame's";
  const std::optional<RecordId> parsed = RecordId::Parse(*id);
  if (!parsed || parsed->seq != frame.seq) return "the payload's _id seq is not the frame's seq";
  if (key.writer.empty()) return "";
  if (parsed->writer != key.writer) return "the payload's _id writer is not the file's";
  if (HourStart(ts) != key.hour_ms) return "timestamp is outside the file's hour";
  return "";
}

}  // namespace kpi::wal
