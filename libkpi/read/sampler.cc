#include "libkpi/read/sampler.h"

#include <algorithm>

#include "libkpi/util/random.h"

namespace kpi {
namespace {

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

SampleRng::SampleRng(uint64_t seed) {
  for (uint64_t& s : s_) s = SplitMix64(&seed);
}

uint64_t SampleRng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t SampleRng::Below(uint64_t bound) {
  // Lemire, "Fast Random Integer Generation in an Interval" (2019): unbiased.
  __uint128_t m = static_cast<__uint128_t>(Next()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = static_cast<__uint128_t>(Next()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double SampleRng::Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

ReservoirSampler::ReservoirSampler(uint64_t capacity, uint64_t seed)
    : capacity_(capacity), rng_(seed) {}

void ReservoirSampler::Offer(std::string_view item) {
  const uint64_t index = seen_++;
  if (slots_.size() < capacity_) {
    slots_.push_back(Slot{index, std::string(item)});
    return;
  }
  const uint64_t j = rng_.Below(index + 1);
  if (j < capacity_) {
    slots_[j].index = index;
    slots_[j].item.assign(item);
  }
}

std::vector<std::string> ReservoirSampler::TakeInStreamOrder() {
  std::sort(slots_.begin(), slots_.end(),
            [](const Slot& a, const Slot& b) { return a.index < b.index; });
  std::vector<std::string> items;
  items.reserve(slots_.size());
  for (Slot& s : slots_) items.push_back(std::move(s.item));
  slots_.clear();
  return items;
}

}  // namespace kpi
