// ReportRecordParser: reads, from one stored record line, only what a KPI
// report needs (ReportRecord), in one simdjson On-Demand pass over the
// top-level members.
//
// Rules (kpictl(1) documents them):
//   weight        1 / sample_rate; a missing, zero, negative or non-number
//                 sample_rate counts as 1
//   success       the first event of event_stream named spec.success_event;
//                 its offset (ms since the dialog opened) is the time to success
//   funnel        step i is reached when event_stream holds an event named
//                 funnel[i], wherever it stands
//   group values  a string as is; a number or boolean as its JSON text; an
//                 object or array "(composite)"; missing "(none)"; then the
//                 group's aliases; screen_class from screen_size.width
//
// Thread-safety: one parser per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/report/report_spec.h"
#include "libkpi/util/json_line_parser.h"
#include "libkpi/util/status.h"

namespace kpi {

struct ReportRecord {
  double weight = 1;
  bool success = false;
  int64_t success_offset_ms = 0;
  uint32_t funnel_reached = 0;  // bit i: funnel step i
  int new_account = -1;         // -1 missing, 0 false, 1 true
  std::string email_type;       // "" when missing
  int64_t number_emails = -1;   // -1 when missing or not a number
  bool has_sites = false;
  double sites_logged_in = 0;
  std::vector<std::string> group_values;  // one label per spec.groups, aliases applied

  void Reset(size_t groups);
};

// Event names as stored lines spell them (JSON-escaped, without quotes).
struct EscapedEvents {
  std::string success;
  std::vector<std::string> funnel;
};

class ReportRecordParser {
 public:
  // `spec` must outlive the parser; its event names are read now.
  explicit ReportRecordParser(const ReportSpec& spec);

  // Corruption when the line is not a JSON object (a stored line always is).
  Status Parse(std::string_view json, ReportRecord* record);

  static constexpr std::string_view kMissing = "(none)";
  static constexpr std::string_view kComposite = "(composite)";

 private:
  const ReportSpec& spec_;
  EscapedEvents targets_;
  JsonLineParser parser_;
};

}  // namespace kpi
