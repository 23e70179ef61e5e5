// The libcurl instrumentation against a real HTTP server on 127.0.0.1, with the SDK's in-memory
// exporter and a manual metric reader (or no SDK at all).
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adot/api/propagation/text_map.h"
#include "adot/api/trace.h"
#include "adot/instrumentation/curl.h"
#include "adot/sdk/propagation/trace_context.h"
#include "adot/sdk/propagation/xray.h"
#include "adot/sdk/trace/in_memory_exporter.h"
#include "adot/sdk/trace/sampler.h"
#include "adot/sdk/trace/tracer_provider.h"
#include "instrumentation/curl/curl_semantics.h"
#include "instrumentation/http_server/metrics_fixture.h"
#include "support/http_test_server.h"
#include "support/span_test_util.h"

// Counts this thread's operator new calls: the no-SDK path must build nothing. (libcurl itself
// allocates with malloc, which is not counted.)
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

namespace adot::instrumentation::curl {
namespace {

using instrumentation::testing::CollectedHistogram;
using instrumentation::testing::ExpectedBoundaries;
using instrumentation::testing::MetricsSdk;
using instrumentation::testing::PointInt;
using instrumentation::testing::PointKeys;
using instrumentation::testing::PointStr;
using instrumentation::testing::PointWith;

constexpr std::string_view kDuration = "http.client.request.duration";

using api::trace::SpanKind;
using api::trace::StatusCode;
using sdk::trace::SpanData;
using test::HttpTestServer;
using test::RecordedRequest;
using test::TestResponse;

class CurlGlobal : public ::testing::Environment {
 public:
  void SetUp() override { curl_global_init(CURL_GLOBAL_DEFAULT); }
  void TearDown() override { curl_global_cleanup(); }
};
[[maybe_unused]] auto* const curl_global = ::testing::AddGlobalTestEnvironment(new CurlGlobal);

size_t Collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// An easy handle that writes the response body into body and never outlives the test.
struct Easy {
  explicit Easy(const std::string& url) {
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, 10000L);
  }
  ~Easy() { curl_easy_cleanup(handle); }
  Easy(const Easy&) = delete;
  Easy& operator=(const Easy&) = delete;
  CURL* handle = curl_easy_init();
  std::string body;
};

struct Headers {
  Headers(std::initializer_list<const char*> lines) {
    for (const char* line : lines) list = curl_slist_append(list, line);
  }
  ~Headers() { curl_slist_free_all(list); }
  Headers(const Headers&) = delete;
  Headers& operator=(const Headers&) = delete;
  curl_slist* list = nullptr;
};

using adot::test::FindAttr;
using adot::test::IntAttr;
using adot::test::StrAttr;

std::string TraceParentOf(const SpanData& span) {
  char flags[3];
  std::snprintf(flags, sizeof(flags), "%02x", span.flags.bits());
  EXPECT_TRUE(span.flags.IsSampled());
  return "00-" + span.trace_id.ToHex() + "-" + span.span_id.ToHex() + "-" + flags;
}

class CurlInstrumentationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sdk::trace::TracerProviderOptions options;
    options.processors.push_back(sdk::trace::CreateSimpleSpanProcessor(
        std::make_unique<sdk::trace::InMemorySpanExporter>(store_)));
    provider_ = std::make_shared<sdk::trace::TracerProvider>(std::move(options));
    api::trace::SetTracerProvider(provider_);
    api::propagation::SetGlobalPropagator(
        std::make_shared<sdk::propagation::TraceContextPropagator>());
  }
  void TearDown() override {
    api::trace::SetTracerProvider(nullptr);
    api::propagation::SetGlobalPropagator(nullptr);
    provider_->Shutdown();
    EXPECT_EQ(OpenTransfers(), 0u);
  }

  std::vector<SpanData> Spans() { return store_->Take(); }
  SpanData OnlySpan() {
    auto spans = Spans();
    EXPECT_EQ(spans.size(), 1u);
    return spans.empty() ? SpanData() : spans[0];
  }

  // Runs every transfer of multi to its end; InfoRead ends the spans, RemoveHandle detaches.
  std::map<CURL*, CURLcode> RunMulti(CURLM* multi) {
    std::map<CURL*, CURLcode> results;
    size_t ended = store_->size();
    int running = 1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (running && std::chrono::steady_clock::now() < deadline) {
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* m = InfoRead(multi, &left)) {
        if (m->msg != CURLMSG_DONE) continue;
        CURL* easy = m->easy_handle;
        results[easy] = m->data.result;
        // InfoRead itself ended the span, with the transfer's result.
        EXPECT_EQ(store_->size(), ++ended);
        EXPECT_EQ(RemoveHandle(multi, easy), CURLM_OK);
      }
      if (running) curl_multi_poll(multi, nullptr, 0, 50, nullptr);
    }
    return results;
  }

  std::shared_ptr<sdk::trace::InMemorySpanStore> store_ =
      std::make_shared<sdk::trace::InMemorySpanStore>();
  std::shared_ptr<sdk::trace::TracerProvider> provider_;
  HttpTestServer server_;
};

