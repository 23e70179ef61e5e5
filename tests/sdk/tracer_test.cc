#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <thread>

#include "adot/sdk/trace/in_memory_exporter.h"
#include "adot/sdk/trace/tracer_provider.h"

namespace adot::sdk::trace {
namespace {

using api::trace::SpanContext;
using api::trace::SpanKind;
using api::trace::StatusCode;

struct Fixture {
  explicit Fixture(SpanLimits limits = {}, std::shared_ptr<Sampler> sampler = nullptr) {
    TracerProviderOptions options;
    options.resource = std::make_shared<const Resource>(
        Resource(OwnedAttributes{{"service.name", std::string("svc")}}));
    options.sampler = std::move(sampler);
    options.limits = limits;
    options.processors.push_back(
        CreateSimpleSpanProcessor(std::make_unique<InMemorySpanExporter>(store)));
    provider = std::make_shared<TracerProvider>(std::move(options));
    tracer = provider->GetTracer("lib", "1.2", "https://schema", {{"scope.attr", true}});
  }
  std::shared_ptr<InMemorySpanStore> store = std::make_shared<InMemorySpanStore>();
  std::shared_ptr<TracerProvider> provider;
  std::shared_ptr<api::trace::Tracer> tracer;
};

TEST(TracerTest, SpanRecordsEverythingAndExportsOnEnd) {
  Fixture f;
  api::trace::StartSpanOptions options;
  options.kind = SpanKind::kServer;
  options.start_time_unix_nano = 1000;
  auto span = f.tracer->StartSpan("GET /", {{"http.method", "GET"}, {"n", 3}}, options);
  EXPECT_TRUE(span->IsRecording());
  span->SetAttribute("d", 1.5);
  span->SetAttribute("n", 4);  // replaces
  span->AddEvent("evt", {{"k", "v"}}, 1500);
  span->SetStatus(StatusCode::kError, "boom");
  span->UpdateName("GET /x");
  EXPECT_EQ(f.store->size(), 0u);
  span->End(2000);
  EXPECT_FALSE(span->IsRecording());
  span->SetAttribute("after", 1);  // ignored
  span->End(3000);                 // ignored

  auto spans = f.store->Take();
  ASSERT_EQ(spans.size(), 1u);
  const SpanData& s = spans[0];
  EXPECT_EQ(s.name, "GET /x");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.start_time_unix_nano, 1000u);
  EXPECT_EQ(s.end_time_unix_nano, 2000u);
  ASSERT_EQ(s.attributes.size(), 3u);
  EXPECT_EQ(s.attributes[0].key, "http.method");
  EXPECT_EQ(std::get<std::string>(s.attributes[0].value), "GET");
  EXPECT_EQ(std::get<int64_t>(s.attributes[1].value), 4);
  EXPECT_EQ(std::get<double>(s.attributes[2].value), 1.5);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "evt");
  EXPECT_EQ(s.events[0].time_unix_nano, 1500u);
  EXPECT_EQ(s.status_code, StatusCode::kError);
  EXPECT_EQ(s.status_message, "boom");
  EXPECT_TRUE(s.trace_id.IsValid());
  EXPECT_TRUE(s.span_id.IsValid());
  EXPECT_FALSE(s.has_parent());
  EXPECT_TRUE(s.flags.IsSampled());
  EXPECT_EQ(s.scope().name, "lib");
  EXPECT_EQ(s.scope().version, "1.2");
  EXPECT_EQ(s.scope().schema_url, "https://schema");
  ASSERT_EQ(s.scope().attributes.size(), 1u);
  EXPECT_EQ(std::get<std::string>(s.resource().attributes()[0].value), "svc");
}

