#include "libkpi/read/merge_source.h"

#include <algorithm>

namespace kpi {
namespace {

using Severity = ReadProblem::Severity;

class SegmentSource final : public MergeSource {
 public:
  SegmentSource(SegmentReader* reader, const TimeRange& range, ReadProblems* problems,
                ReadStats* stats)
      : reader_(reader), range_(range), problems_(problems), stats_(stats) {
    for (ReadProblem& p : reader_->OpenProblems()) problems_->push_back(std::move(p));
    LoadNextBlock();
  }

  bool Valid() const override { return pos_ < records_.size(); }
  const RecordView& current() const override { return records_[pos_]; }
  void Next() override {
    ++pos_;
    SkipOutOfRange();
  }

 private:
  void SkipOutOfRange() {
    while (pos_ < records_.size() && !range_.Contains(records_[pos_].timestamp_ms)) ++pos_;
    if (pos_ == records_.size()) LoadNextBlock();
  }

  // Decompresses the next block that can hold records in range; a block
  // that fails its checks is reported and skipped (segment.md §9).
  void LoadNextBlock() {
    records_.clear();
    pos_ = 0;
    const auto& blocks = reader_->blocks();
    // A forward scan's min/max come from decoded data we have not checked
    // against an index, so only a sound index may rule blocks out.
    const bool trust_index = !reader_->index_damaged();
    while (next_block_ < blocks.size()) {
      const size_t i = next_block_++;
      const segment::BlockInfo& b = blocks[i];
      stats_->input_bytes += b.compressed_size;
      if (trust_index && !range_.Overlaps(b.min_ts, b.max_ts)) {
        ++stats_->blocks_skipped;
        continue;
      }
      Status s = reader_->ReadBlock(i, &records_);
      if (!s.ok()) {
        problems_->push_back(reader_->BlockProblem(i, s));
        records_.clear();
        continue;
      }
      ++stats_->blocks_read;
      while (pos_ < records_.size() && !range_.Contains(records_[pos_].timestamp_ms)) ++pos_;
      if (pos_ < records_.size()) return;
      records_.clear();
      pos_ = 0;
    }
  }

  SegmentReader* reader_;
  TimeRange range_;
  ReadProblems* problems_;
  ReadStats* stats_;
  size_t next_block_ = 0;
  std::vector<RecordView> records_;
  size_t pos_ = 0;
};

class WalSource final : public MergeSource {
 public:
  WalSource(const SnapshotFile& file, const TimeRange& range, ReadProblems* problems,
            ReadStats* stats)
      : file_(file), problems_(problems) {
    wal::WalScanResult result;
    Status s = file_.ScanWal(
        [&](const wal::WalRecord& r) {
          if (range.Contains(r.timestamp_ms)) entries_.push_back({r.timestamp_ms, r.seq, r.offset});
          return true;
        },
        &result, problems_);
    stats->input_bytes += file_.listed_size();
    if (!s.ok()) {  // an I/O error: nothing of this WAL can be trusted
      problems_->push_back(ReadProblem::FromStatus(Severity::kDamage, file_.path(), -1, -1, s));
      entries_.clear();
    }
    // One WAL's records share its writer: seq order is id order.
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return OrderKeyLess(a.timestamp_ms, a.seq, b.timestamp_ms, b.seq);
    });
    Load();
  }

  bool Valid() const override { return pos_ < entries_.size(); }
  const RecordView& current() const override { return view_; }
  void Next() override {
    ++pos_;
    Load();
  }

 private:
  struct Entry {
    int64_t timestamp_ms;
    uint64_t seq;
    uint64_t offset;
  };

  // Reads the frame of entries_[pos_], skipping (and reporting) bad ones.
  void Load() {
    for (; pos_ < entries_.size(); ++pos_) {
      const Entry& e = entries_[pos_];
      wal::WalRecord record;
      Status s = wal::ReadWalRecordAt(file_.wal_fd(), file_.path(), e.offset, &record, &json_);
      if (!s.ok()) {
        problems_->push_back(ReadProblem::FromStatus(Severity::kDamage, file_.path(), -1,
                                                     static_cast<int64_t>(e.offset), s));
        continue;
      }
      int64_t ts = 0;
      if (!ParseRecordPrefix(json_, &view_.id, &ts) || ts != e.timestamp_ms) {
        problems_->push_back(ReadProblem{Severity::kDamage, file_.path(), -1,
                                         static_cast<int64_t>(e.offset),
                                         "record does not start with its _id and timestamp"});
        continue;
      }
      view_.timestamp_ms = ts;
      view_.json = json_;
      return;
    }
  }

  const SnapshotFile& file_;
  ReadProblems* problems_;
  std::vector<Entry> entries_;
  size_t pos_ = 0;
  std::string json_;
  RecordView view_;
};

}  // namespace

std::unique_ptr<MergeSource> MergeSource::For(const SnapshotFile& file, const TimeRange& range,
                                              ReadProblems* problems, ReadStats* stats) {
  if (file.is_wal()) return std::make_unique<WalSource>(file, range, problems, stats);
  return std::make_unique<SegmentSource>(file.segment(), range, problems, stats);
}

}  // namespace kpi
