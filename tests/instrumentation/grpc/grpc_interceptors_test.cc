// The gRPC interceptors against a real grpc++ server on 127.0.0.1 (sync and callback APIs) and a
// real client channel, with the SDK's in-memory exporter (or no SDK at all).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adot/api/propagation/carriers.h"
#include "adot/api/propagation/text_map.h"
#include "adot/api/trace.h"
#include "adot/instrumentation/grpc.h"
#include "adot/sdk/propagation/trace_context.h"
#include "adot/sdk/propagation/xray.h"
#include "adot/sdk/trace/in_memory_exporter.h"
#include "adot/sdk/trace/processor.h"
#include "adot/sdk/trace/tracer_provider.h"
#include "echo_service.grpc.pb.h"
#include "support/span_test_util.h"

namespace adot::instrumentation::grpc {
namespace {

using adot::test::grpc::EchoRequest;
using adot::test::grpc::EchoResponse;
using adot::test::grpc::EchoService;
using adot::test::grpc::UnregisteredService;
using api::trace::SpanKind;
using api::trace::StatusCode;
using sdk::trace::SpanData;

constexpr std::string_view kEchoName = "adot.test.grpc.EchoService/Echo";
constexpr std::string_view kStreamName = "adot.test.grpc.EchoService/Stream";
constexpr std::string_view kService = "adot.test.grpc.EchoService";

// ---- what the server saw ----

struct HandlerCall {
  std::thread::id thread;
  bool context_empty = true;                // Context::Current() at the handler's start
  api::trace::SpanContext current;          // the current span's context in the handler
  std::optional<std::string> traceparent;   // the metadata received
  std::optional<std::string> xray;          // x-amzn-trace-id received
  std::optional<std::string> fine, line;    // x-fine, x-line received
  int handled_before = 0;                   // calls this thread served before this one
};

// Probe: the thread and current span at PRE_SEND_STATUS, seen by an interceptor registered before
// ours (send hooks run in registration order, so it runs before ours ends the span).
struct StatusHook {
  std::thread::id thread;
  api::trace::SpanContext current;
};

struct ServerLog {
  std::mutex mutex;
  std::vector<HandlerCall> calls;
  std::vector<StatusHook> status_hooks;

