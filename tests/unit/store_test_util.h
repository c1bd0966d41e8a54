// Helpers for tests that build small stores by hand: records with chosen
// timestamps and ids, temporary data directories, and reading a stream out.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "libkpi/format/record.h"
#include "libkpi/read/record_stream.h"
#include "libkpi/util/time_util.h"
#include "segment_test_util.h"

namespace kpi_test {

// A canonical record line with a few members the filter tests can use.
inline kpi::Record MakeRecord(const std::string& writer, uint64_t seq, int64_t ts,
                              const std::string& language = "en-US", int emails = 1) {
  kpi::Record r;
  r.timestamp_ms = ts;
  r.id = kpi::RecordId{writer, seq};
  r.json = "{\"_id\":\"" + r.id.ToString() + "\",\"timestamp\":" + std::to_string(ts) +
           ",\"number_emails\":" + std::to_string(emails) + ",\"language\":\"" + language +
           "\",\"padding\":\"" + std::string(40, 'x') + "\"}";
  return r;
}

using kpi::test::TempDir;  // segment_test_util.h

struct StreamResult {
  std::vector<std::string> ids;
  std::vector<std::string> lines;
  kpi::Status status;
  kpi::ReadProblems problems;
  kpi::ReadStats stats;
};

inline StreamResult ReadAll(kpi::StreamOptions options) {
  kpi::RecordStream stream(std::move(options));
  StreamResult result;
  while (stream.Next()) {
    result.ids.emplace_back(stream.record().id);
    result.lines.emplace_back(stream.record().json);
  }
  result.status = stream.status();
  result.problems = stream.problems();
  result.stats = stream.stats();
  return result;
}

inline std::vector<std::string> IdsOf(std::vector<kpi::Record> records) {
  std::sort(records.begin(), records.end(), kpi::Record::OrderLess);
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.id.ToString());
  return ids;
}

// Overwrites one byte of `path` at `offset` with its complement.
inline void FlipByte(const std::string& path, uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDWR);
  char c = 0;
  if (::pread(fd, &c, 1, static_cast<off_t>(offset)) == 1) {
    c = static_cast<char>(~c);
    (void)!::pwrite(fd, &c, 1, static_cast<off_t>(offset));
  }
  ::close(fd);
}

}  // namespace kpi_test
