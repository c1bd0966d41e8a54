// SchemaColumns: a schema's fields as a tree of named columns, for writers
// that flatten records into a table (CSV). Derived from the schema itself, so
// a field added to the schema file becomes a column without code changes.
//
// Contract: the tree lists the schema's fields in schema order under their
// canonical names (aliases are an input convenience; stored records never
// carry them). An object field has `children`; every other field is a leaf.
// `structured` marks leaves whose stored value is an array or object
// (event_stream), which a flat table holds as JSON text. `_id` is not a
// schema field and is not listed.
//
// Thread-safety: pure function of an immutable Schema.
#pragma once

#include <string>
#include <vector>

#include "libkpi/ingest/schema.h"
#include "libkpi/util/status.h"

namespace kpi {

struct SchemaColumn {
  std::string name;   // the member name at its level: "width"
  std::string path;   // dotted from the record: "screen_size.width"
  bool structured = false;
  std::vector<SchemaColumn> children;  // an object's fields, in schema order
};

// Fills `columns` with the schema's top-level fields (timestamp first).
Status SchemaColumns(const Schema& schema, std::vector<SchemaColumn>* columns);

}  // namespace kpi