TEST_F(CurlInstrumentationTest, GetRecordsClientSpanAndInjectsTraceParent) {
  server_.Enqueue(TestResponse::Status(200, "hello"));
  auto tracer = api::trace::GetTracerProvider()->GetTracer("test");
  auto parent = tracer->StartSpan("parent");
  Easy easy(server_.Url("/items?x=1"));
  {
    auto scope = api::trace::Tracer::WithActiveSpan(parent);
    ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  }
  parent->End();
  EXPECT_EQ(easy.body, "hello");

  auto spans = Spans();
  ASSERT_EQ(spans.size(), 2u);
  const SpanData& s = spans[0];  // the client span ends first
  EXPECT_EQ(s.name, "GET");
  EXPECT_EQ(s.kind, SpanKind::kClient);
  EXPECT_EQ(s.scope().name, kInstrumentationName);
  EXPECT_EQ(s.trace_id, spans[1].trace_id);
  EXPECT_EQ(s.parent_span_id, spans[1].span_id);
  EXPECT_EQ(StrAttr(s, "http.request.method"), "GET");
  EXPECT_EQ(StrAttr(s, "url.full"), server_.Url("/items?x=1"));
  EXPECT_EQ(StrAttr(s, "server.address"), "127.0.0.1");
  EXPECT_EQ(IntAttr(s, "server.port"), server_.port());
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 200);
  EXPECT_EQ(StrAttr(s, "network.protocol.version"), "1.1");
  EXPECT_EQ(StrAttr(s, "network.peer.address"), "127.0.0.1");
  EXPECT_EQ(IntAttr(s, "network.peer.port"), server_.port());
  EXPECT_EQ(FindAttr(s, "error.type"), nullptr);
  EXPECT_EQ(FindAttr(s, "rpc.system"), nullptr);
  EXPECT_EQ(FindAttr(s, "http.request.resend_count"), nullptr);
  EXPECT_EQ(s.status_code, StatusCode::kUnset);
  EXPECT_LE(s.start_time_unix_nano, s.end_time_unix_nano);

  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("traceparent"), TraceParentOf(s));
}

TEST_F(CurlInstrumentationTest, HttpErrorStatusesMarkTheSpan) {
  for (int status : {404, 500}) {
    server_.Enqueue(TestResponse::Status(status));
    Easy easy(server_.Url("/missing"));
    ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
    SpanData s = OnlySpan();
    EXPECT_EQ(IntAttr(s, "http.response.status_code"), status);
    EXPECT_EQ(StrAttr(s, "error.type"), std::to_string(status));
    EXPECT_EQ(s.status_code, StatusCode::kError);
    EXPECT_EQ(s.status_message, "");
  }
  // With CURLOPT_FAILONERROR libcurl reports CURLE_HTTP_RETURNED_ERROR: the status still names it.
  server_.Enqueue(TestResponse::Status(503));
  Easy easy(server_.Url("/busy"));
  curl_easy_setopt(easy.handle, CURLOPT_FAILONERROR, 1L);
  EXPECT_EQ(Perform(easy.handle, nullptr), CURLE_HTTP_RETURNED_ERROR);
  SpanData s = OnlySpan();
  EXPECT_EQ(StrAttr(s, "error.type"), "503");
  EXPECT_EQ(s.status_code, StatusCode::kError);
  // 3xx and 2xx are not errors for a client.
  server_.Enqueue(TestResponse::Status(304));
  Easy easy2(server_.Url("/cached"));
  EXPECT_EQ(Perform(easy2.handle, nullptr), CURLE_OK);
  s = OnlySpan();
  EXPECT_EQ(FindAttr(s, "error.type"), nullptr);
  EXPECT_EQ(s.status_code, StatusCode::kUnset);
}

TEST_F(CurlInstrumentationTest, TransportErrorsUseTheCurlErrorName) {
  test::ClosedPort closed;
  Easy easy(closed.Url("/x"));
  EXPECT_EQ(Perform(easy.handle, nullptr), CURLE_COULDNT_CONNECT);
  SpanData s = OnlySpan();
  EXPECT_EQ(s.name, "GET");
  EXPECT_EQ(StrAttr(s, "error.type"), "CURLE_COULDNT_CONNECT");
  EXPECT_EQ(s.status_code, StatusCode::kError);
  EXPECT_EQ(s.status_message, curl_easy_strerror(CURLE_COULDNT_CONNECT));
  EXPECT_EQ(FindAttr(s, "http.response.status_code"), nullptr);
  EXPECT_EQ(IntAttr(s, "server.port"), closed.port());

  // A server that never answers: a timeout.
  server_.SetStall(true);
  Easy slow(server_.Url("/slow"));
  curl_easy_setopt(slow.handle, CURLOPT_TIMEOUT_MS, 300L);
  EXPECT_EQ(Perform(slow.handle, nullptr), CURLE_OPERATION_TIMEDOUT);
  s = OnlySpan();
  EXPECT_EQ(StrAttr(s, "error.type"), "CURLE_OPERATION_TIMEDOUT");
  EXPECT_EQ(s.status_code, StatusCode::kError);
  server_.SetStall(false);
}

TEST_F(CurlInstrumentationTest, CredentialsAndSecretsAreRedacted) {
  std::string url = "http://alice:s3cret@127.0.0.1:" + std::to_string(server_.port()) +
                    "/p?sig=abc&page=2";
  Easy easy(url);
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  SpanData s = OnlySpan();
  EXPECT_EQ(StrAttr(s, "url.full"), "http://REDACTED:REDACTED@127.0.0.1:" +
                                    std::to_string(server_.port()) + "/p?sig=REDACTED&page=2");
  for (const auto& kv : s.attributes) {
    if (const auto* v = std::get_if<std::string>(&kv.value)) {
      EXPECT_EQ(v->find("s3cret"), std::string::npos) << kv.key;
      EXPECT_EQ(v->find("alice"), std::string::npos) << kv.key;
    }
  }
  // The request itself is unchanged: libcurl still sent the credentials.
  EXPECT_EQ(server_.Requests().at(0).Header("Authorization").substr(0, 6), "Basic ");
}

