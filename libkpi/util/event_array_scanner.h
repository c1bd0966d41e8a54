// ScanEventArrays: checks and copies, 64 bytes at a time, a JSON array of
// the shape kpi's canonical event_stream has: [["name",int,...],...]. It
// finds quotes, brackets, commas and digits in a whole block with SIMD
// compares into bitmasks (as simdjson's stage 1 does) and checks the grammar
// with shifts of those masks, so the varying lengths of names and numbers
// cost no branches; a token-by-token walk of the same bytes mispredicted on
// them (20 % of a CSV export's samples).
//
// Accepted, exactly: '[' then one or more inner arrays separated by ',',
// then ']'; an inner array is '[', a string, zero or more ",digits", ']'.
// Strings hold printable ASCII other than '"' and '\' (no escapes);
// numbers are non-negative integers without leading zeros. Everything
// accepted is valid JSON. Anything else (white space, escapes, non-ASCII,
// negative or fractional numbers, empty arrays, other nesting) is refused,
// and the caller walks it the slow way.
//
// Thread-safety: a pure function.
#pragma once

namespace kpi {

// `p` points at the array's '[' and `end` is the end of readable text (no
// byte at or after `end` is read). Returns one past the array's closing ']'
// when the array has the shape above, else nullptr. When `out` is not null
// the array's text is also written at *out with each '"' doubled (as CSV
// quotes it) and *out is moved past it; *out needs room for twice the
// array's text and 80 bytes, and what it holds after a refusal is garbage
// (at most twice the bytes before the refused one and 80 bytes).
const char* ScanEventArrays(const char* p, const char* end, char** out);

// Whether this build and CPU scan in blocks (x86-64 with AVX2, built by
// GCC); when not, ScanEventArrays refuses every array.
bool ScansEventArraysInBlocks();

}  // namespace kpi
