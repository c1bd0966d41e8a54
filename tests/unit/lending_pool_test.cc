// LendingPool: a fixed number of objects, each lent to one thread at a time;
// a borrower waits while all are lent, and objects keep their state.
#include "libkpi/ingest/lending_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace kpi {
namespace {

TEST_CASE("a pool lends each of its objects once at a time, and they keep their state") {
  LendingPool<std::string> pool(2);
  REQUIRE(pool.size() == 2);
  std::set<std::string*> lent;
  {
    auto a = pool.Borrow();
    auto b = pool.Borrow();
    REQUIRE(a.get() != b.get());
    *a = "kept";
    lent = {a.get(), b.get()};
  }
  auto again = pool.Borrow();
  REQUIRE(lent.count(again.get()) == 1);
  auto other = pool.Borrow();
  REQUIRE((*again == "kept" || *other == "kept"));
}

TEST_CASE("a pool of size 0 holds one object") {
  LendingPool<int> pool(0);
  REQUIRE(pool.size() == 1);
  auto lease = pool.Borrow();
  REQUIRE(lease.get() != nullptr);
}

TEST_CASE("a borrower waits while every object is lent, and gets the one given back") {
  LendingPool<int> pool(1);
  std::atomic<bool> got{false};
  int* first = nullptr;
  int* second = nullptr;
  std::thread waiter;
  {
    auto lease = pool.Borrow();
    first = lease.get();
    waiter = std::thread([&] {
      auto mine = pool.Borrow();
      second = mine.get();
      got = true;
    });
    // Not a timing threshold: however slow the machine, the waiter cannot
    // have its object while this lease lasts.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE_FALSE(got.load());
  }
  waiter.join();
  REQUIRE(got.load());
  REQUIRE(second == first);
}

TEST_CASE("many threads share a small pool without two holding one object") {
  LendingPool<std::atomic<int>> pool(2);
  std::atomic<bool> overlap{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto lease = pool.Borrow();
        if (lease->fetch_add(1) != 0) overlap = true;
        lease->fetch_sub(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  REQUIRE_FALSE(overlap.load());
}

}  // namespace
}  // namespace kpi
