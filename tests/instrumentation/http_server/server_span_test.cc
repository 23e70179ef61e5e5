// ServerSpan with an SDK (in-memory exporter; a manual metric reader for the duration
// histogram), driven directly with RequestInfo values.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "adot/api/propagation/carriers.h"
#include "adot/instrumentation/http_server.h"
#include "instrumentation/http_server/duration_histogram.h"
#include "metrics_fixture.h"
#include "tracing_fixture.h"

// Counts this thread's operator new calls: the no-SDK path must build nothing.
namespace {
thread_local size_t allocations = 0;
}
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
// The replaced operator new allocates with malloc, so free is the matching release (GCC cannot
// tell once the operators are inlined).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace adot::instrumentation::http_server {
namespace {

using api::trace::SpanKind;
using api::trace::StatusCode;
using testing::ExceptionAttr;
using testing::HasAttr;
using testing::IntAttr;
using testing::StrAttr;
using instrumentation::testing::CollectedHistogram;
using instrumentation::testing::ExpectedBoundaries;
using instrumentation::testing::MetricsSdk;
using instrumentation::testing::PointInt;
using instrumentation::testing::PointKeys;
using instrumentation::testing::PointStr;
using instrumentation::testing::PointWith;

constexpr std::string_view kDuration = "http.server.request.duration";

class ServerSpanTest : public testing::TracingTest {
 protected:
  RequestInfo Info(const api::propagation::MapCarrier& headers) {
    RequestInfo info;
    info.method = "GET";
    info.target = "/api/pets/7?color=blue";
    info.route = "/api/pets/:id";
    info.protocol_version = "1.1";
    info.headers = &headers;
    info.peer_address = "10.1.2.3";
    info.peer_port = 50000;
    info.local_address = "10.0.0.5";
    info.local_port = 8080;
    return info;
  }
};

TEST_F(ServerSpanTest, AttributesOfARequest) {
  api::propagation::MapCarrier headers{{"Host", "shop.example:8443"}, {"User-Agent", "ua/1"}};
  ServerSpan span = ServerSpan::Start("test.http", Info(headers));
  EXPECT_TRUE(span.IsRecording());
  span.End(200);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET /api/pets/:id");
  EXPECT_EQ(s.scope().name, "test.http");
  EXPECT_EQ(StrAttr(s, "http.request.method"), "GET");
  EXPECT_FALSE(HasAttr(s, "http.request.method_original"));
  EXPECT_EQ(StrAttr(s, "url.scheme"), "http");
  EXPECT_EQ(StrAttr(s, "url.path"), "/api/pets/7");
  EXPECT_EQ(StrAttr(s, "url.query"), "color=blue");
  EXPECT_EQ(StrAttr(s, "http.route"), "/api/pets/:id");
  EXPECT_EQ(StrAttr(s, "server.address"), "shop.example");
  EXPECT_EQ(IntAttr(s, "server.port"), 8443);
  EXPECT_EQ(StrAttr(s, "client.address"), "10.1.2.3");
  EXPECT_EQ(IntAttr(s, "client.port"), 50000);
  EXPECT_EQ(StrAttr(s, "network.peer.address"), "10.1.2.3");
  EXPECT_EQ(IntAttr(s, "network.peer.port"), 50000);
  EXPECT_EQ(StrAttr(s, "network.protocol.version"), "1.1");
  EXPECT_EQ(StrAttr(s, "user_agent.original"), "ua/1");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 200);
  EXPECT_EQ(s.status_code, StatusCode::kUnset);
  EXPECT_FALSE(HasAttr(s, "error.type"));
  EXPECT_FALSE(s.has_parent());
}

TEST_F(ServerSpanTest, ServerAddressFallsBackToTheLocalEndpoint) {
  api::propagation::MapCarrier headers;
  ServerSpan::Start("t", Info(headers)).End(204);
  auto s = OnlyServerSpan();
  EXPECT_EQ(StrAttr(s, "server.address"), "10.0.0.5");
  EXPECT_EQ(IntAttr(s, "server.port"), 8080);
}

