// kpi-vectors: writes the golden segment vectors of format-spec/vectors/
// (format-spec/segment.md §10). Deterministic: the same kpi and libzstd
// produce the same bytes, so tests can check that the writer still
// reproduces them.
//
//   kpi-vectors --out format-spec/vectors
//
// Every vector comes with <name>.jsonl (the records a reader must return)
// and <name>.expect (key=value lines: how it was written and what a reader
// must report).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "libkpi/format/record.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/write/segment_writer.h"
#include "libkpi/util/time_util.h"

namespace {

using kpi::Record;
using kpi::RecordId;
using kpi::Status;

const int64_t kHour = kpi::FromCivil(2026, 11, 29, 18);

// A fixed 64-bit LCG (Knuth's MMIX constants): the vectors must not change
// when a standard library's distributions do.
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed) {}
  uint32_t Next(uint32_t bound) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state_ >> 33) % bound;
  }

 private:
  uint64_t state_;
};

// One canonical record shaped like tests/fixtures/dialog-blob.json.
std::string RecordJson(const RecordId& id, int64_t ts, Lcg& rng) {
  static const char* kEvents[] = {"window.dom_loading",  "window.channel_established",
                                  "screen.rp_info",      "xhr_complete.GET/wsapi/session_context",
                                  "screen.authenticate", "user.can_interact",
                                  "authenticate.enter_password", "generate_assertion",
                                  "assertion_generated"};
  static const char* kLangs[] = {"en-US", "de", "fr-FR", "pt_BR", "ja"};
  static const char* kApis[] = {"watch_with_onready", "watch_without_onready", "get", "internal"};
  std::string s = "{\"_id\":\"" + id.ToString() + "\",\"timestamp\":" + std::to_string(ts) +
                  ",\"event_stream\":[";
  const uint32_t events = 3 + rng.Next(9);
  uint32_t offset = rng.Next(1000);
  for (uint32_t e = 0; e < events; ++e) {
    offset += rng.Next(3000);
    s += (e ? ",[\"" : "[\"") + std::string(kEvents[rng.Next(9)]) + "\"," + std::to_string(offset);
    if (rng.Next(3) == 0) s += "," + std::to_string(rng.Next(2000));
    s += "]";
  }
  s += "],\"email_type\":\"" + std::string(rng.Next(2) ? "primary" : "secondary") +
       "\",\"number_emails\":" + std::to_string(1 + rng.Next(4)) +
       ",\"new_account\":" + (rng.Next(5) ? "false" : "true") + ",\"language\":\"" +
       kLangs[rng.Next(5)] + "\",\"number_sites_logged_in\":" + std::to_string(rng.Next(6)) +
       ",\"rp_api\":\"" + kApis[rng.Next(4)] + "\",\"screen_size\":{\"width\":" +
       std::to_string(640 + 16 * rng.Next(80)) + ",\"height\":" +
       std::to_string(480 + 16 * rng.Next(40)) + "},\"sample_rate\":1,\"user_agent\":" +
       "{\"os\":\"Macintosh\",\"browser\":\"Firefox\",\"version\":" +
       std::to_string(10 + rng.Next(20)) + "}}";
  return s;
}

// `count` records of writer `writer`, seqs 1.., spread over `slots`
// 10-minute timestamps of kHour, in order-key order.
std::vector<Record> MakeRecords(const std::string& writer, int count, int slots, uint64_t seed) {
  Lcg rng(seed);
  std::vector<Record> records(count);
  for (int i = 0; i < count; ++i) {
    Record& r = records[i];
    r.id = RecordId{writer, static_cast<uint64_t>(i + 1)};
    r.timestamp_ms = kHour + static_cast<int64_t>(rng.Next(slots)) * 10 * kpi::kMsPerMinute;
    r.json = RecordJson(r.id, r.timestamp_ms, rng);
  }
  std::stable_sort(records.begin(), records.end(), Record::OrderLess);
  return records;
}

struct Vector {
  std::string name;
  kpi::segment::Header header;
  size_t block_bytes = 0;
  std::vector<Record> records;
};

