// StoreLayout: where everything lives under a data directory, and listing it
// from names alone (format-spec/segment.md §6, wal.md §1).
//
//   <data-dir>/segments/YYYY/MM/DD/HH/<writer>-<seq>.kpi.zst   sealed segments
//   <data-dir>/wal/YYYYMMDDTHH-<writer>-<seq>.wal              write-ahead files
//   <data-dir>/writers/<writer>/{lock,seq}                     per-writer state
//
// Listing never opens a file; it goes through the layout's FileSystem, which
// every component handed this layout uses for its files too. Listings are snapshots: files may appear or go
// between a listing and an open (kpid seals, kpictl compacts and purges), and
// callers handle NotFound on open by listing again.
//
// Thread-safety: a StoreLayout is immutable after construction; its methods
// may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libkpi/env/file_system.h"
#include "libkpi/format/record.h"
#include "libkpi/util/status.h"

namespace kpi {

// The identity shared by a WAL and the segment sealed from it.
struct FileKey {
  int64_t hour_ms = 0;
  std::string writer;
  uint64_t seq = 0;

  auto operator<=>(const FileKey&) const = default;
  bool operator==(const FileKey&) const = default;
};

struct ListedFile {
  FileKey key;
  std::string path;     // absolute or as given by the data dir
  uint64_t size = 0;    // bytes, from the directory entry's stat
};

class StoreLayout {
 public:
  // `fs` is not owned and must outlive the layout; nullptr means Default().
  explicit StoreLayout(std::string data_dir, FileSystem* fs = nullptr);

  const std::string& data_dir() const { return data_dir_; }
  FileSystem* fs() const { return fs_; }

  std::string SegmentsRoot() const;            // <data-dir>/segments
  std::string WalDir() const;                  // <data-dir>/wal
  std::string WriterDir(const std::string& writer) const;  // <data-dir>/writers/<w>
  std::string HourDir(int64_t hour_ms) const;  // <data-dir>/segments/YYYY/MM/DD/HH
  std::string SegmentPath(const FileKey& key) const;
  std::string WalPath(const FileKey& key) const;

  static std::string SegmentFileName(const FileKey& key);  // "<writer>-<seq>.kpi.zst"
  static std::string WalFileName(const FileKey& key);
  // Parses a segment file name within a known hour; nullopt for anything else
  // (temporary files, foreign files).
  static std::optional<FileKey> ParseSegmentFileName(int64_t hour_ms, const std::string& name);
  static std::optional<FileKey> ParseWalFileName(const std::string& name);
  // ".<name>.tmp" beside `final_path`.
  static std::string TempPathFor(const std::string& final_path);

  // Segments whose hour overlaps [from_ms, to_ms), sorted by key. Walks only
  // the hour directories in the range (or, for very wide ranges, the existing
  // year/month/day directories), never opens a segment.
  Status ListSegments(int64_t from_ms, int64_t to_ms, std::vector<ListedFile>* out) const;
  // Write-ahead files whose hour overlaps [from_ms, to_ms), sorted by key.
  Status ListWals(int64_t from_ms, int64_t to_ms, std::vector<ListedFile>* out) const;
  // Hours (start ms) that have a segment directory, ascending.
  Status ListHours(int64_t from_ms, int64_t to_ms, std::vector<int64_t>* out) const;

  // Creates segments/, wal/ and writers/ if missing.
  Status CreateDirectories() const;

 private:
  Status ListHourDir(int64_t hour_ms, std::vector<ListedFile>* out) const;
  Status ListNumberedDirs(const std::string& dir, size_t width, std::vector<int>* out) const;
  // The entries of `dir` that `parse` accepts, with their sizes; nothing
  // when `dir` does not exist.
  template <typename Parse>
  Status ListFiles(const std::string& dir, Parse parse, std::vector<ListedFile>* out) const;

  std::string data_dir_;
  FileSystem* fs_;
};

// Full-range bounds for "everything".
constexpr int64_t kMinTimeMs = 0;
constexpr int64_t kMaxTimeMs = 253402300800000;  // 10000-01-01

// An hour start a store can hold (segment.md §0): a multiple of an hour in
// [kMinTimeMs, kMaxTimeMs), so that YYYY/MM/DD/HH names it.
bool IsValidHour(int64_t hour_ms);

}  // namespace kpi
