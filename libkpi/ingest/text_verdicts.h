// TextVerdicts: the canonicaliser's memory of texts it has already checked.
// Internal to schema.cc.
//
// Contract: Find(charset, text) gives back exactly the `bits` that were
// Remembered for the same charset and the same bytes, or nothing; a slot
// holds one text (the last one remembered there) and its bytes are compared
// in full, so a found verdict is the verdict of that very text. Only texts
// that passed the personal-data scan are remembered (the caller's rule), so
// a hit means "no personal-data shape" as well. Texts longer than
// kMaxLength, and the empty text, are never remembered.
// Why: a forwarder's batch repeats the dialog's few dozen event names (and
// user-agent members) in every record; scanning each again for personal
// data and charset was a third of the canonicaliser's time, a lookup is a
// hash of two words and one compare.
//
// Thread-safety: none; schema.cc keeps one per thread. Zero-initialised
// (no constructor), so a thread_local one needs no guard.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "libkpi/util/short_bytes.h"

namespace kpi::schema_internal {

class TextVerdicts {
 public:
  static constexpr size_t kMaxLength = 60;

  bool Find(uint8_t charset, std::string_view text, uint8_t* bits) const {
    if (text.empty() || text.size() > kMaxLength) return false;
    const Slot& slot = slots_[SlotOf(charset, text)];
    if (slot.length != text.size() + 1 || slot.charset != charset ||
        !EqualShort(slot.text, text.data(), text.size())) {
      return false;
    }
    *bits = slot.bits;
    return true;
  }

  void Remember(uint8_t charset, std::string_view text, uint8_t bits) {
    if (text.empty() || text.size() > kMaxLength) return;
    Slot& slot = slots_[SlotOf(charset, text)];
    slot.length = static_cast<uint8_t>(text.size() + 1);
    slot.charset = charset;
    slot.bits = bits;
    std::memcpy(slot.text, text.data(), text.size());
  }

 private:
  static constexpr int kSlotBits = 8;

  struct Slot {
    uint8_t length;  // the text's length + 1; 0: empty
    uint8_t charset;
    uint8_t bits;
    char text[kMaxLength + 1];
  };

  // From the length, the charset and the first and last (up to) 8 bytes;
  // `text` is not empty.
  static size_t SlotOf(uint8_t charset, std::string_view text) {
    const size_t n = text.size();
    uint64_t head = 0, tail = 0;
    std::memcpy(&head, text.data(), n < 8 ? n : 8);
    if (n > 8) std::memcpy(&tail, text.data() + n - 8, 8);
    uint64_t h = (n << 8 | charset) * 0x9E3779B97F4A7C15u;
    h ^= head * 0xC2B2AE3D27D4EB4Fu;
    h ^= (tail ^ (tail >> 29)) * 0x165667B19E3779F9u;
    h *= 0x9E3779B97F4A7C15u;
    return static_cast<size_t>(h >> (64 - kSlotBits));
  }

  Slot slots_[size_t{1} << kSlotBits];
};

}  // namespace kpi::schema_internal
