// Creating and opening files for writing without following symbolic links,
// so that a link planted in the store or next to an export (at a lock, a
// temporary name, a cursor) can never make kpid or kpictl write to its
// target (issue 13, point 8).
//
// Contract: OpenNoFollow is open(2) with O_NOFOLLOW and O_CLOEXEC added; a
// symlink as the last component is refused with an error naming the path
// and what to do. Temporaries for atomic replacement are atomic_file.h's
// (O_EXCL, a leftover regular file replaced, a link refused). Directories above
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

// The error for a symlink found at `path`.
Status SymlinkRefused(const std::string& path);

}  // namespace kpi
