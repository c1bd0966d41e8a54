// TailCursor: where `kpictl tail` stands in a store, saved in --cursor-file
// so a restarted tail continues without gaps or duplicates.
//
// Seqs are per writer and every record of a file has a seq above the file's
// own (kpid takes the file's seq from the same sequence when it creates the
// WAL). But kpid flushes the WALs of one commit group one after the other,
// so a reader can briefly see seq 12 in one WAL before seq 11 in another: a
// single "last seq" per writer could skip 11. The cursor therefore follows
// files, not just seqs:
//   floor[w]   files of writer w with a seq up to this were fully printed,
//              or were already there before the tail began;
//   files[k]   a file being followed: the last seq printed from it, and the
//              WAL offset of its next frame.
// Every file of w with a seq above floor[w] and not in files is new: all its
// records are printed. A followed WAL that was sealed is finished from its
// segment (same key), printing only seqs above its mark.
//
// The file is text, replaced atomically (temp file, fsync, rename):
//   kpi-tail-cursor 1 <saved_ms>
//   floor <writer> <seq hex>
//   file <hour_ms> <writer> <seq hex> <last seq hex> <offset or 18446744073709551615
//        for a file printed whole>
//   last <writer> <seq hex>       (the highest seq printed; for people)
//
// Thread-safety: a value.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"

namespace kpi {

struct TailCursor {
  struct FileMark {
    uint64_t last_seq = 0;  // highest seq printed from the file
    uint64_t offset = 0;    // WAL: the next frame's offset (0: from the start)
    // A file printed whole from its segment while files of lower seq may
    // still be live: remembered until floor passes it.
    bool finished() const { return offset == kFinished; }
  };
  static constexpr uint64_t kFinished = ~uint64_t{0};

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

  // Loads `path`; *found is false (and the cursor empty) if it does not exist.
  static Status Load(const std::string& path, TailCursor* cursor, bool* found);
  Status Save(const std::string& path) const;
  std::string Serialize() const;
  static Status Parse(const std::string& text, const std::string& origin, TailCursor* cursor);
};

}  // namespace kpi
