// The collector's own gRPC client (HTTP/2 on nghttp2, TLS on OpenSSL) as the otlp exporter uses
// it, against grpc++ servers as the third-party peer: TLS and mTLS, certificate failures, RetryInfo,
// deadlines, connection reuse, gzip and metadata; and against the collector's own gRPC receiver
// for messages large enough to need HTTP/2 flow control.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <google/protobuf/duration.pb.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "collector/core/exporter_helper.h"
#include "collector/exporters/otlp/otlp_exporter.h"
#include "component_test_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "test_certs.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using google::protobuf::util::MessageDifferencer;
namespace tsvc = opentelemetry::proto::collector::trace::v1;

class FakeTraceService : public tsvc::TraceService::Service {
 public:
  grpc::Status Export(grpc::ServerContext* ctx, const TracesRequest* req, tsvc::ExportTraceServiceResponse*) override {
    std::chrono::milliseconds delay{0};
    grpc::Status result = grpc::Status::OK;
    {
      std::lock_guard<std::mutex> lock(mu);
      requests.push_back(*req);
      arrivals.push_back(Clock::now());
      peers.insert(ctx->peer());
      metadata.clear();
      for (const auto& [k, v] : ctx->client_metadata())
        metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
      if (!results.empty()) {
        result = results.front();
        results.erase(results.begin());
      }
      if (!delays.empty()) {
        delay = delays.front();
        delays.erase(delays.begin());
      }
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    return result;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return requests.size();
  }
  std::mutex mu;
  std::vector<TracesRequest> requests;
  std::vector<Clock::time_point> arrivals;
  std::set<std::string> peers;
  std::multimap<std::string, std::string> metadata;  // of the last call
  std::vector<grpc::Status> results;                 // answered in turn, then OK
  std::vector<std::chrono::milliseconds> delays;     // slept in turn before answering
};

// A google.rpc.Status with a RetryInfo of `delay`, serialized (what grpc++ sends as
// grpc-status-details-bin).
std::string RetryInfoDetails(int code, const std::string& message, std::chrono::milliseconds delay) {
  google::protobuf::Duration d;
  d.set_seconds(delay.count() / 1000);
  d.set_nanos(static_cast<int32_t>((delay.count() % 1000) * 1000000));
  std::string duration = d.SerializeAsString();
  std::string retry_info = std::string(1, '\x0a') + static_cast<char>(duration.size()) + duration;  // field 1
  google::rpc::Status st;
  st.set_code(code);
  st.set_message(message);
  auto* any = st.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.RetryInfo");
  any->set_value(retry_info);
  return st.SerializeAsString();
}

class GrpcClientTransportTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& e : exporters_) e->Shutdown(Clock::now() + 1s);
    exporters_.clear();  // closes their connections
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 1s);
  }

  void StartServer(std::shared_ptr<grpc::ServerCredentials> creds, bool gzip_enabled = true) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", creds, &port_);
    b.RegisterService(&service_);
    if (!gzip_enabled) b.AddChannelArgument(GRPC_COMPRESSION_CHANNEL_ENABLED_ALGORITHMS_BITSET, 1);  // identity
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }
  static std::shared_ptr<grpc::ServerCredentials> ServerTls(const TestCerts& certs, bool require_client_cert = false) {
    grpc::SslServerCredentialsOptions o(require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                            : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    o.pem_key_cert_pairs.push_back({TestCerts::Read(certs.server_key()), TestCerts::Read(certs.server_cert())});
    if (require_client_cert) o.pem_root_certs = TestCerts::Read(certs.ca());
    return grpc::SslServerCredentials(o);
  }

  // An otlp exporter for traces; `config` is the body of its YAML mapping without the endpoint.
  std::shared_ptr<QueuedExporter> Make(const std::string& config, int port = 0, const std::string& host = "127.0.0.1") {
    Factory f = OtlpExporterFactory();
    ConfigErrors errors;
    std::string yaml = "{endpoint: '" + host + ":" + std::to_string(port ? port : port_) + "', " + config + "}";
    ConfigReader r(YAML::Load(yaml), "exporters.otlp", &errors);
    auto cfg = f.parse(r);
    EXPECT_TRUE(errors.empty()) << errors.Joined();
    auto e = std::static_pointer_cast<QueuedExporter>(
        f.create_exporter(*cfg, CreateSettings{"otlp", Signal::kTraces, "traces"}));
    exporters_.push_back(e);
    return e;
  }

  static bool WaitFor(const std::function<bool()>& f, std::chrono::milliseconds max = 3s) {
    auto until = Clock::now() + max;
    while (!f() && Clock::now() < until) std::this_thread::sleep_for(5ms);
    return f();
  }

  static std::string Quote(const std::string& s) { return "'" + s + "'"; }

  FakeTraceService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::vector<std::shared_ptr<QueuedExporter>> exporters_;
};

