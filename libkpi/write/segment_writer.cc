#include "libkpi/write/segment_writer.h"

#include "libkpi/util/crc32c.h"
#include "libkpi/env/atomic_file.h"
#include "libkpi/env/file_system.h"
#include "libkpi/format/segment_codec.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/zstd_util.h"

namespace kpi {
namespace {

// True if `text` is "<id.writer>-<id.seq as 16 hex digits>", without
// building the string.
bool IdTextMatches(std::string_view text, const RecordId& id) {
  const size_t w = id.writer.size();
  if (text.size() != w + 17 || text.compare(0, w, id.writer) != 0 || text[w] != '-') return false;
  uint64_t seq = 0;
  for (char c : text.substr(w + 1)) {
    seq = (seq << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return seq == id.seq;  // ParseRecordPrefix already checked the digits
}

}  // namespace

class SegmentWriter::Impl {
 public:
  Impl(std::string final_path, segment::Header header, SegmentWriterOptions options)
      : final_path_(std::move(final_path)),
        temp_path_(StoreLayout::TempPathFor(final_path_)),
        header_(std::move(header)),
        options_(options),
        fs_(FileSystem::OrDefault(options.fs)) {}

  ~Impl() {
    if (opened_ && !published_) {
      file_.reset();
      (void)fs_->RemoveFile(temp_path_);
    }
  }

  Status Open();
  Status Add(int64_t timestamp_ms, const RecordId& id, std::string_view json);
  Status Finish();

  uint64_t records_written() const { return records_written_; }
  uint64_t bytes_written() const { return file_ ? file_->Size() : bytes_published_; }
  const std::vector<segment::BlockInfo>& blocks() const { return blocks_; }

 private:
  Status CheckRecord(int64_t timestamp_ms, const RecordId& id, std::string_view json) const;
  Status FlushBlock();
  Status Fail(Status s) {
    if (failed_.ok()) failed_ = s;
    return s;
  }
  Status Publish();

  const std::string final_path_;
  const std::string temp_path_;
  const segment::Header header_;
  const SegmentWriterOptions options_;
  FileSystem* const fs_;

  std::unique_ptr<WritableFile> file_;
  ZstdCCtx cctx_;
  bool opened_ = false;
  bool published_ = false;
  Status failed_;  // the first error; the writer refuses everything after it

  std::string block_;       // uncompressed records of the current block
  std::string compressed_;  // reused output buffer
  segment::BlockInfo current_;
  int64_t last_ts_ = 0;
  RecordId last_id_;
  uint64_t records_written_ = 0;
  uint64_t bytes_published_ = 0;
  std::vector<segment::BlockInfo> blocks_;
};

Status SegmentWriter::Impl::Open() {
  if (opened_) return Status::InvalidArgument(final_path_ + ": segment writer opened twice");
  KPI_RETURN_IF_ERROR(segment::ValidateHeader(header_));
  cctx_ = NewZstdCCtx();
  if (cctx_ == nullptr) return Status::NoSpace("zstd: cannot allocate a compression context");
  ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, options_.zstd_level);
  // Compaction's 4 MiB blocks at level 19 take hash and chain tables of 2^22
  // and 2^24 entries: kpictl compact peaked at 66 MiB (issue 16: <= 64). At
  // 2^21 each the blocks are 0.4% larger and compress faster. Levels below 9
  // use at most 2^20 (zstd's level table), and are left alone.
  if (options_.zstd_level >= 9) {
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_hashLog, 21);
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_chainLog, 21);
  }
  ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_contentSizeFlag, 1);

  KPI_RETURN_IF_ERROR(fs_->CreateDirs(DirName(final_path_)));
  opened_ = true;
  std::string temp;
  KPI_RETURN_IF_ERROR(
      Fail(CreateTempFor(fs_, final_path_, kStoreFileMode, &temp, &file_)));
  block_.reserve(options_.block_bytes);
  std::string frame;
  segment::EncodeHeaderFrame(header_, &frame);
  return Fail(file_->Append(frame));
}

Status SegmentWriter::Impl::CheckRecord(int64_t timestamp_ms, const RecordId& id,
                                        std::string_view json) const {
  std::string_view line_id;
  int64_t line_ts;
  if (!ParseRecordPrefix(json, &line_id, &line_ts) || line_ts != timestamp_ms ||
      !IdTextMatches(line_id, id) || json.find('\n') != std::string_view::npos) {
    return Status::InvalidArgument(final_path_ + ": record " + id.ToString() +
                                   " is not a canonical line starting with its _id and timestamp");
  }
  if (timestamp_ms < header_.hour_ms || timestamp_ms >= header_.hour_ms + kMsPerHour) {
    return Status::InvalidArgument(final_path_ + ": record " + id.ToString() + " at " +
                                   FormatIso(timestamp_ms) + " is outside the segment's hour " +
                                   FormatHour(header_.hour_ms));
  }
  if (records_written_ > 0 &&
      !OrderKeyLess(last_ts_, last_id_, timestamp_ms, id)) {
    return Status::InvalidArgument(final_path_ + ": record " + id.ToString() +
                                   " breaks the (timestamp, _id) order; sort before writing");
  }
  if (json.size() + 1 > UINT32_MAX) {
    return Status::InvalidArgument(final_path_ + ": record " + id.ToString() + " is over 4 GiB");
  }
  return Status::OK();
}