TEST(TracerTest, ChildOfActiveSpanAndExplicitParentAndRoot) {
  Fixture f;
  auto parent = f.tracer->StartSpan("parent");
  {
    api::Scope scope = api::trace::Tracer::WithActiveSpan(parent);
    auto child = f.tracer->StartSpan("child");
    EXPECT_EQ(child->GetContext().trace_id(), parent->GetContext().trace_id());
    child->End();
    api::trace::StartSpanOptions root;
    root.root = true;
    auto r = f.tracer->StartSpan("root", root);
    EXPECT_NE(r->GetContext().trace_id(), parent->GetContext().trace_id());
    r->End();
  }
  api::trace::SpanContext remote(api::trace::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                                 api::trace::SpanId::FromHex("00f067aa0ba902b7"),
                                 api::trace::TraceFlags(3), true,
                                 api::trace::TraceState::FromHeader("vendor=x"));
  api::Context ctx = api::trace::ContextWithSpan(
      api::Context(), std::make_shared<api::trace::NonRecordingSpan>(remote));
  api::trace::StartSpanOptions options;
  options.parent = &ctx;
  f.tracer->StartSpan("remote-child", options)->End();
  parent->End();

  auto spans = f.store->Take();
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[0].parent_span_id, parent->GetContext().span_id());
  EXPECT_FALSE(spans[0].parent_is_remote);
  EXPECT_FALSE(spans[1].has_parent());
  EXPECT_EQ(spans[2].trace_id, remote.trace_id());
  EXPECT_EQ(spans[2].parent_span_id, remote.span_id());
  EXPECT_TRUE(spans[2].parent_is_remote);
  EXPECT_EQ(spans[2].OtlpFlags(), 0x303u);  // sampled + random, has-remote, remote
  ASSERT_NE(spans[2].trace_state, nullptr);
  EXPECT_EQ(spans[2].trace_state->ToHeader(), "vendor=x");
}

TEST(TracerTest, LimitsDropAndCount) {
  SpanLimits limits;
  limits.attribute_count = 2;
  limits.attribute_value_length = 4;
  limits.event_count = 1;
  limits.link_count = 1;
  limits.event_attribute_count = 1;
  limits.link_attribute_count = 1;
  Fixture f(limits);
  api::trace::SpanContext other(api::trace::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                                api::trace::SpanId::FromHex("00f067aa0ba902b7"),
                                api::trace::TraceFlags(1), true);
  api::trace::Link links[] = {{other, {{"a", 1}, {"b", 2}}}, {other, {}}};
  api::trace::StartSpanOptions options;
  options.links = links;
  auto span = f.tracer->StartSpan("s", {{"a", "abcdefgh"}, {"b", 2}, {"c", 3}}, options);
  span->SetAttribute("d", 4);
  span->SetAttribute("a", "xyzuvw");  // existing key: replaced, truncated, not dropped
  span->AddEvent("e1", {{"x", 1}, {"y", 2}});
  span->AddEvent("e2");
  span->End();
  auto s = f.store->Take().at(0);
  ASSERT_EQ(s.attributes.size(), 2u);
  EXPECT_EQ(std::get<std::string>(s.attributes[0].value), "xyzu");
  EXPECT_EQ(s.dropped_attributes_count, 2u);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.dropped_events_count, 1u);
  EXPECT_EQ(s.events[0].dropped_attributes_count, 1u);
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.dropped_links_count, 1u);
  EXPECT_EQ(s.links[0].dropped_attributes_count, 1u);
}

TEST(TracerTest, StatusOkIsFinalAndUnsetIgnored) {
  Fixture f;
  auto span = f.tracer->StartSpan("s");
  span->SetStatus(StatusCode::kError, "e");
  span->SetStatus(StatusCode::kUnset);
  span->SetStatus(StatusCode::kOk, "ignored description");
  span->SetStatus(StatusCode::kError, "later");
  span->End();
  auto s = f.store->Take().at(0);
  EXPECT_EQ(s.status_code, StatusCode::kOk);
  EXPECT_EQ(s.status_message, "");
}

TEST(TracerTest, RecordExceptionAddsExceptionEvent) {
  Fixture f;
  auto span = f.tracer->StartSpan("s");
  span->RecordException(std::runtime_error("disk full"), {{"extra", 1}});
  span->RecordException("MyError", "bad", "at f()\nat g()");
  span->End();
  auto s = f.store->Take().at(0);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0].name, "exception");
  EXPECT_EQ(std::get<std::string>(s.events[0].attributes[0].value), "std::runtime_error");
  EXPECT_EQ(std::get<std::string>(s.events[0].attributes[1].value), "disk full");
  EXPECT_EQ(s.events[0].attributes[2].key, "extra");
  EXPECT_EQ(s.events[1].attributes[2].key, "exception.stacktrace");
}