  void AddCall(HandlerCall c) {
    std::lock_guard<std::mutex> lock(mutex);
    calls.push_back(std::move(c));
  }
  std::vector<HandlerCall> Calls() {
    std::lock_guard<std::mutex> lock(mutex);
    return calls;
  }
  std::vector<StatusHook> StatusHooks() {
    std::lock_guard<std::mutex> lock(mutex);
    return status_hooks;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mutex);
    calls.clear();
    status_hooks.clear();
  }
};

std::optional<std::string> Metadata(const ::grpc::ServerContextBase& context, const char* key) {
  auto it = context.client_metadata().find(key);
  if (it == context.client_metadata().end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

HandlerCall Observe(const ::grpc::ServerContextBase& context) {
  thread_local int handled = 0;
  HandlerCall c;
  c.handled_before = handled++;
  c.thread = std::this_thread::get_id();
  c.context_empty = api::Context::Current().empty();
  c.current = api::trace::Tracer::GetCurrentSpan()->GetContext();
  c.traceparent = Metadata(context, "traceparent");
  c.xray = Metadata(context, "x-amzn-trace-id");
  c.fine = Metadata(context, "x-fine");
  c.line = Metadata(context, "x-line");
  return c;
}

// A span of the handler's own, child of the current context.
void HandlerWork() {
  auto tracer = api::trace::GetTracerProvider()->GetTracer("handler");
  tracer->StartSpan("handler-work")->End();
}

class SyncEchoService final : public EchoService::Service {
 public:
  explicit SyncEchoService(ServerLog& log) : log_(log) {}

  ::grpc::Status Echo(::grpc::ServerContext* context, const EchoRequest* request,
                      EchoResponse* response) override {
    log_.AddCall(Observe(*context));
    HandlerWork();
    response->set_text(request->text());
    return ::grpc::Status(static_cast<::grpc::StatusCode>(request->code()),
                          request->code() ? "failed: " + request->text() : "");
  }

  ::grpc::Status Stream(::grpc::ServerContext* context, const EchoRequest* request,
                        ::grpc::ServerWriter<EchoResponse>* writer) override {
    log_.AddCall(Observe(*context));
    for (int i = 0; i < request->count(); ++i) {
      EchoResponse r;
      r.set_text(request->text() + std::to_string(i));
      writer->Write(r);
    }
    HandlerWork();
    return ::grpc::Status(static_cast<::grpc::StatusCode>(request->code()),
                          request->code() ? "stream failed" : "");
  }

 private:
  ServerLog& log_;
};

class CallbackEchoService final : public EchoService::CallbackService {
 public:
  explicit CallbackEchoService(ServerLog& log) : log_(log) {}

  ::grpc::ServerUnaryReactor* Echo(::grpc::CallbackServerContext* context,
                                   const EchoRequest* request, EchoResponse* response) override {
    log_.AddCall(Observe(*context));
    HandlerWork();
    response->set_text(request->text());
    ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(::grpc::Status(static_cast<::grpc::StatusCode>(request->code()), ""));
    return reactor;
  }

 private:
  ServerLog& log_;
};

class ProbeInterceptor final : public ::grpc::experimental::Interceptor {
 public:
  explicit ProbeInterceptor(ServerLog& log) : log_(log) {}
  void Intercept(::grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            ::grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      std::lock_guard<std::mutex> lock(log_.mutex);
      log_.status_hooks.push_back(
          {std::this_thread::get_id(), api::trace::Tracer::GetCurrentSpan()->GetContext()});
    }
    methods->Proceed();
  }

 private:
  ServerLog& log_;
};

class ProbeFactory final : public ::grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ProbeFactory(ServerLog& log) : log_(log) {}
  ::grpc::experimental::Interceptor* CreateServerInterceptor(
      ::grpc::experimental::ServerRpcInfo*) override {
    return new ProbeInterceptor(log_);
  }

 private:
  ServerLog& log_;
};

// A grpc++ server on 127.0.0.1, on a free port.
class TestServer {
 public:
  TestServer(::grpc::Service* service, ServerLog& log) {
    ::grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service);
    std::vector<std::unique_ptr<::grpc::experimental::ServerInterceptorFactoryInterface>> f;
    f.push_back(std::make_unique<ProbeFactory>(log));
    f.push_back(CreateServerInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(f));
    server_ = builder.BuildAndStart();
  }
  ~TestServer() {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  bool started() const { return server_ != nullptr && port_ > 0; }

 private:
  int port_ = 0;
  std::unique_ptr<::grpc::Server> server_;
};

// ---- span helpers ----

using adot::test::FindAttr;
using adot::test::IntAttr;
using adot::test::StrAttr;
std::string TraceParentOf(const SpanData& span) {
  char flags[3];
  std::snprintf(flags, sizeof(flags), "%02x", span.flags.bits());
  return "00-" + span.trace_id.ToHex() + "-" + span.span_id.ToHex() + "-" + flags;
}

// The client span, server span and handler span of one call.
struct CallSpans {
  std::optional<SpanData> client, server, handler;
};
CallSpans Sort(const std::vector<SpanData>& spans) {
  CallSpans out;
  for (const SpanData& s : spans) {
    if (s.kind == SpanKind::kClient) out.client = s;
    else if (s.kind == SpanKind::kServer) out.server = s;
    else if (s.name == "handler-work") out.handler = s;
  }
  return out;
}

EchoRequest Request(std::string text, ::grpc::StatusCode code = ::grpc::OK, int count = 0) {
  EchoRequest r;
  r.set_text(std::move(text));
  r.set_code(code);
  r.set_count(count);
  return r;
}

std::unique_ptr<::grpc::ClientContext> Context() {
  auto context = std::make_unique<::grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return context;
}

class GrpcInstrumentationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InstallSdk();
    api::propagation::SetGlobalPropagator(
        std::make_shared<sdk::propagation::TraceContextPropagator>());
    server_ = std::make_unique<TestServer>(&sync_service_, log_);
    ASSERT_TRUE(server_->started());
    std::vector<std::unique_ptr<::grpc::experimental::ClientInterceptorFactoryInterface>> f;
    f.push_back(CreateClientInterceptorFactory(server_->target()));
    channel_ = ::grpc::experimental::CreateCustomChannelWithInterceptors(
        server_->target(), ::grpc::InsecureChannelCredentials(), ::grpc::ChannelArguments(),
        std::move(f));
    stub_ = EchoService::NewStub(channel_);
  }
  void TearDown() override {
    stub_.reset();
    channel_.reset();
    server_.reset();
    RemoveSdk();
    api::propagation::SetGlobalPropagator(nullptr);
  }

  void InstallSdk() {
    store_ = std::make_shared<sdk::trace::InMemorySpanStore>();
    sdk::trace::TracerProviderOptions options;
    options.processors.push_back(sdk::trace::CreateSimpleSpanProcessor(
        std::make_unique<sdk::trace::InMemorySpanExporter>(store_)));
    provider_ = std::make_shared<sdk::trace::TracerProvider>(std::move(options));
    api::trace::SetTracerProvider(provider_);
  }
  void RemoveSdk() {
    api::trace::SetTracerProvider(nullptr);
    if (provider_) provider_->Shutdown();
    provider_.reset();
  }

  ::grpc::Status Echo(const EchoRequest& request, EchoResponse* response = nullptr) {
    EchoResponse ignored;
    auto context = Context();
    return stub_->Echo(context.get(), request, response ? response : &ignored);
  }

  // Checks what every traced call shares: one trace, parent links, kinds, names, attributes.
  void ExpectLinked(const CallSpans& spans, std::string_view name, std::string_view method) {
    ASSERT_TRUE(spans.client && spans.server && spans.handler);
    const SpanData& client = *spans.client;
    const SpanData& server = *spans.server;
    EXPECT_EQ(client.name, name);
    EXPECT_EQ(server.name, name);
    EXPECT_EQ(server.trace_id, client.trace_id);
    EXPECT_EQ(server.parent_span_id, client.span_id);
    EXPECT_TRUE(server.parent_is_remote);
    EXPECT_EQ(spans.handler->trace_id, server.trace_id);
    EXPECT_EQ(spans.handler->parent_span_id, server.span_id);
    for (const SpanData* s : {&client, &server}) {
      EXPECT_EQ(StrAttr(*s, "rpc.system"), "grpc");
      EXPECT_EQ(StrAttr(*s, "rpc.service"), kService);
      EXPECT_EQ(StrAttr(*s, "rpc.method"), method);
      EXPECT_EQ(StrAttr(*s, "network.peer.address"), "127.0.0.1");
      EXPECT_EQ(StrAttr(*s, "network.transport"), "tcp");
      EXPECT_EQ(StrAttr(*s, "network.type"), "ipv4");
      EXPECT_GT(IntAttr(*s, "network.peer.port").value_or(0), 0);
      EXPECT_EQ(s->scope().name, kInstrumentationName);
    }
    EXPECT_EQ(StrAttr(client, "server.address"), "127.0.0.1");
    EXPECT_EQ(IntAttr(client, "server.port"), server_->port());
    EXPECT_EQ(IntAttr(client, "network.peer.port"), server_->port());
    EXPECT_EQ(StrAttr(server, "client.address"), "127.0.0.1");
    EXPECT_GT(IntAttr(server, "client.port").value_or(0), 0);
    EXPECT_NE(IntAttr(server, "client.port"), server_->port());
  }

  std::shared_ptr<sdk::trace::InMemorySpanStore> store_;
  std::shared_ptr<sdk::trace::TracerProvider> provider_;
  ServerLog log_;
  SyncEchoService sync_service_{log_};
  std::unique_ptr<TestServer> server_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<EchoService::Stub> stub_;
};