constexpr char kFastRetry[] = "retry_on_failure: {initial_interval: 10ms, max_interval: 20ms, max_elapsed_time: 60s}";

TEST_F(GrpcClientTransportTest, TlsWithCaFileDelivers) {
  TestCerts certs;
  StartServer(ServerTls(certs));
  for (std::string config : {"tls: {ca_file: " + Quote(certs.ca()) + "}",
                             // an https:// endpoint is TLS even with insecure: true
                             "tls: {insecure: true, ca_file: " + Quote(certs.ca()) + "}"}) {
    SCOPED_TRACE(config);
    std::shared_ptr<QueuedExporter> e;
    if (config.find("insecure") != std::string::npos) {
      Factory f = OtlpExporterFactory();
      ConfigErrors errors;
      ConfigReader r(YAML::Load("{endpoint: 'https://127.0.0.1:" + std::to_string(port_) + "', " + config + "}"),
                     "exporters.otlp", &errors);
      auto cfg = f.parse(r);
      ASSERT_TRUE(errors.empty()) << errors.Joined();
      e = std::static_pointer_cast<QueuedExporter>(
          f.create_exporter(*cfg, CreateSettings{"otlp", Signal::kTraces, "traces"}));
      exporters_.push_back(e);
    } else {
      e = Make(config);
    }
    ASSERT_TRUE(e->Start().ok());
    TracesRequest sent = MakeTracesRequest(2, 2);
    PData p;
    ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, sent.SerializeAsString(), p).ok());
    ASSERT_TRUE(e->Consume(p).ok());
    ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 4; })) << e->counters().send_failed_items;
    std::lock_guard<std::mutex> lock(service_.mu);
    EXPECT_TRUE(MessageDifferencer::Equals(service_.requests.back(), sent));
  }
}

TEST_F(GrpcClientTransportTest, MutualTls) {
  TestCerts certs;
  StartServer(ServerTls(certs, true));
  auto without = Make("tls: {ca_file: " + Quote(certs.ca()) + "}, retry_on_failure: {enabled: false}");
  ASSERT_TRUE(without->Start().ok());
  ASSERT_TRUE(without->Consume(MakeTraces(1, 1)).ok());
  EXPECT_TRUE(WaitFor([&] { return without->counters().send_failed_items == 1; }));
  EXPECT_EQ(service_.count(), 0u);

  auto with = Make("tls: {ca_file: " + Quote(certs.ca()) + ", cert_file: " + Quote(certs.client_cert()) +
                   ", key_file: " + Quote(certs.client_key()) + "}");
  ASSERT_TRUE(with->Start().ok());
  ASSERT_TRUE(with->Consume(MakeTraces(1, 2)).ok());
  EXPECT_TRUE(WaitFor([&] { return with->counters().sent_items == 2; })) << with->counters().send_failed_items;
  EXPECT_EQ(service_.count(), 1u);
}

TEST_F(GrpcClientTransportTest, UnverifiableServerIsPermanentNotRetriedForever) {
  TestCerts certs, other;
  StartServer(ServerTls(certs));
  // Retries would go on for a minute: a quick drop means the failure was taken as permanent.
  auto e = Make("tls: {ca_file: " + Quote(other.ca()) + "}, " + kFastRetry);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 3)).ok());
  EXPECT_TRUE(WaitFor([&] { return e->counters().send_failed_items == 3; }, 2s))
      << "sent " << e->counters().sent_items << ", queue " << e->QueueLength();
  EXPECT_EQ(e->counters().sent_items, 0u);
  EXPECT_EQ(service_.count(), 0u);

  // insecure_skip_verify gets through.
  auto skip = Make("tls: {insecure_skip_verify: true}");
  ASSERT_TRUE(skip->Start().ok());
  ASSERT_TRUE(skip->Consume(MakeTraces(1, 1)).ok());
  EXPECT_TRUE(WaitFor([&] { return skip->counters().sent_items == 1; }));
}

