#include "libkpi/ship/clickhouse_schema.h"

#include <cctype>

#include "libkpi/ingest/schema_field.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

using schema_internal::FieldSpec;
using schema_internal::FieldType;
using Kind = ClickHouseColumn::Kind;

void AddColumn(std::string name, std::string path, Kind kind, std::string type,
               std::vector<ClickHouseColumn>* columns) {
  columns->push_back(ClickHouseColumn{std::move(name), std::move(path), kind, std::move(type)});
}

void AddFields(const std::vector<FieldSpec>& fields, const std::string& name_prefix,
               const std::string& path_prefix, std::vector<ClickHouseColumn>* columns) {
  for (const FieldSpec& field : fields) {
    const std::string name = name_prefix + field.name;
    const std::string path = path_prefix + field.name;
    switch (field.type) {
      case FieldType::kObject:
        AddFields(field.fields, name + "_", path + ".", columns);
        break;
      case FieldType::kTimestamp:
        AddColumn(name, path, Kind::kTimestamp, "Int64", columns);
        break;
      case FieldType::kInteger:
        AddColumn(name, path, Kind::kInteger, "Nullable(Int64)", columns);
        break;
      case FieldType::kNumber:
        AddColumn(name, path, Kind::kNumber, "Nullable(Float64)", columns);
        break;
      case FieldType::kBoolean:
        AddColumn(name, path, Kind::kBoolean, "Nullable(UInt8)", columns);
        break;
      case FieldType::kEventStream:
        AddColumn(name, path, Kind::kJsonText, "Nullable(String)", columns);
        break;
      case FieldType::kString:
      case FieldType::kStringOrNumber:
      case FieldType::kEnum:
        AddColumn(name, path, Kind::kString, "Nullable(String)", columns);
        break;
    }
  }
}

std::string ColumnList(const std::vector<ClickHouseColumn>& columns, bool with_types) {
  std::string out;
  for (const ClickHouseColumn& column : columns) {
    if (!out.empty()) out += with_types ? ",\n  " : ", ";
    out += column.name;
    if (with_types) out += " " + column.type;
  }
  return out;
}

bool IsIdentifier(const std::string& part) {
  if (part.empty() || std::isdigit(static_cast<unsigned char>(part[0]))) return false;
  for (char c : part) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

Status ClickHouseColumns(const Schema& schema, std::vector<ClickHouseColumn>* columns) {
  schema_internal::SchemaSpec spec;
  KPI_RETURN_IF_ERROR(schema_internal::ParseSchemaSpec(schema.source(), "schema", &spec));
  columns->clear();
  AddColumn("_id", "_id", Kind::kId, "String", columns);
  AddFields(spec.fields, "", "", columns);
  return Status::OK();
}

std::string CreateTableSql(const std::string& table, const std::vector<ClickHouseColumn>& columns) {
  return "CREATE TABLE IF NOT EXISTS " + table + " (\n  " + ColumnList(columns, true) +
         "\n) ENGINE = ReplacingMergeTree\n"
         "PARTITION BY toYYYYMMDD(toDateTime(intDiv(timestamp, 1000)))\n"
         "ORDER BY (timestamp, _id)";
}

std::string CreateDistributedSql(const std::string& table, const std::string& cluster,
                                 const std::string& local_table,
                                 const std::vector<ClickHouseColumn>& columns) {
  const size_t dot = local_table.find('.');
  const std::string database = dot == std::string::npos ? "currentDatabase()" : local_table.substr(0, dot);
  const std::string local = dot == std::string::npos ? local_table : local_table.substr(dot + 1);
  return "CREATE TABLE IF NOT EXISTS " + table + " (\n  " + ColumnList(columns, true) +
         "\n) ENGINE = Distributed(" + cluster + ", " + database + ", " + local +
         ", cityHash64(_id))";
}

std::string InsertSql(const std::string& table, const std::vector<ClickHouseColumn>& columns) {
  return "INSERT INTO " + table + " (" + ColumnList(columns, false) + ") FORMAT TabSeparated";
}

std::string HourCondition(int64_t hour_ms) {
  return "timestamp >= " + std::to_string(hour_ms) + " AND timestamp < " +
         std::to_string(hour_ms + kMsPerHour);
}

bool IsPlainTableName(const std::string& name) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return IsIdentifier(name);
  return IsIdentifier(name.substr(0, dot)) && IsIdentifier(name.substr(dot + 1));
}

}  // namespace kpi