TEST_F(GrpcInstrumentationTest, UnaryCallIsTracedAcrossClientAndServer) {
  EchoResponse response;
  ::grpc::Status status = Echo(Request("hello"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "hello");

  std::vector<SpanData> all = store_->Take();
  ASSERT_EQ(all.size(), 3u);
  CallSpans spans = Sort(all);
  ExpectLinked(spans, kEchoName, "Echo");
  const SpanData& client = *spans.client;
  const SpanData& server = *spans.server;
  EXPECT_FALSE(client.has_parent());  // no current span on the caller's side
  for (const SpanData* s : {&client, &server}) {
    EXPECT_EQ(IntAttr(*s, "rpc.grpc.status_code"), 0);
    EXPECT_EQ(s->status_code, StatusCode::kUnset);
    EXPECT_EQ(FindAttr(*s, "error.type"), nullptr);
  }

  // The metadata carried the client span; the handler ran with the server span current.
  std::vector<HandlerCall> calls = log_.Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].traceparent, TraceParentOf(client));
  EXPECT_EQ(calls[0].current.span_id(), server.span_id);
  EXPECT_EQ(calls[0].current.trace_id(), server.trace_id);
}

TEST_F(GrpcInstrumentationTest, ServerSpanIsCurrentOnTheHandlerThreadUntilTheStatus) {
  ASSERT_TRUE(Echo(Request("a")).ok());
  ASSERT_TRUE(Echo(Request("b", ::grpc::NOT_FOUND)).error_code() == ::grpc::NOT_FOUND);
  std::vector<SpanData> all = store_->Take();
  std::vector<HandlerCall> calls = log_.Calls();
  std::vector<StatusHook> hooks = log_.StatusHooks();
  ASSERT_EQ(calls.size(), 2u);
  ASSERT_EQ(hooks.size(), 2u);
  std::vector<api::trace::SpanId> server_ids;
  for (const SpanData& s : all)
    if (s.kind == SpanKind::kServer) server_ids.push_back(s.span_id);
  ASSERT_EQ(server_ids.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    // The status goes out from the handler's thread, still inside the span's scope.
    EXPECT_EQ(hooks[i].thread, calls[i].thread);
    EXPECT_EQ(hooks[i].current.span_id(), calls[i].current.span_id());
    EXPECT_TRUE(calls[i].current.span_id() == server_ids[0] ||
                calls[i].current.span_id() == server_ids[1]);
  }
  EXPECT_NE(calls[0].current.span_id(), calls[1].current.span_id());
}

