// The collector's own gRPC server (HTTP/2 on nghttp2, in the OTLP receiver) against grpc++ as the
// third-party client: compression, size limits, unknown methods, status codes with RetryInfo,
// HTTP/1.1 on the gRPC port, concurrency and shutdown; and its HTTP/1.x responses.
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include "collector/core/http_server.h"
#include "common/http_client.h"
#include "component_test_util.h"
#include "exporters/otlp/retry.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using google::protobuf::util::MessageDifferencer;
namespace tsvc = opentelemetry::proto::collector::trace::v1;

constexpr char kTraceExport[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

// A consumer that can hold calls until released (for shutdown with a request in progress).
class GateConsumer : public Exporter {
 public:
  Status Consume(PData data) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    items_ += data.ItemCount();
    return Status::Ok();
  }
  Status Start() override { return Status::Ok(); }
  void Shutdown(Deadline) override {}
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 3s, [&] { return entered_ >= n; });
  }
  uint64_t items() {
    std::lock_guard<std::mutex> lock(mu_);
    return items_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int entered_ = 0;
  uint64_t items_ = 0;
};

class GrpcServerTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = RegistryWithSink(&sink_);
    gate_ = std::make_shared<GateConsumer>();
    Factory f;
    f.kind = Kind::kExporter;
    f.type = "gateexp";
    f.signals = {Signal::kTraces};
    f.parse = [](ConfigReader& reader) {
      reader.Finish();
      return std::make_unique<ComponentConfig>();
    };
    f.create_exporter = [gate = gate_](const ComponentConfig&, const CreateSettings&) { return gate; };
    registry_.Add(f);
  }
  void TearDown() override {
    if (gate_) gate_->Open();
    if (service_) service_->Shutdown(Clock::now() + 2s);
  }

  // exporter: "testexp" (records; result settable) or "gateexp".
  void Start(const std::string& exporter = "testexp") {
    grpc_port_ = FreePort();
    std::string yaml = R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:)" + std::to_string(grpc_port_) + R"(", max_recv_msg_size_mib: 1}
exporters: {)" + exporter + R"(: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [)" + exporter + R"(]}
)";
    service_ = StartService(yaml, registry_);
    ASSERT_NE(service_, nullptr);
    if (exporter == "testexp") {
      ASSERT_EQ(sink_.exporters.size(), 1u);
      traces_ = sink_.exporters[0];
    }
  }

  std::shared_ptr<grpc::Channel> Channel() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(grpc_port_), grpc::InsecureChannelCredentials(),
                                     args);
  }

  static grpc::Status Export(const std::shared_ptr<grpc::Channel>& ch, const TracesRequest& req,
                             grpc_compression_algorithm compression = GRPC_COMPRESS_NONE) {
    auto stub = tsvc::TraceService::NewStub(ch);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 3s);
    if (compression != GRPC_COMPRESS_NONE) ctx.set_compression_algorithm(compression);
    tsvc::ExportTraceServiceResponse resp;
    return stub->Export(&ctx, req, &resp);
  }

  // A unary call by method name with raw request bytes.
  static grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& ch, const std::string& method,
                              const std::string& bytes) {
    grpc::GenericStub stub(ch);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 3s);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer req(&slice, 1), resp;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &req, &resp,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  // One span carrying an attribute of `size` bytes: `compressible` ones are all 'a'.
  static TracesRequest BigRequest(size_t size, bool compressible) {
    TracesRequest req = MakeTracesRequest(1, 1);
    std::string v(size, 'a');
    if (!compressible) {
      uint64_t x = 88172645463325252ull;
      for (auto& c : v) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        c = static_cast<char>('a' + x % 26);
      }
    }
    auto* a = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
    a->set_key("big");
    a->mutable_value()->set_string_value(v);
    return req;
  }

  TestSink sink_;
  Registry registry_;
  std::shared_ptr<GateConsumer> gate_;
  std::unique_ptr<Service> service_;
  std::shared_ptr<RecordingConsumer> traces_;
  uint16_t grpc_port_ = 0;
};

