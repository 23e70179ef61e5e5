// The OTLP/gRPC span exporter against a real gRPC server on loopback that implements TraceService
// with the libprotobuf-generated code: the exporter's hand-encoded bytes are checked by a
// third-party decoder.

#include "adot/exporters/otlp/otlp_grpc_exporter.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "exporters/otlp/retry.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace adot::exporters::otlp {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using ::testing::HasSubstr;
using ::testing::Not;

namespace collector_pb = opentelemetry::proto::collector::trace::v1;
namespace common_pb = opentelemetry::proto::common::v1;
namespace trace_pb = opentelemetry::proto::trace::v1;

// ---------------------------------------------------------------------------------------------
// Test collector

struct Received {
  collector_pb::ExportTraceServiceRequest request;
  std::multimap<std::string, std::string> metadata;
  steady_clock::time_point at;
};

struct Reply {
  grpc::Status status;
  collector_pb::ExportTraceServiceResponse response;
};

class FakeTraceService final : public collector_pb::TraceService::Service {
 public:
  // Replies are used one per request, in order; when none is left the reply is OK.
  void PushReply(grpc::Status status, collector_pb::ExportTraceServiceResponse response = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    replies_.push_back({std::move(status), std::move(response)});
  }
  // Requests then wait, without answering, until the client cancels or the server stops.
  void set_hang(bool hang) { hang_ = hang; }

  grpc::Status Export(grpc::ServerContext* context, const collector_pb::ExportTraceServiceRequest* request,
                      collector_pb::ExportTraceServiceResponse* response) override {
    Received received{*request, {}, steady_clock::now()};
    for (const auto& [key, value] : context->client_metadata())
      received.metadata.emplace(std::string(key.data(), key.size()), std::string(value.data(), value.size()));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      received_.push_back(std::move(received));
    }
    cv_.notify_all();
    if (hang_) {
      while (!context->IsCancelled()) std::this_thread::sleep_for(milliseconds(5));
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (replies_.empty()) return grpc::Status::OK;
    Reply reply = std::move(replies_.front());
    replies_.erase(replies_.begin());
    *response = std::move(reply.response);
    return reply.status;
  }

  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_.size();
  }
  bool WaitForCount(size_t n, milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Reply> replies_;
  std::vector<Received> received_;
  std::atomic<bool> hang_{false};
};

struct ServerConfig {
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  bool gzip_disabled = false;
};

