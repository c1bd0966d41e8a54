#include "libkpi/format/segment_codec.h"

#include <cstring>

#include "libkpi/format/store_layout.h"
#include "libkpi/util/coding.h"
#include "libkpi/util/crc32c.h"
#include "libkpi/util/time_util.h"

namespace kpi::segment {
namespace {

// Offsets inside the header frame (§3).
constexpr size_t kHeaderMagicOffset = 8;
constexpr size_t kVersionOffset = 12;
constexpr size_t kFlagsOffset = 14;
constexpr size_t kHourOffset = 16;
constexpr size_t kSeqOffset = 24;
constexpr size_t kWriterLengthOffset = 32;

void EncodeEntry(const BlockInfo& b, char* p) {
  EncodeFixed64(p, b.offset);
  EncodeFixed32(p + 8, b.compressed_size);
  EncodeFixed32(p + 12, b.uncompressed_size);
  EncodeFixed32(p + 16, b.record_count);
  EncodeFixed32(p + 20, b.crc32c);
  EncodeFixed64(p + 24, static_cast<uint64_t>(b.min_ts));
  EncodeFixed64(p + 32, static_cast<uint64_t>(b.max_ts));
  std::memset(p + 40, 0, kMaxWriterIdLength);
  std::memcpy(p + 40, b.first_id.writer.data(), b.first_id.writer.size());
  EncodeFixed64(p + 56, b.first_id.seq);
}

Status DecodeEntry(const char* p, uint64_t entry_offset, BlockInfo* b) {
  b->offset = DecodeFixed64(p);
  b->compressed_size = DecodeFixed32(p + 8);
  b->uncompressed_size = DecodeFixed32(p + 12);
  b->record_count = DecodeFixed32(p + 16);
  b->crc32c = DecodeFixed32(p + 20);
  b->min_ts = static_cast<int64_t>(DecodeFixed64(p + 24));
  b->max_ts = static_cast<int64_t>(DecodeFixed64(p + 32));
  const char* writer = p + 40;
  b->first_id.writer.assign(writer, strnlen(writer, kMaxWriterIdLength));
  b->first_id.seq = DecodeFixed64(p + 56);
  if (b->record_count == 0 || b->compressed_size == 0 ||
      b->uncompressed_size < b->record_count || b->min_ts > b->max_ts ||
      !IsValidWriterId(b->first_id.writer)) {
    return Status::Corruption(AtOffset(entry_offset, "index entry is inconsistent"));
  }
  return Status::OK();
}

bool Magic4Is(const char* p, const char (&magic)[4]) { return std::memcmp(p, magic, 4) == 0; }

// Decodes the superseded names that fill [pos, end) of the header frame.
Status DecodeSuperseded(std::string_view frame, size_t pos, size_t end, Header* header) {
  const uint16_t count = DecodeFixed16(frame.data() + pos);
  pos += 2;
  for (uint16_t i = 0; i < count; ++i) {
    const size_t len = pos < end ? static_cast<uint8_t>(frame[pos]) : 0;
    if (len == 0 || len > kMaxSupersededName || pos + 1 + len > end) {
      return Status::Corruption(AtOffset(pos, "bad superseded name length"));
    }
    if (frame.substr(pos + 1, len).find('/') != std::string_view::npos) {
      return Status::Corruption(AtOffset(pos + 1, "superseded name holds a '/'"));
    }
    header->superseded.emplace_back(frame.substr(pos + 1, len));
    pos += 1 + len;
  }
  if (pos != end) return Status::Corruption(AtOffset(pos, "header frame size does not match"));
  if (count > 0 && !header->compacted()) {
    return Status::Corruption(AtOffset(kFlagsOffset, "superseded names without compacted flag"));
  }
  return Status::OK();
}

}  // namespace

std::string AtOffset(uint64_t offset, std::string_view what) {
  return "offset " + std::to_string(offset) + ": " + std::string(what);
}

Status ValidateHeader(const Header& h) {
  if (h.version != kFormatVersion) return Status::InvalidArgument("segment header: version must be 1");
  if ((h.flags & ~kKnownFlags) != 0) return Status::InvalidArgument("segment header: unknown flags");
  if (!IsValidWriterId(h.writer)) {
    return Status::InvalidArgument("segment header: writer id '" + h.writer +
                                   "' is not 1-16 characters of [a-z0-9]");
  }
  if (!IsValidHour(h.hour_ms)) {
    return Status::InvalidArgument("segment header: hour " + std::to_string(h.hour_ms) +
                                   " is not the start of an hour of years 1970-9999");
  }
  if (h.superseded.size() > UINT16_MAX || (!h.superseded.empty() && !h.compacted())) {
    return Status::InvalidArgument("segment header: superseded names need the compacted flag");
  }
  if (h.compacted() != (h.writer == kCompactWriterId)) {
    return Status::InvalidArgument("segment header: the compacted flag goes with writer 'compact', "
                                   "and only with it");
  }
  for (const std::string& name : h.superseded) {
    if (name.empty() || name.size() > kMaxSupersededName || name.find('/') != std::string::npos) {
      return Status::InvalidArgument("segment header: superseded name '" + name +
                                     "' must be a file name of 1-64 bytes");
    }
  }
  return Status::OK();
}

void EncodeHeaderFrame(const Header& h, std::string* out) {
  const size_t start = out->size();
  PutFixed32(out, kHeaderFrameMagic);
  PutFixed32(out, 0);  // N, patched below
  out->append(kHeaderMagic, 4);
  PutFixed16(out, h.version);
  PutFixed16(out, h.flags);
  PutFixed64(out, static_cast<uint64_t>(h.hour_ms));
  PutFixed64(out, h.seq);
  out->push_back(static_cast<char>(h.writer.size()));
  out->append(h.writer);
  PutFixed16(out, static_cast<uint16_t>(h.superseded.size()));
  for (const std::string& name : h.superseded) {
    out->push_back(static_cast<char>(name.size()));
    out->append(name);
  }
  const size_t crc_start = start + kSkippableHeaderSize;
  PutFixed32(out, crc32c::Value(out->data() + crc_start, out->size() - crc_start));
  EncodeFixed32(out->data() + start + 4, static_cast<uint32_t>(out->size() - crc_start));
}

uint64_t HeaderFrameSize(std::string_view prefix, uint64_t file_size) {
  if (prefix.size() < kSkippableHeaderSize || DecodeFixed32(prefix.data()) != kHeaderFrameMagic) {
    return 0;
  }
  const uint64_t size = kSkippableHeaderSize + DecodeFixed32(prefix.data() + 4);
  if (size < kMinHeaderFrameSize || size > file_size) return 0;
  return size;
}

Status DecodeHeaderFrame(std::string_view frame, Header* header) {
  const char* p = frame.data();
  const size_t crc_offset = frame.size() - 4;
  if (crc32c::Value(p + kHeaderMagicOffset, crc_offset - kHeaderMagicOffset) !=
      DecodeFixed32(p + crc_offset)) {
    return Status::Corruption(AtOffset(crc_offset, "header crc32c mismatch"));
  }
  if (!Magic4Is(p + kHeaderMagicOffset, kHeaderMagic)) {
    return Status::Corruption(AtOffset(kHeaderMagicOffset, "header magic is not KPIS"));
  }
  *header = Header();
  header->version = DecodeFixed16(p + kVersionOffset);
  if (header->version > kFormatVersion) {
    return Status::Unsupported(AtOffset(kVersionOffset, "segment format version " +
                                                            std::to_string(header->version) +
                                                            " is newer than this kpi (1)"));
  }
  header->flags = DecodeFixed16(p + kFlagsOffset);
  header->hour_ms = static_cast<int64_t>(DecodeFixed64(p + kHourOffset));
  header->seq = DecodeFixed64(p + kSeqOffset);
  const size_t writer_len = static_cast<uint8_t>(p[kWriterLengthOffset]);
  if (kHeaderFixedSize + writer_len + 2 > crc_offset) {
    return Status::Corruption(AtOffset(kWriterLengthOffset, "writer length overruns the header"));
  }
  header->writer.assign(p + kHeaderFixedSize, writer_len);
  if (header->version != kFormatVersion || (header->flags & ~kKnownFlags) != 0 ||
      !IsValidWriterId(header->writer) || !IsValidHour(header->hour_ms)) {
    return Status::Corruption(AtOffset(kVersionOffset, "header fields out of range"));
  }
  if (header->compacted() != (header->writer == kCompactWriterId)) {
    return Status::Corruption(AtOffset(kFlagsOffset, "the compacted flag and writer 'compact' "
                                                     "do not go together"));
  }
  return DecodeSuperseded(frame, kHeaderFixedSize + writer_len, crc_offset, header);
}

void EncodeIndexFrame(const std::vector<BlockInfo>& blocks, std::string* out) {
  const uint32_t count = static_cast<uint32_t>(blocks.size());
  PutFixed32(out, kIndexFrameMagic);
  PutFixed32(out, count * kIndexEntrySize + kFooterSize);
  const size_t entries_start = out->size();
  out->resize(entries_start + count * kIndexEntrySize);
  for (uint32_t i = 0; i < count; ++i) {
    EncodeEntry(blocks[i], out->data() + entries_start + i * kIndexEntrySize);
  }
  PutFixed32(out, count);
  PutFixed32(out, crc32c::Value(out->data() + entries_start, out->size() - entries_start));
  PutFixed32(out, 0);
  out->append(kFooterMagic, 4);
}

Status DecodeFooter(std::string_view footer, uint64_t footer_offset, uint32_t* block_count) {
  if (footer.size() != kFooterSize || !Magic4Is(footer.data() + 12, kFooterMagic)) {
    return Status::Corruption(AtOffset(footer_offset, "no KPIX footer (torn or not a segment)"));
  }
  if (DecodeFixed32(footer.data() + 8) != 0) {
    return Status::Corruption(AtOffset(footer_offset + 8, "footer reserved word is not 0"));
  }
  *block_count = DecodeFixed32(footer.data());
  return Status::OK();
}

Status DecodeIndexFrame(std::string_view frame, uint64_t frame_offset, uint32_t block_count,
                        std::vector<BlockInfo>* blocks) {
  const char* p = frame.data();
  const size_t entries_size = static_cast<size_t>(block_count) * kIndexEntrySize;
  if (DecodeFixed32(p) != kIndexFrameMagic || DecodeFixed32(p + 4) != entries_size + kFooterSize) {
    return Status::Corruption(AtOffset(frame_offset, "index frame magic or size is wrong"));
  }
  const char* entries = p + kSkippableHeaderSize;
  if (crc32c::Value(entries, entries_size + 4) != DecodeFixed32(entries + entries_size + 4)) {
    return Status::Corruption(
        AtOffset(frame_offset + kSkippableHeaderSize + entries_size + 4, "index crc32c mismatch"));
  }
  blocks->resize(block_count);
  for (uint32_t i = 0; i < block_count; ++i) {
    const uint64_t entry_offset = frame_offset + kSkippableHeaderSize + i * kIndexEntrySize;
    KPI_RETURN_IF_ERROR(DecodeEntry(entries + i * kIndexEntrySize, entry_offset, &(*blocks)[i]));
  }
  return Status::OK();
}

}  // namespace kpi::segment
