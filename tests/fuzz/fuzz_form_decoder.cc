// Fuzz target: FormFieldValue, the application/x-www-form-urlencoded decoder
// that nginx-forwarded ingest bodies go through.
//
// Input: byte 0 picks the field name looked up (kFields), the rest is the form.
// Invariants: a found value is never longer than the form, and a form built
// from `field=<value %-encoded>` decodes back to exactly that value.
#include <string>

#include "libkpi/ingest/ingest_request.h"
#include "tests/fuzz/fuzz_util.h"

namespace kpi::fuzz {
namespace {

constexpr std::string_view kFields[] = {"data", "csrf", "", "d", "data%5B%5D", "a b"};

std::string PercentEncode(std::string_view raw) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

int FuzzFormDecoder(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view field = kFields[data[0] % (sizeof(kFields) / sizeof(kFields[0]))];
  const std::string_view form(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string value;
  if (FormFieldValue(form, field, &value).ok()) {
    FuzzCheck(value.size() <= form.size(), "decoded value longer than the form");
  }
  // Round trip: any bytes, %-encoded as a browser would, come back unchanged.
  const std::string built = "x=1&" + PercentEncode(field) + "=" + PercentEncode(form) + "&y";
  std::string decoded;
  FuzzCheck(FormFieldValue(built, field, &decoded).ok(), "well-formed form rejected");
  FuzzCheck(decoded == form, "form value does not round-trip");
  return 0;
}

}  // namespace kpi::fuzz

#ifndef KPI_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return kpi::fuzz::FuzzFormDecoder(data, size);
}
#endif
