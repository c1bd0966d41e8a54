// Schema: loading (schema_loader.cc) and Canonicalize, the per-blob check.
//
// Canonicalize walks a blob twice per object: first it maps each member to
// its schema field (catching duplicates and unknown members), then it writes
// the fields in schema order. Errors are built only on failure, so a valid
// blob costs no allocation beyond the growth of the output string.
#include "libkpi/ingest/schema.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "libkpi/default_schema_json.h"  // generated from packaging/schema.json
#include "libkpi/util/json_writer.h"
#include "libkpi/ingest/canonical_writer.h"
#include "libkpi/ingest/personal_data.h"
#include "libkpi/ingest/schema_field.h"
#include "libkpi/ingest/text_verdicts.h"
#include "libkpi/util/time_util.h"

namespace kpi {

using schema_internal::CanonicalWriter;
using schema_internal::Charset;
using schema_internal::FieldKeyIndex;
using schema_internal::FieldSpec;
using schema_internal::FieldType;
using schema_internal::SchemaSpec;
using schema_internal::TextVerdicts;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

struct Schema::Rep {
  SchemaSpec spec;
};

namespace {

// The store names hours with four-digit years (store_layout.h): a later
// record would have no file to go to, and its commit would fail the whole
// request it came with. Refused here whatever --max-future allows.
constexpr int64_t kLastStorableMs = 253402300799999;  // 9999-12-31T23:59:59.999Z

// Where in a blob a check failed: "screen_size.width", "event_stream[3][1]".
// Nodes live on the stack of the walk; the text is built only for an error.
struct PathNode {
  const PathNode* up = nullptr;
  std::string_view name;
  int64_t index = -1;  // >= 0 for an array item
};

std::string PathString(const PathNode* node) {
  if (node == nullptr) return "";
  std::string path = PathString(node->up);
  if (node->index >= 0) return path + "[" + std::to_string(node->index) + "]";
  if (!path.empty()) path += '.';
  return path.append(node->name);
}

// Which bytes each charset admits (kInvalid clear), and which must be
// escaped in a JSON string (kEscape: '"', '\\', controls), one table per
// Charset value; a lookup per byte keeps the check off the profile, and the
// same pass tells whether the text can be copied into the body unescaped.
enum CharBits : uint8_t { kInvalid = 1, kEscape = 2 };
using CharsetTable = std::array<uint8_t, 256>;
constexpr CharsetTable MakeCharsetTable(Charset charset) {
  CharsetTable table{};
  for (int c = 0; c < 256; ++c) {
    bool allowed = false;
    switch (charset) {
      case Charset::kPrintable:
        allowed = c >= 0x20 && c <= 0x7e;
        break;
      case Charset::kLanguageTag:
        allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        break;
      case Charset::kText:
        allowed = c >= 0x20 && c != 0x7f;
        break;
      case Charset::kToken:
        allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == ' ' || c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
        break;
    }
    table[c] = static_cast<uint8_t>((allowed ? 0 : kInvalid) |
                                    (c < 0x20 || c == '"' || c == '\\' ? kEscape : 0));
  }
  return table;
}
constexpr CharsetTable kCharsetTables[] = {MakeCharsetTable(Charset::kPrintable),
                                           MakeCharsetTable(Charset::kLanguageTag),
                                           MakeCharsetTable(Charset::kText),
                                           MakeCharsetTable(Charset::kToken)};

bool NeedsEscape(std::string_view text) {
  uint8_t bits = 0;
  for (char c : text) bits |= kCharsetTables[0][static_cast<unsigned char>(c)];
  return (bits & kEscape) != 0;
}

// True when `value` holds arrays or objects nested more than `allowed` deep.
bool DeeperThan(element value, size_t allowed) {
  if (value.is_array()) {
    if (allowed == 0) return true;
    for (element item : array(value)) {
      if (DeeperThan(item, allowed - 1)) return true;
    }
  } else if (value.is_object()) {
    if (allowed == 0) return true;
    for (auto [key, member] : object(value)) {
      if (DeeperThan(member, allowed - 1)) return true;
    }
  }
  return false;
}

class Canonicalizer {
 public:
  Canonicalizer(const SchemaSpec& spec, const CanonicalizeContext& ctx, CanonicalBlob* out,
                FieldError* error)
      : spec_(spec), ctx_(ctx), out_(out), body_(&out->body), error_(error) {}
  ~Canonicalizer() { body_.Close(); }

