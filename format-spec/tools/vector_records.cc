// The fixed records and file helpers of kpi-vectors (vector_records.h).
#include "format-spec/tools/vector_records.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "libkpi/util/time_util.h"

namespace kpi::vectors {

const int64_t kHour = FromCivil(2026, 11, 29, 18);

namespace {

// A fixed 64-bit LCG (Knuth's MMIX constants): the vectors must not change
// when a standard library's distributions do.
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed) {}
  uint32_t Next(uint32_t bound) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state_ >> 33) % bound;
  }

 private:
  uint64_t state_;
};

// One canonical record shaped like tests/fixtures/dialog-blob.json.
std::string RecordJson(const RecordId& id, int64_t ts, Lcg& rng) {
  static const char* kEvents[] = {"window.dom_loading",  "window.channel_established",
                                  "screen.rp_info",      "xhr_complete.GET/wsapi/session_context",
                                  "screen.authenticate", "user.can_interact",
                                  "authenticate.enter_password", "generate_assertion",
                                  "assertion_generated"};
  static const char* kLangs[] = {"en-US", "de", "fr-FR", "pt_BR", "ja"};
  static const char* kApis[] = {"watch_with_onready", "watch_without_onready", "get", "internal"};
  std::string s = "{\"_id\":\"" + id.ToString() + "\",\"timestamp\":" + std::to_string(ts) +
                  ",\"event_stream\":[";
  const uint32_t events = 3 + rng.Next(9);
  uint32_t offset = rng.Next(1000);
  for (uint32_t e = 0; e < events; ++e) {
    offset += rng.Next(3000);
    s += (e ? ",[\"" : "[\"") + std::string(kEvents[rng.Next(9)]) + "\"," + std::to_string(offset);
    if (rng.Next(3) == 0) s += "," + std::to_string(rng.Next(2000));
    s += "]";
  }
  s += "],\"email_type\":\"" + std::string(rng.Next(2) ? "primary" : "secondary") +
       "\",\"number_emails\":" + std::to_string(1 + rng.Next(4)) +
       ",\"new_account\":" + (rng.Next(5) ? "false" : "true") + ",\"language\":\"" +
       kLangs[rng.Next(5)] + "\",\"number_sites_logged_in\":" + std::to_string(rng.Next(6)) +
       ",\"rp_api\":\"" + kApis[rng.Next(4)] + "\",\"screen_size\":{\"width\":" +
       std::to_string(640 + 16 * rng.Next(80)) + ",\"height\":" +
       std::to_string(480 + 16 * rng.Next(40)) + "},\"sample_rate\":1,\"user_agent\":" +
       "{\"os\":\"Macintosh\",\"browser\":\"Firefox\",\"version\":" +
       std::to_string(10 + rng.Next(20)) + "}}";
  return s;
}

}  // namespace

// `count` records of writer `writer`, seqs 1.., spread over `slots`
// 10-minute timestamps of kHour, in order-key order.
std::vector<Record> MakeRecords(const std::string& writer, int count, int slots, uint64_t seed) {
  std::vector<uint64_t> seqs;
  for (int i = 0; i < count; ++i) seqs.push_back(static_cast<uint64_t>(i + 1));
  return MakeRecords(writer, seqs, slots, seed);
}

std::vector<Record> MakeRecords(const std::string& writer, const std::vector<uint64_t>& seqs,
                                int slots, uint64_t seed) {
  Lcg rng(seed);
  std::vector<Record> records(seqs.size());
  for (size_t i = 0; i < seqs.size(); ++i) {
    Record& r = records[i];
    r.id = RecordId{writer, seqs[i]};
    r.timestamp_ms = kHour + static_cast<int64_t>(rng.Next(slots)) * 10 * kMsPerMinute;
    r.json = RecordJson(r.id, r.timestamp_ms, rng);
  }
  std::stable_sort(records.begin(), records.end(), Record::OrderLess);
  return records;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string Jsonl(const std::vector<Record>& records, size_t skip_from, size_t skip_to) {
  std::string out;
  for (size_t i = 0; i < records.size(); ++i) {
    if (i >= skip_from && i < skip_to) continue;
    out += records[i].json + "\n";
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace kpi::vectors
