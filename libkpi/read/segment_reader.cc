#include "libkpi/read/segment_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>

#include "libkpi/env/file_system.h"
#include "libkpi/util/coding.h"
#include "libkpi/util/crc32c.h"
#include "libkpi/format/segment_codec.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/zstd_util.h"

namespace kpi {
namespace {

using segment::AtOffset;
using segment::BlockInfo;

// One read covers a sealed segment's header (41 bytes + a writer id of up to
// 16); a compacted one listing superseded names takes a second read. Kept
// small because `kpictl scan` reads only headers and indexes: with 512 the
// header probe was 80% of what a scan of small hourly segments read.
constexpr size_t kHeaderProbeBytes = 64;
constexpr size_t kMagicSearchBytes = 1 << 16;  // where a scan looks for block 0 without a header
constexpr size_t kMaxZstdFrameHeader = 18;   // ZSTD_FRAMEHEADERSIZE_MAX, a static-only symbol

// The most a zstd frame of `frame_size` bytes can decode to: each block has
// a 3-byte header and decodes to at most 128 KiB (ZSTD_BLOCKSIZE_MAX, a
// static-only symbol). Checked before the block buffer grows, so a damaged
// or crafted content size (up to 4 GiB) cannot make a small file allocate
// gigabytes.
uint64_t MaxContentOfFrame(uint64_t frame_size) { return (frame_size / 3 + 1) * (128 << 10); }

// A growable byte buffer that never zero-fills: blocks are decompressed into
// it over and over, so it only reallocates when a block is larger than any
// before.
class Buffer {
 public:
  char* Reserve(size_t n) {
    if (n > capacity_) {
      data_.reset(new char[n]);  // not make_unique<char[]>, which zero-fills (2% of an export)
      capacity_ = n;
    }
    return data_.get();
  }
  char* data() const { return data_.get(); }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// What a block's records must satisfy besides being canonical and ordered.
struct RecordBounds {
  int64_t min_ts;
  int64_t max_ts;
};

// Splits `data` into lines and checks each (§2, §4). On failure `*problem`
// says which record and why.
bool SplitRecords(std::string_view data, RecordBounds bounds, std::vector<RecordView>* records,
                  std::string* problem) {
  records->clear();
  if (data.empty() || data.back() != '\n') {
    *problem = "block does not end with a newline";
    return false;
  }
  size_t start = 0;
  while (start < data.size()) {
    const size_t end = data.find('\n', start);  // found: data ends with '\n'
    RecordView r;
    r.json = data.substr(start, end - start);
    const size_t n = records->size();
    if (!ParseRecordPrefix(r.json, &r.id, &r.timestamp_ms)) {
      *problem = "record " + std::to_string(n) + " is not canonical JSON with _id and timestamp";
      return false;
    }
    if (r.timestamp_ms < bounds.min_ts || r.timestamp_ms > bounds.max_ts) {
      *problem = "record " + std::to_string(n) + " timestamp outside the block's range";
      return false;
    }
    if (n > 0 && !OrderKeyLess(records->back().timestamp_ms, records->back().id, r.timestamp_ms, r.id)) {
      *problem = "record " + std::to_string(n) + " is out of (timestamp, _id) order";
      return false;
    }
    records->push_back(r);
    start = end + 1;
  }
  return true;
}

}  // namespace

class SegmentReader::Impl {
 public:
  Status Open(FileSystem* fs, const std::string& path, const FileKey* listed);
  Status ReadBlock(size_t i, std::vector<RecordView>* records);

  FileSystem* fs_ = nullptr;
  std::string path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  segment::Header header_;
  bool header_damaged_ = false;
  std::optional<FileKey> listed_;  // the key of the file's path, for a store reader
  std::vector<ScannedFrameProblem> scan_problems_;
  std::string header_problem_;
  bool index_damaged_ = false;
  std::string index_problem_;
  std::vector<BlockInfo> blocks_;
  uint64_t bytes_read_ = 0;
  uint64_t blocks_read_ = 0;

