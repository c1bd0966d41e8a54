// Helpers shared by the segment tests: a scratch directory, whole-file I/O,
// writing a segment from records and reading every record back.
#pragma once

#include <boost/filesystem.hpp>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "libkpi/format/record.h"
#include "testing/record_generator.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/write/segment_writer.h"
#include "libkpi/util/time_util.h"

namespace kpi::test {

// A fresh directory under the build tree, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    path_ = (boost::filesystem::temp_directory_path() /
             boost::filesystem::unique_path("kpi-seg-%%%%-%%%%-%%%%"))
                .string();
    boost::filesystem::create_directories(path_);
  }
  ~TempDir() {
    boost::system::error_code ec;
    boost::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

inline const int64_t kTestHour = FromCivil(2026, 11, 29, 18);

inline segment::Header TestHeader(const std::string& writer, uint64_t seq) {
  segment::Header h;
  h.hour_ms = kTestHour;
  h.writer = writer;
  h.seq = seq;
  return h;
}

// `count` realistic records of kTestHour in order-key order, timestamps on
// 10-minute boundaries as kpid floors them.
inline std::vector<Record> GenerateRecords(const std::string& writer, size_t count, uint64_t seed) {
  RecordGenerator gen(seed, kTestHour, kTestHour + kMsPerHour);
  std::vector<Record> records;
  records.reserve(count);
  for (size_t i = 0; i < count; ++i) records.push_back(gen.NextRecord(writer, i + 1));
  std::sort(records.begin(), records.end(), Record::OrderLess);
  return records;
}

inline std::vector<Record> RecordsFromJsonl(const std::string& text) {
  std::vector<Record> records;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    Record r;
    r.json = text.substr(start, end - start);
    std::string_view id;
    if (ParseRecordPrefix(r.json, &id, &r.timestamp_ms)) r.id = *RecordId::Parse(id);
    records.push_back(std::move(r));
    start = end + 1;
  }
  return records;
}

inline Status WriteSegment(const std::string& path, const segment::Header& header,
                           SegmentWriterOptions options, const std::vector<Record>& records) {
  SegmentWriter writer(path, header, options);
  KPI_RETURN_IF_ERROR(writer.Open());
  for (const Record& r : records) KPI_RETURN_IF_ERROR(writer.Add(r));
  return writer.Finish();
}

inline std::string JoinLines(const std::vector<Record>& records) {
  std::string out;
  for (const Record& r : records) out.append(r.json).push_back('\n');
  return out;
}

// Everything a reader returns from one file: the lines of the blocks that
// read, and one status per block that did not.
struct ReadOutcome {
  Status open;
  std::vector<std::string> lines;
  std::vector<Status> block_errors;
};

inline ReadOutcome ReadEverything(const std::string& path) {
  ReadOutcome out;
  std::unique_ptr<SegmentReader> reader;
  out.open = SegmentReader::Open(path, &reader);
  if (!out.open.ok()) return out;
  std::vector<RecordView> views;
  for (size_t i = 0; i < reader->blocks().size(); ++i) {
    const Status s = reader->ReadBlock(i, &views);
    if (!s.ok()) out.block_errors.push_back(s);
    for (const RecordView& v : views) out.lines.emplace_back(v.json);
  }
  return out;
}

}  // namespace kpi::test
