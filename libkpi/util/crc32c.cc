#include "libkpi/util/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace kpi::crc32c {
namespace {

constexpr uint32_t kPolyReflected = 0x82F63B78u;

using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

uint32_t ExtendPortable(uint32_t crc, const unsigned char* p, size_t n) {
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    word ^= crc;
    crc = kTables[7][word & 0xFF] ^ kTables[6][(word >> 8) & 0xFF] ^
          kTables[5][(word >> 16) & 0xFF] ^ kTables[4][(word >> 24) & 0xFF] ^
          kTables[3][(word >> 32) & 0xFF] ^ kTables[2][(word >> 40) & 0xFF] ^
          kTables[1][(word >> 48) & 0xFF] ^ kTables[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = kTables[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// Three streams at once: the crc32 instruction takes 3 cycles but accepts
// one a cycle, so one dependent chain used a third of it (crc32c was 8-9% of
// an export's samples, perf). Rounds of 3 x stride bytes are joined with
// update(s, A||B) = Shift(update(s, A)) ^ update(0, B), Shift being the
// linear map of `stride` zero bytes, as four byte-indexed tables. Long
// buffers (segment blocks) take 4 KiB strides; a WAL frame (~1 KB of record)
// takes 256-byte ones (crc32c was 5.7 % of kpid's samples under batch100).
constexpr size_t kLongStride = 4096;
constexpr size_t kShortStride = 256;
using ShiftTables = std::array<std::array<uint32_t, 256>, 4>;

ShiftTables MakeShiftTables(size_t stride) {
  uint32_t basis[32];
  for (int b = 0; b < 32; ++b) {
    uint32_t c = 1u << b;
    for (size_t i = 0; i < stride; ++i) c = kTables[0][c & 0xFF] ^ (c >> 8);
    basis[b] = c;
  }
  ShiftTables t{};
  for (int k = 0; k < 4; ++k) {
    for (uint32_t v = 0; v < 256; ++v) {
      for (int bit = 0; bit < 8; ++bit) {
        if ((v >> bit) & 1) t[k][v] ^= basis[k * 8 + bit];
      }
    }
  }
  return t;
}

uint32_t Shift(const ShiftTables& t, uint32_t c) {
  return t[0][c & 0xFF] ^ t[1][(c >> 8) & 0xFF] ^ t[2][(c >> 16) & 0xFF] ^ t[3][c >> 24];
}

// Rounds of 3 x kStride bytes from *p while they last.
template <size_t kStride>
__attribute__((target("sse4.2"))) uint64_t ThreeStreams(uint64_t c, const ShiftTables& shift,
                                                         const unsigned char** p, size_t* n) {
  for (; *n >= 3 * kStride; *p += 3 * kStride, *n -= 3 * kStride) {
    const unsigned char* q = *p;
    uint64_t c1 = 0, c2 = 0;
    for (size_t i = 0; i < kStride; i += 8) {
      uint64_t w0, w1, w2;
      std::memcpy(&w0, q + i, 8);
      std::memcpy(&w1, q + kStride + i, 8);
      std::memcpy(&w2, q + 2 * kStride + i, 8);
      c = _mm_crc32_u64(c, w0);
      c1 = _mm_crc32_u64(c1, w1);
      c2 = _mm_crc32_u64(c2, w2);
    }
    const uint32_t joined = Shift(shift, static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(c1);
    c = Shift(shift, joined) ^ static_cast<uint32_t>(c2);
  }
  return c;
}

__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const unsigned char* p,
                                                        size_t n) {
  static const ShiftTables kLongShift = MakeShiftTables(kLongStride);
  static const ShiftTables kShortShift = MakeShiftTables(kShortStride);
  uint64_t c = crc;
  c = ThreeStreams<kLongStride>(c, kLongShift, &p, &n);
  c = ThreeStreams<kShortStride>(c, kShortShift, &p, &n);
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

bool HasSse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

}  // namespace

uint32_t Extend(uint32_t init, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint32_t crc = ~init;
#if defined(__x86_64__)
  if (HasSse42()) return ~ExtendSse42(crc, p, n);
#endif
  return ~ExtendPortable(crc, p, n);
}

}  // namespace kpi::crc32c
