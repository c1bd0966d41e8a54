// ParseIngestBody: from an HTTP body to the blobs it carries (see the header
// for the accepted shapes). Nothing here looks inside a blob; that is the
// schema's work, so one bad blob never spoils its batch.
#include "libkpi/util/strings.h"
#include "libkpi/ingest/ingest_request.h"

#include <algorithm>

namespace kpi {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kFormType = "application/x-www-form-urlencoded";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; };
    return lower(x) == lower(y);
  });
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one form component ('+' is a space, %XX a byte) into *out.
// `offset` is where `text` starts in the form, for the error message.
Status DecodeFormComponent(std::string_view text, size_t offset, std::string* out) {
  out->clear();
  out->reserve(text.size() + simdjson::SIMDJSON_PADDING);  // parsable in place by simdjson
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c != '%') {
      out->push_back(c);
    } else {
      const int high = i + 2 < text.size() ? HexDigit(text[i + 1]) : -1;
      const int low = high >= 0 ? HexDigit(text[i + 2]) : -1;
      if (low < 0) {
        return Status::InvalidArgument("form body: bad %-escape at offset " +
                                       std::to_string(offset + i) + " (want %XX, X a hex digit)");
      }
      out->push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return Status::OK();
}

// Looks `field` up in a form; *found is false (and OK returned) when absent.
Status FindFormField(std::string_view form, std::string_view field, std::string* value,
                     bool* found) {
  *found = false;
  std::string key;
  size_t start = 0;
  while (start <= form.size()) {
    size_t end = form.find('&', start);
    if (end == std::string_view::npos) end = form.size();
    const std::string_view pair = form.substr(start, end - start);
    const size_t equals = std::min(pair.find('='), pair.size());
    KPI_RETURN_IF_ERROR(DecodeFormComponent(pair.substr(0, equals), start, &key));
    if (key == field) {
      *found = true;
      const size_t value_start = std::min(equals + 1, pair.size());
      return DecodeFormComponent(pair.substr(value_start), start + value_start, value);
    }
    start = end + 1;
  }
  return Status::OK();
}

// The parser must stop at the request's nesting limit; resizing it only when
// the limit changes keeps a pooled parser's buffers across requests.
// simdjson counts the document itself as a level: [1] needs depth 2.
// Capacity grows in steps of kCapacityStep, not to each new largest body:
// bodies of similar sizes would otherwise reallocate the parser's buffers
// (~15 bytes per byte of capacity) again and again.
constexpr size_t kCapacityStep = 32 << 10;

Status PrepareParser(simdjson::dom::parser* parser, size_t size, size_t max_nesting) {
  const size_t depth = max_nesting + 1;
  if (parser->max_depth() == depth && parser->capacity() >= size) return Status::OK();
  const size_t rounded = (size + kCapacityStep - 1) / kCapacityStep * kCapacityStep;
  if (parser->allocate(std::max(rounded, parser->capacity()), depth) != simdjson::SUCCESS) {
    return Status::InvalidArgument("body of " + std::to_string(size) +
                                   " bytes: cannot allocate a JSON parser for it");
  }
  return Status::OK();
}

// Adds the blobs of `data`: an array is a batch, an object a single blob.
Status CollectBlobs(element data, std::string_view what, const IngestLimits& limits,
                    IngestRequest* request) {
  array batch;
  if (data.is_object()) {
    request->blobs.push_back(data);
    return Status::OK();
  }
  if (data.get(batch)) {
    return Status::InvalidArgument(std::string(what) + " is neither an array of blobs nor a blob");
  }
  if (batch.size() == 0) return Status::InvalidArgument(std::string(what) + " is an empty batch");
  if (batch.size() > limits.max_batch) {
    return Status::InvalidArgument(std::string(what) + " holds " + std::to_string(batch.size()) +
                                   " blobs, over the limit of " +
                                   std::to_string(limits.max_batch) + " per request");
  }
  for (element blob : batch) request->blobs.push_back(blob);
  return Status::OK();
}

// {"data": ..., "csrf": ...}, a bare blob (an object without "data"), or a
// bare array of blobs.
Status ReadDocument(element root, std::string_view what, const IngestLimits& limits,
                    IngestRequest* request) {
  object members;
  if (root.get(members)) return CollectBlobs(root, what, limits, request);
  element data;
  bool has_data = false;
  for (auto [key, value] : members) {
    if (key == "data") {
      if (has_data) return Status::InvalidArgument(std::string(what) + ": duplicate \"data\"");
      has_data = true;
      data = value;
    }
  }
  if (!has_data) return CollectBlobs(root, what, limits, request);
  std::string_view csrf;
  if (members["csrf"].get(csrf) == simdjson::INCORRECT_TYPE) {
    return Status::InvalidArgument(std::string(what) + ": \"csrf\" is not a string");
  }
  request->csrf.assign(csrf);
  return CollectBlobs(data, std::string(what) + ": \"data\"", limits, request);
}

Status ParseJson(std::string_view json, bool padded, std::string_view what,
                 const IngestLimits& limits, simdjson::dom::parser* parser,
                 IngestRequest* request) {
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return Status::InvalidArgument(std::string(what) + " is empty");
  KPI_RETURN_IF_ERROR(PrepareParser(parser, json.size(), limits.max_depth));
  element root;
  if (auto error = parser->parse(json.data(), json.size(), !padded).get(root)) {
    if (error == simdjson::DEPTH_ERROR) {
      return Status::InvalidArgument(std::string(what) + " nests deeper than " +
                                     std::to_string(limits.max_depth) + " levels");
    }
    return Status::InvalidArgument(std::string(what) + " is not valid JSON: " +
                                   simdjson::error_message(error));
  }
  return ReadDocument(root, what, limits, request);
}

}  // namespace

Status FormFieldValue(std::string_view form, std::string_view field, std::string* value) {
  bool found;
  KPI_RETURN_IF_ERROR(FindFormField(form, field, value, &found));
  if (!found) {
    return Status::InvalidArgument("form body has no \"" + std::string(field) + "\" field");
  }
  return Status::OK();
}

Status ParseIngestBody(std::string_view content_type, std::string_view body,
                       const IngestLimits& limits, simdjson::dom::parser* parser,
                       std::string* scratch, IngestRequest* request, bool body_padded) {
  request->blobs.clear();
  request->csrf.clear();
  const std::string_view media_type = TrimBlanks(content_type.substr(0, content_type.find(';')));
  if (EqualsIgnoreCase(media_type, kJsonType)) {
    return ParseJson(body, body_padded, "JSON body", limits, parser, request);
  }
  if (!EqualsIgnoreCase(media_type, kFormType)) {
    return Status::Unsupported("content type \"" + std::string(content_type) +
                               "\": send application/json or "
                               "application/x-www-form-urlencoded");
  }
  KPI_RETURN_IF_ERROR(FormFieldValue(body, "data", scratch));
  // Decoded into `scratch`, which DecodeFormComponent padded for simdjson.
  KPI_RETURN_IF_ERROR(ParseJson(*scratch, true, "form field \"data\"", limits, parser, request));
  bool has_csrf;
  std::string csrf;
  KPI_RETURN_IF_ERROR(FindFormField(body, "csrf", &csrf, &has_csrf));
  if (has_csrf && request->csrf.empty()) request->csrf = std::move(csrf);
  return Status::OK();
}

}  // namespace kpi
