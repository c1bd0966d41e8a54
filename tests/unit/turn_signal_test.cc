// TurnSignal: the value posted reaches the waiter whether it was posted
// before or during the wait, and the waiter may destroy the signal at once.
#include "libkpi/util/turn_signal.h"

#include <catch2/catch.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace kpi {
namespace {

TEST_CASE("a value posted before the wait is returned at once") {
  TurnSignal signal;
  signal.Post(7);
  REQUIRE(signal.Wait() == 7);
}

TEST_CASE("a sleeping waiter is woken with the value posted") {
  TurnSignal signal;
  std::thread poster([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    signal.Post(2);
  });
  REQUIRE(signal.Wait() == 2);
  poster.join();
}

// As in the committer: each signal lives on the waiter's stack and is gone
// as soon as Wait returns, while its poster may still be in Post.
TEST_CASE("signals destroyed right after their wait, many times over") {
  constexpr int kRounds = 20000;
  std::vector<std::unique_ptr<TurnSignal>> posted(kRounds);
  std::atomic<int> ready{0};
  std::thread poster([&] {
    for (int i = 0; i < kRounds; ++i) {
      while (ready.load(std::memory_order_acquire) <= i) std::this_thread::yield();
      posted[i]->Post(1 + i % 3);
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    posted[i] = std::make_unique<TurnSignal>();
    ready.store(i + 1, std::memory_order_release);
    REQUIRE(posted[i]->Wait() == static_cast<uint32_t>(1 + i % 3));
    posted[i].reset();
  }
  poster.join();
}

}  // namespace
}  // namespace kpi
