#include "testing/record_generator.h"

#include <cstdio>
#include <cstdlib>

#include "libkpi/util/json_writer.h"
#include "libkpi/util/time_util.h"

namespace kpi {

namespace {

constexpr size_t kMinEvents = 5;
constexpr size_t kMaxEvents = 40;
// Blob sizes aimed at; events stop before the budget runs out, and no event
// is longer than about 70 bytes, so blobs land in [600, 1500].
constexpr uint64_t kMinTargetBytes = 720;
constexpr uint64_t kMaxTargetBytes = 1480;

struct EventKind {
  const char* name;
  bool timed;      // carries a duration (xhr_complete.*)
  bool repeating;  // sometimes carries a repeat count (polling)
};

// The opening every dialog records, then one of the flows, then the flows'
// common interaction events over and over while the size budget lasts.
constexpr EventKind kOpening[] = {
    {"window.dom_loading", false, false},
    {"window.channel_established", false, false},
    {"screen.rp_info", false, false},
    {"xhr_complete.GET/wsapi/session_context", true, false},
};
constexpr EventKind kPasswordFlow[] = {
    {"screen.authenticate", false, false},
    {"user.can_interact", false, false},
    {"xhr_complete.GET/wsapi/address_info", true, false},
    {"authenticate.enter_password", false, false},
    {"authenticate.password_submitted", false, false},
    {"xhr_complete.POST/wsapi/authenticate_user", true, false},
    {"xhr_complete.GET/wsapi/list_emails", true, false},
    {"authenticate.password_success", false, false},
    {"screen.is_this_your_computer", false, false},
    {"generate_assertion", false, false},
    {"screen.generate_assertion", false, false},
    {"xhr_complete.POST/wsapi/cert_key", true, false},
    {"assertion_generated", false, false},
};
constexpr EventKind kPickerFlow[] = {
    {"picker", false, false},
    {"screen.pick_email", false, false},
    {"user.can_interact", false, false},
    {"picker::change", false, false},
    {"picker::signin", false, false},
    {"generate_assertion", false, false},
    {"xhr_complete.POST/wsapi/cert_key", true, false},
    {"assertion_generated", false, false},
};
constexpr EventKind kNewAccountFlow[] = {
    {"screen.authenticate", false, false},
    {"user.can_interact", false, false},
    {"xhr_complete.GET/wsapi/address_info", true, false},
    {"screen.set_password", false, false},
    {"user.staging_address", false, false},
    {"xhr_complete.POST/wsapi/stage_user", true, false},
    {"screen.check_registration", false, false},
    {"xhr_complete.GET/wsapi/user_creation_status", true, true},
    {"user.user_confirmed", false, false},
    {"generate_assertion", false, false},
    {"xhr_complete.POST/wsapi/cert_key", true, false},
    {"assertion_generated", false, false},
};
// The three steps every successful flow ends with.
constexpr size_t kFlowEnding = 3;
// An upper bound of an event's text: quoted name, 7-digit offset, 4-digit
// duration, 2-digit repeat count, brackets and commas.
size_t MaxEventBytes(const EventKind& kind) {
  return std::char_traits<char>::length(kind.name) + 2 + 3 + 8 + (kind.timed ? 5 : 0) +
         (kind.repeating ? 3 : 0);
}

struct EventFlow {
  const EventKind* events;
  size_t size;
};
constexpr EventFlow kFlows[] = {
    {kPasswordFlow, std::size(kPasswordFlow)},
    {kPickerFlow, std::size(kPickerFlow)},
    {kNewAccountFlow, std::size(kNewAccountFlow)},
};

// Between a flow's steps and its ending: what users do while it runs.
constexpr EventKind kInteraction[] = {
    {"picker::change", false, false},
    {"xhr_complete.GET/wsapi/user_creation_status", true, true},
    {"screen.add_email", false, false},
    {"xhr_complete.GET/wsapi/list_emails", true, false},
    {"window.focus", false, false},
    {"window.blur", false, false},
    {"user.can_interact", false, false},
    {"screen.pick_email", false, false},
    {"xhr_complete.GET/wsapi/address_info", true, false},
};

struct UserAgent {
  const char* os;
  const char* browser;
  const char* version;  // written as a number when it is one
  bool numeric;
};
constexpr UserAgent kUserAgents[] = {
    {"Macintosh", "Firefox", "18", true},  {"Windows NT 6.1", "Firefox", "19", true},
    {"Windows NT 6.1", "Chrome", "25.0", false}, {"Macintosh", "Safari", "6.0.2", false},
    {"iOS", "Safari", "5.1", false},        {"Android", "Chrome", "25.0", false},
    {"Windows NT 6.2", "MSIE", "10", true}, {"Linux", "Firefox", "19", true},
};
constexpr const char* kLanguages[] = {"en-US", "en_US", "en-GB", "de", "fr-FR", "es-ES",
                                      "pt-BR", "ja",    "zh-CN", "ru", "it",    "nl-NL"};
constexpr int kScreens[][2] = {{1680, 1050}, {1920, 1080}, {1366, 768}, {1280, 800},
                               {1440, 900},  {1024, 768},  {320, 480},  {640, 480},
                               {768, 1024},  {360, 640}};
constexpr const char* kRpApis[] = {"watch_with_onready", "watch_with_onready", "watch_without_onready",
                                   "get", "getVerifiedEmail", "stateless", "internal", "unknown"};
constexpr double kSampleRates[] = {1, 1, 1, 1, 0.5, 0.1};

void Key(std::string* out, const char* key) {
  if (out->back() != '{') out->push_back(',');
  AppendJsonKey(out, key);
}

}  // namespace

// The values of one blob, written in the dialog's or the original spelling.
struct RecordGenerator::Blob {
  int64_t timestamp_ms;
  std::string events;  // the event_stream array, brackets included
  double sample_rate;
  const char* language;
  bool new_account;
  const int* screen;
  int number_emails;
  int sites_logged_in;
  int sites_remembered;
  bool orphaned;
  const char* email_type;
  const char* rp_api;
  const UserAgent* user_agent;
  bool dialog_spelling;
  bool local_timestamp;

