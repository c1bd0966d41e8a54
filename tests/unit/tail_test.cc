#include "libkpi/read/store_tail.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "testing/store_builder.h"
#include "libkpi/format/wal.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/space/compactor.h"
#include "store_test_util.h"

using kpi::FileKey;
using kpi::Record;
using kpi_test::MakeRecord;

namespace {

const int64_t kHour = kpi::HourStart(kpi::NowMs());
const int64_t kPrevHour = kHour - kpi::kMsPerHour;

// Appends records to an existing WAL, as kpid's commit thread does.
void Append(const kpi::StoreLayout& layout, const FileKey& key, const std::vector<Record>& records) {
  std::unique_ptr<kpi::wal::WalWriter> writer;
  REQUIRE(kpi::wal::WalWriter::Reopen(layout, key, &writer).ok());
  for (const Record& r : records) REQUIRE(writer->Append(r.timestamp_ms, r.id.seq, r.json).ok());
  REQUIRE(writer->Sync().ok());
  REQUIRE(writer->Close().ok());
}

std::vector<Record> Seqs(const std::string& writer, uint64_t from, uint64_t to, int64_t hour) {
  std::vector<Record> out;
  for (uint64_t s = from; s <= to; ++s) out.push_back(MakeRecord(writer, s, hour + static_cast<int64_t>(s)));
  return out;
}

// The records kpid gives the arrivals from..to (counted from 0) of the WAL
// `key`: seqs from the WAL's record order (wal.md §3.1), here the fixed one
// WalWriter::Create writes without an order.
std::vector<Record> Arrivals(const FileKey& key, uint64_t from, uint64_t to) {
  const kpi::RecordOrder& order = kpi::RecordOrder::FixedDefault();
  std::vector<Record> out;
  for (uint64_t i = from; i <= to; ++i) {
    const uint64_t seq = key.seq + 1 + order.Position(i);
    out.push_back(MakeRecord(key.writer, seq, key.hour_ms + static_cast<int64_t>(i)));
  }
  return out;
}

std::vector<uint64_t> SeqsOf(const std::vector<Record>& records) {
  std::vector<uint64_t> seqs;
  for (const Record& r : records) seqs.push_back(r.id.seq);
  return seqs;
}

// Polls once and returns the seqs printed, checking none repeats overall.
std::vector<uint64_t> Poll(kpi::StoreTail* tail, std::set<std::string>* seen) {
  std::vector<uint64_t> seqs;
  kpi::ReadProblems problems;
  REQUIRE(tail->Poll(
                  [&](const kpi::TailRecord& r) {
                    CHECK(seen->insert(r.file.writer + std::to_string(r.seq)).second);
                    seqs.push_back(r.seq);
                    return kpi::Status::OK();
                  },
                  &problems)
              .ok());
  CHECK(problems.empty());
  return seqs;
}

// kpid's seal: publish the segment, then unlink the WAL.
void Seal(kpi::StoreBuilder* b, const FileKey& key, const std::vector<Record>& records) {
  std::string path;
  REQUIRE(b->WriteSegment(key, records, &path).ok());
  REQUIRE(::unlink(b->layout().WalPath(key).c_str()) == 0);
}

using Seq = std::vector<uint64_t>;

// A tail started on the WAL `first` (seqs 2-3) that printed appends 4-5,
// after which kpid sealed `first`.
std::unique_ptr<kpi::StoreTail> TailOfSealedWal(kpi::StoreBuilder* b, const FileKey& first,
                                                std::set<std::string>* seen) {
  std::string path;
  REQUIRE(b->WriteWal(first, Seqs("a1", 2, 3, kHour), &path).ok());
  auto tail = std::make_unique<kpi::StoreTail>(std::vector<std::string>{b->layout().data_dir()},
                                               kpi::TailCursor(), 48 * kpi::kMsPerHour);
  std::vector<kpi::TailRecord> newest;
  kpi::ReadProblems problems;
  REQUIRE(tail->Start(0, &newest, &problems).ok());
  Append(b->layout(), first, Seqs("a1", 4, 5, kHour));
  CHECK(Poll(tail.get(), seen) == Seq{4, 5});
  Seal(b, first, Seqs("a1", 2, 5, kHour));
  return tail;
}

// `kpictl compact` of the whole store, unsynced (a test directory).
void CompactAll(const std::string& dir) {
  kpi::CompactOptions options;
  options.data_dirs = {dir};
  options.zstd_level = 1;
  options.sync = false;
  kpi::CompactResult result;
  REQUIRE(kpi::Compactor(options).Run(&result).ok());
  REQUIRE(result.problems.empty());
  REQUIRE(result.hours.size() == 1);
}

}  // namespace

