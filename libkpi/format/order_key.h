// The order key of a record (format-spec/segment.md §2.3): (timestamp, _id),
// compared as (signed integer, byte string). Segments hold their records in
// strictly increasing order key; readers merge and export in it; compaction
// writes it; verification checks it. This is its one definition.
//
// `Id` is the id as text (std::string_view: byte order), as a RecordId
// ((writer, seq) order, the same order since seqs are fixed-width hex), or,
// for two records known to share a writer (one WAL's), its seq.
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>

namespace kpi {

template <typename Id>
inline bool OrderKeyLess(int64_t timestamp_a, const Id& id_a, int64_t timestamp_b,
                         const Id& id_b) {
  return timestamp_a != timestamp_b ? timestamp_a < timestamp_b : id_a < id_b;
}

}  // namespace kpi
