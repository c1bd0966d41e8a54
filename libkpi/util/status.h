// Status: the result of an operation that can fail, in the manner of LevelDB.
//
// Contract: every I/O or parsing function in libkpi returns a Status (or a
// StatusOr-like out-parameter) instead of throwing across module lines. A
// Status names what failed and where (file, offset or field) and, where it
// helps, what to do. Callers must look at it: the class is [[nodiscard]].
//
// Thread-safety: a Status is a value; distinct objects may be used from
// distinct threads freely.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace kpi {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,         // a file or record does not exist
    kCorruption,       // stored bytes fail a check: torn, bad checksum, bad magic
    kInvalidArgument,  // the caller's input is unusable (bad range, bad option)
    kIOError,          // the operating system refused (EIO, EACCES, ...)
    kNoSpace,          // ENOSPC / EDQUOT, or below the configured free-space floor
    kBusy,             // a lock is held or a queue is full; retry later
    kUnsupported,      // a newer format version or a feature not built in
    kAborted,          // stopped on request (shutdown)
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status NoSpace(std::string msg) { return Status(Code::kNoSpace, std::move(msg)); }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status Unsupported(std::string msg) { return Status(Code::kUnsupported, std::move(msg)); }
  static Status Aborted(std::string msg) { return Status(Code::kAborted, std::move(msg)); }

  // From errno after a failed system call: ENOSPC/EDQUOT become kNoSpace,
  // ENOENT kNotFound, anything else kIOError. `what` names the call and path.
  static Status FromErrno(int err, std::string_view what);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsNoSpace() const { return code_ == Code::kNoSpace; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  const std::string& message() const { return message_; }

  // "corruption: segments/2026/11/29/18/a-01.kpi.zst: offset 412: block checksum mismatch"
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Propagates a non-OK status to the caller.
#define KPI_RETURN_IF_ERROR(expr)      \
  do {                                 \
    ::kpi::Status _kpi_s = (expr);     \
    if (!_kpi_s.ok()) return _kpi_s;   \
  } while (0)

}  // namespace kpi