  void Write(std::string* out) const;
  void WriteScreenAndAgent(std::string* out) const;
};

void RecordGenerator::Blob::WriteScreenAndAgent(std::string* out) const {
  Key(out, "screen_size");
  out->push_back('{');
  Key(out, "width");
  AppendJsonInt(out, screen[0]);
  Key(out, "height");
  AppendJsonInt(out, screen[1]);
  out->push_back('}');
  Key(out, "sample_rate");
  AppendJsonDouble(out, sample_rate);
  Key(out, "user_agent");
  out->push_back('{');
  Key(out, "os");
  AppendJsonString(out, user_agent->os);
  Key(out, "browser");
  AppendJsonString(out, user_agent->browser);
  Key(out, "version");
  if (user_agent->numeric) {
    out->append(user_agent->version);
  } else {
    AppendJsonString(out, user_agent->version);
  }
  out->push_back('}');
}

void RecordGenerator::Blob::Write(std::string* out) const {
  out->push_back('{');
  if (!dialog_spelling) {
    Key(out, "timestamp");
    AppendJsonInt(out, timestamp_ms);
  }
  Key(out, "event_stream");
  out->append(events);
  if (dialog_spelling) {
    Key(out, "timestamp");
    AppendJsonInt(out, timestamp_ms);
    if (local_timestamp) {
      Key(out, "local_timestamp");
      AppendJsonString(out, "Thu Feb 21 2013 01:02:03 GMT+0100 (CET)");
    }
    Key(out, "rp_api");
    AppendJsonString(out, rp_api);
    Key(out, "orphaned");
    AppendJsonBool(out, orphaned);
    Key(out, "number_sites_remembered");
    AppendJsonInt(out, sites_remembered);
  }
  Key(out, "email_type");
  AppendJsonString(out, email_type);
  Key(out, "number_emails");
  AppendJsonInt(out, number_emails);
  Key(out, "new_account");
  AppendJsonBool(out, new_account);
  Key(out, dialog_spelling ? "lang" : "language");
  AppendJsonString(out, language);
  Key(out, dialog_spelling ? "number_sites_signed_in" : "number_sites_logged_in");
  AppendJsonInt(out, sites_logged_in);
  WriteScreenAndAgent(out);
  out->push_back('}');
}

RecordGenerator::RecordGenerator(uint64_t seed, int64_t start_ms, int64_t end_ms)
    : rng_(seed), start_ms_(start_ms), end_ms_(end_ms), schema_(Schema::Default()) {}

uint64_t RecordGenerator::Below(uint64_t bound) { return bound == 0 ? 0 : rng_() % bound; }

bool RecordGenerator::Chance(unsigned percent) { return Below(100) < percent; }

RecordGenerator::Blob RecordGenerator::NextValues() {
  Blob blob;
  blob.timestamp_ms =
      start_ms_ + static_cast<int64_t>(Below(static_cast<uint64_t>(end_ms_ - start_ms_)));
  // Dialogs floor to 10 minutes themselves; older ones sent raw times.
  const int64_t floored = FloorTo(blob.timestamp_ms, 10 * kMsPerMinute);
  if (floored >= start_ms_ && Chance(70)) blob.timestamp_ms = floored;
  blob.sample_rate = Pick(kSampleRates);
  blob.language = Pick(kLanguages);
  blob.new_account = Chance(15);
  blob.screen = Pick(kScreens);
  blob.number_emails = blob.new_account ? 1 : 1 + static_cast<int>(Below(4));
  blob.sites_logged_in = static_cast<int>(Below(6));
  blob.sites_remembered = static_cast<int>(Below(blob.sites_logged_in + 1));
  blob.orphaned = Chance(3);
  blob.email_type = Chance(60) ? "secondary" : "primary";
  blob.rp_api = Pick(kRpApis);
  blob.user_agent = &Pick(kUserAgents);
  blob.dialog_spelling = Chance(75);
  blob.local_timestamp = Chance(20);
  return blob;
}

// Formats one event at *offset_ms into *event and moves the clock on.
void RecordGenerator::FormatEvent(const char* name, bool timed, bool repeating,
                                  int64_t* offset_ms, std::string* event) {
  event->assign("[");
  AppendJsonString(event, name);
  event->push_back(',');
  AppendJsonInt(event, *offset_ms);
  int64_t duration_ms = 0;
  if (timed) {
    duration_ms = 40 + static_cast<int64_t>(Below(3500));
    event->push_back(',');
    AppendJsonInt(event, duration_ms);
    if (repeating && Chance(50)) {
      event->push_back(',');
      AppendJsonInt(event, 2 + static_cast<int64_t>(Below(12)));
    }
  }
  event->push_back(']');
  // Now and then two events share a millisecond, as in the dialog's streams.
  *offset_ms += duration_ms + static_cast<int64_t>(Below(Chance(10) ? 1 : 4000));
}

// Writes the event_stream array within `budget` bytes: the opening, as much
// of a flow and of interaction events as fits, then the flow's last steps
// (unless the user abandoned the dialog), kMinEvents to kMaxEvents in all.
void RecordGenerator::AppendEvents(size_t budget, std::string* events) {
  const EventFlow& flow = Pick(kFlows);
  const bool abandoned = Chance(10);
  const size_t head = flow.size - kFlowEnding;
  const EventKind* ending = flow.events + head;
  size_t reserve = 0;
  for (size_t i = 0; i < kFlowEnding && !abandoned; ++i) reserve += MaxEventBytes(ending[i]);
  const size_t max_before_ending = kMaxEvents - (abandoned ? 0 : kFlowEnding);
  int64_t offset_ms = 300 + static_cast<int64_t>(Below(1200));
  std::string event;
  size_t count = 0;
  events->assign("[");
  auto emit = [&](const EventKind& kind, bool forced) {
    FormatEvent(kind.name, kind.timed, kind.repeating, &offset_ms, &event);
    const bool fits = events->size() + event.size() + 2 + reserve <= budget;
    if (!forced && !(fits && count < max_before_ending)) return false;
    if (count++ > 0) events->push_back(',');
    events->append(event);
    return true;
  };
  for (const EventKind& kind : kOpening) emit(kind, true);
  bool room = true;
  for (size_t i = 0; i < head && room; ++i) room = emit(flow.events[i], count < kMinEvents);
  while (room) room = emit(Pick(kInteraction), count + kFlowEnding < kMinEvents);
  for (size_t i = 0; i < kFlowEnding && !abandoned; ++i) emit(ending[i], true);
  events->push_back(']');
}

std::string RecordGenerator::NextBlob() {
  Blob blob = NextValues();
  const size_t target = kMinTargetBytes + Below(kMaxTargetBytes - kMinTargetBytes + 1);
  std::string text;
  blob.events = "[]";
  blob.Write(&text);
  const size_t fixed = text.size() - 2;
  AppendEvents(target > fixed ? target - fixed : 0, &blob.events);
  text.clear();
  blob.Write(&text);
  return text;
}

std::string RecordGenerator::NextRequestBody(size_t batch) {
  static constexpr char kBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string body = "{\"csrf\":\"";
  for (int i = 0; i < 24; ++i) body.push_back(kBase64[Below(64)]);
  body.append("\",\"data\":[");
  for (size_t i = 0; i < std::max<size_t>(batch, 1); ++i) {
    if (i > 0) body.push_back(',');
    body.append(NextBlob());
  }
  body.append("]}");
  return body;
}

Record RecordGenerator::NextRecord(const std::string& writer, uint64_t seq) {
  const std::string blob = NextBlob();
  CanonicalizeContext ctx;
  ctx.now_ms = end_ms_;  // every generated timestamp is before it
  FieldError error;
  simdjson::dom::element root;
  if (parser_.parse(blob).get(root) || !schema_.Canonicalize(root, ctx, &canonical_, &error)) {
    // A generator defect, never an input problem: stop loudly.
    std::fprintf(stderr, "kpi: RecordGenerator made an invalid blob (%s: %s): %s\n",
                 error.field.c_str(), error.reason.c_str(), blob.c_str());
    std::abort();
  }
  Record record;
  record.timestamp_ms = canonical_.timestamp_ms;
  record.id = RecordId{writer, seq};
  record.json = "{\"_id\":\"" + record.id.ToString() + "\"," + canonical_.body;
  return record;
}

}  // namespace kpi
