#include "libkpi/read/field_projection.h"

#include <algorithm>
#include <utility>

#include "libkpi/util/json_line_parser.h"
#include "libkpi/util/json_writer.h"

namespace kpi {
namespace {

namespace od = simdjson::ondemand;

bool ValidMemberName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// The stored text of a member value: the whole array or object, or the token.
simdjson::error_code RawValue(od::value value, std::string_view* raw) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::array) {
    od::array a;
    if (auto e = value.get_array().get(a)) return e;
    return a.raw_json().get(*raw);
  }
  if (type == od::json_type::object) {
    od::object o;
    if (auto e = value.get_object().get(o)) return e;
    return o.raw_json().get(*raw);
  }
  *raw = value.raw_json_token();
  while (!raw->empty() && (raw->back() == ' ' || raw->back() == '\n' || raw->back() == '\t' ||
                           raw->back() == '\r')) {
    raw->remove_suffix(1);
  }
  return simdjson::SUCCESS;
}

Status NotAnObject(simdjson::error_code error) {
  return Status::Corruption("record is not a JSON object: " +
                            std::string(simdjson::error_message(error)));
}

}  // namespace

struct FieldProjection::Rep {
  std::vector<std::string> included;
  std::vector<std::string> excluded;
  JsonLineParser parser;

  bool Keeps(std::string_view key) const {
    if (std::find(excluded.begin(), excluded.end(), key) != excluded.end()) return false;
    if (included.empty()) return true;
    return key == "_id" || std::find(included.begin(), included.end(), key) != included.end();
  }
};

FieldProjection::FieldProjection() : rep_(std::make_unique<Rep>()) {}
FieldProjection::~FieldProjection() = default;
FieldProjection::FieldProjection(FieldProjection&&) noexcept = default;
FieldProjection& FieldProjection::operator=(FieldProjection&&) noexcept = default;

Status FieldProjection::Parse(const std::vector<std::string>& specs, FieldProjection* projection) {
  auto rep = std::make_unique<Rep>();
  for (const std::string& spec : specs) {
    size_t start = 0;
    while (start <= spec.size()) {
      size_t comma = spec.find(',', start);
      if (comma == std::string::npos) comma = spec.size();
      std::string name = spec.substr(start, comma - start);
      start = comma + 1;
      const bool exclude = !name.empty() && name[0] == '-';
      if (exclude) name.erase(0, 1);
      if (!ValidMemberName(name)) {
        return Status::InvalidArgument("fields '" + spec + "': '" + name +
                                       "' is not a member name (use e.g. timestamp,language "
                                       "or -event_stream)");
      }
      (exclude ? rep->excluded : rep->included).push_back(std::move(name));
    }
  }
  projection->rep_ = std::move(rep);
  return Status::OK();
}

bool FieldProjection::empty() const { return rep_->included.empty() && rep_->excluded.empty(); }

Status FieldProjection::Project(std::string_view json, std::string* out) {
  out->clear();
  if (empty()) {
    out->assign(json);
    return Status::OK();
  }
  od::document doc;
  od::object object;
  auto error = rep_->parser.Iterate(json).get(doc);
  if (!error) error = doc.get_object().get(object);
  if (error) return NotAnObject(error);
  out->push_back('{');
  for (auto field_result : object) {
    od::field field;
    std::string_view key, raw;
    if ((error = std::move(field_result).get(field)) || (error = field.unescaped_key().get(key)))
      break;
    if (!rep_->Keeps(key)) continue;
    if ((error = RawValue(field.value(), &raw))) break;
    if (out->size() > 1) out->push_back(',');
    AppendJsonKey(out, key);
    out->append(raw);
  }
  if (error) return NotAnObject(error);
  out->push_back('}');
  return Status::OK();
}

}  // namespace kpi
