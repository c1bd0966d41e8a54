// Atomic file replacement: a file is written under a temporary name beside
// its final path, synced, renamed over the final path, and the directory
// synced, so a crash leaves either the old contents or the new ones, never a
// mix, and the rename survives power loss. All through the FileSystem seam.
//
// Temporary names are fixed (StoreLayout::TempPathFor: ".<name>.tmp"). A
// regular file left there by a crash is removed; a symbolic link there is
// an error, and nothing is written through it.
//
// Thread-safety: two writers of the same final path must not overlap (the
// store's locks or the caller see to it); distinct paths are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "libkpi/env/file_system.h"
#include "libkpi/util/status.h"

namespace kpi {

// Creates the temporary file for `final_path` (see above) with `mode`.
Status CreateTempFor(FileSystem* fs, const std::string& final_path, uint32_t mode,
                     std::string* temp_path, std::unique_ptr<WritableFile>* file);

// Renames a synced and closed `temp_path` over `final_path`, then syncs the
// directory of `final_path`. On failure the temporary file is removed.
Status PublishTemp(FileSystem* fs, const std::string& temp_path, const std::string& final_path);

// Replaces `path` by `contents`: CreateTempFor, append, sync, close, PublishTemp.
Status ReplaceFileContents(FileSystem* fs, const std::string& path, std::string_view contents,
                           uint32_t mode);

}  // namespace kpi
