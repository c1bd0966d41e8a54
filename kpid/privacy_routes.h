// The routes through which kpid serves privacy to browsers, on the --listen
// listener next to the ingest POST:
//
//   GET /wsapi/session_context  {"csrf_token":"..."} and Set-Cookie of the
//       same token in --csrf-cookie (HttpOnly, SameSite=Strict, Path=/wsapi,
//       Max-Age --csrf-ttl; Secure when X-Forwarded-Proto is https). The
//       dialog sends it back in the POST body's "csrf".
//
//   GET /wsapi/privacy  the opt-out page (privacy_page.h) for this browser's
//       state, with a CSRF token for its form: the browser's own when it has
//       one valid for another hour, else a fresh one set as above.
//   POST /wsapi/privacy  the form: csrf=<token>&choice=out|in. Checked like
//       an ingest POST whatever --csrf says (same-origin Origin or
//       Sec-Fetch-Site, the token in the cookie and the form), so another
//       site can neither opt a person out nor back in (403 and a page saying
//       why). Then sets the --opt-out-cookie (value 1, Path=/wsapi, Max-Age
//       400 days, HttpOnly, SameSite=Lax) or clears it, and answers 303 to
//       the page. Not served when --opt-out-cookie is empty (404).
//
// Every answer carries Cache-Control: no-store: a token or a person's choice
// must never sit in a shared cache. The page's answers also forbid framing
// (so no site can trick a click on the form) and every script.
//
// Thread-safety: the handlers only read what they are given, which must
// outlive the server.
#pragma once

#include <string>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace kpi {

class CsrfTokens;
class PrivacyPage;
struct ServerOptions;

void AddSessionContextRoute(const ServerOptions& options, const CsrfTokens* tokens,
                            httplib::Server* server);
void AddPrivacyPageRoutes(const ServerOptions& options, const CsrfTokens* tokens,
                          const PrivacyPage* page, httplib::Server* server);

// "name=value; Path=/wsapi; ...; Secure" with Secure when the request came
// over https (X-Forwarded-Proto from the proxy). Max-Age 0 clears it.
std::string CookieHeader(const httplib::Request& req, const std::string& name,
                         const std::string& value, int64_t max_age_s,
                         const char* same_site);

}  // namespace kpi