TEST_F(GrpcInstrumentationTest, ClientSpanIsChildOfTheCurrentSpan) {
  auto tracer = api::trace::GetTracerProvider()->GetTracer("app");
  auto parent = tracer->StartSpan("request");
  {
    auto scope = api::trace::Tracer::WithActiveSpan(parent);
    ASSERT_TRUE(Echo(Request("x")).ok());
  }
  parent->End();
  CallSpans spans = Sort(store_->Take());
  ASSERT_TRUE(spans.client && spans.server);
  EXPECT_EQ(spans.client->trace_id, parent->GetContext().trace_id());
  EXPECT_EQ(spans.client->parent_span_id, parent->GetContext().span_id());
  EXPECT_EQ(spans.server->trace_id, parent->GetContext().trace_id());
  EXPECT_EQ(spans.server->parent_span_id, spans.client->span_id);
}

TEST_F(GrpcInstrumentationTest, NotFoundIsAClientErrorOnly) {
  ::grpc::Status status = Echo(Request("missing", ::grpc::NOT_FOUND));
  EXPECT_EQ(status.error_code(), ::grpc::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "failed: missing");
  CallSpans spans = Sort(store_->Take());
  ExpectLinked(spans, kEchoName, "Echo");
  const SpanData& client = *spans.client;
  const SpanData& server = *spans.server;
  EXPECT_EQ(IntAttr(client, "rpc.grpc.status_code"), 5);
  EXPECT_EQ(client.status_code, StatusCode::kError);
  EXPECT_EQ(client.status_message, "failed: missing");
  EXPECT_EQ(StrAttr(client, "error.type"), "NOT_FOUND");
  EXPECT_EQ(IntAttr(server, "rpc.grpc.status_code"), 5);
  EXPECT_EQ(server.status_code, StatusCode::kUnset);
  EXPECT_EQ(FindAttr(server, "error.type"), nullptr);
}

