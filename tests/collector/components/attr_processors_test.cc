#include <gtest/gtest.h>

#include "collector/processors/attributes/attributes_processor.h"
#include "collector/processors/resource/resource_processor.h"
#include "collector/test_util.h"

namespace adot::collector {
namespace {

using namespace testing;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

std::shared_ptr<Processor> Make(const Factory& f, const std::string& yaml, std::shared_ptr<Consumer> next,
                                ConfigErrors* errors_out = nullptr) {
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "processors." + f.type, &errors);
  auto cfg = f.parse(r);
  if (errors_out) {
    *errors_out = errors;
    return nullptr;
  }
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  return f.create_processor(*cfg, CreateSettings{f.type, Signal::kTraces, "traces"}, next);
}

const AnyValue* Get(const google::protobuf::RepeatedPtrField<KeyValue>& attrs, const std::string& key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

TEST(ResourceProcessorTest, AppliesActionsToResourceAttributes) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(ResourceProcessorFactory(), R"(
attributes:
  - {key: deployment.environment, value: prod, action: insert}
  - {key: service.name, value: renamed, action: update}
  - {key: missing, value: x, action: update}
  - {key: copy, from_attribute: service.name, action: upsert}
  - {key: port, value: 8080, action: upsert}
  - {key: secret, value: "s3cret", action: insert}
  - {key: secret, action: hash}
  - {key: deployment.environment, value: other, action: insert}
  - {key: port, action: convert, converted_type: string}
  - {pattern: "^tmp\\..*", action: delete}
)",
                sink);
  PData in = MakeTraces(1, 1);
  auto* r = in.MutableTraces()->mutable_resource_spans(0)->mutable_resource();
  auto* kv = r->add_attributes();
  kv->set_key("tmp.x");
  kv->mutable_value()->set_int_value(1);
  in.MarkModified();
  ASSERT_TRUE(p->Consume(in).ok());
  auto got = sink->received();
  ASSERT_EQ(got.size(), 1u);
  const auto& attrs = got[0].Traces()->resource_spans(0).resource().attributes();
  EXPECT_EQ(Get(attrs, "deployment.environment")->string_value(), "prod");
  EXPECT_EQ(Get(attrs, "service.name")->string_value(), "renamed");
  EXPECT_EQ(Get(attrs, "missing"), nullptr);
  EXPECT_EQ(Get(attrs, "copy")->string_value(), "renamed");
  EXPECT_EQ(Get(attrs, "port")->string_value(), "8080");
  // SHA-1 of "s3cret", hex.
  EXPECT_EQ(Get(attrs, "secret")->string_value(), "fef341f85d87439e7d91a2d465b9871ef66b5e98");
  EXPECT_EQ(Get(attrs, "tmp.x"), nullptr);
  EXPECT_TRUE(p->MutatesData());
}

TEST(ResourceProcessorTest, ReadOnlyInputIsCopiedNotChanged) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(ResourceProcessorFactory(), "attributes: [{key: a, value: b, action: insert}]", sink);
  PData original = MakeTraces(1, 1);
  PData shared = original.Share();
  ASSERT_TRUE(p->Consume(shared).ok());
  EXPECT_EQ(Get(original.Traces()->resource_spans(0).resource().attributes(), "a"), nullptr);
  EXPECT_NE(Get(sink->received()[0].Traces()->resource_spans(0).resource().attributes(), "a"), nullptr);
}

TEST(AttributesProcessorTest, AppliesActionsToSpanAttributes) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(AttributesProcessorFactory(), R"(
actions:
  - {key: http.status_code, action: convert, converted_type: string}
  - {key: env, value: true, action: insert}
  - {key: ratio, value: 0.5, action: insert}
  - {key: quoted, value: "42", action: insert}
)",
                sink);
  ASSERT_TRUE(p->Consume(MakeTraces(1, 2)).ok());
  const auto& span = sink->received()[0].Traces()->resource_spans(0).scope_spans(0).spans(1);
  EXPECT_EQ(Get(span.attributes(), "http.status_code")->string_value(), "201");
  EXPECT_TRUE(Get(span.attributes(), "env")->bool_value());
  EXPECT_DOUBLE_EQ(Get(span.attributes(), "ratio")->double_value(), 0.5);
  EXPECT_EQ(Get(span.attributes(), "quoted")->string_value(), "42");
}