TEST_CASE("tail starts with the newest records and follows appends, seals and new files") {
  kpi_test::TempDir dir;
  kpi::StoreBuilder b(dir.path());
  std::string path;
  REQUIRE(b.WriteSegment({kPrevHour, "a1", 1}, Seqs("a1", 2, 10, kPrevHour), &path).ok());
  const FileKey live{kHour, "a1", 11};
  REQUIRE(b.WriteWal(live, Seqs("a1", 12, 14, kHour), &path).ok());

  kpi::StoreTail tail({dir.path()}, kpi::TailCursor(), 48 * kpi::kMsPerHour);
  std::vector<kpi::TailRecord> newest;
  kpi::ReadProblems problems;
  REQUIRE(tail.Start(4, &newest, &problems).ok());
  REQUIRE(newest.size() == 4);
  CHECK(newest[0].seq == 10);
  CHECK(newest[3].seq == 14);

  std::set<std::string> seen;
  CHECK(Poll(&tail, &seen).empty());
  Append(b.layout(), live, Seqs("a1", 15, 17, kHour));
  CHECK(Poll(&tail, &seen) == Seq{15, 16, 17});

  // Sealed after more appends: the rest comes from the WAL we hold open,
  // the segment is never read again.
  Append(b.layout(), live, Seqs("a1", 18, 19, kHour));
  Seal(&b, live, Seqs("a1", 12, 19, kHour));
  CHECK(Poll(&tail, &seen) == Seq{18, 19});
  CHECK(Poll(&tail, &seen).empty());

  // A WAL created and sealed between two polls is read from its segment.
  REQUIRE(b.WriteSegment({kHour, "a1", 20}, Seqs("a1", 21, 23, kHour), &path).ok());
  CHECK(Poll(&tail, &seen) == Seq{21, 22, 23});
  CHECK(Poll(&tail, &seen).empty());
}

TEST_CASE("tail -n 0 on a store with segments prints nothing and follows what comes") {
  // Start(0) once read the first entry of an empty "newest" list for each
  // writer with segments: `kpictl tail -f -n 0` crashed on any sealed store.
  kpi_test::TempDir dir;
  kpi::StoreBuilder b(dir.path());
  std::string path;
  REQUIRE(b.WriteSegment({kPrevHour, "a1", 1}, Seqs("a1", 2, 10, kPrevHour), &path).ok());
  REQUIRE(b.WriteSegment({kPrevHour, "b2", 1}, Seqs("b2", 2, 3, kPrevHour), &path).ok());
  kpi::StoreTail tail({dir.path()}, kpi::TailCursor(), 48 * kpi::kMsPerHour);
  std::vector<kpi::TailRecord> newest;
  kpi::ReadProblems problems;
  REQUIRE(tail.Start(0, &newest, &problems).ok());
  CHECK(newest.empty());
  std::set<std::string> seen;
  CHECK(Poll(&tail, &seen).empty());
  REQUIRE(b.WriteSegment({kHour, "a1", 11}, Seqs("a1", 12, 13, kHour), &path).ok());
  CHECK(Poll(&tail, &seen) == Seq{12, 13});
}

TEST_CASE("files sealed and compacted between two polls are printed from the compaction") {
  // kpid may create, seal and `kpictl compact` may merge a file within one
  // poll interval: its records are then only in the compacted segment.
  kpi_test::TempDir dir;
  kpi::StoreBuilder b(dir.path());
  std::string path;
  const FileKey first{kHour, "a1", 1}, second{kHour, "a1", 10}, third{kHour, "a1", 20};
  std::set<std::string> seen;
  std::unique_ptr<kpi::StoreTail> owned = TailOfSealedWal(&b, first, &seen);
  kpi::StoreTail& tail = *owned;
  CHECK(Poll(&tail, &seen).empty());

  // Between two polls: two more files of the hour, sealed, and all three
  // compacted (the inputs unlinked).
  std::vector<Record> merged = Seqs("a1", 2, 5, kHour);
  for (const Record& r : Seqs("a1", 11, 12, kHour)) merged.push_back(r);
  for (const Record& r : Seqs("a1", 21, 22, kHour)) merged.push_back(r);
  std::vector<std::string> inputs;
  for (const FileKey& key : {first, second, third})
    inputs.push_back(kpi::StoreLayout::SegmentFileName(key));
  REQUIRE(b.WriteCompacted(kHour, 1, merged, inputs, &path).ok());
  REQUIRE(::unlink(b.layout().SegmentPath(first).c_str()) == 0);
  CHECK(Poll(&tail, &seen) == Seq{11, 12, 21, 22});
  CHECK(Poll(&tail, &seen).empty());
}

