#include "kpid/privacy_page.h"

#include "kpid/server_options.h"
#include "libkpi/ingest/schema.h"

namespace kpi {
namespace {

constexpr const char* kHead =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width\">"
    "<title>Sign-in statistics: your choice</title>"
    "<style>body{font-family:sans-serif;max-width:42em;margin:2em auto;padding:0 1em;"
    "line-height:1.5}#state{font-weight:bold}button{font-size:1.1em;padding:.3em 1em}</style>"
    "</head><body>\n<h1>Sign-in statistics</h1>\n";
constexpr const char* kTail = "</body></html>\n";

// "10 minutes" for 600000.
std::string DurationWords(int64_t ms) {
  const auto words = [](int64_t n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
  };
  if (ms % (24 * 3600 * 1000LL) == 0) return words(ms / (24 * 3600 * 1000LL), "day");
  if (ms % (3600 * 1000) == 0) return words(ms / (3600 * 1000), "hour");
  if (ms % (60 * 1000) == 0) return words(ms / (60 * 1000), "minute");
  return words(ms / 1000, "second");
}

std::string FieldList(const Schema& schema) {
  std::string list = "<ul>\n";
  for (const FieldDescription& f : schema.DescribeFields()) {
    list += "<li><code>" + EscapeHtml(f.name) + "</code>";
    if (!f.description.empty()) list += ": " + EscapeHtml(f.description);
    list += "</li>\n";
  }
  return list + "</ul>\n";
}

std::string About(const ServerOptions& options, const Schema& schema) {
  const std::string lifetime =
      options.retention_ms > 0
          ? "Records are deleted " + DurationWords(options.retention_ms) + " after the hour "
                                                                             "they fall in."
          : "This server keeps records without a time limit.";
  return "<h2>What is collected, and why</h2>\n"
         "<p>When you use the sign-in dialog, it sends a short record of how the dialog "
         "went, so that we can see where people get stuck and make signing in easier. "
         "A record holds only these fields; anything else the dialog sends is dropped:</p>\n" +
         FieldList(schema) +
         "<h2>What is never kept</h2>\n"
         "<p>Nothing about you as a sender: not your IP address, not your browser's full "
         "identification string, no cookie, no account and no e-mail address. The time of "
         "a record is rounded down to " + DurationWords(schema.timestamp_round_ms()) +
         ". " + EscapeHtml(lifetime) + "</p>\n";
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

PrivacyPage::PrivacyPage(const ServerOptions& options, const Schema& schema)
    : about_(About(options, schema)), cookie_name_(options.opt_out_cookie) {}

std::string PrivacyPage::Render(PrivacyState state, const std::string& csrf_token) const {
  std::string page = kHead;
  const bool out = state == PrivacyState::kOptedOut;
  switch (state) {
    case PrivacyState::kTakingPart:
      page += "<p id=\"state\" data-state=\"taking-part\">This browser takes part: the "
              "sign-in dialog's records are kept.</p>\n";
      break;
    case PrivacyState::kOptedOut:
      page += "<p id=\"state\" data-state=\"opted-out\">You have opted out: this browser's "
              "records are discarded unread.</p>\n";
      break;
    case PrivacyState::kNotRecorded:
      page += "<p id=\"state\" data-state=\"not-recorded\">Your browser sends Global Privacy "
              "Control, so its records are discarded unread whatever you choose here.</p>\n";
      break;
    case PrivacyState::kNoOptOut:
      page += "<p id=\"state\" data-state=\"no-opt-out\">This server offers no opt-out.</p>\n";
      return page + about_ + kTail;
  }
  page += "<form method=\"post\" action=\"/wsapi/privacy\">"
          "<input type=\"hidden\" name=\"csrf\" value=\"" + EscapeHtml(csrf_token) + "\">"
          "<input type=\"hidden\" name=\"choice\" value=\"" + std::string(out ? "in" : "out") +
          "\"><button type=\"submit\" id=\"choice\">" +
          (out ? "Take part again" : "Opt out") + "</button></form>\n";
  page += about_;
  page += "<h2>How opting out works</h2>\n<p>Opting out stores a cookie named <code>" +
          EscapeHtml(cookie_name_) +
          "</code> in this browser, for this site only. While it is there, the dialog's "
          "records are discarded before they are read. It lasts 400 days (the longest "
          "browsers keep a cookie) or until you clear this site's cookies; opt out again "
          "then, and in every browser you use.</p>\n";
  return page + kTail;
}

std::string PrivacyPage::RenderRefusal(const std::string& reason) const {
  return std::string(kHead) + "<p id=\"state\" data-state=\"refused\">Your choice was not " +
         "saved: " + EscapeHtml(reason) + ".</p>\n<p><a href=\"/wsapi/privacy\">Back to the " +
         "page</a> and try again.</p>\n" + kTail;
}

}  // namespace kpi
