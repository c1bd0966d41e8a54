// Fuzz target: a segment file (format-spec/segment.md) as a reader may find
// it on a damaged disk: SegmentReader::Open, then ReadBlock of every block.
//
// Each input is tried three ways: as it is; with the header and index
// checksums recomputed (so mutations get past the crc32c into the decoders
// and the block reads); and with the footer cut off, which takes the forward
// scan path of §9. Invariants: a block that reads fine holds the record count
// its index entry claims, in order-key order, each line a canonical record.
#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/read/segment_reader.h"
#include "tests/fuzz/fuzz_util.h"

namespace kpi::fuzz {
namespace {

std::string WithSegmentChecksumsFixed(std::string data) {
  const uint64_t size = data.size();
  if (size >= 8) {
    const uint64_t header_end = 8 + uint64_t{DecodeFixed32(data.data() + 4)};
    if (header_end >= 12 && header_end <= size) FixCrc(&data, 8, header_end - 4, header_end - 4);
  }
  if (size >= segment::kFooterSize) {
    const uint64_t entries =
        uint64_t{DecodeFixed32(data.data() + size - 16)} * segment::kIndexEntrySize;
    if (entries + 16 <= size) FixCrc(&data, size - 16 - entries, size - 12, size - 12);
  }
  return data;
}

void CheckBlock(const segment::BlockInfo& block, const std::vector<RecordView>& records) {
  FuzzCheck(records.size() == block.record_count, "block record count differs from its index");
  for (size_t i = 0; i < records.size(); ++i) {
    std::string_view id;
    int64_t ts = 0;
    FuzzCheck(ParseRecordPrefix(records[i].json, &id, &ts), "a returned line is not canonical");
    FuzzCheck(id == records[i].id && ts == records[i].timestamp_ms, "record view misparsed");
    if (i == 0) continue;
    const RecordView& prev = records[i - 1];
    FuzzCheck(prev.timestamp_ms < ts || (prev.timestamp_ms == ts && prev.id < id),
              "records out of order-key order");
  }
}

void ReadOne(ScratchFile* file, const std::string& data) {
  std::unique_ptr<SegmentReader> reader;
  if (!SegmentReader::Open(file->Write(data), &reader).ok()) return;
  FuzzCheck(reader->file_size() == data.size(), "file size misread");
  static_cast<void>(reader->header_problem());
  static_cast<void>(reader->index_problem());
  static_cast<void>(reader->record_count());
  static_cast<void>(reader->BlocksOverlapping(INT64_MIN, INT64_MAX));
  static_cast<void>(reader->BlocksOverlapping(0, 1764439200000));
  std::vector<RecordView> records;
  for (size_t i = 0; i < reader->blocks().size(); ++i) {
    if (reader->ReadBlock(i, &records).ok()) CheckBlock(reader->blocks()[i], records);
  }
  FuzzCheck(!reader->ReadBlock(reader->blocks().size(), &records).ok(),
            "a block past the end reads fine");
}

}  // namespace

int FuzzSegmentReader(const uint8_t* data, size_t size) {
  static ScratchFile file("segment");
  const std::string input(reinterpret_cast<const char*>(data), size);
  ReadOne(&file, input);
  const std::string fixed = WithSegmentChecksumsFixed(input);
  if (fixed != input) ReadOne(&file, fixed);
  if (fixed.size() > segment::kFooterSize) {
    ReadOne(&file, fixed.substr(0, fixed.size() - segment::kFooterSize));
  }
  return 0;
}

}  // namespace kpi::fuzz

#ifndef KPI_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return kpi::fuzz::FuzzSegmentReader(data, size);
}
#endif
