#include "libkpi/write/sealer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "libkpi/env/file_system.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/write/segment_writer.h"
#include "libkpi/format/wal.h"

namespace kpi {
namespace {

// Where a record sits in the WAL; sorting these instead of the records keeps
// a seal's memory independent of payload sizes.
struct RecordPointer {
  int64_t timestamp_ms;
  uint64_t seq;
  uint64_t offset;
  uint32_t length;  // of the payload

  uint64_t frame_end() const { return offset + wal::kFrameHeaderSize + length; }

  // Seqs of one WAL share its writer, so seq order is id order.
  bool operator<(const RecordPointer& o) const {
    return OrderKeyLess(timestamp_ms, seq, o.timestamp_ms, o.seq);
  }
};

Status RemoveWal(const StoreLayout& layout, const std::string& wal_path) {
  KPI_RETURN_IF_ERROR(layout.fs()->RemoveFile(wal_path));
  return layout.fs()->SyncDir(layout.WalDir());
}

uint64_t FileSize(FileSystem* fs, const std::string& path) {
  uint64_t size = 0;
  return fs->GetFileSize(path, &size).ok() ? size : UINT64_MAX;
}

// A published segment with every record of the WAL: the WAL's work is done.
bool SegmentHolds(FileSystem* fs, const std::string& segment_path, uint64_t records) {
  std::unique_ptr<SegmentReader> reader;
  if (!SegmentReader::Open(segment_path, &reader, fs).ok()) return false;
  return !reader->index_damaged() && reader->record_count() == records;
}

// True if a compacted segment of the WAL's hour names the WAL's segment as
// superseded: it was sealed and compacted before the WAL could be deleted,
// and sealing it again would store its records twice.
bool CompactedAway(const StoreLayout& layout, const FileKey& key) {
  std::vector<ListedFile> segments;
  if (!layout.ListSegments(key.hour_ms, key.hour_ms + 1, &segments).ok()) return false;
  const std::string name = StoreLayout::SegmentFileName(key);
  for (const ListedFile& f : segments) {
    if (f.key.writer != kCompactWriterId) continue;
    std::unique_ptr<SegmentReader> reader;
    if (!SegmentReader::OpenListed(f.path, f.key, &reader, layout.fs()).ok()) continue;
    const auto& superseded = reader->header().superseded;
    if (std::find(superseded.begin(), superseded.end(), name) != superseded.end()) return true;
  }
  return false;
}

// Reads the valid prefix, calling `fn` per record, and cuts a torn tail off
// the file, so that the WAL left behind holds only whole frames.
Status ScanAndCut(FileSystem* fs, const std::string& wal_path,
                  const std::function<bool(const wal::WalRecord&)>& fn, SealResult* result) {
  wal::WalScanResult scan;
  KPI_RETURN_IF_ERROR(wal::ScanWal(wal_path, fn, &scan, fs));
  auto name_key = StoreLayout::ParseWalFileName(wal_path.substr(wal_path.rfind('/') + 1));
  if (!name_key || *name_key != scan.key) {
    return Status::Corruption(wal_path + ": header names writer " + scan.key.writer + " seq " +
                              std::to_string(scan.key.seq) + ", which the file name does not");
  }
  result->key = scan.key;
  result->records = scan.records;
  if (scan.valid_bytes < scan.file_bytes) {
    result->torn_bytes = scan.file_bytes - scan.valid_bytes;
    result->tail_problem = scan.tail_problem;
    result->zero_tail = scan.zero_tail;
    KPI_RETURN_IF_ERROR(fs->TruncateFile(wal_path, scan.valid_bytes));
  }
  return Status::OK();
}

// Reads the valid prefix into `pointers` and cuts a torn tail off the file,
// so that the WAL left behind by a failed seal is clean.
Status CollectRecords(FileSystem* fs, const std::string& wal_path,
                      std::vector<RecordPointer>* pointers, SealResult* result) {
  return ScanAndCut(
      fs, wal_path,
      [pointers](const wal::WalRecord& r) {
        pointers->push_back(RecordPointer{r.timestamp_ms, r.seq, r.offset,
                                          static_cast<uint32_t>(r.json.size())});
        return true;
      },
      result);
}

// Reads the records back in sorted order. Records that also follow each
// other in the file (a WAL written in order-key order, the usual case) are
// read with one pread per run of up to kRunBytes, not two preads each: the
// seal of a 64 MiB WAL made 120k read calls, a third of its time in the
// kernel. Memory: one run (at least one frame).
class SortedReadBack {
 public:
  SortedReadBack(FileSystem* fs, int fd, const std::string& path,
                 const std::vector<RecordPointer>& pointers)
      : fs_(fs), fd_(fd), path_(path), pointers_(pointers) {}