class TestCollector {
 public:
  explicit TestCollector(ServerConfig config = {}) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", config.credentials, &port_);
    builder.RegisterService(&service_);
    if (config.gzip_disabled) builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
    server_ = builder.BuildAndStart();
  }
  ~TestCollector() {
    service_.set_hang(false);
    server_->Shutdown(std::chrono::system_clock::now() + milliseconds(500));
  }

  bool ok() const { return server_ != nullptr && port_ > 0; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  FakeTraceService& service() { return service_; }

 private:
  FakeTraceService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// ---------------------------------------------------------------------------------------------
// Helpers

OtlpExporterOptions FastOptions(const std::string& endpoint) {
  OtlpExporterOptions options;
  options.protocol = Protocol::kGrpc;
  options.endpoint = endpoint;
  options.timeout = milliseconds(5000);
  options.retry.max_attempts = 5;
  options.retry.initial_backoff = milliseconds(20);
  options.retry.max_backoff = milliseconds(50);
  return options;
}

// Spans of one tracer share one InstrumentationInfo (the encoder groups by pointer).
std::shared_ptr<const sdk::InstrumentationInfo> MakeInstrumentation() {
  sdk::OwnedAttributes resource_attributes{{"service.name", std::string("checkout")},
                                           {"host.cpus", int64_t{8}}};
  auto resource = std::make_shared<sdk::Resource>(resource_attributes, "https://opentelemetry.io/schemas/1.24.0");
  return std::make_shared<sdk::InstrumentationInfo>(sdk::InstrumentationInfo{
      sdk::InstrumentationScope{"my.library", "1.2.3", "https://example.com/scope-schema",
                                {{"scope.attr", std::string("yes")}}},
      resource});
}

std::unique_ptr<sdk::trace::SpanData> MakeSpan(const std::string& name, uint8_t seed = 1) {
  auto span = std::make_unique<sdk::trace::SpanData>();
  uint8_t trace_id[16], span_id[8], parent_id[8];
  for (int i = 0; i < 16; ++i) trace_id[i] = static_cast<uint8_t>(seed + i);
  for (int i = 0; i < 8; ++i) span_id[i] = static_cast<uint8_t>(0xa0 + seed + i);
  for (int i = 0; i < 8; ++i) parent_id[i] = static_cast<uint8_t>(0x50 + i);
  span->trace_id = api::trace::TraceId(trace_id);
  span->span_id = api::trace::SpanId(span_id);
  span->parent_span_id = api::trace::SpanId(parent_id);
  span->flags = api::trace::TraceFlags(api::trace::TraceFlags::kSampled);
  span->name = name;
  span->kind = api::trace::SpanKind::kServer;
  span->start_time_unix_nano = 1'700'000'000'000'000'000ull;
  span->end_time_unix_nano = 1'700'000'000'250'000'000ull;
  span->attributes = {{"http.request.method", std::string("GET")},
                      {"http.response.status_code", int64_t{200}},
                      {"ratio", 0.25},
                      {"cached", true},
                      {"tags", std::vector<std::string>{"a", "b"}}};
  span->events.push_back({"retry", 1'700'000'000'100'000'000ull, {{"attempt", int64_t{2}}}, 0});
  span->status_code = api::trace::StatusCode::kError;
  span->status_message = "boom";
  static const auto instrumentation = MakeInstrumentation();
  span->instrumentation = instrumentation;
  return span;
}

// Keeps the spans alive and hands them out as a SpanBatch.
struct Batch {
  std::vector<std::unique_ptr<sdk::trace::SpanData>> spans;
  sdk::trace::SpanBatch view() const { return spans; }
};

Batch OneSpan(const std::string& name = "GET /cart") {
  Batch batch;
  batch.spans.push_back(MakeSpan(name));
  return batch;
}

std::string Bytes(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

// A google.rpc.Status with a google.rpc.RetryInfo detail, serialized by libprotobuf. RetryInfo has
// one field (retry_delay = 1, a Duration); its generated class is not part of adot_otlp_proto, so
// its single length-delimited field is written by hand around libprotobuf's Duration.
std::string StatusDetailsWithRetryInfo(grpc::StatusCode code, milliseconds delay) {
  google::protobuf::Duration duration;
  duration.set_seconds(delay.count() / 1000);
  duration.set_nanos(static_cast<int32_t>(delay.count() % 1000) * 1'000'000);
  std::string duration_bytes = duration.SerializeAsString();
  std::string retry_info = std::string(1, '\x0a') + static_cast<char>(duration_bytes.size()) + duration_bytes;

  google::rpc::Status status;
  status.set_code(static_cast<int>(code));
  status.set_message("slow down");
  google::protobuf::Any* unrelated = status.add_details();
  unrelated->set_type_url("type.googleapis.com/google.rpc.DebugInfo");
  unrelated->set_value("\x0a\x03xyz");
  google::protobuf::Any* any = status.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.RetryInfo");
  any->set_value(retry_info);
  return status.SerializeAsString();
}

// A loopback port with nothing listening on it.
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

const common_pb::AnyValue* FindAttribute(const google::protobuf::RepeatedPtrField<common_pb::KeyValue>& attributes,
                                         const std::string& key) {
  for (const auto& kv : attributes)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Delivery

// retry.h names the codes by number so it needs no gRPC; check them against gRPC's own enum.
TEST(RetryableGrpcCodes, MatchTheOtlpListByGrpcName) {
  using grpc::StatusCode;
  for (StatusCode code : {StatusCode::CANCELLED, StatusCode::DEADLINE_EXCEEDED, StatusCode::ABORTED,
                          StatusCode::OUT_OF_RANGE, StatusCode::UNAVAILABLE, StatusCode::DATA_LOSS}) {
    EXPECT_TRUE(IsRetryableGrpcCode(code)) << static_cast<int>(code);
  }
  for (StatusCode code :
       {StatusCode::OK, StatusCode::UNKNOWN, StatusCode::INVALID_ARGUMENT, StatusCode::NOT_FOUND,
        StatusCode::ALREADY_EXISTS, StatusCode::PERMISSION_DENIED, StatusCode::RESOURCE_EXHAUSTED,
        StatusCode::FAILED_PRECONDITION, StatusCode::UNIMPLEMENTED, StatusCode::INTERNAL,
        StatusCode::UNAUTHENTICATED}) {
    EXPECT_FALSE(IsRetryableGrpcCode(code)) << static_cast<int>(code);
  }
}

TEST(OtlpGrpcExporterTest, SpansArriveWithTheirFields) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
  Batch batch = OneSpan("GET /cart");
  batch.spans.push_back(MakeSpan("SELECT cart", 7));
  batch.spans.back()->kind = api::trace::SpanKind::kClient;

  ASSERT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 1u);
  const auto& request = received[0].request;
  ASSERT_EQ(request.resource_spans_size(), 1);
  const auto& rs = request.resource_spans(0);
  EXPECT_EQ(rs.schema_url(), "https://opentelemetry.io/schemas/1.24.0");
  const auto* service_name = FindAttribute(rs.resource().attributes(), "service.name");
  ASSERT_NE(service_name, nullptr);
  EXPECT_EQ(service_name->string_value(), "checkout");
  const auto* cpus = FindAttribute(rs.resource().attributes(), "host.cpus");
  ASSERT_NE(cpus, nullptr);
  EXPECT_EQ(cpus->int_value(), 8);

  ASSERT_EQ(rs.scope_spans_size(), 1);
  const auto& ss = rs.scope_spans(0);
  EXPECT_EQ(ss.scope().name(), "my.library");
  EXPECT_EQ(ss.scope().version(), "1.2.3");
  EXPECT_EQ(ss.schema_url(), "https://example.com/scope-schema");
  ASSERT_NE(FindAttribute(ss.scope().attributes(), "scope.attr"), nullptr);

  ASSERT_EQ(ss.spans_size(), 2);
  const trace_pb::Span& span = ss.spans(0);
  EXPECT_EQ(span.trace_id(), Bytes(batch.spans[0]->trace_id.data(), 16));
  EXPECT_EQ(span.span_id(), Bytes(batch.spans[0]->span_id.data(), 8));
  EXPECT_EQ(span.parent_span_id(), Bytes(batch.spans[0]->parent_span_id.data(), 8));
  EXPECT_EQ(span.name(), "GET /cart");
  EXPECT_EQ(span.kind(), trace_pb::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), 1'700'000'000'000'000'000ull);
  EXPECT_EQ(span.end_time_unix_nano(), 1'700'000'000'250'000'000ull);
  EXPECT_EQ(span.flags(), batch.spans[0]->OtlpFlags());
  EXPECT_EQ(span.status().code(), trace_pb::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.status().message(), "boom");

  const auto* method = FindAttribute(span.attributes(), "http.request.method");
  ASSERT_NE(method, nullptr);
  EXPECT_EQ(method->string_value(), "GET");
  const auto* code = FindAttribute(span.attributes(), "http.response.status_code");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->int_value(), 200);
  const auto* ratio = FindAttribute(span.attributes(), "ratio");
  ASSERT_NE(ratio, nullptr);
  EXPECT_DOUBLE_EQ(ratio->double_value(), 0.25);
  const auto* cached = FindAttribute(span.attributes(), "cached");
  ASSERT_NE(cached, nullptr);
  EXPECT_TRUE(cached->bool_value());
  const auto* tags = FindAttribute(span.attributes(), "tags");
  ASSERT_NE(tags, nullptr);
  ASSERT_EQ(tags->array_value().values_size(), 2);
  EXPECT_EQ(tags->array_value().values(1).string_value(), "b");

  ASSERT_EQ(span.events_size(), 1);
  EXPECT_EQ(span.events(0).name(), "retry");
  EXPECT_EQ(span.events(0).time_unix_nano(), 1'700'000'000'100'000'000ull);

  EXPECT_EQ(ss.spans(1).name(), "SELECT cart");
  EXPECT_EQ(ss.spans(1).kind(), trace_pb::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(ss.spans(1).trace_id(), Bytes(batch.spans[1]->trace_id.data(), 16));
  EXPECT_TRUE(exporter->Shutdown(milliseconds(1000)));
}

