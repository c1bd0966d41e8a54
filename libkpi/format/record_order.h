// RecordOrder: the keyed permutation that gives the records of one WAL their
// seqs (format-spec/wal.md §3.1), so that neither a record's id nor its
// place in a sealed segment tells when it arrived.
//
// A WAL of file seq S and order bits k owns the 2^k seqs S+1 … S+2^k; its
// i-th record (i counted from 0 in arrival order) gets S + 1 + Position(i),
// where Position is a 10-round balanced Feistel network on k bits whose
// round function is HMAC-SHA256 under the WAL's 16-byte order key. The key
// is drawn at random when the WAL is created, kept only in the WAL's header
// and deleted with the WAL when it is sealed: from then on the ids of its
// records are a permutation nobody can undo. Position is a bijection on
// [0, 2^k), so ids stay unique; Capacity() records fill the WAL.
//
// Thread-safety: immutable after construction; const methods are safe from
// any number of threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kpi {

class RecordOrder {
 public:
  static constexpr int kDefaultBits = 20;  // 1,048,576 records per WAL
  static constexpr int kMinBits = 2;
  static constexpr int kMaxBits = 24;      // even values only
  static constexpr size_t kKeySize = 16;
  using Key = std::array<uint8_t, kKeySize>;

  // kDefaultBits with the all-zero key: deterministic, for tests, golden
  // vectors and tools that build stores. kpid uses Random().
  static RecordOrder Fixed(int bits = kDefaultBits) { return RecordOrder(bits, Key{}); }
  // Fixed() built once (its tables cost ~10,000 HMACs).
  static const RecordOrder& FixedDefault();
  // `bits` must satisfy ValidBits (checked by callers that decode it).
  RecordOrder(int bits, const Key& key);
  // A fresh key from OpenSSL's CSPRNG.
  static RecordOrder Random(int bits = kDefaultBits);

  static bool ValidBits(int bits) {
    return bits >= kMinBits && bits <= kMaxBits && bits % 2 == 0;
  }

  int bits() const { return bits_; }
  const Key& key() const { return key_; }
  uint64_t Capacity() const { return uint64_t{1} << bits_; }
  // The permuted position of arrival index i < Capacity().
  uint64_t Position(uint64_t i) const;

  static std::string KeyHex(const Key& key);
  static bool ParseKeyHex(std::string_view hex, Key* key);

 private:
  static constexpr int kRounds = 10;
  int bits_;
  Key key_;
  uint32_t half_mask_;
  // rounds_[r * 2^(k/2) + x]: round r's function at x, precomputed (at most
  // 10 × 4096 HMACs when the WAL is created; then a lookup per round).
  std::vector<uint16_t> rounds_;
};

}  // namespace kpi
