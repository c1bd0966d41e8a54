// format-spec/wal.md §3.1; see record_order.h.
#include "libkpi/format/record_order.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "libkpi/util/coding.h"
#include "libkpi/util/hex.h"

namespace kpi {

namespace {

// HMAC-SHA256 under one key for many short messages. The key is set once and
// each message restarts from the keyed state (EVP_MAC_init without a key):
// OpenSSL 3's one-shot HMAC() fetched SHA-256 and set the key up again for
// every message (~3 µs and a dozen allocations each), so the ~10,000 HMACs
// of a WAL's tables took 30-50 ms on the commit leader, holding every request
// queued behind it; now ~3 ms.
class KeyedHmac {
 public:
  KeyedHmac(const unsigned char* key, size_t key_size)
      : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)),
        ctx_(mac_ != nullptr ? EVP_MAC_CTX_new(mac_) : nullptr) {
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    if (ctx_ == nullptr || EVP_MAC_init(ctx_, key, key_size, params) != 1) {
      Free();
      throw std::runtime_error("OpenSSL HMAC-SHA256 setup failed");  // out of memory only
    }
  }
  ~KeyedHmac() { Free(); }
  KeyedHmac(const KeyedHmac&) = delete;
  KeyedHmac& operator=(const KeyedHmac&) = delete;

  // The first 4 bytes of HMAC(key, message), little-endian.
  uint32_t First32(const unsigned char* message, size_t size) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    size_t length = 0;
    if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 || EVP_MAC_update(ctx_, message, size) != 1 ||
        EVP_MAC_final(ctx_, digest, &length, sizeof digest) != 1 || length < 4) {
      throw std::runtime_error("OpenSSL HMAC-SHA256 failed");  // out of memory only
    }
    return DecodeFixed32(reinterpret_cast<const char*>(digest));
  }

 private:
  void Free() {
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
    ctx_ = nullptr;
    mac_ = nullptr;
  }

  EVP_MAC* mac_;
  EVP_MAC_CTX* ctx_;
};

}  // namespace

RecordOrder::RecordOrder(int bits, const Key& key)
    : bits_(bits), key_(key), half_mask_((uint32_t{1} << (bits / 2)) - 1) {
  const uint32_t half_values = half_mask_ + 1;
  rounds_.resize(static_cast<size_t>(kRounds) * half_values);
  KeyedHmac hmac(key_.data(), key_.size());
  unsigned char message[5];
  for (int r = 0; r < kRounds; ++r) {
    for (uint32_t x = 0; x < half_values; ++x) {
      message[0] = static_cast<unsigned char>(r);
      EncodeFixed32(reinterpret_cast<char*>(message + 1), x);
      rounds_[static_cast<size_t>(r) * half_values + x] =
          static_cast<uint16_t>(hmac.First32(message, sizeof message) & half_mask_);
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
