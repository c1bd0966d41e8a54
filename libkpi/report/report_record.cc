#include "libkpi/report/report_record.h"

#include <cmath>

#include "libkpi/read/json_member.h"
#include "libkpi/util/json_writer.h"

namespace kpi {
namespace {

namespace od = simdjson::ondemand;

constexpr std::string_view kScreenClass = "screen_class";
constexpr int64_t kDesktopMinWidth = 1024;
constexpr int64_t kMobileMaxWidth = 640;

using Scalar = JsonMember;

std::string_view LabelOf(const Scalar& s) {
  switch (s.kind) {
    case Scalar::kMissing:
      return ReportRecordParser::kMissing;
    case Scalar::kComposite:
      return ReportRecordParser::kComposite;
    default:
      return s.text;
  }
}

std::string_view ScreenClass(const Scalar& width) {
  if (width.kind != Scalar::kNumber) return ReportRecordParser::kMissing;
  if (width.number >= kDesktopMinWidth) return "desktop";
  if (width.number <= kMobileMaxWidth) return "mobile";
  return "tablet";
}

}  // namespace

// Keeps the strings' buffers: a parser fills the same record a million times.
void ReportRecord::Reset(size_t groups) {
  std::vector<std::string> values = std::move(group_values);
  std::string type = std::move(email_type);
  *this = ReportRecord();
  values.resize(groups);
  for (std::string& value : values) value.assign(ReportRecordParser::kMissing);
  type.clear();
  group_values = std::move(values);
  email_type = std::move(type);
}

namespace {

// Reads event_stream: the success event's first offset and the funnel
// steps. Names are compared in their stored (escaped) spelling, so no name
// is unescaped, and an offset is parsed only for the success event.
void ReadEvents(od::value value, const EscapedEvents& targets, ReportRecord* record) {
  od::array events;
  if (value.get_array().get(events) != simdjson::SUCCESS) return;
  for (auto item : events) {
    od::array event;
    if (item.get_array().get(event) != simdjson::SUCCESS) continue;
    auto element = event.begin();
    if (element == event.end()) continue;
    od::raw_json_string name;
    if ((*element).get_raw_json_string().get(name) != simdjson::SUCCESS) continue;
    if (!record->success && name.unsafe_is_equal(targets.success)) {
      record->success = true;
      double offset = 0;
      if (++element != event.end() && (*element).get_double().get(offset) == simdjson::SUCCESS) {
        record->success_offset_ms = std::llround(offset);
      }
    }
    for (size_t i = 0; i < targets.funnel.size(); ++i) {
      if (name.unsafe_is_equal(targets.funnel[i])) record->funnel_reached |= 1u << i;
    }
  }
}

std::string Labelled(const GroupSpec& group, std::string_view label) {
  const auto alias = group.aliases.find(std::string(label));
  return alias == group.aliases.end() ? std::string(label) : alias->second;
}

bool IsKnown(std::string_view key) {
  return key == "sample_rate" || key == "new_account" || key == "email_type" ||
         key == "number_emails" || key == "number_sites_logged_in";
}

void ReadKnown(std::string_view key, const Scalar& s, ReportRecord* r) {
  if (key == "sample_rate") {
    if (s.kind == Scalar::kNumber && s.number > 0) r->weight = 1 / s.number;
  } else if (key == "new_account") {
    if (s.kind == Scalar::kBool) r->new_account = s.boolean ? 1 : 0;
  } else if (key == "email_type") {
    if (s.kind == Scalar::kString) r->email_type = std::string(s.text);
  } else if (key == "number_emails") {
    if (s.kind == Scalar::kNumber && s.number >= 0) r->number_emails = std::llround(s.number);
  } else if (key == "number_sites_logged_in") {
    if (s.kind == Scalar::kNumber) r->has_sites = true, r->sites_logged_in = s.number;
  }
}

}  // namespace

ReportRecordParser::ReportRecordParser(const ReportSpec& spec) : spec_(spec) {
  auto escaped = [](const std::string& name) {
    std::string quoted;
    AppendJsonString(&quoted, name);
    return quoted.substr(1, quoted.size() - 2);
  };
  targets_.success = escaped(spec.success_event);
  for (const std::string& step : spec.funnel) targets_.funnel.push_back(escaped(step));
}

Status ReportRecordParser::Parse(std::string_view json, ReportRecord* record) {
  record->Reset(spec_.groups.size());
  od::document doc;
  od::object object;
  if (parser_.Iterate(json).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return Status::Corruption("record is not a JSON object");
  }
  for (auto field_result : object) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return Status::Corruption("record has an unreadable member name");
    }
    if (key == "event_stream") {
      ReadEvents(field.value(), targets_, record);
      continue;
    }
    bool nested = false;
    for (const GroupSpec& g : spec_.groups) {
      nested |= g.path.size() > 1 && g.path[0] == key;
      nested |= g.field == kScreenClass && key == "screen_size";
    }
    if (nested) {
      od::object inner;
      if (field.value().get_object().get(inner) != simdjson::SUCCESS) continue;
      for (size_t i = 0; i < spec_.groups.size(); ++i) {
        const GroupSpec& g = spec_.groups[i];
        if (g.field == kScreenClass && key == "screen_size") {
          const JsonMember width = ReadNestedJsonMember(inner, {"screen_size", "width"});
          record->group_values[i] = ScreenClass(width);
        } else if (g.path.size() > 1 && g.path[0] == key) {
          record->group_values[i] = Labelled(g, LabelOf(ReadNestedJsonMember(inner, g.path)));
        }
      }
      continue;
    }
    bool direct = IsKnown(key);
    for (const GroupSpec& g : spec_.groups) direct |= g.path.size() == 1 && g.field == key;
    if (!direct) continue;  // skipped unread
    const Scalar s = ReadJsonMember(field.value());
    ReadKnown(key, s, record);
    for (size_t i = 0; i < spec_.groups.size(); ++i) {
      const GroupSpec& g = spec_.groups[i];
      if (g.path.size() == 1 && g.field == key) record->group_values[i] = Labelled(g, LabelOf(s));
    }
  }
  for (size_t i = 0; i < spec_.groups.size(); ++i) {  // aliases of a missing member too
    if (record->group_values[i] == kMissing) {
      record->group_values[i] = Labelled(spec_.groups[i], kMissing);
    }
  }
  return Status::OK();
}

}  // namespace kpi
