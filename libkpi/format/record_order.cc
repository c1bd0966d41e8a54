// format-spec/wal.md §3.1; see record_order.h.
#include "libkpi/format/record_order.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "libkpi/util/coding.h"
#include "libkpi/util/hex.h"

namespace kpi {

RecordOrder::RecordOrder(int bits, const Key& key)
    : bits_(bits), key_(key), half_mask_((uint32_t{1} << (bits / 2)) - 1) {
  const uint32_t half_values = half_mask_ + 1;
  rounds_.resize(static_cast<size_t>(kRounds) * half_values);
  unsigned char message[5];
  unsigned char digest[EVP_MAX_MD_SIZE];
  for (int r = 0; r < kRounds; ++r) {
    for (uint32_t x = 0; x < half_values; ++x) {
      message[0] = static_cast<unsigned char>(r);
      EncodeFixed32(reinterpret_cast<char*>(message + 1), x);
      unsigned int length = 0;
      if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), message,
               sizeof message, digest, &length) == nullptr) {
        throw std::runtime_error("OpenSSL HMAC-SHA256 failed");  // out of memory only
      }
      rounds_[static_cast<size_t>(r) * half_values + x] = static_cast<uint16_t>(
          DecodeFixed32(reinterpret_cast<const char*>(digest)) & half_mask_);
    }
  }
}

const RecordOrder& RecordOrder::FixedDefault() {
  static const RecordOrder* const fixed = new RecordOrder(Fixed());
  return *fixed;
}

RecordOrder RecordOrder::Random(int bits) {
  Key key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: no entropy for a WAL's order key");
  }
  return RecordOrder(bits, key);
}

uint64_t RecordOrder::Position(uint64_t i) const {
  const int half = bits_ / 2;
  const uint32_t half_values = half_mask_ + 1;
  uint32_t left = static_cast<uint32_t>(i >> half) & half_mask_;
  uint32_t right = static_cast<uint32_t>(i) & half_mask_;
  for (int r = 0; r < kRounds; ++r) {
    const uint32_t next_right = left ^ rounds_[static_cast<size_t>(r) * half_values + right];
    left = right;
    right = next_right;
  }
  return (uint64_t{left} << half) | right;
}

// The key as 32 hex digits, byte 0 first: two fixed-width hex u64s.
std::string RecordOrder::KeyHex(const Key& key) {
  std::string hex;
  for (size_t half = 0; half < 2; ++half) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v = (v << 8) | key[half * 8 + i];
    hex += Hex16(v);
  }
  return hex;
}

bool RecordOrder::ParseKeyHex(std::string_view hex, Key* key) {
  if (hex.size() != 2 * kHex16Length) return false;
  for (size_t half = 0; half < 2; ++half) {
    uint64_t v = 0;
    if (!ParseHex16(hex.substr(half * kHex16Length, kHex16Length), &v)) return false;
    for (size_t i = 0; i < 8; ++i) (*key)[half * 8 + i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  }
  return true;
}

}  // namespace kpi
