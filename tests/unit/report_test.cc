// The report's pieces: the log histogram's documented accuracy, the record
// parser's rules, the aggregator's figures and weighting, suppression
// (primary and secondary), and the renderers' promise never to show a
// withheld figure.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "libkpi/report/log_histogram.h"
#include "libkpi/report/report_aggregator.h"
#include "libkpi/report/report_html.h"
#include "libkpi/report/report_json.h"
#include "libkpi/report/report_suppression.h"
#include "libkpi/util/time_util.h"

namespace {

using kpi::CellFigures;
using kpi::LogHistogram;
using kpi::Report;
using kpi::ReportAggregator;
using kpi::ReportSpec;

const int64_t kDay = kpi::FromCivil(2026, 11, 29);

// A stored line with the members a report reads.
std::string Line(const std::string& language, bool success, int64_t success_ms,
                 double sample_rate = 1, const std::string& extra = "") {
  std::string events = R"([["window.dom_loading",10],["screen.rp_info",900])";
  if (success) events += R"(,["assertion_generated",)" + std::to_string(success_ms) + "]";
  events += "]";
  return R"({"_id":"a1-0000000000000001","timestamp":1,"event_stream":)" + events +
         R"(,"language":")" + language + R"(","sample_rate":)" + std::to_string(sample_rate) +
         extra + "}";
}

// Exact weighted percentile: the smallest value whose cumulative weight reaches q × total.
double ExactPercentile(std::vector<std::pair<double, double>> values, double q) {
  std::sort(values.begin(), values.end());
  double total = 0;
  for (const auto& v : values) total += v.second;
  double cumulative = 0;
  for (const auto& v : values) {
    cumulative += v.second;
    if (cumulative >= q * total) return v.first;
  }
  return values.back().first;
}

const CellFigures& Cell(const Report& report, size_t row, size_t key) {
  return report.rows.at(row).cells.at(key);
}

}  // namespace

TEST_CASE("LogHistogram percentiles stay within the documented 2.2 % plus 0.5 ms") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    LogHistogram h;
    std::vector<std::pair<double, double>> values;
    const int n = 1 + static_cast<int>(rng() % 5000);
    for (int i = 0; i < n; ++i) {
      // Offsets from 1 ms to ~10 minutes, log-uniform, weights 1, 2 or 10.
      const double v = std::floor(std::exp2(static_cast<double>(rng() % 20000) / 1000.0));
      const double w = std::vector<double>{1, 2, 10}[rng() % 3];
      h.Add(v, w);
      values.emplace_back(v, w);
    }
    for (double q : {0.5, 0.9, 0.99}) {
      const double exact = ExactPercentile(values, q);
      const double got = static_cast<double>(h.Percentile(q));
      INFO("round " << round << " q " << q << " exact " << exact << " got " << got);
      CHECK(std::abs(got - exact) <= LogHistogram::kRelativeError * exact + 0.5);
    }
  }
  LogHistogram empty;
  CHECK(empty.Percentile(0.5) == 0);
  LogHistogram zero;
  zero.Add(0, 1);
  CHECK(zero.Percentile(0.99) == 0);
  LogHistogram huge;
  huge.Add(1e12, 1);  // past 2^32 ms: the last bucket, no overflow
  CHECK(huge.Percentile(0.5) > 4e9);
}

