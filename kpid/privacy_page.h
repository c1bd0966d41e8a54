// PrivacyPage: the opt-out page kpid serves at /wsapi/privacy (routes in
// privacy_routes.h): plain HTML, no script, one form.
//
// Contract: the page says what a record holds (the schema's fields with
// their "description"), what is never kept (anything about the sender; time
// floored to the schema's rounding), how long records live (--retention),
// and the browser's current state: taking part, opted out by the opt-out
// cookie, or not recorded because it sends Global Privacy Control. Its form
// POSTs `csrf` (a token kpid issued) and `choice` ("out" or "in") back to
// /wsapi/privacy. Every text from outside (schema descriptions, names) is
// HTML-escaped. The part that describes the data is built once.
//
// Thread-safety: immutable after construction; Render is const.
#pragma once

#include <string>

namespace kpi {

class Schema;
struct ServerOptions;

enum class PrivacyState {
  kTakingPart,
  kOptedOut,     // the opt-out cookie is set
  kNotRecorded,  // no cookie, but the browser's Sec-GPC: 1 is honoured
  kNoOptOut,     // --opt-out-cookie is empty: no form to offer
};

class PrivacyPage {
 public:
  PrivacyPage(const ServerOptions& options, const Schema& schema);

  // The whole page for a browser in `state`; `csrf_token` goes into the form.
  std::string Render(PrivacyState state, const std::string& csrf_token) const;
  // A short page for a refused change: `reason` and a link back.
  std::string RenderRefusal(const std::string& reason) const;

 private:
  std::string about_;        // what is collected, never kept, how long
  std::string cookie_name_;  // --opt-out-cookie
};

// `text` with & < > " ' as character references.
std::string EscapeHtml(std::string_view text);

}  // namespace kpi
