// Shared secrets (forwarder and read-API tokens): loading them from files and
// comparing them without leaking their contents through timing.
//
// Thread-safety: plain functions with no shared state.
#pragma once

#include <string>
#include <string_view>

#include "libkpi/util/status.h"

namespace kpi {

// Reads the token in `path`, trimmed of surrounding white space. Fails with
// InvalidArgument naming the file when it is empty, NotFound/IOError when it
// cannot be read. `what` names the option for the message.
Status LoadSecretFile(const std::string& path, std::string_view what, std::string* secret);

// Reads all of `path` (at most `max_bytes`) after checking, on the open
// file, that it is a regular file no one but its owner may read or write;
// a symbolic link is refused, never followed. Errors name `what` and the
// file and say what to do (chmod 600, name the file itself).
Status ReadPrivateFile(const std::string& path, std::string_view what, size_t max_bytes,
                       std::string* text);

// Compares in time that depends only on the lengths, never on where the
// first difference lies.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace kpi