TEST_CASE("the aggregator weighs records by 1 / sample_rate and reads the documented members") {
  ReportSpec spec;
  spec.min_count = 1;
  REQUIRE(kpi::AddReportGroup("language", &spec).ok());
  REQUIRE(kpi::AddReportGroup("screen_class", &spec).ok());
  REQUIRE(kpi::AddReportGroup("user_agent.os", &spec).ok());
  REQUIRE(kpi::AddGroupAlias("user_agent.os:Windows NT 6.1=Windows 7", &spec).ok());
  ReportAggregator agg(spec, kDay, kDay + kpi::kMsPerDay);
  const std::string agent = R"(,"user_agent":{"os":"Windows NT 6.1","browser":"Firefox"})";
  REQUIRE(agg.Add(kDay, Line("de", true, 2000, 0.5,
                             R"(,"new_account":true,"email_type":"primary","number_emails":1,)"
                             R"("number_sites_logged_in":3,"screen_size":{"width":1280})" +
                                 agent))
              .ok());
  REQUIRE(agg.Add(kDay + 1,
                  Line("de", false, 0, 1, R"(,"number_emails":5,"screen_size":{"width":320})"))
              .ok());
  REQUIRE(agg.Add(kDay + 2, Line("fr", true, 4000, 0)).ok());  // rate 0 weighs 1
  CHECK(agg.Add(kDay + 3, "not json").IsCorruption());
  const Report report = agg.Finish();
  REQUIRE(report.rows.size() == 2);  // one day, then the total
  const CellFigures& all = Cell(report, 0, 0);
  CHECK(all.records == 3);
  CHECK(all.uses == 4);  // 2 + 1 + 1
  CHECK(all.successes == 3);
  CHECK(all.funnel[1] == 4);  // screen.rp_info in every record
  CHECK(all.funnel[4] == 3);  // assertion_generated
  CHECK(all.new_accounts == 2);
  CHECK(all.email_types[CellFigures::kPrimary] == 2);
  CHECK(all.email_types[CellFigures::kEmailTypeMissing] == 2);
  CHECK(all.email_counts[CellFigures::kEmails1] == 2);
  CHECK(all.email_counts[CellFigures::kEmails3Plus] == 1);
  CHECK(all.sites_sum == 6);
  CHECK(all.sites_weight == 2);
  CHECK(std::abs(all.success_p50_ms - 2000) <= 2000 * LogHistogram::kRelativeError + 1);
  std::vector<std::string> labels;
  for (const auto& key : report.keys) labels.push_back(key.value);
  // Sorted by group, then label; aliases applied; a missing member is "(none)".
  CHECK(labels == std::vector<std::string>{"", "de", "fr", "(none)", "desktop", "mobile", "(none)",
                                           "Windows 7"});
  CHECK(Cell(report, 1, 1).uses == 3);  // total row, de
}

TEST_CASE("groups keep a value list and a cap; the rest is Other") {
  ReportSpec spec;
  spec.min_count = 1;
  REQUIRE(kpi::AddReportGroup("language", &spec).ok());
  REQUIRE(kpi::SetGroupValues("language=de,fr", &spec).ok());
  ReportAggregator agg(spec, kDay, kDay + kpi::kMsPerDay);
  for (const char* lang : {"de", "fr", "ja", "it"})
    REQUIRE(agg.Add(kDay, Line(lang, true, 5)).ok());
  const Report report = agg.Finish();
  REQUIRE(report.keys.size() == 4);
  CHECK(report.keys[1].value == "Other");  // bytewise: upper case first
  CHECK(report.keys[3].value == "fr");
  CHECK(Cell(report, 1, 1).records == 2);

  ReportSpec many;
  REQUIRE(kpi::AddReportGroup("language", &many).ok());
  ReportAggregator capped(many, kDay, kDay + kpi::kMsPerDay);
  for (int i = 0; i < 200; ++i)
    REQUIRE(capped.Add(kDay, Line("l" + std::to_string(i), true, 5)).ok());
  // Every use, 50 values, then "Other" for the rest.
  CHECK(capped.Finish().keys.size() == 2 + ReportSpec::kMaxGroupValues);
}

TEST_CASE("records must come in time order") {
  ReportAggregator agg(ReportSpec(), kDay, kDay + 2 * kpi::kMsPerDay);
  REQUIRE(agg.Add(kDay + kpi::kMsPerDay, Line("de", true, 5)).ok());
  CHECK(agg.Add(kDay, Line("de", true, 5)).code() == kpi::Status::Code::kInvalidArgument);
}

