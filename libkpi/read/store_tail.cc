#include "libkpi/read/store_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <tuple>
#include <unordered_set>

#include "libkpi/read/segment_reader.h"
#include "libkpi/util/time_util.h"
#include "libkpi/format/wal.h"

namespace kpi {
namespace {

using Severity = ReadProblem::Severity;

// One writer's arrival order, as far as it is known (store_tail.h).
bool ArrivalLess(const TailRecord& a, const TailRecord& b) {
  return std::tie(a.file.seq, a.rank) < std::tie(b.file.seq, b.rank);
}
bool ArrivalGreater(const TailRecord& a, const TailRecord& b) { return ArrivalLess(b, a); }

// Keeps the `n` latest records offered (a min-heap on arrival).
void OfferTop(size_t n, TailRecord r, std::vector<TailRecord>* top) {
  if (n == 0) return;
  top->push_back(std::move(r));
  std::push_heap(top->begin(), top->end(), ArrivalGreater);
  if (top->size() > n) {
    std::pop_heap(top->begin(), top->end(), ArrivalGreater);
    top->pop_back();
  }
}

// The seqs of the first mark.frames records of the file `key` (tail_cursor.h):
// recomputed from its WAL's record order, or for a version 1 WAL (seqs
// increase) the smallest seqs of its records.
std::unordered_set<uint64_t> PrintedSeqs(const FileKey& key, const TailCursor::FileMark& mark,
                                         const std::vector<TailRecord>& records) {
  std::unordered_set<uint64_t> printed;
  if (mark.frames == 0) return printed;
  if (mark.order_bits > 0) {
    const RecordOrder order(mark.order_bits, mark.order_key);
    const uint64_t n = std::min(mark.frames, order.Capacity());
    for (uint64_t i = 0; i < n; ++i) printed.insert(key.seq + 1 + order.Position(i));
    return printed;
  }
  std::vector<uint64_t> seqs;
  for (const TailRecord& r : records) seqs.push_back(r.seq);
  std::sort(seqs.begin(), seqs.end());
  seqs.resize(std::min<size_t>(seqs.size(), mark.frames));
  printed.insert(seqs.begin(), seqs.end());
  return printed;
}

// Interleaves per-writer records into one arrival order: each writer's in
// its own arrival order, writers merged by timestamp, the only clock they
// share.
void MergeArrivals(std::map<std::string, std::vector<TailRecord>>* by_writer,
                   std::vector<TailRecord>* out) {
  out->clear();
  std::vector<std::pair<std::vector<TailRecord>*, size_t>> heads;
  for (auto& [writer, records] : *by_writer) {
    std::sort(records.begin(), records.end(), ArrivalLess);
    if (!records.empty()) heads.emplace_back(&records, 0);
  }
  while (!heads.empty()) {
    auto best = heads.begin();
    for (auto it = heads.begin(); it != heads.end(); ++it) {
      if ((*it->first)[it->second].timestamp_ms < (*best->first)[best->second].timestamp_ms)
        best = it;
    }
    out->push_back(std::move((*best->first)[best->second]));
    if (++best->second == best->first->size()) heads.erase(best);
  }
}

// The seq of the next file of key's writer and hour: key's records lie below it.
uint64_t NextFileSeq(const FileKey& key, const std::vector<FileKey>& inputs,
                     const std::map<FileKey, std::string>& wals,
                     const std::map<FileKey, std::string>& segments, const TailCursor& cursor) {
  uint64_t next = UINT64_MAX;
  auto offer = [&](const FileKey& other) {
    if (other.writer == key.writer && other.hour_ms == key.hour_ms && other.seq > key.seq)
      next = std::min(next, other.seq);
  };
  for (const FileKey& other : inputs) offer(other);
  for (const auto& [other, path] : wals) offer(other);
  for (const auto& [other, path] : segments) offer(other);
  for (const auto& [other, mark] : cursor.files) offer(other);
  return next;
}

}  // namespace

struct StoreTail::Followed {
  FileKey key;
  std::string path;
  int fd = -1;
  bool stall_reported = false;
  ~Followed() {
    if (fd >= 0) ::close(fd);
  }
};

StoreTail::StoreTail(std::vector<std::string> data_dirs, TailCursor cursor, int64_t lookback_ms,
                     FileSystem* fs)
    : fs_(FileSystem::OrDefault(fs)), cursor_(std::move(cursor)), lookback_ms_(lookback_ms) {
  for (const std::string& dir : data_dirs) layouts_.emplace_back(dir, fs_);
}

StoreTail::~StoreTail() = default;

Status StoreTail::ListWals(FileMap* wals) const {
  for (const StoreLayout& layout : layouts_) {
    std::vector<ListedFile> files;
    KPI_RETURN_IF_ERROR(layout.ListWals(kMinTimeMs, kMaxTimeMs, &files));
    for (ListedFile& f : files) (*wals)[f.key] = std::move(f.path);
  }
  return Status::OK();
}

Status StoreTail::ListSegments(int64_t from_ms, int64_t to_ms, FileMap* segments,
                               FileMap* compacted) const {
  for (const StoreLayout& layout : layouts_) {
    std::vector<ListedFile> files;
    KPI_RETURN_IF_ERROR(layout.ListSegments(from_ms, to_ms, &files));
    for (ListedFile& f : files) {
      (*(f.key.writer == kCompactWriterId ? compacted : segments))[f.key] = std::move(f.path);
    }
  }
  return Status::OK();
}

Status StoreTail::Follow(const FileKey& key, const std::string& path, bool* opened) {
  int fd = -1;
  const Status open = fs_->OpenForReading(path, &fd);
  *opened = open.ok();
  if (!open.ok()) return open.IsNotFound() ? Status::OK() : open;
  auto f = std::make_unique<Followed>();
  f->key = key;
  f->path = path;
  f->fd = fd;
  followed_[key] = std::move(f);
  cursor_.files[key];  // offset 0: Drain reads the header first
  return Status::OK();
}

Status StoreTail::ReadFollowedHeader(Followed* f, ReadProblems* problems, bool* ready) {
  TailCursor::FileMark& mark = cursor_.files[f->key];
  wal::WalHeader header;
  uint64_t header_bytes = 0;
  Status s = wal::ReadWalHeader(f->fd, f->path, &header, &header_bytes, fs_);
  *ready = header_bytes > 0;
  if (s.IsCorruption()) {
    // Frames are still read (wal.md §2); without an order a sealed rest
    // is told apart as for version 1.
    problems->push_back(ReadProblem::FromStatus(Severity::kDamage, f->path, -1, 0, s));
    s = Status::OK();
  } else if (s.ok() && *ready) {
    mark.order_bits = header.order_bits;
    mark.order_key = header.order_key;
  }
  if (*ready) mark.offset = header_bytes;
  return s;
}

// Reads the frames appended since the mark. A frame that does not read whole
// is a write in progress: the next poll tries again from the same offset.
Status StoreTail::Drain(Followed* f, const Emit& emit, ReadProblems* problems) {
  TailCursor::FileMark& mark = cursor_.files[f->key];
  if (mark.offset == 0) {
    bool ready = false;
    KPI_RETURN_IF_ERROR(ReadFollowedHeader(f, problems, &ready));
    if (!ready) return Status::OK();
  }
  wal::WalRecord record;
  std::string json;
  for (;;) {
    Status s = wal::ReadWalRecordAt(f->fd, f->path, mark.offset, &record, &json, fs_);
    if (s.IsCorruption()) {
      struct stat st;
      const bool stuck =
          ::fstat(f->fd, &st) == 0 && static_cast<uint64_t>(st.st_size) >
                                          mark.offset + wal::kFrameHeaderSize + wal::kMaxPayload;
      if (stuck && !f->stall_reported) {
        problems->push_back(ReadProblem::FromStatus(Severity::kDamage, f->path, -1,
                                                    static_cast<int64_t>(mark.offset), s));
        f->stall_reported = true;
      }
      return Status::OK();
    }
    KPI_RETURN_IF_ERROR(s);
    mark.offset += wal::kFrameHeaderSize + json.size();
    const uint64_t rank = mark.frames++;
    KPI_RETURN_IF_ERROR(emit(TailRecord{f->key, record.seq, rank, record.timestamp_ms, json}));
    cursor_.Printed(f->key.writer, record.seq);
  }
}

Status StoreTail::ReadSegment(const std::string& path, const FileKey& key, uint64_t after_seq,
                              uint64_t before_seq, std::vector<TailRecord>* out,
                              ReadProblems* problems) const {
  std::unique_ptr<SegmentReader> reader;
  Status s = SegmentReader::Open(path, &reader, fs_);
  if (s.IsCorruption()) {
    problems->push_back(ReadProblem::FromStatus(Severity::kDamage, path, -1, -1, s));
    return Status::OK();
  }
  KPI_RETURN_IF_ERROR(s);
  std::vector<RecordView> records;
  for (size_t i = 0; i < reader->blocks().size(); ++i) {
    s = reader->ReadBlock(i, &records);
    if (!s.ok()) {
      problems->push_back(ReadProblem::FromStatus(Severity::kDamage, path, static_cast<int64_t>(i),
                                                  static_cast<int64_t>(reader->blocks()[i].offset),
                                                  s));
      continue;
    }
    for (const RecordView& r : records) {
      const auto id = RecordId::Parse(r.id);
      if (id && id->writer == key.writer && id->seq > after_seq && id->seq < before_seq) {
        out->push_back(TailRecord{key, id->seq, out->size(), r.timestamp_ms, std::string(r.json)});
      }
    }
  }
  return Status::OK();
}

Status StoreTail::EmitSegment(const std::string& path, const FileKey& key, const Emit& emit,
                              ReadProblems* problems, uint64_t after_seq, uint64_t before_seq) {
  std::vector<TailRecord> records;
  KPI_RETURN_IF_ERROR(ReadSegment(path, key, after_seq, before_seq, &records, problems));
  const std::unordered_set<uint64_t> printed = PrintedSeqs(key, cursor_.files[key], records);
  for (const TailRecord& r : records) {
    if (printed.count(r.seq)) continue;
    KPI_RETURN_IF_ERROR(emit(r));
    cursor_.Printed(key.writer, r.seq);
  }
  return Status::OK();
}

// A file the cursor follows whose WAL is gone: sealed while no tail ran.
Status StoreTail::FinishFromSegment(const FileKey& key, const Emit& emit, ReadProblems* problems) {
  for (const StoreLayout& layout : layouts_) {
    const std::string path = layout.SegmentPath(key);
    if (::access(path.c_str(), F_OK) != 0) continue;
    KPI_RETURN_IF_ERROR(EmitSegment(path, key, emit, problems));
    cursor_.Done(key);
    return Status::OK();
  }
  problems->push_back(ReadProblem{
      Severity::kWarning, StoreLayout::WalFileName(key), -1, -1,
      "neither the WAL nor its segment exists any more (compacted or purged since the cursor "
      "was saved): its records after the first " +
          std::to_string(cursor_.files[key].frames) + " are not shown"});
  cursor_.Done(key);
  return Status::OK();
}

Status StoreTail::EmitCompactedInputs(const FileMap& compacted, const FileMap& wals,
                                      const FileMap& segments, const Emit& emit,
                                      ReadProblems* problems) {
  std::set<std::string> listed;
  for (const auto& [compact_key, path] : compacted) {
    listed.insert(path);
    if (examined_.count(path)) continue;
    std::unique_ptr<SegmentReader> reader;
    Status s = SegmentReader::Open(path, &reader, fs_);
    if (s.IsNotFound()) continue;  // compacted again or purged since the listing
    if (s.IsCorruption()) {
      problems->push_back(ReadProblem::FromStatus(Severity::kDamage, path, -1, -1, s));
      examined_.insert(path);
      continue;
    }
    KPI_RETURN_IF_ERROR(s);
    std::vector<FileKey> inputs;
    for (const std::string& name : reader->header().superseded) {
      auto key = StoreLayout::ParseSegmentFileName(compact_key.hour_ms, name);
      if (key && key->writer != kCompactWriterId) inputs.push_back(*key);
    }
    for (const FileKey& key : inputs) {
      // Followed or still listed: the WAL or segment path prints it.
      if (followed_.count(key) || wals.count(key) || segments.count(key)) continue;
      const auto known = cursor_.files.find(key);
      const bool unfinished = known != cursor_.files.end() && !known->second.finished();
      if (!unfinished && !cursor_.IsNew(key)) continue;
      // kpid's records of a file lie above the file's own seq.
      const uint64_t next_file = NextFileSeq(key, inputs, wals, segments, cursor_);
      KPI_RETURN_IF_ERROR(EmitSegment(path, key, emit, problems, key.seq, next_file));
      cursor_.files[key].offset = TailCursor::kFinished;
    }
    examined_.insert(path);
  }
  for (auto it = examined_.begin(); it != examined_.end();) {
    it = listed.count(*it) ? std::next(it) : examined_.erase(it);
  }
  return Status::OK();
}

Status StoreTail::RaiseFloorsToCompactedInputs(const FileMap& compacted,
                                              ReadProblems* problems) {
  // Poll looks no further back than this (its first `from`, see Poll).
  const int64_t oldest_polled_hour = HourStart(fs_->NowMs() - lookback_ms_);
  for (const auto& [compact_key, path] : compacted) {
    if (compact_key.hour_ms < oldest_polled_hour) continue;
    std::unique_ptr<SegmentReader> reader;
    Status s = SegmentReader::Open(path, &reader, fs_);
    if (s.IsNotFound()) continue;  // compacted again or purged since the listing
    if (s.IsCorruption()) {
      problems->push_back(ReadProblem::FromStatus(Severity::kDamage, path, -1, -1, s));
      continue;
    }
    KPI_RETURN_IF_ERROR(s);
    for (const std::string& name : reader->header().superseded) {
      auto key = StoreLayout::ParseSegmentFileName(compact_key.hour_ms, name);
      if (!key || key->writer == kCompactWriterId) continue;
      uint64_t& floor = cursor_.floor[key->writer];
      floor = std::max(floor, key->seq);
    }
  }
  return Status::OK();
}

Status StoreTail::NewestOfWriter(std::vector<std::pair<FileKey, std::string>> segments, size_t n,
                                 std::vector<TailRecord>* top, ReadProblems* problems) {
  if (n == 0) return Status::OK();  // `tail -n 0`: nothing to read, and top stays empty
  std::sort(segments.begin(), segments.end(),
            [](const auto& a, const auto& b) { return a.first.seq > b.first.seq; });
  for (const auto& [key, path] : segments) {
    // Records of later files arrived later (see header): once n records of
    // files above this one are kept, stop.
    if (top->size() >= n && top->front().file.seq > key.seq) break;
    std::vector<TailRecord> records;
    Status s = ReadSegment(path, key, 0, UINT64_MAX, &records, problems);
    if (s.IsNotFound()) continue;  // compacted or purged meanwhile
    KPI_RETURN_IF_ERROR(s);
    for (TailRecord& r : records) OfferTop(n, std::move(r), top);
  }
  return Status::OK();
}

Status StoreTail::Start(size_t n, std::vector<TailRecord>* newest, ReadProblems* problems) {
  FileMap wals, segments, compacted;
  KPI_RETURN_IF_ERROR(ListWals(&wals));
  KPI_RETURN_IF_ERROR(ListSegments(kMinTimeMs, kMaxTimeMs, &segments, &compacted));
  // What a compaction holds now is older than anything the tail prints,
  // and so are the files it names: compacted again, they must not look new.
  for (const auto& [key, path] : compacted) examined_.insert(path);
  KPI_RETURN_IF_ERROR(RaiseFloorsToCompactedInputs(compacted, problems));
  std::map<std::string, std::vector<TailRecord>> top;  // per writer
  std::map<std::string, std::vector<std::pair<FileKey, std::string>>> by_writer;
  for (const auto& [key, path] : segments) {
    by_writer[key.writer].emplace_back(key, path);
    uint64_t& floor = cursor_.floor[key.writer];
    floor = std::max(floor, key.seq);
  }
  for (const auto& [key, path] : wals) {
    if (segments.count(key)) continue;  // sealed: read from the segment
    bool opened = false;
    KPI_RETURN_IF_ERROR(Follow(key, path, &opened));
    if (!opened) continue;  // sealed since the listing; nothing newer is in it than in the segment
    auto& writer_top = top[key.writer];
    KPI_RETURN_IF_ERROR(Drain(
        followed_[key].get(),
        [&](const TailRecord& r) {
          OfferTop(n, r, &writer_top);
          return Status::OK();
        },
        problems));
  }
  for (auto& [writer, files] : by_writer) {
    KPI_RETURN_IF_ERROR(NewestOfWriter(std::move(files), n, &top[writer], problems));
  }
  MergeArrivals(&top, newest);
  for (const TailRecord& r : *newest) cursor_.Printed(r.file.writer, r.seq);
  if (newest->size() > n) newest->erase(newest->begin(), newest->end() - static_cast<ptrdiff_t>(n));
  cursor_.saved_ms = fs_->NowMs();
  return Status::OK();
}

Status StoreTail::Poll(const Emit& emit, ReadProblems* problems) {
  // Every decision about what is new uses the cursor as it was when the
  // poll began; floors rise only at the end (see tail_cursor.h).
  FileMap wals, segments, compacted;
  KPI_RETURN_IF_ERROR(ListWals(&wals));
  const int64_t now = fs_->NowMs();
  int64_t from = now - lookback_ms_;
  if (!polled_ && cursor_.saved_ms > 0) from = std::min(from, cursor_.saved_ms - lookback_ms_);
  KPI_RETURN_IF_ERROR(ListSegments(HourStart(from), now + kMsPerHour, &segments, &compacted));
  polled_ = true;
  for (const auto& [key, path] : wals) {
    if (followed_.count(key) || !(cursor_.files.count(key) || cursor_.IsNew(key))) continue;
    if (cursor_.files.count(key) && cursor_.files[key].finished()) continue;
    bool opened = false;
    KPI_RETURN_IF_ERROR(Follow(key, path, &opened));
  }
  std::vector<FileKey> fresh_segments;
  for (const auto& [key, path] : segments) {
    if (cursor_.IsNew(key) && !followed_.count(key) && !wals.count(key))
      fresh_segments.push_back(key);
  }
  for (auto& [key, f] : followed_) KPI_RETURN_IF_ERROR(Drain(f.get(), emit, problems));
  for (const FileKey& key : fresh_segments) {
    KPI_RETURN_IF_ERROR(EmitSegment(segments[key], key, emit, problems));
    cursor_.files[key].offset = TailCursor::kFinished;
  }
  KPI_RETURN_IF_ERROR(EmitCompactedInputs(compacted, wals, segments, emit, problems));
  std::vector<FileKey> orphans;  // followed by the cursor, but no WAL to read
  for (const auto& [key, mark] : cursor_.files) {
    if (!mark.finished() && !followed_.count(key)) orphans.push_back(key);
  }
  for (const FileKey& key : orphans) KPI_RETURN_IF_ERROR(FinishFromSegment(key, emit, problems));
  for (auto it = followed_.begin(); it != followed_.end();) {
    if (wals.count(it->first)) {
      ++it;
      continue;
    }
    cursor_.Done(it->first);  // sealed: drained above, after the listing showed it gone
    it = followed_.erase(it);
  }
  cursor_.saved_ms = now;
  return Status::OK();
}

}  // namespace kpi