TEST_CASE("records flushed out of seq order across WALs are all printed once") {
  kpi_test::TempDir dir;
  kpi::StoreBuilder b(dir.path());
  std::string path;
  const FileKey old_hour{kPrevHour, "a1", 1}, this_hour{kHour, "a1", 2};
  REQUIRE(b.WriteWal(old_hour, {}, &path).ok());
  REQUIRE(b.WriteWal(this_hour, {}, &path).ok());
  kpi::StoreTail tail({dir.path()}, kpi::TailCursor(), 48 * kpi::kMsPerHour);
  std::vector<kpi::TailRecord> newest;
  kpi::ReadProblems problems;
  REQUIRE(tail.Start(10, &newest, &problems).ok());
  CHECK(newest.empty());
  std::set<std::string> seen;
  // One commit group: seq 12 reaches this hour's WAL before 11 reaches the
  // older hour's WAL.
  Append(b.layout(), this_hour, {MakeRecord("a1", 12, kHour)});
  CHECK(Poll(&tail, &seen) == Seq{12});
  Append(b.layout(), old_hour, {MakeRecord("a1", 11, kPrevHour)});
  CHECK(Poll(&tail, &seen) == Seq{11});
}

TEST_CASE("a restarted tail continues from its cursor without gaps or repeats") {
  kpi_test::TempDir dir;
  kpi::StoreBuilder b(dir.path());
  std::string path;
  const FileKey live{kHour, "a1", 1};
  REQUIRE(b.WriteWal(live, Arrivals(live, 0, 3), &path).ok());
  const std::string cursor_file = dir.path() + "/cursor";
  std::set<std::string> seen;
  {
    kpi::StoreTail tail({dir.path()}, kpi::TailCursor(), 48 * kpi::kMsPerHour);
    std::vector<kpi::TailRecord> newest;
    kpi::ReadProblems problems;
    REQUIRE(tail.Start(2, &newest, &problems).ok());
    CHECK(newest.size() == 2);  // the last two arrivals
    CHECK(newest.back().seq == Arrivals(live, 3, 3)[0].id.seq);
    Append(b.layout(), live, Arrivals(live, 4, 5));
    CHECK(Poll(&tail, &seen) == SeqsOf(Arrivals(live, 4, 5)));
    REQUIRE(tail.cursor().Save(cursor_file).ok());
  }
  // While no tail runs: more records, the WAL is sealed (its records now in
  // order-key order, not arrival order), and a second writer and a second
  // WAL appear.
  Append(b.layout(), live, Arrivals(live, 6, 7));
  Seal(&b, live, Arrivals(live, 0, 7));
  const FileKey other_writer{kHour, "b2", 1}, older_hour{kPrevHour, "a1", 2 + (1 << 20)};
  REQUIRE(b.WriteWal(other_writer, Arrivals(other_writer, 0, 1), &path).ok());
  REQUIRE(b.WriteWal(older_hour, Arrivals(older_hour, 0, 1), &path).ok());

  kpi::TailCursor cursor;
  bool found = false;
  REQUIRE(kpi::TailCursor::Load(cursor_file, &cursor, &found).ok());
  REQUIRE(found);
  CHECK(cursor.files.at(live).frames == 6);
  CHECK(cursor.files.at(live).order_bits == kpi::RecordOrder::kDefaultBits);
  kpi::StoreTail tail({dir.path()}, cursor, 48 * kpi::kMsPerHour);
  const auto seqs = Poll(&tail, &seen);
  std::multiset<uint64_t> expected;
  for (const auto& records :
       {Arrivals(live, 6, 7), Arrivals(other_writer, 0, 1), Arrivals(older_hour, 0, 1)}) {
    for (uint64_t seq : SeqsOf(records)) expected.insert(seq);
  }
  CHECK(std::multiset<uint64_t>(seqs.begin(), seqs.end()) == expected);
  CHECK(Poll(&tail, &seen).empty());
}