  bool Blob(element blob) {
    object members;
    if (blob.get(members)) return Fail(nullptr, "not an object");
    return Object(spec_.fields, spec_.keys, members, 1, nullptr);
  }

 private:
  bool Fail(const PathNode* at, std::string reason) {
    if (error_ != nullptr) *error_ = FieldError{PathString(at), std::move(reason)};
    return false;
  }

  bool Object(const std::vector<FieldSpec>& fields, const FieldKeyIndex& keys, object members,
              size_t level, const PathNode* path);
  bool Unknown(object members, size_t position, std::string_view key, element value,
               size_t level, const PathNode& at);
  bool Missing(const FieldSpec& field, bool* first, const PathNode& at);
  bool Value(const FieldSpec& field, element value, size_t level, const PathNode& at);
  bool Timestamp(element value, const PathNode& at);
  bool Integer(const FieldSpec& field, element value, const PathNode& at);
  bool Number(const FieldSpec& field, element value, const PathNode& at);
  bool Text(const FieldSpec& field, element value, const PathNode& at);
  bool TextOrNumber(const FieldSpec& field, element value, const PathNode& at);
  bool Enum(const FieldSpec& field, element value, const PathNode& at);
  bool EventStream(const FieldSpec& field, element value, const PathNode& at);
  bool Event(const FieldSpec& field, element value, const PathNode& at);
  bool CheckText(const FieldSpec& field, std::string_view text, size_t min_length,
                 const PathNode& at, bool* needs_escape);
  void AppendText(std::string_view text, bool needs_escape);
  bool CheckRange(int64_t value, int64_t min, int64_t max, const PathNode& at);

