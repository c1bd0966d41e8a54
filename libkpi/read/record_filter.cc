#include "libkpi/read/record_filter.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <charconv>
#include <cstring>
#include <cmath>
#include <utility>

#include "libkpi/read/json_member.h"
#include "libkpi/util/json_line_parser.h"

namespace kpi {
namespace {

namespace od = simdjson::ondemand;

enum class Op { kEq, kNe, kGe, kLe, kGt, kLt };

struct Literal {
  std::string text;     // without quotes
  bool quoted = false;  // "..." forces a string
  bool is_number = false;
  double number = 0;
  bool is_bool = false;
  bool boolean = false;
  bool is_null = false;
};

struct Clause {
  std::vector<std::string> path;  // "user_agent.os" → {"user_agent", "os"}
  Op op = Op::kEq;
  Literal value;
  bool holds_event = false;  // event_stream=NAME / event_stream!=NAME
};

constexpr std::string_view kEventStream = "event_stream";

using Scalar = JsonMember;

Status BadClause(const std::string& clause, const std::string& why) {
  return Status::InvalidArgument("where clause '" + clause + "': " + why);
}

Literal ParseLiteral(std::string text) {
  Literal lit;
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    lit.text = text.substr(1, text.size() - 2);
    lit.quoted = true;
    return lit;
  }
  lit.text = std::move(text);
  const std::string& t = lit.text;
  lit.is_bool = t == "true" || t == "false";
  lit.boolean = t == "true";
  lit.is_null = t == "null";
  if (!t.empty() && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9'))) {
    const auto result = std::from_chars(t.data(), t.data() + t.size(), lit.number);
    lit.is_number =
        result.ec == std::errc() && result.ptr == t.data() + t.size() && std::isfinite(lit.number);
  }
  return lit;
}

// Splits "field>=value" at its first operator.
Status ParseClause(const std::string& text, Clause* clause) {
  const size_t p = text.find_first_of("!<>=");
  if (p == std::string::npos) {
    return BadClause(text, "no operator (use FIELD=VALUE, !=, >=, <=, > or <)");
  }
  const bool has_eq = p + 1 < text.size() && text[p + 1] == '=';
  size_t value_at = p + 1;
  switch (text[p]) {
    case '!':
      if (!has_eq) return BadClause(text, "'!' must be followed by '=' (FIELD!=VALUE)");
      clause->op = Op::kNe, value_at = p + 2;
      break;
    case '<':
      clause->op = has_eq ? Op::kLe : Op::kLt, value_at = p + (has_eq ? 2 : 1);
      break;
    case '>':
      clause->op = has_eq ? Op::kGe : Op::kGt, value_at = p + (has_eq ? 2 : 1);
      break;
    default:
      clause->op = Op::kEq, value_at = p + (has_eq ? 2 : 1);
      break;  // "=" or "=="
  }
  const std::string field = text.substr(0, p);
  if (!IsMemberName(field)) {
    return BadClause(text, "field name '" + field +
                               "' is not a member name like language or "
                               "user_agent.os");
  }
  clause->path = SplitMemberPath(field);
  clause->value = ParseLiteral(text.substr(value_at));
  const bool ordering = clause->op != Op::kEq && clause->op != Op::kNe;
  if (ordering && clause->value.text.empty()) return BadClause(text, "nothing to compare with");
  if (field == kEventStream) {
    if (ordering) return BadClause(text, "event_stream takes = or != an event name");
    clause->holds_event = clause->value.text.empty() || clause->value.text.front() != '[';
    if (clause->holds_event && clause->value.text.empty()) {
      return BadClause(text, "no event name (e.g. event_stream=assertion_generated)");
    }
  }
  return Status::OK();
}

template <typename T>
bool Compare(Op op, const T& a, const T& b) {
  switch (op) {
    case Op::kEq:
      return a == b;
    case Op::kNe:
      return a != b;
    case Op::kGe:
      return a >= b;
    case Op::kLe:
      return a <= b;
    case Op::kGt:
      return a > b;
    case Op::kLt:
      return a < b;
  }
  return false;
}

// Whether `s` satisfies clause `c` (see the header for the rules).
bool Evaluate(const Clause& c, const Scalar& s) {
  const Literal& v = c.value;
  const bool ordering = c.op != Op::kEq && c.op != Op::kNe;
  bool comparable = false;
  switch (s.kind) {
    case Scalar::kString:
      return Compare(c.op, s.text, std::string_view(v.text));
    case Scalar::kNumber:
      if (v.is_number && !v.quoted) return Compare(c.op, s.number, v.number);
      break;
    case Scalar::kBool:
      comparable = v.is_bool && !v.quoted && !ordering;
      if (comparable) return Compare(c.op, s.boolean, v.boolean);
      break;
    case Scalar::kNull:
      if (v.is_null && !v.quoted && !ordering) return c.op == Op::kEq;
      break;
    case Scalar::kComposite:
      if (!ordering) return Compare(c.op, s.text, std::string_view(v.text));
      break;
    case Scalar::kMissing:
      break;
  }
  return c.op == Op::kNe;  // incomparable or missing: only "!=" holds
}

// Whether `text` is spelled only one way inside a JSON string without a
// \u escape: no byte that must or may be escaped otherwise (", \, / and
// control bytes). Other writers may spell strings differently (segment.md
// §2.2), but only through escapes.
bool SpelledOneWay(std::string_view text) {
  for (unsigned char c : text) {
    if (c == '"' || c == '\\' || c == '/' || c < 0x20) return false;
  }
  return true;
}

// Bytes every record that satisfies `c` contains, unless it spells a string
// with a \u escape; empty when there are none to test. FIELD=TEXT with a
// string TEXT matches only a stored string, `"FIELD":"TEXT"` in a record
// without insignificant white space (§2.2), and a.b=TEXT `"b":"TEXT"`;
// event_stream=NAME needs `"NAME"`.
std::string RequiredBytes(const Clause& c) {
  const Literal& v = c.value;
  const bool string_only = v.quoted || !(v.is_number || v.is_bool || v.is_null);
  // "[]" or "{}" may also equal an array's or object's text.
  const bool composite = !v.text.empty() && (v.text[0] == '[' || v.text[0] == '{');
  if (c.op != Op::kEq || !string_only || composite || v.text.empty() || !SpelledOneWay(v.text)) {
    return "";
  }
  if (c.holds_event) return "\"" + v.text + "\"";
  if (c.path[0] == kEventStream || !SpelledOneWay(c.path.back())) return "";
  return "\"" + c.path.back() + "\":\"" + v.text + "\"";  // user_agent.os=iOS: "os":"iOS"
}

// A needle found by comparing two of its bytes at once over 16 positions
// (SSE2; W. Mula's "SIMD-friendly substring search"), then memcmp. The two
// are its second and last-but-one bytes, letters of the member name and the
// value rather than the quotes that fill JSON: glibc's memmem was 37% of a
// filtered export's samples (perf) and a skip table keyed on the closing
// quote did little better.
class BytePattern {
 public:
  explicit BytePattern(std::string needle)
      : needle_(std::move(needle)), first_(1), second_(needle_.size() - 2) {}

