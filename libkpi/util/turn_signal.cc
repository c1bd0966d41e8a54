#include "libkpi/util/turn_signal.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kpi {
namespace {

void FutexWait(std::atomic<uint32_t>* word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
}

void FutexWakeOne(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
          0);
}

}  // namespace

uint32_t TurnSignal::Wait() {
  uint32_t value = kNone;
  // Announce the sleep; if the value came first, there is no need to.
  if (!word_.compare_exchange_strong(value, kSleeping, std::memory_order_acquire)) return value;
  for (;;) {
    FutexWait(&word_, kSleeping);  // returns at once if the word changed
    value = word_.load(std::memory_order_acquire);
    if (value != kSleeping) return value;
  }
}

void TurnSignal::Post(uint32_t value) {
  if (word_.exchange(value, std::memory_order_acq_rel) == kSleeping) FutexWakeOne(&word_);
}

}  // namespace kpi
