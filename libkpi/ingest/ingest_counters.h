// IngestCounters: what IngestService counts as it answers POSTs. kpid's
// Metrics implements it and exposes the figures on /metrics; tests pass a
// fake. The ingest path depends on this interface, not on the daemon.
//
// Thread-safety: implementations must accept calls from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace kpi {

class IngestCounters {
 public:
  virtual ~IngestCounters() = default;
  virtual void AddRecordsStored(uint64_t n) = 0;
  // `field` is a FieldError field ("screen_size.width" counts as
  // "screen_size", "" as "blob") or a reason such as "invalid".
  virtual void CountRejected(std::string_view field) = 0;
  virtual void AddUnknownFieldsDropped(uint64_t n) = 0;
  virtual void CountOptOut() = 0;
  virtual void AddSampledOut(uint64_t n) = 0;
};

}  // namespace kpi