  ~Impl() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  Status Read(uint64_t offset, size_t n, char* dst);
  Status Corrupt(const std::string& what) const { return Status::Corruption(path_ + ": " + what); }
  Status ReadHeader();
  Status ReadIndex();
  Status CheckContiguous() const;
  void ForwardScan();
  uint64_t FindFirstFrame();
  bool ScanFrame(uint64_t offset, uint64_t* frame_size, std::string* problem);
  Status DecodeFrame(uint64_t offset, size_t size, size_t content_size);
  RecordBounds BoundsOf(const BlockInfo& b) const;
  RecordBounds HourBounds() const;

  ZstdDCtx dctx_ = NewZstdDCtx();
  Buffer compressed_;
  Buffer block_;
  uint64_t data_start_ = 0;  // end of the header frame; 0 if unknown
  std::vector<RecordView> scratch_;
};

Status SegmentReader::Impl::Read(uint64_t offset, size_t n, char* dst) {
  size_t got = 0;
  KPI_RETURN_IF_ERROR(fs_->ReadAt(fd_, offset, n, dst, &got, path_));
  if (got < n) return Corrupt(AtOffset(offset + got, "file ends early (was it truncated?)"));
  bytes_read_ += n;
  return Status::OK();
}

Status SegmentReader::Impl::Open(FileSystem* fs, const std::string& path, const FileKey* listed) {
  fs_ = FileSystem::OrDefault(fs);
  path_ = path;
  if (listed != nullptr) listed_ = *listed;
  KPI_RETURN_IF_ERROR(fs_->OpenForReading(path, &fd_));
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::FromErrno(errno, "fstat " + path);
  file_size_ = static_cast<uint64_t>(st.st_size);
  if (dctx_ == nullptr) return Status::NoSpace("zstd: cannot allocate a decompression context");
  KPI_RETURN_IF_ERROR(ReadHeader());
  const Status index = ReadIndex();
  if (!index.ok()) {
    if (!index.IsCorruption()) return index;
    index_damaged_ = true;
    index_problem_ = index.message();
    blocks_.clear();
    ForwardScan();
  }
  return Status::OK();
}

// A damaged header is remembered, not returned: the index does not depend on
// it (§9). Only a newer format version stops the reader.
Status SegmentReader::Impl::ReadHeader() {
  const size_t probe = static_cast<size_t>(std::min<uint64_t>(file_size_, kHeaderProbeBytes));
  std::string frame(probe, '\0');
  KPI_RETURN_IF_ERROR(Read(0, probe, frame.data()));
  const uint64_t frame_size = segment::HeaderFrameSize(frame, file_size_);
  if (frame_size == 0) {
    header_damaged_ = true;
    header_problem_ = path_ + ": " + AtOffset(0, "no kpi header frame");
    return Status::OK();
  }
  if (frame_size > frame.size()) {
    frame.resize(frame_size);
    KPI_RETURN_IF_ERROR(Read(probe, frame_size - probe, frame.data() + probe));
  }
  frame.resize(frame_size);
  data_start_ = frame_size;
  Status s = segment::DecodeHeaderFrame(frame, &header_);
  if (s.code() == Status::Code::kUnsupported) return Status::Unsupported(path_ + ": " + s.message());
  if (s.ok() && listed_ &&
      (header_.hour_ms != listed_->hour_ms || header_.writer != listed_->writer ||
       header_.seq != listed_->seq)) {
    // §3: a header that disagrees with its path is damaged, its list of
    // superseded names included.
    s = Status::Corruption(AtOffset(0, "header says hour " + FormatHour(header_.hour_ms) +
                                           ", writer " + header_.writer + ", seq " +
                                           std::to_string(header_.seq) +
                                           ", which its path does not"));
  }
  if (!s.ok()) {
    header_damaged_ = true;
    header_problem_ = path_ + ": " + s.message();
    header_ = segment::Header();
  }
  return Status::OK();
}

Status SegmentReader::Impl::ReadIndex() {
  const uint64_t footer_offset = file_size_ >= segment::kFooterSize ? file_size_ - segment::kFooterSize : 0;
  // §5.2: with a damaged header its frame size is not trusted either.
  const uint64_t min_start = header_damaged_ ? segment::kSkippableHeaderSize : data_start_;
  if (file_size_ < min_start + segment::kIndexFrameOverhead) {
    return Corrupt(AtOffset(footer_offset, "file too short for an index (torn?)"));
  }
  char footer[segment::kFooterSize];
  KPI_RETURN_IF_ERROR(Read(footer_offset, sizeof footer, footer));
  uint32_t count = 0;
  Status s = segment::DecodeFooter(std::string_view(footer, sizeof footer), footer_offset, &count);
  if (!s.ok()) return Corrupt(s.message());
  const uint64_t index_size = segment::kIndexFrameOverhead + uint64_t{count} * segment::kIndexEntrySize;
  if (index_size > file_size_ - min_start) {
    return Corrupt(AtOffset(footer_offset, "footer block count " + std::to_string(count) +
                                               " does not fit the file"));
  }
  const uint64_t index_offset = file_size_ - index_size;
  std::string frame(index_size, '\0');
  KPI_RETURN_IF_ERROR(Read(index_offset, index_size, frame.data()));
  s = segment::DecodeIndexFrame(frame, index_offset, count, &blocks_);
  if (!s.ok()) return Corrupt(s.message());
  return CheckContiguous();
}

// §5.2: blocks tile the file from the header's end to the index frame. With a
// damaged header, block 0 is trusted where the index puts it.
Status SegmentReader::Impl::CheckContiguous() const {
  const uint64_t index_offset = file_size_ - segment::kIndexFrameOverhead -
                                blocks_.size() * segment::kIndexEntrySize;
  uint64_t expected = data_start_;
  if (header_damaged_) expected = blocks_.empty() ? index_offset : blocks_[0].offset;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (blocks_[i].offset != expected || expected < segment::kSkippableHeaderSize) {
      return Corrupt(AtOffset(index_offset + segment::kSkippableHeaderSize +
                                  i * segment::kIndexEntrySize,
                              "index entry " + std::to_string(i) + " is not contiguous"));
    }
    expected += blocks_[i].compressed_size;
  }
  if (expected != index_offset) {
    return Corrupt(AtOffset(index_offset, "blocks do not end where the index starts"));
  }
  return Status::OK();
}

// §4 rule 7: the header's hour, else the path's, else (a lone file with a
// damaged header) no bound.
RecordBounds SegmentReader::Impl::HourBounds() const {
  if (!header_damaged_) return {header_.hour_ms, header_.hour_ms + kMsPerHour - 1};
  if (listed_) return {listed_->hour_ms, listed_->hour_ms + kMsPerHour - 1};
  return {0, std::numeric_limits<int64_t>::max()};
}

RecordBounds SegmentReader::Impl::BoundsOf(const BlockInfo& b) const {
  const RecordBounds hour = HourBounds();
  return {std::max(b.min_ts, hour.min_ts), std::min(b.max_ts, hour.max_ts)};
}

// Reads and decompresses the zstd frame [offset, offset+size) into block_,
// which must hold exactly `content_size` bytes. Returns OK, an I/O error, or
// Corruption whose message is only the problem (the caller says where).
Status SegmentReader::Impl::DecodeFrame(uint64_t offset, size_t size, size_t content_size) {
  char* src = compressed_.Reserve(size);
  const Status read = Read(offset, size, src);
  if (read.IsCorruption()) return Status::Corruption("the file ends inside the block");
  KPI_RETURN_IF_ERROR(read);
  if (size < 4 || DecodeFixed32(src) != segment::kZstdFrameMagic) {
    return Status::Corruption("no zstd frame magic");
  }
  if (ZSTD_getFrameContentSize(src, size) != content_size ||
      ZSTD_findFrameCompressedSize(src, size) != size) {
    return Status::Corruption("zstd frame sizes differ from the index");
  }
  if (content_size > MaxContentOfFrame(size)) {
    return Status::Corruption("zstd frame claims " + std::to_string(content_size) +
                              " bytes of content, more than its " + std::to_string(size) +
                              " bytes can hold");
  }
  const size_t n = ZSTD_decompressDCtx(dctx_.get(), block_.Reserve(content_size), content_size,
                                       src, size);
  if (ZSTD_isError(n)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != content_size) return Status::Corruption("zstd frame is shorter than its content size");
  ++blocks_read_;
  return Status::OK();
}

Status SegmentReader::Impl::ReadBlock(size_t i, std::vector<RecordView>* records) {
  records->clear();
  if (i >= blocks_.size()) {
    return Status::InvalidArgument(path_ + ": block " + std::to_string(i) + " does not exist");
  }
  const BlockInfo& b = blocks_[i];
  std::string problem;
  auto fail = [&](const std::string& what) {
    records->clear();
    return Corrupt(AtOffset(b.offset, "block " + std::to_string(i) + ": " + what));
  };
  const Status decoded = DecodeFrame(b.offset, b.compressed_size, b.uncompressed_size);
  if (decoded.IsCorruption()) return fail(decoded.message());
  KPI_RETURN_IF_ERROR(decoded);
  const std::string_view data(block_.data(), b.uncompressed_size);
  if (crc32c::Value(data) != b.crc32c) return fail("crc32c mismatch");
  if (!SplitRecords(data, BoundsOf(b), records, &problem)) return fail(problem);
  if (records->size() != b.record_count) return fail("record count differs from the index");
  const std::optional<RecordId> first_id = RecordId::Parse(records->front().id);
  if (records->front().timestamp_ms != b.min_ts || !first_id || *first_id != b.first_id) {
    return fail("first record differs from the index");
  }
  if (records->back().timestamp_ms != b.max_ts) {
    return fail("last record's timestamp is not the index's max timestamp");
  }
  return Status::OK();
}

uint64_t SegmentReader::Impl::FindFirstFrame() {
  if (data_start_ != 0 && !header_damaged_) return data_start_;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(file_size_, kMagicSearchBytes));
  std::string prefix(n, '\0');
  if (!Read(0, n, prefix.data()).ok()) return file_size_;
  char magic[4];
  EncodeFixed32(magic, segment::kZstdFrameMagic);
  const size_t at = prefix.find(std::string_view(magic, 4));
  return at == std::string::npos ? file_size_ : at;
}