TEST_F(CurlInstrumentationTest, ApplicationHeadersAreMergedAndRestored) {
  Headers headers({"X-Custom: one", "Accept: application/json",
                   "TraceParent: 00-11111111111111111111111111111111-2222222222222222-01"});
  Easy easy(server_.Url("/merge"));
  curl_easy_setopt(easy.handle, CURLOPT_HTTPHEADER, headers.list);
  ASSERT_EQ(Perform(easy.handle, headers.list), CURLE_OK);
  SpanData s = OnlySpan();

  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("X-Custom"), "one");
  EXPECT_EQ(requests[0].Header("Accept"), "application/json");
  int traceparents = 0;
  for (const auto& [name, value] : requests[0].headers)
    traceparents += internal::EqualsIgnoreCase(name, "traceparent");
  EXPECT_EQ(traceparents, 1);  // the application's stale one is replaced by ours
  EXPECT_EQ(requests[0].Header("traceparent"), TraceParentOf(s));

  // The application's list is untouched, and the handle is back on it: a plain
  // curl_easy_perform now sends the application's headers only.
  int entries = 0;
  for (curl_slist* h = headers.list; h; h = h->next) ++entries;
  EXPECT_EQ(entries, 3);
  server_.ClearRequests();
  ASSERT_EQ(curl_easy_perform(easy.handle), CURLE_OK);
  requests = server_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("X-Custom"), "one");
  EXPECT_EQ(requests[0].Header("traceparent"),
            "00-11111111111111111111111111111111-2222222222222222-01");
}

TEST_F(CurlInstrumentationTest, HandleReusedForSeveralRequests) {
  Easy easy(server_.Url("/first"));
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);

  curl_easy_setopt(easy.handle, CURLOPT_URL, server_.Url("/second").c_str());
  curl_easy_setopt(easy.handle, CURLOPT_POSTFIELDS, "a=1");
  Headers form({"Content-Type: application/x-www-form-urlencoded"});
  ASSERT_EQ(Perform(easy.handle, form.list), CURLE_OK);

  server_.Enqueue(TestResponse::Status(404));
  curl_easy_setopt(easy.handle, CURLOPT_URL, server_.Url("/third").c_str());
  curl_easy_setopt(easy.handle, CURLOPT_CUSTOMREQUEST, "PURGE");
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);

  curl_easy_setopt(easy.handle, CURLOPT_CUSTOMREQUEST, nullptr);
  curl_easy_setopt(easy.handle, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(easy.handle, CURLOPT_URL, server_.Url("/fourth").c_str());
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);

  auto spans = Spans();
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[0].name, "GET");
  EXPECT_EQ(StrAttr(spans[0], "url.full"), server_.Url("/first"));
  EXPECT_EQ(spans[1].name, "POST");
  EXPECT_EQ(StrAttr(spans[1], "http.request.method"), "POST");
  EXPECT_EQ(StrAttr(spans[1], "url.full"), server_.Url("/second"));
  EXPECT_EQ(FindAttr(spans[1], "error.type"), nullptr);
  EXPECT_EQ(spans[2].name, "HTTP");
  EXPECT_EQ(StrAttr(spans[2], "http.request.method"), "_OTHER");
  EXPECT_EQ(StrAttr(spans[2], "http.request.method_original"), "PURGE");
  EXPECT_EQ(StrAttr(spans[2], "error.type"), "404");
  EXPECT_EQ(spans[3].name, "HEAD");

  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 4u);
  std::set<std::string> span_ids;
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(requests[i].Header("traceparent"), TraceParentOf(spans[i])) << i;
    span_ids.insert(spans[i].span_id.ToHex());
  }
  EXPECT_EQ(span_ids.size(), 4u);
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].Header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(requests[1].body, "a=1");
  EXPECT_EQ(requests[2].method, "PURGE");
  EXPECT_FALSE(requests[3].HasHeader("Content-Type"));  // the form header was not left behind
}

