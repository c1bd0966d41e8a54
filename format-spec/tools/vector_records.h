// The records and file helpers every vector of kpi-vectors is made of:
// fixed records from a frozen LCG (so the vectors do not change when a
// standard library's distributions do), and whole-file reads and writes.
// Not thread-safe (a tool's single thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/format/record.h"

namespace kpi::vectors {

extern const int64_t kHour;  // 2026-11-29T18:00Z, the hour of every vector

// `count` records of writer `writer`, seqs 1.., spread over `slots`
// 10-minute timestamps of kHour, in order-key order.
std::vector<Record> MakeRecords(const std::string& writer, int count, int slots, uint64_t seed);
// The same with the i-th record (i from 0, before sorting) given seq seqs[i].
std::vector<Record> MakeRecords(const std::string& writer, const std::vector<uint64_t>& seqs,
                                int slots, uint64_t seed);

// The records' lines, each with its '\n', leaving out [skip_from, skip_to).
std::string Jsonl(const std::vector<Record>& records, size_t skip_from = 0, size_t skip_to = 0);

void WriteText(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

}  // namespace kpi::vectors