TEST(TracerTest, ArrayAttributesAreCopied) {
  Fixture f;
  std::vector<std::string_view> names{"a", "b"};
  const bool bools[] = {true, false};
  auto span = f.tracer->StartSpan("s");
  span->SetAttribute("names", names);
  span->SetAttribute("bools", std::span<const bool>(bools));
  span->SetAttribute("ints", std::vector<int64_t>{1, 2, 3});
  span->End();
  auto s = f.store->Take().at(0);
  EXPECT_EQ(std::get<std::vector<std::string>>(s.attributes[0].value),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(std::get<std::vector<bool>>(s.attributes[1].value), (std::vector<bool>{true, false}));
  EXPECT_EQ(std::get<std::vector<int64_t>>(s.attributes[2].value),
            (std::vector<int64_t>{1, 2, 3}));
}

TEST(TracerTest, DroppedBySamplerIsNotRecordingButHasContext) {
  Fixture f({}, CreateAlwaysOffSampler());
  auto span = f.tracer->StartSpan("s");
  EXPECT_FALSE(span->IsRecording());
  EXPECT_TRUE(span->GetContext().IsValid());
  EXPECT_FALSE(span->GetContext().IsSampled());
  span->End();
  EXPECT_EQ(f.store->size(), 0u);
}

TEST(TracerTest, DroppedChildKeepsParentTraceIdAndTraceState) {
  Fixture f;  // parentbased_always_on: a parent that is not sampled drops the child
  SpanContext parent(api::trace::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                     api::trace::SpanId::FromHex("00f067aa0ba902b7"),
                     api::trace::TraceFlags(api::trace::TraceFlags::kRandom), true,
                     api::trace::TraceState::FromHeader("vendor=value"));
  api::Context context =
      api::trace::ContextWithSpan(api::Context(), std::make_shared<api::trace::NonRecordingSpan>(parent));
  api::trace::StartSpanOptions options;
  options.parent = &context;
  auto span = f.tracer->StartSpan("child", options);
  EXPECT_FALSE(span->IsRecording());
  const SpanContext& child = span->GetContext();
  EXPECT_TRUE(child.IsValid());
  EXPECT_EQ(child.trace_id(), parent.trace_id());
  EXPECT_NE(child.span_id(), parent.span_id());
  EXPECT_FALSE(child.IsSampled());
  EXPECT_TRUE(child.trace_flags().IsRandom());
  EXPECT_FALSE(child.IsRemote());
  EXPECT_EQ(child.trace_state().ToHeader(), "vendor=value");
  span->End();
  EXPECT_EQ(f.store->size(), 0u);

  // Dropped spans handed out on one thread and released on another.
  Fixture off({}, CreateAlwaysOffSampler());
  std::vector<api::trace::SpanPtr> spans;
  for (int i = 0; i < 1000; ++i) spans.push_back(off.tracer->StartSpan("s"));
  std::set<std::string> span_ids;
  for (const auto& s : spans) span_ids.insert(s->GetContext().span_id().ToHex());
  EXPECT_EQ(span_ids.size(), spans.size());
  std::thread([&] { spans.clear(); }).join();
  EXPECT_FALSE(off.tracer->StartSpan("again")->IsRecording());
}

TEST(TracerTest, RatioSamplerDecidesOnTheSpansTraceId) {
  auto ratio = CreateTraceIdRatioSampler(0.5);
  Fixture f({}, CreateTraceIdRatioSampler(0.5));
  int recorded = 0;
  for (int i = 0; i < 2000; ++i) {
    auto span = f.tracer->StartSpan("s");
    const bool expected =
        ratio->ShouldSample(api::Context(), SpanContext(), span->GetContext().trace_id(), "s",
                            SpanKind::kInternal, {}, {})
            .decision == Decision::kRecordAndSample;
    ASSERT_EQ(span->IsRecording(), expected);
    ASSERT_EQ(span->GetContext().IsSampled(), expected);
    recorded += expected;
    span->End();
  }
  EXPECT_EQ(f.store->size(), static_cast<size_t>(recorded));
}

TEST(TracerTest, CustomIdGeneratorIsCalledInOrder) {
  class Sequential final : public IdGenerator {
   public:
    api::trace::TraceId GenerateTraceId() noexcept override {
      calls += "t";
      uint8_t b[16] = {};
      b[15] = static_cast<uint8_t>(++n);
      return api::trace::TraceId(b);
    }
    api::trace::SpanId GenerateSpanId() noexcept override {
      calls += "s";
      uint8_t b[8] = {};
      b[7] = static_cast<uint8_t>(++n);
      return api::trace::SpanId(b);
    }
    bool TraceIdsAreRandom() const noexcept override { return false; }
    std::string calls;
    int n = 0;
  };
  auto ids = std::make_shared<Sequential>();
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProviderOptions options;
  options.id_generator = ids;
  options.processors.push_back(
      CreateSimpleSpanProcessor(std::make_unique<InMemorySpanExporter>(store)));
  auto provider = std::make_shared<TracerProvider>(std::move(options));
  auto span = provider->GetTracer("x")->StartSpan("s");
  EXPECT_EQ(ids->calls, "ts");
  EXPECT_EQ(span->GetContext().trace_id().ToHex(), "00000000000000000000000000000001");
  EXPECT_EQ(span->GetContext().span_id().ToHex(), "0000000000000002");
  EXPECT_FALSE(span->GetContext().trace_flags().IsRandom());
  span->End();
  ASSERT_EQ(store->size(), 1u);
}

TEST(TracerTest, SameScopeGivesSameTracer) {
  Fixture f;
  EXPECT_EQ(f.provider->GetTracer("lib", "1.2", "https://schema"), f.tracer);
  EXPECT_NE(f.provider->GetTracer("lib", "1.3"), f.tracer);
}

TEST(TracerTest, AfterShutdownSpansDoNotRecord) {
  Fixture f;
  EXPECT_TRUE(f.provider->Shutdown());
  auto span = f.tracer->StartSpan("s");
  EXPECT_FALSE(span->IsRecording());
}

TEST(TracerTest, SpanOutlivesProviderSafely) {
  auto store = std::make_shared<InMemorySpanStore>();
  api::trace::SpanPtr span;
  {
    TracerProviderOptions options;
    options.processors.push_back(
        CreateSimpleSpanProcessor(std::make_unique<InMemorySpanExporter>(store)));
    auto provider = std::make_shared<TracerProvider>(std::move(options));
    span = provider->GetTracer("x")->StartSpan("s");
  }
  span->SetAttribute("k", 1);
  span->End();  // the provider shut down: nothing exported, nothing crashes
  EXPECT_EQ(store->size(), 0u);
}

TEST(TracerTest, ConcurrentAttributeWritesAreSafe) {
  Fixture f;
  auto span = f.tracer->StartSpan("s");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) span->SetAttribute("k" + std::to_string(t), i);
    });
  }
  for (auto& th : threads) th.join();
  span->End();
  auto s = f.store->Take().at(0);
  EXPECT_EQ(s.attributes.size(), 4u);
}

