// Loading of schema files (packaging/schema.md): every key is checked, so a
// typo in a schema fails at start rather than letting data through unchecked.
#include <simdjson.h>

#include <cmath>

#include "libkpi/util/json_writer.h"
#include "libkpi/ingest/schema_field.h"

namespace kpi::schema_internal {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::string_view kFormat = "kpi-schema/1";

constexpr uint32_t Bit(FieldType type) { return 1u << static_cast<int>(type); }
constexpr uint32_t kAnyType = Bit(FieldType::kObject) * 2 - 1;
constexpr uint32_t kBounded = Bit(FieldType::kInteger) | Bit(FieldType::kNumber);
constexpr uint32_t kStringy = Bit(FieldType::kString) | Bit(FieldType::kStringOrNumber);
constexpr uint32_t kEvents = Bit(FieldType::kEventStream);

// Which keys a field entry may carry, and for which types.
struct KeyRule {
  std::string_view key;
  uint32_t applies_to;
  uint32_t required_for;
};
constexpr KeyRule kKeyRules[] = {
    {"name", kAnyType, kAnyType},
    {"type", kAnyType, kAnyType},
    {"aliases", kAnyType, 0},
    {"description", kAnyType, 0},
    {"required", kAnyType & ~Bit(FieldType::kTimestamp), 0},
    {"min", kBounded, kBounded},
    {"max", kBounded, kBounded},
    {"scale_by_server_sample_rate", Bit(FieldType::kNumber), 0},
    {"min_length", kStringy, 0},
    {"max_length", kStringy, kStringy},
    {"charset", kStringy | kEvents, 0},
    {"forbid", kStringy, 0},
    {"min_items", kEvents, 0},
    {"max_items", kEvents, kEvents},
    {"max_name_length", kEvents, kEvents},
    {"max_number", kEvents, kEvents},
    {"values", Bit(FieldType::kEnum), Bit(FieldType::kEnum)},
    {"fields", Bit(FieldType::kObject), Bit(FieldType::kObject)},
};

struct NamedType {
  std::string_view name;
  FieldType type;
};
constexpr NamedType kTypes[] = {
    {"timestamp", FieldType::kTimestamp}, {"event_stream", FieldType::kEventStream},
    {"integer", FieldType::kInteger},     {"number", FieldType::kNumber},
    {"boolean", FieldType::kBoolean},     {"string", FieldType::kString},
    {"string_or_number", FieldType::kStringOrNumber}, {"enum", FieldType::kEnum},
    {"object", FieldType::kObject},
};

struct NamedCharset {
  std::string_view name;
  Charset charset;
};
constexpr NamedCharset kCharsets[] = {
    {"printable", Charset::kPrintable},
    {"language_tag", Charset::kLanguageTag},
    {"text", Charset::kText},
    {"token", Charset::kToken},
};

// Reads one field entry of a schema; `where_` names it in every error.
class FieldReader {
 public:
  FieldReader(const SchemaSpec& spec, std::string where, size_t level)
      : spec_(spec), where_(std::move(where)), level_(level) {}

  Status Read(object entry, FieldSpec* field);

 private:
  Status Error(std::string_view key, std::string_view what) const {
    return Status::InvalidArgument(where_ + ": \"" + std::string(key) + "\" " + std::string(what));
  }
  Status ReadNameAndType(object entry, FieldSpec* field);
  Status CheckKeys(object entry, FieldType type) const;
  Status ReadKey(std::string_view key, element value, FieldSpec* field);
  Status ReadCount(std::string_view key, element value, size_t* out) const;
  Status ReadInt(std::string_view key, element value, int64_t* out) const;
  Status ReadStrings(std::string_view key, element value, std::vector<std::string>* out) const;
  Status CheckField(const FieldSpec& field) const;

