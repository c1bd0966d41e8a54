#include "libkpi/read/json_member.h"

namespace kpi {

namespace od = simdjson::ondemand;

JsonMember ReadJsonMember(od::value value) {
  JsonMember m;
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return m;
  switch (type) {
    case od::json_type::string:
      if (value.get_string().get(m.text) == simdjson::SUCCESS) m.kind = JsonMember::kString;
      break;
    case od::json_type::number:
      m.text = value.raw_json_token();
      while (!m.text.empty() && (m.text.back() == ' ' || m.text.back() == '\n')) {
        m.text.remove_suffix(1);
      }
      if (value.get_double().get(m.number) == simdjson::SUCCESS) m.kind = JsonMember::kNumber;
      break;
    case od::json_type::boolean:
      if (value.get_bool().get(m.boolean) == simdjson::SUCCESS) {
        m.kind = JsonMember::kBool;
        m.text = m.boolean ? "true" : "false";
      }
      break;
    case od::json_type::null:
      m.kind = JsonMember::kNull;
      m.text = "null";
      break;
    case od::json_type::array: {
      od::array a;
      if (value.get_array().get(a) == simdjson::SUCCESS &&
          a.raw_json().get(m.text) == simdjson::SUCCESS) {
        m.kind = JsonMember::kComposite;
      }
      break;
    }
    case od::json_type::object: {
      od::object o;
      if (value.get_object().get(o) == simdjson::SUCCESS &&
          o.raw_json().get(m.text) == simdjson::SUCCESS) {
        m.kind = JsonMember::kComposite;
      }
      break;
    }
  }
  return m;
}

JsonMember ReadNestedJsonMember(od::object object, const std::vector<std::string>& path) {
  for (size_t i = 1; i < path.size(); ++i) {
    od::value v;
    if (object.find_field_unordered(path[i]).get(v) != simdjson::SUCCESS) return JsonMember();
    if (i + 1 == path.size()) return ReadJsonMember(v);
    if (v.get_object().get(object) != simdjson::SUCCESS) return JsonMember();
  }
  return JsonMember();
}

bool IsMemberName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || (c == '.' && name[i - 1] != '.');
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> SplitMemberPath(std::string_view name) {
  std::vector<std::string> path;
  size_t start = 0;
  for (size_t dot; (dot = name.find('.', start)) != std::string_view::npos; start = dot + 1) {
    path.emplace_back(name.substr(start, dot - start));
  }
  path.emplace_back(name.substr(start));
  return path;
}

}  // namespace kpi
