// EqualShort and CopyShort: memcmp's and memcpy's results for every length
// around the register widths, a difference at every position, and runs that
// end right before an unmapped page (reads past them must not fault).
#include "libkpi/util/short_bytes.h"

#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

namespace {

// A readable page followed by an unmapped one: a run placed at the end of
// the first faults if anything reads past the page.
class PageEdge {
 public:
  PageEdge() {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* map = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(map != MAP_FAILED);
    base_ = static_cast<char*>(map);
    REQUIRE(mprotect(base_ + page_, page_, PROT_NONE) == 0);
    std::memset(base_, 'x', page_);
  }
  ~PageEdge() { munmap(base_, 2 * page_); }
  // Room for n bytes ending exactly at the unmapped page, filled from `text`.
  char* EndingAtEdge(const std::string& text) {
    char* run = base_ + page_ - text.size();
    std::memcpy(run, text.data(), text.size());
    return run;
  }

 private:
  size_t page_ = 0;
  char* base_ = nullptr;
};

std::string Pattern(size_t n, char seed) {
  std::string text(n, '\0');
  for (size_t i = 0; i < n; ++i) text[i] = static_cast<char>(seed + i * 7);
  return text;
}

}  // namespace

TEST_CASE("EqualShort agrees with memcmp for every length and differing byte") {
  for (size_t n = 0; n <= 80; ++n) {
    const std::string a = Pattern(n, 'a') + std::string(64, 'y');
    std::string b = Pattern(n, 'a') + std::string(64, 'z');  // differs only past the run
    INFO("length " << n);
    CHECK(kpi::EqualShort(a.data(), b.data(), n));
    for (size_t at = 0; at < n; ++at) {
      for (int flip : {1, 0x80, 0xff}) {
        b[at] = static_cast<char>(b[at] ^ flip);
        REQUIRE_FALSE(kpi::EqualShort(a.data(), b.data(), n));
        b[at] = static_cast<char>(b[at] ^ flip);
      }
    }
  }
}

TEST_CASE("CopyShort copies exactly the run and stores at most the slack past it") {
  for (size_t n = 0; n <= 80; ++n) {
    const std::string from = Pattern(n, 'c') + std::string(64, 'q');
    std::string out(n + kpi::kCopyShortSlack + 16, '#');
    char* end = kpi::CopyShort(out.data(), from.data(), n);
    INFO("length " << n);
    CHECK(end == out.data() + n);
    CHECK(out.compare(0, n, from, 0, n) == 0);
    for (size_t i = n + kpi::kCopyShortSlack; i < out.size(); ++i) REQUIRE(out[i] == '#');
  }
}

TEST_CASE("runs ending at an unmapped page are compared and copied without a fault") {
  PageEdge edge_a, edge_b;
  for (size_t n = 1; n <= 70; ++n) {
    const std::string text = Pattern(n, 'e');
    const char* a = edge_a.EndingAtEdge(text);
    const char* b = edge_b.EndingAtEdge(text);
    INFO("length " << n);
    CHECK(kpi::EqualShort(a, b, n));
    CHECK(kpi::EqualShort(a, text.data(), n));
    std::string changed = text;
    changed[n - 1] = static_cast<char>(changed[n - 1] + 1);
    CHECK_FALSE(kpi::EqualShort(a, edge_b.EndingAtEdge(changed), n));
    std::string out(n + kpi::kCopyShortSlack, '#');
    kpi::CopyShort(out.data(), a, n);
    CHECK(out.compare(0, n, text) == 0);
  }
}