TEST_F(GrpcInstrumentationTest, InternalIsAnErrorOnBothSides) {
  EXPECT_EQ(Echo(Request("boom", ::grpc::INTERNAL)).error_code(), ::grpc::INTERNAL);
  CallSpans spans = Sort(store_->Take());
  ExpectLinked(spans, kEchoName, "Echo");
  for (const SpanData* s : {&*spans.client, &*spans.server}) {
    EXPECT_EQ(IntAttr(*s, "rpc.grpc.status_code"), 13);
    EXPECT_EQ(s->status_code, StatusCode::kError);
    EXPECT_EQ(s->status_message, "failed: boom");
    EXPECT_EQ(StrAttr(*s, "error.type"), "INTERNAL");
  }
}

TEST_F(GrpcInstrumentationTest, ServerStreamingCallEndsAtTheFinalStatus) {
  auto context = Context();
  auto reader = stub_->Stream(context.get(), Request("m", ::grpc::OK, 3));
  EchoResponse r;
  std::vector<std::string> texts;
  std::vector<SpanData> all;
  while (reader->Read(&r)) {
    texts.push_back(r.text());
    // The client span is open until the status arrives.
    for (SpanData& s : store_->Take()) {
      EXPECT_NE(s.kind, SpanKind::kClient);
      all.push_back(std::move(s));
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(texts, (std::vector<std::string>{"m0", "m1", "m2"}));

  for (SpanData& s : store_->Take()) all.push_back(std::move(s));
  CallSpans spans = Sort(all);
  ASSERT_TRUE(spans.client);
  ExpectLinked(spans, kStreamName, "Stream");
  EXPECT_EQ(IntAttr(*spans.client, "rpc.grpc.status_code"), 0);
  EXPECT_EQ(IntAttr(*spans.server, "rpc.grpc.status_code"), 0);
  EXPECT_LE(spans.server->end_time_unix_nano, spans.client->end_time_unix_nano);

  std::vector<HandlerCall> calls = log_.Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].current.span_id(), spans.server->span_id);
  EXPECT_EQ(calls[0].traceparent, TraceParentOf(*spans.client));
}

TEST_F(GrpcInstrumentationTest, ServerStreamingErrorStatus) {
  auto context = Context();
  auto reader = stub_->Stream(context.get(), Request("m", ::grpc::UNAVAILABLE, 2));
  EchoResponse r;
  int n = 0;
  while (reader->Read(&r)) ++n;
  EXPECT_EQ(n, 2);
  EXPECT_EQ(reader->Finish().error_code(), ::grpc::UNAVAILABLE);
  CallSpans spans = Sort(store_->Take());
  ExpectLinked(spans, kStreamName, "Stream");
  for (const SpanData* s : {&*spans.client, &*spans.server}) {
    EXPECT_EQ(IntAttr(*s, "rpc.grpc.status_code"), 14);
    EXPECT_EQ(s->status_code, StatusCode::kError);
    EXPECT_EQ(s->status_message, "stream failed");
  }
}

TEST_F(GrpcInstrumentationTest, UnimplementedMethod) {
  auto stub = UnregisteredService::NewStub(channel_);
  auto context = Context();
  EchoResponse response;
  ::grpc::Status status = stub->Echo(context.get(), Request("x"), &response);
  EXPECT_EQ(status.error_code(), ::grpc::UNIMPLEMENTED);
  CallSpans spans = Sort(store_->Take());
  ASSERT_TRUE(spans.client && spans.server);
  const SpanData& client = *spans.client;
  EXPECT_EQ(client.name, "adot.test.grpc.UnregisteredService/Echo");
  EXPECT_EQ(StrAttr(client, "rpc.service"), "adot.test.grpc.UnregisteredService");
  EXPECT_EQ(IntAttr(client, "rpc.grpc.status_code"), 12);
  EXPECT_EQ(client.status_code, StatusCode::kError);
  EXPECT_EQ(StrAttr(client, "error.type"), "UNIMPLEMENTED");
  // The sync server does not tell its interceptors which unknown method was called.
  const SpanData& server = *spans.server;
  EXPECT_EQ(server.name, "grpc");
  EXPECT_EQ(server.parent_span_id, client.span_id);
  EXPECT_EQ(StrAttr(server, "rpc.system"), "grpc");
  EXPECT_EQ(FindAttr(server, "rpc.method"), nullptr);
  EXPECT_EQ(IntAttr(server, "rpc.grpc.status_code"), 12);
  EXPECT_EQ(server.status_code, StatusCode::kError);  // a server error
  EXPECT_EQ(StrAttr(server, "error.type"), "UNIMPLEMENTED");
}