TEST_F(GrpcClientTransportTest, TlsByHostName) {
  // "localhost" may resolve to ::1 first, where nothing listens; the certificate is checked
  // against the name (DNS:localhost), not an address.
  TestCerts certs("DNS:localhost");
  StartServer(ServerTls(certs));
  auto e = Make("tls: {ca_file: " + Quote(certs.ca()) + "}", 0, "localhost");
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2)).ok());
  EXPECT_TRUE(WaitFor([&] { return e->counters().sent_items == 2; })) << e->counters().send_failed_items;
}

TEST_F(GrpcClientTransportTest, ServerNameOverride) {
  TestCerts certs("DNS:collector.test");  // not valid for 127.0.0.1
  StartServer(ServerTls(certs));
  auto by_ip = Make("tls: {ca_file: " + Quote(certs.ca()) + "}, " + kFastRetry);
  ASSERT_TRUE(by_ip->Start().ok());
  ASSERT_TRUE(by_ip->Consume(MakeTraces(1, 1)).ok());
  EXPECT_TRUE(WaitFor([&] { return by_ip->counters().send_failed_items == 1; }, 2s));
  auto by_name = Make("tls: {ca_file: " + Quote(certs.ca()) + ", server_name_override: collector.test}");
  ASSERT_TRUE(by_name->Start().ok());
  ASSERT_TRUE(by_name->Consume(MakeTraces(1, 2)).ok());
  EXPECT_TRUE(WaitFor([&] { return by_name->counters().sent_items == 2; })) << by_name->counters().send_failed_items;
  EXPECT_EQ(service_.count(), 1u);
}

TEST_F(GrpcClientTransportTest, BadTlsFilesFailStart) {
  TestCerts certs;
  StartServer(grpc::InsecureServerCredentials());
  std::string missing = certs.Path("missing-ca.pem");
  Status st = Make("tls: {ca_file: " + Quote(missing) + "}")->Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(missing), std::string::npos) << st.message();
  st = Make("tls: {ca_file: " + Quote(certs.ca()) + ", cert_file: " + Quote(certs.client_cert()) +
            ", key_file: " + Quote(missing) + "}")
           ->Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(missing), std::string::npos) << st.message();
}

TEST_F(GrpcClientTransportTest, ResourceExhaustedWithRetryInfoIsRetriedAfterTheDelay) {
  StartServer(grpc::InsecureServerCredentials());
  service_.results = {grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down",
                                   RetryInfoDetails(8, "slow down", 600ms))};
  auto e = Make(std::string("tls: {insecure: true}, ") + kFastRetry);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 2; })) << e->counters().send_failed_items;
  std::lock_guard<std::mutex> lock(service_.mu);
  ASSERT_EQ(service_.arrivals.size(), 2u);
  auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(service_.arrivals[1] - service_.arrivals[0]);
  EXPECT_GE(gap, 550ms);
  EXPECT_LT(gap, 2000ms);
}

TEST_F(GrpcClientTransportTest, ResourceExhaustedWithoutRetryInfoIsDropped) {
  StartServer(grpc::InsecureServerCredentials());
  service_.results = {grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "no")};
  auto e = Make(std::string("tls: {insecure: true}, ") + kFastRetry);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 5)).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().send_failed_items == 5; }, 2s));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(service_.count(), 1u);
  EXPECT_EQ(e->counters().sent_items, 0u);
}

TEST_F(GrpcClientTransportTest, SlowServerIsDeadlineExceededAndRetried) {
  StartServer(grpc::InsecureServerCredentials());
  service_.delays = {1500ms};
  auto e = Make(std::string("tls: {insecure: true}, timeout: 200ms, ") + kFastRetry);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 2; })) << e->counters().send_failed_items;
  std::lock_guard<std::mutex> lock(service_.mu);
  ASSERT_GE(service_.arrivals.size(), 2u);
  // The retry did not wait for the slow answer.
  EXPECT_LT(service_.arrivals[1] - service_.arrivals[0], 1000ms);
}

