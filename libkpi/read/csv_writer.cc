#include "libkpi/read/csv_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

namespace od = simdjson::ondemand;

// Which of `names` (top-level members) the projection keeps: project a record
// holding all of them and see which survive, so the rules of --fields live in
// FieldProjection alone.
Status KeptMembers(const std::vector<std::string>& names, FieldProjection* projection,
                   std::vector<bool>* kept) {
  kept->assign(names.size(), true);
  if (projection == nullptr || projection->empty()) return Status::OK();
  std::string record = "{";
  for (const std::string& name : names) {
    if (record.size() > 1) record.push_back(',');
    record.append("\"").append(name).append("\":0");
  }
  record.push_back('}');
  std::string projected;
  KPI_RETURN_IF_ERROR(projection->Project(record, &projected));
  for (size_t i = 0; i < names.size(); ++i) {
    (*kept)[i] = projected.find("\"" + names[i] + "\":") != std::string::npos;
  }
  return Status::OK();
}

}  // namespace

void AppendCsvCell(std::string* row, std::string_view cell) {
  // One table lookup per byte: find_first_of(",\"\r\n") called memchr on
  // the set for every byte of the cell (a third of CSV export's samples).
  static constexpr auto kSpecial = [] {
    std::array<bool, 256> special{};
    for (unsigned char c : {',', '"', '\r', '\n'}) special[c] = true;
    return special;
  }();
  const auto needs_quotes = std::find_if(cell.begin(), cell.end(), [](char c) {
    return kSpecial[static_cast<unsigned char>(c)];
  });
  if (needs_quotes == cell.end()) {
    row->append(cell);
    return;
  }
  // Room for the worst case (every byte a quote), then the runs between
  // quotes copied whole, each quote doubled: event_stream's cell holds
  // dozens of them (a byte-at-a-time loop was 23% of the samples).
  const size_t start = row->size();
  row->resize(start + 2 * cell.size() + 2);
  char* out = row->data() + start;
  *out++ = '"';
  const char* p = cell.data();
  const char* const end = p + cell.size();
  while (p < end) {
    const void* found = std::memchr(p, '"', static_cast<size_t>(end - p));
    const char* run_end = found != nullptr ? static_cast<const char*>(found) + 1 : end;
    std::memcpy(out, p, static_cast<size_t>(run_end - p));
    out += run_end - p;
    if (found != nullptr) *out++ = '"';
    p = run_end;
  }
  *out++ = '"';
  row->resize(static_cast<size_t>(out - row->data()));
}

Status CsvWriter::Create(const Schema& schema, FieldProjection* projection,
                         std::unique_ptr<CsvWriter>* writer) {
  std::vector<SchemaColumn> members(1);
  members[0].name = members[0].path = "_id";
  std::vector<SchemaColumn> fields;
  KPI_RETURN_IF_ERROR(SchemaColumns(schema, &fields));
  members.insert(members.end(), fields.begin(), fields.end());
  std::vector<std::string> names;
  for (const SchemaColumn& member : members) names.push_back(member.name);
  std::vector<bool> kept;
  KPI_RETURN_IF_ERROR(KeptMembers(names, projection, &kept));

  std::unique_ptr<CsvWriter> w(new CsvWriter());
  for (size_t i = 0; i < members.size(); ++i) w->AddNode(members[i], kept[i], &w->members_);
  w->cells_.resize(w->columns_.size());
  *writer = std::move(w);
  return Status::OK();
}

void CsvWriter::AddNode(const SchemaColumn& column, bool kept, std::vector<Node>* nodes) {
  Node node;
  node.name = column.name;
  node.kept = kept;
  for (const SchemaColumn& child : column.children) AddNode(child, kept, &node.children);
  if (kept && column.children.empty()) {
    node.column = static_cast<int>(columns_.size());
    columns_.push_back(column.path);
    if (column.path == "timestamp") {
      timestamp_column_ = node.column;
      time_column_ = static_cast<int>(columns_.size());
      columns_.push_back("time");
    }
  }
  nodes->push_back(std::move(node));
}

std::string CsvWriter::HeaderRow() const {
  std::string row;
  for (const std::string& column : columns_) {
    if (!row.empty()) row.push_back(',');
    AppendCsvCell(&row, column);
  }
  row.push_back('\r');
  return row;
}

Status CsvWriter::FormatRow(std::string_view json, std::string* row) {
  std::fill(cells_.begin(), cells_.end(), std::string_view());
  KPI_RETURN_IF_ERROR(
      parser_.ParseObject(json, [this](od::object object) { return FillObject(members_, object); }));
  FillTime();
  row->clear();
  for (size_t i = 0; i < cells_.size(); ++i) {
    if (i > 0) row->push_back(',');
    AppendCsvCell(row, cells_[i]);
  }
  row->push_back('\r');
  return Status::OK();
}

simdjson::error_code CsvWriter::FillObject(const std::vector<Node>& nodes, od::object object) {
  return ForEachNamedMember(object, nodes, &unknown_members_,
                            [this](const Node& node, od::value value) {
                              return node.kept ? FillValue(node, value) : simdjson::SUCCESS;
                            });
}

simdjson::error_code CsvWriter::FillValue(const Node& node, od::value value) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (!node.children.empty()) {
    if (type != od::json_type::object) return simdjson::SUCCESS;  // null: empty cells
    od::object object;
    if (auto e = value.get_object().get(object)) return e;
    return FillObject(node.children, object);
  }
  std::string_view& cell = cells_[node.column];
  std::string_view text;
  if (type == od::json_type::null) return simdjson::SUCCESS;
  if (type == od::json_type::string) {
    if (auto e = value.get_string().get(text)) return e;
  } else if (auto e = RawJson(value, type, &text)) {
    return e;
  }
  cell = text;
  return simdjson::SUCCESS;
}

void CsvWriter::FillTime() {
  if (time_column_ < 0) return;
  const std::string_view stamp = cells_[timestamp_column_];
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), ms);
  if (ec == std::errc() && end == stamp.data() + stamp.size() && !stamp.empty()) {
    if (ms != time_ms_ || time_text_.empty()) {
      time_text_ = FormatIso(ms);
      time_ms_ = ms;
    }
    cells_[time_column_] = time_text_;
  }
}

}  // namespace kpi
