// ProgressLine: a one-line progress report on stderr for long kpictl runs
// ("1234567 records, 812.3 MB, 950.1 MB/s, 45%, ETA 0:00:12"), rewritten in
// place with '\r' at most twice a second, and ended with a newline by Done.
//
// Contract: Update is cheap enough to call per record (it looks at the clock
// once per 1024 calls); a disabled ProgressLine does nothing at all.
//
// Thread-safety: one thread.
#pragma once

#include <chrono>
#include <cstdint>

namespace kpi {

class ProgressLine {
 public:
  // `total_input_bytes` (0 if unknown) is what `input_bytes` counts towards.
  ProgressLine(bool enabled, uint64_t total_input_bytes);

  void Update(uint64_t records, uint64_t input_bytes, uint64_t output_bytes) {
    if (enabled_ && (++calls_ & 1023) == 0) MaybePrint(records, input_bytes, output_bytes, false);
  }
  // Prints the final numbers and a newline.
  void Done(uint64_t records, uint64_t input_bytes, uint64_t output_bytes);

  // Whether progress belongs on stderr: --progress, else only on a terminal.
  static bool ShouldShow(int mode /* -1 auto, 0 off, 1 on */);

 private:
  void MaybePrint(uint64_t records, uint64_t input_bytes, uint64_t output_bytes, bool last);

  bool enabled_;
  uint64_t total_;
  uint64_t calls_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace kpi
