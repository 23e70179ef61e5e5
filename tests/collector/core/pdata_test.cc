#include "collector/core/pdata.h"

#include <gtest/gtest.h>

#include <cmath>

#include "collector/core/otlp_json.h"
#include "collector/test_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace adot::collector {
namespace {

using testing::MakeTraces;
using testing::MakeTracesRequest;

TEST(PDataTest, KeepsReceivedBytesUntilMutated) {
  std::string bytes = MakeTracesRequest(2, 3).SerializeAsString();
  PData p;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, bytes, p).ok());
  EXPECT_EQ(p.ItemCount(), 6u);
  std::string scratch;
  EXPECT_EQ(p.ProtoBytes(scratch), bytes);
  EXPECT_TRUE(scratch.empty());  // pass-through: nothing re-encoded
  // Reading decodes but keeps the bytes.
  ASSERT_NE(p.Traces(), nullptr);
  EXPECT_EQ(p.Traces()->resource_spans_size(), 2);
  EXPECT_TRUE(p.has_bytes());
  // Mutating drops them; the encoding then comes from the message.
  auto* t = p.MutableTraces();
  ASSERT_NE(t, nullptr);
  t->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name("renamed");
  p.MarkModified();
  EXPECT_FALSE(p.has_bytes());
  TracesRequest back;
  ASSERT_TRUE(back.ParseFromString(std::string(p.ProtoBytes(scratch))));
  EXPECT_EQ(back.resource_spans(0).scope_spans(0).spans(0).name(), "renamed");
}

TEST(PDataTest, FromEncodedKeepsTheBytesAndTheGivenCount) {
  std::string bytes = MakeTracesRequest(2, 3).SerializeAsString();
  const int64_t live_before = PData::LiveBytes();
  {
    PData p = PData::FromEncoded(Signal::kTraces, bytes, 6);
    EXPECT_EQ(p.ItemCount(), 6u);
    EXPECT_TRUE(p.has_bytes());
    EXPECT_GE(PData::LiveBytes() - live_before, static_cast<int64_t>(bytes.size()));
    std::string scratch;
    EXPECT_EQ(p.ProtoBytes(scratch), bytes);
    ASSERT_NE(p.Traces(), nullptr);
    EXPECT_EQ(p.Traces()->resource_spans_size(), 2);
  }
  EXPECT_EQ(PData::LiveBytes(), live_before);
}

TEST(PDataTest, CountsItemsOnTheWireForEverySignal) {
  MetricsRequest m;
  auto* sm = m.add_resource_metrics()->add_scope_metrics();
  auto* g = sm->add_metrics();
  g->mutable_gauge()->add_data_points()->set_as_int(1);
  g->mutable_gauge()->add_data_points()->set_as_int(2);
  sm->add_metrics()->mutable_sum()->add_data_points()->set_as_double(1);
  sm->add_metrics()->mutable_histogram()->add_data_points()->set_count(3);
  uint64_t n = 0;
  ASSERT_TRUE(CountItemsOnWire(Signal::kMetrics, m.SerializeAsString(), n));
  EXPECT_EQ(n, 4u);
  LogsRequest l;
  auto* sl = l.add_resource_logs()->add_scope_logs();
  sl->add_log_records();
  sl->add_log_records();
  ASSERT_TRUE(CountItemsOnWire(Signal::kLogs, l.SerializeAsString(), n));
  EXPECT_EQ(n, 2u);
}

TEST(PDataTest, EncodeTurnsAChangedBatchBackIntoBytes) {
  PData p = MakeTraces(1, 2);
  p.MutableTraces()->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name("renamed");
  p.MarkModified();
  ASSERT_FALSE(p.has_bytes());
  p.Encode();
  EXPECT_TRUE(p.has_bytes());
  EXPECT_EQ(p.ItemCount(), 2u);
  std::string scratch;
  TracesRequest back;
  ASSERT_TRUE(back.ParseFromString(std::string(p.ProtoBytes(scratch))));
  EXPECT_EQ(back.resource_spans(0).scope_spans(0).spans(0).name(), "renamed");

  // A shared batch is left as it is: another handle may be reading its message.
  PData q = MakeTraces(1, 1);
  q.MutableTraces()->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name("x");
  PData other = q.Share();
  q.Encode();
  EXPECT_FALSE(q.has_bytes());
  EXPECT_EQ(other.Traces()->resource_spans(0).scope_spans(0).spans(0).name(), "x");
}

