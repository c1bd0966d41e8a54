// TailCursor: where `kpictl tail` stands in a store, saved in --cursor-file
// so a restarted tail continues without gaps or duplicates.
//
// Seqs are per writer and the records of a file have seqs in the block above
// the file's own (kpid reserves the block when it creates the WAL), handed
// out in a keyed random order (wal.md §3.1): a record's seq says nothing of
// when it arrived within its file. The cursor therefore follows files:
//   floor[w]   files of writer w with a seq up to this were fully printed,
//              or were already there before the tail began;
//   files[k]   a WAL being followed: how many frames were printed from it
//              (they are in arrival order), the offset of its next frame,
//              and its header's record order.
// Every file of w with a seq above floor[w] and not in files is new: all its
// records are printed. A followed WAL that was sealed while no tail ran is
// finished from its segment (same key): the seqs of its first `frames`
// records are recomputed from the order (a version 1 WAL, without one: the
// `frames` smallest seqs, since its seqs increase) and the rest is printed.
// So the order key of a WAL that a stopped tail was part-way through stays
// in the cursor file (mode 0600) until the tail finishes that file.
//
// The file is text, replaced atomically (temp file, fsync, rename):
//   kpi-tail-cursor 2 <saved_ms>
//   floor <writer> <seq hex>
//   file <hour_ms> <writer> <seq hex> <frames> <offset or 18446744073709551615
//        for a file printed whole> <order bits> <order key hex, or - >
//   last <writer> <seq hex>       (the highest seq printed; for people)
//
// Thread-safety: a value.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "libkpi/util/status.h"
#include "libkpi/format/record_order.h"
#include "libkpi/env/file_system.h"
#include "libkpi/format/store_layout.h"

namespace kpi {

struct TailCursor {
  struct FileMark {
    uint64_t frames = 0;    // WAL frames printed, from the first, in file order
    uint64_t offset = 0;    // WAL: the next frame's offset (0: from the start)
    int order_bits = 0;     // the WAL header's record order (0: none, version 1)
    RecordOrder::Key order_key{};
    // A file printed whole from its segment while files of lower seq may
    // still be live: remembered until floor passes it.
    bool finished() const { return offset == kFinished; }
  };
  static constexpr uint64_t kFinished = ~uint64_t{0};

  static constexpr int kVersion = 2;  // of the file's first line

  int64_t saved_ms = 0;
  std::map<std::string, uint64_t> floor;
  std::map<FileKey, FileMark> files;
  std::map<std::string, uint64_t> last;  // per writer, the highest seq printed

  // Whether `key` is a file the tail has not printed anything from yet.
  bool IsNew(const FileKey& key) const;
  void Printed(const std::string& writer, uint64_t seq);
  // Marks `key` fully printed: raises floor to it (every file of the writer
  // with a lower seq was seen before it) and forgets finished files below.
  void Done(const FileKey& key);

  // A cursor file beyond this is not one kpictl wrote.
  static constexpr size_t kMaxFileBytes = 16 << 20;

  // Loads `path` through `fs` (null: FileSystem::Default()); *found is
  // false (and the cursor empty) if it does not exist.
  static Status Load(const std::string& path, TailCursor* cursor, bool* found,
                     FileSystem* fs = nullptr);
  // Replaces `path` atomically (atomic_file.h), mode 0600.
  Status Save(const std::string& path, FileSystem* fs = nullptr) const;
  std::string Serialize() const;
  static Status Parse(const std::string& text, const std::string& origin, TailCursor* cursor);
};

}  // namespace kpi
