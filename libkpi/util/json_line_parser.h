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

#include <cstring>
#include <string>
#include <string_view>

namespace kpi {

class JsonLineParser {
 public:
  simdjson::simdjson_result<simdjson::ondemand::document> Iterate(std::string_view line) {
    const size_t need = line.size() + simdjson::SIMDJSON_PADDING;
    if (buffer_.size() < need) buffer_.resize(need);
    std::memcpy(buffer_.data(), line.data(), line.size());
    return parser_.iterate(
        simdjson::padded_string_view(buffer_.data(), line.size(), buffer_.size()));
  }

 private:
  simdjson::ondemand::parser parser_;
  std::string buffer_;
};

}  // namespace kpi
