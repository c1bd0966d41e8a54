// WriterState: the identity of one kpid in a data directory.
//
//   <data-dir>/writers/<id>/lock   flock()ed for the lifetime of the WriterState;
//                                  holds the owner's pid as text (for messages)
//   <data-dir>/writers/<id>/seq    the reserved upper bound of the writer's
//                                  sequence: 8 bytes LE + crc32c of them
//
// One monotonic u64 counter per writer numbers both records (the id's seq)
// and files (WAL and segment seqs). It is persisted by reservation, as a
// hi/lo allocator: before handing out a seq at or beyond the stored bound, a
// new bound (current + reservation) is written atomically (temp file, fsync,
// rename, directory fsync). Every seq handed out is below the stored bound,
// so after any crash the next process starts at that bound and seqs never
// repeat; the seqs between the last one used and the bound are simply skipped.
//
// The lock is an flock on an open file description, so a second WriterState
// for the same id is refused whether it is in another process or this one.
//
// Thread-safety: NextSeqs may be called from any thread (it takes a mutex);
// everything else is immutable after Open.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"

namespace kpi {

class WriterState {
 public:
  static constexpr uint64_t kDefaultReservation = 1000000;

  // Lower-cases `host_name`, drops everything outside [a-z0-9], keeps 16
  // characters; "kpid" when nothing is left or the result is reserved.
  static std::string WriterIdFromHostName(std::string_view host_name);
  // `configured` if not empty (InvalidArgument unless IsValidWriterId and not
  // "compact"), else derived from this machine's host name.
  static Status ResolveWriterId(const std::string& configured, std::string* id);

  // Resolves the id, creates writers/<id>/, takes the lock (Busy naming the
  // lock file and the holder's pid if another holds it) and loads and
  // advances the reservation. A missing seq file is accepted only when no
  // WAL or segment of this writer exists, since seqs could otherwise repeat.
  static Status Open(const StoreLayout& layout, const std::string& configured_id,
                     std::unique_ptr<WriterState>* state,
                     uint64_t reservation = kDefaultReservation);
  ~WriterState();  // releases the lock
  WriterState(const WriterState&) = delete;
  WriterState& operator=(const WriterState&) = delete;

  const std::string& writer_id() const { return writer_id_; }
  const std::string& lock_path() const { return lock_path_; }

  // Hands out `n` (≥ 1) consecutive fresh seqs starting at *first, first
  // persisting a new reservation if they reach past the stored one.
  Status NextSeqs(uint64_t n, uint64_t* first);
  uint64_t reserved_bound() const;

 private:
  WriterState(std::string writer_id, std::string dir, FileSystem* fs,
              std::unique_ptr<FileLock> lock, uint64_t reservation);
  Status Persist(uint64_t bound);
  Status Load(const StoreLayout& layout);

  const std::string writer_id_;
  const std::string dir_;
  const std::string lock_path_;
  FileSystem* const fs_;
  const std::unique_ptr<FileLock> lock_;
  const uint64_t reservation_;
  mutable std::mutex mu_;
  uint64_t next_ = 1;   // guarded by mu_
  uint64_t bound_ = 1;  // guarded by mu_; every seq handed out is < bound_
};

}  // namespace kpi