TEST_F(GrpcServerTransportTest, GzipRequestIsAcceptedAndBytesEqual) {
  Start();
  auto ch = Channel();
  TracesRequest req = MakeTracesRequest(3, 20);
  grpc::Status st = Export(ch, req, GRPC_COMPRESS_GZIP);
  ASSERT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  // Incompressible data too (gzip may then not shrink it).
  TracesRequest big = BigRequest(200000, false);
  st = Export(ch, big, GRPC_COMPRESS_GZIP);
  ASSERT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  auto got = traces_->received();
  ASSERT_EQ(got.size(), 2u);
  std::string scratch;
  EXPECT_EQ(got[0].ProtoBytes(scratch), req.SerializeAsString());
  EXPECT_TRUE(MessageDifferencer::Equals(*got[1].Traces(), big));
}

TEST_F(GrpcServerTransportTest, TooLargeIsResourceExhaustedAndTheServerGoesOn) {
  Start();
  auto ch = Channel();
  grpc::Status st = Export(ch, BigRequest(2 << 20, false));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  // Small on the wire but past the limit once decompressed.
  st = Export(ch, BigRequest(3 << 20, true), GRPC_COMPRESS_GZIP);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  // Just under the limit is fine.
  st = Export(ch, BigRequest((1 << 20) - 4096, false));
  EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  // The same connection keeps serving.
  st = Export(ch, MakeTracesRequest(1, 1));
  ASSERT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  EXPECT_EQ(traces_->received().size(), 2u);
}