TEST_F(CurlInstrumentationTest, MultiHandleGivesEachConcurrentTransferItsOwnSpan) {
  // Every response waits, so the transfers overlap.
  server_.SetDefaultResponse(TestResponse::Status(200, "ok").WithDelay(std::chrono::milliseconds(150)));
  CURLM* multi = curl_multi_init();
  std::vector<std::unique_ptr<Easy>> easies;
  Headers headers({"X-Batch: 7"});
  auto tracer = api::trace::GetTracerProvider()->GetTracer("test");
  auto parent = tracer->StartSpan("batch");
  {
    auto scope = api::trace::Tracer::WithActiveSpan(parent);
    for (const char* path : {"/a", "/b", "/c"}) {
      easies.push_back(std::make_unique<Easy>(server_.Url(path)));
      ASSERT_EQ(AddHandle(multi, easies.back()->handle, headers.list), CURLM_OK);
    }
  }
  // And one that cannot connect.
  test::ClosedPort closed;
  Easy refused(closed.Url("/refused"));
  ASSERT_EQ(AddHandle(multi, refused.handle, headers.list), CURLM_OK);
  EXPECT_EQ(OpenTransfers(), 4u);
  auto results = RunMulti(multi);
  parent->End();
  EXPECT_EQ(OpenTransfers(), 0u);
  ASSERT_EQ(results.size(), 4u);
  for (const auto& [easy, result] : results)
    EXPECT_EQ(result, easy == refused.handle ? CURLE_COULDNT_CONNECT : CURLE_OK);
  curl_multi_cleanup(multi);

  auto spans = Spans();
  ASSERT_EQ(spans.size(), 5u);
  std::map<std::string, SpanData> by_url;
  for (const SpanData& s : spans) {
    if (s.name == "batch") continue;
    if (StrAttr(s, "url.full") == closed.Url("/refused")) {
      EXPECT_EQ(StrAttr(s, "error.type"), "CURLE_COULDNT_CONNECT");
      EXPECT_EQ(s.status_code, StatusCode::kError);
      continue;
    }
    by_url[StrAttr(s, "url.full")] = s;
  }
  ASSERT_EQ(by_url.size(), 3u);
  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  std::set<std::string> span_ids;
  for (const RecordedRequest& r : requests) {
    ASSERT_TRUE(by_url.count(server_.Url(r.target))) << r.target;
    const SpanData& s = by_url[server_.Url(r.target)];
    EXPECT_EQ(s.name, "GET");
    EXPECT_EQ(s.parent_span_id, parent->GetContext().span_id());
    EXPECT_EQ(IntAttr(s, "http.response.status_code"), 200);
    EXPECT_EQ(r.Header("traceparent"), TraceParentOf(s));
    EXPECT_EQ(r.Header("X-Batch"), "7");
    span_ids.insert(s.span_id.ToHex());
  }
  EXPECT_EQ(span_ids.size(), 3u);
  // The transfers ran at the same time: each span covers the others' start.
  for (const auto& [u1, a] : by_url)
    for (const auto& [u2, b] : by_url)
      EXPECT_LT(a.start_time_unix_nano, b.end_time_unix_nano) << u1 << " " << u2;
}

TEST_F(CurlInstrumentationTest, MultiTransferRemovedBeforeItCompletes) {
  server_.SetStall(true);
  CURLM* multi = curl_multi_init();
  Easy easy(server_.Url("/never"));
  Headers headers({"X-Keep: yes"});
  ASSERT_EQ(AddHandle(multi, easy.handle, headers.list), CURLM_OK);
  int running = 1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server_.RequestCount() == 0 && std::chrono::steady_clock::now() < deadline) {
    curl_multi_perform(multi, &running);
    curl_multi_poll(multi, nullptr, 0, 20, nullptr);
  }
  ASSERT_EQ(server_.RequestCount(), 1u);
  EXPECT_EQ(OpenTransfers(), 1u);
  EXPECT_EQ(RemoveHandle(multi, easy.handle), CURLM_OK);
  EXPECT_EQ(OpenTransfers(), 0u);
  curl_multi_cleanup(multi);
  SpanData s = OnlySpan();
  EXPECT_EQ(StrAttr(s, "error.type"), "canceled");
  EXPECT_EQ(s.status_code, StatusCode::kError);
  EXPECT_EQ(StrAttr(s, "url.full"), server_.Url("/never"));
  EXPECT_EQ(server_.Requests().at(0).Header("traceparent"), TraceParentOf(s));
  server_.SetStall(false);
}

TEST_F(CurlInstrumentationTest, MultiMessagesReadByTheApplicationThenDone) {
  CURLM* multi = curl_multi_init();
  Easy easy(server_.Url("/manual"));
  ASSERT_EQ(AddHandle(multi, easy.handle, nullptr), CURLM_OK);
  int running = 1;
  bool done = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg == CURLMSG_DONE) {
        CURL* e = m->easy_handle;
        Done(e, m->data.result);
        curl_multi_remove_handle(multi, e);
        done = true;
      }
    }
    if (!done) curl_multi_poll(multi, nullptr, 0, 20, nullptr);
  }
  ASSERT_TRUE(done);
  curl_multi_cleanup(multi);
  SpanData s = OnlySpan();
  EXPECT_EQ(s.name, "GET");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 200);
  EXPECT_EQ(FindAttr(s, "error.type"), nullptr);
}

TEST_F(CurlInstrumentationTest, RefusedAddLeavesTheRunningTransferAlone) {
  server_.SetDefaultResponse(TestResponse::Status(200).WithDelay(std::chrono::milliseconds(100)));
  CURLM* multi = curl_multi_init();
  Easy easy(server_.Url("/once"));
  ASSERT_EQ(AddHandle(multi, easy.handle, nullptr), CURLM_OK);
  EXPECT_EQ(AddHandle(multi, easy.handle, nullptr), CURLM_ADDED_ALREADY);
  auto refused = Spans();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(StrAttr(refused[0], "error.type"), "CURLM_ADDED_ALREADY");
  EXPECT_EQ(refused[0].status_code, StatusCode::kError);

  auto results = RunMulti(multi);
  curl_multi_cleanup(multi);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results.begin()->second, CURLE_OK);
  SpanData s = OnlySpan();
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 200);
  EXPECT_EQ(server_.Requests().at(0).Header("traceparent"), TraceParentOf(s));
}

