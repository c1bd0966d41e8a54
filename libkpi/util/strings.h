// Small string helpers that C++20's std::string_view does not have.
#pragma once

#include <string_view>

namespace kpi {

// `text` without leading and trailing spaces and tabs (HTTP's OWS).
inline std::string_view TrimBlanks(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

}  // namespace kpi