TEST_F(GrpcInstrumentationTest, MixedCaseKeysOfOtherPropagatorsAreSentLowerCase) {
  // X-Ray writes "X-Amzn-Trace-Id": gRPC accepts lower-case metadata keys only.
  api::propagation::SetGlobalPropagator(std::make_shared<sdk::propagation::XrayPropagator>());
  ASSERT_TRUE(Echo(Request("xray")).ok());
  CallSpans spans = Sort(store_->Take());
  ExpectLinked(spans, kEchoName, "Echo");
  std::vector<HandlerCall> calls = log_.Calls();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_TRUE(calls[0].xray.has_value());
  EXPECT_NE(calls[0].xray->find(spans.client->span_id.ToHex()), std::string::npos);
  EXPECT_FALSE(calls[0].traceparent.has_value());
}

TEST_F(GrpcInstrumentationTest, WithoutATargetTheServerIsThePeer) {
  std::vector<std::unique_ptr<::grpc::experimental::ClientInterceptorFactoryInterface>> f;
  f.push_back(CreateClientInterceptorFactory());
  auto stub = EchoService::NewStub(::grpc::experimental::CreateCustomChannelWithInterceptors(
      "ipv4:127.0.0.1:" + std::to_string(server_->port()), ::grpc::InsecureChannelCredentials(),
      ::grpc::ChannelArguments(), std::move(f)));
  auto context = Context();
  EchoResponse response;
  ASSERT_TRUE(stub->Echo(context.get(), Request("t"), &response).ok());
  CallSpans spans = Sort(store_->Take());
  ASSERT_TRUE(spans.client);
  EXPECT_EQ(StrAttr(*spans.client, "server.address"), "127.0.0.1");
  EXPECT_EQ(IntAttr(*spans.client, "server.port"), server_->port());
}

// A propagator writing what gRPC refuses (it aborts the process on such metadata).
class UnsendablePropagator final : public api::propagation::TextMapPropagator {
 public:
  void Inject(const api::Context&, api::propagation::TextMapSetter& carrier) const noexcept override {
    carrier.Set("X-Line", "two\nlines");
    carrier.Set("bad key", "v");
    carrier.Set("X-Fine", "ok");
  }
  api::Context Extract(const api::Context& context,
                       const api::propagation::TextMapGetter&) const noexcept override {
    return context;
  }
  std::vector<std::string_view> Fields() const override { return {"X-Line", "bad key", "X-Fine"}; }
};

TEST_F(GrpcInstrumentationTest, MetadataGrpcWouldRefuseIsLeftOut) {
  api::propagation::SetGlobalPropagator(std::make_shared<UnsendablePropagator>());
  ASSERT_TRUE(Echo(Request("still works")).ok());
  std::vector<HandlerCall> calls = log_.Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].fine, "ok");
  EXPECT_FALSE(calls[0].line.has_value());
}

TEST_F(GrpcInstrumentationTest, CallbackServerMethodRunsWithTheServerSpanCurrent) {
  ServerLog log;
  CallbackEchoService service(log);
  TestServer server(&service, log);
  ASSERT_TRUE(server.started());
  auto stub = EchoService::NewStub(CreateInstrumentedChannel(server.target(),
                                                 ::grpc::InsecureChannelCredentials()));
  auto context = Context();
  EchoResponse response;
  ASSERT_TRUE(stub->Echo(context.get(), Request("cb"), &response).ok());
  EXPECT_EQ(response.text(), "cb");
  EXPECT_EQ(Echo(Request("x")).error_code(), ::grpc::OK);  // the sync server still works

  std::vector<SpanData> all = store_->Take();
  std::optional<SpanData> client, server_span, handler;
  for (const SpanData& s : all)
    if (s.kind == SpanKind::kClient && IntAttr(s, "server.port") == server.port()) client = s;
  ASSERT_TRUE(client);
  for (const SpanData& s : all)
    if (s.kind == SpanKind::kServer && s.trace_id == client->trace_id) server_span = s;
  ASSERT_TRUE(server_span);
  for (const SpanData& s : all)
    if (s.name == "handler-work" && s.parent_span_id == server_span->span_id) handler = s;
  EXPECT_TRUE(handler.has_value());
  EXPECT_EQ(server_span->parent_span_id, client->span_id);
  EXPECT_EQ(IntAttr(*server_span, "rpc.grpc.status_code"), 0);
  std::vector<HandlerCall> calls = log.Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].current.span_id(), server_span->span_id);
}

