#include "kpid/privacy_routes.h"

#include <httplib.h>

#include "kpid/csrf_tokens.h"
#include "kpid/server_options.h"
#include "libkpi/util/json_writer.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

constexpr const char* kSessionContextPath = "/wsapi/session_context";

}  // namespace

std::string CookieHeader(const httplib::Request& req, const std::string& name,
                         const std::string& value, int64_t max_age_s, const char* same_site) {
  std::string cookie = name + "=" + value + "; Path=/wsapi; Max-Age=" +
                       std::to_string(max_age_s) + "; HttpOnly; SameSite=" + same_site;
  if (req.get_header_value("X-Forwarded-Proto") == "https") cookie += "; Secure";
  return cookie;
}

void AddSessionContextRoute(const ServerOptions& options, const CsrfTokens* tokens,
                            httplib::Server* server) {
  const std::string cookie_name = options.csrf_cookie;
  server->Get(kSessionContextPath, [tokens, cookie_name](const httplib::Request& req,
                                                          httplib::Response& res) {
    const std::string token = tokens->Issue(NowMs());
    res.set_header("Set-Cookie",
                   CookieHeader(req, cookie_name, token, tokens->ttl_ms() / 1000, "Strict"));
    res.set_header("Cache-Control", "no-store");
    std::string body = "{";
    AppendJsonKey(&body, "csrf_token");
    AppendJsonString(&body, token);
    body += '}';
    res.set_content(body, "application/json");
  });
}

}  // namespace kpi