TEST_F(GrpcServerTransportTest, UnknownMethodsAndSignalsWithoutPipelineAreUnimplemented) {
  Start();
  auto ch = Channel();
  std::string bytes = MakeTracesRequest(1, 1).SerializeAsString();
  EXPECT_EQ(RawCall(ch, "/foo.Bar/Baz", bytes).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(RawCall(ch, "/opentelemetry.proto.collector.trace.v1.TraceService/Nope", bytes).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  {
    auto stub = opentelemetry::proto::collector::metrics::v1::MetricsService::NewStub(ch);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 3s);
    MetricsRequest req;
    req.add_resource_metrics()->add_scope_metrics()->add_metrics()->set_name("m");
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse resp;
    EXPECT_EQ(stub->Export(&ctx, req, &resp).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    auto stub = opentelemetry::proto::collector::logs::v1::LogsService::NewStub(ch);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 3s);
    LogsRequest req;
    req.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body()->set_string_value("x");
    opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse resp;
    EXPECT_EQ(stub->Export(&ctx, req, &resp).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  // Malformed protobuf: INVALID_ARGUMENT.
  EXPECT_EQ(RawCall(ch, kTraceExport, std::string("\x0a\xff\xff\xff\x0fnot protobuf", 17)).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(traces_->received().empty());
  // The raw path works for a good request.
  EXPECT_TRUE(RawCall(ch, kTraceExport, bytes).ok());
}

// grpc-status-details-bin: a google.rpc.Status with one RetryInfo; returns its delay (or -1).
int64_t RetryInfoMillis(const grpc::Status& st, int expect_code) {
  if (st.error_details().empty()) return -1;
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(st.error_details()));
  EXPECT_EQ(details.code(), expect_code);
  EXPECT_EQ(details.message(), st.error_message());
  EXPECT_EQ(details.details_size(), 1);
  if (details.details_size() == 1) {
    EXPECT_EQ(details.details(0).type_url(), "type.googleapis.com/google.rpc.RetryInfo");
  }
  auto d = exporters::otlp::RetryDelayFromGrpcStatusDetails(st.error_details());
  return d ? d->count() : -1;
}

TEST_F(GrpcServerTransportTest, RefusalsMapToCodesWithRetryInfo) {
  Start();
  auto ch = Channel();
  TracesRequest req = MakeTracesRequest(1, 1);

  traces_->set_result(Status::Exhausted("memory limit", 2s));
  grpc::Status st = Export(ch, req);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(st.error_message(), "memory limit");
  EXPECT_EQ(RetryInfoMillis(st, 8), 2000);

  // No delay from the component: at least a second.
  traces_->set_result(Status::Exhausted("memory limit"));
  st = Export(ch, req);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(RetryInfoMillis(st, 8), 1000);

  traces_->set_result(Status::Retryable("queue full", 2500ms));
  st = Export(ch, req);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(RetryInfoMillis(st, 14), 3000);  // whole seconds, rounded up

  // Permanent: INTERNAL, no RetryInfo; the message survives percent-encoding.
  std::string message = "bröken: 100% \xe2\x9c\x93 \"q\"\tnext";
  traces_->set_result(Status::Permanent(message));
  st = Export(ch, req);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(st.error_message(), message);
  EXPECT_TRUE(st.error_details().empty());

  traces_->set_result(Status::Invalid("bad data"));
  EXPECT_EQ(Export(ch, req).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  traces_->set_result(Status::Ok());
  EXPECT_TRUE(Export(ch, req).ok());
}

TEST_F(GrpcServerTransportTest, Http11PostToTheGrpcPortIs426) {
  Start();
  common::HttpClient client;
  common::HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(grpc_port_) + kTraceExport;
  std::string body = MakeTracesRequest(1, 1).SerializeAsString();
  req.body = body;
  req.headers.emplace_back("Content-Type", "application/grpc");
  common::HttpResponse resp;
  client.Send(req, resp);
  EXPECT_EQ(resp.status, 426) << common::HttpErrorName(resp.error) << " " << resp.error_message;
  EXPECT_EQ(resp.Header("upgrade"), "h2c");
  EXPECT_TRUE(traces_->received().empty());
  // And gRPC still works next to it.
  EXPECT_TRUE(Export(Channel(), MakeTracesRequest(1, 1)).ok());
}

TEST_F(GrpcServerTransportTest, ConcurrentCallsAreEachCountedOnce) {
  Start();
  constexpr int kThreads = 8, kCalls = 50, kSpans = 2;
  auto shared = Channel();  // half the threads multiplex streams on one connection
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto ch = t % 2 == 0 ? shared : Channel();
      for (int i = 0; i < kCalls; ++i) {
        grpc::Status st = Export(ch, MakeTracesRequest(1, kSpans, "t" + std::to_string(t) + "-" + std::to_string(i)));
        if (!st.ok()) {
          ++failures;
          ADD_FAILURE() << t << "/" << i << ": " << st.error_code() << " " << st.error_message();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  auto got = traces_->received();
  EXPECT_EQ(got.size(), size_t(kThreads * kCalls));
  std::set<std::string> names;
  size_t spans = 0;
  for (const auto& p : got) {
    for (const auto& rs : p.Traces()->resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) {
          names.insert(s.name());
          ++spans;
        }
  }
  EXPECT_EQ(spans, size_t(kThreads * kCalls * kSpans));
  EXPECT_EQ(names.size(), size_t(kThreads * kCalls * kSpans));
}

int RawConnect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

TEST_F(GrpcServerTransportTest, ClientGivesUpWhileThePipelineIsBusy) {
  Start("gateexp");
  gate_->Close();
  auto ch = Channel();
  {
    auto stub = tsvc::TraceService::NewStub(ch);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 200ms);
    tsvc::ExportTraceServiceResponse resp;
    EXPECT_EQ(stub->Export(&ctx, MakeTracesRequest(1, 1), &resp).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  ASSERT_TRUE(gate_->WaitEntered(1));
  gate_->Open();  // the handler answers a stream the client has reset
  // The connection and the server go on.
  for (int i = 0; i < 3; ++i) {
    grpc::Status st = Export(ch, MakeTracesRequest(1, 2));
    EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  }
  EXPECT_EQ(gate_->items(), 7u);
}

// How long the collector's Shutdown (deadline 5 s) takes.
std::chrono::milliseconds TimeShutdown(std::unique_ptr<Service>& service) {
  auto t0 = Clock::now();
  service->Shutdown(Clock::now() + 5s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  service.reset();
  return took;
}

TEST_F(GrpcServerTransportTest, ShutdownWithAnIdleGrpcConnectionIsQuick) {
  // grpc++ (1.51) does not close an idle connection on GOAWAY: the server must close it.
  Start();
  auto ch = Channel();
  ASSERT_TRUE(Export(ch, MakeTracesRequest(1, 1)).ok());  // grpc++ keeps its connection open
  std::this_thread::sleep_for(50ms);
  auto took = TimeShutdown(service_);
  EXPECT_LT(took, 1s) << took.count() << "ms";
  // Nothing listens any more.
  grpc::Status st = Export(ch, MakeTracesRequest(1, 1));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcServerTransportTest, ShutdownWithAnIdleHttp1ConnectionIsQuick) {
  Start();
  // An HTTP/1.1 keep-alive connection, idle after its answer.
  common::HttpClient http;
  common::HttpRequest hreq;
  hreq.url = "http://127.0.0.1:" + std::to_string(grpc_port_) + kTraceExport;
  hreq.headers.emplace_back("Content-Type", "application/grpc");
  common::HttpResponse hresp;
  http.Send(hreq, hresp);
  EXPECT_EQ(hresp.status, 426);
  std::this_thread::sleep_for(50ms);
  auto took = TimeShutdown(service_);
  EXPECT_LT(took, 1s) << took.count() << "ms";
}

TEST_F(GrpcServerTransportTest, ShutdownWithASilentConnectionIsQuick) {
  Start();
  int silent = RawConnect(grpc_port_);  // connected, nothing sent yet
  std::this_thread::sleep_for(50ms);
  auto took = TimeShutdown(service_);
  EXPECT_LT(took, 1s) << took.count() << "ms";
  ::close(silent);
}

TEST_F(GrpcServerTransportTest, ShutdownWithAnUnresponsiveHttp2ClientIsQuick) {
  // A client that never reacts to GOAWAY (hung, or gone without a FIN) must not hold Stop until
  // its deadline (5 s here; the idle timeout is 60 s).
  Start();
  // The HTTP/2 client preface and an empty SETTINGS frame; then nothing, not even reading.
  int h2 = RawConnect(grpc_port_);
  std::string hello = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + std::string("\0\0\0\x04\0\0\0\0\0", 9);
  ASSERT_EQ(::write(h2, hello.data(), hello.size()), ssize_t(hello.size()));
  std::this_thread::sleep_for(50ms);
  auto took = TimeShutdown(service_);
  EXPECT_LT(took, 1s) << took.count() << "ms";
  ::close(h2);
}

TEST_F(GrpcServerTransportTest, ShutdownLetsACallInProgressFinish) {
  Start("gateexp");
  gate_->Close();
  auto ch = Channel();
  auto call = std::async(std::launch::async, [&] { return Export(ch, MakeTracesRequest(1, 3)); });
  ASSERT_TRUE(gate_->WaitEntered(1));
  auto stopped = std::async(std::launch::async, [&] {
    auto t0 = Clock::now();
    service_->Shutdown(Clock::now() + 3s);
    return Clock::now() - t0;
  });
  std::this_thread::sleep_for(200ms);
  gate_->Open();
  grpc::Status st = call.get();
  EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  EXPECT_EQ(gate_->items(), 3u);
  EXPECT_LT(stopped.get(), 2s);
  service_.reset();
}

// ---------------------------------------------------------------------------------------------
// HttpServer (the receivers' server) directly: Stop while a request body is only half uploaded.

namespace stop_test {

void SetTimeout(int fd, int ms = 2000) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string f;
  uint32_t n = static_cast<uint32_t>(payload.size());
  f += static_cast<char>(n >> 16);
  f += static_cast<char>(n >> 8);
  f += static_cast<char>(n);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>((stream >> shift) & 0xff);
  return f + payload;
}

// HPACK "literal header field without indexing, new name", no Huffman (short strings only).
std::string Literal(const std::string& name, const std::string& value) {
  return std::string(1, '\0') + static_cast<char>(name.size()) + name + static_cast<char>(value.size()) + value;
}

class HttpServerStopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions o;
    o.endpoint = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(o, [this](const HttpServerRequest& q, HttpServerResponse& s) {
      bodies_.push_back(q.body.size());
      s.status = 200;
      s.body = "ok";
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  // Stop (deadline 3 s) in the background.
  std::future<void> StopLater() {
    return std::async(std::launch::async, [this] { server_->Stop(Clock::now() + 3s); });
  }
  std::unique_ptr<HttpServer> server_;
  std::vector<size_t> bodies_;  // handler calls (on an io thread; read after Stop)
};

// A POST of 1000 bytes sent in two halves; with `stop`, Stop begins between them.
std::string Http1Upload(uint16_t port, const std::function<std::future<void>()>& stop) {
  int fd = RawConnect(port);
  SetTimeout(fd, stop ? 2000 : 300);
  std::string head = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n";
  std::string half(500, 'x');
  EXPECT_EQ(::write(fd, head.data(), head.size()), ssize_t(head.size()));
  EXPECT_EQ(::write(fd, half.data(), half.size()), ssize_t(half.size()));
  std::this_thread::sleep_for(50ms);
  std::future<void> stopped;
  if (stop) stopped = stop();
  std::this_thread::sleep_for(100ms);
  ::write(fd, half.data(), half.size());  // may fail if the server closed the connection
  std::string answer = ReadAll(fd);
  ::close(fd);
  if (stopped.valid()) stopped.get();
  return answer;
}

TEST_F(HttpServerStopTest, Http1UploadInProgressFinishes) {
  // Control: the same exchange without Stop.
  ASSERT_EQ(Http1Upload(server_->port(), nullptr).rfind("HTTP/1.1 200", 0), 0u);
  std::string answer = Http1Upload(server_->port(), [this] { return StopLater(); });
  // Stop lets a request whose body is still arriving finish (as Go's http.Server.Shutdown).
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_EQ(bodies_, (std::vector<size_t>{1000, 1000}));
}

// The same over HTTP/2 (prior knowledge, hand-made frames); true if stream 1 got its HEADERS.
bool Http2Upload(uint16_t port, const std::function<std::future<void>()>& stop) {
  int fd = RawConnect(port);
  SetTimeout(fd, stop ? 2000 : 300);
  std::string headers = Literal(":method", "POST") + Literal(":scheme", "http") + Literal(":path", "/x") +
                        Literal(":authority", "127.0.0.1:" + std::to_string(port)) +
                        Literal("content-type", "text/plain");
  std::string half(500, 'x');
  std::string out = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + Frame(4, 0, 0, "") +
                    Frame(1, 0x4 /*END_HEADERS*/, 1, headers) + Frame(0, 0, 1, half);
  EXPECT_EQ(::write(fd, out.data(), out.size()), ssize_t(out.size()));
  std::this_thread::sleep_for(50ms);
  std::future<void> stopped;
  if (stop) stopped = stop();
  std::this_thread::sleep_for(100ms);
  std::string rest = Frame(4, 0x1 /*ACK*/, 0, "") + Frame(0, 0x1 /*END_STREAM*/, 1, half);
  ::write(fd, rest.data(), rest.size());
  // Frames until the server closes (or the timeout): is there a HEADERS frame for stream 1?
  std::string answer = ReadAll(fd);
  ::close(fd);
  if (stopped.valid()) stopped.get();
  for (size_t i = 0; i + 9 <= answer.size();) {
    uint32_t len = (uint8_t(answer[i]) << 16) | (uint8_t(answer[i + 1]) << 8) | uint8_t(answer[i + 2]);
    uint8_t type = uint8_t(answer[i + 3]);
    uint32_t stream = ((uint8_t(answer[i + 5]) & 0x7f) << 24) | (uint8_t(answer[i + 6]) << 16) |
                      (uint8_t(answer[i + 7]) << 8) | uint8_t(answer[i + 8]);
    if (type == 1 && stream == 1) return true;
    i += 9 + len;
  }
  return false;
}

TEST_F(HttpServerStopTest, Http2UploadInProgressFinishes) {
  ASSERT_TRUE(Http2Upload(server_->port(), nullptr));  // control: without Stop
  bool responded = Http2Upload(server_->port(), [this] { return StopLater(); });
  EXPECT_TRUE(responded);
  EXPECT_EQ(bodies_, (std::vector<size_t>{1000, 1000}));
}

// An HTTP/2 connection is closed once nothing moved on it for idle_timeout; one that keeps talking
// (PINGs) is not, and still gets its request answered.
TEST(HttpServerIdleTest, Http2ConnectionsCloseOnlyWhenIdle) {
  HttpServerOptions o;
  o.endpoint = "127.0.0.1:0";
  o.idle_timeout = std::chrono::seconds(1);
  HttpServer server(o, [](HttpServerRequest&, HttpServerResponse& s) { s.body = "ok"; });
  ASSERT_TRUE(server.Start().ok());
  const std::string hello = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + Frame(4, 0, 0, "");

  int quiet = RawConnect(server.port());
  int chatty = RawConnect(server.port());
  ASSERT_EQ(::write(quiet, hello.data(), hello.size()), ssize_t(hello.size()));
  ASSERT_EQ(::write(chatty, hello.data(), hello.size()), ssize_t(hello.size()));
  const auto start = Clock::now();
  // For 1.6 s the chatty connection PINGs every 200 ms (reading what the server sends).
  SetTimeout(chatty, 50);
  char buf[4096];
  while (Clock::now() - start < 1600ms) {
    std::string ping = Frame(6, 0, 0, std::string(8, 'p'));
    ASSERT_EQ(::write(chatty, ping.data(), ping.size()), ssize_t(ping.size()));
    while (::read(chatty, buf, sizeof buf) > 0) {
    }
    std::this_thread::sleep_for(150ms);
  }
  // The quiet one was closed: reading reaches the end of the stream (after SETTINGS and GOAWAY-free
  // frames) well before the 4-s read timeout.
  SetTimeout(quiet, 4000);
  ReadAll(quiet);
  const auto quiet_closed_after = Clock::now() - start;
  EXPECT_GE(quiet_closed_after, 900ms);
  EXPECT_LT(quiet_closed_after, 3500ms);
  ::close(quiet);
  // The chatty one still serves a request.
  std::string headers = Literal(":method", "GET") + Literal(":scheme", "http") + Literal(":path", "/x") +
                        Literal(":authority", "127.0.0.1");
  std::string req = Frame(1, 0x4 | 0x1 /*END_HEADERS | END_STREAM*/, 1, headers);
  ASSERT_EQ(::write(chatty, req.data(), req.size()), ssize_t(req.size()));
  SetTimeout(chatty, 2000);
  std::string answer;
  bool got_headers = false;
  for (int i = 0; i < 40 && !got_headers; ++i) {
    ssize_t n = ::read(chatty, buf, sizeof buf);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
    for (size_t at = 0; at + 9 <= answer.size();) {
      uint32_t len = (uint8_t(answer[at]) << 16) | (uint8_t(answer[at + 1]) << 8) | uint8_t(answer[at + 2]);
      if (uint8_t(answer[at + 3]) == 1 && uint8_t(answer[at + 8]) == 1) got_headers = true;
      at += 9 + len;
    }
  }
  EXPECT_TRUE(got_headers) << "no response on the connection that kept talking";
  ::close(chatty);
  server.Stop(Clock::now() + 2s);
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.x responses: the head the server formats itself, and keep-alive on a real connection.

TEST(HttpResponseHeadTest, StatusLineHeadersAndFraming) {
  HttpServerResponse r;
  r.status = 503;
  r.content_type = "application/json";
  r.headers = {{"Retry-After", "5"}, {"X-A", "1"}, {"x-a", "2"}};
  r.body = "{}";
  std::string head;
  FormatResponseHead(r, true, 11, head);
  EXPECT_EQ(head,
            "HTTP/1.1 503 Service Unavailable\r\nServer: adot-collector\r\nContent-Type: application/json\r\n"
            "Retry-After: 5\r\nx-a: 2\r\nContent-Length: 2\r\n\r\n");
  FormatResponseHead(r, false, 11, head);
  EXPECT_NE(head.find("\r\nConnection: close\r\n\r\n"), std::string::npos) << head;
  FormatResponseHead(r, true, 10, head);
  EXPECT_EQ(head.rfind("HTTP/1.0 503 ", 0), 0u) << head;
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n\r\n"), std::string::npos) << head;
  FormatResponseHead(r, false, 10, head);
  EXPECT_EQ(head.find("Connection:"), std::string::npos) << head;  // HTTP/1.0 closes by default
}

TEST(HttpResponseHeadTest, HandlerHeadersCannotBreakTheFraming) {
  HttpServerResponse r;
  r.status = 200;
  r.headers = {{"Content-Length", "999"}, {"connection", "keep-alive"}, {"Transfer-Encoding", "chunked"},
               {"X-Split", "a\r\nSet-Cookie: b"}, {"X-Bad\nName", "c"}, {"", "d"}, {"CONTENT-TYPE", "text/csv"},
               {"Server", "other"}};
  r.body = "abc";
  std::string head;
  FormatResponseHead(r, true, 11, head);
  EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nCONTENT-TYPE: text/csv\r\nServer: other\r\nContent-Length: 3\r\n\r\n");
  // A header refused for its value does not take the place of the server's own.
  r.headers = {{"Content-Type", "x\ny"}};
  FormatResponseHead(r, true, 11, head);
  EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nServer: adot-collector\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n");
  // No length (nor body) in a 204.
  r.status = 204;
  FormatResponseHead(r, true, 11, head);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
}

TEST(HttpServerHttp1Test, PipelinedKeepAliveThenCloseThenHttp10) {
  HttpServerOptions o;
  o.endpoint = "127.0.0.1:0";
  HttpServer server(o, [](const HttpServerRequest& q, HttpServerResponse& s) {
    if (q.target == "/empty") {
      s.status = 204;
      s.body = "ignored";
      return;
    }
    s.status = q.method == "POST" ? 200 : 404;
    s.content_type = "text/x-echo";
    s.headers.emplace_back("X-Target", q.target);
    s.body = q.method + " " + q.target + " " + q.body;
  });
  ASSERT_TRUE(server.Start().ok());

  // Three requests in one write: each answered in order on the same connection; the last asks to close.
  int fd = RawConnect(server.port());
  SetTimeout(fd);
  const std::string requests =
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "GET /empty HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::write(fd, requests.data(), requests.size()), ssize_t(requests.size()));
  std::string answer = ReadAll(fd);  // ends when the server closes after the third
  ::close(fd);
  EXPECT_EQ(answer,
            "HTTP/1.1 200 OK\r\nServer: adot-collector\r\nContent-Type: text/x-echo\r\nX-Target: /a\r\n"
            "Content-Length: 13\r\n\r\nPOST /a hello"
            "HTTP/1.1 204 No Content\r\nServer: adot-collector\r\nContent-Type: text/plain\r\n\r\n"
            "HTTP/1.1 404 Not Found\r\nServer: adot-collector\r\nContent-Type: text/x-echo\r\nX-Target: /b\r\n"
            "Content-Length: 7\r\nConnection: close\r\n\r\nGET /b ");

  // HTTP/1.0 without keep-alive: answered as 1.0, then closed.
  fd = RawConnect(server.port());
  SetTimeout(fd);
  const std::string old = "POST /c HTTP/1.0\r\nContent-Length: 1\r\n\r\nz";
  ASSERT_EQ(::write(fd, old.data(), old.size()), ssize_t(old.size()));
  answer = ReadAll(fd);
  ::close(fd);
  EXPECT_EQ(answer,
            "HTTP/1.0 200 OK\r\nServer: adot-collector\r\nContent-Type: text/x-echo\r\nX-Target: /c\r\n"
            "Content-Length: 9\r\n\r\nPOST /c z");
  server.Stop(Clock::now() + 2s);
}

// An answer larger than the socket's send buffer, to a client that reads late: what the direct
// write leaves goes out asynchronously, all of it, and the connection serves the next request.
TEST(HttpServerHttp1Test, AnswerLargerThanTheSendBufferArrivesWhole) {
  HttpServerOptions o;
  o.endpoint = "127.0.0.1:0";
  std::string big(16 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  HttpServer server(o, [&](const HttpServerRequest& q, HttpServerResponse& s) { s.body = q.target == "/big" ? big : "small"; });
  ASSERT_TRUE(server.Start().ok());
  int fd = RawConnect(server.port());
  SetTimeout(fd, 5000);
  const std::string requests = "GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::write(fd, requests.data(), requests.size()), ssize_t(requests.size()));
  std::this_thread::sleep_for(200ms);  // the server's direct write fills the buffer meanwhile
  const std::string answer = ReadAll(fd);
  ::close(fd);
  const std::string head = "HTTP/1.1 200 OK\r\nServer: adot-collector\r\nContent-Type: text/plain\r\nContent-Length: " +
                           std::to_string(big.size()) + "\r\n\r\n";
  const std::string next =
      "HTTP/1.1 200 OK\r\nServer: adot-collector\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
      "Connection: close\r\n\r\nsmall";
  ASSERT_EQ(answer.substr(0, head.size()), head);
  ASSERT_EQ(answer.size(), head.size() + big.size() + next.size());  // sizes only: no 16 MiB in a failure
  EXPECT_TRUE(answer.compare(head.size(), big.size(), big) == 0) << "the body differs";
  EXPECT_EQ(answer.substr(head.size() + big.size()), next);
  server.Stop(Clock::now() + 2s);
}

}  // namespace stop_test

}  // namespace
}  // namespace adot::collector
