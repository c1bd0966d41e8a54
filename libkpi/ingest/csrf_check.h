// CSRF checks of a POST that did not come through a trusted forwarder: where
// the request comes from (Origin / Sec-Fetch-Site) and whether it carries a
// token kpid issued, in the cookie and again in the body (or header).
//
// Contract: each check returns OK or InvalidArgument whose message is the
// reason a client sees in its 403 (it never repeats a token).
//   CheckRequestOrigin  a browser's cross-site request is refused unless its
//                       Origin is one of `allowed_origins`; same-origin
//                       requests (Origin's host:port equals Host) and
//                       requests without either header (non-browser clients)
//                       pass, as they cannot be forged by another site.
//   CheckCsrfToken      exactly one CSRF cookie (two are a tossing attempt),
//                       a body or header token equal to it, and a token the
//                       verifier accepts (signed by kpid and unexpired).
//
// Thread-safety: pure functions; the verifier must be safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi {

// Checks a token's signature and expiry (kpid's CsrfTokens). InvalidArgument
// with "forged ..." or "expired ..." when it does not hold.
class CsrfTokenVerifier {
 public:
  virtual ~CsrfTokenVerifier() = default;
  virtual Status Verify(std::string_view token, int64_t now_ms) const = 0;
};

struct CsrfPolicy {
  // kpid requires it by default (ServerOptions); the library's default off
  // keeps tests and fuzzers of parsing and storage free of tokens.
  bool required = false;
  std::string cookie = "kpi_csrf";           // the cookie holding the token
  std::vector<std::string> allowed_origins;  // "https://example.com" besides same-origin
  const CsrfTokenVerifier* verifier = nullptr;  // required when `required`
};

// The headers a CSRF decision needs; views into the request.
struct CsrfEvidence {
  std::string_view cookies;         // the Cookie header
  std::string_view body_token;      // the body's csrf member or form field
  std::string_view header_token;    // the X-KPI-CSRF-Token header
  std::string_view origin;          // the Origin header
  std::string_view sec_fetch_site;  // the Sec-Fetch-Site header
  std::string_view host;            // the Host header
};

Status CheckRequestOrigin(const CsrfPolicy& policy, const CsrfEvidence& evidence);
Status CheckCsrfToken(const CsrfPolicy& policy, const CsrfEvidence& evidence, int64_t now_ms);

// How many times cookie `name` appears in a Cookie header.
size_t CountCookie(std::string_view cookie_header, std::string_view name);

}  // namespace kpi