TEST(OtlpGrpcExporterTest, MetadataHeadersArriveWithLowercaseKeys) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions("http://" + collector.address());
  options.headers = {{"X-Api-Key", "secret-value"}, {"tenant", "acme"}};
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();

  ASSERT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 1u);
  const auto& metadata = received[0].metadata;
  auto api_key = metadata.find("x-api-key");
  ASSERT_NE(api_key, metadata.end());
  EXPECT_EQ(api_key->second, "secret-value");
  auto tenant = metadata.find("tenant");
  ASSERT_NE(tenant, metadata.end());
  EXPECT_EQ(tenant->second, "acme");
  auto user_agent = metadata.find("user-agent");
  ASSERT_NE(user_agent, metadata.end());
  EXPECT_THAT(user_agent->second, HasSubstr("OTel-OTLP-Exporter-Cpp/"));
}

TEST(OtlpGrpcExporterTest, InvalidHeaderIsSkippedWithoutLoggingItsValue) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions("http://" + collector.address());
  options.headers = {{"bad key", "hidden-credential-1"},
                     {"ok-key", "line\nbreak-hidden-credential-2"},
                     {"good", "fine"}};
  testing::internal::CaptureStderr();
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();
  auto result = exporter->Export(batch.view());
  std::string log = testing::internal::GetCapturedStderr();

  ASSERT_EQ(result, sdk::ExportResult::kSuccess);
  EXPECT_THAT(log, HasSubstr("bad key"));
  EXPECT_THAT(log, HasSubstr("ok-key"));
  EXPECT_THAT(log, Not(HasSubstr("hidden-credential")));
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].metadata.count("good"), 1u);
  EXPECT_EQ(received[0].metadata.count("ok-key"), 0u);
}

