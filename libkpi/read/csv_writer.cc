#include "libkpi/read/csv_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "libkpi/util/time_util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

// Copies `cell` to `out` with each double quote doubled; returns the end of
// what it wrote. `out` has room for 2 * cell.size() + 16 bytes.
char* CopyDoublingQuotes(std::string_view cell, char* out) {
  const char* p = cell.data();
  const char* const end = p + cell.size();
#ifdef __SSE2__
  // 16 bytes at a time while 16 remain: stored whole, then the output
  // advances past the bytes up to the first quote, which is written twice.
  // event_stream's ~1 KB cell holds dozens of quotes; a memchr call per
  // quote was 15 % of a CSV export's samples.
  const __m128i quote = _mm_set1_epi8('"');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
    if (mask == 0) {
      p += 16;
      out += 16;
      continue;
    }
    const int through_quote = __builtin_ctz(mask) + 1;
    p += through_quote;
    out += through_quote;
    *out++ = '"';
  }
#endif
  for (; p < end; ++p) {
    *out++ = *p;
    if (*p == '"') *out++ = '"';
  }
  return out;
}

// final_cells_ value of a cell that is final and has 16 readable bytes from
// its start (it lies in the line, not at its end).
constexpr char kFinalShortInLine = 2;

// Copies a cell of at most 16 bytes from which 16 bytes can be read, as one
// 16-byte store (the row has room past it).
inline void CopyShortCell(std::string_view cell, char* out) {
#ifdef __SSE2__
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   _mm_loadu_si128(reinterpret_cast<const __m128i*>(cell.data())));
#else
  std::memcpy(out, cell.data(), cell.size());
#endif
}

// Whether [begin, end) holds a ',': one or two 16-byte compares when the
// text (readable up to `limit`) allows, else memchr.
bool HoldsComma(const char* begin, const char* end, const char* limit) {
  const size_t size = static_cast<size_t>(end - begin);
#ifdef __SSE2__
  if (size <= 32 && limit - begin >= 32) {
    const __m128i comma = _mm_set1_epi8(',');
    const auto commas = [&](const char* at) {
      return static_cast<uint32_t>(_mm_movemask_epi8(
          _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at)), comma)));
    };
    const uint64_t found = commas(begin) | (commas(begin + 16) << 16);
    return (found & ((uint64_t{1} << size) - 1)) != 0;
  }
#endif
  return size != 0 && std::memchr(begin, ',', size) != nullptr;
}

}  // namespace

// Writes `cell` at `out`, quoted if RFC 4180 requires it, and returns the
// end of what it wrote; `out` has room for 2 * cell.size() + 2 + 16 bytes.
char* WriteCsvCell(std::string_view cell, char* out) {
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
    if (!cell.empty()) std::memcpy(out, cell.data(), cell.size());
    return out + cell.size();
  }
  *out++ = '"';
  out = CopyDoublingQuotes(cell, out);
  *out++ = '"';
  return out;
}

void AppendCsvCell(std::string* row, std::string_view cell) {
  const size_t start = row->size();
  row->resize(start + 2 * cell.size() + 2 + 16);
  char* const end = WriteCsvCell(cell, row->data() + start);
  row->resize(static_cast<size_t>(end - row->data()));
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
  w->final_cells_.resize(w->columns_.size());
  *writer = std::move(w);
  return Status::OK();
}

void CsvWriter::AddNode(const SchemaColumn& column, bool kept, std::vector<Node>* nodes) {
  Node node;
  node.name = column.name;
  node.padded_key = "\"" + column.name + "\":";
  node.key_size = node.padded_key.size();
  node.padded_key.append(32, '\0');
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
  row->clear();
  return AppendFormattedRow(json, row);
}

Status CsvWriter::AppendFormattedRow(std::string_view json, std::string* out) {
  std::fill(cells_.begin(), cells_.end(), std::string_view());
  std::fill(final_cells_.begin(), final_cells_.end(), 0);
  if (!ScanRecord(json)) return AppendParsedRow(json, out);
  ++scanned_rows_;
  AppendRow(out);
  return Status::OK();
}

Status CsvWriter::FormatParsedRow(std::string_view json, std::string* row) {
  row->clear();
  return AppendParsedRow(json, row);
}

Status CsvWriter::AppendParsedRow(std::string_view json, std::string* out) {
  ++parsed_rows_;
  std::fill(cells_.begin(), cells_.end(), std::string_view());
  std::fill(final_cells_.begin(), final_cells_.end(), 0);
  KPI_RETURN_IF_ERROR(
      parser_.ParseObject(json, [this](od::object object) { return FillObject(members_, object); }));
  AppendRow(out);
  return Status::OK();
}

