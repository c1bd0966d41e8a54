// LogHistogram: weighted percentiles of non-negative millisecond values in
// fixed memory (513 doubles, 4 KiB), whatever the number of values.
//
// Buckets: [0, 1) ms is bucket 0; above, each power of two is cut into 16
// buckets of equal ratio 2^(1/16) (4.4 % wide), up to 2^32 ms (49.7 days);
// larger values count in the last bucket. A percentile is the geometric
// middle of the bucket where the cumulative weight first reaches q × total,
// rounded to whole ms, so it is within 2.2 % (2^(1/32) − 1) plus 0.5 ms of
// the exact weighted percentile (the smallest value whose cumulative weight
// reaches q × total); values under 1 ms read as 0.
//
// Thread-safety: a value; not thread-safe.
#pragma once

#include <array>
#include <cstdint>

namespace kpi {

class LogHistogram {
 public:
  static constexpr int kStepsPerDoubling = 16;
  static constexpr int kDoublings = 32;
  static constexpr int kBuckets = 1 + kStepsPerDoubling * kDoublings;
  // The documented bound on the relative error of Percentile.
  static constexpr double kRelativeError = 0.022;

  void Add(double value_ms, double weight);
  // Add with the bucket already found (BucketOf): a value added to several
  // histograms costs one logarithm.
  void AddToBucket(int bucket, double weight);
  void Merge(const LogHistogram& other);
  void Clear();

  double total_weight() const { return total_; }
  // The q-th weighted percentile (0 < q <= 1) in whole ms; 0 when empty.
  int64_t Percentile(double q) const;

  static int BucketOf(double value_ms);
  static double BucketMiddle(int bucket);

 private:
  std::array<double, kBuckets> weights_{};
  double total_ = 0;
};

}  // namespace kpi