// LiveBytes follows what batches hold through their life: received, decoded, changed, encoded,
// freed (single-threaded here, so the differences are exact).
TEST(PDataTest, LiveBytesFollowsWhatBatchesHold) {
  const int64_t before = PData::LiveBytes();
  {
    PData p = MakeTraces(2, 50);
    const int64_t received = PData::LiveBytes() - before;
    EXPECT_EQ(received, static_cast<int64_t>(p.MemoryBytes()));
    EXPECT_GE(received, static_cast<int64_t>(MakeTracesRequest(2, 50).ByteSizeLong()));
    auto* t = p.MutableTraces();  // decoded, the bytes dropped: the arena is what it holds now
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(PData::LiveBytes() - before, static_cast<int64_t>(p.MemoryBytes()));
    const int64_t decoded = PData::LiveBytes() - before;
    for (int i = 0; i < 5000; ++i) t->mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
    p.MarkModified();  // the arena grew
    EXPECT_GT(PData::LiveBytes() - before, decoded + 5000 * 64);
    EXPECT_EQ(PData::LiveBytes() - before, static_cast<int64_t>(p.MemoryBytes()));
    PData copy = p.Clone();
    EXPECT_EQ(PData::LiveBytes() - before, static_cast<int64_t>(p.MemoryBytes() + copy.MemoryBytes()));
    p.Encode();
    EXPECT_EQ(PData::LiveBytes() - before, static_cast<int64_t>(p.MemoryBytes() + copy.MemoryBytes()));
  }
  EXPECT_EQ(PData::LiveBytes(), before);
}

TEST(PDataTest, RejectsMalformedBytes) {
  PData p;
  EXPECT_EQ(PData::FromProtoBytes(Signal::kTraces, "\x0a\xff\xff\x01garbage", p).code(),
            StatusCode::kInvalidArgument);
  std::string truncated = MakeTracesRequest(1, 2).SerializeAsString();
  truncated.resize(truncated.size() - 3);
  EXPECT_FALSE(PData::FromProtoBytes(Signal::kTraces, truncated, p).ok());
  EXPECT_TRUE(PData::FromProtoBytes(Signal::kTraces, "", p).ok());  // empty request is valid
  EXPECT_EQ(p.ItemCount(), 0u);
}

TEST(PDataTest, ShareIsReadOnlyCloneIsIndependent) {
  PData p = MakeTraces(1, 1);
  PData clone = p.Clone();
  PData shared = p.Share();
  EXPECT_TRUE(p.read_only());
  EXPECT_EQ(shared.MutableTraces(), nullptr);
  auto* t = clone.MutableTraces();
  ASSERT_NE(t, nullptr);
  t->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name("x");
  EXPECT_EQ(p.Traces()->resource_spans(0).scope_spans(0).spans(0).name(), "span-0-0");
}

TEST(OtlpJsonTest, HexIdsEnumsAsIntsAndRoundTrip) {
  TracesRequest req = MakeTracesRequest(1, 2);
  std::string json = PrintOtlpJson(req);
  EXPECT_NE(json.find("\"traceId\":\"0102030405060708090a0b0c0d0e0f10\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"spanId\":\"0102030405060708\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"kind\":2"), std::string::npos) << json;
  EXPECT_NE(json.find("\"startTimeUnixNano\":\"1700000000000000000\""), std::string::npos) << json;
  TracesRequest back;
  std::string error;
  ASSERT_TRUE(ParseOtlpJson(json, back, error)) << error;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(req, back));
}

TEST(OtlpJsonTest, AcceptsIntegersAsNumbersAndIgnoresUnknownFields) {
  const char* json = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C",
    "spanId":"eee19b7ec3c1b174","name":"n","kind":3,"startTimeUnixNano":1544712660000000000,
    "futureField":{"a":1}}]}]}]})";
  TracesRequest t;
  std::string error;
  ASSERT_TRUE(ParseOtlpJson(json, t, error)) << error;
  const auto& s = t.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(s.trace_id().size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(s.trace_id()[0]), 0x5b);
  EXPECT_EQ(s.span_id().size(), 8u);
  EXPECT_EQ(s.kind(), 3);
  EXPECT_EQ(s.start_time_unix_nano(), 1544712660000000000ull);
}

// libprotobuf alone would read the number -0 as +0.0; an int field may still be written -0, and a
// string containing -0 must stay as it is.
TEST(OtlpJsonTest, NegativeZeroKeepsItsSign) {
  const char* json = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a -0 \" -0",
    "attributes":[{"key":"d","value":{"doubleValue":-0}},{"key":"e","value":{"doubleValue":-0e0}},
                  {"key":"i","value":{"intValue":-0}},{"key":"s","value":{"stringValue":"-0"}}]}]}]}]})";
  TracesRequest t;
  std::string error;
  ASSERT_TRUE(ParseOtlpJson(json, t, error)) << error;
  const auto& s = t.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(s.name(), "a -0 \" -0");
  ASSERT_EQ(s.attributes_size(), 4);
  EXPECT_TRUE(std::signbit(s.attributes(0).value().double_value()));
  EXPECT_TRUE(std::signbit(s.attributes(1).value().double_value()));
  EXPECT_EQ(s.attributes(2).value().int_value(), 0);
  EXPECT_EQ(s.attributes(3).value().string_value(), "-0");
}

TEST(OtlpJsonTest, RejectsBadIdsAndBadJson) {
  TracesRequest t;
  std::string error;
  EXPECT_FALSE(ParseOtlpJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zzzz"}]}]}]})", t, error));
  EXPECT_FALSE(ParseOtlpJson("{not json", t, error));
}

}  // namespace
}  // namespace adot::collector
