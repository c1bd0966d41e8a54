// Creating and opening files for writing without following symbolic links,
// so that a link planted in the store or next to an export (at a lock, a
// temporary name, a cursor) can never make kpid or kpictl write to its
// target (issue 13, point 8).
//
// Contract: OpenNoFollow is open(2) with O_NOFOLLOW and O_CLOEXEC added; a
// symlink as the last component is refused with an error naming the path
// and what to do. CreateTemporary creates a file that must be new
// (O_CREAT | O_EXCL | O_NOFOLLOW): a symlink there is refused the same way;
// a regular file there (left by a run that was killed between creating and
// renaming it) is removed and the creation retried once. Directories above
// the last component are trusted: the store's own directories are created by
// kpid with its umask, and an export's directory is the user's.
//
// Thread-safety: plain functions.
#pragma once

#include <sys/types.h>

#include <string>

#include "libkpi/util/status.h"

namespace kpi {

Status OpenNoFollow(const std::string& path, int flags, mode_t mode, int* fd);
// O_WRONLY, new; `mode` as for open(2).
Status CreateTemporary(const std::string& path, mode_t mode, int* fd);

// The error for a symlink found at `path`.
Status SymlinkRefused(const std::string& path);

}  // namespace kpi
