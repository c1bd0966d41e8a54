// Comparing and copying short byte runs (keys, event names: 5-60 bytes)
// inline, in 16-byte registers, instead of calling memcmp and memcpy.
//
// Contract: EqualShort(a, b, n) == (memcmp(a, b, n) == 0) and
// CopyShort(out, from, n) copies exactly what memcpy(out, from, n) copies
// and returns out + n; CopyShort may store up to kCopyShortSlack bytes past
// out + n (the caller's room). Both may *read* up to 15 bytes past a run,
// but only within the 4 KiB page that holds the run's last byte, which is
// mapped because that byte is: no fault is possible, and the bytes read past
// the run never change a result. Runs over kMaxShortBytes (and empty ones)
// go to memcmp and memcpy.
// Under AddressSanitizer and ThreadSanitizer (which would report those
// reads) and without SSE2, they are memcmp and memcpy.
// Why: the canonicaliser compares and copies ~100 such runs per record, and
// the library calls (their dispatch and size branches) were ~12 % of
// Canonicalize's instructions for runs that fit one or two registers.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#define KPI_SHORT_BYTES_SIMD 1
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#undef KPI_SHORT_BYTES_SIMD
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#undef KPI_SHORT_BYTES_SIMD
#endif
#endif

namespace kpi {

constexpr size_t kMaxShortBytes = 64;  // longer runs go to memcmp and memcpy
constexpr size_t kCopyShortSlack = 16;

namespace short_bytes_internal {

constexpr uintptr_t kPageSize = 4096;

// Whether reading [p, p + n rounded up to 16) touches only the page that
// holds the run's last byte (or the run's own pages); n > 0.
inline bool CanReadWhole16s(const char* p, size_t n) {
  const auto last = reinterpret_cast<uintptr_t>(p) + n - 1;
  const auto last_read = reinterpret_cast<uintptr_t>(p) + ((n + 15) & ~size_t{15}) - 1;
  return (last & ~(kPageSize - 1)) == (last_read & ~(kPageSize - 1));
}

}  // namespace short_bytes_internal

// The reads past a run are deliberate (see the contract); GCC warns of them
// where it sees the run's object, e.g. a string literal.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"

inline bool EqualShort(const char* a, const char* b, size_t n) {
#ifdef KPI_SHORT_BYTES_SIMD
  using short_bytes_internal::CanReadWhole16s;
  if (n - 1 < kMaxShortBytes && CanReadWhole16s(a, n) && CanReadWhole16s(b, n)) {
    for (size_t i = 0; i < n; i += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
      const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
      const auto equal = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)));
      const uint32_t wanted = n - i >= 16 ? 0xffff : (uint32_t{1} << (n - i)) - 1;
      if ((equal & wanted) != wanted) return false;
    }
    return true;
  }
#endif
  return std::memcmp(a, b, n) == 0;
}

inline char* CopyShort(char* out, const char* from, size_t n) {
#ifdef KPI_SHORT_BYTES_SIMD
  if (n - 1 < kMaxShortBytes && short_bytes_internal::CanReadWhole16s(from, n)) {
    for (size_t i = 0; i < n; i += 16) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i)));
    }
    return out + n;
  }
#endif
  std::memcpy(out, from, n);
  return out + n;
}

#pragma GCC diagnostic pop

}  // namespace kpi