TEST_F(CurlInstrumentationTest, TransferNeverReportedEndsWhenTheHandleIsReused) {
  CURLM* multi = curl_multi_init();
  Easy easy(server_.Url("/forgotten"));
  ASSERT_EQ(AddHandle(multi, easy.handle, nullptr), CURLM_OK);
  int running = 1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (running && std::chrono::steady_clock::now() < deadline) {
    curl_multi_perform(multi, &running);
    if (running) curl_multi_poll(multi, nullptr, 0, 20, nullptr);
  }
  curl_multi_remove_handle(multi, easy.handle);  // not through the instrumentation
  curl_multi_cleanup(multi);
  EXPECT_EQ(OpenTransfers(), 1u);
  EXPECT_EQ(store_->size(), 0u);

  curl_easy_setopt(easy.handle, CURLOPT_URL, server_.Url("/next").c_str());
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  EXPECT_EQ(OpenTransfers(), 0u);
  auto spans = Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].name, "HTTP");  // the forgotten one: ended with nothing read from the handle
  EXPECT_EQ(spans[1].name, "GET");
  EXPECT_EQ(StrAttr(spans[1], "url.full"), server_.Url("/next"));
  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("traceparent"), TraceParentOf(spans[0]));
  EXPECT_EQ(requests[1].Header("traceparent"), TraceParentOf(spans[1]));
}

TEST_F(CurlInstrumentationTest, CleanupEndsAnOpenTransfer) {
  CURLM* multi = curl_multi_init();
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, server_.Url("/c").c_str());
  ASSERT_EQ(AddHandle(multi, easy, nullptr), CURLM_OK);
  Cleanup(easy);  // removes it from the multi handle too
  EXPECT_EQ(OpenTransfers(), 0u);
  curl_multi_cleanup(multi);
  SpanData s = OnlySpan();
  EXPECT_EQ(StrAttr(s, "error.type"), "canceled");
}

TEST_F(CurlInstrumentationTest, AwsJsonProtocolCallIsRecognised) {
  api::propagation::SetGlobalPropagator(std::make_shared<api::propagation::CompositePropagator>(
      std::vector<std::shared_ptr<api::propagation::TextMapPropagator>>{
          std::make_shared<sdk::propagation::TraceContextPropagator>(),
          std::make_shared<sdk::propagation::XrayPropagator>()}));
  server_.Enqueue(TestResponse::Status(200, "{\"Item\":{}}")
                      .WithHeader("x-amzn-RequestId", "6XZJ3BEJ9Q5S7K1N8ABCDEFGHVV4KQNSO5AEMVJF66Q9ASUAAJG")
                      .WithHeader("Content-Type", "application/x-amz-json-1.0"));
  const char* auth =
      "Authorization: AWS4-HMAC-SHA256 "
      "Credential=AKIDEXAMPLE/20240101/us-west-2/dynamodb/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
  Headers headers({"Content-Type: application/x-amz-json-1.0",
                   "X-Amz-Target: DynamoDB_20120810.GetItem", "X-Amz-Date: 20240101T000000Z",
                   "amz-sdk-invocation-id: 3c1e1a3e-0000-4000-8000-000000000000",
                   "amz-sdk-request: attempt=2; max=3", auth});
  Easy easy(server_.Url("/"));
  const char* body = "{\"TableName\":\"Music\",\"Key\":{\"Artist\":{\"S\":\"No One\"}}}";
  curl_easy_setopt(easy.handle, CURLOPT_POSTFIELDS, body);
  ASSERT_EQ(Perform(easy.handle, headers.list), CURLE_OK);

  SpanData s = OnlySpan();
  EXPECT_EQ(s.name, "DynamoDB.GetItem");
  EXPECT_EQ(s.kind, SpanKind::kClient);
  EXPECT_EQ(StrAttr(s, "rpc.system"), "aws-api");
  EXPECT_EQ(StrAttr(s, "rpc.service"), "DynamoDB");
  EXPECT_EQ(StrAttr(s, "rpc.method"), "GetItem");
  EXPECT_EQ(StrAttr(s, "cloud.region"), "us-west-2");
  EXPECT_EQ(StrAttr(s, "aws.region"), "us-west-2");
  EXPECT_EQ(StrAttr(s, "aws.request_id"), "6XZJ3BEJ9Q5S7K1N8ABCDEFGHVV4KQNSO5AEMVJF66Q9ASUAAJG");
  EXPECT_EQ(StrAttr(s, "http.request.method"), "POST");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 200);
  EXPECT_EQ(IntAttr(s, "http.request.resend_count"), 1);  // attempt=2

  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const RecordedRequest& r = requests[0];
  EXPECT_EQ(r.Header("Authorization"), std::string(auth).substr(15));  // the signature is untouched
  EXPECT_EQ(r.Header("X-Amz-Target"), "DynamoDB_20120810.GetItem");
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(r.Header("traceparent"), TraceParentOf(s));
  std::string xray(r.Header("X-Amzn-Trace-Id"));
  std::string hex = s.trace_id.ToHex();
  EXPECT_EQ(xray, "Root=1-" + hex.substr(0, 8) + "-" + hex.substr(8) + ";Parent=" +
                      s.span_id.ToHex() + ";Sampled=1");
}

