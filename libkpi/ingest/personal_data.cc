#include "libkpi/ingest/personal_data.h"

#include <cstddef>

namespace kpi {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// `needle` is lower case.
bool ContainsNoCase(std::string_view text, std::string_view needle, size_t from = 0) {
  if (needle.size() > text.size()) return false;
  for (size_t i = from; i + needle.size() <= text.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && Lower(text[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// `name@host`: an '@' with a non-blank character on each side.
bool LooksLikeEmail(std::string_view t) {
  for (size_t i = 1; i + 1 < t.size(); ++i) {
    if (t[i] == '@' && !IsSpace(t[i - 1]) && !IsSpace(t[i + 1])) return true;
  }
  return false;
}

// Any "scheme://", a leading "//" (scheme-relative) or "www." starting a word.
bool LooksLikeUrl(std::string_view t) {
  if (t.find("://") != std::string_view::npos) return true;
  if (t.size() >= 2 && t[0] == '/' && t[1] == '/') return true;
  for (size_t i = 0; i + 4 <= t.size(); ++i) {
    if ((i == 0 || !IsAlnum(t[i - 1])) && Lower(t[i]) == 'w' && Lower(t[i + 1]) == 'w' &&
        Lower(t[i + 2]) == 'w' && t[i + 3] == '.') {
      return true;
    }
  }
  return false;
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

// A product token with a version ("Mozilla/5.0", "chrome/21.0.1180.89": a
// letter, '/', a digit), or a marker only User-Agent strings carry.
bool LooksLikeUserAgent(std::string_view t) {
  for (size_t i = 1; i + 1 < t.size(); ++i) {
    if (t[i] == '/' && IsAlpha(t[i - 1]) && IsDigit(t[i + 1])) return true;
  }
  static constexpr std::string_view kMarkers[] = {"mozilla/", "applewebkit/", "gecko/",
                                                  "khtml,",   "like gecko",   "trident/"};
  for (std::string_view marker : kMarkers) {
    if (ContainsNoCase(t, marker)) return true;
  }
  return false;
}

}  // namespace

const char* FindPersonalDataShape(std::string_view text) {
  bool at = false, colon = false, dot = false, slash = false, digit = false, space = false;
  for (char c : text) {
    at |= c == '@';
    colon |= c == ':';
    dot |= c == '.';
    slash |= c == '/';
    digit |= IsDigit(c);
    space |= c == ' ';
  }
  if (at && LooksLikeEmail(text)) return "looks like an email address";
  if ((slash || dot) && LooksLikeUrl(text)) return "looks like a URL";
  if (dot && digit && LooksLikeIpv4(text)) return "looks like an IP address";
  if (colon && LooksLikeIpv6(text)) return "looks like an IP address";
  if ((slash || space) && LooksLikeUserAgent(text)) return "looks like a User-Agent string";
  return nullptr;
}

}  // namespace kpi
