#include "kpid/privacy_routes.h"

#include <httplib.h>

#include "kpid/csrf_tokens.h"
#include "kpid/privacy_page.h"
#include "kpid/server_options.h"
#include "libkpi/ingest/csrf_check.h"
#include "libkpi/ingest/ingest_service.h"
#include "libkpi/util/json_writer.h"
#include "libkpi/util/strings.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

constexpr const char* kSessionContextPath = "/wsapi/session_context";
constexpr const char* kPrivacyPath = "/wsapi/privacy";
constexpr const char* kHtml = "text/html; charset=utf-8";
// Browsers keep no cookie longer than 400 days (Chrome caps Max-Age there).
constexpr int64_t kOptOutMaxAgeS = 400 * 24 * 3600LL;
// A browser's token is reused for the form only if it outlives a slow reader.
constexpr int64_t kFormLifetimeMs = 3600 * 1000;

void SetPageHeaders(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                 "frame-ancestors 'none'; base-uri 'none'");
  res.set_header("X-Frame-Options", "DENY");
  // Not no-referrer: then browsers send "Origin: null" with the form.
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("X-Content-Type-Options", "nosniff");
}

// The CSRF cookie the page uses: --csrf-cookie, which may be empty only
// while --csrf is off; the page protects its form even then.
std::string PageCsrfCookie(const ServerOptions& options) {
  return options.csrf_cookie.empty() ? "kpi_csrf" : options.csrf_cookie;
}

PrivacyState StateOf(const httplib::Request& req, const ServerOptions& options) {
  if (options.opt_out_cookie.empty()) return PrivacyState::kNoOptOut;
  std::string_view value;
  if (FindCookie(req.get_header_value("Cookie"), options.opt_out_cookie, &value) &&
      !value.empty()) {
    return PrivacyState::kOptedOut;
  }
  if (options.honor_gpc && TrimBlanks(req.get_header_value("Sec-GPC")) == "1") {
    return PrivacyState::kNotRecorded;
  }
  return PrivacyState::kTakingPart;
}

// The browser's own token when it has exactly one, valid for another hour.
bool ReusableToken(const std::string& cookies, const std::string& name,
                   const CsrfTokens& tokens, std::string* token) {
  std::string_view value;
  if (CountCookie(cookies, name) != 1 || !FindCookie(cookies, name, &value)) return false;
  if (!tokens.Verify(value, NowMs() + kFormLifetimeMs).ok()) return false;
  *token = std::string(value);
  return true;
}

// OK when the form came from this site with a token kpid issued.
Status CheckForm(const httplib::Request& req, const std::string& csrf_cookie,
                 const CsrfTokens* tokens) {
  CsrfPolicy policy;
  policy.required = true;
  policy.cookie = csrf_cookie;
  policy.verifier = tokens;
  const std::string cookies = req.get_header_value("Cookie");
  const std::string body_token = req.get_param_value("csrf");
  const std::string origin = req.get_header_value("Origin");
  const std::string site = req.get_header_value("Sec-Fetch-Site");
  const std::string host = req.get_header_value("Host");
  CsrfEvidence evidence;
  evidence.cookies = cookies;
  evidence.body_token = body_token;
  evidence.origin = origin;
  evidence.sec_fetch_site = site;
  evidence.host = host;
  KPI_RETURN_IF_ERROR(CheckRequestOrigin(policy, evidence));
  return CheckCsrfToken(policy, evidence, NowMs());
}

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

void AddPrivacyPageRoutes(const ServerOptions& options, const CsrfTokens* tokens,
                          const PrivacyPage* page, httplib::Server* server) {
  const std::string csrf_cookie = PageCsrfCookie(options);
  server->Get(kPrivacyPath, [&options, tokens, page, csrf_cookie](const httplib::Request& req,
                                                                   httplib::Response& res) {
    std::string token;
    if (!ReusableToken(req.get_header_value("Cookie"), csrf_cookie, *tokens, &token)) {
      token = tokens->Issue(NowMs());
      res.set_header("Set-Cookie",
                     CookieHeader(req, csrf_cookie, token, tokens->ttl_ms() / 1000, "Strict"));
    }
    SetPageHeaders(res);
    res.set_content(page->Render(StateOf(req, options), token), kHtml);
  });
  if (options.opt_out_cookie.empty()) return;
  const std::string opt_out = options.opt_out_cookie;
  server->Post(kPrivacyPath, [tokens, page, csrf_cookie, opt_out](const httplib::Request& req,
                                                                  httplib::Response& res) {
    SetPageHeaders(res);
    const Status checked = CheckForm(req, csrf_cookie, tokens);
    const std::string choice = req.get_param_value("choice");
    if (!checked.ok() || (choice != "out" && choice != "in")) {
      res.status = checked.ok() ? 400 : 403;
      const std::string reason = checked.ok() ? "the form's choice must be out or in"
                                              : checked.message();
      return res.set_content(page->RenderRefusal(reason), kHtml);
    }
    res.set_header("Set-Cookie", choice == "out"
                                     ? CookieHeader(req, opt_out, "1", kOptOutMaxAgeS, "Lax")
                                     : CookieHeader(req, opt_out, "", 0, "Lax"));
    res.status = 303;
    res.set_header("Location", kPrivacyPath);
    res.set_content("<!DOCTYPE html><p>Saved: <a href=\"/wsapi/privacy\">back to the page</a>"
                    "</p>\n", kHtml);
  });
}

}  // namespace kpi