TEST_F(ServerSpanTest, HostWithoutPortTakesTheSchemeDefault) {
  api::propagation::MapCarrier headers{{"Host", "shop.example"}};
  RequestInfo info = Info(headers);
  info.scheme = "https";
  ServerSpan::Start("t", info).End(200);
  auto s = OnlyServerSpan();
  EXPECT_EQ(StrAttr(s, "url.scheme"), "https");
  EXPECT_EQ(IntAttr(s, "server.port"), 443);
}

TEST_F(ServerSpanTest, ForwardedHeadersDescribeTheOriginalRequest) {
  api::propagation::MapCarrier headers{{"Host", "internal:8080"},
                                       {"X-Forwarded-For", "203.0.113.7, 10.0.0.1"},
                                       {"X-Forwarded-Proto", "https"},
                                       {"X-Forwarded-Host", "shop.example"}};
  ServerSpan::Start("t", Info(headers)).End(200);
  auto s = OnlyServerSpan();
  EXPECT_EQ(StrAttr(s, "client.address"), "203.0.113.7");
  EXPECT_FALSE(HasAttr(s, "client.port"));  // the proxy's port is not the client's
  EXPECT_EQ(StrAttr(s, "network.peer.address"), "10.1.2.3");
  EXPECT_EQ(StrAttr(s, "url.scheme"), "https");
  EXPECT_EQ(StrAttr(s, "server.address"), "shop.example");
  EXPECT_EQ(IntAttr(s, "server.port"), 443);
}

TEST_F(ServerSpanTest, ForwardedWinsOverXForwarded) {
  api::propagation::MapCarrier headers{
      {"Forwarded", R"(for="[2001:db8::9]:4711";proto=https;host="a.example:9443", for=10.0.0.1)"},
      {"X-Forwarded-For", "203.0.113.7"}};
  ServerSpan::Start("t", Info(headers)).End(200);
  auto s = OnlyServerSpan();
  EXPECT_EQ(StrAttr(s, "client.address"), "2001:db8::9");
  EXPECT_EQ(IntAttr(s, "client.port"), 4711);
  EXPECT_EQ(StrAttr(s, "url.scheme"), "https");
  EXPECT_EQ(StrAttr(s, "server.address"), "a.example");
  EXPECT_EQ(IntAttr(s, "server.port"), 9443);
}

TEST_F(ServerSpanTest, ForwardedHeadersCanBeIgnored) {
  api::propagation::MapCarrier headers{{"X-Forwarded-For", "203.0.113.7"},
                                       {"X-Forwarded-Proto", "https"}};
  Options options;
  options.use_forwarded_headers = false;
  ServerSpan::Start("t", Info(headers), options).End(200);
  auto s = OnlyServerSpan();
  EXPECT_EQ(StrAttr(s, "client.address"), "10.1.2.3");
  EXPECT_EQ(StrAttr(s, "url.scheme"), "http");
}

TEST_F(ServerSpanTest, AbsoluteFormTargetGivesServerAddress) {
  api::propagation::MapCarrier headers{{"Host", "ignored.example"}};
  RequestInfo info = Info(headers);
  info.target = "http://proxy.example:3128/x?y=1";
  info.route = {};
  ServerSpan::Start("t", info).End(200);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET");
  EXPECT_FALSE(HasAttr(s, "http.route"));
  EXPECT_EQ(StrAttr(s, "server.address"), "proxy.example");
  EXPECT_EQ(IntAttr(s, "server.port"), 3128);
  EXPECT_EQ(StrAttr(s, "url.path"), "/x");
  EXPECT_EQ(StrAttr(s, "url.query"), "y=1");
}

TEST_F(ServerSpanTest, UnknownMethodIsOther) {
  api::propagation::MapCarrier headers;
  RequestInfo info = Info(headers);
  info.method = "PROPFIND";
  ServerSpan::Start("t", info).End(207);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "HTTP /api/pets/:id");
  EXPECT_EQ(StrAttr(s, "http.request.method"), "_OTHER");
  EXPECT_EQ(StrAttr(s, "http.request.method_original"), "PROPFIND");

  Options options;
  options.known_methods = {"GET", "PROPFIND"};
  ServerSpan::Start("t", info, options).End(207);
  s = OnlyServerSpan();
  EXPECT_EQ(s.name, "PROPFIND /api/pets/:id");
  EXPECT_EQ(StrAttr(s, "http.request.method"), "PROPFIND");
  EXPECT_FALSE(HasAttr(s, "http.request.method_original"));
}

