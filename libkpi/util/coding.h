// Little-endian fixed-width integer encoding, as every on-disk field in
// format-spec/ is little-endian. Header-only; pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace kpi {

inline void EncodeFixed16(char* dst, uint16_t v) { std::memcpy(dst, &v, 2); }
inline void EncodeFixed32(char* dst, uint32_t v) { std::memcpy(dst, &v, 4); }
inline void EncodeFixed64(char* dst, uint64_t v) { std::memcpy(dst, &v, 8); }

inline uint16_t DecodeFixed16(const char* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
inline uint32_t DecodeFixed32(const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
inline uint64_t DecodeFixed64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

inline void PutFixed16(std::string* dst, uint16_t v) { char b[2]; EncodeFixed16(b, v); dst->append(b, 2); }
inline void PutFixed32(std::string* dst, uint32_t v) { char b[4]; EncodeFixed32(b, v); dst->append(b, 4); }
inline void PutFixed64(std::string* dst, uint64_t v) { char b[8]; EncodeFixed64(b, v); dst->append(b, 8); }

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "coding.h assumes a little-endian host; add byte swaps to port it");

}  // namespace kpi
