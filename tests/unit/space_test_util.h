// Helpers for the compaction and purge tests: building a store of segments
// and WALs with known records, reading it back, and running a piece of the
// test in a child process that KPI_CRASH_AT makes die at a crash point.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "libkpi/read/record_stream.h"
#include "libkpi/write/segment_writer.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/format/wal.h"
#include "store_test_util.h"

namespace space_test {

using kpi_test::MakeRecord;
using kpi_test::TempDir;

// `count` records of `hour_ms` by `writer` from seq `first_seq`, sorted,
// with timestamps spread over the hour so that writers interleave.
inline std::vector<kpi::Record> HourRecords(const std::string& writer, uint64_t first_seq,
                                            size_t count, int64_t hour_ms) {
  std::vector<kpi::Record> records;
  for (size_t i = 0; i < count; ++i) {
    const int64_t ts = hour_ms + static_cast<int64_t>((first_seq + i) * 7919 % 6) * 600000;
    records.push_back(MakeRecord(writer, first_seq + i, ts, i % 2 ? "en-US" : "de"));
  }
  std::sort(records.begin(), records.end(), kpi::Record::OrderLess);
  return records;
}

// Publishes a sealed segment <writer>-<seq> holding `records`.
inline std::string WriteSegment(const kpi::StoreLayout& layout, const std::string& writer,
                                uint64_t seq, const std::vector<kpi::Record>& records) {
  kpi::segment::Header header;
  header.hour_ms = kpi::HourStart(records.front().timestamp_ms);
  header.writer = writer;
  header.seq = seq;
  const std::string path = layout.SegmentPath(kpi::FileKey{header.hour_ms, writer, seq});
  kpi::SegmentWriterOptions options;
  options.sync = false;
  options.block_bytes = 2048;  // several blocks per segment
  kpi::SegmentWriter w(path, header, options);
  REQUIRE(w.Open().ok());
  for (const kpi::Record& r : records) REQUIRE(w.Add(r).ok());
  REQUIRE(w.Finish().ok());
  return path;
}

// Creates a WAL <writer>-<seq> for `hour_ms` holding `records`, in seq
// order as kpid appends them (wal.md §3: seqs increase through a WAL).
inline std::string WriteWal(const kpi::StoreLayout& layout, const std::string& writer,
                            uint64_t seq, std::vector<kpi::Record> records) {
  std::sort(records.begin(), records.end(),
            [](const kpi::Record& a, const kpi::Record& b) { return a.id.seq < b.id.seq; });
  REQUIRE(layout.CreateDirectories().ok());
  const kpi::FileKey key{kpi::HourStart(records.front().timestamp_ms), writer, seq};
  std::unique_ptr<kpi::wal::WalWriter> w;
  REQUIRE(kpi::wal::WalWriter::Create(layout, key, &w).ok());
  for (const kpi::Record& r : records) REQUIRE(w->Append(r.timestamp_ms, r.id.seq, r.json).ok());
  REQUIRE(w->Sync().ok());
  REQUIRE(w->Close().ok());
  return w->path();
}

// Every stored line of the data dirs, in stream order.
inline std::vector<std::string> ReadLines(const std::vector<std::string>& dirs) {
  kpi::StreamOptions options;
  options.data_dirs = dirs;
  kpi_test::StreamResult r = kpi_test::ReadAll(options);
  REQUIRE(r.status.ok());
  REQUIRE(!kpi::AnyDamage(r.problems));
  return r.lines;
}

inline std::vector<std::string> LinesOf(std::vector<kpi::Record> records) {
  std::sort(records.begin(), records.end(), kpi::Record::OrderLess);
  std::vector<std::string> lines;
  for (const kpi::Record& r : records) lines.push_back(r.json);
  return lines;
}

// The segment file names of one hour directory.
inline std::vector<std::string> SegmentNames(const kpi::StoreLayout& layout, int64_t hour_ms) {
  std::vector<kpi::ListedFile> files;
  REQUIRE(layout.ListSegments(hour_ms, hour_ms + kpi::kMsPerHour, &files).ok());
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.path.substr(f.path.rfind('/') + 1));
  return names;
}

// Runs this test binary again with only the hidden test `child_test` and
// the given environment added; returns the child's exit status.
inline int RunChild(const std::string& child_test, const std::map<std::string, std::string>& env) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    ::execl("/proc/self/exe", "child", child_test.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace space_test
