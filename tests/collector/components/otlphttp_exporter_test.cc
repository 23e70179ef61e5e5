#include "collector/exporters/otlphttp/otlphttp_exporter.h"

#include <gtest/gtest.h>

#include <thread>

#include "collector/core/exporter_helper.h"
#include "collector/test_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "support/http_test_server.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using adot::test::HttpTestServer;
using adot::test::TestResponse;

std::shared_ptr<QueuedExporter> MakeExporter(const std::string& yaml, Signal signal = Signal::kTraces) {
  Factory f = OtlpHttpExporterFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "exporters.otlphttp", &errors);
  auto cfg = f.parse(r);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  auto e = f.create_exporter(*cfg, CreateSettings{"otlphttp", signal, "traces"});
  return std::static_pointer_cast<QueuedExporter>(e);
}

bool WaitFor(const std::function<bool()>& f) {
  for (int i = 0; i < 1000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

TEST(OtlpHttpExporterTest, SendsReceivedBytesUnchangedWithGzip) {
  HttpTestServer server;
  auto e = MakeExporter("{endpoint: '" + server.Url("") + "', headers: {x-api-key: secret}}");
  ASSERT_TRUE(e->Start().ok());
  std::string bytes = MakeTracesRequest(2, 2).SerializeAsString();
  PData p;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, bytes, p).ok());
  ASSERT_TRUE(e->Consume(p).ok());
  ASSERT_TRUE(server.WaitForRequests(1, 5s));
  auto req = server.Requests()[0];
  EXPECT_EQ(req.target, "/v1/traces");
  EXPECT_EQ(req.Header("content-type"), "application/x-protobuf");
  EXPECT_EQ(req.Header("content-encoding"), "gzip");
  EXPECT_EQ(req.Header("x-api-key"), "secret");
  EXPECT_EQ(req.body, bytes);
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 4; }));
  e->Shutdown(Clock::now() + 2s);
}

TEST(OtlpHttpExporterTest, JsonPerSignalEndpointWithoutCompression) {
  HttpTestServer server;
  auto e = MakeExporter("{traces_endpoint: '" + server.Url("/custom/traces") +
                        "', metrics_endpoint: 'http://127.0.0.1:1/m', logs_endpoint: 'http://127.0.0.1:1/l', "
                        "encoding: json, compression: none}");
  ASSERT_TRUE(e->Start().ok());
  TracesRequest sent = MakeTracesRequest(1, 2);
  PData p;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, sent.SerializeAsString(), p).ok());
  ASSERT_TRUE(e->Consume(p).ok());
  ASSERT_TRUE(server.WaitForRequests(1, 5s));
  auto req = server.Requests()[0];
  EXPECT_EQ(req.target, "/custom/traces");
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_FALSE(req.HasHeader("content-encoding"));
  PData back;
  ASSERT_TRUE(PData::FromJson(Signal::kTraces, req.body, back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*back.Traces(), sent));
  e->Shutdown(Clock::now() + 2s);
}

TEST(OtlpHttpExporterTest, OneSignalEndpointIsEnoughButAnotherSignalFailsAtStart) {
  auto traces = MakeExporter("{traces_endpoint: 'http://127.0.0.1:1/t'}", Signal::kTraces);
  EXPECT_TRUE(traces->Start().ok());
  traces->Shutdown(Clock::now() + 1s);
  Status st = MakeExporter("{traces_endpoint: 'http://127.0.0.1:1/t'}", Signal::kMetrics)->Start();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "no endpoint for metrics: set endpoint or metrics_endpoint");
}

TEST(OtlpHttpExporterTest, RetriesRetryableStatusesAndDropsPermanentOnes) {
  HttpTestServer server;
  server.Enqueue(TestResponse::Status(503).WithHeader("Retry-After", "0"));
  server.Enqueue(TestResponse::Status(429));
  server.Enqueue(TestResponse::Status(200));
  server.Enqueue(TestResponse::Status(400, "bad data"));
  auto e = MakeExporter("{endpoint: '" + server.Url("") +
                        "', retry_on_failure: {initial_interval: 10ms, max_interval: 20ms}, "
                        "sending_queue: {num_consumers: 1}}");
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 3)).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 3; }));
  EXPECT_EQ(server.RequestCount(), 3u);
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().send_failed_items == 2; }));
  EXPECT_EQ(server.RequestCount(), 4u);  // 400 is not retried
  e->Shutdown(Clock::now() + 2s);
}

TEST(OtlpHttpExporterTest, StalledBackendIsCancelledAtTheShutdownDeadline) {
  HttpTestServer server;
  server.SetStall(true);
  auto e = MakeExporter("{endpoint: '" + server.Url("") + "', timeout: 60s, sending_queue: {num_consumers: 1}}");
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 1)).ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(server.WaitForRequests(1, 5s));
  auto start = Clock::now();
  e->Shutdown(Clock::now() + 300ms);
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_EQ(e->counters().send_failed_items, 3u);
  server.SetStall(false);
}

}  // namespace
}  // namespace adot::collector
