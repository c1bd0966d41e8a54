// See wal_vectors.h.
#include "format-spec/tools/wal_vectors.h"

#include <boost/filesystem.hpp>

#include <algorithm>

#include "format-spec/tools/vector_records.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/format/wal.h"
#include "testing/store_builder.h"

namespace kpi::vectors {
namespace {

const FileKey kWalKey{0, "a1", 0x10};  // hour filled in at run time (kHour)
constexpr int kWalOrderBits = 4;       // a block of 16 seqs: 0x11 .. 0x20

// The order key 00 01 … 0f: fixed, so the vector is; kpid draws it at random.
RecordOrder WalOrder() {
  RecordOrder::Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  return RecordOrder(kWalOrderBits, key);
}

// `count` records as kpid frames them in a WAL: the i-th to arrive has the
// seq wal.md §3.1 gives index i.
std::vector<Record> Arrivals(const FileKey& key, const RecordOrder& order, int count) {
  std::vector<uint64_t> seqs;
  for (int i = 0; i < count; ++i) seqs.push_back(key.seq + 1 + order.Position(static_cast<uint64_t>(i)));
  std::vector<Record> records = MakeRecords(key.writer, seqs, 6, 4);  // in order-key order
  std::vector<Record> arrivals;
  for (uint64_t seq : seqs) {
    for (const Record& r : records) {
      if (r.id.seq == seq) arrivals.push_back(r);
    }
  }
  return arrivals;
}

std::vector<Record> InOrderKeyOrder(std::vector<Record> records) {
  std::sort(records.begin(), records.end(), Record::OrderLess);
  return records;
}

std::string WalLines(const FileKey& key, const RecordOrder& order) {
  return "hour_ms=" + std::to_string(key.hour_ms) + "\nwriter=" + key.writer +
         "\nseq=" + std::to_string(key.seq) + "\norder_bits=" + std::to_string(order.bits()) +
         "\norder_key=" + RecordOrder::KeyHex(order.key()) + "\n";
}

void WriteWalVector(const std::string& dir, const std::string& name, const std::string& bytes,
                    const std::string& how, const std::vector<Record>& records,
                    const std::string& problem) {
  WriteText(dir + "/" + name + ".wal", bytes);
  WriteText(dir + "/" + name + ".jsonl", Jsonl(InOrderKeyOrder(records)));
  WriteText(dir + "/" + name + ".expect", how + "records=" + std::to_string(records.size()) +
                                              "\nproblem=" + problem + "\n");
}

// The good WAL's bytes, written by WalWriter through a scratch store.
Status GoodWal(const FileKey& key, const RecordOrder& order, const std::vector<Record>& arrivals,
               std::string* bytes) {
  const std::string scratch =
      (boost::filesystem::temp_directory_path() / boost::filesystem::unique_path()).string();
  StoreBuilder builder(scratch);
  std::string path;
  Status s = builder.WriteWalInArrivalOrder(key, order, arrivals, &path);
  if (s.ok()) *bytes = ReadFile(path);
  boost::system::error_code ec;
  boost::filesystem::remove_all(scratch, ec);
  return s;
}

}  // namespace

std::vector<Record> CompactedRecords() { return MakeRecords("a1", 40, 6, 3); }

std::vector<std::string> CompactedInputNames() {
  return {"a1-0000000000000001.kpi.zst", "a1-0000000000000002.kpi.zst"};
}

// A version 2 WAL of 6 records (file seq 0x10, order bits 4, the key 00 … 0f,
// seqs in §3.1's order) whose frames start at `offsets`; the damaged copies:
//   wal-torn: cut 10 bytes into the last frame (a crash mid-write): a torn
//     tail, a warning, 5 records;
//   wal-zero-prefill: 4 KiB of zeros after the last frame (kpid's prefill in
//     --sync always): no problem, 6 records;
//   wal-bad-frame-crc: one payload byte of frame 2 flipped: damage at frame
//     2, the scan resumes at frame 3, 5 records;
//   wal-bad-header: one byte of the header's hour flipped: damage at offset
//     0, the frames are still read, 6 records.
Status WriteWalVectors(const std::string& dir) {
  FileKey key = kWalKey;
  key.hour_ms = kHour;
  const RecordOrder order = WalOrder();
  const std::vector<Record> records = Arrivals(key, order, 6);
  std::string good;
  KPI_RETURN_IF_ERROR(GoodWal(key, order, records, &good));
  std::vector<uint64_t> offsets{wal::kHeaderSize};
  for (const Record& r : records) offsets.push_back(offsets.back() + wal::kFrameHeaderSize + r.json.size());
  const std::string source = "source=wal-good.wal";
  WriteWalVector(dir, "wal-good", good, "source=writer\n" + WalLines(key, order), records, "none");

  const uint64_t last = offsets[5];
  WriteWalVector(dir, "wal-torn", good.substr(0, last + 10),
                 source + " truncated to " + std::to_string(last + 10) + " bytes\ntruncate=" +
                     std::to_string(last + 10) + "\n",
                 std::vector<Record>(records.begin(), records.begin() + 5),
                 "warning torn offset=" + std::to_string(last));

  WriteWalVector(dir, "wal-zero-prefill", good + std::string(4096, '\0'),
                 source + " with 4096 zero bytes appended\nzeros=4096\n", records, "none");

  std::string flipped = good;
  const size_t at = offsets[2] + wal::kFrameHeaderSize + 20;
  flipped[at] = static_cast<char>(flipped[at] ^ 0x01);
  std::vector<Record> without_2 = records;
  without_2.erase(without_2.begin() + 2);
  WriteWalVector(dir, "wal-bad-frame-crc", flipped,
                 source + " with byte " + std::to_string(at) + " xor 0x01\nflip=" +
                     std::to_string(at) + "\n",
                 without_2, "damage frame offset=" + std::to_string(offsets[2]));

  std::string bad_header = good;
  bad_header[9] = static_cast<char>(bad_header[9] ^ 0x01);
  WriteWalVector(dir, "wal-bad-header", bad_header, source + " with byte 9 xor 0x01\nflip=9\n",
                 records, "damage header offset=0");
  return Status::OK();
}

// Seqs 1-20 of the compacted records were segment a1-...1, 21-40 the WAL of
// a1-...2: the compaction of both is published, input 1 was not yet
// unlinked and the WAL of input 2 not yet deleted (a crash).
Status WriteStoreVector(const std::string& dir) {
  const std::string root = dir + "/store-compacted-input";
  boost::system::error_code ec;
  boost::filesystem::remove_all(root, ec);
  SegmentWriterOptions options = StoreBuilder::Unsynced();
  options.block_bytes = 8 * 1024;
  options.zstd_level = 3;
  StoreBuilder builder(root, options);
  const std::vector<Record> all = CompactedRecords();
  std::vector<Record> first, second;
  for (const Record& r : all) (r.id.seq <= 20 ? first : second).push_back(r);
  std::string path;
  KPI_RETURN_IF_ERROR(builder.WriteCompacted(kHour, 3, all, CompactedInputNames(), &path));
  KPI_RETURN_IF_ERROR(builder.WriteSegment(FileKey{kHour, "a1", 1}, first, &path));
  KPI_RETURN_IF_ERROR(builder.WriteWal(FileKey{kHour, "a1", 2}, second, &path));
  boost::filesystem::remove_all(root + "/writers", ec);
  WriteText(dir + "/store-compacted-input.jsonl", Jsonl(all));
  WriteText(dir + "/store-compacted-input.expect",
            "source=store\nrecords=" + std::to_string(all.size()) +
                "\nproblem=none\n");
  return Status::OK();
}

}  // namespace kpi::vectors