  const SchemaSpec& spec_;
  const CanonicalizeContext& ctx_;
  CanonicalBlob* out_;
  CanonicalWriter body_;  // into out_->body
  FieldError* error_;
};

// The top level object's "{" is not written: the body follows `{"_id":"...",`.
bool Canonicalizer::Object(const std::vector<FieldSpec>& fields, const FieldKeyIndex& keys,
                           object members, size_t level, const PathNode* path) {
  if (members.size() > spec_.max_members) {
    return Fail(path, "too many members (max " + std::to_string(spec_.max_members) + ")");
  }
  // Left uninitialised: only the slots of seen fields are written and read
  // (constructing 64 elements would zero 1 KiB per object).
  union Slot {
    Slot() {}
    element value;
  };
  std::array<Slot, schema_internal::kMaxFieldsPerObject> found;
  uint64_t seen = 0;
  size_t position = 0;
  for (auto [key, value] : members) {
    const PathNode at{path, key};
    const int index = keys.Find(fields, key);
    if (index < 0) {
      if (!Unknown(members, position, key, value, level, at)) return false;
    } else {
      const uint64_t bit = uint64_t{1} << index;
      if (seen & bit) return Fail(&at, "duplicate member");
      seen |= bit;
      found[index].value = value;
    }
    ++position;
  }
  if (level > 1) body_.Put('{');
  bool first = true;
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldSpec& field = fields[i];
    const PathNode at{path, field.name};
    if (!(seen & (uint64_t{1} << i)) || found[i].value.is_null()) {
      if (!Missing(field, &first, at)) return false;
      continue;
    }
    if (!first) body_.Put(',');
    first = false;
    body_.Append(field.json_key);
    if (!Value(field, found[i].value, level, at)) return false;
  }
  body_.Put('}');
  return true;
}

// Unknown members are dropped and counted, but still checked for what the
// whole blob must satisfy: no duplicate keys, no nesting past max_depth.
bool Canonicalizer::Unknown(object members, size_t position, std::string_view key,
                            element value, size_t level, const PathNode& at) {
  size_t i = 0;
  for (auto [earlier_key, earlier_value] : members) {
    if (i++ == position) break;
    if (earlier_key == key) return Fail(&at, "duplicate member");
  }
  if (DeeperThan(value, spec_.max_depth - level)) {
    return Fail(&at, "nested too deep (max depth " + std::to_string(spec_.max_depth) + ")");
  }
  ++out_->dropped_fields;
  return true;
}

// A member that is absent or null: the timestamp becomes server time, a
// server-scaled rate records the server's sampling, a required one fails.
bool Canonicalizer::Missing(const FieldSpec& field, bool* first, const PathNode& at) {
  const bool server_rate = field.scale_by_server_sample_rate && ctx_.server_sample_rate < 1.0;
  if (field.type != FieldType::kTimestamp && !server_rate) {
    return field.required ? Fail(&at, "missing") : true;
  }
  if (!*first) body_.Put(',');
  *first = false;
  body_.Append(field.json_key);
  if (server_rate) {
    body_.Via([this](std::string* s) { AppendJsonDouble(s, ctx_.server_sample_rate); });
  } else {
    out_->timestamp_ms = FloorTo(ctx_.now_ms, spec_.timestamp_round_ms);
    body_.Number(out_->timestamp_ms);
  }
  return true;
}

bool Canonicalizer::Value(const FieldSpec& field, element value, size_t level,
                          const PathNode& at) {
  switch (field.type) {
    case FieldType::kTimestamp:
      return Timestamp(value, at);
    case FieldType::kEventStream:
      return EventStream(field, value, at);
    case FieldType::kInteger:
      return Integer(field, value, at);
    case FieldType::kNumber:
      return Number(field, value, at);
    case FieldType::kBoolean: {
      bool flag;
      if (value.get(flag)) return Fail(&at, "not a boolean");
      body_.Append(flag ? "true" : "false");
      return true;
    }
    case FieldType::kString:
      return Text(field, value, at);
    case FieldType::kStringOrNumber:
      return TextOrNumber(field, value, at);
    case FieldType::kEnum:
      return Enum(field, value, at);
    case FieldType::kObject: {
      object members;
      if (value.get(members)) return Fail(&at, "not an object");
      return Object(field.fields, field.keys, members, level + 1, &at);
    }
  }
  return Fail(&at, "unknown field type");
}

bool Canonicalizer::Timestamp(element value, const PathNode& at) {
  int64_t ms;
  if (value.get(ms)) {  // as in Integer: UINT64 means above INT64_MAX
    return Fail(&at, value.type() == element_type::UINT64 ? "too large" : "not an integer");
  }
  if (ms < 0) return Fail(&at, "negative");
  if (ms > kLastStorableMs) return Fail(&at, "after 9999-12-31, the last day the store can name");
  if (ms - ctx_.now_ms > ctx_.max_future_ms) {  // no overflow: both are >= 0
    return Fail(&at, "more than " + std::to_string(ctx_.max_future_ms) +
                         " ms ahead of server time " + std::to_string(ctx_.now_ms));
  }
  if (ctx_.max_age_ms > 0 && ms < ctx_.now_ms - ctx_.max_age_ms) {
    return Fail(&at, "more than " + std::to_string(ctx_.max_age_ms) +
                         " ms before server time " + std::to_string(ctx_.now_ms));
  }
  out_->timestamp_ms = FloorTo(ms, spec_.timestamp_round_ms);
  body_.Number(out_->timestamp_ms);
  return true;
}

bool Canonicalizer::CheckRange(int64_t value, int64_t min, int64_t max, const PathNode& at) {
  if (value < min) return Fail(&at, "below minimum (min " + std::to_string(min) + ")");
  if (value > max) return Fail(&at, "above maximum (max " + std::to_string(max) + ")");
  return true;
}

// simdjson gives a number the UINT64 type only above INT64_MAX, so a failed
// get() alone says it is not an int64, and the type is asked only then.
bool Canonicalizer::Integer(const FieldSpec& field, element value, const PathNode& at) {
  int64_t number;
  if (value.get(number)) {
    if (value.type() != element_type::UINT64) return Fail(&at, "not an integer");
    return Fail(&at, "above maximum (max " + std::to_string(field.max_int) + ")");
  }
  if (!CheckRange(number, field.min_int, field.max_int, at)) return false;
  body_.Number(number);
  return true;
}

bool Canonicalizer::Number(const FieldSpec& field, element value, const PathNode& at) {
  double number;
  if (!value.is_number() || value.get(number)) return Fail(&at, "not a number");
  if (!(number >= field.min_number && number <= field.max_number)) {
    char range[64];
    std::snprintf(range, sizeof range, "out of range [%g, %g]", field.min_number,
                  field.max_number);
    return Fail(&at, range);
  }
  if (field.scale_by_server_sample_rate) number *= ctx_.server_sample_rate;
  body_.Via([number](std::string* s) { AppendJsonDouble(s, number); });
  return true;
}

// *needs_escape: whether the text, valid, holds a byte JSON escapes.
bool Canonicalizer::CheckText(const FieldSpec& field, std::string_view text, size_t min_length,
                              const PathNode& at, bool* needs_escape) {
  if (text.size() > field.max_length) {
    return Fail(&at, "too long (max " + std::to_string(field.max_length) + ")");
  }
  if (text.size() < min_length) {
    return Fail(&at, "too short (min " + std::to_string(min_length) + ")");
  }
  const auto charset = static_cast<uint8_t>(field.charset);
  const CharsetTable& table = kCharsetTables[charset];
  uint8_t bits = 0;
  thread_local TextVerdicts verdicts;
  if (!verdicts.Find(charset, text, &bits)) {
    // Before the charset, so that the reason says what the value looked like.
    if (const char* shape = FindPersonalDataShape(text)) {
      return Fail(&at, std::string(shape) + "; personal data is never stored");
    }
    for (char c : text) bits |= table[static_cast<unsigned char>(c)];
    verdicts.Remember(charset, text, bits);
  }
  if (bits & kInvalid) {
    size_t i = 0;
    while (!(table[static_cast<unsigned char>(text[i])] & kInvalid)) ++i;
    return Fail(&at, "invalid character at byte " + std::to_string(i));
  }
  for (const std::string& forbidden : field.forbid) {
    if (text.find(forbidden) != std::string_view::npos) {
      return Fail(&at, "contains \"" + forbidden + "\", which the schema forbids");
    }
  }
  *needs_escape = (bits & kEscape) != 0;
  return true;
}

// Most texts need no escape: CheckText's pass has said so, and they are
// copied whole instead of scanned again.
void Canonicalizer::AppendText(std::string_view text, bool needs_escape) {
  if (needs_escape) return body_.Via([text](std::string* s) { AppendJsonString(s, text); });
  body_.Quoted(text);
}

bool Canonicalizer::Text(const FieldSpec& field, element value, const PathNode& at) {
  std::string_view text;
  if (value.get(text)) return Fail(&at, "not a string");
  bool needs_escape;
  if (!CheckText(field, text, field.min_length, at, &needs_escape)) return false;
  AppendText(text, needs_escape);
  return true;
}

bool Canonicalizer::TextOrNumber(const FieldSpec& field, element value, const PathNode& at) {
  if (value.is_string()) return Text(field, value, at);
  const size_t start = body_.size();
  switch (value.type()) {
    case element_type::INT64:
      body_.Number(value.get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      body_.Number(value.get_uint64().value_unsafe());
      break;
    case element_type::DOUBLE:
      body_.Via([&value](std::string* s) {
        AppendJsonDouble(s, value.get_double().value_unsafe());
      });
      break;
    default:
      return Fail(&at, "not a string or number");
  }
  if (body_.size() - start > field.max_length) {
    return Fail(&at, "too long (max " + std::to_string(field.max_length) + ")");
  }
  return true;
}

bool Canonicalizer::Enum(const FieldSpec& field, element value, const PathNode& at) {
  std::string_view text;
  if (value.get(text)) return Fail(&at, "not a string");
  for (const std::string& allowed : field.values) {
    if (text == allowed) {
      AppendText(text, NeedsEscape(text));
      return true;
    }
  }
  std::string reason = "not one of: ";
  for (const std::string& allowed : field.values) {
    reason += (&allowed == &field.values.front() ? "" : ", ") + allowed;
  }
  return Fail(&at, reason);
}

bool Canonicalizer::EventStream(const FieldSpec& field, element value, const PathNode& at) {
  array events;
  if (value.get(events)) return Fail(&at, "not an array");
  if (events.size() > field.max_items) {
    return Fail(&at, "too many items (max " + std::to_string(field.max_items) + ")");
  }
  if (events.size() < field.min_items) {
    return Fail(&at, "too few items (min " + std::to_string(field.min_items) + ")");
  }
  body_.Put('[');
  int64_t index = 0;
  for (element event : events) {
    if (index > 0) body_.Put(',');
    if (!Event(field, event, PathNode{&at, {}, index++})) return false;
  }
  body_.Put(']');
  return true;
}

// One [name, offset_ms(, duration_ms(, repeat_count))] item.
bool Canonicalizer::Event(const FieldSpec& field, element value, const PathNode& at) {
  array parts;
  if (value.get(parts) || parts.size() < 2 || parts.size() > 4) {
    return Fail(&at, "not an array [name, offset_ms(, duration_ms(, repeat_count))]");
  }
  body_.Put('[');
  int64_t index = 0;
  for (element part : parts) {
    const PathNode part_at{&at, {}, index};
    if (index++ == 0) {
      std::string_view name;
      if (part.get(name)) return Fail(&part_at, "not a string");
      bool needs_escape;
      if (!CheckText(field, name, 1, part_at, &needs_escape)) return false;
      AppendText(name, needs_escape);
      continue;
    }
    body_.Put(',');
    if (!Integer(field, part, part_at)) return false;
  }
  body_.Put(']');
  return true;
}

// The built-in schema, parsed once; a failure is a build defect.
const SchemaSpec& DefaultSpec() {
  static const SchemaSpec* const spec = [] {
    auto* parsed = new SchemaSpec;
    Status s = schema_internal::ParseSchemaSpec(kDefaultSchemaJson, "built-in schema", parsed);
    if (!s.ok()) {
      std::fprintf(stderr, "kpi: %s\n", s.ToString().c_str());
      std::abort();
    }
    return parsed;
  }();
  return *spec;
}

}  // namespace

Schema::Schema() : rep_(std::make_unique<Rep>()) {}
Schema::~Schema() = default;
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;

Status Schema::LoadFile(const std::string& path, Schema* schema) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status::FromErrno(errno, "open schema " + path);
  std::string text;
  char buffer[8192];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return Status::IOError("read schema " + path);
  return Parse(text, path, schema);
}