TEST_F(CurlInstrumentationTest, HeadersCoveredBySigV4SignatureAreNotChanged) {
  api::propagation::SetGlobalPropagator(std::make_shared<api::propagation::CompositePropagator>(
      std::vector<std::shared_ptr<api::propagation::TextMapPropagator>>{
          std::make_shared<sdk::propagation::TraceContextPropagator>(),
          std::make_shared<sdk::propagation::XrayPropagator>()}));
  const char* signed_trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  std::string trace_header = std::string("X-Amzn-Trace-Id: ") + signed_trace_id;
  Headers headers({"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/"
                   "aws4_request, SignedHeaders=host;x-amz-date;x-amzn-trace-id, Signature=00ff",
                   trace_header.c_str()});
  Easy easy(server_.Url("/2015-03-31/functions/f/invocations"));
  curl_easy_setopt(easy.handle, CURLOPT_POSTFIELDS, "{}");
  ASSERT_EQ(Perform(easy.handle, headers.list), CURLE_OK);
  SpanData s = OnlySpan();
  EXPECT_EQ(StrAttr(s, "rpc.service"), "Lambda");
  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  int xray_headers = 0;
  for (const auto& [name, value] : requests[0].headers)
    xray_headers += internal::EqualsIgnoreCase(name, "X-Amzn-Trace-Id");
  EXPECT_EQ(xray_headers, 1);
  EXPECT_EQ(requests[0].Header("X-Amzn-Trace-Id"), signed_trace_id);  // signed: kept as it was
  EXPECT_EQ(requests[0].Header("traceparent"), TraceParentOf(s));     // unsigned: ours
}

TEST_F(CurlInstrumentationTest, AwsQueryProtocolAndRestCallsAreRecognised) {
  // SQS query protocol: the operation is in the form body, given through Request::body.
  server_.Enqueue(TestResponse::Status(400).WithHeader("x-amzn-RequestId", "req-sqs-1"));
  Headers sqs({"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
               "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, "
               "SignedHeaders=host;x-amz-date, Signature=00ff"});
  std::string form = "Action=SendMessage&Version=2012-11-05&MessageBody=hi";
  Easy easy(server_.Url("/123456789012/my-queue"));
  curl_easy_setopt(easy.handle, CURLOPT_POSTFIELDS, form.c_str());
  ASSERT_EQ(Perform(easy.handle, Request{sqs.list, form}), CURLE_OK);
  SpanData s = OnlySpan();
  EXPECT_EQ(s.name, "SQS.SendMessage");
  EXPECT_EQ(StrAttr(s, "rpc.service"), "SQS");
  EXPECT_EQ(StrAttr(s, "rpc.method"), "SendMessage");
  EXPECT_EQ(StrAttr(s, "aws.request_id"), "req-sqs-1");
  EXPECT_EQ(StrAttr(s, "error.type"), "400");
  EXPECT_EQ(s.status_code, StatusCode::kError);

  // S3 (REST): service and region known, the operation is not: the span keeps its HTTP name.
  server_.Enqueue(TestResponse::Status(200, "data")
                      .WithHeader("x-amz-request-id", "C9ER4AJX75574TDJ")
                      .WithHeader("x-amz-id-2", "ext-id-2"));
  Headers s3({"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-central-1/s3/aws4_request, "
              "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=00ff",
              "x-amz-content-sha256: UNSIGNED-PAYLOAD"});
  Easy get(server_.Url("/bucket/key.txt"));
  ASSERT_EQ(Perform(get.handle, s3.list), CURLE_OK);
  s = OnlySpan();
  EXPECT_EQ(s.name, "GET");
  EXPECT_EQ(StrAttr(s, "rpc.system"), "aws-api");
  EXPECT_EQ(StrAttr(s, "rpc.service"), "S3");
  EXPECT_EQ(FindAttr(s, "rpc.method"), nullptr);
  EXPECT_EQ(StrAttr(s, "cloud.region"), "eu-central-1");
  EXPECT_EQ(StrAttr(s, "aws.request_id"), "C9ER4AJX75574TDJ");
  EXPECT_EQ(StrAttr(s, "aws.extended_request_id"), "ext-id-2");
}

TEST_F(CurlInstrumentationTest, UnsampledSpanStillPropagatesItsDecision) {
  sdk::trace::TracerProviderOptions options;
  options.sampler = sdk::trace::CreateAlwaysOffSampler();
  options.processors.push_back(sdk::trace::CreateSimpleSpanProcessor(
      std::make_unique<sdk::trace::InMemorySpanExporter>(store_)));
  auto provider = std::make_shared<sdk::trace::TracerProvider>(std::move(options));
  api::trace::SetTracerProvider(provider);
  Easy easy(server_.Url("/unsampled"));
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  EXPECT_EQ(store_->size(), 0u);
  std::string traceparent(server_.Requests().at(0).Header("traceparent"));
  ASSERT_EQ(traceparent.size(), 55u);
  int flags = std::stoi(traceparent.substr(53), nullptr, 16);
  EXPECT_EQ(flags & 1, 0);  // not sampled
  provider->Shutdown();
}

class CurlWithoutSdkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api::trace::SetTracerProvider(nullptr);  // the no-op provider
    api::propagation::SetGlobalPropagator(
        std::make_shared<sdk::propagation::TraceContextPropagator>());
  }
  void TearDown() override { api::propagation::SetGlobalPropagator(nullptr); }
  HttpTestServer server_;
};