TEST_F(ServerSpanTest, QuerySecretsAreRedacted) {
  api::propagation::MapCarrier headers;
  RequestInfo info = Info(headers);
  info.target = "/download?X-Amz-Signature=deadbeef&file=a";
  ServerSpan::Start("t", info).End(200);
  EXPECT_EQ(StrAttr(OnlyServerSpan(), "url.query"), "X-Amz-Signature=REDACTED&file=a");
}

TEST_F(ServerSpanTest, StatusMapping) {
  api::propagation::MapCarrier headers;
  struct Case {
    int code;
    bool error;
  };
  for (Case c : {Case{200, false}, Case{302, false}, Case{404, false}, Case{499, false},
                 Case{500, true}, Case{503, true}, Case{600, true}, Case{42, true}}) {
    ServerSpan::Start("t", Info(headers)).End(c.code);
    auto s = OnlyServerSpan();
    EXPECT_EQ(IntAttr(s, "http.response.status_code"), c.code);
    EXPECT_EQ(s.status_code, c.error ? StatusCode::kError : StatusCode::kUnset) << c.code;
    EXPECT_EQ(StrAttr(s, "error.type"), c.error ? std::to_string(c.code) : "<absent>") << c.code;
  }
}

TEST_F(ServerSpanTest, ExceptionIsRecordedAndMakesTheSpanAnError) {
  api::propagation::MapCarrier headers;
  ServerSpan span = ServerSpan::Start("t", Info(headers));
  try {
    throw std::invalid_argument("bad pet id");
  } catch (...) {
    span.RecordException(std::current_exception());
  }
  span.End(400);  // the application answered 400: still an error, the handler threw
  auto s = OnlyServerSpan();
  EXPECT_EQ(ExceptionAttr(s, "exception.type"), "std::invalid_argument");
  EXPECT_EQ(ExceptionAttr(s, "exception.message"), "bad pet id");
  EXPECT_EQ(s.status_code, StatusCode::kError);
  EXPECT_EQ(s.status_message, "bad pet id");
  EXPECT_EQ(StrAttr(s, "error.type"), "std::invalid_argument");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 400);
}

TEST_F(ServerSpanTest, NonStandardExceptionsAreNamedByType) {
  api::propagation::MapCarrier headers;
  ServerSpan span = ServerSpan::Start("t", Info(headers));
  try {
    throw 42;
  } catch (...) {
    span.RecordException(std::current_exception());
  }
  span.RecordException(std::exception_ptr());  // ignored
  span.End(0);
  auto s = OnlyServerSpan();
  EXPECT_EQ(ExceptionAttr(s, "exception.type"), "int");
  EXPECT_EQ(StrAttr(s, "error.type"), "int");
  EXPECT_FALSE(HasAttr(s, "http.response.status_code"));
}

TEST_F(ServerSpanTest, EndWithError) {
  api::propagation::MapCarrier headers;
  ServerSpan::Start("t", Info(headers)).EndWithError("connection_reset", 200);
  auto s = OnlyServerSpan();
  EXPECT_EQ(StrAttr(s, "error.type"), "connection_reset");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 200);
  EXPECT_EQ(s.status_code, StatusCode::kError);
}

TEST_F(ServerSpanTest, SetRouteRenames) {
  api::propagation::MapCarrier headers;
  RequestInfo info = Info(headers);
  info.route = {};
  ServerSpan span = ServerSpan::Start("t", info);
  span.SetRoute("");  // ignored
  span.SetRoute("/api/pets/{id}");
  span.End(200);
  span.SetRoute("/after/end");  // ignored
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET /api/pets/{id}");
  EXPECT_EQ(StrAttr(s, "http.route"), "/api/pets/{id}");
}

