#include "libkpi/ingest/personal_data.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace kpi {
namespace {

enum CharClass : uint32_t {
  kAt = 1, kColon = 2, kDot = 4, kSlash = 8, kDigit = 16, kSpace = 32, kComma = 64, kW = 128,
};

constexpr std::array<uint8_t, 256> MakeCharClasses() {
  std::array<uint8_t, 256> table{};
  table['@'] = kAt;
  table[':'] = kColon;
  table['.'] = kDot;
  table['/'] = kSlash;
  for (int c = '0'; c <= '9'; ++c) table[c] = kDigit;
  table[' '] = kSpace;
  table[','] = kComma;
  table['w'] = table['W'] = kW;
  return table;
}
constexpr std::array<uint8_t, 256> kCharClass = MakeCharClasses();

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// `name@host`: an '@' with a non-blank character on each side.
bool LooksLikeEmail(std::string_view t) {
  for (size_t i = 1; i + 1 < t.size(); ++i) {
    if (t[i] == '@' && !IsSpace(t[i - 1]) && !IsSpace(t[i + 1])) return true;
  }
  return false;
}

// "://" anywhere or a leading "//" (scheme-relative); "www." is found by
// ScanWords.
bool HasUrlPrefix(std::string_view t) {
  if (t.find("://") != std::string_view::npos) return true;
  return t.size() >= 2 && t[0] == '/' && t[1] == '/';
}

// Reads 1-3 digits worth at most 255 at *i.
bool ReadOctet(std::string_view t, size_t* i) {
  int value = 0;
  size_t digits = 0;
  while (*i < t.size() && IsDigit(t[*i]) && digits < 4) {
    value = value * 10 + (t[*i] - '0');
    ++*i;
    ++digits;
  }
  return digits >= 1 && digits <= 3 && value <= 255;
}

// The length of a dotted quad a.b.c.d at `start`, or 0.
size_t DottedQuadLength(std::string_view t, size_t start) {
  size_t i = start;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= t.size() || t[i] != '.') return 0;
      ++i;
    }
    if (!ReadOctet(t, &i)) return 0;
  }
  return i - start;
}

bool LooksLikeIpv4(std::string_view t) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (IsDigit(t[i]) && (i == 0 || !IsDigit(t[i - 1]))) {
      const size_t length = DottedQuadLength(t, i);
      if (length > 0 && (i + length == t.size() || !IsDigit(t[i + length]))) return true;
    }
  }
  return false;
}

// Groups of 1-4 hex digits separated by ':', at most one "::"; counts them.
bool ReadHexGroups(std::string_view run, size_t* groups, bool* compressed) {
  size_t i = 0;
  if (run.size() >= 2 && run[0] == ':' && run[1] == ':') {
    *compressed = true;
    i = 2;
  }
  while (i < run.size()) {
    const size_t start = i;
    while (i < run.size() && IsHex(run[i])) ++i;
    if (i == start || i - start > 4) return false;
    ++*groups;
    if (i == run.size()) break;
    if (run[i++] != ':') return false;
    if (i < run.size() && run[i] == ':') {
      if (*compressed) return false;
      *compressed = true;
      ++i;
    } else if (i == run.size()) {
      return false;  // one trailing ':'
    }
  }
  return true;
}

// `run` holds only alphanumerics, ':' and '.': is it an IPv6 address (8
// groups, or fewer around one "::"; the last two may be a dotted quad)?
bool IsIpv6(std::string_view run) {
  while (!run.empty() && run.back() == '.') run.remove_suffix(1);
  const size_t last_colon = run.rfind(':');
  if (last_colon == std::string_view::npos) return false;
  size_t groups = 0;
  const std::string_view tail = run.substr(last_colon + 1);
  if (tail.find('.') != std::string_view::npos) {
    if (DottedQuadLength(tail, 0) != tail.size()) return false;
    groups = 2;
    const bool double_colon = last_colon > 0 && run[last_colon - 1] == ':';
    run = run.substr(0, double_colon ? last_colon + 1 : last_colon);
  }
  bool compressed = false;
  if (!ReadHexGroups(run, &groups, &compressed)) return false;
  return compressed ? groups <= 7 : groups == 8;
}

bool LooksLikeIpv6(std::string_view t) {
  size_t i = 0;
  while (i < t.size()) {
    while (i < t.size() && !(IsAlnum(t[i]) || t[i] == ':')) ++i;
    const size_t start = i;
    size_t colons = 0;
    while (i < t.size() && (IsAlnum(t[i]) || t[i] == ':' || t[i] == '.')) colons += t[i++] == ':';
    if (colons >= 2 && IsIpv6(t.substr(start, i - start))) return true;
  }
  return false;
}

// `t` at `i` starts with `lower` (lower case), ignoring case.
bool StartsAtNoCase(std::string_view t, size_t i, std::string_view lower) {
  if (t.size() - i < lower.size()) return false;
  for (size_t k = 0; k < lower.size(); ++k) {
    if (Lower(t[i + k]) != lower[k]) return false;
  }
  return true;
}

struct WordShapes {
  bool url = false;         // "www." starting a word
  bool user_agent = false;  // a product token or a User-Agent marker
};

// One pass for what starts at a character: "www." at a word start, a
// product token with a version ("Mozilla/5.0", "chrome/21.0": a letter,
// '/', a digit) and the markers only User-Agent strings carry. The first
// letter picks the one marker to compare, so a pass costs little more than
// reading the text.
WordShapes ScanWords(std::string_view t) {
  WordShapes found;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = Lower(t[i]);
    switch (c) {
      case '/':
        found.user_agent |= i > 0 && i + 1 < t.size() && IsAlpha(t[i - 1]) && IsDigit(t[i + 1]);
        break;
      case 'w':
        found.url |= (i == 0 || !IsAlnum(t[i - 1])) && StartsAtNoCase(t, i, "www.");
        break;
      case 'm':
        found.user_agent |= StartsAtNoCase(t, i, "mozilla/");
        break;
      case 'a':
        found.user_agent |= StartsAtNoCase(t, i, "applewebkit/");
        break;
      case 'g':
        found.user_agent |= StartsAtNoCase(t, i, "gecko/");
        break;
      case 'k':
        found.user_agent |= StartsAtNoCase(t, i, "khtml,");
        break;
      case 'l':
        found.user_agent |= StartsAtNoCase(t, i, "like gecko");
        break;
      case 't':
        found.user_agent |= StartsAtNoCase(t, i, "trident/");
        break;
      default:
        break;
    }
  }
  return found;
}

}  // namespace

const char* FindPersonalDataShape(std::string_view text) {
  // Which of the characters the shapes need occur: one table load per byte.
  uint32_t seen = 0;
  for (char c : text) seen |= kCharClass[static_cast<unsigned char>(c)];
  if ((seen & kAt) && LooksLikeEmail(text)) return "looks like an email address";
  // "www." needs a '.' and a 'w'; the User-Agent shapes a '/', a ',' or a ' '.
  const bool words = (seen & (kSlash | kComma | kSpace)) || (seen & (kDot | kW)) == (kDot | kW);
  const WordShapes shapes = words ? ScanWords(text) : WordShapes{};
  if (shapes.url || ((seen & kSlash) && HasUrlPrefix(text))) return "looks like a URL";
  if ((seen & (kDot | kDigit)) == (kDot | kDigit) && LooksLikeIpv4(text)) {
    return "looks like an IP address";
  }
  if ((seen & kColon) && LooksLikeIpv6(text)) return "looks like an IP address";
  if (shapes.user_agent) return "looks like a User-Agent string";
  return nullptr;
}

}  // namespace kpi
