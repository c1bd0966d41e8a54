// Encoding and decoding of the fixed structures of segment format v1: the
// header frame (format-spec/segment.md §3) and the index frame with its
// footer (§5). Private to the segment writer and reader; pure functions on
// byte strings, thread-safe.
//
// Decoders return Corruption (or Unsupported for a newer version) with a
// message that starts with the absolute file offset of the bad field; the
// caller prefixes the file name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/format/segment_format.h"
#include "libkpi/util/status.h"

namespace kpi::segment {

// Bytes of the header frame before the superseded names and after them:
// magic, N, "KPIS", version, flags, hour, seq, W (1) | S (2) | crc32c.
constexpr size_t kHeaderFixedSize = 8 + 4 + 2 + 2 + 8 + 8 + 1;
constexpr size_t kMinHeaderFrameSize = kHeaderFixedSize + 1 + 2 + 4;
constexpr size_t kIndexFrameOverhead = kSkippableHeaderSize + kFooterSize;  // 24 + 64 B

// Checks what Header must satisfy to be written (writer id, hour, names).
Status ValidateHeader(const Header& header);
// Appends the whole header frame of a valid header.
void EncodeHeaderFrame(const Header& header, std::string* out);
// Reads the frame size field: returns 8 + N if `prefix` (the file's first
// bytes, at least 8) starts with the header magic and N is plausible for a
// file of `file_size` bytes, else 0.
uint64_t HeaderFrameSize(std::string_view prefix, uint64_t file_size);
// Decodes a whole header frame (8 + N bytes, as sized by HeaderFrameSize).
Status DecodeHeaderFrame(std::string_view frame, Header* header);

// Appends the index frame and footer for `blocks`.
void EncodeIndexFrame(const std::vector<BlockInfo>& blocks, std::string* out);
// Decodes the 16-byte footer at `footer_offset`; sets the block count.
Status DecodeFooter(std::string_view footer, uint64_t footer_offset, uint32_t* block_count);
// Decodes the index frame (24 + 64 B bytes, ending the file) starting at
// `frame_offset` and checks its entries; contiguity against the file layout
// is the reader's job.
Status DecodeIndexFrame(std::string_view frame, uint64_t frame_offset, uint32_t block_count,
                        std::vector<BlockInfo>* blocks);

// "offset <n>: <what>": the message shape every segment decoder uses.
std::string AtOffset(uint64_t offset, std::string_view what);

}  // namespace kpi::segment