TEST_F(ServerSpanTest, ParentIsExtractedFromTheHeaders) {
  api::propagation::MapCarrier headers{{"traceparent", std::string(testing::kTraceParent)}};
  ServerSpan span = ServerSpan::Start("t", Info(headers));
  {
    auto scope = span.Activate();
    auto child = TestTracer()->StartSpan("child");
    child->End();
  }
  span.End(200);
  auto spans = Spans();
  auto server = OnlyOfKind(spans, SpanKind::kServer);
  auto child = OnlyOfKind(spans, SpanKind::kInternal);
  EXPECT_EQ(server.trace_id.ToHex(), testing::kTraceId);
  EXPECT_EQ(server.parent_span_id.ToHex(), testing::kParentId);
  EXPECT_TRUE(server.parent_is_remote);
  EXPECT_EQ(child.trace_id, server.trace_id);
  EXPECT_EQ(child.parent_span_id, server.span_id);
  EXPECT_FALSE(child.parent_is_remote);
}

TEST_F(ServerSpanTest, XrayHeaderWhenXrayIsConfigured) {
  UseXrayAndTraceContext();
  api::propagation::MapCarrier headers{{"X-Amzn-Trace-Id", std::string(testing::kXrayHeader)}};
  ServerSpan::Start("t", Info(headers)).End(200);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.trace_id.ToHex(), testing::kXrayTraceId);
  EXPECT_EQ(s.parent_span_id.ToHex(), testing::kXrayParentId);
}

TEST_F(ServerSpanTest, FilteredRequestsGetNoSpan) {
  api::propagation::MapCarrier headers;
  Options options;
  options.filter = [](const RequestInfo& info) { return info.target != "/health"; };
  RequestInfo info = Info(headers);
  info.target = "/health";
  ServerSpan span = ServerSpan::Start("t", info, options);
  EXPECT_FALSE(span.IsRecording());
  EXPECT_FALSE(span.span().GetContext().IsValid());
  span.End(200);
  EXPECT_EQ(SpanCount(), 0u);
  info.target = "/other";
  ServerSpan::Start("t", info, options).End(200);
  EXPECT_EQ(SpanCount(), 1u);
}

TEST_F(ServerSpanTest, AThrowingFilterLeavesTheContextAsItWas) {
  api::propagation::MapCarrier headers{{"traceparent", std::string(testing::kTraceParent)}};
  Options options;
  options.filter = [](const RequestInfo&) -> bool { throw std::runtime_error("bad filter"); };
  auto outer = TestTracer()->StartSpan("outer");
  auto outer_scope = api::trace::Tracer::WithActiveSpan(outer);
  ServerSpan span = ServerSpan::Start("t", Info(headers), options);
  {
    auto scope = span.Activate();
    EXPECT_EQ(api::trace::Tracer::GetCurrentSpan().get(), outer.get());
  }
  span.End(200);
  outer->End();
  auto spans = Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "outer");
}

TEST_F(ServerSpanTest, MovedSpanEndsOnceAndDestructionEndsIt) {
  api::propagation::MapCarrier headers;
  {
    ServerSpan a = ServerSpan::Start("t", Info(headers));
    ServerSpan b = std::move(a);
    a.End(200);  // moved-from: nothing
    EXPECT_EQ(SpanCount(), 0u);
    ServerSpan c;
    c = std::move(b);
    EXPECT_FALSE(c.ended());
  }  // c destroyed: ends without a status code
  auto s = OnlyServerSpan();
  EXPECT_FALSE(HasAttr(s, "http.response.status_code"));
  EXPECT_EQ(s.status_code, StatusCode::kUnset);

  // Assigning over an open span ends it first.
  ServerSpan d = ServerSpan::Start("t", Info(headers));
  d = ServerSpan::Start("t", Info(headers));
  EXPECT_EQ(SpanCount(), 1u);
  d.End(200);
  d.End(500);  // already ended: nothing
  auto spans = Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(IntAttr(spans[1], "http.response.status_code"), 200);
}

