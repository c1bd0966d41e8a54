#include "libkpi/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kpi {
namespace {

constexpr double kWidth = 760, kHeight = 260;
constexpr double kLeft = 64, kRight = 16, kTop = 32, kBottom = 48;
constexpr const char* kWithheld = "#bbbbbb";

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string AxisText(double v, bool percent) {
  char buf[32];
  if (percent) {
    std::snprintf(buf, sizeof buf, "%.0f%%", v * 100);
  } else if (v >= 10000) {
    std::snprintf(buf, sizeof buf, "%.0fk", v / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

// A round number at or above `v` for the top of the y axis.
double NiceCeiling(double v) {
  if (v <= 0) return 1;
  const double magnitude = std::pow(10, std::floor(std::log10(v)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (step * magnitude >= v) return step * magnitude;
  }
  return 10 * magnitude;
}

std::string Open(std::string_view title) {
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " +
                    Num(kWidth) + " " + Num(kHeight) + "\" role=\"img\"><title>" +
                    HtmlEscape(title) + "</title>";
  svg += "<text x=\"" + Num(kLeft) + "\" y=\"20\" class=\"ct\">" + HtmlEscape(title) + "</text>";
  return svg;
}

// Axes, grid lines and x labels (at most ~12 shown).
std::string Frame(const std::vector<std::string>& labels, double top, bool percent) {
  const double plot_h = kHeight - kTop - kBottom, plot_w = kWidth - kLeft - kRight;
  std::string svg;
  for (int i = 0; i <= 4; ++i) {
    const double y = kTop + plot_h * (1 - i / 4.0);
    svg += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(y) +
           "\" y2=\"" + Num(y) + "\" stroke=\"#e3e3e3\"/>";
    svg += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y + 4) +
           "\" text-anchor=\"end\" class=\"ax\">" + AxisText(top * i / 4.0, percent) + "</text>";
  }
  const size_t n = labels.size();
  const size_t every = std::max<size_t>(1, (n + 11) / 12);
  for (size_t i = 0; i < n; i += every) {
    const double x = kLeft + plot_w * (i + 0.5) / n;
    svg += "<text x=\"" + Num(x) + "\" y=\"" + Num(kHeight - kBottom + 16) +
           "\" text-anchor=\"middle\" class=\"ax\">" + HtmlEscape(labels[i]) + "</text>";
  }
  return svg;
}

double MaxOf(const std::vector<ChartSeries>& series) {
  double top = 0;
  for (const ChartSeries& s : series) {
    for (const auto& v : s.values) top = std::max(top, v.value_or(0));
  }
  return top;
}

std::string WithheldTick(double x) {
  const double base = kHeight - kBottom;
  return "<rect x=\"" + Num(x - 2) + "\" y=\"" + Num(base - 8) +
         "\" width=\"4\" height=\"8\" fill=\"" + kWithheld + "\"><title>withheld</title></rect>";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string SvgBarChart(std::string_view title, const std::vector<std::string>& labels,
                        const ChartSeries& series) {
  const double top = NiceCeiling(MaxOf({series}));
  const double plot_h = kHeight - kTop - kBottom, plot_w = kWidth - kLeft - kRight;
  const double slot = labels.empty() ? plot_w : plot_w / labels.size();
  std::string svg = Open(title) + Frame(labels, top, false);
  for (size_t i = 0; i < series.values.size(); ++i) {
    const double x = kLeft + slot * i;
    if (!series.values[i]) {
      svg += WithheldTick(x + slot / 2);
      continue;
    }
    const double h = plot_h * *series.values[i] / top;
    svg += "<rect x=\"" + Num(x + slot * 0.1) + "\" y=\"" + Num(kTop + plot_h - h) + "\" width=\"" +
           Num(slot * 0.8) + "\" height=\"" + Num(h) + "\" fill=\"" + series.color + "\"><title>" +
           HtmlEscape(labels[i]) + ": " + AxisText(*series.values[i], false) + "</title></rect>";
  }
  return svg + "</svg>";
}

std::string SvgLineChart(std::string_view title, const std::vector<std::string>& labels,
                         const std::vector<ChartSeries>& series, bool percent) {
  const double top = percent ? 1.0 : NiceCeiling(MaxOf(series));
  const double plot_h = kHeight - kTop - kBottom, plot_w = kWidth - kLeft - kRight;
  const size_t n = std::max<size_t>(labels.size(), 1);
  std::string svg = Open(title) + Frame(labels, top, percent);
  double legend_x = kLeft + 260;
  for (const ChartSeries& s : series) {
    std::string path;
    for (size_t i = 0; i < s.values.size(); ++i) {
      const double x = kLeft + plot_w * (i + 0.5) / n;
      if (!s.values[i]) {
        svg += WithheldTick(x);
        path += " ";  // a gap: the next point starts a new line
        continue;
      }
      const double y = kTop + plot_h * (1 - *s.values[i] / top);
      const bool starts = path.empty() || path.back() == ' ';
      path += (starts ? "M" : "L") + Num(x) + "," + Num(y);
      svg += "<circle cx=\"" + Num(x) + "\" cy=\"" + Num(y) + "\" r=\"3\" fill=\"" + s.color +
             "\"><title>" + HtmlEscape(labels[i]) + ": " + AxisText(*s.values[i], percent) +
             "</title></circle>";
    }
    svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"2\"/>";
    svg += "<rect x=\"" + Num(legend_x) + "\" y=\"11\" width=\"10\" height=\"10\" fill=\"" +
           s.color + "\"/><text x=\"" + Num(legend_x + 14) + "\" y=\"20\" class=\"ax\">" +
           HtmlEscape(s.name) + "</text>";
    legend_x += 110;
  }
  return svg + "</svg>";
}

std::string SvgShareBars(std::string_view title, const std::vector<std::string>& labels,
                         const std::vector<std::optional<double>>& shares) {
  const double row_h = 26, label_w = 240, bar_w = kWidth - label_w - 70;
  const double height = kTop + row_h * labels.size() + 8;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " +
                    Num(kWidth) + " " + Num(height) + "\" role=\"img\"><title>" +
                    HtmlEscape(title) + "</title><text x=\"8\" y=\"20\" class=\"ct\">" +
                    HtmlEscape(title) + "</text>";
  for (size_t i = 0; i < labels.size(); ++i) {
    const double y = kTop + row_h * i;
    svg += "<text x=\"" + Num(label_w - 8) + "\" y=\"" + Num(y + 16) +
           "\" text-anchor=\"end\" class=\"ax\">" + HtmlEscape(labels[i]) + "</text>";
    const bool shown = i < shares.size() && shares[i].has_value();
    const double w = shown ? bar_w * std::clamp(*shares[i], 0.0, 1.0) : 0;
    svg += "<rect x=\"" + Num(label_w) + "\" y=\"" + Num(y + 4) + "\" width=\"" + Num(bar_w) +
           "\" height=\"16\" fill=\"#f0f0f0\"/>";
    if (shown) {
      svg += "<rect x=\"" + Num(label_w) + "\" y=\"" + Num(y + 4) + "\" width=\"" + Num(w) +
             "\" height=\"16\" fill=\"#2c7fb8\"/>";
    }
    svg += "<text x=\"" + Num(label_w + bar_w + 6) + "\" y=\"" + Num(y + 16) + "\" class=\"ax\">" +
           (shown ? AxisText(*shares[i], true) : std::string("withheld")) + "</text>";
  }
  return svg + "</svg>";
}

}  // namespace kpi
