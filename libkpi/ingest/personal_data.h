// FindPersonalDataShape: whether a string looks like personal data the
// schema must never let through, whatever the field: an email address, an
// IPv4 or IPv6 address, a URL or a raw User-Agent string (issue 13).
//
// Contract: returns a short reason ("looks like an email address") for the
// first shape found, or nullptr. Case-insensitive. What counts as each shape
// is listed in packaging/schema.md; the check is about shapes, not intent:
// it stops what a client sends by mistake (a raw navigator.userAgent, an
// address pasted into an event name), not a client encoding data on purpose.
//
// Cost: one pass over the text, a table load per byte, looking around only
// the bytes the shapes hinge on (`@`, `/`, `,`, space, `.`); the IP shapes
// are parsed only when a `.` and a digit, or a `:`, occur. Allocation-free; no regex.
//
// Thread-safety: a pure function.
#pragma once

#include <string_view>

namespace kpi {

const char* FindPersonalDataShape(std::string_view text);

}  // namespace kpi