TEST_F(ServerSpanTest, GarbageRequestsDoNotCrash) {
  api::propagation::MapCarrier headers{{"Host", "[::1"},
                                       {"Forwarded", "for=\"unterminated"},
                                       {"X-Forwarded-For", ""},
                                       {"X-Forwarded-Host", ":::"},
                                       {"traceparent", "00-zz-yy-01"},
                                       {"User-Agent", ""}};
  RequestInfo info;
  info.method = std::string_view("\0\x01", 2);
  info.target = "??##//";
  info.headers = &headers;
  ServerSpan::Start("t", info).End(-5);
  auto s = OnlyServerSpan();
  EXPECT_EQ(StrAttr(s, "http.request.method"), "_OTHER");
  EXPECT_FALSE(s.has_parent());
  EXPECT_FALSE(HasAttr(s, "server.address"));
  EXPECT_FALSE(HasAttr(s, "user_agent.original"));
  EXPECT_FALSE(HasAttr(s, "http.response.status_code"));

  RequestInfo empty;  // no headers at all
  ServerSpan::Start("t", empty).End(200);
  EXPECT_EQ(StrAttr(OnlyServerSpan(), "url.path"), "");
}

TEST_F(ServerSpanTest, WithoutSdkNothingIsRecordedButTheContextPassesThrough) {
  UninstallSdk();
  api::propagation::MapCarrier headers{{"traceparent", std::string(testing::kTraceParent)}};
  ServerSpan span = ServerSpan::Start("t", Info(headers));
  EXPECT_FALSE(span.IsRecording());
  {
    auto scope = span.Activate();
    auto current = api::trace::Tracer::GetCurrentSpan();
    EXPECT_EQ(current->GetContext().trace_id().ToHex(), testing::kTraceId);
    EXPECT_EQ(current->GetContext().span_id().ToHex(), testing::kParentId);
  }
  span.End(500);
  EXPECT_EQ(SpanCount(), 0u);

  // No incoming context: the handler's context stays empty.
  api::propagation::MapCarrier none;
  ServerSpan bare = ServerSpan::Start("t", Info(none));
  EXPECT_TRUE(bare.context().empty());
  bare.End(200);
}

// ---- http.server.request.duration ----

TEST_F(ServerSpanTest, DurationIsRecordedWithTheConventionsAttributesAndBuckets) {
  MetricsSdk metrics;
  api::propagation::MapCarrier headers{{"Host", "shop.example:8443"}, {"User-Agent", "ua/1"}};
  ServerSpan span = ServerSpan::Start("test.http", Info(headers));
  EXPECT_TRUE(span.IsMeasuring());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  span.End(200);
  EXPECT_FALSE(span.IsMeasuring());

  CollectedHistogram h = metrics.Collect(kDuration);
  ASSERT_TRUE(h.found);
  EXPECT_EQ(h.scope_name, "test.http");  // the span's instrumentation scope
  EXPECT_EQ(h.unit, "s");
  EXPECT_EQ(h.description, "Duration of HTTP server requests.");
  ASSERT_EQ(h.points.size(), 1u);
  const auto& p = h.points[0];
  EXPECT_EQ(p.count, 1u);
  EXPECT_GE(p.sum, 0.02);  // seconds, not milliseconds
  EXPECT_LT(p.sum, 10.0);
  EXPECT_EQ(p.boundaries, ExpectedBoundaries());
  // Low-cardinality attributes only: no path, query, addresses or user agent.
  EXPECT_EQ(PointKeys(p),
            "http.request.method,http.response.status_code,http.route,network.protocol.version,"
            "url.scheme");
  EXPECT_EQ(PointStr(p, "http.request.method"), "GET");
  EXPECT_EQ(PointInt(p, "http.response.status_code"), 200);
  EXPECT_EQ(PointStr(p, "http.route"), "/api/pets/:id");
  EXPECT_EQ(PointStr(p, "network.protocol.version"), "1.1");
  EXPECT_EQ(PointStr(p, "url.scheme"), "http");
  // The exemplar (trace-based filter: the request's span is sampled) points at the server span.
  auto s = OnlyServerSpan();
  ASSERT_FALSE(p.exemplars.empty());
  EXPECT_EQ(p.exemplars[0].span_id, s.span_id);
}

