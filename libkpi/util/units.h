// Parsing of the sizes and durations that kpid and kpictl options take.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libkpi/util/status.h"

namespace kpi {

// "64K", "64KiB", "50G", "1.5M", "1048576": binary multiples (K = 1024).
// InvalidArgument names `what` (the option) and the text.
Status ParseSize(std::string_view text, std::string_view what, uint64_t* bytes);

// "250ms", "30s", "5m", "3h", "7d", "2w", plain digits = seconds; "0" = zero.
Status ParseDuration(std::string_view text, std::string_view what, int64_t* ms);

// "1.5 GiB", "512 B": for listings and logs.
std::string FormatSize(uint64_t bytes);

}  // namespace kpi
