// SVG charts as text, for the self-contained HTML report: no script, no
// external font or stylesheet, colours and sizes inline, so the page renders
// the same offline in any browser.
//
// A missing value (std::nullopt, a withheld cell) is drawn as a gap with a
// grey "withheld" tick, never as zero.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpi {

struct ChartSeries {
  std::string name;
  std::string color;                          // CSS colour, e.g. "#1f77b4"
  std::vector<std::optional<double>> values;  // one per x label
};

// Vertical bars over time (one series).
std::string SvgBarChart(std::string_view title, const std::vector<std::string>& labels,
                        const ChartSeries& series);
// Lines over time; `percent` formats the y axis as percentages of 1.
std::string SvgLineChart(std::string_view title, const std::vector<std::string>& labels,
                         const std::vector<ChartSeries>& series, bool percent);
// Horizontal bars of shares in [0, 1] (a funnel).
std::string SvgShareBars(std::string_view title, const std::vector<std::string>& labels,
                         const std::vector<std::optional<double>>& shares);

// Escapes & < > " ' for HTML text and attributes.
std::string HtmlEscape(std::string_view text);

}  // namespace kpi
