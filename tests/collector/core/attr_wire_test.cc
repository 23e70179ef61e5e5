#include "collector/core/attr_wire.h"

#include <gtest/gtest.h>

#include "collector/test_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace adot::collector {
namespace {

using google::protobuf::util::MessageDifferencer;
using opentelemetry::proto::common::v1::KeyValue;

std::vector<AttrAction> Actions(const std::string& yaml) {
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "processors.attributes", &errors);
  auto actions = ParseAttrActions(r, "actions");
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  return actions;
}

void Put(google::protobuf::RepeatedPtrField<KeyValue>* attrs, const std::string& key, const std::string& value) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

// Spans with every kind of neighbour field (events, links, status, dropped counts), attributes of
// several types, a key twice, and a span with no attributes at all.
TracesRequest Traces() {
  TracesRequest req = testing::MakeTracesRequest(2, 3);
  auto* span = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  Put(span->mutable_attributes(), "env", "prod");
  Put(span->mutable_attributes(), "dup", "first");
  Put(span->mutable_attributes(), "dup", "second");
  span->add_attributes()->set_key("empty.value");
  span->mutable_attributes()->Add()->set_key("d");
  span->mutable_attributes(span->attributes_size() - 1)->mutable_value()->set_double_value(2.5);
  span->set_dropped_attributes_count(3);
  auto* ev = span->add_events();
  ev->set_name("exception");
  Put(ev->mutable_attributes(), "env", "event-level: untouched");
  span->add_links()->set_trace_id(std::string(16, '\x07'));
  span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  req.mutable_resource_spans(1)->mutable_scope_spans(0)->mutable_spans(1)->clear_attributes();
  req.mutable_resource_spans(1)->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  return req;
}

LogsRequest Logs() {
  LogsRequest req;
  auto* sl = req.add_resource_logs()->add_scope_logs();
  sl->mutable_scope()->set_name("logs");
  for (int i = 0; i < 3; ++i) {
    auto* rec = sl->add_log_records();
    rec->set_time_unix_nano(1700000000000000000ull + i);
    rec->mutable_body()->set_string_value("line " + std::to_string(i));
    rec->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
    if (i != 1) Put(rec->mutable_attributes(), "env", "dev");
    Put(rec->mutable_attributes(), "dup", "a");
    Put(rec->mutable_attributes(), "dup", "b");
  }
  return req;
}

const char* kActionSets[] = {
    // upsert: an existing key (new type) and a new one
    "{actions: [{key: env, value: 42, action: upsert}, {key: new.key, value: hello, action: upsert}]}",
    // insert: only where absent; update: only where present (the first of two)
    "{actions: [{key: env, value: x, action: insert}, {key: fresh, value: true, action: insert},"
    " {key: dup, value: 1.5, action: update}, {key: missing, value: y, action: update}]}",
    // delete removes every one; insert after delete adds it back at the end
    "{actions: [{key: dup, action: delete}, {key: env, action: delete}, {key: env, value: back, action: insert}]}",
    // upsert then delete the same key; delete of a key nobody has
    "{actions: [{key: tmp, value: t, action: upsert}, {key: tmp, action: delete}, {key: nope, action: delete}]}",
    // a value on the attribute with no value, and a string with bytes that need care
    "{actions: [{key: empty.value, value: \"\\u00e9\\u0000z\", action: update}, {key: d, value: -7, action: upsert}]}",
};

template <class Request>
void ExpectSameAsDecoded(Signal signal, const Request& request) {
  for (const char* yaml : kActionSets) {
    SCOPED_TRACE(yaml);
    auto actions = Actions(yaml);
    auto wire = WireAttrActions::Compile(actions);
    ASSERT_TRUE(wire.has_value());
    std::string out;
    ASSERT_TRUE(wire->Apply(signal, request.SerializeAsString(), out));
    Request got;
    ASSERT_TRUE(got.ParseFromString(out));

    Request want = request;
    if constexpr (std::is_same_v<Request, TracesRequest>) {
      for (auto& rs : *want.mutable_resource_spans())
        for (auto& ss : *rs.mutable_scope_spans())
          for (auto& s : *ss.mutable_spans()) ApplyAttrActions(actions, *s.mutable_attributes());
    } else {
      for (auto& rl : *want.mutable_resource_logs())
        for (auto& sl : *rl.mutable_scope_logs())
          for (auto& rec : *sl.mutable_log_records()) ApplyAttrActions(actions, *rec.mutable_attributes());
    }
    std::string diff;
    MessageDifferencer d;
    d.ReportDifferencesToString(&diff);
    EXPECT_TRUE(d.Compare(want, got)) << diff;
  }
}

