// Reads the column tree from the schema's own text: Schema keeps its spec
// private, and its source() is exactly what it was built from.
#include "libkpi/ingest/schema_columns.h"

#include "libkpi/ingest/schema_field.h"

namespace kpi {
namespace {

using schema_internal::FieldSpec;
using schema_internal::FieldType;

void AddColumns(const std::vector<FieldSpec>& fields, const std::string& prefix,
                std::vector<SchemaColumn>* columns) {
  for (const FieldSpec& field : fields) {
    SchemaColumn column;
    column.name = field.name;
    column.path = prefix + field.name;
    column.structured = field.type == FieldType::kEventStream;
    if (field.type == FieldType::kObject) {
      AddColumns(field.fields, column.path + ".", &column.children);
    }
    columns->push_back(std::move(column));
  }
}

}  // namespace

Status SchemaColumns(const Schema& schema, std::vector<SchemaColumn>* columns) {
  schema_internal::SchemaSpec spec;
  KPI_RETURN_IF_ERROR(schema_internal::ParseSchemaSpec(schema.source(), "schema", &spec));
  columns->clear();
  AddColumns(spec.fields, "", columns);
  return Status::OK();
}

}  // namespace kpi