// §9: walks the zstd frames after the header. A frame whose extent is known
// but whose content fails is skipped; the scan stops where the extent of the
// next frame cannot be known (torn tail) or at the first skippable frame
// (normally the index).
void SegmentReader::Impl::ForwardScan() {
  uint64_t offset = FindFirstFrame();
  std::string problem;
  int64_t number = 0;  // §9: scanned blocks are numbered in file order, skipped ones included
  while (offset + 4 <= file_size_) {
    uint64_t frame_size = 0;
    if (!ScanFrame(offset, &frame_size, &problem)) {
      if (frame_size == 0) break;
      scan_problems_.push_back(ScannedFrameProblem{number, offset, problem});
      problem.clear();
    }
    ++number;
    offset += frame_size;
  }
  index_problem_ += "; forward scan recovered " + std::to_string(blocks_.size()) + " blocks" +
                    (scan_problems_.empty() ? "" : ", skipped " + std::to_string(scan_problems_.size()));
  if (!problem.empty()) index_problem_ += "; stopped at " + AtOffset(offset, problem);
}

// Decodes the frame at `offset` and appends it to blocks_ if its records are
// valid. Sets *frame_size when the frame's extent is known.
bool SegmentReader::Impl::ScanFrame(uint64_t offset, uint64_t* frame_size, std::string* problem) {
  char head[kMaxZstdFrameHeader];
  const size_t head_size = static_cast<size_t>(std::min<uint64_t>(sizeof head, file_size_ - offset));
  if (!Read(offset, head_size, head).ok()) return false;
  const uint32_t magic = DecodeFixed32(head);
  if ((magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START) return false;  // index
  const unsigned long long content = ZSTD_getFrameContentSize(head, head_size);
  if (magic != segment::kZstdFrameMagic || content == ZSTD_CONTENTSIZE_ERROR ||
      content == ZSTD_CONTENTSIZE_UNKNOWN || content == 0 || content > UINT32_MAX) {
    *problem = "no zstd frame with a content size";
    return false;
  }
  const size_t window = static_cast<size_t>(
      std::min<uint64_t>(file_size_ - offset, ZSTD_compressBound(content) + 64));
  char* src = compressed_.Reserve(window);
  if (!Read(offset, window, src).ok()) return false;
  const size_t size = ZSTD_findFrameCompressedSize(src, window);
  if (ZSTD_isError(size)) {
    *problem = std::string("zstd frame is incomplete: ") + ZSTD_getErrorName(size);
    return false;
  }
  *frame_size = size;
  const Status decoded = DecodeFrame(offset, size, content);
  if (!decoded.ok()) {
    *problem = decoded.message();
    return false;
  }
  const std::string_view data(block_.data(), content);
  if (!SplitRecords(data, HourBounds(), &scratch_, problem)) return false;
  BlockInfo b;
  b.offset = offset;
  b.compressed_size = static_cast<uint32_t>(size);
  b.uncompressed_size = static_cast<uint32_t>(content);
  b.record_count = static_cast<uint32_t>(scratch_.size());
  b.crc32c = crc32c::Value(data);
  b.min_ts = scratch_.front().timestamp_ms;
  b.max_ts = scratch_.back().timestamp_ms;
  b.first_id = *RecordId::Parse(scratch_.front().id);
  blocks_.push_back(std::move(b));
  return true;
}

SegmentReader::SegmentReader() : impl_(std::make_unique<Impl>()) {}
SegmentReader::~SegmentReader() = default;

Status SegmentReader::Open(const std::string& path, std::unique_ptr<SegmentReader>* reader,
                           FileSystem* fs) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  KPI_RETURN_IF_ERROR(r->impl_->Open(fs, path, nullptr));
  *reader = std::move(r);
  return Status::OK();
}

