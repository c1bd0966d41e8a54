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

// An event name as stored lines spell it (JSON-escaped, without quotes),
// with its first 8 bytes as a word: a stream's other names mostly differ
// there, so one compare turns them away (a record has ~20 events and a
// report 6 names to find).
struct EscapedName {
  explicit EscapedName(std::string_view name);
  // Whether a string whose text starts with the 8 bytes `head` (read
  // with memcpy; simdjson's padding makes them readable) may be this name.
  bool MayBe(uint64_t head) const { return ((head ^ prefix) & mask) == 0; }

  std::string text;
  uint64_t prefix = 0;  // text's first bytes, zero-filled to 8
  uint64_t mask = 0;    // 0xFF in the bytes of `prefix` that count
};

struct EscapedEvents {
  explicit EscapedEvents(const ReportSpec& spec);
  EscapedName success;
  std::vector<EscapedName> funnel;
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
  // A top-level member the report reads; any other is skipped unread.
  struct Member {
    enum Use { kEvents, kNested, kScalar };
    std::string key;
    Use use;
  };

  void AddMember(std::string_view key, Member::Use use);
  const Member* FindMember(std::string_view key) const;
  void ReadNested(std::string_view key, simdjson::ondemand::value value, ReportRecord* record);
  void ReadScalar(std::string_view key, simdjson::ondemand::value value, ReportRecord* record);

  const ReportSpec& spec_;
  EscapedEvents targets_;
  std::vector<Member> members_;  // a handful: a scan beats hashing
  JsonLineParser parser_;
};

}  // namespace kpi
