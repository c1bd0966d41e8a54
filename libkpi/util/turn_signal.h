// TurnSignal: one thread sleeps until another posts it a value, once.
//
// Why not a mutex and a condition variable: a commit-group leader posts to
// every follower of its group, and with a futex word that is one atomic
// exchange per follower, plus one FUTEX_WAKE only if the follower already
// sleeps; the follower takes no lock on waking.
//
// The waiter may destroy the object as soon as Wait returns (it lives on the
// waiter's stack): Post's exchange is its last access to the object, and the
// FUTEX_WAKE after it only names the address (the kernel reads nothing
// there; a stale wake is a spurious wake-up, which FUTEX_WAIT callers loop on).
//
// Thread-safety: one Wait and one Post per object, from any two threads.
#pragma once

#include <atomic>
#include <cstdint>

namespace kpi {

class TurnSignal {
 public:
  static constexpr uint32_t kNone = 0;

  // Blocks until Post; returns the value posted.
  uint32_t Wait();
  // Hands `value` (not kNone) to the waiter and wakes it if it sleeps.
  void Post(uint32_t value);

 private:
  static constexpr uint32_t kSleeping = ~uint32_t{0};
  std::atomic<uint32_t> word_{kNone};
};

}  // namespace kpi
