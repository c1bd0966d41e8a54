// JsonMember: a record member's value read once with simdjson On-Demand
// (whose values cannot be read twice) and reduced to what --where clauses
// and report groups compare; and the member names they accept.
//
// Thread-safety: pure functions; a JsonMember's views point into the
// parser's document and live as long as it.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

namespace kpi {

struct JsonMember {
  enum Kind { kMissing, kString, kNumber, kBool, kNull, kComposite } kind = kMissing;
  // kString: unescaped; kNumber: the JSON token; kBool: "true"/"false";
  // kNull: "null"; kComposite: the array's or object's raw JSON.
  std::string_view text;
  double number = 0;
  bool boolean = false;
};

JsonMember ReadJsonMember(simdjson::ondemand::value value);
// Follows path[1..] below an object member (path[0] names that member);
// kMissing where a step is absent or not an object.
JsonMember ReadNestedJsonMember(simdjson::ondemand::object object,
                                const std::vector<std::string>& path);

// Whether `name` is a member name like language or user_agent.os: letters,
// digits, '_', '-', and single dots between parts.
bool IsMemberName(std::string_view name);
// "user_agent.os" → {"user_agent", "os"}.
std::vector<std::string> SplitMemberPath(std::string_view name);

}  // namespace kpi
