// RecordGenerator: realistic, deterministic sign-in dialog blobs for tests
// and benchmarks (bench/kpi-gen).
//
// Contract: the same seed and range give the same sequence on every platform
// (std::mt19937_64 is fully specified; no std::*_distribution is used). Blobs
// look like tests/fixtures/dialog-blob.json and seed-blob.json: mostly the
// dialog's spellings (lang, number_sites_signed_in, sometimes a
// local_timestamp), some with the original field names; 5 to 40 events from
// real dialog flows, xhr events with durations, polling events with a repeat
// count. Each blob is compact JSON of 600 to 1500 bytes with a timestamp in
// [start_ms, end_ms), and every one is accepted by Schema::Default().
//
// Thread-safety: none; use one generator per thread.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <random>
#include <string>

#include "libkpi/format/record.h"
#include "libkpi/ingest/schema.h"

namespace kpi {

class RecordGenerator {
 public:
  // Requires start_ms < end_ms, start_ms >= 0.
  RecordGenerator(uint64_t seed, int64_t start_ms, int64_t end_ms);

  RecordGenerator(const RecordGenerator&) = delete;
  RecordGenerator& operator=(const RecordGenerator&) = delete;

  // One blob as the dialog POSTs it.
  std::string NextBlob();
  // {"csrf":"...","data":[blob,...]} with `batch` blobs (at least one).
  std::string NextRequestBody(size_t batch);
  // The next blob as kpid would store it: canonicalized by Schema::Default()
  // under id <writer>-<seq>, json = {"_id":"<id>",<canonical body>.
  Record NextRecord(const std::string& writer, uint64_t seq);

 private:
  struct Blob;

  uint64_t Below(uint64_t bound);  // uniform in [0, bound)
  bool Chance(unsigned percent);
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }
  Blob NextValues();
  void FormatEvent(const char* name, bool timed, bool repeating, int64_t* offset_ms,
                   std::string* event);
  void AppendEvents(size_t budget, std::string* events);

  std::mt19937_64 rng_;
  int64_t start_ms_;
  int64_t end_ms_;
  Schema schema_;
  simdjson::dom::parser parser_;
  CanonicalBlob canonical_;
};

}  // namespace kpi