TEST_CASE("cursor files round-trip and bad ones are usage errors") {
  kpi::TailCursor c;
  c.saved_ms = 123;
  c.floor["a1"] = 9;
  c.files[FileKey{kHour, "b2", 4}] = {7, 100};
  c.files[FileKey{kHour, "b2", 8}] = {9, kpi::TailCursor::kFinished};
  kpi::TailCursor::FileMark ordered{3, 200, 20, {}};
  ordered.order_key[0] = 0xab;
  ordered.order_key[15] = 0x01;
  c.files[FileKey{kHour, "c3", 5}] = ordered;
  c.last["b2"] = 9;
  kpi::TailCursor d;
  REQUIRE(kpi::TailCursor::Parse(c.Serialize(), "x", &d).ok());
  CHECK(d.Serialize() == c.Serialize());
  CHECK(d.Serialize().find(" 3 200 20 ab000000000000000000000000000001\n") != std::string::npos);
  CHECK(d.files.at(FileKey{kHour, "c3", 5}).order_key == ordered.order_key);
  CHECK(d.files.at(FileKey{kHour, "b2", 8}).finished());
  CHECK(!d.IsNew(FileKey{kHour, "a1", 9}));
  CHECK(d.IsNew(FileKey{kHour, "a1", 10}));
  d.Done(FileKey{kHour, "b2", 4});
  CHECK(d.floor.at("b2") == 4);
  CHECK(d.files.size() == 2);
  kpi::TailCursor bad;
  CHECK(kpi::TailCursor::Parse("garbage\n", "cur", &bad).code() ==
        kpi::Status::Code::kInvalidArgument);
  CHECK(kpi::TailCursor::Parse("kpi-tail-cursor 2 5\nfile x\n", "cur", &bad).message().find(
            "cur: line 2") != std::string::npos);
  // Version 1 cursors counted seqs, which no longer follow arrival.
  CHECK(kpi::TailCursor::Parse("kpi-tail-cursor 1 5\n", "cur", &bad).message().find(
            "delete the file") != std::string::npos);
}

TEST_CASE("files compacted twice between two polls are still printed, once") {
  // The soak test found it: at full compaction speed a file could be
  // created, sealed, compacted, and that compaction compacted again, all
  // between two polls. The last compacted segment still names the file.
  kpi_test::TempDir dir;
  kpi::StoreBuilder b(dir.path());
  std::string path;
  const FileKey first{kHour, "a1", 1}, second{kHour, "a1", 10}, third{kHour, "a1", 20};
  const FileKey other{kHour, "b2", 5};
  std::set<std::string> seen;
  std::unique_ptr<kpi::StoreTail> owned = TailOfSealedWal(&b, first, &seen);
  kpi::StoreTail& tail = *owned;

  // Between two polls: `second` and `other` sealed and compacted with
  // `first`, then `third` sealed and compacted with that compaction.
  REQUIRE(b.WriteSegment(second, Seqs("a1", 11, 12, kHour), &path).ok());
  REQUIRE(b.WriteSegment(other, Seqs("b2", 6, 7, kHour), &path).ok());
  CompactAll(dir.path());
  REQUIRE(b.WriteSegment(third, Seqs("a1", 21, 22, kHour), &path).ok());
  CompactAll(dir.path());

  std::unique_ptr<kpi::SegmentReader> reader;
  REQUIRE(kpi::SegmentReader::Open(b.layout().SegmentPath({kHour, "compact", 2}), &reader).ok());
  std::set<std::string> names(reader->header().superseded.begin(),
                              reader->header().superseded.end());
  for (const FileKey& key : {first, second, third, other})
    CHECK(names.count(kpi::StoreLayout::SegmentFileName(key)) == 1);

  Seq printed = Poll(&tail, &seen);
  std::sort(printed.begin(), printed.end());
  CHECK(printed == Seq{6, 7, 11, 12, 21, 22});
  CHECK(Poll(&tail, &seen).empty());
  CHECK(seen.size() == 8);

  // A tail started now sees all of it as older than itself, and a third
  // compaction of it prints nothing.
  kpi::StoreTail late({dir.path()}, kpi::TailCursor(), 48 * kpi::kMsPerHour);
  std::vector<kpi::TailRecord> newest;
  kpi::ReadProblems problems;
  REQUIRE(late.Start(0, &newest, &problems).ok());
  REQUIRE(b.WriteSegment({kHour, "a1", 30}, Seqs("a1", 31, 31, kHour), &path).ok());
  CompactAll(dir.path());
  std::set<std::string> late_seen;
  CHECK(Poll(&late, &late_seen) == Seq{31});
}