TEST_F(ServerSpanTest, DurationCarriesErrorTypeAndTheLateRoute) {
  MetricsSdk metrics;
  api::propagation::MapCarrier headers{{"X-Forwarded-Proto", "https"}};
  RequestInfo info = Info(headers);
  info.route = {};
  {
    ServerSpan span = ServerSpan::Start("t", info);
    span.SetRoute("/late/:id");
    span.End(503);
  }
  {
    ServerSpan span = ServerSpan::Start("t", info);
    span.RecordException(std::runtime_error("boom"));
    span.End(500);
  }
  ServerSpan::Start("t", info).EndWithError("timeout");
  ServerSpan::Start("t", info).End(404);  // a client error: no error.type
  RequestInfo other = info;
  other.method = "PURGE";
  ServerSpan::Start("t", other).End(200);

  CollectedHistogram h = metrics.Collect(kDuration);
  ASSERT_EQ(h.points.size(), 5u);
  const auto* unavailable = PointWith(h, "error.type", "503");
  ASSERT_NE(unavailable, nullptr);
  EXPECT_EQ(PointInt(*unavailable, "http.response.status_code"), 503);
  EXPECT_EQ(PointStr(*unavailable, "http.route"), "/late/:id");
  EXPECT_EQ(PointStr(*unavailable, "url.scheme"), "https");
  const auto* thrown = PointWith(h, "error.type", "std::runtime_error");
  ASSERT_NE(thrown, nullptr);
  EXPECT_EQ(PointInt(*thrown, "http.response.status_code"), 500);
  EXPECT_EQ(PointStr(*thrown, "http.route"), "<absent>");
  const auto* timeout = PointWith(h, "error.type", "timeout");
  ASSERT_NE(timeout, nullptr);
  EXPECT_EQ(PointInt(*timeout, "http.response.status_code"), -1);  // no response
  const auto* not_found = PointWith(h, "http.response.status_code", 404);
  ASSERT_NE(not_found, nullptr);
  EXPECT_EQ(PointStr(*not_found, "error.type"), "<absent>");
  const auto* other_method = PointWith(h, "http.request.method", "_OTHER");
  ASSERT_NE(other_method, nullptr);
  EXPECT_EQ(other_method->count, 1u);
  for (const auto& p : h.points) EXPECT_EQ(p.count, 1u);
}

TEST_F(ServerSpanTest, MetricsWithoutTheTracingSdk) {
  UninstallSdk();
  MetricsSdk metrics;
  api::propagation::MapCarrier headers;
  RequestInfo info = Info(headers);
  info.route = {};
  ServerSpan span = ServerSpan::Start("t", info);
  EXPECT_FALSE(span.IsRecording());
  EXPECT_TRUE(span.IsMeasuring());
  span.SetRoute("/api/pets/:id");
  span.RecordException(std::logic_error("bad"));
  span.End(500);
  EXPECT_EQ(SpanCount(), 0u);
  CollectedHistogram h = metrics.Collect(kDuration);
  ASSERT_EQ(h.points.size(), 1u);
  EXPECT_EQ(PointStr(h.points[0], "http.route"), "/api/pets/:id");
  EXPECT_EQ(PointStr(h.points[0], "error.type"), "std::logic_error");
  EXPECT_TRUE(h.points[0].exemplars.empty() || !h.points[0].exemplars[0].span_id.IsValid());
}

