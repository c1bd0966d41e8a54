// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, well-mixed generator.
// kpi uses it to seed xoshiro (sampler.h) and to draw per-request sampling
// decisions; nothing here is for secrets (those come from the kernel).
#pragma once

#include <cstdint>

namespace kpi {

// Advances `state` and returns the next value.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace kpi