  Status Read(size_t i, wal::WalRecord* record) {
    const RecordPointer& p = pointers_[i];
    if (p.offset < start_ || p.frame_end() > start_ + buf_.size()) KPI_RETURN_IF_ERROR(Fill(i));
    const std::string_view frame(buf_.data() + (p.offset - start_), p.frame_end() - p.offset);
    return wal::DecodeFrameAt(path_, p.offset, frame, record);
  }

 private:
  static constexpr uint64_t kRunBytes = 256 << 10;

  Status Fill(size_t i) {
    start_ = pointers_[i].offset;
    uint64_t end = pointers_[i].frame_end();
    for (size_t j = i + 1; j < pointers_.size() && pointers_[j].offset == end &&
                           pointers_[j].frame_end() - start_ <= kRunBytes;
         ++j) {
      end = pointers_[j].frame_end();
    }
    buf_.resize(end - start_);
    size_t got = 0;
    KPI_RETURN_IF_ERROR(
        fs_->ReadAt(fd_, start_, buf_.size(), buf_.data(), &got, path_));
    if (got < buf_.size()) {
      return Status::Corruption(path_ + ": offset " + std::to_string(start_ + got) +
                                ": the file ended during a seal");
    }
    return Status::OK();
  }

  FileSystem* const fs_;
  const int fd_;
  const std::string& path_;
  const std::vector<RecordPointer>& pointers_;
  uint64_t start_ = 0;
  std::string buf_;
};

Status WriteSegment(FileSystem* fs, const std::string& wal_path, const std::string& segment_path,
                    const FileKey& key, const SealOptions& options,
                    const std::vector<RecordPointer>& pointers) {
  int fd;
  KPI_RETURN_IF_ERROR(fs->OpenForReading(wal_path, &fd));
  segment::Header header;
  header.hour_ms = key.hour_ms;
  header.seq = key.seq;
  header.writer = key.writer;
  SegmentWriterOptions writer_options;
  writer_options.zstd_level = options.zstd_level;
  writer_options.block_bytes = options.block_bytes;
  writer_options.fs = fs;
  SegmentWriter writer(segment_path, header, writer_options);
  Status s = writer.Open();
  RecordId id{key.writer, 0};
  wal::WalRecord record;
  SortedReadBack read_back(fs, fd, wal_path, pointers);
  for (size_t i = 0; s.ok() && i < pointers.size(); ++i) {
    s = read_back.Read(i, &record);
    id.seq = record.seq;
    if (s.ok()) s = writer.Add(record.timestamp_ms, id, record.json);
  }
  if (s.ok()) s = writer.Finish();
  ::close(fd);
  return s;
}

}  // namespace

Status SealWal(const StoreLayout& layout, const std::string& wal_path, const SealOptions& options,
               SealResult* result) {
  *result = SealResult();
  std::vector<RecordPointer> pointers;
  FileSystem* fs = layout.fs();
  Status s = CollectRecords(fs, wal_path, &pointers, result);
  if (!s.ok()) {
    // WalWriter::Create syncs the header before any frame is appended.
    if (s.IsCorruption() && FileSize(fs, wal_path) < wal::kHeaderSize) return RemoveWal(layout, wal_path);
    return s;
  }
  if (pointers.empty()) return RemoveWal(layout, wal_path);
  const std::string segment_path = layout.SegmentPath(result->key);
  result->segment_path = segment_path;
  if ((FileSize(fs, segment_path) != UINT64_MAX && SegmentHolds(fs, segment_path, pointers.size())) ||
      CompactedAway(layout, result->key)) {
    result->already_sealed = true;
    return RemoveWal(layout, wal_path);
  }
  // A crash while writing may have left the temporary file; start afresh.
  const std::string temp = StoreLayout::TempPathFor(segment_path);
  if (FileSize(fs, temp) != UINT64_MAX) KPI_RETURN_IF_ERROR(fs->RemoveFile(temp));
  std::sort(pointers.begin(), pointers.end());
  KPI_RETURN_IF_ERROR(WriteSegment(fs, wal_path, segment_path, result->key, options, pointers));
  CrashPoint("seal.published");
  return RemoveWal(layout, wal_path);
}

}  // namespace kpi