  const SchemaSpec& spec_;
  std::string where_;
  size_t level_;  // nesting level of the object holding this field (top = 1)
};

Status ReadFieldList(const SchemaSpec& spec, element list, const std::string& where, size_t level,
                     std::vector<FieldSpec>* fields, FieldKeyIndex* keys);

Status FieldReader::Read(object entry, FieldSpec* field) {
  KPI_RETURN_IF_ERROR(ReadNameAndType(entry, field));
  KPI_RETURN_IF_ERROR(CheckKeys(entry, field->type));
  std::string_view description;
  if (!entry["description"].get(description)) field->description = std::string(description);
  for (auto [key, value] : entry) {
    if (key == "name" || key == "type" || key == "description") continue;
    KPI_RETURN_IF_ERROR(ReadKey(key, value, field));
  }
  return CheckField(*field);
}

Status FieldReader::ReadNameAndType(object entry, FieldSpec* field) {
  std::string_view name, type;
  if (entry["name"].get(name) || name.empty()) return Error("name", "is missing or not a string");
  field->name = std::string(name);
  AppendJsonKey(&field->json_key, name);
  where_ += " (" + field->name + ")";
  if (entry["type"].get(type)) return Error("type", "is missing or not a string");
  for (const NamedType& t : kTypes) {
    if (t.name == type) {
      field->type = t.type;
      return Status::OK();
    }
  }
  return Error("type", "is not one of timestamp, event_stream, integer, number, boolean, "
                       "string, string_or_number, enum, object");
}

Status FieldReader::CheckKeys(object entry, FieldType type) const {
  for (const KeyRule& rule : kKeyRules) {
    if ((rule.required_for & Bit(type)) && entry[rule.key].error()) {
      return Error(rule.key, "is required for this type");
    }
  }
  for (auto [key, value] : entry) {
    const KeyRule* found = nullptr;
    for (const KeyRule& rule : kKeyRules) {
      if (rule.key == key) found = &rule;
    }
    if (found == nullptr) return Error(key, "is not a schema key (see packaging/schema.md)");
    if (!(found->applies_to & Bit(type))) return Error(key, "does not apply to this type");
  }
  return Status::OK();
}

Status FieldReader::ReadKey(std::string_view key, element value, FieldSpec* field) {
  const bool is_number = field->type == FieldType::kNumber;
  if (key == "aliases") return ReadStrings(key, value, &field->aliases);
  if (key == "required" || key == "scale_by_server_sample_rate") {
    bool flag;
    if (value.get(flag)) return Error(key, "is not true or false");
    (key == "required" ? field->required : field->scale_by_server_sample_rate) = flag;
    return Status::OK();
  }
  if (is_number && (key == "min" || key == "max")) {
    double bound;
    if (value.get(bound) || !std::isfinite(bound)) return Error(key, "is not a number");
    (key == "min" ? field->min_number : field->max_number) = bound;
    return Status::OK();
  }
  if (key == "min") return ReadInt(key, value, &field->min_int);
  if (key == "max" || key == "max_number") return ReadInt(key, value, &field->max_int);
  if (key == "min_length") return ReadCount(key, value, &field->min_length);
  if (key == "max_length" || key == "max_name_length") {
    return ReadCount(key, value, &field->max_length);
  }
  if (key == "max_items") return ReadCount(key, value, &field->max_items);
  if (key == "min_items") return ReadCount(key, value, &field->min_items);
  if (key == "forbid") return ReadStrings(key, value, &field->forbid);
  if (key == "values") return ReadStrings(key, value, &field->values);
  if (key == "fields") return ReadFieldList(spec_, value, where_, level_ + 1, &field->fields, &field->keys);
  // Only "charset" is left (CheckKeys rejected every other key).
  std::string_view name;
  if (!value.get(name)) {
    for (const NamedCharset& c : kCharsets) {
      if (c.name == name) {
        field->charset = c.charset;
        return Status::OK();
      }
    }
  }
  return Error(key, "is not one of printable, language_tag, text, token");
}

Status FieldReader::ReadCount(std::string_view key, element value, size_t* out) const {
  uint64_t count;
  if (value.get(count) || count == 0) return Error(key, "is not a positive integer");
  *out = static_cast<size_t>(count);
  return Status::OK();
}

Status FieldReader::ReadInt(std::string_view key, element value, int64_t* out) const {
  if (value.get(*out)) return Error(key, "is not an integer");
  return Status::OK();
}

Status FieldReader::ReadStrings(std::string_view key, element value,
                                std::vector<std::string>* out) const {
  array list;
  if (value.get(list)) return Error(key, "is not an array of strings");
  for (element item : list) {
    std::string_view text;
    if (item.get(text) || text.empty()) return Error(key, "holds an empty string or a non-string");
    out->emplace_back(text);
  }
  return Status::OK();
}

Status FieldReader::CheckField(const FieldSpec& field) const {
  switch (field.type) {
    case FieldType::kTimestamp:
      if (level_ != 1) return Error("type", "timestamp is allowed at the top level only");
      break;
    case FieldType::kInteger:
    case FieldType::kEventStream:
      if (field.min_int > field.max_int) return Error("min", "is above \"max\"");
      if (field.min_items > field.max_items) return Error("min_items", "is above max_items");
      if (field.type == FieldType::kEventStream && level_ + 2 > spec_.max_depth) {
        return Error("type", "nests deeper than the schema's max_depth");
      }
      break;
    case FieldType::kNumber:
      if (field.min_number > field.max_number) return Error("min", "is above \"max\"");
      break;
    case FieldType::kString:
    case FieldType::kStringOrNumber:
      if (field.min_length > field.max_length) return Error("min_length", "is above max_length");
      break;
    case FieldType::kEnum:
      if (field.values.empty()) return Error("values", "is empty");
      break;
    case FieldType::kObject:
      if (level_ + 1 > spec_.max_depth) {
        return Error("type", "nests deeper than the schema's max_depth");
      }
      break;
    case FieldType::kBoolean:
      break;
  }
  return Status::OK();
}

// True when some key names both fields (names and aliases must be unique).
bool Overlaps(const FieldSpec& a, const FieldSpec& b) {
  if (b.Matches(a.name)) return true;
  for (const std::string& alias : a.aliases) {
    if (b.Matches(alias)) return true;
  }
  return false;
}

// Slots for every name and alias of `fields`, probed from their hash.
FieldKeyIndex IndexKeys(const std::vector<FieldSpec>& fields) {
  std::vector<std::pair<std::string_view, FieldKeyIndex::Slot>> keys;
  for (size_t f = 0; f < fields.size(); ++f) {
    keys.push_back({fields[f].name, {static_cast<int16_t>(f), -1}});
    for (size_t a = 0; a < fields[f].aliases.size(); ++a) {
      keys.push_back({fields[f].aliases[a], {static_cast<int16_t>(f), static_cast<int16_t>(a)}});
    }
  }
  size_t size = 8;
  while (size < 2 * keys.size()) size *= 2;
  FieldKeyIndex index;
  index.slots.resize(size);
  for (const auto& [key, slot] : keys) {
    size_t i = FieldKeyIndex::Hash(key) & (size - 1);
    while (index.slots[i].field >= 0) i = (i + 1) & (size - 1);
    index.slots[i] = slot;
  }
  return index;
}

Status ReadFieldList(const SchemaSpec& spec, element list, const std::string& where, size_t level,
                     std::vector<FieldSpec>* fields, FieldKeyIndex* keys) {
  array entries;
  if (list.get(entries) || entries.size() == 0) {
    return Status::InvalidArgument(where + ": \"fields\" is not a non-empty array");
  }
  if (entries.size() > kMaxFieldsPerObject) {
    return Status::InvalidArgument(where + ": more than " + std::to_string(kMaxFieldsPerObject) +
                                   " fields in one object");
  }
  for (element item : entries) {
    const std::string item_where =
        where + (level == 1 ? ": " : ".") + "fields[" + std::to_string(fields->size()) + "]";
    object entry;
    if (item.get(entry)) return Status::InvalidArgument(item_where + ": is not an object");
    FieldSpec field;
    KPI_RETURN_IF_ERROR(FieldReader(spec, item_where, level).Read(entry, &field));
    for (const FieldSpec& earlier : *fields) {
      if (Overlaps(field, earlier)) {
        return Status::InvalidArgument(item_where + " (" + field.name +
                                       "): a name or alias is already used by " + earlier.name);
      }
    }
    fields->push_back(std::move(field));
  }
  if (level == 1 && (fields->front().type != FieldType::kTimestamp ||
                     fields->front().name != "timestamp")) {
    return Status::InvalidArgument(
        where + ": fields[0] must be {\"name\": \"timestamp\", \"type\": \"timestamp\"} "
                "(records store the timestamp right after _id)");
  }
  *keys = IndexKeys(*fields);
  return Status::OK();
}

Status ReadTopLevelCount(object root, const std::string& origin, std::string_view key,
                         uint64_t* out) {
  if (root[key].get(*out) || *out == 0) {
    return Status::InvalidArgument(origin + ": \"" + std::string(key) +
                                   "\" is missing or not a positive integer");
  }
  return Status::OK();
}

Status CheckTopLevelKeys(object root, const std::string& origin) {
  static constexpr std::string_view kKeys[] = {"format",    "timestamp_round_ms", "max_members",
                                               "max_depth", "fields",             "description"};
  for (auto [key, value] : root) {
    bool known = false;
    for (std::string_view k : kKeys) known = known || k == key;
    if (!known) {
      return Status::InvalidArgument(origin + ": \"" + std::string(key) +
                                     "\" is not a schema key (see packaging/schema.md)");
    }
  }
  std::string_view format;
  if (root["format"].get(format) || format != kFormat) {
    return Status::InvalidArgument(origin + ": \"format\" must be \"" + std::string(kFormat) + "\"");
  }
  return Status::OK();
}

}  // namespace

