// The console metric exporter: one block per metric, one entry per data point, as text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "adot/exporters/console/console_exporter.h"
#include "support/metrics_sample.h"

namespace adot::exporters::console {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace sdk::metrics;

class ConsoleMetricExporterTest : public ::testing::Test {
 protected:
  ConsoleMetricExporterTest() : file_(std::tmpfile()) {}
  ~ConsoleMetricExporterTest() override { std::fclose(file_); }
  std::string Written() {
    std::fflush(file_);
    std::rewind(file_);
    std::string text;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) text.append(buf, n);
    return text;
  }
  std::FILE* file_;
};

TEST_F(ConsoleMetricExporterTest, OneBlockPerMetricAndOneEntryPerPoint) {
  auto exporter = CreateConsoleMetricExporter(file_);
  test::SampleMetrics sample;
  ASSERT_EQ(exporter->Export(sample.Collect()), sdk::ExportResult::kSuccess);
  const std::string text = Written();

  EXPECT_THAT(text, HasSubstr("metric \"http.server.requests\" sum monotonic cumulative  unit \"{request}\"\n"
                              "  description \"requests served\"\n"
                              "  scope metrics.test 1.2.3\n"));
  EXPECT_THAT(text, HasSubstr("  value 3\n    http.route = \"/api/search\"\n"
                              "    http.response.status_code = 200\n"));
  EXPECT_THAT(text, HasSubstr("metric \"http.server.active\" sum non-monotonic cumulative"));
  EXPECT_THAT(text, HasSubstr("  value -2\n    pool = \"spare\"\n"));
  EXPECT_THAT(text, HasSubstr("metric \"http.server.bytes\" sum monotonic cumulative  unit \"By\"\n"));
  EXPECT_THAT(text, HasSubstr("  value 1.75\n    direction = \"in\"\n"));
  EXPECT_THAT(text, HasSubstr("metric \"room.temperature\" gauge  unit \"Cel\"\n"));
  EXPECT_THAT(text, HasSubstr("  value 19.25\n"));
  EXPECT_THAT(text, HasSubstr("metric \"queue.depth\" gauge"));
  EXPECT_THAT(text, HasSubstr("  value 14\n    queue = \"returns\"\n"));
  EXPECT_THAT(text, HasSubstr("metric \"process.cpu.time\" sum monotonic cumulative  unit \"s\"\n"));
  EXPECT_THAT(text, HasSubstr("metric \"http.server.duration\" histogram cumulative  unit \"ms\"\n"));
  EXPECT_THAT(text, HasSubstr("  count 6  sum 103  min 0.5  max 75\n    http.route = \"/api/search\"\n"
                              "    buckets (-inf, 1]: 1  (1, 5]: 2  (5, 10]: 1  (10, 50]: 1  (50, +inf): 1\n"));
  EXPECT_THAT(text, HasSubstr("resource:\n  service.name = \"metrics-test\"\n  host.cpus = 8\n"));

  // One "point" line per data point: the sample has 13 series.
  size_t points = 0;
  for (size_t at = text.find("  point start "); at != std::string::npos;
       at = text.find("  point start ", at + 1))
    ++points;
  EXPECT_EQ(points, 13u);
}

TEST_F(ConsoleMetricExporterTest, DeltaPreferenceAndNothingToPrint) {
  auto exporter = CreateConsoleMetricExporter(file_, TemporalityPreference::kDelta);
  EXPECT_EQ(exporter->GetTemporality(InstrumentKind::kCounter), AggregationTemporality::kDelta);
  test::SampleMetrics sample(TemporalityPreference::kDelta);
  ASSERT_EQ(exporter->Export(ResourceMetrics{}), sdk::ExportResult::kSuccess);
  EXPECT_EQ(Written(), "");
  ASSERT_EQ(exporter->Export(sample.Collect()), sdk::ExportResult::kSuccess);
  EXPECT_THAT(Written(), HasSubstr("metric \"http.server.requests\" sum monotonic delta"));
}

TEST_F(ConsoleMetricExporterTest, ExponentialHistogramAndExemplars) {
  ResourceMetrics metrics;
  auto scope = std::make_shared<sdk::InstrumentationScope>();
  scope->name = "hand.made";
  metrics.scope_metrics.push_back({scope, {}});
  MetricData exp;
  exp.name = "exp";
  ExponentialHistogramData data;
  ExponentialHistogramPoint p;
  p.count = 5;
  p.sum = 12.5;
  p.scale = 3;
  p.zero_count = 1;
  p.positive = {2, {1, 3}};
  Exemplar e;
  e.value = 4.0;
  e.time_unix_nano = 42;
  e.filtered_attributes = {{"user", std::string("u1")}};
  p.exemplars.push_back(e);
  data.points.push_back(p);
  exp.data = data;
  metrics.scope_metrics[0].metrics.push_back(exp);
  auto exporter = CreateConsoleMetricExporter(file_);
  ASSERT_EQ(exporter->Export(metrics), sdk::ExportResult::kSuccess);
  const std::string text = Written();
  EXPECT_THAT(text, HasSubstr("metric \"exp\" exponential_histogram cumulative\n  scope hand.made\n"));
  EXPECT_THAT(text, HasSubstr("  count 5  sum 12.5  scale 3  zero_count 1\n"
                              "    positive offset 2 counts [1, 3]\n"
                              "    exemplar 4 at 42\n      user = \"u1\"\n"));
  EXPECT_THAT(text, Not(HasSubstr("negative")));
}

TEST_F(ConsoleMetricExporterTest, ExportAfterShutdownFails) {
  auto exporter = CreateConsoleMetricExporter(file_);
  EXPECT_TRUE(exporter->Shutdown(std::chrono::milliseconds(10)));
  test::SampleMetrics sample;
  EXPECT_EQ(exporter->Export(sample.Collect()), sdk::ExportResult::kFailure);
  EXPECT_EQ(Written(), "");
}

}  // namespace
}  // namespace adot::exporters::console