// ---- without an SDK ----

TEST_F(GrpcInstrumentationTest, WithoutSdkCallsWorkAndSendNothing) {
  RemoveSdk();
  EchoResponse response;
  ASSERT_TRUE(Echo(Request("plain"), &response).ok());
  EXPECT_EQ(response.text(), "plain");
  EXPECT_EQ(Echo(Request("nf", ::grpc::NOT_FOUND)).error_code(), ::grpc::NOT_FOUND);

  auto context = Context();
  auto reader = stub_->Stream(context.get(), Request("s", ::grpc::OK, 2));
  EchoResponse r;
  int n = 0;
  while (reader->Read(&r)) ++n;
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(n, 2);

  for (const HandlerCall& c : log_.Calls()) {
    EXPECT_FALSE(c.traceparent.has_value());
    EXPECT_TRUE(c.context_empty);
    EXPECT_FALSE(c.current.IsValid());
  }
  EXPECT_EQ(log_.Calls().size(), 3u);
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(GrpcInstrumentationTest, WithoutSdkTheCurrentContextIsPassedThrough) {
  RemoveSdk();
  const std::string incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  api::propagation::MapCarrier carrier{{"traceparent", incoming}};
  api::Context extracted =
      api::propagation::GetGlobalPropagator()->Extract(api::Context(), carrier);
  {
    api::Scope scope = extracted.Attach();
    ASSERT_TRUE(Echo(Request("through")).ok());
  }
  std::vector<HandlerCall> calls = log_.Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].traceparent, incoming);
  // The server extracted it and made it current: a call the handler makes would carry it on.
  EXPECT_EQ(calls[0].current.trace_id().ToHex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(calls[0].current.span_id().ToHex(), "b7ad6b7169203331");
}

TEST_F(GrpcInstrumentationTest, WithoutSdkOrPropagatorNothingIsTouched) {
  RemoveSdk();
  api::propagation::SetGlobalPropagator(nullptr);
  ASSERT_TRUE(Echo(Request("bare")).ok());
  std::vector<HandlerCall> calls = log_.Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].context_empty);
  EXPECT_FALSE(calls[0].traceparent.has_value());
}

// The scope the server interceptor enters is left on the same thread when the call ends: later
// calls served by the same threads, with nothing to make current, see an empty context.
TEST_F(GrpcInstrumentationTest, NoContextLeaksIntoLaterCallsOnTheServerThreads) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Echo(Request("traced")).ok());
  std::set<std::thread::id> traced_threads;
  for (const HandlerCall& c : log_.Calls()) {
    EXPECT_TRUE(c.current.IsValid());
    traced_threads.insert(c.thread);
  }
  log_.Clear();

  RemoveSdk();
  api::propagation::SetGlobalPropagator(nullptr);
  // gRPC picks the thread: call until some call ran on a thread that served a traced one.
  bool reused_thread = false;
  for (int i = 0; i < 500 && !(reused_thread && i >= 20); ++i) {
    ASSERT_TRUE(Echo(Request("untraced")).ok());
    HandlerCall c = log_.Calls().back();
    EXPECT_TRUE(c.context_empty);
    EXPECT_FALSE(c.current.IsValid());
    // Same id and the thread's own count of calls carried over: the same thread, not a new one.
    reused_thread = reused_thread || (traced_threads.count(c.thread) > 0 && c.handled_before > 0);
  }
  // Otherwise the checks above proved nothing.
  EXPECT_TRUE(reused_thread);
}

}  // namespace
}  // namespace adot::instrumentation::grpc
