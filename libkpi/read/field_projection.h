// FieldProjection: kpictl's `--fields`, keeping only some top-level members
// of each record line.
//
// The spec is a comma-separated list of member names (the option may repeat):
//   --fields timestamp,language      keeps _id, timestamp and language
//   --fields language,-_id           keeps language only
//   --fields -event_stream           keeps everything except event_stream
// `_id` is kept unless excluded explicitly, so projected lines can still be
// deduplicated on import. Names only excluded ("-name") keep every other
// member. The output is one canonical JSON object: kept members in stored
// order, values copied byte for byte from the stored (already minimal)
// line, so projecting every member reproduces the stored line exactly.
//
// Thread-safety: Parse is pure; Project mutates the parser inside, so one
// FieldProjection per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi {

class FieldProjection {
 public:
  FieldProjection();
  ~FieldProjection();
  FieldProjection(FieldProjection&&) noexcept;
  FieldProjection& operator=(FieldProjection&&) noexcept;

  // Parses the --fields values; InvalidArgument quotes a bad name.
  static Status Parse(const std::vector<std::string>& specs, FieldProjection* projection);

  // True when no --fields was given: lines pass through untouched.
  bool empty() const;
  // Writes the projected line (no '\n') to *out, replacing its contents.
  // Corruption if the line is not a JSON object.
  Status Project(std::string_view json, std::string* out);

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace kpi
