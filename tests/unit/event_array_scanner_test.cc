// ScanEventArrays against a plain recursive reading of the same grammar:
// for arrays of every length and alignment, and for random strings of the
// bytes that matter, both must agree on acceptance and on where the array
// ends, and the copy must be the text with its quotes doubled.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "libkpi/util/event_array_scanner.h"

namespace {

// The grammar of event_array_scanner.h, one byte at a time: the end of the
// array starting at text[0], or npos.
class Reference {
 public:
  explicit Reference(const std::string& text) : t_(text) {}

  size_t End() {
    if (!Take('[')) return std::string::npos;
    do {
      if (!InnerArray()) return std::string::npos;
    } while (Take(','));
    return Take(']') ? i_ : std::string::npos;
  }

 private:
  bool Take(char c) {
    if (i_ < t_.size() && t_[i_] == c) return ++i_, true;
    return false;
  }
  bool InnerArray() {
    if (!Take('[') || !Take('"')) return false;
    while (i_ < t_.size() && t_[i_] != '"') {
      const unsigned char c = static_cast<unsigned char>(t_[i_++]);
      if (c < 0x20 || c >= 0x80 || c == '\\') return false;
    }
    if (!Take('"')) return false;
    while (Take(',')) {
      const size_t first = i_;
      while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
      if (i_ == first || (t_[first] == '0' && i_ - first > 1)) return false;
    }
    return Take(']');
  }

  const std::string& t_;
  size_t i_ = 0;
};

std::string Doubled(const std::string& text) {
  std::string out;
  for (char c : text) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  return out;
}

// Runs the scanner on `text` (copied into a buffer of exactly its size, so
// that a read past its end is a sanitizer error) and checks it against the
// reference.
void Check(const std::string& text) {
  INFO("text: " << text);
  const size_t want = Reference(text).End();
  std::vector<char> in(text.begin(), text.end());
  std::vector<char> out(2 * text.size() + 80);
  char* o = out.data();
  const char* end = kpi::ScanEventArrays(in.data(), in.data() + in.size(), &o);
  const char* end_unwritten = kpi::ScanEventArrays(in.data(), in.data() + in.size(), nullptr);
  CHECK(end == end_unwritten);
  if (!kpi::ScansEventArraysInBlocks()) {
    CHECK(end == nullptr);
    return;
  }
  if (want == std::string::npos) {
    CHECK(end == nullptr);
    return;
  }
  REQUIRE(end != nullptr);
  CHECK(static_cast<size_t>(end - in.data()) == want);
  CHECK(std::string(out.data(), o) == Doubled(text.substr(0, want)));
}

}  // namespace

TEST_CASE("event arrays of every length and alignment are read to their end") {
  // The CPU the tests run on scans in blocks (CI's and the benchmarks').
  CHECK(kpi::ScansEventArraysInBlocks());
  std::string array = "[";
  for (int n = 0; n < 60; ++n) {
    if (n > 0) array += ',';
    array += "[\"" + std::string(n % 23, static_cast<char>('a' + n % 26)) + "\"";
    for (int k = 0; k < n % 4; ++k) array += "," + std::to_string(n * 997 % (1 + 10 * k * n));
    array += "]";
    for (const char* after : {"", ",", "]]", ",\"x\":[[\"y\",1]]}"}) {
      Check(array + "]" + after);
      Check(array + after);  // not closed: refused
    }
  }
}

TEST_CASE("event arrays the grammar does not allow are refused") {
  for (const std::string text : {
           R"([])", R"([[]])", R"([["a"])", R"([["a",01]])", R"([["a",-1]])", R"([["a",1.5]])",
           R"([["a",1e5]])", R"([["a\"b",1]])", R"([["a\\",1]])", R"([["é",1]])", R"([["a",1],5])",
           R"([["a",1],])", R"([["a",1][)", R"([["a" ,1]])", R"([[1,"a"]])", R"([["a","b"]])",
           R"([["a",1,]])", R"([["a",[1]]])", R"([["a",1]],[["b"]])", R"([[["a"]]])", R"([["a"],[]])",
           R"([["a",],["b"]])", R"([,["a"]])", R"( [["a"]])", R"([["a"]] )", R"([["a",true]])",
           R"([["a",null]])", R"([{"a":1}])", R"([["a",0],["b",00]])", "[[\"a\tb\",1]]",
           "[[\"a\x01\",1]]", "[[\"a\",1]\n]", R"([["a",1]],)", R"([["a",0]])", R"([["",0,10,100]])",
           R"([["]]",1],["[,",2]])", R"([["a",1],["b",2]]]])",
       }) {
    Check(text);
  }
}

TEST_CASE("random byte strings: the scanner agrees with the reference") {
  std::mt19937 random(16);
  const std::vector<std::string> pieces = {"[", "]", ",", "\"", "a", "0", "7", "19", "\\",
                                           "-", " ", "\xc3\xa9", "[\"", "\"]", ",[\"", "]]"};
  for (int round = 0; round < 20000; ++round) {
    std::string text = "[[\"";
    const int n = static_cast<int>(random() % 60);
    for (int i = 0; i < n; ++i) text += pieces[random() % pieces.size()];
    if (random() % 2) text += "\"]]";
    Check(text);
  }
  // Valid arrays with one byte changed, past the first blocks.
  std::string array = "[";
  for (int n = 0; n < 12; ++n) array += std::string(n ? "," : "") + "[\"event." + std::to_string(n) + "\",1" + std::to_string(n) + "]";
  array += "]";
  for (size_t at = 0; at < array.size(); ++at) {
    for (char c : {'"', '\\', ',', '[', ']', '0', 'x', ' ', '\x01', '\xff'}) {
      std::string changed = array;
      changed[at] = c;
      Check(changed);
    }
  }
}
