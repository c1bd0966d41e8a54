// Write-ahead files (format-spec/wal.md): WalWriter appends CRC-framed
// records to the file of one hour (wal.cc); ScanWal reads a file as wal.md §5
// says (wal_scan.cc). Both go through the one codec of wal_codec.h.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/env/file_system.h"
#include "libkpi/format/record.h"
#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/format/wal_codec.h"

namespace kpi::wal {

// WalWriter: appends to one WAL. Append only buffers into the file (write(2));
// Sync makes everything appended so far durable. A failed Append or Sync
// leaves the writer broken: every later call returns the same error, because
// the file's tail is unknown (the caller seals what was synced and starts a
// new file). The one exception is NoSpace from a write, see Flush.
// Thread-safety: not thread-safe; kpid's single commit thread owns
// its writers (except SyncFlushed, below).
class WalWriter {
 public:
  // Creates a new WAL for `key` (exclusive create, header written and synced,
  // directory synced) whose header records `order` (wal.md §3.1; the caller
  // gives each record its seq from it). Without `order`: RecordOrder::Fixed(),
  // for tests and tools that pick their records' seqs themselves.
  static Status Create(const StoreLayout& layout, const FileKey& key, const RecordOrder& order,
                       std::unique_ptr<WalWriter>* writer);
  static Status Create(const StoreLayout& layout, const FileKey& key,
                       std::unique_ptr<WalWriter>* writer);
  // Reopens an existing WAL after recovery truncated it to its valid prefix.
  static Status Reopen(const StoreLayout& layout, const FileKey& key,
                       std::unique_ptr<WalWriter>* writer);
  ~WalWriter();

  const FileKey& key() const { return key_; }
  const std::string& path() const { return path_; }
  uint64_t size() const;  // bytes in the file, header included

  // Appends frames for `json` (the canonical line without '\n').
  Status Append(int64_t timestamp_ms, uint64_t seq, std::string_view json);
  Status Sync();
  // fdatasync of everything Flush has written so far, touching none of the
  // writer's state: the one call another thread (kpid's sync thread) may
  // make while the owning thread goes on adding and flushing frames. A
  // failure is returned only; the owner must then stop using the writer.
  Status SyncFlushed() { return file_->Sync(); }
  Status Close();

  // Group commit: AddFrame encodes a frame whose payload is the concatenation
  // of `payload_parts` (so callers need not build the line first) into a
  // pending buffer; Flush writes every pending frame with one write(2).
  // The payload must be 1 byte .. kMaxPayload (the caller checks).
  void AddFrame(int64_t timestamp_ms, uint64_t seq,
                std::initializer_list<std::string_view> payload_parts);
  // A failed Flush truncates the file back to its size before the write, so
  // no partial frame remains; when that succeeds and the failure was NoSpace
  // the writer stays usable (the tail is known), otherwise it is broken.
  Status Flush();
  size_t pending_bytes() const { return frame_.size(); }

  // Keeps up to `bytes` of zeros written ahead of the last frame (0, the
  // default: off). An fdatasync that only overwrites blocks the file already
  // has skips the size update and the block allocation: ~0.2 ms instead of
  // ~3-8 ms on kpid's reference VM, which is what caps `--sync always`. A
  // zero L ends the valid prefix (wal.md §4), so readers stop at the zeros;
  // Close cuts them off, a crash leaves them to recovery. Keep it under
  // 1 MiB (kpictl tail takes a longer unreadable tail for damage).
  // Never prefills past `limit` (the size at which the caller rotates).
  void set_prefill(uint64_t bytes, uint64_t limit) {
    prefill_bytes_ = bytes;
    prefill_limit_ = limit;
  }

 private:
  WalWriter(FileKey key, std::string path, std::unique_ptr<WritableFile> file);
  FileKey key_;
  std::string path_;
  std::unique_ptr<WritableFile> file_;
  Status broken_;
  std::string frame_;  // frames added but not yet flushed; reused
  uint64_t prefill_bytes_ = 0;
  uint64_t prefill_limit_ = 0;
  uint64_t prefilled_end_ = 0;  // the file holds zeros from the last frame to here
  void Prefill(uint64_t end);
};

// One record as read from a WAL; `json` is valid during the callback only.
struct WalRecord {
  uint64_t offset = 0;  // of the frame
  int64_t timestamp_ms = 0;
  uint64_t seq = 0;
  std::string_view json;
};

// Something wrong in a WAL (wal.md §6); the offset is the file's.
struct WalProblem {
  enum class Kind { kHeader, kTorn, kFrame, kRecord, kOrder };
  Kind kind;
  uint64_t offset;
  std::string message;

  bool damage() const { return kind != Kind::kTorn; }  // a torn tail is a warning
  static const char* KindName(Kind kind);              // "header", "torn", ...
};

struct WalScanResult {
  FileKey key;                 // the header's; the name's when the header is damaged or short
  bool header_damaged = false;
  WalHeader header;            // as decoded when sound (version, record order)
  uint64_t header_bytes = 0;   // where frames start: 64 (version 1: 48)
  uint64_t valid_bytes = 0;    // end of the last valid frame (the header's end if none): recovery cuts here
  uint64_t file_bytes = 0;     // size when read
  uint64_t records = 0;        // valid records, each passed to the callback
  std::vector<WalProblem> problems;  // in file order
  std::string tail_problem;    // empty, or why a torn tail ends the file (also in problems)
  // Everything after the last frame is zeros: kpid's prefill (set_prefill),
  // not damage, so no problem is reported.
  bool zero_tail = false;
};

// Reads the WAL at `path` as wal.md §5 says, calling `fn` for each valid
// record in file order (`fn` returning false stops the scan): resyncs past
// damaged frames, skips frames whose record disagrees with them, and reads
// the frames under a damaged header too (with the key of the file's name).
// Everything wrong is in result->problems; the call fails only on I/O errors,
// NotFound, and Unsupported (a newer version). Memory: one frame. Every
// function here reads through `fs` (nullptr: FileSystem::Default()).
Status ScanWal(const std::string& path, const std::function<bool(const WalRecord&)>& fn,
               WalScanResult* result, FileSystem* fs = nullptr);

// The same on a descriptor the caller holds (reading from offset 0 with
// pread, so the fd's position is untouched): readers keep a snapshot's WAL
// open, and it stays readable after kpid seals and unlinks it. `path` names
// the file in errors and gives the name's key.
Status ScanWalFd(int fd, const std::string& path,
                 const std::function<bool(const WalRecord&)>& fn, WalScanResult* result,
                 FileSystem* fs = nullptr);

// Reads the header of the WAL open on `fd` (pread; the fd's position is
// untouched). *header_bytes: where its frames start, 0 while the file does
// not hold a whole header yet (a WAL being created). Corruption when the
// header is damaged; *header_bytes is then still set (wal.md §2).
Status ReadWalHeader(int fd, const std::string& path, WalHeader* header, uint64_t* header_bytes,
                     FileSystem* fs = nullptr);

// Decodes the frame that starts `bytes` (read from `offset` of `path`);
// `bytes` must hold the whole frame. record->json points into `bytes`.
// Corruption names the path, the offset and what is wrong with the frame.
Status DecodeFrameAt(const std::string& path, uint64_t offset, std::string_view bytes,
                     WalRecord* record);
// Reads the frame at `offset` (as returned by ScanWal) back, its payload
// into `json`: how records are read again in another order.
Status ReadWalRecordAt(int fd, const std::string& path, uint64_t offset, WalRecord* record,
                       std::string* json, FileSystem* fs = nullptr);

}  // namespace kpi::wal
