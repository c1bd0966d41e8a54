// ReadTokens: the named bearer tokens of kpid's read API (--read-token-file),
// so that every read can be logged with who made it.
//
// The file holds one `NAME TOKEN` per line; blank lines and lines starting
// with '#' are ignored. A NAME is 1-64 of [A-Za-z0-9._@-] (it is logged, so
// it can never forge a log line); a TOKEN is at least kMinTokenLength
// printable ASCII characters without spaces (e.g. `openssl rand -hex 32`).
// Load refuses, with an error naming the file and what to do: a symbolic
// link, anything but a regular file, a file that group or others may read or
// write, a line of another shape, a short token, a name or a token given
// twice, and a file without tokens. No message ever holds a token.
//
// Thread-safety: immutable once loaded; Find may run on many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi {

class ReadTokens {
 public:
  static constexpr size_t kMinTokenLength = 32;
  static constexpr size_t kMaxTokenLength = 512;
  static constexpr size_t kMaxNameLength = 64;

  // Reads and checks `path` (see above).
  static Status Load(const std::string& path, ReadTokens* tokens);
  // Checks `text` as the contents of `path` (named in errors).
  static Status Parse(std::string_view text, const std::string& path, ReadTokens* tokens);

  // The name of the token equal to `presented`, or nullptr. Every token is
  // compared in full, so the time taken does not tell which one matched or
  // how much of one did.
  const std::string* Find(std::string_view presented) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    std::string token;
  };
  std::vector<Entry> entries_;
};

}  // namespace kpi
