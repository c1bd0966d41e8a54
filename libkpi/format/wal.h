// Write-ahead files (format-spec/wal.md): WalWriter appends CRC-framed
// records to the file of one hour; WalReader reads a file's valid prefix.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "libkpi/env/file_system.h"
#include "libkpi/format/record.h"
#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"

namespace kpi::wal {

constexpr char kMagic[4] = {'K', 'P', 'I', 'W'};
constexpr uint16_t kVersion = 1;
constexpr size_t kHeaderSize = 48;
constexpr size_t kFrameHeaderSize = 24;
constexpr uint32_t kMaxPayload = 1 << 20;

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
  // directory synced).
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

struct WalScanResult {
  FileKey key;                 // from the header
  uint64_t valid_bytes = 0;    // header + every valid frame
  uint64_t file_bytes = 0;     // size when read
  uint64_t records = 0;
  std::string tail_problem;    // empty, or why the valid prefix ends before file_bytes
  // Everything past the valid prefix is zeros: kpid's prefill (set_prefill),
  // not damage, so tail_problem stays empty.
  bool zero_tail = false;
};

// Reads the valid prefix of the WAL at `path` (wal.md §4), calling `fn` for
// each record in file order; `fn` returning false stops the scan. A damaged
// header is Corruption naming the path; a torn tail is not an error (the
// result says where and why the valid prefix ends). Memory: one frame.
Status ScanWal(const std::string& path, const std::function<bool(const WalRecord&)>& fn,
               WalScanResult* result);

// The same on a descriptor the caller holds (reading from offset 0 with
// pread, so the fd's position is untouched): readers keep a snapshot's WAL
// open, and it stays readable after kpid seals and unlinks it. `path` only
// names the file in errors.
Status ScanWalFd(int fd, const std::string& path,
                 const std::function<bool(const WalRecord&)>& fn, WalScanResult* result);

// Reads the frame at `offset` (as returned by ScanWal) into `json`, checking
// its crc32c. Used to read records back in another order.
// Decodes the frame that starts `frame` (read from `offset` of `path`),
// checking its length and crc32c; `frame` must hold at least the whole frame.
// record->json points into `frame`. Corruption names the path and offset.
Status DecodeFrame(const std::string& path, uint64_t offset, std::string_view frame,
                   WalRecord* record);
Status ReadWalRecordAt(int fd, const std::string& path, uint64_t offset, WalRecord* record,
                       std::string* json);

}  // namespace kpi::wal
