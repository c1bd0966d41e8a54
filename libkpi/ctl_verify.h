// kpictl verify: checks every file of a range's hours, including leftovers
// that readers skip (superseded inputs, WALs beside their segments).
//
// Segments: the header frame, the footer and index (checksums, contiguous
// blocks), every block (zstd frame and checksum, crc32c, record count, first
// id and timestamp bounds against the index), and across blocks: records in
// strictly increasing order-key order, all inside the segment's hour, the
// header agreeing with the file name.
// WALs: the header and its name, every frame's crc32c, each record's _id and
// timestamp against its frame, seqs increasing, timestamps in the hour.
//
// A WAL's valid prefix may end before the file does. If what follows holds
// no valid frame, it is a torn tail (a write in progress, or a crash that
// kpid's recovery truncates; those bytes were never acknowledged): a
// warning. If a valid frame follows the damage, acknowledged records were
// lost: damage.
//
// Output: one summary line on stdout; each problem on stderr with its file
// and offset. Exit 3 when anything is damaged, 0 when there are only
// warnings.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/ctl_common.h"

namespace kpi {

struct VerifyArgs {
  QueryArgs query;
};

struct VerifyReport {
  uint64_t segments = 0;
  uint64_t blocks = 0;
  uint64_t wals = 0;
  uint64_t records = 0;  // in checked segments and WALs, leftovers included
  ReadProblems problems;

  std::string Summary() const;
};

Status VerifyStore(const std::vector<std::string>& data_dirs, const TimeRange& range,
                   VerifyReport* report);

int RunVerify(const VerifyArgs& args);

}  // namespace kpi
