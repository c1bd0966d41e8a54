#include "libkpi/env/output_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "libkpi/format/store_layout.h"
#include "libkpi/util/zstd_util.h"
#include "libkpi/env/no_follow.h"

namespace kpi {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class FdSink : public OutputSink {
 public:
  FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Status Finish() override { return Drain(); }

 protected:
  Status Drain() override {
    Status s = WriteAll(fd_, buffer_, name_);
    buffer_.clear();
    return s;
  }

  int fd_;
  std::string name_;
};

// A file written under a temporary name and renamed by Finish.
class FileSink : public FdSink {
 public:
  FileSink(int fd, std::string path, std::string temp)
      : FdSink(fd, std::move(path)), temp_(std::move(temp)) {}
  ~FileSink() override {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(temp_.c_str());
    }
  }

  Status Finish() override {
    KPI_RETURN_IF_ERROR(Flush());
    Status s;
    if (::fsync(fd_) != 0) s = Status::FromErrno(errno, "fsync " + temp_);
    if (::close(fd_) != 0 && s.ok()) s = Status::FromErrno(errno, "close " + temp_);
    fd_ = -1;
    if (s.ok() && ::rename(temp_.c_str(), name_.c_str()) != 0) {
      s = Status::FromErrno(errno, "rename " + temp_ + " to " + name_);
    }
    if (!s.ok()) ::unlink(temp_.c_str());
    return s;
  }

 protected:
  virtual Status Flush() { return Drain(); }

 private:
  std::string temp_;
};

class ZstdFileSink final : public FileSink {
 public:
  ZstdFileSink(int fd, std::string path, std::string temp, int level)
      : FileSink(fd, std::move(path), std::move(temp)), cctx_(NewZstdCCtx()) {
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
      KPI_RETURN_IF_ERROR(WriteAll(fd_, std::string_view(out_.data(), out.pos), name_));
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
  return std::make_unique<FdSink>(STDOUT_FILENO, "standard output");
}

Status OutputSink::OpenFile(const std::string& path, int zstd_level,
                            std::unique_ptr<OutputSink>* sink) {
  const std::string temp = StoreLayout::TempPathFor(path);
  int fd;
  KPI_RETURN_IF_ERROR(CreateTemporary(temp, 0644, &fd));
  if (EndsWith(path, ".zst")) {
    *sink = std::make_unique<ZstdFileSink>(fd, path, temp, zstd_level);
  } else {
    *sink = std::make_unique<FileSink>(fd, path, temp);
  }
  return Status::OK();
}

}  // namespace kpi