TEST(OtlpGrpcExporterTest, EndpointWithoutSchemeUsesPlaintextWhenInsecure) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions(collector.address());
  options.insecure = true;
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  EXPECT_EQ(collector.service().count(), 1u);
}

TEST(OtlpGrpcExporterTest, PathInHttpEndpointIsIgnored) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("HTTP://" + collector.address() + "/v1/traces"));
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  EXPECT_EQ(collector.service().count(), 1u);
}

TEST(OtlpGrpcExporterTest, EndpointWithoutSchemeUsesTlsByDefault) {
  // A plaintext server cannot complete a TLS handshake: the export fails, and nothing arrives.
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions(collector.address());
  options.retry.max_attempts = 1;
  options.timeout = milliseconds(2000);
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure);
  EXPECT_EQ(collector.service().count(), 0u);
}

TEST(OtlpGrpcExporterTest, EndpointWithoutHostFailsCleanly) {
  for (const char* endpoint : {"", "http://", "https:///v1/traces"}) {
    auto exporter = CreateOtlpGrpcSpanExporter(FastOptions(endpoint));
    Batch batch = OneSpan();
    EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure) << endpoint;
    EXPECT_TRUE(exporter->Shutdown(milliseconds(100)));
  }
}

TEST(OtlpGrpcExporterTest, EmptyBatchSendsNothing) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
  Batch empty;
  EXPECT_EQ(exporter->Export(empty.view()), sdk::ExportResult::kSuccess);
  EXPECT_EQ(collector.service().count(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Retries

TEST(OtlpGrpcExporterTest, UnavailableIsRetriedAndDeliveredOnce) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  collector.service().PushReply(grpc::Status(grpc::StatusCode::UNAVAILABLE, "try later"));
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
  Batch batch = OneSpan();

  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  // One refused attempt, then one accepted: the spans were delivered exactly once.
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].request.SerializeAsString(), received[1].request.SerializeAsString());
}

TEST(OtlpGrpcExporterTest, EveryRetryableCodeIsRetried) {
  for (auto code : {grpc::StatusCode::CANCELLED, grpc::StatusCode::DEADLINE_EXCEEDED,
                    grpc::StatusCode::ABORTED, grpc::StatusCode::OUT_OF_RANGE,
                    grpc::StatusCode::DATA_LOSS}) {
    TestCollector collector;
    ASSERT_TRUE(collector.ok());
    collector.service().PushReply(grpc::Status(code, "transient"));
    auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
    Batch batch = OneSpan();
    EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess) << static_cast<int>(code);
    EXPECT_EQ(collector.service().count(), 2u) << static_cast<int>(code);
  }
}