Status SegmentWriter::Impl::Add(int64_t timestamp_ms, const RecordId& id, std::string_view json) {
  if (!opened_ || file_ == nullptr) {
    return Status::InvalidArgument(final_path_ + ": Add before Open or after Finish");
  }
  KPI_RETURN_IF_ERROR(failed_);
  KPI_RETURN_IF_ERROR(CheckRecord(timestamp_ms, id, json));
  const size_t line_size = json.size() + 1;
  if (!block_.empty() && (block_.size() + line_size > options_.block_bytes ||
                          block_.size() + line_size > UINT32_MAX)) {
    KPI_RETURN_IF_ERROR(FlushBlock());
  }
  if (block_.empty()) {
    current_ = segment::BlockInfo();
    current_.min_ts = timestamp_ms;
    current_.first_id = id;
  }
  block_.append(json);
  block_.push_back('\n');
  current_.max_ts = timestamp_ms;
  ++current_.record_count;
  last_ts_ = timestamp_ms;
  last_id_.writer.assign(id.writer);  // reuses capacity: no allocation per record
  last_id_.seq = id.seq;
  ++records_written_;
  return Status::OK();
}

Status SegmentWriter::Impl::FlushBlock() {
  compressed_.resize(ZSTD_compressBound(block_.size()));
  const size_t n = ZSTD_compress2(cctx_.get(), compressed_.data(), compressed_.size(),
                                  block_.data(), block_.size());
  if (ZSTD_isError(n)) {
    return Fail(Status::IOError(temp_path_ + ": zstd compression failed: " + ZSTD_getErrorName(n)));
  }
  current_.offset = file_->Size();
  current_.compressed_size = static_cast<uint32_t>(n);
  current_.uncompressed_size = static_cast<uint32_t>(block_.size());
  current_.crc32c = crc32c::Value(block_);
  KPI_RETURN_IF_ERROR(Fail(file_->Append(std::string_view(compressed_.data(), n))));
  blocks_.push_back(current_);
  block_.clear();
  return Status::OK();
}

Status SegmentWriter::Impl::Finish() {
  if (!opened_ || file_ == nullptr) {
    return Status::InvalidArgument(final_path_ + ": Finish before Open or called twice");
  }
  KPI_RETURN_IF_ERROR(failed_);
  if (!block_.empty()) KPI_RETURN_IF_ERROR(FlushBlock());
  std::string index;
  segment::EncodeIndexFrame(blocks_, &index);
  KPI_RETURN_IF_ERROR(Fail(file_->Append(index)));
  return Fail(Publish());
}

// Crash points, in order: the temp file is whole but not yet synced
// ("segment.temp_written"), synced and closed ("segment.before_publish"),
// renamed but the directory not yet synced ("segment.renamed").
Status SegmentWriter::Impl::Publish() {
  CrashPoint("segment.temp_written");
  if (options_.sync) KPI_RETURN_IF_ERROR(file_->Sync());
  bytes_published_ = file_->Size();
  KPI_RETURN_IF_ERROR(file_->Close());
  file_.reset();
  CrashPoint("segment.before_publish");
  KPI_RETURN_IF_ERROR(fs_->RenameFile(temp_path_, final_path_));
  published_ = true;
  CrashPoint("segment.renamed");
  if (options_.sync) KPI_RETURN_IF_ERROR(fs_->SyncDir(DirName(final_path_)));
  return Status::OK();
}

SegmentWriter::SegmentWriter(std::string final_path, segment::Header header,
                             SegmentWriterOptions options)
    : impl_(std::make_unique<Impl>(std::move(final_path), std::move(header), options)) {}
SegmentWriter::~SegmentWriter() = default;

Status SegmentWriter::Open() { return impl_->Open(); }
Status SegmentWriter::Add(int64_t timestamp_ms, const RecordId& id, std::string_view json) {
  return impl_->Add(timestamp_ms, id, json);
}
Status SegmentWriter::Finish() { return impl_->Finish(); }
uint64_t SegmentWriter::records_written() const { return impl_->records_written(); }
uint64_t SegmentWriter::bytes_written() const { return impl_->bytes_written(); }
const std::vector<segment::BlockInfo>& SegmentWriter::blocks() const { return impl_->blocks(); }

}  // namespace kpi