TEST_F(GrpcClientTransportTest, ConnectionIsReused) {
  StartServer(grpc::InsecureServerCredentials());
  auto e = Make("tls: {insecure: true}, sending_queue: {num_consumers: 1}");
  ASSERT_TRUE(e->Start().ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(e->Consume(MakeTraces(1, 1)).ok());
    ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == uint64_t(i + 1); }));
  }
  std::lock_guard<std::mutex> lock(service_.mu);
  EXPECT_EQ(service_.requests.size(), 5u);
  EXPECT_EQ(service_.peers.size(), 1u) << "a new connection per call";
}

TEST_F(GrpcClientTransportTest, GzipIsUsedAndDecodesToTheSameMessage) {
  StartServer(grpc::InsecureServerCredentials());
  auto e = Make("tls: {insecure: true}, compression: gzip");
  ASSERT_TRUE(e->Start().ok());
  TracesRequest sent = MakeTracesRequest(3, 10);
  PData p;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, sent.SerializeAsString(), p).ok());
  ASSERT_TRUE(e->Consume(p).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 30; }));
  std::lock_guard<std::mutex> lock(service_.mu);
  ASSERT_EQ(service_.requests.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(service_.requests[0], sent));
}

TEST_F(GrpcClientTransportTest, GzipRefusedByAServerWithoutIt) {
  // A server that has gzip disabled refuses gzip messages: proof that the exporter compresses.
  StartServer(grpc::InsecureServerCredentials(), /*gzip_enabled=*/false);
  auto gz = Make("tls: {insecure: true}, compression: gzip, retry_on_failure: {enabled: false}");
  ASSERT_TRUE(gz->Start().ok());
  ASSERT_TRUE(gz->Consume(MakeTraces(1, 1)).ok());
  EXPECT_TRUE(WaitFor([&] { return gz->counters().send_failed_items == 1; }, 2s));
  EXPECT_EQ(service_.count(), 0u);
  auto plain = Make("tls: {insecure: true}, compression: none");
  ASSERT_TRUE(plain->Start().ok());
  ASSERT_TRUE(plain->Consume(MakeTraces(1, 1)).ok());
  EXPECT_TRUE(WaitFor([&] { return plain->counters().sent_items == 1; }));
  EXPECT_EQ(service_.count(), 1u);
}

TEST_F(GrpcClientTransportTest, HeadersArriveAsMetadata) {
  StartServer(grpc::InsecureServerCredentials());
  auto e = Make("tls: {insecure: true}, headers: {X-Api-Key: secret, Authorization: 'Bearer a.b.c', x-two: 'two words'}");
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 1)).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 1; }));
  std::lock_guard<std::mutex> lock(service_.mu);
  auto get = [&](const std::string& k) {
    auto it = service_.metadata.find(k);
    return it == service_.metadata.end() ? std::string("<none>") : it->second;
  };
  EXPECT_EQ(get("x-api-key"), "secret");
  EXPECT_EQ(get("authorization"), "Bearer a.b.c");
  EXPECT_EQ(get("x-two"), "two words");
  EXPECT_NE(get("user-agent").find("adot-collector"), std::string::npos) << get("user-agent");
}

TEST_F(GrpcClientTransportTest, GzipCompressedResponseIsRead) {
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  b.RegisterService(&service_);
  b.SetDefaultCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  server_ = b.BuildAndStart();
  ASSERT_NE(server_, nullptr);
  auto e = Make("tls: {insecure: true}, retry_on_failure: {enabled: false}");
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2)).ok());
  EXPECT_TRUE(WaitFor([&] { return e->counters().sent_items == 2; })) << e->counters().send_failed_items;
}

