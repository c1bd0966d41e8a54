// JsonLineParser: a simdjson On-Demand parser for one record line at a time.
//
// simdjson reads up to SIMDJSON_PADDING bytes past the end of its input, and a
// record view points into a block buffer whose end we do not own, so each
// line is copied into a padded buffer first (a ~1 KB memcpy, noise next to the
// parse). The document returned by Iterate is valid until the next call.
//
// Thread-safety: not thread-safe; one parser per thread.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi {

class JsonLineParser {
 public:
  simdjson::simdjson_result<simdjson::ondemand::document> Iterate(std::string_view line) {
    const size_t need = line.size() + simdjson::SIMDJSON_PADDING;
    if (buffer_.size() < need) buffer_.resize(need);
    std::memcpy(buffer_.data(), line.data(), line.size());
    // The padding zeroed: simdjson reads into it on a malformed line, and
    // a longer earlier line's bytes there made the error (even whether
    // there was one) depend on what this parser saw before.
    std::memset(buffer_.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);
    return parser_.iterate(
        simdjson::padded_string_view(buffer_.data(), line.size(), buffer_.size()));
  }

  // Iterates `line` as a JSON object and returns with_object(object)'s
  // result; Corruption, with simdjson's reason, when the line is not an
  // object or with_object fails.
  template <typename WithObject>
  Status ParseObject(std::string_view line, WithObject&& with_object) {
    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    auto error = Iterate(line).get(doc);
    if (!error) error = doc.get_object().get(object);
    if (!error) error = with_object(object);
    if (!error) return Status::OK();
    return Status::Corruption("record is not a JSON object: " +
                              std::string(simdjson::error_message(error)));
  }

 private:
  simdjson::ondemand::parser parser_;
  std::string buffer_;
};

// Calls on_member(key, value) for each member of `object` in order and
// returns the first error, its own or on_member's. A value on_member leaves
// unread is skipped by On-Demand.
template <typename OnMember>
simdjson::error_code ForEachMember(simdjson::ondemand::object object, OnMember&& on_member) {
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (auto e = std::move(field_result).get(field)) return e;
    if (auto e = field.unescaped_key().get(key)) return e;
    if (auto e = on_member(key, field.value())) return e;
  }
  return simdjson::SUCCESS;
}

// The node named `key` among `nodes` (anything with a `name`), or
// nodes.end(). Stored members come in schema order (segment.md §2.2), so the
// node after the last one found (*next) is tried before the others.
template <typename Node>
typename std::vector<Node>::const_iterator FindNamedNode(const std::vector<Node>& nodes,
                                                         std::string_view key, size_t* next) {
  auto node = nodes.end();
  if (*next < nodes.size() && nodes[*next].name == key) {
    node = nodes.begin() + static_cast<std::ptrdiff_t>(*next);
  } else {
    node = std::find_if(nodes.begin(), nodes.end(), [key](const Node& n) { return n.name == key; });
  }
  if (node != nodes.end()) *next = static_cast<size_t>(node - nodes.begin()) + 1;
  return node;
}

// For each member of `object`: on_node(node, value) when `nodes` names it
// (FindNamedNode), else one more in *unknown (On-Demand skips its value).
template <typename Node, typename OnNode>
simdjson::error_code ForEachNamedMember(simdjson::ondemand::object object,
                                        const std::vector<Node>& nodes, uint64_t* unknown,
                                        OnNode&& on_node) {
  size_t next = 0;
  return ForEachMember(object, [&](std::string_view key, simdjson::ondemand::value value) {
    const auto node = FindNamedNode(nodes, key, &next);
    if (node == nodes.end()) {
      ++*unknown;
      return simdjson::SUCCESS;
    }
    return on_node(*node, value);
  });
}

// The stored JSON text of a value that is not a string: the whole array or
// object, or the token (stored lines are minimal JSON, so a token has no
// white space after it).
inline simdjson::error_code RawJson(simdjson::ondemand::value value,
                                    simdjson::ondemand::json_type type, std::string_view* raw) {
  namespace od = simdjson::ondemand;
  if (type == od::json_type::array) {
    od::array array;
    auto e = value.get_array().get(array);
    return e ? e : array.raw_json().get(*raw);
  }
  if (type == od::json_type::object) {
    od::object object;
    auto e = value.get_object().get(object);
    return e ? e : object.raw_json().get(*raw);
  }
  *raw = value.raw_json_token();
  return simdjson::SUCCESS;
}

}  // namespace kpi
