// Uniform sampling of a record stream, reproducible for a seed.
//
//   ReservoirSampler  keeps a uniform sample of exactly min(N, seen) items in
//                     one pass with memory bounded by N items (Vitter's
//                     Algorithm R: item i >= N replaces a random slot with
//                     probability N / (i + 1)).
//   BernoulliSampler  keeps each item independently with probability P.
//
// Both draw from SampleRng (xoshiro256** seeded through splitmix64, bounded
// draws by Lemire's method), not from std:: distributions, whose output
// differs between standard libraries: the same seed and the same stream give
// the same sample on every platform.
//
// Thread-safety: one thread per sampler.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kpi {

class SampleRng {
 public:
  explicit SampleRng(uint64_t seed);
  uint64_t Next();
  uint64_t Below(uint64_t bound);  // uniform in [0, bound), bound > 0
  double Unit();                   // uniform in [0, 1)

 private:
  uint64_t s_[4];
};

class ReservoirSampler {
 public:
  ReservoirSampler(uint64_t capacity, uint64_t seed);
  // Offers the next item of the stream.
  void Offer(std::string_view item);
  // The sample in stream order (the order the items were offered).
  std::vector<std::string> TakeInStreamOrder();
  uint64_t seen() const { return seen_; }

 private:
  struct Slot {
    uint64_t index;
    std::string item;
  };
  uint64_t capacity_;
  SampleRng rng_;
  uint64_t seen_ = 0;
  std::vector<Slot> slots_;
};

class BernoulliSampler {
 public:
  BernoulliSampler(double fraction, uint64_t seed) : fraction_(fraction), rng_(seed) {}
  bool Keep() { return rng_.Unit() < fraction_; }

 private:
  double fraction_;
  SampleRng rng_;
};

}  // namespace kpi
