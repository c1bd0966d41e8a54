// Sealing: turns one closed write-ahead file into the segment of the same
// FileKey (format-spec/wal.md §1, segment.md §7).
//
// Contract: SealWal reads the WAL's valid prefix (a torn tail is first cut
// off the file), sorts its records by the order key and publishes them as
// <hour dir>/<writer>-<seq>.kpi.zst (SegmentWriter's crash points
// "segment.temp_written", "segment.before_publish", "segment.renamed"); only
// then, after the crash point "seal.published", it deletes the WAL and syncs
// wal/. Every step is safe to repeat after a crash (kpid_seal_crash_test.sh
// stops kpid at each of the four points under load):
//   - a WAL without records (header only) is just deleted;
//   - a WAL whose segment already exists and holds as many records (a crash
//     between publishing and deleting), or was compacted into a segment that
//     names it as superseded, is just deleted;
//   - a WAL whose header is cut short never held a record and is deleted;
//   - a leftover ".<segment>.tmp" is removed before writing.
// Memory: 32 bytes per record (timestamp, seq, offset, length) plus one
// block; the records are read back in sorted order with pread, one call per
// run of records that also follow each other in the file (up to 256 KiB).
//
// The caller guarantees that nobody appends to the WAL meanwhile (kpid's
// committer seals only files no commit-group leader holds open).
//
// Every file is read and written through `layout`'s FileSystem.
//
// Thread-safety: SealWal may run concurrently for distinct WALs.
#pragma once

#include <cstdint>
#include <string>

#include "libkpi/format/segment_format.h"
#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"

namespace kpi {

struct SealOptions {
  int zstd_level = segment::kDefaultZstdLevel;
  size_t block_bytes = segment::kDefaultBlockBytes;
};

struct SealResult {
  FileKey key;
  std::string segment_path;     // empty when no segment was needed
  uint64_t records = 0;         // records in the WAL's valid prefix
  uint64_t torn_bytes = 0;      // cut off the WAL's end (wal.md §4)
  std::string tail_problem;     // why, with the offset, when torn_bytes > 0
  bool zero_tail = false;       // the bytes cut were zeros (wal.h set_prefill)
  bool already_sealed = false;  // the segment existed; only the WAL was deleted
};

Status SealWal(const StoreLayout& layout, const std::string& wal_path, const SealOptions& options,
               SealResult* result);

}  // namespace kpi