Status ParseSchemaSpec(std::string_view json, const std::string& origin, SchemaSpec* spec) {
  simdjson::dom::parser parser;
  object root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    return Status::InvalidArgument(origin + ": not a JSON object: " +
                                   simdjson::error_message(error));
  }
  KPI_RETURN_IF_ERROR(CheckTopLevelKeys(root, origin));
  uint64_t round_ms, max_members, max_depth;
  KPI_RETURN_IF_ERROR(ReadTopLevelCount(root, origin, "timestamp_round_ms", &round_ms));
  KPI_RETURN_IF_ERROR(ReadTopLevelCount(root, origin, "max_members", &max_members));
  KPI_RETURN_IF_ERROR(ReadTopLevelCount(root, origin, "max_depth", &max_depth));
  spec->source = std::string(json);
  spec->timestamp_round_ms = static_cast<int64_t>(round_ms);
  spec->max_members = static_cast<size_t>(max_members);
  spec->max_depth = static_cast<size_t>(max_depth);
  spec->fields.clear();
  element fields;
  if (root["fields"].get(fields)) return Status::InvalidArgument(origin + ": \"fields\" is missing");
  return ReadFieldList(*spec, fields, origin, 1, &spec->fields, &spec->keys);
}

}  // namespace kpi::schema_internal