  bool FoundIn(std::string_view text) const {
    const size_t n = needle_.size();
    if (text.size() < n) return false;
    const char* s = text.data();
    const size_t starts = text.size() - n + 1;  // candidate positions
    size_t i = 0;
#ifdef __SSE2__
    const __m128i first = _mm_set1_epi8(needle_[first_]);
    const __m128i second = _mm_set1_epi8(needle_[second_]);
    for (; i + 16 <= starts; i += 16) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + first_));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + second_));
      unsigned mask = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, second))));
      for (; mask != 0; mask &= mask - 1) {
        if (std::memcmp(s + i + __builtin_ctz(mask), needle_.data(), n) == 0) return true;
      }
    }
#endif
    for (; i < starts; ++i) {
      if (s[i + first_] == needle_[first_] && std::memcmp(s + i, needle_.data(), n) == 0) return true;
    }
    return false;
  }

 private:
  std::string needle_;  // at least 3 bytes
  size_t first_, second_;
};

// Whether `text` may spell a string with a \u escape.
bool MayHaveUnicodeEscape(std::string_view text) {
  return std::memchr(text.data(), '\\', text.size()) != nullptr;
}

}  // namespace

struct RecordFilter::Rep {
  std::vector<std::string> texts;  // as parsed, for Copy
  std::vector<Clause> clauses;
  // RequiredBytes of the clauses that have them: a line lacking one and
  // any backslash (so any \u escape) fails without being parsed, which is
  // most lines of a selective filter (issue 16: filters should cost little
  // next to decompression).
  std::vector<BytePattern> required;
  JsonLineParser parser;
  std::vector<bool> seen;  // per clause, reused
  size_t seen_count = 0;

  std::vector<std::string_view> event_names;  // reused

  // Evaluates the clauses that start at member `key`; false as soon as one fails.
  bool EvaluateMember(std::string_view key, od::value value);
  // The same for event_stream when a clause tests for an event name.
  bool EvaluateEvents(od::value value);
};