Status Schema::Parse(std::string_view json, const std::string& origin, Schema* schema) {
  Schema parsed;
  KPI_RETURN_IF_ERROR(schema_internal::ParseSchemaSpec(json, origin, &parsed.rep_->spec));
  *schema = std::move(parsed);
  return Status::OK();
}

Schema Schema::Default() {
  Schema schema;
  schema.rep_->spec = DefaultSpec();
  return schema;
}

bool Schema::Canonicalize(simdjson::dom::element blob, const CanonicalizeContext& ctx,
                          CanonicalBlob* out, FieldError* error) const {
  out->dropped_fields = 0;
  out->timestamp_ms = 0;
  if (Canonicalizer(rep_->spec, ctx, out, error).Blob(blob)) return true;
  out->body.clear();
  return false;
}

int64_t Schema::timestamp_round_ms() const { return rep_->spec.timestamp_round_ms; }

size_t Schema::field_count() const { return rep_->spec.fields.size(); }

std::vector<std::vector<std::string>> Schema::TopLevelFieldKeys() const {
  std::vector<std::vector<std::string>> keys;
  for (const FieldSpec& field : rep_->spec.fields) {
    keys.push_back({field.name});
    keys.back().insert(keys.back().end(), field.aliases.begin(), field.aliases.end());
  }
  return keys;
}

std::vector<FieldDescription> Schema::DescribeFields() const {
  std::vector<FieldDescription> fields;
  for (const schema_internal::FieldSpec& f : rep_->spec.fields) {
    fields.push_back({f.name, f.description});
  }
  return fields;
}

const std::string& Schema::source() const { return rep_->spec.source; }

}  // namespace kpi