TEST(OtlpGrpcExporterTest, GivesUpAfterMaxAttempts) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  for (int i = 0; i < 10; ++i)
    collector.service().PushReply(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  auto options = FastOptions("http://" + collector.address());
  options.retry.max_attempts = 3;
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure);
  EXPECT_EQ(collector.service().count(), 3u);
}

TEST(OtlpGrpcExporterTest, PermanentErrorsAreNotRetried) {
  for (auto code : {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::UNKNOWN,
                    grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNAUTHENTICATED,
                    grpc::StatusCode::INTERNAL, grpc::StatusCode::FAILED_PRECONDITION}) {
    TestCollector collector;
    ASSERT_TRUE(collector.ok());
    collector.service().PushReply(grpc::Status(code, "rejected"));
    auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
    Batch batch = OneSpan();
    EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure) << static_cast<int>(code);
    EXPECT_EQ(collector.service().count(), 1u) << static_cast<int>(code);
  }
}

TEST(OtlpGrpcExporterTest, ResourceExhaustedWithoutRetryInfoIsNotRetried) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  collector.service().PushReply(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too big"));
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure);
  EXPECT_EQ(collector.service().count(), 1u);
}

TEST(OtlpGrpcExporterTest, ResourceExhaustedWithMalformedDetailsIsNotRetried) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  // A truncated Any inside the details, then garbage.
  collector.service().PushReply(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "odd", std::string("\x1a\x40\x0a\x05google\xff\xff", 12)));
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure);
  EXPECT_EQ(collector.service().count(), 1u);
}

TEST(OtlpGrpcExporterTest, ResourceExhaustedWithRetryInfoWaitsTheGivenDelay) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  const milliseconds delay(300);
  collector.service().PushReply(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down",
                   StatusDetailsWithRetryInfo(grpc::StatusCode::RESOURCE_EXHAUSTED, delay)));
  // The computed backoff (20 ms) is far below the server's delay, which replaces it.
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
  Batch batch = OneSpan();

  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_GE(received[1].at - received[0].at, delay);
}

TEST(OtlpGrpcExporterTest, UnavailableWithRetryInfoWaitsTheGivenDelay) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  const milliseconds delay(250);
  collector.service().PushReply(grpc::Status(grpc::StatusCode::UNAVAILABLE, "throttled",
                                             StatusDetailsWithRetryInfo(grpc::StatusCode::UNAVAILABLE, delay)));
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
  Batch batch = OneSpan();

  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_GE(received[1].at - received[0].at, delay);
}

TEST(OtlpGrpcExporterTest, RetryInfoBeyondTheExportTimeLimitGivesUp) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  collector.service().PushReply(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "come back tomorrow",
                   StatusDetailsWithRetryInfo(grpc::StatusCode::RESOURCE_EXHAUSTED, std::chrono::hours(24))));
  auto options = FastOptions("http://" + collector.address());
  options.timeout = milliseconds(1000);
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();

  const auto start = steady_clock::now();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30));  // bounded, not a day
  EXPECT_EQ(collector.service().count(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Responses

TEST(OtlpGrpcExporterTest, PartialSuccessIsSuccessAndLoggedOncePerMessage) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  // Unique per run: WarnOnce remembers messages for the whole process.
  const std::string message =
      "span name too long " + std::to_string(steady_clock::now().time_since_epoch().count());
  for (int i = 0; i < 2; ++i) {
    collector_pb::ExportTraceServiceResponse response;
    response.mutable_partial_success()->set_rejected_spans(1);
    response.mutable_partial_success()->set_error_message(message);
    collector.service().PushReply(grpc::Status::OK, response);
  }
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
  Batch batch = OneSpan();

  testing::internal::CaptureStderr();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  std::string log = testing::internal::GetCapturedStderr();

  EXPECT_EQ(collector.service().count(), 2u);  // partial success is never retried
  size_t first = log.find(message);
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find(message, first + 1), std::string::npos) << log;
}

// ---------------------------------------------------------------------------------------------
// Unreachable and unresponsive servers, Shutdown

TEST(OtlpGrpcExporterTest, UnreachablePortFailsWithinBoundedTime) {
  auto options = FastOptions("http://127.0.0.1:" + std::to_string(UnusedPort()));
  options.retry.max_attempts = 3;
  options.timeout = milliseconds(2000);
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();

  const auto start = steady_clock::now();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure);
  // At most max_attempts × timeout by construction; a generous bound against a hang.
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_TRUE(exporter->Shutdown(milliseconds(1000)));
}