class RecordingProcessor : public SpanProcessor {
 public:
  void OnStart(RecordingSpan& span, const api::Context& parent) noexcept override {
    started_name = span.data().name;
    parent_had_span = parent.HasKey(api::trace::SpanContextKey());
    span.SetAttribute("added.on.start", true);
  }
  void OnEnd(std::unique_ptr<SpanData> span) noexcept override { ended.push_back(*span); }
  bool ForceFlush(std::chrono::milliseconds) noexcept override { return true; }
  bool Shutdown(std::chrono::milliseconds) noexcept override { return true; }
  std::string started_name;
  bool parent_had_span = false;
  std::vector<SpanData> ended;
};

TEST(TracerTest, OnStartSeesReadableSpanAndParentContext) {
  auto processor = std::make_shared<RecordingProcessor>();
  TracerProviderOptions options;
  options.processors.push_back(processor);
  TracerProvider provider(std::move(options));
  auto tracer = provider.GetTracer("x");
  auto parent = tracer->StartSpan("parent");
  api::Scope scope = api::trace::Tracer::WithActiveSpan(parent);
  tracer->StartSpan("child")->End();
  EXPECT_EQ(processor->started_name, "child");
  EXPECT_TRUE(processor->parent_had_span);
  ASSERT_EQ(processor->ended.size(), 1u);
  EXPECT_EQ(processor->ended[0].attributes.at(0).key, "added.on.start");
  processor->ended.clear();  // the spans reference the provider, which references the processor
}

}  // namespace
}  // namespace adot::sdk::trace