void CsvWriter::AppendRow(std::string* row) {
  FillTime();
  // Room for every cell quoted with every byte a quote, the commas, the CR
  // and WriteCsvCell's 16 bytes; one resize per row instead of one per cell.
  // (Final cells go in as they are: event_stream, most of the row, needs
  // no more than its size, and less room is less for resize to zero.)
  size_t room = cells_.size() + 16;
  for (size_t i = 0; i < cells_.size(); ++i) {
    room += final_cells_[i] ? cells_[i].size() : 2 * cells_[i].size() + 2;
  }
  const size_t start = row->size();
  row->resize(start + room);
  char* const begin = row->data();
  char* out = begin + start;
  for (size_t i = 0; i < cells_.size(); ++i) {
    if (i > 0) *out++ = ',';
    if (final_cells_[i] == kFinalShortInLine && cells_[i].size() <= 16) {
      CopyShortCell(cells_[i], out);  // no memcpy call whose size branches mispredict
      out += cells_[i].size();
    } else if (!final_cells_[i]) {
      out = WriteCsvCell(cells_[i], out);
    } else if (!cells_[i].empty()) {
      std::memcpy(out, cells_[i].data(), cells_[i].size());
      out += cells_[i].size();
    }
  }
  *out++ = '\r';
  row->resize(static_cast<size_t>(out - begin));
}

bool CsvWriter::ScanRecord(std::string_view json) {
  CanonicalJsonScanner scanner(json);
  unescaped_.clear();
  unescaped_.reserve(json.size());  // never more: cells_ may point into it
  // Quoted, a value is at most twice its size and two quotes (and the
  // values are parts of the line); 128 bytes more for the scanner's
  // whole-register stores (event_array_scanner.h).
  if (quoted_.size() < 3 * json.size() + 128) quoted_.resize(3 * json.size() + 128);
  quoted_size_ = 0;
  uint64_t unknown = 0;
  if (!scanner.Consume('{') || !ScanObject(members_, &scanner, &unknown) || !scanner.AtEnd()) {
    return false;
  }
  unknown_members_ += unknown;
  return true;
}

// The scanner stands after an object's '{'; reads through its '}', as
// FillObject does.
bool CsvWriter::ScanObject(const std::vector<Node>& nodes, CanonicalJsonScanner* scanner,
                           uint64_t* unknown) {
  if (scanner->Consume('}')) return true;
  size_t next = 0;
  do {
    // Canonical records hold the members in schema order: the next node's
    // key is tried byte for byte first.
    if (next < nodes.size() && scanner->ConsumePaddedBytes(nodes[next].key())) {
      if (!ScanValue(nodes[next++], scanner, unknown)) return false;
      continue;
    }
    std::string_view key;
    if (!scanner->ReadKey(&key)) return false;
    const auto node = FindNamedNode(nodes, key, &next);
    if (node != nodes.end()) {
      if (!ScanValue(*node, scanner, unknown)) return false;
      continue;
    }
    ++*unknown;
    ScannedJson skipped;
    if (!scanner->ReadValue(&skipped)) return false;
  } while (scanner->Consume(','));
  return scanner->Consume('}');
}

// As FillValue (and FillObject's skipping of what the projection drops).
bool CsvWriter::ScanValue(const Node& node, CanonicalJsonScanner* scanner, uint64_t* unknown) {
  const bool object_node = !node.children.empty();
  if (node.kept && object_node && scanner->Consume('{')) {
    return ScanObject(node.children, scanner, unknown);
  }
  const bool leaf = node.kept && !object_node;
  const bool structured = leaf && (scanner->Peek('[') || scanner->Peek('{'));
  ScannedJson value;
  // A structured value is written doubled after an opening quote in quoted_
  // as the scanner walks it (finding its quotes again was 15 % of a CSV
  // export's samples).
  char* const quoted = quoted_.data() + quoted_size_;
  char* doubled_end = quoted + 1;
  if (!scanner->ReadValue(&value, structured ? &doubled_end : nullptr)) return false;
  if (!leaf || value.type == ScannedJson::kNull) return true;
  std::string_view& cell = cells_[node.column];
  // Whether the cell goes into the row as it is (a member may come twice,
  // so this is set every time).
  char& final = final_cells_[node.column];
  final = 0;
  // 16 bytes can be read from the cell's start: AppendRow may copy it whole.
  const char in_line = value.begin + 16 <= scanner->text_end() ? kFinalShortInLine : 1;
  if (value.type == ScannedJson::kNumber || value.type == ScannedJson::kBoolean) {
    cell = value.text();  // never quoted: no , " CR or LF
    final = in_line;
  } else if (structured) {
    const bool has_quotes = doubled_end - quoted - 1 != value.end - value.begin;
    if (!has_quotes && value.text().find(',') == std::string_view::npos) {
      cell = value.text();  // [], [5]: nothing to quote
    } else {
      *quoted = '"';
      *doubled_end++ = '"';
      cell = std::string_view(quoted, static_cast<size_t>(doubled_end - quoted));
      quoted_size_ += cell.size();
    }
    final = 1;
  } else if (!value.escaped) {
    // Unescaped, a scanned string holds no '"' and no control byte (CR,
    // LF): it needs quotes only for a comma. Known here, the row needs no
    // per-byte search (WriteCsvCell's was 3 % of a CSV export).
    cell = value.text();
    final = HoldsComma(value.begin, value.end, scanner->text_end()) ? 0 : in_line;
  } else {
    const size_t start = unescaped_.size();
    if (!AppendUnescapedJson(value.text(), &unescaped_)) return false;
    cell = std::string_view(unescaped_).substr(start);
  }
  return true;
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
    final_cells_[time_column_] = 1;  // digits, '-', ':', 'T', '.', 'Z': never quoted
  }
}

}  // namespace kpi
