// TextTable: the aligned plain-text tables kpictl prints (ls, scan).
// Columns are separated by two spaces; numeric columns align right.
//
// Thread-safety: a value.
#pragma once

#include <string>
#include <vector>

namespace kpi {

class TextTable {
 public:
  // `align` has one letter per column: 'L' or 'R'.
  TextTable(std::vector<std::string> headers, std::string align);

  void AddRow(std::vector<std::string> cells);
  // Every row, header first, each line ending in '\n'; no trailing spaces.
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
  std::string align_;
};

}  // namespace kpi
