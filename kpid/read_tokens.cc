#include "kpid/read_tokens.h"

#include "libkpi/util/secret.h"

namespace kpi {
namespace {

constexpr const char* kWhat = "--read-token-file";
constexpr size_t kMaxFileBytes = 1 << 20;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '@' || c == '-';
}

bool IsTokenChar(char c) { return c > ' ' && c < 0x7f; }

template <typename Pred>
bool AllOf(std::string_view text, Pred pred) {
  for (char c : text) {
    if (!pred(c)) return false;
  }
  return true;
}

// Splits `line` into its two words; false when it holds another number.
bool SplitWords(std::string_view line, std::string_view* name, std::string_view* token) {
  constexpr std::string_view kBlank = " \t";
  const size_t name_end = line.find_first_of(kBlank);
  if (name_end == std::string_view::npos) return false;
  const size_t token_begin = line.find_first_not_of(kBlank, name_end);
  if (token_begin == std::string_view::npos) return false;
  const size_t token_end = line.find_first_of(kBlank, token_begin);
  if (token_end != std::string_view::npos &&
      line.find_first_not_of(kBlank, token_end) != std::string_view::npos) {
    return false;
  }
  *name = line.substr(0, name_end);
  *token = line.substr(token_begin, token_end - token_begin);
  return true;
}

}  // namespace

Status ReadTokens::Load(const std::string& path, ReadTokens* tokens) {
  std::string text;
  KPI_RETURN_IF_ERROR(ReadPrivateFile(path, kWhat, kMaxFileBytes, &text));
  return Parse(text, path, tokens);
}

Status ReadTokens::Parse(std::string_view text, const std::string& path, ReadTokens* tokens) {
  tokens->entries_.clear();
  std::vector<size_t> lines;  // each entry's line number
  size_t number = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line = line.substr(first);
    const std::string at = std::string(kWhat) + ": " + path + " line " + std::to_string(number);
    std::string_view name, token;
    if (!SplitWords(line, &name, &token)) {
      return Status::InvalidArgument(at + ": expected `NAME TOKEN` (one reader per line)");
    }
    if (name.size() > kMaxNameLength || !AllOf(name, IsNameChar)) {
      return Status::InvalidArgument(at + ": the name must be 1-64 of [A-Za-z0-9._@-]");
    }
    if (token.size() < kMinTokenLength || token.size() > kMaxTokenLength ||
        !AllOf(token, IsTokenChar)) {
      return Status::InvalidArgument(
          at + ": the token of '" + std::string(name) + "' is " + std::to_string(token.size()) +
          " characters; a read token needs " + std::to_string(kMinTokenLength) + "-" +
          std::to_string(kMaxTokenLength) + " printable ASCII characters (make one with "
          "`openssl rand -hex 32`)");
    }
    for (size_t i = 0; i < tokens->entries_.size(); ++i) {
      const Entry& other = tokens->entries_[i];
      const std::string earlier = " as line " + std::to_string(lines[i]);
      if (other.name == name) {
        return Status::InvalidArgument(at + ": the name '" + other.name + "' is used" + earlier +
                                       "; give each reader one name");
      }
      if (other.token == token) {
        return Status::InvalidArgument(at + ": the same token" + earlier +
                                       "; give each reader a token of their own");
      }
    }
    tokens->entries_.push_back(Entry{std::string(name), std::string(token)});
    lines.push_back(number);
  }
  if (tokens->entries_.empty()) {
    return Status::InvalidArgument(std::string(kWhat) + ": " + path +
                                   " holds no token; add a line `NAME TOKEN` per reader");
  }
  return Status::OK();
}

const std::string* ReadTokens::Find(std::string_view presented) const {
  const std::string* found = nullptr;
  for (const Entry& entry : entries_) {
    // No early exit: every token is compared whatever matched before.
    if (ConstantTimeEquals(presented, entry.token)) found = &entry.name;
  }
  return found;
}

}  // namespace kpi