TEST_CASE("a cell of fewer than K records is withheld, and so is what would give it away") {
  ReportSpec spec;  // K = 10
  REQUIRE(kpi::AddReportGroup("language", &spec).ok());
  ReportAggregator agg(spec, kDay, kDay + 2 * kpi::kMsPerDay);
  // Day 1: 30 de, 9 eo, 12 fr. Day 2: 40 de only.
  for (int i = 0; i < 30; ++i) REQUIRE(agg.Add(kDay, Line("de", true, 100 + i)).ok());
  for (int i = 0; i < 9; ++i) REQUIRE(agg.Add(kDay + 1, Line("eo", true, 7777)).ok());
  for (int i = 0; i < 12; ++i) REQUIRE(agg.Add(kDay + 2, Line("fr", i % 2 == 0, 300)).ok());
  for (int i = 0; i < 40; ++i) REQUIRE(agg.Add(kDay + kpi::kMsPerDay, Line("de", true, 5)).ok());
  const Report report = agg.Finish();
  REQUIRE(report.keys.size() == 4);  // all, de, eo, fr
  // Day 1: eo (9) is withheld; fr (12, the smallest shown) too, since
  // "all − de − fr" would give eo away.
  CHECK(Cell(report, 0, 2).suppressed);
  CHECK(Cell(report, 0, 3).suppressed);
  CHECK_FALSE(Cell(report, 0, 1).suppressed);
  CHECK_FALSE(Cell(report, 0, 0).suppressed);
  // Whole range: eo (9) withheld, fr (12) too, by the same sum.
  CHECK(Cell(report, 2, 2).suppressed);
  CHECK(Cell(report, 2, 3).suppressed);
  CHECK(report.cells_suppressed == 4);

  const std::string json = kpi::RenderReportJson(report);
  const std::string html = kpi::RenderReportHtml(report);
  CHECK(json.find(R"({"value":"eo","suppressed":true})") != std::string::npos);
  CHECK(json.find("7777") == std::string::npos);  // eo's time to success, nowhere
  CHECK(json.find(R"("records":9,)") == std::string::npos);
  CHECK(json.find(R"("records":12,)") == std::string::npos);
  CHECK(html.find("7.8 s") == std::string::npos);
  CHECK(html.find("withheld") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
}

TEST_CASE("suppression across periods: the total minus the shown periods gives nothing away") {
  ReportSpec spec;  // K = 10
  ReportAggregator agg(spec, kDay, kDay + 3 * kpi::kMsPerDay);
  for (int i = 0; i < 9; ++i) REQUIRE(agg.Add(kDay, Line("de", true, 5)).ok());
  for (int i = 0; i < 20; ++i) REQUIRE(agg.Add(kDay + kpi::kMsPerDay, Line("de", true, 5)).ok());
  for (int i = 0; i < 15; ++i)
    REQUIRE(agg.Add(kDay + 2 * kpi::kMsPerDay, Line("de", true, 5)).ok());
  const Report report = agg.Finish();
  CHECK(Cell(report, 0, 0).suppressed);        // 9
  CHECK_FALSE(Cell(report, 1, 0).suppressed);  // 20
  CHECK(Cell(report, 2, 0).suppressed);        // 15: the smallest, withheld with the 9
  CHECK_FALSE(Cell(report, 3, 0).suppressed);  // total 44
}

TEST_CASE("the HTML page is self-contained") {
  ReportSpec spec;
  spec.min_count = 1;
  ReportAggregator agg(spec, kDay, kDay + kpi::kMsPerDay);
  REQUIRE(agg.Add(kDay, Line("de<script>", true, 5)).ok());
  const std::string html = kpi::RenderReportHtml(agg.Finish());
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<svg") != std::string::npos);
  for (const char* banned : {"<script", "<link", "@import", "url(", "src="}) {
    INFO(banned);
    CHECK(html.find(banned) == std::string::npos);
  }
}

TEST_CASE("periods: hours, UTC days, and weeks from Monday 00:00 UTC") {
  const int64_t t = kpi::FromCivil(2026, 11, 29, 18, 5);  // a Sunday
  CHECK(kpi::ReportPeriodStart(kpi::ReportPeriod::kHour, t) == kpi::FromCivil(2026, 11, 29, 18));
  CHECK(kpi::ReportPeriodStart(kpi::ReportPeriod::kDay, t) == kpi::FromCivil(2026, 11, 29));
  CHECK(kpi::ReportPeriodStart(kpi::ReportPeriod::kWeek, t) == kpi::FromCivil(2026, 11, 23));
  const int64_t monday = kpi::FromCivil(2026, 11, 30);
  CHECK(kpi::ReportPeriodStart(kpi::ReportPeriod::kWeek, monday) == monday);
  CHECK(kpi::ReportPeriodStart(kpi::ReportPeriod::kWeek, monday - 1) ==
        kpi::FromCivil(2026, 11, 23));
}