Status SegmentReader::OpenListed(const std::string& path, const FileKey& key,
                                 std::unique_ptr<SegmentReader>* reader, FileSystem* fs) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  KPI_RETURN_IF_ERROR(r->impl_->Open(fs, path, &key));
  *reader = std::move(r);
  return Status::OK();
}

const std::string& SegmentReader::path() const { return impl_->path_; }
const segment::Header& SegmentReader::header() const { return impl_->header_; }
bool SegmentReader::header_damaged() const { return impl_->header_damaged_; }
const std::vector<ScannedFrameProblem>& SegmentReader::scan_problems() const {
  return impl_->scan_problems_;
}
std::string SegmentReader::header_problem() const { return impl_->header_problem_; }
bool SegmentReader::index_damaged() const { return impl_->index_damaged_; }
std::string SegmentReader::index_problem() const { return impl_->index_problem_; }
const std::vector<BlockInfo>& SegmentReader::blocks() const { return impl_->blocks_; }
uint64_t SegmentReader::file_size() const { return impl_->file_size_; }
uint64_t SegmentReader::bytes_read() const { return impl_->bytes_read_; }
uint64_t SegmentReader::blocks_read() const { return impl_->blocks_read_; }

uint64_t SegmentReader::record_count() const {
  uint64_t n = 0;
  for (const BlockInfo& b : impl_->blocks_) n += b.record_count;
  return n;
}

