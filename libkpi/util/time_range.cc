#include "libkpi/util/time_range.h"

#include <algorithm>
#include <cctype>

#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

namespace kpi {
namespace {

constexpr const char* kAcceptedForms =
    "expected 2026-11-29, 2026-11-29T18, 2026-11-29T18:05Z, 2026-11-29T18:05:00.000+02:00, "
    "Unix ms, now, -3h, -7d, today or yesterday";

Status BadTime(std::string_view text, std::string_view why) {
  std::string msg = "time '" + std::string(text) + "': ";
  msg += why.empty() ? std::string_view("not a time") : why;
  return Status::InvalidArgument(msg + " (" + kAcceptedForms + ")");
}

// Reads exactly `n` digits at text[*pos] into *value.
bool ReadDigits(std::string_view text, size_t* pos, size_t n, int* value) {
  if (*pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[*pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *value = v;
  return true;
}

bool Accept(std::string_view text, size_t* pos, char c) {
  if (*pos < text.size() && text[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// The fields of an ISO 8601 text and the period its precision names.
struct IsoTime {
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
  int64_t period_ms = 0;
  int64_t offset_ms = 0;  // local time minus UTC
};

// Reads ".fff" (1 to 9 digits; beyond milliseconds is truncated).
bool ReadFraction(std::string_view text, size_t* pos, IsoTime* t) {
  if (!Accept(text, pos, '.') && !Accept(text, pos, ',')) return true;
  size_t digits = 0;
  int millis = 0;
  while (*pos < text.size() && std::isdigit(static_cast<unsigned char>(text[*pos]))) {
    if (digits < 3) millis = millis * 10 + (text[*pos] - '0');
    ++digits;
    ++*pos;
  }
  if (digits == 0 || digits > 9) return false;
  for (size_t i = digits; i < 3; ++i) millis *= 10;
  t->millis = millis;
  t->period_ms = 1;
  return true;
}

// Reads "Z", "+hh:mm", "+hhmm" or "+hh" (or nothing: UTC).
bool ReadZone(std::string_view text, size_t* pos, IsoTime* t) {
  if (Accept(text, pos, 'Z') || Accept(text, pos, 'z')) return true;
  if (*pos >= text.size()) return true;
  const char sign = text[*pos];
  if (sign != '+' && sign != '-') return false;
  ++*pos;
  int hh = 0, mm = 0;
  if (!ReadDigits(text, pos, 2, &hh)) return false;
  if (*pos < text.size()) {
    Accept(text, pos, ':');
    if (!ReadDigits(text, pos, 2, &mm)) return false;
  }
  if (hh > 23 || mm > 59) return false;
  t->offset_ms = (sign == '-' ? -1 : 1) * (hh * kMsPerHour + mm * kMsPerMinute);
  return true;
}

// Reads "Thh[:mm[:ss[.fff]]]" after the date.
bool ReadClock(std::string_view text, size_t* pos, IsoTime* t) {
  if (!Accept(text, pos, 'T') && !Accept(text, pos, 't') && !Accept(text, pos, ' ')) return true;
  if (!ReadDigits(text, pos, 2, &t->hour)) return false;
  t->period_ms = kMsPerHour;
  if (!Accept(text, pos, ':')) return true;
  if (!ReadDigits(text, pos, 2, &t->minute)) return false;
  t->period_ms = kMsPerMinute;
  if (!Accept(text, pos, ':')) return true;
  if (!ReadDigits(text, pos, 2, &t->second)) return false;
  t->period_ms = kMsPerSecond;
  return ReadFraction(text, pos, t);
}

bool ParseIso(std::string_view text, IsoTime* t) {
  size_t pos = 0;
  if (!ReadDigits(text, &pos, 4, &t->year) || !Accept(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &t->month)) {
    return false;
  }
  if (t->month < 1 || t->month > 12) return false;
  t->period_ms = -1;  // a month: its length depends on the month
  if (Accept(text, &pos, '-')) {
    if (!ReadDigits(text, &pos, 2, &t->day)) return false;
    t->period_ms = kMsPerDay;
    if (!ReadClock(text, &pos, t)) return false;
    if (t->period_ms < kMsPerDay && !ReadZone(text, &pos, t)) return false;
  }
  return pos == text.size() && t->day >= 1 && t->day <= DaysInMonth(t->year, t->month) &&
         t->hour <= 23 && t->minute <= 59 && t->second <= 59;
}

bool AllDigits(std::string_view text) {
  return !text.empty() && text.size() <= 18 && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

// "now", "-3h", "now-3h", "+1d", "today", "yesterday".
bool ParseRelative(std::string_view text, int64_t now_ms, int64_t* ms, int64_t* period_ms,
                   Status* error) {
  if (text == "today" || text == "yesterday") {
    *ms = FloorTo(now_ms, kMsPerDay) - (text == "yesterday" ? kMsPerDay : 0);
    *period_ms = kMsPerDay;
    return true;
  }
  std::string_view rest = text;
  if (rest.substr(0, 3) == "now")
    rest.remove_prefix(3);
  else if (rest.empty() || (rest[0] != '-' && rest[0] != '+'))
    return false;
  *period_ms = 0;
  if (rest.empty()) {
    *ms = now_ms;
    return true;
  }
  if (rest[0] != '-' && rest[0] != '+') return false;
  int64_t delta = 0;
  *error = ParseDuration(rest.substr(1), "time", &delta);
  if (!error->ok()) {
    *error = BadTime(text, "cannot read the duration '" + std::string(rest.substr(1)) + "'");
    return true;
  }
  *ms = rest[0] == '-' ? now_ms - delta : now_ms + delta;
  return true;
}

}  // namespace

bool TimeRange::OverlapsHour(int64_t hour_ms) const {
  return hour_ms + kMsPerHour > from_ms && hour_ms < to_ms;
}

std::string TimeRange::ToString() const {
  if (IsAll()) return "everything";
  const std::string from = from_ms <= kMinTimeMs ? "beginning" : FormatIso(from_ms);
  const std::string to = to_ms >= kMaxTimeMs ? "end" : FormatIso(to_ms);
  return "[" + from + ", " + to + ")";
}

Status ParseTimePoint(std::string_view text, int64_t now_ms, int64_t* ms, int64_t* period_ms) {
  if (text.empty()) return BadTime(text, "empty");
  if (AllDigits(text)) {
    *ms = std::stoll(std::string(text));
    *period_ms = 0;
    return Status::OK();
  }
  Status error;
  if (ParseRelative(text, now_ms, ms, period_ms, &error)) return error;
  IsoTime t;
  if (!ParseIso(text, &t)) return BadTime(text, "");
  *ms = FromCivil(t.year, t.month, t.day, t.hour, t.minute, t.second, t.millis) - t.offset_ms;
  if (t.period_ms < 0) {  // a whole month
    const int64_t next =
        t.month == 12 ? FromCivil(t.year + 1, 1, 1) : FromCivil(t.year, t.month + 1, 1);
    t.period_ms = next - *ms;
  }
  *period_ms = t.period_ms;
  return Status::OK();
}

namespace {

Status ParseEnd(std::string_view text, int64_t now_ms, int64_t fallback, int64_t* ms) {
  if (text.empty()) {
    *ms = fallback;
    return Status::OK();
  }
  int64_t period = 0;
  return ParseTimePoint(text, now_ms, ms, &period);
}

}  // namespace

Status ParseTimeRange(const std::vector<std::string>& args, int64_t now_ms, TimeRange* range) {
  *range = TimeRange::All();
  if (args.size() > 2) {
    return Status::InvalidArgument("range: too many arguments ('" + args[2] +
                                   "'); give FROM [TO] or FROM..TO");
  }
  std::string_view from_text, to_text;
  bool single = false;
  if (args.size() == 1) {
    const size_t dots = args[0].find("..");
    if (dots == std::string::npos) {
      from_text = args[0];
      single = true;
    } else {
      from_text = std::string_view(args[0]).substr(0, dots);
      to_text = std::string_view(args[0]).substr(dots + 2);
    }
  } else if (args.size() == 2) {
    from_text = args[0];
    to_text = args[1];
  } else {
    return Status::OK();
  }
  if (single) {
    int64_t period = 0;
    KPI_RETURN_IF_ERROR(ParseTimePoint(from_text, now_ms, &range->from_ms, &period));
    range->to_ms = period > 0 ? range->from_ms + period : kMaxTimeMs;
  } else {
    KPI_RETURN_IF_ERROR(ParseEnd(from_text, now_ms, kMinTimeMs, &range->from_ms));
    KPI_RETURN_IF_ERROR(ParseEnd(to_text, now_ms, kMaxTimeMs, &range->to_ms));
  }
  range->from_ms = std::max(range->from_ms, kMinTimeMs);
  range->to_ms = std::min(range->to_ms, kMaxTimeMs);
  if (range->from_ms >= range->to_ms) {
    std::string text = args[0];
    if (args.size() == 2) text += " " + args[1];
    return Status::InvalidArgument("range '" + text + "' is empty (" + FormatIso(range->from_ms) +
                                   " is not before " + FormatIso(range->to_ms) +
                                   "); TO is exclusive");
  }
  return Status::OK();
}

}  // namespace kpi
