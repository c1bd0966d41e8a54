#include "libkpi/ingest/personal_data.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace kpi {
namespace {

// kAnchor: the bytes the email, URL and User-Agent shapes hinge on ('@',
// '/', ',', ' ', '.'); the scan looks around only these.
enum CharClass : uint32_t {
  kAt = 1, kColon = 2, kDot = 4, kSlash = 8, kDigit = 16, kSpace = 32, kComma = 64, kAnchor = 128,
};

constexpr std::array<uint8_t, 256> MakeCharClasses() {
  std::array<uint8_t, 256> table{};
  table['@'] = kAt | kAnchor;
  table[':'] = kColon;
  table['.'] = kDot | kAnchor;
  table['/'] = kSlash | kAnchor;
  for (int c = '0'; c <= '9'; ++c) table[c] = kDigit;
  table[' '] = kSpace | kAnchor;
  table[','] = kComma | kAnchor;
  return table;
}
constexpr std::array<uint8_t, 256> kCharClass = MakeCharClasses();

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

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

// `t` just before `end` is `lower` (lower case), ignoring case.
bool EndsAtNoCase(std::string_view t, size_t end, std::string_view lower) {
  return end >= lower.size() && StartsAtNoCase(t, end - lower.size(), lower);
}

struct Shapes {
  bool email = false;       // `name@host`: an '@' with a non-blank character on each side
  bool url = false;         // "://" anywhere, a leading "//", or "www." starting a word
  bool user_agent = false;  // a product token or a User-Agent marker
};

// The shapes that hinge on the anchor byte at `i`: "www." ends in '.', the
// product tokens ("Mozilla/5.0", "chrome/21.0": a letter, '/', a digit) and
// the markers only User-Agent strings carry ("mozilla/", "applewebkit/",
// "gecko/", "trident/", "khtml,", "like gecko") each hold a '/', ',' or ' '
// at a fixed place, so they are compared only where that byte is.
void ScanAnchor(std::string_view t, size_t i, Shapes* found) {
  const size_t n = t.size();
  switch (t[i]) {
    case '@':
      found->email |= i > 0 && i + 1 < n && !IsSpace(t[i - 1]) && !IsSpace(t[i + 1]);
      break;
    case '.':
      found->url |= EndsAtNoCase(t, i, "www") && (i == 3 || !IsAlnum(t[i - 4]));
      break;
    case '/': {
      found->url |= (i == 0 && n >= 2 && t[1] == '/') ||
                    (i > 0 && t[i - 1] == ':' && i + 1 < n && t[i + 1] == '/');
      if (i == 0) break;
      found->user_agent |= i + 1 < n && IsAlpha(t[i - 1]) && IsDigit(t[i + 1]);
      switch (Lower(t[i - 1])) {  // the markers' last letters
        case 'a':
          found->user_agent |= EndsAtNoCase(t, i, "mozilla");
          break;
        case 't':
          found->user_agent |= EndsAtNoCase(t, i, "applewebkit") || EndsAtNoCase(t, i, "trident");
          break;
        case 'o':
          found->user_agent |= EndsAtNoCase(t, i, "gecko");
          break;
        default:
          break;
      }
      break;
    }
    case ',':
      found->user_agent |= EndsAtNoCase(t, i, "khtml");
      break;
    case ' ':
      found->user_agent |= EndsAtNoCase(t, i, "like") && StartsAtNoCase(t, i + 1, "gecko");
      break;
    default:
      break;
  }
}

}  // namespace

const char* FindPersonalDataShape(std::string_view text) {
  // One pass: a table load per byte for the characters the shapes need, and
  // a look around each anchor byte; the IP shapes are parsed only when their
  // characters occur.
  uint32_t seen = 0;
  Shapes shapes;
  for (size_t i = 0; i < text.size(); ++i) {
    const uint32_t cls = kCharClass[static_cast<unsigned char>(text[i])];
    seen |= cls;
    if (cls & kAnchor) ScanAnchor(text, i, &shapes);
  }
  if (shapes.email) return "looks like an email address";
  if (shapes.url) return "looks like a URL";
  if ((seen & (kDot | kDigit)) == (kDot | kDigit) && LooksLikeIpv4(text)) {
    return "looks like an IP address";
  }
  if ((seen & kColon) && LooksLikeIpv6(text)) return "looks like an IP address";
  if (shapes.user_agent) return "looks like a User-Agent string";
  return nullptr;
}

}  // namespace kpi