// A kept-alive connection to a server that went away and came back: the call is made again on a
// new connection, without the exporter's retry.
TEST_F(GrpcClientTransportTest, ReconnectsAfterTheServerRestarts) {
  TestCerts certs;
  for (bool tls : {false, true}) {
    SCOPED_TRACE(tls ? "tls" : "plain");
    auto creds = [&] { return tls ? ServerTls(certs) : grpc::InsecureServerCredentials(); };
    StartServer(creds());
    auto e = Make(std::string(tls ? "tls: {ca_file: " + Quote(certs.ca()) + "}" : "tls: {insecure: true}") +
                  ", retry_on_failure: {enabled: false}, sending_queue: {num_consumers: 1}");
    ASSERT_TRUE(e->Start().ok());
    ASSERT_TRUE(e->Consume(MakeTraces(1, 1)).ok());
    ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 1; }));
    server_->Shutdown(std::chrono::system_clock::now());  // no call in progress: closes at once
    server_.reset();
    std::this_thread::sleep_for(50ms);
    FakeTraceService second;
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:" + std::to_string(port_), creds(), &port);
    b.RegisterService(&second);
    auto restarted = b.BuildAndStart();
    ASSERT_EQ(port, port_);
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(e->Consume(MakeTraces(1, 1)).ok());
      EXPECT_TRUE(WaitFor([&] { return e->counters().sent_items + e->counters().send_failed_items == uint64_t(2 + i); }));
    }
    EXPECT_EQ(e->counters().sent_items, 3u);
    EXPECT_EQ(second.count(), 2u);
    e->Shutdown(Clock::now() + 1s);
    restarted->Shutdown(std::chrono::system_clock::now());
  }
}

TEST_F(GrpcClientTransportTest, ShutdownCancelsACallInFlight) {
  StartServer(grpc::InsecureServerCredentials());
  service_.delays = {2000ms};
  auto e = Make("tls: {insecure: true}, timeout: 10s");
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 4)).ok());
  ASSERT_TRUE(WaitFor([&] { return service_.count() == 1; }));
  auto t0 = Clock::now();
  e->Shutdown(Clock::now() + 200ms);
  auto took = Clock::now() - t0;
  EXPECT_LT(took, 700ms) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << "ms";
  EXPECT_EQ(e->counters().send_failed_items, 4u);
  EXPECT_EQ(e->counters().sent_items, 0u);
}

// ---------------------------------------------------------------------------------------------
// Both ends ours: the exporter against the collector's own gRPC receiver, with messages of several
// MiB so that both HTTP/2 flow-control windows (stream and connection) must be refilled.

class OwnReceiverTest : public GrpcClientTransportTest {
 protected:
  void StartCollector(const std::string& tls) {
    registry_ = RegistryWithSink(&sink_);
    grpc_port_ = FreePort();
    std::string yaml = R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:)" + std::to_string(grpc_port_) + R"(", max_recv_msg_size_mib: 8)" +
                       (tls.empty() ? "" : ", tls: {" + tls + "}") + R"(}
exporters: {testexp: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [testexp]}
)";
    collector_ = StartService(yaml, registry_);
    ASSERT_NE(collector_, nullptr);
    traces_ = sink_.exporters[0];
  }
  void TearDown() override {
    GrpcClientTransportTest::TearDown();
    if (collector_) collector_->Shutdown(Clock::now() + 2s);
  }

  // ~size bytes of incompressible span data.
  static std::string BigRequestBytes(size_t size, int seed) {
    TracesRequest req = MakeTracesRequest(1, 1, "big" + std::to_string(seed));
    std::string v(size, 'a');
    uint64_t x = 88172645463325252ull + seed;
    for (auto& c : v) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      c = static_cast<char>(x);
    }
    auto* a = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
    a->set_key("blob");
    a->mutable_value()->set_bytes_value(v);
    return req.SerializeAsString();
  }

  void SendBig(const std::shared_ptr<QueuedExporter>& e, int n) {
    ASSERT_TRUE(e->Start().ok());
    std::vector<std::string> sent;
    for (int i = 0; i < n; ++i) {
      sent.push_back(BigRequestBytes(3 << 20, i));
      PData p;
      ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, sent.back(), p).ok());
      ASSERT_TRUE(e->Consume(std::move(p)).ok());
    }
    ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == uint64_t(n); }, 4s))
        << "sent " << e->counters().sent_items << " failed " << e->counters().send_failed_items;
    auto got = traces_->received();
    ASSERT_EQ(got.size(), size_t(n));
    // Several senders may deliver out of order.
    std::vector<std::string> received;
    for (const auto& p : got) {
      std::string scratch;
      received.emplace_back(p.ProtoBytes(scratch));
    }
    std::sort(received.begin(), received.end());
    std::sort(sent.begin(), sent.end());
    for (int i = 0; i < n; ++i) EXPECT_TRUE(received[i] == sent[i]) << i;
  }

  TestSink sink_;
  Registry registry_;
  std::unique_ptr<Service> collector_;
  std::shared_ptr<RecordingConsumer> traces_;
  uint16_t grpc_port_ = 0;
};

