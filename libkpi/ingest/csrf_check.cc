#include "libkpi/ingest/csrf_check.h"

#include <algorithm>

#include "libkpi/ingest/ingest_service.h"
#include "libkpi/util/secret.h"

namespace kpi {
namespace {

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// "host:port" of "scheme://host:port", without the scheme's default port.
std::string_view Authority(std::string_view origin, std::string_view* scheme) {
  const size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return {};
  *scheme = origin.substr(0, sep);
  return origin.substr(sep + 3);
}

bool SameOrigin(std::string_view origin, std::string_view host) {
  std::string_view scheme;
  const std::string_view authority = Authority(origin, &scheme);
  if (authority.empty() || host.empty()) return false;
  if (EqualsNoCase(authority, host)) return true;
  // Host may name the default port the Origin leaves out, or the reverse.
  const std::string_view port = EqualsNoCase(scheme, "https") ? ":443" : ":80";
  const auto strip = [&](std::string_view s) {
    return s.size() > port.size() && s.substr(s.size() - port.size()) == port
               ? s.substr(0, s.size() - port.size())
               : s;
  };
  return EqualsNoCase(strip(authority), strip(host));
}

// Client-sent text in a reason: bounded, so an answer never echoes a flood.
std::string Quote(std::string_view text) {
  constexpr size_t kMax = 80;
  return "'" + std::string(text.substr(0, kMax)) + (text.size() > kMax ? "...'" : "'");
}

}  // namespace

size_t CountCookie(std::string_view header, std::string_view name) {
  size_t count = 0;
  std::string_view value;
  while (!header.empty()) {
    const size_t end = header.find(';');
    const std::string_view pair = header.substr(0, end);
    if (FindCookie(pair, name, &value)) ++count;
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
  }
  return count;
}

Status CheckRequestOrigin(const CsrfPolicy& policy, const CsrfEvidence& evidence) {
  if (!policy.required) return Status::OK();
  const std::string_view origin = TrimBlanks(evidence.origin);
  const std::string_view site = TrimBlanks(evidence.sec_fetch_site);
  const auto& allowed = policy.allowed_origins;
  if (!origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
    return Status::OK();
  }
  if (!origin.empty() && !SameOrigin(origin, TrimBlanks(evidence.host))) {
    return Status::InvalidArgument("Origin " + Quote(origin) +
                                   " is neither this site nor an --allowed-origin");
  }
  if (!site.empty() && site != "same-origin" && site != "none") {
    return Status::InvalidArgument("a " + Quote(site) +
                                   " request (Sec-Fetch-Site) from an origin that is not an "
                                   "--allowed-origin");
  }
  return Status::OK();
}

Status CheckCsrfToken(const CsrfPolicy& policy, const CsrfEvidence& evidence, int64_t now_ms) {
  if (!policy.required) return Status::OK();
  const std::string& name = policy.cookie;
  const size_t cookies = CountCookie(evidence.cookies, name);
  if (cookies > 1) {
    return Status::InvalidArgument("tossed csrf cookie: " + std::to_string(cookies) + " " + name +
                                   " cookies in one request");
  }
  std::string_view cookie;
  if (cookies == 0 || !FindCookie(evidence.cookies, name, &cookie) || cookie.empty()) {
    return Status::InvalidArgument("missing csrf cookie " + name +
                                   ": GET /wsapi/session_context first");
  }
  const std::string_view body = evidence.body_token;
  const std::string_view header = evidence.header_token;
  if (body.empty() && header.empty()) {
    return Status::InvalidArgument("missing csrf token: send the csrf_token of "
                                   "/wsapi/session_context as the body's \"csrf\"");
  }
  if ((!body.empty() && !ConstantTimeEquals(body, cookie)) ||
      (!header.empty() && !ConstantTimeEquals(header, cookie))) {
    return Status::InvalidArgument("csrf token does not match the " + name + " cookie");
  }
  if (policy.verifier == nullptr) return Status::InvalidArgument("forged csrf token");
  return policy.verifier->Verify(cookie, now_ms);
}

}  // namespace kpi
