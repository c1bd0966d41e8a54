#include "libkpi/report/report_spec.h"

#include <algorithm>

#include "libkpi/read/json_member.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

constexpr size_t kMaxFunnelSteps = 16;
constexpr size_t kMaxGroups = 8;
// 1970-01-01 was a Thursday: the first Monday, 1970-01-05, is 4 days later.
constexpr int64_t kWeekOffsetMs = 4 * kMsPerDay;

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(sep, start)) != std::string_view::npos; start = at + 1) {
    parts.emplace_back(text.substr(start, at - start));
  }
  parts.emplace_back(text.substr(start));
  return parts;
}

GroupSpec* FindGroup(std::string_view field, ReportSpec* spec) {
  for (GroupSpec& g : spec->groups) {
    if (g.field == field) return &g;
  }
  return nullptr;
}

Status NoGroup(std::string_view what, std::string_view field) {
  return Status::InvalidArgument(std::string(what) + ": '" + std::string(field) +
                                 "' is not a group of this report; add it with --group first");
}

}  // namespace

std::vector<std::string> ReportSpec::DefaultFunnel() {
  return {"window.dom_loading", "screen.rp_info", "user.can_interact", "generate_assertion",
          "assertion_generated"};
}

Status ReportSpec::Validate() const {
  if (success_event.empty()) return Status::InvalidArgument("success event: empty name");
  if (funnel.size() > kMaxFunnelSteps) {
    return Status::InvalidArgument("funnel: at most " + std::to_string(kMaxFunnelSteps) + " steps");
  }
  for (const std::string& step : funnel) {
    if (step.empty()) return Status::InvalidArgument("funnel: an empty step name");
  }
  if (groups.size() > kMaxGroups) {
    return Status::InvalidArgument("group: at most " + std::to_string(kMaxGroups) + " groups");
  }
  if (min_count < 1) return Status::InvalidArgument("min count: must be at least 1");
  return Status::OK();
}

Status ParseReportPeriod(std::string_view text, ReportPeriod* period) {
  if (text == "hour") {
    *period = ReportPeriod::kHour;
  } else if (text == "day") {
    *period = ReportPeriod::kDay;
  } else if (text == "week") {
    *period = ReportPeriod::kWeek;
  } else {
    return Status::InvalidArgument("period '" + std::string(text) + "': use hour, day or week");
  }
  return Status::OK();
}

std::string_view ReportPeriodName(ReportPeriod period) {
  switch (period) {
    case ReportPeriod::kHour:
      return "hour";
    case ReportPeriod::kWeek:
      return "week";
    case ReportPeriod::kDay:
      break;
  }
  return "day";
}

int64_t ReportPeriodStart(ReportPeriod period, int64_t ts_ms) {
  switch (period) {
    case ReportPeriod::kHour:
      return FloorTo(ts_ms, kMsPerHour);
    case ReportPeriod::kWeek:
      return FloorTo(ts_ms - kWeekOffsetMs, 7 * kMsPerDay) + kWeekOffsetMs;
    case ReportPeriod::kDay:
      break;
  }
  return FloorTo(ts_ms, kMsPerDay);
}

Status AddReportGroup(std::string_view field, ReportSpec* spec) {
  if (!IsMemberName(field)) {
    return Status::InvalidArgument("group '" + std::string(field) +
                                   "': not a member name like language, user_agent.os or "
                                   "screen_class");
  }
  if (FindGroup(field, spec) != nullptr) return Status::OK();
  GroupSpec group;
  group.field = std::string(field);
  group.path = SplitMemberPath(field);
  spec->groups.push_back(std::move(group));
  return Status::OK();
}

Status AddGroupAlias(std::string_view text, ReportSpec* spec) {
  const size_t colon = text.find(':');
  const size_t eq = text.rfind('=');
  if (colon == std::string_view::npos || eq == std::string_view::npos || eq < colon) {
    return Status::InvalidArgument("alias '" + std::string(text) +
                                   "': expected FIELD:VALUE=LABEL, e.g. "
                                   "user_agent.os:Windows NT 6.1=Windows 7");
  }
  GroupSpec* group = FindGroup(text.substr(0, colon), spec);
  if (group == nullptr) return NoGroup("alias", text.substr(0, colon));
  group->aliases[std::string(text.substr(colon + 1, eq - colon - 1))] =
      std::string(text.substr(eq + 1));
  return Status::OK();
}

Status SetGroupValues(std::string_view text, ReportSpec* spec) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq + 1 == text.size()) {
    return Status::InvalidArgument("values '" + std::string(text) +
                                   "': expected FIELD=V1,V2,..., e.g. language=en-US,de,fr");
  }
  GroupSpec* group = FindGroup(text.substr(0, eq), spec);
  if (group == nullptr) return NoGroup("values", text.substr(0, eq));
  group->values = Split(text.substr(eq + 1), ',');
  return Status::OK();
}

Status ParseFunnel(std::string_view text, std::vector<std::string>* steps) {
  std::vector<std::string> parsed = Split(text, ',');
  if (std::any_of(parsed.begin(), parsed.end(), [](const std::string& s) { return s.empty(); })) {
    return Status::InvalidArgument("funnel '" + std::string(text) +
                                   "': expected event names separated by commas");
  }
  *steps = std::move(parsed);
  return Status::OK();
}

}  // namespace kpi