bool RecordFilter::Rep::EvaluateEvents(od::value value) {
  Scalar whole;
  od::array events;
  event_names.clear();
  if (value.get_array().get(events) == simdjson::SUCCESS) {
    if (events.raw_json().get(whole.text) == simdjson::SUCCESS) whole.kind = Scalar::kComposite;
    if (events.reset().error() == simdjson::SUCCESS) {
      for (auto item : events) {
        od::array event;
        std::string_view name;
        if (item.get_array().get(event) != simdjson::SUCCESS) continue;
        for (auto first : event) {
          if (first.get_string().get(name) == simdjson::SUCCESS) event_names.push_back(name);
          break;
        }
      }
    }
  }
  for (size_t i = 0; i < clauses.size(); ++i) {
    const Clause& c = clauses[i];
    if (c.path[0] != kEventStream) continue;
    if (!seen[i]) seen[i] = true, ++seen_count;
    bool holds = false;
    for (std::string_view name : event_names) holds |= name == c.value.text;
    const bool ok = c.holds_event ? holds == (c.op == Op::kEq)
                                  : Evaluate(c, c.path.size() == 1 ? whole : Scalar());
    if (!ok) return false;
  }
  return true;
}

bool RecordFilter::Rep::EvaluateMember(std::string_view key, od::value value) {
  bool direct = false, nested = false;
  for (const Clause& c : clauses) {
    if (c.path[0] != key) continue;
    if (c.holds_event) return EvaluateEvents(value);
    (c.path.size() == 1 ? direct : nested) = true;
  }
  if (!direct && !nested) return true;
  Scalar whole;
  od::object object;
  const bool is_object = nested && value.get_object().get(object) == simdjson::SUCCESS;
  if (!nested) whole = ReadJsonMember(value);
  for (size_t i = 0; i < clauses.size(); ++i) {
    const Clause& c = clauses[i];
    if (c.path[0] != key) continue;
    if (!seen[i]) seen[i] = true, ++seen_count;
    const bool nested_clause = c.path.size() > 1;
    if (nested_clause &&
        !Evaluate(c, is_object ? ReadNestedJsonMember(object, c.path) : Scalar())) {
      return false;
    }
  }
  if (direct && nested && is_object) {  // "screen_size=..." beside "screen_size.width>..."
    if (object.reset().error() == simdjson::SUCCESS &&
        object.raw_json().get(whole.text) == simdjson::SUCCESS) {
      whole.kind = Scalar::kComposite;
    }
  }
  for (const Clause& c : clauses) {
    if (c.path[0] == key && c.path.size() == 1 && !Evaluate(c, whole)) return false;
  }
  return true;
}

RecordFilter::RecordFilter() : rep_(std::make_unique<Rep>()) {}
RecordFilter::~RecordFilter() = default;
RecordFilter::RecordFilter(RecordFilter&&) noexcept = default;
RecordFilter& RecordFilter::operator=(RecordFilter&&) noexcept = default;

Status RecordFilter::Parse(const std::vector<std::string>& clauses, RecordFilter* filter) {
  auto rep = std::make_unique<Rep>();
  for (const std::string& text : clauses) {
    Clause clause;
    KPI_RETURN_IF_ERROR(ParseClause(text, &clause));
    std::string required = RequiredBytes(clause);
    if (!required.empty()) rep->required.emplace_back(std::move(required));
    rep->clauses.push_back(std::move(clause));
  }
  rep->seen.resize(rep->clauses.size());
  rep->texts = clauses;
  filter->rep_ = std::move(rep);
  return Status::OK();
}

Status RecordFilter::Copy(RecordFilter* copy) const { return Parse(rep_->texts, copy); }

bool RecordFilter::empty() const { return rep_->clauses.empty(); }

bool RecordFilter::Matches(std::string_view json) {
  Rep& r = *rep_;
  if (r.clauses.empty()) return true;
  for (const BytePattern& needle : r.required) {
    if (!needle.FoundIn(json) && !MayHaveUnicodeEscape(json)) return false;
  }
  std::fill(r.seen.begin(), r.seen.end(), false);
  r.seen_count = 0;
  od::document doc;
  od::object object;
  if (r.parser.Iterate(json).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  for (auto field_result : object) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return false;
    }
    if (!r.EvaluateMember(key, field.value())) return false;
    if (r.seen_count == r.clauses.size()) return true;  // the rest cannot matter
  }
  for (size_t i = 0; i < r.clauses.size(); ++i) {
    if (!r.seen[i] && !Evaluate(r.clauses[i], Scalar())) return false;
  }
  return true;
}

}  // namespace kpi
