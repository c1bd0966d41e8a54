#include "libkpi/ship/clickhouse_rows.h"

#include <algorithm>

namespace kpi {
namespace {

namespace od = simdjson::ondemand;
using Kind = ClickHouseColumn::Kind;

// Whether a value of JSON type `type` fits a column of kind `kind`.
bool Fits(Kind kind, od::json_type type, od::number_type number) {
  switch (kind) {
    case Kind::kId:
      return type == od::json_type::string;
    case Kind::kTimestamp:
    case Kind::kInteger:
      return type == od::json_type::number && number == od::number_type::signed_integer;
    case Kind::kNumber:
      return type == od::json_type::number;
    case Kind::kBoolean:
      return type == od::json_type::boolean;
    case Kind::kString:
      return type == od::json_type::string || type == od::json_type::number;
    case Kind::kJsonText:
      return type == od::json_type::array || type == od::json_type::object;
  }
  return false;
}

}  // namespace

void AppendTsvEscaped(std::string* out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\0': out->append("\\0"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: out->push_back(c);
    }
  }
}

ClickHouseRowWriter::ClickHouseRowWriter(const std::vector<ClickHouseColumn>& columns) {
  for (size_t i = 0; i < columns.size(); ++i) {
    AddColumn(columns[i], static_cast<int>(i));
    names_.push_back(columns[i].name);
    nullable_.push_back(columns[i].type.rfind("Nullable(", 0) == 0);
  }
  cells_.resize(columns.size());
  present_.resize(columns.size());
}

void ClickHouseRowWriter::AddColumn(const ClickHouseColumn& column, int index) {
  std::vector<Node>* level = &members_;
  std::string_view path = column.path;
  for (size_t dot; (dot = path.find('.')) != std::string_view::npos; path.remove_prefix(dot + 1)) {
    const std::string_view name = path.substr(0, dot);
    auto it = std::find_if(level->begin(), level->end(),
                           [name](const Node& n) { return n.name == name; });
    if (it == level->end()) {
      level->push_back(Node{std::string(name), -1, Kind::kString, {}});
      it = level->end() - 1;
    }
    level = &it->children;
  }
  level->push_back(Node{std::string(path), index, column.kind, {}});
}

Status ClickHouseRowWriter::AppendRow(std::string_view json, std::string* out) {
  std::fill(present_.begin(), present_.end(), false);
  KPI_RETURN_IF_ERROR(
      parser_.ParseObject(json, [this](od::object object) { return FillObject(members_, object); }));
  for (size_t i = 0; i < cells_.size(); ++i) {
    if (!present_[i] && !nullable_[i]) {
      return Status::Corruption("record has no valid " + names_[i] + "; it is not shipped");
    }
  }
  for (size_t i = 0; i < cells_.size(); ++i) {
    if (i > 0) out->push_back('\t');
    if (present_[i]) {
      AppendTsvEscaped(out, cells_[i]);
    } else {
      out->append("\\N");
    }
  }
  out->push_back('\n');
  return Status::OK();
}

simdjson::error_code ClickHouseRowWriter::FillObject(const std::vector<Node>& nodes,
                                                     od::object object) {
  return ForEachNamedMember(object, nodes, &unknown_members_,
                            [this](const Node& node, od::value value) {
                              return FillValue(node, value);
                            });
}

simdjson::error_code ClickHouseRowWriter::FillValue(const Node& node, od::value value) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::null) return simdjson::SUCCESS;
  if (node.column < 0) {  // an object of the schema
    if (type != od::json_type::object) {
      ++mismatched_values_;
      return simdjson::SUCCESS;
    }
    od::object object;
    if (auto e = value.get_object().get(object)) return e;
    return FillObject(node.children, object);
  }
  od::number_type number = od::number_type::signed_integer;
  if (type == od::json_type::number) {
    if (auto e = value.get_number_type().get(number)) return e;
  }
  if (!Fits(node.kind, type, number)) {
    ++mismatched_values_;
    return simdjson::SUCCESS;
  }
  std::string& cell = cells_[node.column];
  std::string_view text;
  if (type == od::json_type::string) {
    if (auto e = value.get_string().get(text)) return e;
  } else if (type == od::json_type::boolean) {
    bool b = false;
    if (auto e = value.get_bool().get(b)) return e;
    text = b ? "1" : "0";
  } else if (type == od::json_type::number) {
    text = value.raw_json_token();
  } else if (auto e = RawJson(value, type, &text)) {
    return e;
  }
  cell.assign(text);
  present_[node.column] = true;
  return simdjson::SUCCESS;
}

}  // namespace kpi