TEST_F(CurlWithoutSdkTest, RequestWorksAndNothingIsInjected) {
  server_.Enqueue(TestResponse::Status(200, "body"));
  Headers headers({"X-App: 1"});
  Easy easy(server_.Url("/plain"));
  ASSERT_EQ(Perform(easy.handle, headers.list), CURLE_OK);
  EXPECT_EQ(easy.body, "body");
  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("X-App"), "1");
  EXPECT_FALSE(requests[0].HasHeader("traceparent"));

  // Multi too.
  CURLM* multi = curl_multi_init();
  Easy second(server_.Url("/plain2"));
  ASSERT_EQ(AddHandle(multi, second.handle, headers.list), CURLM_OK);
  int running = 1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (running && std::chrono::steady_clock::now() < deadline) {
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = InfoRead(multi, &left)) EXPECT_EQ(m->data.result, CURLE_OK);
    if (running) curl_multi_poll(multi, nullptr, 0, 20, nullptr);
  }
  EXPECT_EQ(RemoveHandle(multi, second.handle), CURLM_OK);
  curl_multi_cleanup(multi);
  EXPECT_EQ(OpenTransfers(), 0u);
  requests = server_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].Header("X-App"), "1");
  EXPECT_FALSE(requests[1].HasHeader("traceparent"));
}

TEST_F(CurlWithoutSdkTest, IncomingContextIsPassedThrough) {
  auto trace_id = api::trace::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  auto span_id = api::trace::SpanId::FromHex("00f067aa0ba902b7");
  api::Context incoming = api::trace::ContextWithSpan(
      api::Context(), std::make_shared<api::trace::NonRecordingSpan>(api::trace::SpanContext(
                          trace_id, span_id, api::trace::TraceFlags(1), true)));
  auto scope = incoming.Attach();
  Easy easy(server_.Url("/through"));
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  EXPECT_EQ(server_.Requests().at(0).Header("traceparent"),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST(CurlNullHandlesTest, NullHandlesAreReportedNotCrashed) {
  EXPECT_EQ(Perform(nullptr, nullptr), CURLE_BAD_FUNCTION_ARGUMENT);
  EXPECT_NE(AddHandle(nullptr, nullptr, nullptr), CURLM_OK);
  CURLM* multi = curl_multi_init();
  EXPECT_EQ(AddHandle(multi, nullptr, nullptr), CURLM_BAD_EASY_HANDLE);
  EXPECT_EQ(InfoRead(nullptr, nullptr), nullptr);
  EXPECT_EQ(InfoRead(multi, nullptr), nullptr);
  EXPECT_NE(RemoveHandle(nullptr, nullptr), CURLM_OK);
  EXPECT_NE(RemoveHandle(multi, nullptr), CURLM_OK);
  Done(nullptr, CURLE_OK);
  Cleanup(nullptr);
  curl_multi_cleanup(multi);
  EXPECT_EQ(OpenTransfers(), 0u);
}

// ---- http.client.request.duration ----

TEST_F(CurlInstrumentationTest, RequestsAreMeasured) {
  MetricsSdk metrics;
  server_.Enqueue(TestResponse::Status(200, "a"));
  server_.Enqueue(TestResponse::Status(200, "b"));
  server_.Enqueue(TestResponse::Status(404));
  server_.Enqueue(TestResponse::Status(500));
  server_.Enqueue(TestResponse::Status(201));
  Easy easy(server_.Url("/items?x=1"));
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);  // one handle, reused
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  Easy post(server_.Url("/items"));
  curl_easy_setopt(post.handle, CURLOPT_POSTFIELDS, "name=rex");
  ASSERT_EQ(Perform(post.handle, nullptr), CURLE_OK);
  test::ClosedPort closed;
  Easy refused(closed.Url("/x"));
  EXPECT_EQ(Perform(refused.handle, nullptr), CURLE_COULDNT_CONNECT);

  CollectedHistogram h = metrics.Collect(kDuration);
  ASSERT_TRUE(h.found);
  EXPECT_EQ(h.scope_name, kInstrumentationName);
  EXPECT_EQ(h.unit, "s");
  EXPECT_EQ(h.description, "Duration of HTTP client requests.");
  ASSERT_EQ(h.points.size(), 5u);  // 200 (twice), 404, 500, POST 201, connection refused
  uint64_t total = 0;
  for (const auto& p : h.points) {
    total += p.count;
    EXPECT_GT(p.sum, 0.0);
    EXPECT_LT(p.sum, 10.0);
    EXPECT_EQ(p.boundaries, ExpectedBoundaries());
    EXPECT_EQ(PointStr(p, "server.address"), "127.0.0.1");
    EXPECT_EQ(PointStr(p, "url.scheme"), "http");
  }
  EXPECT_EQ(total, 6u);

  const auto* ok = PointWith(h, "http.response.status_code", 200);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->count, 2u);
  EXPECT_EQ(PointKeys(*ok),
            "http.request.method,http.response.status_code,network.protocol.version,"
            "server.address,server.port,url.scheme");
  EXPECT_EQ(PointStr(*ok, "http.request.method"), "GET");
  EXPECT_EQ(PointInt(*ok, "server.port"), server_.port());
  EXPECT_EQ(PointStr(*ok, "network.protocol.version"), "1.1");
  // 4xx and 5xx are client errors: error.type is the status code.
  const auto* not_found = PointWith(h, "http.response.status_code", 404);
  ASSERT_NE(not_found, nullptr);
  EXPECT_EQ(PointStr(*not_found, "error.type"), "404");
  EXPECT_EQ(PointStr(*PointWith(h, "http.response.status_code", 500), "error.type"), "500");
  const auto* created = PointWith(h, "http.request.method", "POST");
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(PointInt(*created, "http.response.status_code"), 201);
  EXPECT_EQ(PointStr(*created, "error.type"), "<absent>");
  // A transport failure: the libcurl code, no status code or protocol version.
  const auto* failed = PointWith(h, "error.type", "CURLE_COULDNT_CONNECT");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(PointKeys(*failed), "error.type,http.request.method,server.address,server.port,url.scheme");
  EXPECT_EQ(PointInt(*failed, "server.port"), closed.port());

  // The exemplar of the first series points at a client span.
  auto spans = Spans();
  ASSERT_EQ(spans.size(), 6u);
  ASSERT_FALSE(ok->exemplars.empty());
  bool linked = false;
  for (const auto& s : spans) linked = linked || s.span_id == ok->exemplars[0].span_id;
  EXPECT_TRUE(linked);
}

