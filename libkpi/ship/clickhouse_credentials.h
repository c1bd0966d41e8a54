// ClickHouseCredentials: the user and password kpictl ship signs in to
// ClickHouse with, read from a file that only its owner can read, so they
// never appear on a command line (visible in ps and shell history) or in a
// log.
//
// The file holds one line, USER:PASSWORD (the password may contain ':';
// surrounding white space and the line end are ignored). The file must be a
// regular file owned by the user running kpictl, with no permission for its
// group or others (chmod 600); anything else is refused before the file is
// read, naming the file and the fix. Error messages never quote the contents.
//
// Thread-safety: a value and a pure function.
#pragma once

#include <string>

#include "libkpi/util/status.h"

namespace kpi {

struct ClickHouseCredentials {
  std::string user;      // empty: ClickHouse's `default` user, no password
  std::string password;
};

Status LoadClickHouseCredentials(const std::string& path, ClickHouseCredentials* credentials);

}  // namespace kpi
