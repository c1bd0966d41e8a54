// ReportSpec: what a KPI report computes, as a front end collected it from
// options or config keys (kpictl report, kpid's read API). Event names,
// aliases and segment lists are data, not constants: dialog releases rename
// their screens, so every one of them can be overridden.
//
// Defaults (documented in kpictl(1)):
//   period        day (hour, day, or week: ISO weeks starting Monday 00:00 UTC)
//   success event assertion_generated
//   funnel        window.dom_loading, screen.rp_info, user.can_interact,
//                 generate_assertion, assertion_generated (blob sent, dialog
//                 shown, user engaged, assertion asked for, signed in: the
//                 milestones every flow of tests/fixtures/dialog-blob.json has)
//   min count K   10 (cells built from fewer records are withheld)
//
// A group is a record member named like a --where field (language,
// user_agent.os, rp_api, ...) or the derived "screen_class": desktop when
// screen_size.width >= 1024, mobile when <= 640, else tablet. A group's
// values can be renamed (aliases, e.g. user_agent.os "Windows NT 6.1" →
// "Windows 7") and limited to a list (anything else counts as "Other").
//
// Thread-safety: a value; the Parse* functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi {

enum class ReportPeriod { kHour, kDay, kWeek };

struct GroupSpec {
  std::string field;                           // "language", "user_agent.os", "screen_class"
  std::vector<std::string> path;               // field split at dots
  std::map<std::string, std::string> aliases;  // stored value → label
  std::vector<std::string> values;             // labels kept; empty: all (up to the cap)
};

struct ReportSpec {
  static constexpr uint64_t kDefaultMinCount = 10;
  // Distinct values a group keeps before the rest count as "Other", so
  // memory stays bounded whatever the data holds.
  static constexpr size_t kMaxGroupValues = 50;

  ReportPeriod period = ReportPeriod::kDay;
  std::string success_event = "assertion_generated";
  std::vector<std::string> funnel = DefaultFunnel();
  std::vector<GroupSpec> groups;
  uint64_t min_count = kDefaultMinCount;

  static std::vector<std::string> DefaultFunnel();
  // Validates the whole spec (names not empty, at most 16 funnel steps and
  // 8 groups, K >= 1); InvalidArgument names the bad part.
  Status Validate() const;
};

// "hour", "day" or "week".
Status ParseReportPeriod(std::string_view text, ReportPeriod* period);
std::string_view ReportPeriodName(ReportPeriod period);
int64_t ReportPeriodStart(ReportPeriod period, int64_t ts_ms);

// Adds a group for `field` (a member name as --where takes, or
// "screen_class"); a field given twice is one group.
Status AddReportGroup(std::string_view field, ReportSpec* spec);
// "FIELD:VALUE=LABEL", e.g. "user_agent.os:Windows NT 6.1=Windows 7". The
// field's group must exist.
Status AddGroupAlias(std::string_view text, ReportSpec* spec);
// "FIELD=V1,V2,...": the group keeps these labels (after aliases); others
// count as "Other".
Status SetGroupValues(std::string_view text, ReportSpec* spec);
// "a,b,c" → the funnel steps.
Status ParseFunnel(std::string_view text, std::vector<std::string>* steps);

}  // namespace kpi