Status WriteSegment(const std::string& path, const Vector& v,
                    std::vector<kpi::segment::BlockInfo>* blocks) {
  kpi::SegmentWriterOptions options;
  options.block_bytes = v.block_bytes;
  options.zstd_level = 3;
  options.sync = false;
  kpi::SegmentWriter writer(path, v.header, options);
  KPI_RETURN_IF_ERROR(writer.Open());
  for (const Record& r : v.records) KPI_RETURN_IF_ERROR(writer.Add(r));
  KPI_RETURN_IF_ERROR(writer.Finish());
  *blocks = writer.blocks();
  return Status::OK();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string Jsonl(const std::vector<Record>& records, size_t skip_from = 0, size_t skip_to = 0) {
  std::string out;
  for (size_t i = 0; i < records.size(); ++i) {
    if (i >= skip_from && i < skip_to) continue;
    out += records[i].json + "\n";
  }
  return out;
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

Status WriteGood(const std::string& dir, const Vector& v,
                 std::vector<kpi::segment::BlockInfo>* blocks) {
  const std::string base = dir + "/" + v.name;
  KPI_RETURN_IF_ERROR(WriteSegment(base + ".kpi.zst", v, blocks));
  WriteText(base + ".jsonl", Jsonl(v.records));
  WriteText(base + ".expect", "source=writer\n" + WriterLines(v) +
                                  "blocks=" + std::to_string(blocks->size()) +
                                  "\nrecords=" + std::to_string(v.records.size()) +
                                  "\nerror=none\n");
  return Status::OK();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// torn: multi-block cut in the middle of its index (a crash of a writer
// that did not publish atomically, or a bad copy).
void WriteTorn(const std::string& dir, const Vector& v, size_t block_count) {
  const std::string good = ReadFile(dir + "/" + v.name + ".kpi.zst");
  const size_t index_size = 24 + 64 * block_count;
  const size_t cut = good.size() - index_size / 2;
  WriteText(dir + "/torn.kpi.zst", good.substr(0, cut));
  WriteText(dir + "/torn.jsonl", Jsonl(v.records));
  WriteText(dir + "/torn.expect",
            "source=" + v.name + ".kpi.zst truncated to " + std::to_string(cut) + " bytes\n" +
                "truncate=" + std::to_string(cut) + "\nblocks=" + std::to_string(block_count) +
                "\nrecords=" + std::to_string(v.records.size()) +
                "\nerror=corruption index offset=" + std::to_string(cut - 16) + "\n");
}

// corrupt-block: one byte in the middle of block 1's compressed data flipped.
void WriteCorrupt(const std::string& dir, const Vector& v,
                  const std::vector<kpi::segment::BlockInfo>& blocks) {
  std::string bytes = ReadFile(dir + "/" + v.name + ".kpi.zst");
  const kpi::segment::BlockInfo& b = blocks.at(1);
  const size_t at = b.offset + b.compressed_size / 2;
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  const size_t first = blocks[0].record_count;
  WriteText(dir + "/corrupt-block.kpi.zst", bytes);
  WriteText(dir + "/corrupt-block.jsonl", Jsonl(v.records, first, first + b.record_count));
  WriteText(dir + "/corrupt-block.expect",
            "source=" + v.name + ".kpi.zst with byte " + std::to_string(at) + " xor 0x01\n" +
                "flip=" + std::to_string(at) + "\nblocks=" + std::to_string(blocks.size()) +
                "\nrecords=" + std::to_string(v.records.size() - b.record_count) +
                "\nerror=corruption block=1 offset=" + std::to_string(b.offset) + "\n");
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

  Vector compacted{"compacted", {}, 8 * 1024, MakeRecords("a1", 40, 6, 3)};
  compacted.header.hour_ms = kHour;
  compacted.header.writer = std::string(kpi::kCompactWriterId);
  compacted.header.seq = 3;
  compacted.header.flags = kpi::segment::kFlagCompacted;
  compacted.header.superseded = {"a1-0000000000000001.kpi.zst", "a1-0000000000000002.kpi.zst"};
  return {three, multi, compacted};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes kpi's golden segment vectors (format-spec/vectors)"};
  std::string out_dir;
  app.add_option("--out", out_dir, "directory to write the vectors into")->required();
  CLI11_PARSE(app, argc, argv);

  for (const Vector& v : GoodVectors()) {
    std::vector<kpi::segment::BlockInfo> blocks;
    const Status s = WriteGood(out_dir, v, &blocks);
    if (!s.ok()) {
      std::cerr << "kpi-vectors: " << s.ToString() << "\n";
      return 1;
    }
    if (v.name == "multi-block") {
      WriteTorn(out_dir, v, blocks.size());
      WriteCorrupt(out_dir, v, blocks);
    }
    std::cout << v.name << ": " << blocks.size() << " blocks, " << v.records.size()
              << " records\n";
  }
  return 0;
}