TEST_F(OwnReceiverTest, LargeMessagesPlain) {
  StartCollector("");
  // One sender: six 3 MiB messages on one connection (past the 16 MiB connection window).
  SendBig(Make("tls: {insecure: true}, compression: none, sending_queue: {num_consumers: 1}", grpc_port_), 6);
}

TEST_F(OwnReceiverTest, LargeMessagesTlsAndGzip) {
  TestCerts certs;
  StartCollector("cert_file: " + Quote(certs.server_cert()) + ", key_file: " + Quote(certs.server_key()));
  SendBig(Make("tls: {ca_file: " + Quote(certs.ca()) + "}, compression: gzip, sending_queue: {num_consumers: 2}",
               grpc_port_),
          4);
}

TEST_F(OwnReceiverTest, MutualTls) {
  TestCerts certs;
  StartCollector("cert_file: " + Quote(certs.server_cert()) + ", key_file: " + Quote(certs.server_key()) +
                 ", client_ca_file: " + Quote(certs.ca()));
  auto without = Make("tls: {ca_file: " + Quote(certs.ca()) + "}, retry_on_failure: {enabled: false}", grpc_port_);
  ASSERT_TRUE(without->Start().ok());
  ASSERT_TRUE(without->Consume(MakeTraces(1, 1)).ok());
  EXPECT_TRUE(WaitFor([&] { return without->counters().send_failed_items == 1; }));
  auto with = Make("tls: {ca_file: " + Quote(certs.ca()) + ", cert_file: " + Quote(certs.client_cert()) +
                       ", key_file: " + Quote(certs.client_key()) + "}",
                   grpc_port_);
  ASSERT_TRUE(with->Start().ok());
  ASSERT_TRUE(with->Consume(MakeTraces(1, 2)).ok());
  EXPECT_TRUE(WaitFor([&] { return with->counters().sent_items == 2; })) << with->counters().send_failed_items;
  EXPECT_EQ(traces_->received().size(), 1u);
}

TEST_F(OwnReceiverTest, PointedAtTheOtlpHttpPortFailsPermanently) {
  // A common misconfiguration (4318 instead of 4317): the HTTP port speaks HTTP/2 too, answers
  // 404, and the exporter drops the data rather than retrying for minutes.
  registry_ = RegistryWithSink(&sink_);
  uint16_t http_port = FreePort();
  std::string yaml = R"(
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:)" + std::to_string(http_port) + R"("}
exporters: {testexp: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [testexp]}
)";
  collector_ = StartService(yaml, registry_);
  ASSERT_NE(collector_, nullptr);
  auto e = Make(std::string("tls: {insecure: true}, ") + kFastRetry, http_port);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2)).ok());
  EXPECT_TRUE(WaitFor([&] { return e->counters().send_failed_items == 2; }, 2s)) << e->counters().sent_items;
  EXPECT_TRUE(sink_.exporters[0]->received().empty());
}

TEST_F(OwnReceiverTest, RetryInfoFromOurServerReachesOurClient) {
  StartCollector("");
  traces_->set_result(Status::Exhausted("memory", 1s));
  auto e = Make(std::string("tls: {insecure: true}, ") + kFastRetry, grpc_port_);
  ASSERT_TRUE(e->Start().ok());
  auto t0 = Clock::now();
  ASSERT_TRUE(e->Consume(MakeTraces(1, 1)).ok());
  ASSERT_TRUE(WaitFor([&] { return traces_->received().size() == 1; }));
  traces_->set_result(Status::Ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 1; }, 3s));
  auto took = Clock::now() - t0;
  EXPECT_GE(took, 900ms);  // waited for the server's RetryInfo (1 s), not the 10 ms back-off
  EXPECT_EQ(traces_->received().size(), 2u);
}

}  // namespace
}  // namespace adot::collector
