#include "libkpi/report/log_histogram.h"

#include <cmath>

namespace kpi {

int LogHistogram::BucketOf(double value_ms) {
  if (!(value_ms >= 1)) return 0;  // also NaN
  const double step = std::floor(std::log2(value_ms) * kStepsPerDoubling);
  if (step >= kBuckets - 1) return kBuckets - 1;
  return 1 + static_cast<int>(step);
}

double LogHistogram::BucketMiddle(int bucket) {
  if (bucket <= 0) return 0;
  return std::exp2((bucket - 1 + 0.5) / kStepsPerDoubling);
}

void LogHistogram::Add(double value_ms, double weight) { AddToBucket(BucketOf(value_ms), weight); }

void LogHistogram::AddToBucket(int bucket, double weight) {
  weights_[bucket] += weight;
  total_ += weight;
}

void LogHistogram::Merge(const LogHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) weights_[i] += other.weights_[i];
  total_ += other.total_;
}

void LogHistogram::Clear() {
  weights_.fill(0);
  total_ = 0;
}

int64_t LogHistogram::Percentile(double q) const {
  if (total_ <= 0) return 0;
  const double target = q * total_;
  double cumulative = 0;
  int bucket = 0;
  for (int i = 0; i < kBuckets; ++i) {
    if (weights_[i] <= 0) continue;
    bucket = i;  // the last non-empty one, should rounding keep cumulative < target
    cumulative += weights_[i];
    if (cumulative >= target) break;
  }
  return std::llround(BucketMiddle(bucket));
}

}  // namespace kpi
