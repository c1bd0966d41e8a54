#include "testing/store_builder.h"

#include <algorithm>

#include "testing/record_generator.h"
#include "libkpi/util/time_util.h"
#include "libkpi/format/wal.h"

namespace kpi {

StoreBuilder::StoreBuilder(std::string data_dir, SegmentWriterOptions options)
    : layout_(std::move(data_dir)), options_(options) {}

Status StoreBuilder::Write(const std::string& path, segment::Header header,
                           std::vector<Record> records) {
  KPI_RETURN_IF_ERROR(layout_.CreateDirectories());
  std::sort(records.begin(), records.end(), Record::OrderLess);
  SegmentWriter writer(path, std::move(header), options_);
  KPI_RETURN_IF_ERROR(writer.Open());
  for (const Record& r : records) KPI_RETURN_IF_ERROR(writer.Add(r));
  return writer.Finish();
}

Status StoreBuilder::WriteSegment(const FileKey& key, std::vector<Record> records,
                                  std::string* path) {
  segment::Header header;
  header.hour_ms = key.hour_ms;
  header.seq = key.seq;
  header.writer = key.writer;
  *path = layout_.SegmentPath(key);
  return Write(*path, std::move(header), std::move(records));
}

Status StoreBuilder::WriteCompacted(int64_t hour_ms, uint64_t seq, std::vector<Record> records,
                                    std::vector<std::string> superseded, std::string* path) {
  segment::Header header;
  header.flags = segment::kFlagCompacted;
  header.hour_ms = hour_ms;
  header.seq = seq;
  header.writer = std::string(kCompactWriterId);
  header.superseded = std::move(superseded);
  *path = layout_.SegmentPath(FileKey{hour_ms, header.writer, seq});
  return Write(*path, std::move(header), std::move(records));
}

Status StoreBuilder::WriteWal(const FileKey& key, std::vector<Record> records, std::string* path) {
  std::sort(records.begin(), records.end(),
            [](const Record& a, const Record& b) { return a.id.seq < b.id.seq; });
  return WriteWalInArrivalOrder(key, RecordOrder::FixedDefault(), records, path);
}

Status StoreBuilder::WriteWalInArrivalOrder(const FileKey& key, const RecordOrder& order,
                                            const std::vector<Record>& arrivals,
                                            std::string* path) {
  KPI_RETURN_IF_ERROR(layout_.CreateDirectories());
  std::unique_ptr<wal::WalWriter> writer;
  KPI_RETURN_IF_ERROR(wal::WalWriter::Create(layout_, key, order, &writer));
  for (const Record& r : arrivals)
    KPI_RETURN_IF_ERROR(writer->Append(r.timestamp_ms, r.id.seq, r.json));
  KPI_RETURN_IF_ERROR(writer->Sync());
  *path = writer->path();
  return writer->Close();
}

std::vector<Record> GenerateRecords(uint64_t seed, int64_t from_ms, int64_t to_ms,
                                    const std::string& writer, uint64_t first_seq, size_t count) {
  RecordGenerator generator(seed, from_ms, to_ms);
  std::vector<Record> records;
  records.reserve(count);
  for (size_t i = 0; i < count; ++i) records.push_back(generator.NextRecord(writer, first_seq + i));
  return records;
}

}  // namespace kpi
