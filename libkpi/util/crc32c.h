// CRC-32C (Castagnoli), the checksum of every kpi frame, block and index
// (format-spec/segment.md §Checksums). Uses the SSE4.2 crc32 instruction when
// the CPU has it and a slicing-by-8 table otherwise; both give equal results.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kpi::crc32c {

// Returns the CRC-32C of data[0,n) continuing from `init` (the CRC of the
// bytes before them; 0 to start).
uint32_t Extend(uint32_t init, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

}  // namespace kpi::crc32c