TEST(WireAttrActionsTest, SpansComeOutAsTheDecodedPathMakesThem) { ExpectSameAsDecoded(Signal::kTraces, Traces()); }

TEST(WireAttrActionsTest, LogRecordsComeOutAsTheDecodedPathMakesThem) { ExpectSameAsDecoded(Signal::kLogs, Logs()); }

TEST(WireAttrActionsTest, OnlyLiteralValuesAndDeleteByKeyHaveAWireForm) {
  EXPECT_TRUE(WireAttrActions::Compile(Actions("{actions: [{key: a, value: 1, action: insert}, {key: b, action: delete}]}")));
  EXPECT_FALSE(WireAttrActions::Compile(Actions("{actions: [{key: a, action: hash}]}")));
  EXPECT_FALSE(WireAttrActions::Compile(Actions("{actions: [{key: a, from_attribute: b, action: upsert}]}")));
  EXPECT_FALSE(WireAttrActions::Compile(Actions("{actions: [{pattern: ^a, action: delete}]}")));
  EXPECT_FALSE(WireAttrActions::Compile(Actions("{actions: [{key: a, pattern: \"(?P<x>.*)\", action: extract}]}")));
  EXPECT_FALSE(WireAttrActions::Compile(Actions("{actions: [{key: a, converted_type: int, action: convert}]}")));
}

TEST(WireAttrActionsTest, BytesItCannotReproduceExactlyAreLeftToTheDecoder) {
  auto wire = WireAttrActions::Compile(Actions("{actions: [{key: a, value: 1, action: upsert}]}"));
  ASSERT_TRUE(wire);
  std::string out;
  // A KeyValue with a field KeyValue does not have (unknown fields survive a decode/encode).
  TracesRequest req = testing::MakeTracesRequest(1, 1);
  auto* kv = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->mutable_attributes(0);
  kv->GetReflection()->MutableUnknownFields(kv)->AddVarint(7, 1);
  EXPECT_FALSE(wire->Apply(Signal::kTraces, req.SerializeAsString(), out));
  // Truncated bytes, and metrics (no wire form).
  std::string good = testing::MakeTracesRequest(1, 2).SerializeAsString();
  EXPECT_FALSE(wire->Apply(Signal::kTraces, good.substr(0, good.size() - 3), out));
  EXPECT_FALSE(wire->Apply(Signal::kMetrics, MetricsRequest().SerializeAsString(), out));
}

// Damaged bytes (every byte of a request flipped in turn, and every truncation) never crash it;
// when it accepts them, what it writes parses whenever the input did.
TEST(WireAttrActionsTest, DamagedBytesAreRefusedOrRewrittenSafely) {
  auto wire = WireAttrActions::Compile(Actions("{actions: [{key: env, value: 1, action: upsert}, {key: dup, action: delete}]}"));
  ASSERT_TRUE(wire);
  const std::string good = Traces().SerializeAsString();
  std::string out;
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      TracesRequest in_parsed;
      const bool input_parses = in_parsed.ParseFromString(bad);
      if (wire->Apply(Signal::kTraces, bad, out) && input_parses) {
        TracesRequest parsed;
        EXPECT_TRUE(parsed.ParseFromString(out)) << "byte " << i << " ^ " << int(flip);
      }
    }
    wire->Apply(Signal::kTraces, std::string_view(good).substr(0, i), out);
  }
}

}  // namespace
}  // namespace adot::collector
