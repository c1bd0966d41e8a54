#include "kpictl/progress_line.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "libkpi/env/output_sink.h"

namespace kpi {

ProgressLine::ProgressLine(bool enabled, uint64_t total_input_bytes)
    : enabled_(enabled),
      total_(total_input_bytes),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

bool ProgressLine::ShouldShow(int mode) {
  if (mode >= 0) return mode == 1;
  return ::isatty(STDERR_FILENO) == 1;
}

void ProgressLine::Done(uint64_t records, uint64_t input_bytes, uint64_t output_bytes) {
  if (enabled_) MaybePrint(records, input_bytes, output_bytes, true);
}

void ProgressLine::MaybePrint(uint64_t records, uint64_t input_bytes, uint64_t output_bytes,
                              bool last) {
  using namespace std::chrono;
  const auto now = steady_clock::now();
  if (!last && now - last_print_ < milliseconds(500)) return;
  last_print_ = now;
  const double seconds = std::max(1e-3, duration<double>(now - start_).count());
  const double mb = static_cast<double>(output_bytes) / 1e6;
  char line[160];
  int n = std::snprintf(line, sizeof line, "\rkpictl: %llu records, %.1f MB, %.1f MB/s",
                        static_cast<unsigned long long>(records), mb, mb / seconds);
  if (total_ > 0 && !last && input_bytes > 0 && input_bytes <= total_) {
    const double fraction = static_cast<double>(input_bytes) / static_cast<double>(total_);
    const auto eta = static_cast<long long>(seconds / fraction * (1 - fraction));
    n += std::snprintf(line + n, sizeof line - n, ", %.0f%%, ETA %lld:%02lld:%02lld",
                       fraction * 100, eta / 3600, eta / 60 % 60, eta % 60);
  }
  std::snprintf(line + n, sizeof line - n, last ? "          \n" : "          ");
  Status ignored = WriteAll(STDERR_FILENO, line, "standard error");
  (void)ignored;
}

}  // namespace kpi
