// JsonLineBuilder: one flat JSON object per line, for kpictl's --json
// listings, spelled by json_writer.h so every listing agrees with records.
//
//   JsonLineBuilder(&out).Str("period", "2026-11-29T18").Uint("records", 3).End();
//   → {"period":"2026-11-29T18","records":3}\n
//
// Thread-safety: a builder appends to one string from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libkpi/util/json_writer.h"

namespace kpi {

class JsonLineBuilder {
 public:
  explicit JsonLineBuilder(std::string* out) : out_(out) { out_->push_back('{'); }

  JsonLineBuilder& Str(std::string_view key, std::string_view v) {
    Key(key);
    AppendJsonString(out_, v);
    return *this;
  }
  JsonLineBuilder& Int(std::string_view key, int64_t v) {
    Key(key);
    AppendJsonInt(out_, v);
    return *this;
  }
  JsonLineBuilder& Uint(std::string_view key, uint64_t v) {
    Key(key);
    AppendJsonUint(out_, v);
    return *this;
  }
  JsonLineBuilder& Double(std::string_view key, double v) {
    Key(key);
    AppendJsonDouble(out_, v);
    return *this;
  }
  JsonLineBuilder& Bool(std::string_view key, bool v) {
    Key(key);
    AppendJsonBool(out_, v);
    return *this;
  }
  void End() { out_->append("}\n"); }

 private:
  void Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendJsonKey(out_, key);
  }

  std::string* out_;
  bool first_ = true;
};

}  // namespace kpi