// Literal upserts on received spans run on the bytes: the batch leaves still encoded (nothing to
// re-encode downstream), a shared input is left as it was, and with include/exclude the decoded
// path runs instead.
TEST(AttributesProcessorTest, LiteralActionsOnReceivedBytesKeepThemEncoded) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(AttributesProcessorFactory(), "actions: [{key: env, value: prod, action: upsert}]", sink);
  EXPECT_FALSE(p->MutatesData());
  PData original = MakeTraces(2, 3);
  PData shared = original.Share();
  ASSERT_TRUE(p->Consume(shared).ok());
  PData out = sink->received()[0];
  EXPECT_TRUE(out.has_bytes());
  EXPECT_EQ(out.ItemCount(), 6u);
  for (const auto& rs : out.Traces()->resource_spans())
    for (const auto& span : rs.scope_spans(0).spans()) {
      EXPECT_EQ(Get(span.attributes(), "env")->string_value(), "prod");
      EXPECT_NE(Get(span.attributes(), "http.status_code"), nullptr);
    }
  EXPECT_EQ(Get(original.Traces()->resource_spans(0).scope_spans(0).spans(0).attributes(), "env"), nullptr);

  auto matched = std::make_shared<RecordingConsumer>();
  auto q = Make(AttributesProcessorFactory(),
                "{actions: [{key: env, value: prod, action: upsert}], include: {match_type: strict, span_names: [span-0-1]}}",
                matched);
  EXPECT_TRUE(q->MutatesData());
  ASSERT_TRUE(q->Consume(MakeTraces(1, 3)).ok());
  PData decoded = matched->received()[0];
  EXPECT_FALSE(decoded.has_bytes());
  const auto& spans = decoded.Traces()->resource_spans(0).scope_spans(0).spans();
  EXPECT_EQ(Get(spans[0].attributes(), "env"), nullptr);
  EXPECT_EQ(Get(spans[1].attributes(), "env")->string_value(), "prod");
}

TEST(AttrActionsTest, ConfigErrors) {
  ConfigErrors errors;
  Make(ResourceProcessorFactory(), R"(
attributes:
  - {action: insert, value: x}
  - {key: a, action: rename}
  - {key: b, action: upsert}
  - {key: c, action: upsert, value: 1, from_attribute: d}
  - {key: e, action: convert, converted_type: bool}
  - {pattern: "(", action: delete}
)",
       nullptr, &errors);
  std::vector<std::string> expected = {
      "processors.resource.attributes[0].key: must not be empty",
      "processors.resource.attributes[1].action: must be insert, update, upsert, delete, hash, extract or convert, got \"rename\"",
      "processors.resource.attributes[2].value: exactly one of value and from_attribute must be set for action upsert",
      "processors.resource.attributes[3].value: exactly one of value and from_attribute must be set for action upsert",
      "processors.resource.attributes[4].converted_type: must be int, double or string",
  };
  ASSERT_GE(errors.list().size(), expected.size() + 1) << errors.Joined();
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(errors.list()[i], expected[i]);
  EXPECT_EQ(errors.list()[5].rfind("processors.resource.attributes[5].pattern: invalid regular expression", 0), 0u)
      << errors.list()[5];
  ConfigErrors e2;
  Make(AttributesProcessorFactory(), "{actions: [{key: a, action: delete}], include: {match_type: strict}}", nullptr, &e2);
  ASSERT_EQ(e2.list().size(), 1u);
  EXPECT_EQ(e2.list()[0], "processors.attributes.include: must set at least one property to match besides match_type");
}

}  // namespace
}  // namespace adot::collector