TEST(OtlpGrpcExporterTest, SilentTcpPeerFailsWithinBoundedTime) {
  // Accepts TCP connections and never says a word: no HTTP/2 settings, no response.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);

  auto options = FastOptions("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  options.retry.max_attempts = 2;
  options.timeout = milliseconds(300);
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();

  const auto start = steady_clock::now();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30));
  exporter.reset();
  close(fd);
}

TEST(OtlpGrpcExporterTest, ShutdownFromAnotherThreadEndsAHangingExport) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  collector.service().set_hang(true);
  auto options = FastOptions("http://" + collector.address());
  options.timeout = milliseconds(60'000);  // the call would otherwise wait a minute
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();

  auto exported = std::async(std::launch::async, [&] { return exporter->Export(batch.view()); });
  ASSERT_TRUE(collector.service().WaitForCount(1, std::chrono::seconds(10)));

  const auto start = steady_clock::now();
  EXPECT_TRUE(exporter->Shutdown(milliseconds(2000)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  ASSERT_EQ(exported.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(exported.get(), sdk::ExportResult::kFailure);
  EXPECT_EQ(collector.service().count(), 1u);  // not retried after Shutdown
}

TEST(OtlpGrpcExporterTest, ShutdownEndsABackoffWait) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  collector.service().PushReply(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  auto options = FastOptions("http://" + collector.address());
  options.timeout = milliseconds(60'000);
  options.retry.initial_backoff = milliseconds(60'000);
  options.retry.max_backoff = milliseconds(60'000);
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();

  auto exported = std::async(std::launch::async, [&] { return exporter->Export(batch.view()); });
  ASSERT_TRUE(collector.service().WaitForCount(1, std::chrono::seconds(10)));
  std::this_thread::sleep_for(milliseconds(100));  // let it reach the backoff wait

  EXPECT_TRUE(exporter->Shutdown(milliseconds(2000)));
  ASSERT_EQ(exported.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(exported.get(), sdk::ExportResult::kFailure);
  EXPECT_EQ(collector.service().count(), 1u);
}

TEST(OtlpGrpcExporterTest, ShutdownRacingExportAlwaysCompletes) {
  // Shutdown lands at varying points of an export (before the call, during it, in a backoff):
  // every time both sides finish, and nothing deadlocks.
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  for (int i = 0; i < 40; ++i) collector.service().PushReply(grpc::Status(grpc::StatusCode::UNAVAILABLE, "busy"));
  for (int i = 0; i < 40; ++i) {
    auto options = FastOptions("http://" + collector.address());
    options.retry.initial_backoff = milliseconds(1);
    options.retry.max_backoff = milliseconds(2);
    auto exporter = CreateOtlpGrpcSpanExporter(options);
    Batch batch = OneSpan();
    auto exported = std::async(std::launch::async, [&] { return exporter->Export(batch.view()); });
    std::this_thread::sleep_for(std::chrono::microseconds(250 * (i % 8)));
    EXPECT_TRUE(exporter->Shutdown(milliseconds(5000)));
    ASSERT_EQ(exported.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  }
}

TEST(OtlpGrpcExporterTest, ExportAfterShutdownFailsWithoutSending) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto exporter = CreateOtlpGrpcSpanExporter(FastOptions("http://" + collector.address()));
  EXPECT_TRUE(exporter->Shutdown(milliseconds(1000)));
  EXPECT_TRUE(exporter->Shutdown(milliseconds(1000)));  // idempotent
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure);
  EXPECT_EQ(collector.service().count(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Compression

// Many similar spans compress well; gRPC sends a message uncompressed when gzip would not shrink it.
Batch CompressibleBatch() {
  Batch batch;
  for (int i = 0; i < 50; ++i) batch.spans.push_back(MakeSpan("GET /cart/items", static_cast<uint8_t>(i)));
  return batch;
}

TEST(OtlpGrpcExporterTest, GzipRequestIsDecodedByTheServer) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions("http://" + collector.address());
  options.gzip = true;
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = CompressibleBatch();

  ASSERT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 1u);
  ASSERT_EQ(received[0].request.resource_spans_size(), 1);
  EXPECT_EQ(received[0].request.resource_spans(0).scope_spans(0).spans_size(), 50);
}

TEST(OtlpGrpcExporterTest, GzipRequestIsReallyCompressed) {
  // A server that has gzip switched off refuses compressed messages (UNIMPLEMENTED), which shows
  // the exporter compressed the request; without gzip the same server accepts it.
  TestCollector collector(ServerConfig{grpc::InsecureServerCredentials(), /*gzip_disabled=*/true});
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions("http://" + collector.address());
  Batch batch = CompressibleBatch();

  options.gzip = true;
  EXPECT_EQ(CreateOtlpGrpcSpanExporter(options)->Export(batch.view()), sdk::ExportResult::kFailure);
  options.gzip = false;
  EXPECT_EQ(CreateOtlpGrpcSpanExporter(options)->Export(batch.view()), sdk::ExportResult::kSuccess);
  EXPECT_EQ(collector.service().count(), 1u);
}

// ---------------------------------------------------------------------------------------------
// TLS (certificates made with the openssl command line, when it is installed)

class OtlpGrpcTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("openssl version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
    dir_ = testing::TempDir() + "adot_grpc_tls_" + std::to_string(getpid());
    std::string command = "mkdir -p " + dir_ + " && cd " + dir_ +
                          " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
                          " -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
                          " -keyout server.key -out server.crt > /dev/null 2>&1"
                          " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=client"
                          " -keyout client.key -out client.crt > /dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::shared_ptr<grpc::ServerCredentials> ServerCredentials(bool require_client_cert) const {
    grpc::SslServerCredentialsOptions ssl(require_client_cert
                                              ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                              : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    ssl.pem_key_cert_pairs.push_back({Read(Path("server.key")), Read(Path("server.crt"))});
    if (require_client_cert) ssl.pem_root_certs = Read(Path("client.crt"));
    return grpc::SslServerCredentials(ssl);
  }

  std::string dir_;
};

TEST_F(OtlpGrpcTlsTest, HttpsEndpointWithRootCertificate) {
  TestCollector collector(ServerConfig{ServerCredentials(false)});
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions("https://" + collector.address());
  options.certificate_file = Path("server.crt");
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
  EXPECT_EQ(collector.service().count(), 1u);
}

TEST_F(OtlpGrpcTlsTest, EndpointWithoutSchemeIsTls) {
  TestCollector collector(ServerConfig{ServerCredentials(false)});
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions(collector.address());
  options.certificate_file = Path("server.crt");
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kSuccess);
}

TEST_F(OtlpGrpcTlsTest, UntrustedServerCertificateFails) {
  TestCollector collector(ServerConfig{ServerCredentials(false)});
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions("https://" + collector.address());
  options.certificate_file = Path("client.crt");  // not the server's issuer
  options.retry.max_attempts = 1;
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();
  EXPECT_EQ(exporter->Export(batch.view()), sdk::ExportResult::kFailure);
  EXPECT_EQ(collector.service().count(), 0u);
}

TEST_F(OtlpGrpcTlsTest, ClientCertificate) {
  TestCollector collector(ServerConfig{ServerCredentials(true)});
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions("https://" + collector.address());
  options.certificate_file = Path("server.crt");
  options.retry.max_attempts = 1;
  Batch batch = OneSpan();

  EXPECT_EQ(CreateOtlpGrpcSpanExporter(options)->Export(batch.view()), sdk::ExportResult::kFailure);
  options.client_certificate_file = Path("client.crt");
  options.client_key_file = Path("client.key");
  EXPECT_EQ(CreateOtlpGrpcSpanExporter(options)->Export(batch.view()), sdk::ExportResult::kSuccess);
  EXPECT_EQ(collector.service().count(), 1u);
}

TEST(OtlpGrpcExporterTest, UnreadableCertificateFileFailsWithoutFallingBackToPlaintext) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions("https://" + collector.address());
  options.certificate_file = "/nonexistent/adot/ca.pem";
  testing::internal::CaptureStderr();
  auto exporter = CreateOtlpGrpcSpanExporter(options);
  Batch batch = OneSpan();
  auto result = exporter->Export(batch.view());
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(result, sdk::ExportResult::kFailure);
  EXPECT_THAT(log, HasSubstr("/nonexistent/adot/ca.pem"));
  EXPECT_EQ(collector.service().count(), 0u);
}

}  // namespace
}  // namespace adot::exporters::otlp
