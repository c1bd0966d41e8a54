// Helpers for the write-path tests (wal, writer_state, committer): a
// temporary data directory, whole-file reads and writes, and a FileSystem
// that, while armed, makes writes fail part-way with ENOSPC or syncs fail
// with EIO, as a full or failing disk would (install it with ScopedFaultFs).
#pragma once

#include <stdlib.h>

#include <atomic>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "libkpi/env/file_system.h"

namespace kpi::testing {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/kpi-test-XXXXXX";
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    boost::system::error_code ec;
    boost::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteWholeFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

struct Faults {
  // Appends whose path contains `path_part` fail after writing half their bytes.
  std::atomic<bool> append_no_space{false};
  std::atomic<bool> sync_io_error{false};
  std::atomic<bool> hold_syncs{false};  // syncs wait while set, as on a stalled disk
  std::atomic<int> syncs_held{0};
  std::atomic<bool> hold_appends{false};  // appends wait while set
  std::atomic<int> appends_held{0};
  std::string path_part = "/wal/";
  std::atomic<int> appends_failed{0};
};

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(std::unique_ptr<WritableFile> base, std::string path, Faults* faults)
      : base_(std::move(base)), path_(std::move(path)), faults_(faults) {}

  Status Append(std::string_view data) override {
    if (faults_->append_no_space && Watched()) {
      ++faults_->appends_failed;
      static_cast<void>(base_->Append(data.substr(0, data.size() / 2)));
      return Status::FromErrno(ENOSPC, "write " + path_);
    }
    if (faults_->hold_appends && Watched()) {
      ++faults_->appends_held;
      while (faults_->hold_appends) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return base_->Append(data);
  }
  Status Sync() override {
    if (faults_->sync_io_error && Watched()) return Status::FromErrno(EIO, "fdatasync " + path_);
    if (faults_->hold_syncs && Watched()) {
      ++faults_->syncs_held;
      while (faults_->hold_syncs) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return base_->Sync();
  }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  int fd() const override { return base_->fd(); }

 private:
  bool Watched() const { return path_.find(faults_->path_part) != std::string::npos; }

  std::unique_ptr<WritableFile> base_;
  std::string path_;
  Faults* faults_;
};

class FaultFileSystem final : public FileSystem {
 public:
  FaultFileSystem(FileSystem* base, Faults* faults) : base_(base), faults_(faults) {}

  Status NewWritableFile(const std::string& path, bool exclusive, uint32_t mode,
                         std::unique_ptr<WritableFile>* file) override {
    std::unique_ptr<WritableFile> base;
    KPI_RETURN_IF_ERROR(base_->NewWritableFile(path, exclusive, mode, &base));
    *file = std::make_unique<FaultWritableFile>(std::move(base), path, faults_);
    return Status::OK();
  }
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* file) override {
    std::unique_ptr<WritableFile> base;
    KPI_RETURN_IF_ERROR(base_->NewAppendableFile(path, &base));
    *file = std::make_unique<FaultWritableFile>(std::move(base), path, faults_);
    return Status::OK();
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_->RenameFile(from, to);
  }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    return base_->TruncateFile(path, size);
  }

 private:
  FileSystem* base_;
  Faults* faults_;
};

// Installs a FaultFileSystem as FileSystem::Default() for its scope.
class ScopedFaultFs {
 public:
  // Restores the instance found at construction, not SetDefaultForTesting's
  // return value, which is the new instance when none was installed before.
  ScopedFaultFs() : previous_(FileSystem::Default()), fs_(previous_, &faults_) {
    static_cast<void>(FileSystem::SetDefaultForTesting(&fs_));
  }
  ~ScopedFaultFs() { static_cast<void>(FileSystem::SetDefaultForTesting(previous_)); }
  Faults& faults() { return faults_; }

 private:
  Faults faults_;
  FileSystem* previous_;
  FaultFileSystem fs_;
};

}  // namespace kpi::testing
