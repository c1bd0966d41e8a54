// The routes through which kpid serves privacy to browsers, on the --listen
// listener next to the ingest POST:
//
//   GET /wsapi/session_context  {"csrf_token":"..."} and Set-Cookie of the
//       same token in --csrf-cookie (HttpOnly, SameSite=Strict, Path=/wsapi,
//       Max-Age --csrf-ttl; Secure when X-Forwarded-Proto is https). The
//       dialog sends it back in the POST body's "csrf".
//
// Every answer carries Cache-Control: no-store: a token or a person's choice
// must never sit in a shared cache.
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
struct ServerOptions;

void AddSessionContextRoute(const ServerOptions& options, const CsrfTokens* tokens,
                            httplib::Server* server);

// "name=value; Path=/wsapi; ...; Secure" with Secure when the request came
// over https (X-Forwarded-Proto from the proxy). Max-Age 0 clears it.
std::string CookieHeader(const httplib::Request& req, const std::string& name,
                         const std::string& value, int64_t max_age_s,
                         const char* same_site);

}  // namespace kpi