Status SegmentReader::ReadBlock(size_t i, std::vector<RecordView>* records) {
  return impl_->ReadBlock(i, records);
}

ReadProblems SegmentReader::OpenProblems() const {
  using Severity = ReadProblem::Severity;
  ReadProblems out;
  const Impl& r = *impl_;
  if (r.header_damaged_) {
    out.push_back(ReadProblem::OfKind(Severity::kDamage, r.path_, -1, 0, "header",
                                      r.header_problem_ + "; records read through the index"));
  }
  for (const ScannedFrameProblem& p : r.scan_problems_) {
    out.push_back(ReadProblem::OfKind(Severity::kDamage, r.path_, p.block,
                                      static_cast<int64_t>(p.offset), "block",
                                      "skipped by the forward scan: " + p.message));
  }
  if (r.index_damaged_) {
    const uint64_t footer = r.file_size_ >= segment::kFooterSize ? r.file_size_ - segment::kFooterSize : 0;
    out.push_back(ReadProblem::OfKind(Severity::kDamage, r.path_, -1, static_cast<int64_t>(footer),
                                      "index", r.index_problem_));
  }
  return out;
}

ReadProblem SegmentReader::BlockProblem(size_t i, const Status& failure) const {
  return ReadProblem::OfKind(ReadProblem::Severity::kDamage, impl_->path_, static_cast<int64_t>(i),
                             static_cast<int64_t>(impl_->blocks_[i].offset), "block",
                             failure.message());
}

std::vector<size_t> SegmentReader::BlocksOverlapping(int64_t from_ms, int64_t to_ms) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < impl_->blocks_.size(); ++i) {
    const BlockInfo& b = impl_->blocks_[i];
    if (b.max_ts >= from_ms && b.min_ts < to_ms) out.push_back(i);
  }
  return out;
}

}  // namespace kpi