TEST_F(CurlInstrumentationTest, MultiTransfersAreMeasuredToTheirEnd) {
  MetricsSdk metrics;
  server_.Enqueue(TestResponse::Status(200, "one"));
  server_.Enqueue(TestResponse::Status(200, "two"));
  CURLM* multi = curl_multi_init();
  Easy first(server_.Url("/one"));
  Easy second(server_.Url("/two"));
  ASSERT_EQ(AddHandle(multi, first.handle, nullptr), CURLM_OK);
  ASSERT_EQ(AddHandle(multi, second.handle, nullptr), CURLM_OK);
  auto results = RunMulti(multi);
  curl_multi_cleanup(multi);
  EXPECT_EQ(results.size(), 2u);
  CollectedHistogram h = metrics.Collect(kDuration);
  ASSERT_EQ(h.points.size(), 1u);
  EXPECT_EQ(h.points[0].count, 2u);
  EXPECT_EQ(PointInt(h.points[0], "http.response.status_code"), 200);

  // Removed before it completed: measured, error.type canceled, no status code.
  server_.SetStall(true);
  multi = curl_multi_init();
  Easy never(server_.Url("/never"));
  ASSERT_EQ(AddHandle(multi, never.handle, nullptr), CURLM_OK);
  int running = 1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server_.RequestCount() < 3 && std::chrono::steady_clock::now() < deadline) {
    curl_multi_perform(multi, &running);
    curl_multi_poll(multi, nullptr, 0, 20, nullptr);
  }
  EXPECT_EQ(RemoveHandle(multi, never.handle), CURLM_OK);
  curl_multi_cleanup(multi);
  server_.SetStall(false);
  h = metrics.Collect(kDuration);
  ASSERT_EQ(h.points.size(), 1u);
  EXPECT_EQ(PointStr(h.points[0], "error.type"), "canceled");
  EXPECT_EQ(PointInt(h.points[0], "http.response.status_code"), -1);
}

TEST_F(CurlInstrumentationTest, AMeterProviderInstalledLaterIsPickedUp) {
  for (int i = 0; i < 4; ++i) server_.Enqueue(TestResponse::Status(200));
  Easy easy(server_.Url("/later"));
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);  // no meter provider yet
  {
    MetricsSdk first;
    ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
    ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
    CollectedHistogram h = first.Collect(kDuration);
    ASSERT_EQ(h.points.size(), 1u);
    EXPECT_EQ(h.points[0].count, 2u);
  }
  MetricsSdk second;
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  CollectedHistogram h = second.Collect(kDuration);
  ASSERT_EQ(h.points.size(), 1u);
  EXPECT_EQ(h.points[0].count, 1u);
  EXPECT_EQ(Spans().size(), 4u);
}

TEST_F(CurlWithoutSdkTest, MeasuredWithTheMetricsSdkAlone) {
  MetricsSdk metrics;
  server_.Enqueue(TestResponse::Status(503));
  Easy easy(server_.Url("/metrics-only"));
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  EXPECT_FALSE(server_.Requests().at(0).HasHeader("traceparent"));
  CollectedHistogram h = metrics.Collect(kDuration);
  ASSERT_EQ(h.points.size(), 1u);
  EXPECT_EQ(h.points[0].count, 1u);
  EXPECT_EQ(PointStr(h.points[0], "error.type"), "503");
  EXPECT_EQ(PointStr(h.points[0], "http.request.method"), "GET");
}

TEST_F(CurlWithoutSdkTest, NothingIsBuiltPerRequest) {
  // No tracer or meter provider, no incoming context: the instrumentation calls libcurl
  // straight through. The first call sets up this thread's and the library's statics.
  Easy easy(server_.Url("/bare"));
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  const size_t before = allocations;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  EXPECT_EQ(allocations - before, 0u);

  // The counter does see what the instrumentation builds once a meter provider is installed.
  MetricsSdk metrics;
  const size_t with_sdk = allocations;
  ASSERT_EQ(Perform(easy.handle, nullptr), CURLE_OK);
  EXPECT_GT(allocations - with_sdk, 0u);
}

}  // namespace
}  // namespace adot::instrumentation::curl
