// CopyRun: a short copy of bytes that may read and write whole 16-byte
// registers past the run, for the byte scanners (canonical_json_scanner,
// event_array_scanner) that copy many runs of 10-40 bytes.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace kpi {

// Copies n bytes from `from` to `out` and returns the end of what it wrote:
// whole 16-byte registers while `limit` (the end of readable input) allows,
// so `out` needs 32 bytes of room past the n. The runs between an event's
// quotes are ~10-40 bytes; memcpy's call cost more than the copy.
inline char* CopyRun(char* out, const char* from, size_t n, const char* limit) {
#ifdef __SSE2__
  if (n <= 32 && limit - from >= 32) {  // most runs: two stores, no loop
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(from)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + 16)));
    return out + n;
  }
  while (n > 0 && limit - from >= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(from)));
    const size_t step = n < 16 ? n : 16;
    out += step;
    from += step;
    n -= step;
  }
#endif
  if (n != 0) std::memcpy(out, from, n);
  return out + n;
}

}  // namespace kpi
