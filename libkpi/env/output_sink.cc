#include "libkpi/env/output_sink.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "libkpi/env/atomic_file.h"
#include "libkpi/env/file_system.h"
#include "libkpi/util/zstd_util.h"

namespace kpi {
namespace {

class StdoutSink final : public OutputSink {
 public:
  Status Finish() override { return Drain(); }

 protected:
  Status Drain() override {
    Status s = WriteAll(STDOUT_FILENO, buffer_, "standard output");
    buffer_.clear();
    return s;
  }
};

// A file written under a temporary name (its owner alone may read it) and
// published by Finish (atomic_file.h).
class FileSink : public OutputSink {
 public:
  FileSink(FileSystem* fs, std::unique_ptr<WritableFile> file, std::string path, std::string temp)
      : fs_(fs), file_(std::move(file)), name_(std::move(path)), temp_(std::move(temp)) {}
  ~FileSink() override {
    if (file_ != nullptr) {
      file_.reset();
      Status ignored = fs_->RemoveFile(temp_);
      (void)ignored;  // an abandoned export leaves nothing behind if it can
    }
  }

  Status Finish() override {
    KPI_RETURN_IF_ERROR(Flush());
    Status s = file_->Sync();
    const Status closed = file_->Close();
    if (s.ok()) s = closed;
    file_.reset();
    if (!s.ok()) {
      Status ignored = fs_->RemoveFile(temp_);
      (void)ignored;  // the write's error is the one to report
      return s;
    }
    return PublishTemp(fs_, temp_, name_);
  }

 protected:
  Status Drain() override {
    Status s = Write(buffer_);
    buffer_.clear();
    return s;
  }
  virtual Status Flush() { return Drain(); }
  Status Write(std::string_view data) { return file_->Append(data); }

  FileSystem* const fs_;
  std::unique_ptr<WritableFile> file_;
  const std::string name_;

 private:
  const std::string temp_;
};

class ZstdFileSink final : public FileSink {
 public:
  ZstdFileSink(FileSystem* fs, std::unique_ptr<WritableFile> file, std::string path,
               std::string temp, int level)
      : FileSink(fs, std::move(file), std::move(path), std::move(temp)), cctx_(NewZstdCCtx()) {
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
    out_.resize(ZSTD_CStreamOutSize() * 8);
  }

 protected:
  Status Drain() override { return Compress(ZSTD_e_continue); }
  Status Flush() override { return Compress(ZSTD_e_end); }

 private:
  Status Compress(ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{buffer_.data(), buffer_.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      const size_t left = ZSTD_compressStream2(cctx_.get(), &out, &in, mode);
      if (ZSTD_isError(left)) {
        return Status::IOError(name_ + ": zstd: " + ZSTD_getErrorName(left));
      }
      KPI_RETURN_IF_ERROR(Write(std::string_view(out_.data(), out.pos)));
      const bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) break;
    }
    buffer_.clear();
    return Status::OK();
  }

  ZstdCCtx cctx_;
  std::string out_;
};

}  // namespace

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "write " + what);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

std::unique_ptr<OutputSink> OutputSink::Stdout() {
  return std::make_unique<StdoutSink>();
}

Status OutputSink::OpenFile(const std::string& path, int zstd_level,
                            std::unique_ptr<OutputSink>* sink, FileSystem* fs) {
  fs = FileSystem::OrDefault(fs);
  std::string temp;
  std::unique_ptr<WritableFile> file;
  KPI_RETURN_IF_ERROR(CreateTempFor(fs, path, kPrivateFileMode, &temp, &file));
  if (std::string_view(path).ends_with(".zst")) {
    *sink = std::make_unique<ZstdFileSink>(fs, std::move(file), path, temp, zstd_level);
  } else {
    *sink = std::make_unique<FileSink>(fs, std::move(file), path, temp);
  }
  return Status::OK();
}

}  // namespace kpi