TEST_F(ServerSpanTest, AMeterProviderInstalledLaterIsPickedUp) {
  api::propagation::MapCarrier headers;
  // No meter provider yet: nothing measured, the span is still recorded.
  ServerSpan early = ServerSpan::Start("t", Info(headers));
  EXPECT_TRUE(early.IsRecording());
  EXPECT_FALSE(early.IsMeasuring());
  early.End(200);
  {
    MetricsSdk first;
    ServerSpan::Start("t", Info(headers)).End(200);
    ServerSpan::Start("t", Info(headers)).End(200);
    CollectedHistogram h = first.Collect(kDuration);
    ASSERT_EQ(h.points.size(), 1u);
    EXPECT_EQ(h.points[0].count, 2u);
  }
  {
    // Another provider replaces it: its own instrument, from the next request on.
    MetricsSdk second;
    ServerSpan::Start("t", Info(headers)).End(201);
    CollectedHistogram h = second.Collect(kDuration);
    ASSERT_EQ(h.points.size(), 1u);
    EXPECT_EQ(h.points[0].count, 1u);
    EXPECT_EQ(PointInt(h.points[0], "http.response.status_code"), 201);
  }
  // Removed again: nothing measured.
  ServerSpan late = ServerSpan::Start("t", Info(headers));
  EXPECT_FALSE(late.IsMeasuring());
  late.End(200);
}

TEST_F(ServerSpanTest, FilteredRequestsAreNotMeasured) {
  MetricsSdk metrics;
  api::propagation::MapCarrier headers;
  Options options;
  options.filter = [](const RequestInfo& info) { return info.target != "/health"; };
  RequestInfo info = Info(headers);
  info.target = "/health";
  ServerSpan span = ServerSpan::Start("t", info, options);
  EXPECT_FALSE(span.IsMeasuring());
  span.End(200);
  EXPECT_TRUE(metrics.Collect(kDuration).points.empty());
}

// The instrument cache both instrumentations use.
TEST(DurationHistogramTest, FollowsTheGlobalMeterProvider) {
  http_metrics::DurationHistogram duration("scope", "1.0", "test.duration", "A test.");
  EXPECT_EQ(duration.Get(), nullptr);  // the API's no-op provider: nothing to record into
  std::shared_ptr<api::metrics::Histogram<double>> first_instrument;
  {
    MetricsSdk first;
    first_instrument = duration.Get();
    ASSERT_NE(first_instrument, nullptr);
    EXPECT_EQ(duration.Get(), first_instrument);  // cached
    first_instrument->Record(0.3);
    CollectedHistogram h = first.Collect("test.duration");
    ASSERT_EQ(h.points.size(), 1u);
    EXPECT_EQ(h.scope_name, "scope");
    EXPECT_EQ(h.unit, "s");
    EXPECT_EQ(h.points[0].boundaries, ExpectedBoundaries());
  }
  MetricsSdk second;
  auto second_instrument = duration.Get();
  ASSERT_NE(second_instrument, nullptr);
  EXPECT_NE(second_instrument, first_instrument);  // created again from the new provider
  second_instrument->Record(0.1);
  EXPECT_EQ(second.Collect("test.duration").points.size(), 1u);
  api::metrics::SetMeterProvider(nullptr);
  EXPECT_EQ(duration.Get(), nullptr);
}

TEST_F(ServerSpanTest, WithoutAnySdkNothingIsBuilt) {
  UninstallSdk();  // the no-op tracer provider; the meter provider is the no-op one too
  api::propagation::MapCarrier headers{{"Host", "shop.example"}, {"User-Agent", "ua/1"}};
  RequestInfo info = Info(headers);
  info.route = "/api/adoptionlist/";  // longer than a short-string buffer: copying it allocates
  ServerSpan::Start("t", info).End(200);  // first use on this thread: one-time set-up
  const size_t before = allocations;
  {
    ServerSpan span = ServerSpan::Start("t", info);
    EXPECT_FALSE(span.IsRecording());
    EXPECT_FALSE(span.IsMeasuring());
    auto scope = span.Activate();
    span.SetRoute("/api/adoptionlist/{id}");
    span.End(200);
  }
  // No span name, attribute, measurement or context was built: not one allocation.
  EXPECT_EQ(allocations - before, 0u);

  // The same request with a meter provider does build its measurement (the counter works).
  MetricsSdk metrics;
  const size_t with_sdk = allocations;
  ServerSpan::Start("t", info).End(200);
  EXPECT_GT(allocations - with_sdk, 0u);
}

}  // namespace
}  // namespace adot::instrumentation::http_server
