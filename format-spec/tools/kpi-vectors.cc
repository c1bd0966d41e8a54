// kpi-vectors: writes the golden vectors of format-spec/vectors/ (README
// there): segments, damaged segments, write-ahead files (wal_vectors.cc) and
// a small store. Deterministic: the same kpi and libzstd produce the same
// bytes, so tests can check that the writers still reproduce them.
//
//   kpi-vectors --out format-spec/vectors
//
// Every vector comes with <name>.jsonl (the records a reader must return, in
// export order) and <name>.expect (key=value lines: how it was made, and the
// report a reader must give, one problem= line per problem, segment.md §12).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "format-spec/tools/vector_records.h"
#include "format-spec/tools/wal_vectors.h"
#include "libkpi/format/record.h"
#include "libkpi/write/segment_writer.h"

namespace kpi::vectors {
namespace {

struct Vector {
  std::string name;
  segment::Header header;
  size_t block_bytes = 0;
  std::vector<Record> records;
};

Status WriteSegment(const std::string& path, const Vector& v, std::vector<segment::BlockInfo>* blocks) {
  SegmentWriterOptions options;
  options.block_bytes = v.block_bytes;
  options.zstd_level = 3;
  options.sync = false;
  SegmentWriter writer(path, v.header, options);
  KPI_RETURN_IF_ERROR(writer.Open());
  for (const Record& r : v.records) KPI_RETURN_IF_ERROR(writer.Add(r));
  KPI_RETURN_IF_ERROR(writer.Finish());
  *blocks = writer.blocks();
  return Status::OK();
}

std::string WriterLines(const Vector& v) {
  std::string s = "hour_ms=" + std::to_string(v.header.hour_ms) + "\nwriter=" + v.header.writer +
                  "\nseq=" + std::to_string(v.header.seq) +
                  "\nflags=" + std::to_string(v.header.flags) + "\nsuperseded=";
  for (size_t i = 0; i < v.header.superseded.size(); ++i) {
    s += (i ? "," : "") + v.header.superseded[i];
  }
  return s + "\nblock_bytes=" + std::to_string(v.block_bytes) + "\nzstd_level=3\n";
}

Status WriteGood(const std::string& dir, const Vector& v, std::vector<segment::BlockInfo>* blocks) {
  const std::string base = dir + "/" + v.name;
  KPI_RETURN_IF_ERROR(WriteSegment(base + ".kpi.zst", v, blocks));
  WriteText(base + ".jsonl", Jsonl(v.records));
  WriteText(base + ".expect", "source=writer\n" + WriterLines(v) + "blocks=" +
                                  std::to_string(blocks->size()) + "\nrecords=" +
                                  std::to_string(v.records.size()) + "\nproblem=none\n");
  return Status::OK();
}

// A damaged copy of multi-block: `how` says what was done to it (source=
// and the key the test replays it with), `problems` the expected report.
void WriteDamaged(const std::string& dir, const std::string& name, const std::string& bytes,
                  const std::string& how, const std::string& jsonl, size_t blocks, size_t records,
                  const std::vector<std::string>& problems) {
  WriteText(dir + "/" + name + ".kpi.zst", bytes);
  WriteText(dir + "/" + name + ".jsonl", jsonl);
  std::string expect = how + "blocks=" + std::to_string(blocks) + "\nrecords=" + std::to_string(records) + "\n";
  for (const std::string& p : problems) expect += "problem=" + p + "\n";
  WriteText(dir + "/" + name + ".expect", expect);
}

std::string Flipped(std::string bytes, size_t at) {
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  return bytes;
}

// The damaged vectors, all made from multi-block (§9):
//   torn: cut in the middle of its index (a writer that did not publish
//     atomically, or a bad copy);
//   corrupt-block: one byte in the middle of block 1's zstd data flipped;
//   header-damaged: one byte of the header's seq flipped (its crc32c fails):
//     every block is still read through the index;
//   header-and-footer: the header's skippable magic flipped and the file
//     torn as above: a forward scan from the first zstd magic reads it all.
void WriteDamagedVectors(const std::string& dir, const Vector& v,
                         const std::vector<segment::BlockInfo>& blocks) {
  const std::string good = ReadFile(dir + "/" + v.name + ".kpi.zst");
  const std::string source = "source=" + v.name + ".kpi.zst";
  const std::string all = Jsonl(v.records);
  const size_t n = v.records.size();
  const size_t cut = good.size() - (24 + 64 * blocks.size()) / 2;
  const std::string index_at = " offset=" + std::to_string(cut - 16);
  WriteDamaged(dir, "torn", good.substr(0, cut),
               source + " truncated to " + std::to_string(cut) + " bytes\ntruncate=" +
                   std::to_string(cut) + "\n",
               all, blocks.size(), n, {"damage index" + index_at});

  const segment::BlockInfo& b = blocks.at(1);
  const size_t at = b.offset + b.compressed_size / 2;
  const size_t first = blocks[0].record_count;
  WriteDamaged(dir, "corrupt-block", Flipped(good, at),
               source + " with byte " + std::to_string(at) + " xor 0x01\nflip=" +
                   std::to_string(at) + "\n",
               Jsonl(v.records, first, first + b.record_count), blocks.size(), n - b.record_count,
               {"damage block block=1 offset=" + std::to_string(b.offset)});

  constexpr size_t kSeqByte = 24;  // header frame §3: the seq's low byte
  WriteDamaged(dir, "header-damaged", Flipped(good, kSeqByte),
               source + " with byte 24 xor 0x01\nflip=24\n", all, blocks.size(), n,
               {"damage header offset=0"});

  WriteDamaged(dir, "header-and-footer", Flipped(good, 0).substr(0, cut),
               source + " with byte 0 xor 0x01, truncated to " + std::to_string(cut) +
                   " bytes\nflip=0\ntruncate=" + std::to_string(cut) + "\n",
               all, blocks.size(), n, {"damage header offset=0", "damage index" + index_at});
}

std::vector<Vector> GoodVectors() {
  Vector three{"three-records", {}, 0, MakeRecords("a1", 3, 6, 1)};
  three.header.hour_ms = kHour;
  three.header.writer = "a1";
  three.header.seq = 1;
  three.block_bytes = three.records[0].json.size() + three.records[1].json.size() + 2;

  Vector multi{"multi-block", {}, 16 * 1024, MakeRecords("w7", 300, 6, 2)};
  multi.header.hour_ms = kHour;
  multi.header.writer = "w7";
  multi.header.seq = 0x2a;

  Vector compacted{"compacted", {}, 8 * 1024, CompactedRecords()};
  compacted.header.hour_ms = kHour;
  compacted.header.writer = std::string(kCompactWriterId);
  compacted.header.seq = 3;
  compacted.header.flags = segment::kFlagCompacted;
  compacted.header.superseded = CompactedInputNames();
  return {three, multi, compacted};
}

Status WriteAll(const std::string& out_dir) {
  for (const Vector& v : GoodVectors()) {
    std::vector<segment::BlockInfo> blocks;
    KPI_RETURN_IF_ERROR(WriteGood(out_dir, v, &blocks));
    if (v.name == "multi-block") WriteDamagedVectors(out_dir, v, blocks);
    std::cout << v.name << ": " << blocks.size() << " blocks, " << v.records.size() << " records\n";
  }
  KPI_RETURN_IF_ERROR(WriteWalVectors(out_dir));
  return WriteStoreVector(out_dir);
}

}  // namespace
}  // namespace kpi::vectors

int main(int argc, char** argv) {
  CLI::App app{"Writes kpi's golden vectors (format-spec/vectors)"};
  std::string out_dir;
  app.add_option("--out", out_dir, "directory to write the vectors into")->required();
  CLI11_PARSE(app, argc, argv);
  const kpi::Status s = kpi::vectors::WriteAll(out_dir);
  if (!s.ok()) {
    std::cerr << "kpi-vectors: " << s.ToString() << "\n";
    return 1;
  }
  return 0;
}
