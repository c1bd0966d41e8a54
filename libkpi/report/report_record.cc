#include "libkpi/report/report_record.h"

#include <algorithm>
#include <cmath>
#include <cstring>

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
    uint64_t head;
    std::memcpy(&head, name.raw(), sizeof head);
    const auto is = [&](const EscapedName& target) {
      return target.MayBe(head) && name.unsafe_is_equal(target.text);
    };
    if (!record->success && is(targets.success)) {
      record->success = true;
      double offset = 0;
      if (++element != event.end() && (*element).get_double().get(offset) == simdjson::SUCCESS) {
        record->success_offset_ms = std::llround(offset);
      }
    }
    for (size_t i = 0; i < targets.funnel.size(); ++i) {
      if (is(targets.funnel[i])) record->funnel_reached |= 1u << i;
    }
  }
}

// *out = `label` after the group's aliases.
void AssignLabel(const GroupSpec& group, std::string_view label, std::string* out) {
  if (!group.aliases.empty()) {
    const auto alias = group.aliases.find(std::string(label));
    if (alias != group.aliases.end()) return out->assign(alias->second), void();
  }
  out->assign(label);
}

constexpr std::string_view kKnownMembers[] = {"sample_rate", "new_account", "email_type",
                                              "number_emails", "number_sites_logged_in"};

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

EscapedName::EscapedName(std::string_view name) {
  AppendJsonString(&text, name);
  text = text.substr(1, text.size() - 2);
  char bytes[sizeof prefix] = {}, counts[sizeof mask] = {};
  const size_t n = std::min(text.size(), sizeof prefix);
  std::memcpy(bytes, text.data(), n);
  std::memset(counts, 0xFF, n);
  std::memcpy(&prefix, bytes, sizeof prefix);
  std::memcpy(&mask, counts, sizeof mask);
}

EscapedEvents::EscapedEvents(const ReportSpec& spec) : success(spec.success_event) {
  for (const std::string& step : spec.funnel) funnel.emplace_back(step);
}

ReportRecordParser::ReportRecordParser(const ReportSpec& spec) : spec_(spec), targets_(spec) {
  // Where a name has several uses, the first of events, nested, scalar wins
  // (as the order of the checks Parse made before this table).
  AddMember("event_stream", Member::kEvents);
  for (const GroupSpec& g : spec.groups) {
    if (g.field == kScreenClass) AddMember("screen_size", Member::kNested);
    if (g.path.size() > 1) AddMember(g.path[0], Member::kNested);
  }
  for (std::string_view known : kKnownMembers) AddMember(known, Member::kScalar);
  for (const GroupSpec& g : spec.groups) {
    if (g.path.size() == 1) AddMember(g.field, Member::kScalar);
  }
}

void ReportRecordParser::AddMember(std::string_view key, Member::Use use) {
  if (FindMember(key) == nullptr) members_.push_back(Member{std::string(key), use});
}

const ReportRecordParser::Member* ReportRecordParser::FindMember(std::string_view key) const {
  for (const Member& m : members_) {
    if (m.key.size() == key.size() && m.key[0] == key[0] && m.key == key) return &m;
  }
  return nullptr;
}

void ReportRecordParser::ReadNested(std::string_view key, od::value value, ReportRecord* record) {
  static const std::vector<std::string> kScreenWidth = {"screen_size", "width"};
  od::object inner;
  if (value.get_object().get(inner) != simdjson::SUCCESS) return;
  for (size_t i = 0; i < spec_.groups.size(); ++i) {
    const GroupSpec& g = spec_.groups[i];
    if (g.field == kScreenClass && key == "screen_size") {
      record->group_values[i] = ScreenClass(ReadNestedJsonMember(inner, kScreenWidth));
    } else if (g.path.size() > 1 && g.path[0] == key) {
      AssignLabel(g, LabelOf(ReadNestedJsonMember(inner, g.path)), &record->group_values[i]);
    }
  }
}

void ReportRecordParser::ReadScalar(std::string_view key, od::value value, ReportRecord* record) {
  const Scalar s = ReadJsonMember(value);
  ReadKnown(key, s, record);
  for (size_t i = 0; i < spec_.groups.size(); ++i) {
    const GroupSpec& g = spec_.groups[i];
    if (g.path.size() == 1 && g.field == key) AssignLabel(g, LabelOf(s), &record->group_values[i]);
  }
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
    const Member* member = key.empty() ? nullptr : FindMember(key);
    if (member == nullptr) continue;  // skipped unread
    switch (member->use) {
      case Member::kEvents:
        ReadEvents(field.value(), targets_, record);
        break;
      case Member::kNested:
        ReadNested(key, field.value(), record);
        break;
      case Member::kScalar:
        ReadScalar(key, field.value(), record);
        break;
    }
  }
  for (size_t i = 0; i < spec_.groups.size(); ++i) {  // aliases of a missing member too
    if (record->group_values[i] == kMissing) {
      AssignLabel(spec_.groups[i], kMissing, &record->group_values[i]);
    }
  }
  return Status::OK();
}

}  // namespace kpi
