#include <gtest/gtest.h>

#include "adot/api/trace.h"

namespace adot::api::trace {
namespace {

TEST(NoopTest, GlobalProviderDefaultsToNoopAndSpansDoNotRecord) {
  auto tracer = GetTracerProvider()->GetTracer("test");
  ASSERT_NE(tracer, nullptr);
  auto span = tracer->StartSpan("x", {{"k", 1}});
  ASSERT_NE(span, nullptr);
  EXPECT_FALSE(span->IsRecording());
  EXPECT_FALSE(span->GetContext().IsValid());
  span->SetAttribute("a", "b");
  span->AddEvent("e");
  span->End();
}

TEST(NoopTest, NoopTracerPropagatesParentSpanContext) {
  SpanContext remote(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                     SpanId::FromHex("00f067aa0ba902b7"), TraceFlags(1), true);
  Context parent = ContextWithSpan(Context(), std::make_shared<NonRecordingSpan>(remote));
  NoopTracer tracer;
  StartSpanOptions options;
  options.parent = &parent;
  auto child = tracer.StartSpan("child", options);
  EXPECT_EQ(child->GetContext(), remote);

  // The same through the current context.
  Scope scope = parent.Attach();
  EXPECT_EQ(tracer.StartSpan("child")->GetContext(), remote);
  options.parent = nullptr;
  options.root = true;
  EXPECT_FALSE(tracer.StartSpan("root", options)->GetContext().IsValid());
}

TEST(NoopTest, InvalidSpanIsSharedWithoutControlBlock) {
  auto a = InvalidSpan(), b = InvalidSpan();
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a.use_count(), 0);  // no reference counting on copies
  EXPECT_FALSE(a->GetContext().IsValid());
  NoopTracer tracer;
  EXPECT_EQ(tracer.StartSpan("x").get(), a.get());
}

// A recording parent (an SDK span) gets a non-recording child with the parent's context.
TEST(NoopTest, NoopTracerUnderRecordingParent) {
  class Recording final : public Span {
   public:
    explicit Recording(SpanContext c) : context_(std::move(c)) {}
    void SetAttribute(std::string_view, const AttributeValue&) noexcept override {}
    void AddEvent(std::string_view, AttributeView, uint64_t) noexcept override {}
    void AddLink(const SpanContext&, AttributeView) noexcept override {}
    void SetStatus(StatusCode, std::string_view) noexcept override {}
    void UpdateName(std::string_view) noexcept override {}
    void RecordException(std::string_view, std::string_view, std::string_view, AttributeView,
                         uint64_t) noexcept override {}
    void End(uint64_t) noexcept override {}
    bool IsRecording() const noexcept override { return true; }
    const SpanContext& GetContext() const noexcept override { return context_; }

   private:
    SpanContext context_;
  };
  SpanContext sc(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                 SpanId::FromHex("00f067aa0ba902b7"), TraceFlags(1), false);
  auto parent = std::make_shared<Recording>(sc);
  Scope scope = Tracer::WithActiveSpan(parent);
  NoopTracer tracer;
  auto child = tracer.StartSpan("child");
  EXPECT_NE(child.get(), parent.get());
  EXPECT_FALSE(child->IsRecording());
  EXPECT_EQ(child->GetContext(), sc);
}

TEST(NoopTest, ActiveSpanScope) {
  SpanContext sc(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                 SpanId::FromHex("00f067aa0ba902b7"), TraceFlags(1), false);
  auto span = std::make_shared<NonRecordingSpan>(sc);
  EXPECT_FALSE(Tracer::GetCurrentSpan()->GetContext().IsValid());
  {
    Scope scope = Tracer::WithActiveSpan(span);
    EXPECT_EQ(Tracer::GetCurrentSpan().get(), span.get());
  }
  EXPECT_FALSE(Tracer::GetCurrentSpan()->GetContext().IsValid());
}

class CountingProvider : public TracerProvider {
 public:
  std::shared_ptr<Tracer> GetTracer(std::string_view, std::string_view, std::string_view,
                                    AttributeView) noexcept override {
    ++calls;
    return std::make_shared<NoopTracer>();
  }
  int calls = 0;
};

TEST(NoopTest, SetTracerProviderInstallsAndNullRestoresNoop) {
  auto provider = std::make_shared<CountingProvider>();
  SetTracerProvider(provider);
  GetTracerProvider()->GetTracer("x");
  EXPECT_EQ(provider->calls, 1);
  SetTracerProvider(nullptr);
  ASSERT_NE(GetTracerProvider(), nullptr);
  GetTracerProvider()->GetTracer("x");
  EXPECT_EQ(provider->calls, 1);
}

TEST(AttributeValueTest, TypesAreChosenAsWritten) {
  EXPECT_EQ(AttributeValue("text").type(), AttributeValue::Type::kString);
  EXPECT_EQ(AttributeValue(std::string("s")).type(), AttributeValue::Type::kString);
  EXPECT_EQ(AttributeValue(true).type(), AttributeValue::Type::kBool);
  EXPECT_EQ(AttributeValue(42).type(), AttributeValue::Type::kInt64);
  EXPECT_EQ(AttributeValue(42u).GetInt64(), 42);
  EXPECT_EQ(AttributeValue(UINT64_MAX).GetInt64(), INT64_MAX);
  EXPECT_EQ(AttributeValue(1.5).type(), AttributeValue::Type::kDouble);
  const int64_t ints[] = {1, 2};
  EXPECT_EQ(AttributeValue(std::span<const int64_t>(ints)).GetInt64Array().size(), 2u);
}

}  // namespace
}  // namespace adot::api::trace
