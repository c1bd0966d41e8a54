#include "libkpi/util/status.h"

#include <cerrno>
#include <cstring>

namespace kpi {

Status Status::FromErrno(int err, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return NoSpace(std::move(msg));
    case ENOENT:
      return NotFound(std::move(msg));
    case EWOULDBLOCK:
      return Busy(std::move(msg));
    default:
      return IOError(std::move(msg));
  }
}

std::string Status::ToString() const {
  const char* prefix = "ok";
  switch (code_) {
    case Code::kOk: return "ok";
    case Code::kNotFound: prefix = "not found"; break;
    case Code::kCorruption: prefix = "corruption"; break;
    case Code::kInvalidArgument: prefix = "invalid argument"; break;
    case Code::kIOError: prefix = "I/O error"; break;
    case Code::kNoSpace: prefix = "no space"; break;
    case Code::kBusy: prefix = "busy"; break;
    case Code::kUnsupported: prefix = "unsupported"; break;
    case Code::kAborted: prefix = "aborted"; break;
  }
  return std::string(prefix) + ": " + message_;
}

}  // namespace kpi
