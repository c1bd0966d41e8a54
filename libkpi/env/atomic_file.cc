#include "libkpi/env/atomic_file.h"

#include <sys/stat.h>

#include <cerrno>

#include "libkpi/env/no_follow.h"
#include "libkpi/format/store_layout.h"

namespace kpi {
namespace {

// Removes a regular file a crash left at `temp`; refuses a symbolic link.
Status ClearStaleTemp(FileSystem* fs, const std::string& temp) {
  struct stat st;
  if (::lstat(temp.c_str(), &st) != 0) {
    return errno == ENOENT ? Status::OK() : Status::FromErrno(errno, "lstat " + temp);
  }
  if (S_ISLNK(st.st_mode)) return SymlinkRefused(temp);
  if (!S_ISREG(st.st_mode)) {
    return Status::IOError(temp + " is not a regular file: remove it and retry");
  }
  return fs->RemoveFile(temp);
}

}  // namespace

Status CreateTempFor(FileSystem* fs, const std::string& final_path, uint32_t mode,
                     std::string* temp_path, std::unique_ptr<WritableFile>* file) {
  *temp_path = StoreLayout::TempPathFor(final_path);
  KPI_RETURN_IF_ERROR(ClearStaleTemp(fs, *temp_path));
  return fs->NewWritableFile(*temp_path, /*exclusive=*/true, mode, file);
}

Status PublishTemp(FileSystem* fs, const std::string& temp_path, const std::string& final_path) {
  Status s = fs->RenameFile(temp_path, final_path);
  if (!s.ok()) {
    Status ignored = fs->RemoveFile(temp_path);
    (void)ignored;  // the rename's error is the one to report
    return s;
  }
  return fs->SyncDir(DirName(final_path));
}

Status ReplaceFileContents(FileSystem* fs, const std::string& path, std::string_view contents,
                           uint32_t mode) {
  std::string temp;
  std::unique_ptr<WritableFile> file;
  KPI_RETURN_IF_ERROR(CreateTempFor(fs, path, mode, &temp, &file));
  Status s = file->Append(contents);
  if (s.ok()) s = file->Sync();
  const Status closed = file->Close();
  if (s.ok()) s = closed;
  if (!s.ok()) {
    Status ignored = fs->RemoveFile(temp);
    (void)ignored;  // the write's error is the one to report
    return s;
  }
  return PublishTemp(fs, temp, path);
}

}  // namespace kpi
