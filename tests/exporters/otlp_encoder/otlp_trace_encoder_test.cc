// The encoder's output is decoded with libprotobuf (classes generated from proto/) and, for
// OTLP/JSON, with libprotobuf's JSON parser after undoing the OTLP hex-id deviation; every field is
// compared with the SpanData it came from.
#include "exporters/otlp/otlp_trace_encoder.h"

#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/json_reader.h"
#include "common/json_writer.h"
#include "common/proto_writer.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace adot::exporters::otlp {
namespace {

namespace pb = opentelemetry::proto;
using api::trace::SpanContext;
using api::trace::SpanId;
using api::trace::SpanKind;
using api::trace::StatusCode;
using api::trace::TraceFlags;
using api::trace::TraceId;
using api::trace::TraceState;
using pb::collector::trace::v1::ExportTraceServiceRequest;
using sdk::InstrumentationInfo;
using sdk::OwnedAttributes;
using sdk::OwnedAttributeValue;
using sdk::Resource;
using sdk::trace::EventData;
using sdk::trace::LinkData;
using sdk::trace::SpanData;

using Batch = std::vector<std::unique_ptr<SpanData>>;

TraceId MakeTraceId(uint8_t seed) {
  std::array<uint8_t, 16> b;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seed + i * 17);
  return TraceId(b);
}
SpanId MakeSpanId(uint8_t seed) {
  std::array<uint8_t, 8> b;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seed * 3 + i * 29 + 1);
  return SpanId(b);
}
std::string Bytes(const uint8_t* data, size_t n) {
  return std::string(reinterpret_cast<const char*>(data), n);
}

std::shared_ptr<const Resource> MakeResource(OwnedAttributes attributes,
                                             std::string schema_url = {}) {
  return std::make_shared<const Resource>(std::move(attributes), std::move(schema_url));
}

std::shared_ptr<const InstrumentationInfo> MakeInfo(std::shared_ptr<const Resource> resource,
                                                    std::string name, std::string version = {},
                                                    std::string schema_url = {},
                                                    OwnedAttributes attributes = {}) {
  auto info = std::make_shared<InstrumentationInfo>();
  info->scope.name = std::move(name);
  info->scope.version = std::move(version);
  info->scope.schema_url = std::move(schema_url);
  info->scope.attributes = std::move(attributes);
  info->resource = std::move(resource);
  return info;
}

std::unique_ptr<SpanData> MakeSpan(std::shared_ptr<const InstrumentationInfo> info, uint8_t seed,
                                   std::string name) {
  auto span = std::make_unique<SpanData>();
  span->trace_id = MakeTraceId(seed);
  span->span_id = MakeSpanId(seed);
  span->flags = TraceFlags(TraceFlags::kSampled);
  span->name = std::move(name);
  span->kind = SpanKind::kInternal;
  span->start_time_unix_nano = 1700000000000000000ull + seed;
  span->end_time_unix_nano = 1700000000000000000ull + seed + 1000;
  span->instrumentation = std::move(info);
  return span;
}

// Every attribute type, including the edge values of each.
OwnedAttributes AllAttributeTypes() {
  return {
      {"bool.true", true},
      {"bool.false", false},
      {"int.zero", int64_t{0}},
      {"int.neg", int64_t{-42}},
      {"int.min", std::numeric_limits<int64_t>::min()},
      {"int.max", std::numeric_limits<int64_t>::max()},
      {"double", 3.25},
      {"double.negzero", -0.0},
      {"double.inf", std::numeric_limits<double>::infinity()},
      {"double.nan", std::numeric_limits<double>::quiet_NaN()},
      {"string", std::string("value \xE2\x82\xAC \"quoted\" \\ \n")},
      {"string.empty", std::string()},
      {"string.long", std::string(300, 'L')},
      {"bools", std::vector<bool>{true, false, true}},
      {"ints", std::vector<int64_t>{1, -1, std::numeric_limits<int64_t>::min(), 300}},
      {"doubles", std::vector<double>{0.5, -2.0, 1e300}},
      {"strings", std::vector<std::string>{"a", "", std::string(200, 'b')}},
      {"empty.bools", std::vector<bool>{}},
      {"empty.ints", std::vector<int64_t>{}},
      {"empty.doubles", std::vector<double>{}},
      {"empty.strings", std::vector<std::string>{}},
      {"", std::string("empty key")},
  };
}

// The reference mapping of an attribute value to AnyValue, written against the generated API.
pb::common::v1::AnyValue ToProto(const OwnedAttributeValue& value) {
  pb::common::v1::AnyValue any;
  std::visit(
      [&any](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          any.set_bool_value(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          any.set_int_value(v);
        } else if constexpr (std::is_same_v<T, double>) {
          any.set_double_value(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          any.set_string_value(v);
        } else {
          auto* array = any.mutable_array_value();
          for (const auto& x : v) {
            using E = std::decay_t<decltype(x)>;
            auto* element = array->add_values();
            if constexpr (std::is_same_v<E, std::string>) {
              element->set_string_value(x);
            } else if constexpr (std::is_same_v<E, double>) {
              element->set_double_value(x);
            } else if constexpr (std::is_same_v<E, int64_t>) {
              element->set_int_value(x);
            } else {
              element->set_bool_value(static_cast<bool>(x));
            }
          }
        }
      },
      value);
  return any;
}

bool ProtoEquals(const google::protobuf::Message& a, const google::protobuf::Message& b,
                 std::string* diff = nullptr) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  if (diff != nullptr) differencer.ReportDifferencesToString(diff);
  return differencer.Compare(a, b);
}

void ExpectAttributes(const google::protobuf::RepeatedPtrField<pb::common::v1::KeyValue>& actual,
                      const OwnedAttributes& expected) {
  ASSERT_EQ(actual.size(), static_cast<int>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].key(), expected[i].key);
    ASSERT_TRUE(actual[i].has_value()) << expected[i].key;
    std::string diff;
    EXPECT_TRUE(ProtoEquals(actual[i].value(), ToProto(expected[i].value), &diff))
        << expected[i].key << ": " << diff;
  }
}

ExportTraceServiceRequest DecodeProto(const std::string& bytes) {
  ExportTraceServiceRequest request;
  EXPECT_TRUE(request.ParseFromString(bytes));
  return request;
}

ExportTraceServiceRequest EncodeAndDecode(const Batch& batch) {
  std::string out;
  EncodeTraceRequestProto(batch, out);
  return DecodeProto(out);
}

// libprotobuf serialises fields in field-number order with canonical lengths; so do we. Equal
// bytes prove there are no stray, duplicated or unknown fields.
void ExpectCanonical(const std::string& bytes) {
  ExportTraceServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(bytes));
  std::string again;
  {
    google::protobuf::io::StringOutputStream stream(&again);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    ASSERT_TRUE(request.SerializeToCodedStream(&coded));
  }
  EXPECT_TRUE(bytes == again) << "encoder output differs from libprotobuf's serialisation ("
                              << bytes.size() << " vs " << again.size() << " bytes)";
}

// Replaces the OTLP/JSON hex ids by the base64 that proto3 JSON parsers expect for bytes.
std::string HexIdsToBase64(const std::string& json) {
  std::string out;
  size_t pos = 0;
  while (pos < json.size()) {
    size_t best = std::string::npos, key_len = 0;
    for (std::string_view key : {"\"traceId\":\"", "\"spanId\":\"", "\"parentSpanId\":\""}) {
      size_t at = json.find(key, pos);
      if (at < best) {
        best = at;
        key_len = key.size();
      }
    }
    if (best == std::string::npos) break;
    const size_t value_start = best + key_len;
    const size_t value_end = json.find('"', value_start);
    out.append(json, pos, value_start - pos);
    const std::string hex = json.substr(value_start, value_end - value_start);
    EXPECT_TRUE(hex.size() == 32 || hex.size() == 16) << hex;
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
    std::string raw;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
      raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    common::Base64Encode(raw, out);
    pos = value_end;
  }
  out.append(json, pos, std::string::npos);
  return out;
}

ExportTraceServiceRequest DecodeJson(const std::string& json) {
  ExportTraceServiceRequest request;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // every key we write must be a real field
  auto status =
      google::protobuf::util::JsonStringToMessage(HexIdsToBase64(json), &request, options);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return request;
}

// Encodes batch both ways and checks that the JSON decodes to the same message as the protobuf.
void ExpectJsonMatchesProto(const Batch& batch) {
  std::string bytes, json;
  EncodeTraceRequestProto(batch, bytes);
  EncodeTraceRequestJson(batch, json);
  auto from_proto = DecodeProto(bytes);
  auto from_json = DecodeJson(json);
  std::string diff;
  EXPECT_TRUE(ProtoEquals(from_proto, from_json, &diff)) << diff << "\n" << json;
}

// A span with every field set.
struct FullFixture {
  std::shared_ptr<const Resource> resource =
      MakeResource({{"service.name", std::string("checkout")}, {"host.cores", int64_t{8}}},
                   "https://opentelemetry.io/schemas/1.24.0");
  std::shared_ptr<const InstrumentationInfo> info =
      MakeInfo(resource, "io.adot.test", "1.2.3", "https://opentelemetry.io/schemas/1.21.0",
               {{"scope.attr", true}});
  Batch batch;

  FullFixture() {
    auto span = MakeSpan(info, 1, "GET /cart");
    span->parent_span_id = MakeSpanId(99);
    span->parent_is_remote = true;
    span->flags = TraceFlags(TraceFlags::kSampled | TraceFlags::kRandom);
    span->trace_state = TraceState::FromHeader("vendor=abc,other=x-y");
    span->kind = SpanKind::kServer;
    span->attributes = AllAttributeTypes();
    span->dropped_attributes_count = 3;

    EventData event;
    event.name = "exception";
    event.time_unix_nano = 1700000000000000500ull;
    event.attributes = {{"exception.type", std::string("std::runtime_error")},
                        {"count", int64_t{2}}};
    event.dropped_attributes_count = 1;
    span->events.push_back(event);
    EventData bare;  // no time, name or attributes
    span->events.push_back(bare);
    span->dropped_events_count = 4;

    LinkData remote_link;
    remote_link.context = SpanContext(MakeTraceId(50), MakeSpanId(51), TraceFlags(1), true,
                                      TraceState::FromHeader("k=v"));
    remote_link.attributes = {{"link.kind", std::string("follows")}};
    remote_link.dropped_attributes_count = 2;
    span->links.push_back(remote_link);
    LinkData local_link;
    local_link.context = SpanContext(MakeTraceId(60), MakeSpanId(61), TraceFlags(0), false);
    span->links.push_back(local_link);
    span->dropped_links_count = 5;

    span->status_code = StatusCode::kError;
    span->status_message = "payment failed";
    batch.push_back(std::move(span));
  }
};

TEST(OtlpTraceEncoderTest, EveryFieldRoundTripsThroughLibprotobuf) {
  FullFixture f;
  const SpanData& in = *f.batch[0];
  auto request = EncodeAndDecode(f.batch);

  ASSERT_EQ(request.resource_spans_size(), 1);
  const auto& rs = request.resource_spans(0);
  EXPECT_EQ(rs.schema_url(), "https://opentelemetry.io/schemas/1.24.0");
  ASSERT_TRUE(rs.has_resource());
  ExpectAttributes(rs.resource().attributes(), f.resource->attributes());
  EXPECT_EQ(rs.resource().dropped_attributes_count(), 0u);

  ASSERT_EQ(rs.scope_spans_size(), 1);
  const auto& ss = rs.scope_spans(0);
  EXPECT_EQ(ss.schema_url(), "https://opentelemetry.io/schemas/1.21.0");
  EXPECT_EQ(ss.scope().name(), "io.adot.test");
  EXPECT_EQ(ss.scope().version(), "1.2.3");
  ExpectAttributes(ss.scope().attributes(), f.info->scope.attributes);

  ASSERT_EQ(ss.spans_size(), 1);
  const auto& span = ss.spans(0);
  EXPECT_EQ(span.trace_id(), Bytes(in.trace_id.data(), 16));
  EXPECT_EQ(span.span_id(), Bytes(in.span_id.data(), 8));
  EXPECT_EQ(span.parent_span_id(), Bytes(in.parent_span_id.data(), 8));
  EXPECT_EQ(span.trace_state(), in.trace_state->ToHeader());
  EXPECT_EQ(span.trace_state(), "vendor=abc,other=x-y");
  EXPECT_EQ(span.flags(), 0x303u);  // sampled|random, has-is-remote, parent remote
  EXPECT_EQ(span.flags(), in.OtlpFlags());
  EXPECT_EQ(span.name(), "GET /cart");
  EXPECT_EQ(span.kind(), pb::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), in.start_time_unix_nano);
  EXPECT_EQ(span.end_time_unix_nano(), in.end_time_unix_nano);
  ExpectAttributes(span.attributes(), in.attributes);
  EXPECT_EQ(span.dropped_attributes_count(), 3u);

  // A few attribute values spelled out, independent of the reference mapping.
  EXPECT_EQ(span.attributes(0).value().value_case(), pb::common::v1::AnyValue::kBoolValue);
  EXPECT_TRUE(span.attributes(0).value().bool_value());
  EXPECT_EQ(span.attributes(1).value().value_case(), pb::common::v1::AnyValue::kBoolValue);
  EXPECT_EQ(span.attributes(4).value().int_value(), std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(std::signbit(span.attributes(7).value().double_value()));
  EXPECT_TRUE(std::isnan(span.attributes(9).value().double_value()));
  EXPECT_EQ(span.attributes(11).value().value_case(), pb::common::v1::AnyValue::kStringValue);
  EXPECT_EQ(span.attributes(14).value().array_value().values(2).int_value(),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(span.attributes(17).value().value_case(), pb::common::v1::AnyValue::kArrayValue);
  EXPECT_EQ(span.attributes(17).value().array_value().values_size(), 0);
  EXPECT_EQ(span.attributes(21).key(), "");

  ASSERT_EQ(span.events_size(), 2);
  EXPECT_EQ(span.events(0).name(), "exception");
  EXPECT_EQ(span.events(0).time_unix_nano(), 1700000000000000500ull);
  ExpectAttributes(span.events(0).attributes(), in.events[0].attributes);
  EXPECT_EQ(span.events(0).dropped_attributes_count(), 1u);
  EXPECT_EQ(span.events(1).ByteSizeLong(), 0u);
  EXPECT_EQ(span.dropped_events_count(), 4u);

  ASSERT_EQ(span.links_size(), 2);
  EXPECT_EQ(span.links(0).trace_id(), Bytes(MakeTraceId(50).data(), 16));
  EXPECT_EQ(span.links(0).span_id(), Bytes(MakeSpanId(51).data(), 8));
  EXPECT_EQ(span.links(0).trace_state(), "k=v");
  ExpectAttributes(span.links(0).attributes(), in.links[0].attributes);
  EXPECT_EQ(span.links(0).dropped_attributes_count(), 2u);
  EXPECT_EQ(span.links(0).flags(), 0x301u);
  EXPECT_EQ(span.links(1).trace_id(), Bytes(MakeTraceId(60).data(), 16));
  EXPECT_EQ(span.links(1).trace_state(), "");
  EXPECT_EQ(span.links(1).attributes_size(), 0);
  EXPECT_EQ(span.links(1).flags(), 0x100u);
  EXPECT_EQ(span.dropped_links_count(), 5u);

  ASSERT_TRUE(span.has_status());
  EXPECT_EQ(span.status().code(), pb::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.status().message(), "payment failed");
}

TEST(OtlpTraceEncoderTest, OutputIsCanonicalProtobuf) {
  FullFixture f;
  std::string bytes;
  EncodeTraceRequestProto(f.batch, bytes);
  ExpectCanonical(bytes);
}

TEST(OtlpTraceEncoderTest, RootSpanOmitsDefaultFields) {
  auto info = MakeInfo(MakeResource({}), "");
  Batch batch;
  batch.push_back(MakeSpan(info, 7, "root"));
  batch[0]->flags = TraceFlags(0);
  std::string bytes;
  EncodeTraceRequestProto(batch, bytes);
  ExpectCanonical(bytes);
  auto request = DecodeProto(bytes);
  const auto& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_TRUE(span.parent_span_id().empty());
  EXPECT_FALSE(span.has_status());
  EXPECT_EQ(span.flags(), 0x100u);

  // Walk the raw span: only the fields that carry a value are present.
  common::proto::ProtoReader::Field f;
  std::string_view level = bytes;
  for (int depth = 0; depth < 3; ++depth) {  // ResourceSpans -> ScopeSpans -> Span
    common::proto::ProtoReader r(level);
    std::string_view next;
    while (r.Next(f)) {
      if ((depth == 0 && f.number == 1) || (depth >= 1 && f.number == 2)) next = f.bytes;
    }
    ASSERT_TRUE(r.ok());
    level = next;
  }
  std::set<uint32_t> fields;
  common::proto::ProtoReader r(level);
  while (r.Next(f)) fields.insert(f.number);
  EXPECT_EQ(fields, (std::set<uint32_t>{1, 2, 5, 6, 7, 8, 16}));

  // Empty resource and scope are still sent as (empty) messages.
  EXPECT_TRUE(request.resource_spans(0).has_resource());
  EXPECT_TRUE(request.resource_spans(0).scope_spans(0).has_scope());
  EXPECT_TRUE(request.resource_spans(0).schema_url().empty());
}

TEST(OtlpTraceEncoderTest, KindsAndStatusCodes) {
  auto info = MakeInfo(MakeResource({}), "s");
  Batch batch;
  const SpanKind kinds[] = {SpanKind::kInternal, SpanKind::kServer, SpanKind::kClient,
                            SpanKind::kProducer, SpanKind::kConsumer};
  for (int i = 0; i < 5; ++i) {
    batch.push_back(MakeSpan(info, static_cast<uint8_t>(i), "k"));
    batch.back()->kind = kinds[i];
  }
  batch[0]->status_code = StatusCode::kOk;
  batch[1]->status_code = StatusCode::kError;  // error without a message
  batch[2]->status_message = "description without code";
  auto request = EncodeAndDecode(batch);
  const auto& spans = request.resource_spans(0).scope_spans(0).spans();
  ASSERT_EQ(spans.size(), 5);
  EXPECT_EQ(spans[0].kind(), pb::trace::v1::Span::SPAN_KIND_INTERNAL);
  EXPECT_EQ(spans[1].kind(), pb::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(spans[2].kind(), pb::trace::v1::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(spans[3].kind(), pb::trace::v1::Span::SPAN_KIND_PRODUCER);
  EXPECT_EQ(spans[4].kind(), pb::trace::v1::Span::SPAN_KIND_CONSUMER);
  EXPECT_EQ(spans[0].status().code(), pb::trace::v1::Status::STATUS_CODE_OK);
  EXPECT_TRUE(spans[0].status().message().empty());
  EXPECT_EQ(spans[1].status().code(), pb::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_TRUE(spans[2].has_status());
  EXPECT_EQ(spans[2].status().code(), pb::trace::v1::Status::STATUS_CODE_UNSET);
  EXPECT_EQ(spans[2].status().message(), "description without code");
  EXPECT_FALSE(spans[3].has_status());
  ExpectJsonMatchesProto(batch);
}

TEST(OtlpTraceEncoderTest, GroupsByResourceThenScopeInFirstAppearanceOrder) {
  auto r1 = MakeResource({{"service.name", std::string("one")}});
  // Equal contents, different object: grouping is by identity.
  auto r2 = MakeResource({{"service.name", std::string("one")}}, "schema-2");
  auto a = MakeInfo(r1, "A");
  auto b = MakeInfo(r1, "B", "2.0");
  auto c = MakeInfo(r2, "C");
  auto a_twin = MakeInfo(r1, "A");  // same contents as a, different object
  Batch batch;
  batch.push_back(MakeSpan(b, 1, "b1"));
  batch.push_back(MakeSpan(c, 2, "c1"));
  batch.push_back(MakeSpan(a, 3, "a1"));
  batch.push_back(MakeSpan(b, 4, "b2"));
  batch.push_back(MakeSpan(a_twin, 5, "t1"));
  batch.push_back(MakeSpan(c, 6, "c2"));
  batch.push_back(MakeSpan(a, 7, "a2"));
  batch.push_back(MakeSpan(b, 8, "b3"));

  std::string bytes;
  EncodeTraceRequestProto(batch, bytes);
  ExpectCanonical(bytes);
  auto request = DecodeProto(bytes);

  auto names = [](const pb::trace::v1::ScopeSpans& ss) {
    std::vector<std::string> out;
    for (const auto& s : ss.spans()) out.push_back(s.name());
    return out;
  };
  ASSERT_EQ(request.resource_spans_size(), 2);
  const auto& first = request.resource_spans(0);
  EXPECT_EQ(first.schema_url(), "");
  ASSERT_EQ(first.scope_spans_size(), 3);
  EXPECT_EQ(first.scope_spans(0).scope().name(), "B");
  EXPECT_EQ(first.scope_spans(0).scope().version(), "2.0");
  EXPECT_EQ(names(first.scope_spans(0)), (std::vector<std::string>{"b1", "b2", "b3"}));
  EXPECT_EQ(first.scope_spans(1).scope().name(), "A");
  EXPECT_EQ(names(first.scope_spans(1)), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(first.scope_spans(2).scope().name(), "A");
  EXPECT_EQ(names(first.scope_spans(2)), (std::vector<std::string>{"t1"}));
  const auto& second = request.resource_spans(1);
  EXPECT_EQ(second.schema_url(), "schema-2");
  ASSERT_EQ(second.scope_spans_size(), 1);
  EXPECT_EQ(second.scope_spans(0).scope().name(), "C");
  EXPECT_EQ(names(second.scope_spans(0)), (std::vector<std::string>{"c1", "c2"}));
  ExpectAttributes(second.resource().attributes(), r2->attributes());

  ExpectJsonMatchesProto(batch);
}

TEST(OtlpTraceEncoderTest, ManyGroupsKeepEverySpanOnce) {
  std::mt19937 rng(5);
  std::vector<std::shared_ptr<const Resource>> resources;
  for (int i = 0; i < 7; ++i) {
    resources.push_back(MakeResource({{"r", int64_t{i}}}, "r" + std::to_string(i)));
  }
  std::vector<std::shared_ptr<const InstrumentationInfo>> infos;
  for (int i = 0; i < 40; ++i) {
    infos.push_back(MakeInfo(resources[rng() % resources.size()], "scope" + std::to_string(i)));
  }
  Batch batch;
  for (int i = 0; i < 600; ++i) {
    batch.push_back(
        MakeSpan(infos[rng() % infos.size()], static_cast<uint8_t>(i), "span" + std::to_string(i)));
  }
  std::string bytes;
  EncodeTraceRequestProto(batch, bytes);
  ExpectCanonical(bytes);
  auto request = DecodeProto(bytes);

  // Each span appears once, under its own scope and resource, in batch order within the scope.
  std::set<std::string> seen;
  std::set<std::string> resource_urls, scope_names;
  for (const auto& rs : request.resource_spans()) {
    EXPECT_TRUE(resource_urls.insert(rs.schema_url()).second) << "resource split";
    for (const auto& ss : rs.scope_spans()) {
      EXPECT_TRUE(scope_names.insert(ss.scope().name()).second) << "scope split";
      int last = -1;
      for (const auto& s : ss.spans()) {
        const int index = std::stoi(s.name().substr(4));
        EXPECT_GT(index, last);
        last = index;
        EXPECT_EQ(batch[index]->scope().name, ss.scope().name());
        EXPECT_EQ(batch[index]->resource().schema_url(), rs.schema_url());
        EXPECT_TRUE(seen.insert(s.name()).second);
      }
    }
  }
  EXPECT_EQ(seen.size(), batch.size());
  ExpectJsonMatchesProto(batch);
}

TEST(OtlpTraceEncoderTest, LargeAndTinyMessagesUseCorrectLengths) {
  auto info = MakeInfo(MakeResource({}), "");
  Batch batch;
  // Tiny span (< 128 bytes): the two reserved length bytes shrink to one.
  batch.push_back(MakeSpan(info, 1, ""));
  // 20 KB span and 200 KB event: lengths of three bytes.
  batch.push_back(MakeSpan(info, 2, "big"));
  batch.back()->attributes.push_back({"blob", std::string(20000, 'x')});
  EventData event;
  event.name = std::string(200000, 'e');
  batch.back()->events.push_back(event);
  std::string bytes;
  EncodeTraceRequestProto(batch, bytes);
  ExpectCanonical(bytes);
  auto request = DecodeProto(bytes);
  const auto& spans = request.resource_spans(0).scope_spans(0).spans();
  ASSERT_EQ(spans.size(), 2);
  EXPECT_EQ(spans[1].attributes(0).value().string_value().size(), 20000u);
  EXPECT_EQ(spans[1].events(0).name().size(), 200000u);
}

TEST(OtlpTraceEncoderTest, BatchLargerThanTwoMebibytes) {
  auto info = MakeInfo(MakeResource({{"service.name", std::string("svc")}}), "scope");
  Batch batch;
  for (int i = 0; i < 6000; ++i) {
    batch.push_back(MakeSpan(info, static_cast<uint8_t>(i), "span"));
    for (int a = 0; a < 10; ++a) {
      batch.back()->attributes.push_back(
          {"attribute.key." + std::to_string(a), std::string(20, static_cast<char>('a' + a))});
    }
  }
  std::string bytes;
  EncodeTraceRequestProto(batch, bytes);
  EXPECT_GT(bytes.size(), size_t{1} << 21);
  ExpectCanonical(bytes);
  auto request = DecodeProto(bytes);
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans_size(), 6000);
}

TEST(OtlpTraceEncoderTest, EmptyBatchNullsAndMissingInstrumentation) {
  Batch empty;
  std::string bytes = "keep";
  EncodeTraceRequestProto(empty, bytes);
  EXPECT_EQ(bytes, "keep");
  std::string json;
  EncodeTraceRequestJson(empty, json);
  EXPECT_EQ(json, "{}");

  Batch batch;
  batch.push_back(nullptr);
  batch.push_back(MakeSpan(nullptr, 1, "no instrumentation"));
  batch.push_back(nullptr);
  batch.push_back(MakeSpan(MakeInfo(nullptr, "no resource"), 2, "no resource"));
  bytes.clear();
  EncodeTraceRequestProto(batch, bytes);
  ExpectCanonical(bytes);
  auto request = DecodeProto(bytes);
  ASSERT_EQ(request.resource_spans_size(), 1);  // both have a null resource
  const auto& rs = request.resource_spans(0);
  EXPECT_EQ(rs.resource().attributes_size(), 0);
  ASSERT_EQ(rs.scope_spans_size(), 2);
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "");
  EXPECT_EQ(rs.scope_spans(0).spans(0).name(), "no instrumentation");
  EXPECT_EQ(rs.scope_spans(1).scope().name(), "no resource");
  ExpectJsonMatchesProto(batch);
}

TEST(OtlpTraceEncoderTest, NullEntriesInASingleScopeBatchAreSkipped) {
  auto info = MakeInfo(MakeResource({}), "one");
  Batch batch;
  batch.push_back(nullptr);
  batch.push_back(MakeSpan(info, 1, "first"));
  batch.push_back(nullptr);
  batch.push_back(MakeSpan(info, 2, "second"));
  auto request = EncodeAndDecode(batch);
  ASSERT_EQ(request.resource_spans_size(), 1);
  ASSERT_EQ(request.resource_spans(0).scope_spans_size(), 1);
  const auto& spans = request.resource_spans(0).scope_spans(0).spans();
  ASSERT_EQ(spans.size(), 2);
  EXPECT_EQ(spans[0].name(), "first");
  EXPECT_EQ(spans[1].name(), "second");
  ExpectJsonMatchesProto(batch);

  Batch only_nulls;
  only_nulls.push_back(nullptr);
  std::string bytes, json;
  EncodeTraceRequestProto(only_nulls, bytes);
  EncodeTraceRequestJson(only_nulls, json);
  EXPECT_EQ(bytes, "");
  EXPECT_EQ(json, "{}");
}

TEST(OtlpTraceEncoderTest, AppendsToExistingOutput) {
  FullFixture f;
  std::string alone;
  EncodeTraceRequestProto(f.batch, alone);
  std::string out = "HEADER";
  EncodeTraceRequestProto(f.batch, out);
  EXPECT_EQ(out, "HEADER" + alone);
  std::string json_alone, json = "[";
  EncodeTraceRequestJson(f.batch, json_alone);
  EncodeTraceRequestJson(f.batch, json);
  EXPECT_EQ(json, "[" + json_alone);
}

TEST(OtlpTraceEncoderTest, InvalidUtf8IsReplacedSoReceiversAcceptTheRequest) {
  auto info = MakeInfo(MakeResource({{"res\xff", std::string("v\xC0\x80")}}), "scope\xfe", "1\xff",
                       "url\x80");
  Batch batch;
  batch.push_back(MakeSpan(info, 1, "name\xE2\x82"));
  batch[0]->attributes = {{"key\xff", std::string("value\xed\xa0\x80")},
                          {"ok", std::vector<std::string>{"fine", "bad\x80"}},
                          {"num\xff", int64_t{5}}};
  batch[0]->status_code = StatusCode::kError;
  batch[0]->status_message = "msg\xff";
  EventData event;
  event.name = "ev\xff";
  batch[0]->events.push_back(event);

  std::string bytes;
  EncodeTraceRequestProto(batch, bytes);
  auto request = DecodeProto(bytes);  // libprotobuf rejects invalid UTF-8 in proto3 strings
  const std::string r = "\xEF\xBF\xBD";
  const auto& rs = request.resource_spans(0);
  EXPECT_EQ(rs.resource().attributes(0).key(), "res" + r);
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "v" + r + r);
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "scope" + r);
  EXPECT_EQ(rs.scope_spans(0).scope().version(), "1" + r);
  EXPECT_EQ(rs.scope_spans(0).schema_url(), "url" + r);
  const auto& span = rs.scope_spans(0).spans(0);
  EXPECT_EQ(span.name(), "name" + r + r);
  EXPECT_EQ(span.attributes(0).key(), "key" + r);
  EXPECT_EQ(span.attributes(0).value().string_value(), "value" + r + r + r);
  EXPECT_EQ(span.attributes(1).value().array_value().values(0).string_value(), "fine");
  EXPECT_EQ(span.attributes(1).value().array_value().values(1).string_value(), "bad" + r);
  EXPECT_EQ(span.attributes(2).key(), "num" + r);
  EXPECT_EQ(span.attributes(2).value().int_value(), 5);
  EXPECT_EQ(span.status().message(), "msg" + r);
  EXPECT_EQ(span.events(0).name(), "ev" + r);
  ExpectCanonical(bytes);
  ExpectJsonMatchesProto(batch);
}

// ----------------------------------------------------------------------------------------------
// OTLP/JSON

TEST(OtlpTraceEncoderJsonTest, FullSpanDecodesToTheSameMessage) {
  FullFixture f;
  ExpectJsonMatchesProto(f.batch);
}

TEST(OtlpTraceEncoderJsonTest, FollowsOtlpJsonDeviations) {
  FullFixture f;
  std::string json;
  EncodeTraceRequestJson(f.batch, json);
  common::JsonValue root;
  std::string error;
  ASSERT_TRUE(common::ParseJson(json, root, &error)) << error;

  // Keys are lowerCamelCase only.
  std::vector<const common::JsonValue*> stack = {&root};
  while (!stack.empty()) {
    const common::JsonValue* v = stack.back();
    stack.pop_back();
    for (const auto& m : v->members()) {
      EXPECT_EQ(m.key.find('_'), std::string::npos) << m.key;
      stack.push_back(&m.value);
    }
    for (const auto& e : v->array()) stack.push_back(&e);
  }

  const SpanData& in = *f.batch[0];
  const auto& rs = root.Find("resourceSpans")->array().at(0);
  EXPECT_EQ(rs.Find("schemaUrl")->text(), "https://opentelemetry.io/schemas/1.24.0");
  const auto& ss = rs.Find("scopeSpans")->array().at(0);
  EXPECT_EQ(ss.Find("scope")->Find("name")->text(), "io.adot.test");
  const auto& span = ss.Find("spans")->array().at(0);
  // Ids: lowercase hex, not base64.
  EXPECT_EQ(span.Find("traceId")->text(), in.trace_id.ToHex());
  EXPECT_EQ(span.Find("spanId")->text(), in.span_id.ToHex());
  EXPECT_EQ(span.Find("parentSpanId")->text(), in.parent_span_id.ToHex());
  EXPECT_EQ(span.Find("traceState")->text(), "vendor=abc,other=x-y");
  // Enums as integers.
  ASSERT_TRUE(span.Find("kind")->is_number());
  EXPECT_EQ(span.Find("kind")->text(), "2");
  ASSERT_TRUE(span.Find("status")->Find("code")->is_number());
  EXPECT_EQ(span.Find("status")->Find("code")->text(), "2");
  EXPECT_EQ(span.Find("status")->Find("message")->text(), "payment failed");
  // 64-bit integers as strings, 32-bit ones as numbers.
  ASSERT_TRUE(span.Find("startTimeUnixNano")->is_string());
  EXPECT_EQ(span.Find("startTimeUnixNano")->text(), std::to_string(in.start_time_unix_nano));
  ASSERT_TRUE(span.Find("endTimeUnixNano")->is_string());
  EXPECT_EQ(span.Find("endTimeUnixNano")->text(), std::to_string(in.end_time_unix_nano));
  ASSERT_TRUE(span.Find("flags")->is_number());
  EXPECT_EQ(span.Find("flags")->text(), std::to_string(0x303));
  ASSERT_TRUE(span.Find("droppedAttributesCount")->is_number());
  EXPECT_EQ(span.Find("droppedAttributesCount")->text(), "3");
  EXPECT_EQ(span.Find("droppedEventsCount")->text(), "4");
  EXPECT_EQ(span.Find("droppedLinksCount")->text(), "5");

  auto attr = [&span](std::string_view key) -> const common::JsonValue& {
    for (const auto& kv : span.Find("attributes")->array()) {
      if (kv.Find("key")->text() == key) return *kv.Find("value");
    }
    ADD_FAILURE() << "no attribute " << key;
    static common::JsonValue none;
    return none;
  };
  EXPECT_TRUE(attr("bool.true").Find("boolValue")->bool_value());
  EXPECT_FALSE(attr("bool.false").Find("boolValue")->bool_value());
  ASSERT_TRUE(attr("int.min").Find("intValue")->is_string());
  EXPECT_EQ(attr("int.min").Find("intValue")->text(), "-9223372036854775808");
  ASSERT_TRUE(attr("double").Find("doubleValue")->is_number());
  EXPECT_EQ(attr("double").Find("doubleValue")->text(), "3.25");
  EXPECT_EQ(attr("double.nan").Find("doubleValue")->text(), "NaN");
  EXPECT_EQ(attr("double.inf").Find("doubleValue")->text(), "Infinity");
  EXPECT_EQ(attr("string").Find("stringValue")->text(), "value \xE2\x82\xAC \"quoted\" \\ \n");
  const auto& ints = attr("ints").Find("arrayValue")->Find("values")->array();
  ASSERT_EQ(ints.size(), 4u);
  EXPECT_EQ(ints[3].Find("intValue")->text(), "300");
  EXPECT_TRUE(attr("empty.ints").Find("arrayValue")->members().empty());
  EXPECT_EQ(
      attr("strings").Find("arrayValue")->Find("values")->array()[1].Find("stringValue")->text(),
      "");

  const auto& event = span.Find("events")->array().at(0);
  ASSERT_TRUE(event.Find("timeUnixNano")->is_string());
  EXPECT_EQ(event.Find("timeUnixNano")->text(), "1700000000000000500");
  EXPECT_TRUE(span.Find("events")->array().at(1).members().empty());
  const auto& link = span.Find("links")->array().at(0);
  EXPECT_EQ(link.Find("traceId")->text(), MakeTraceId(50).ToHex());
  EXPECT_EQ(link.Find("spanId")->text(), MakeSpanId(51).ToHex());
  EXPECT_EQ(link.Find("flags")->text(), std::to_string(0x301));
  EXPECT_EQ(link.Find("traceState")->text(), "k=v");
}

TEST(OtlpTraceEncoderJsonTest, RootSpanHasNoParentOrStatus) {
  auto info = MakeInfo(MakeResource({}), "s");
  Batch batch;
  batch.push_back(MakeSpan(info, 9, "root"));
  std::string json;
  EncodeTraceRequestJson(batch, json);
  EXPECT_EQ(json.find("parentSpanId"), std::string::npos);
  EXPECT_EQ(json.find("status"), std::string::npos);
  EXPECT_EQ(json.find("dropped"), std::string::npos);
  EXPECT_EQ(json.find("traceState"), std::string::npos);
  ExpectJsonMatchesProto(batch);
}

// ----------------------------------------------------------------------------------------------
// Responses

TEST(ParseExportResponseTest, ProtoPartialSuccess) {
  pb::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(17);
  response.mutable_partial_success()->set_error_message("too old");
  PartialSuccess out;
  ASSERT_TRUE(ParseExportResponseProto(response.SerializeAsString(), out));
  EXPECT_EQ(out.rejected, 17);
  EXPECT_EQ(out.error_message, "too old");
  response.mutable_partial_success()->set_rejected_spans(int64_t{1} << 40);
  ASSERT_TRUE(ParseExportResponseProto(response.SerializeAsString(), out));
  EXPECT_EQ(out.rejected, int64_t{1} << 40);

  // Metrics and logs responses share the shape.
  pb::collector::metrics::v1::ExportMetricsServiceResponse metrics;
  metrics.mutable_partial_success()->set_rejected_data_points(-3);  // negative int64: 10 bytes
  ASSERT_TRUE(ParseExportResponseProto(metrics.SerializeAsString(), out));
  EXPECT_EQ(out.rejected, -3);
  EXPECT_EQ(out.error_message, "");
  pb::collector::logs::v1::ExportLogsServiceResponse logs;
  logs.mutable_partial_success()->set_error_message("warning only");
  ASSERT_TRUE(ParseExportResponseProto(logs.SerializeAsString(), out));
  EXPECT_EQ(out.rejected, 0);
  EXPECT_EQ(out.error_message, "warning only");
}

TEST(ParseExportResponseTest, ProtoEmptyAndUnknownFields) {
  PartialSuccess out{5, "stale"};
  ASSERT_TRUE(ParseExportResponseProto("", out));
  EXPECT_EQ(out.rejected, 0);
  EXPECT_EQ(out.error_message, "");

  // Unknown fields of every wire type, around and inside partial_success.
  std::string body;
  {
    common::proto::ProtoWriter w(body);
    w.WriteVarint(7, 1);
    w.WriteFixed64(8, 2);
    auto ps = w.BeginMessage(1);
    w.WriteString(9, "ignored");
    w.WriteVarint(1, 4);
    w.WriteFixed32(10, 3);
    w.WriteString(2, "msg");
    w.EndMessage(ps);
    w.WriteFixed32(9, 3);
  }
  ASSERT_TRUE(ParseExportResponseProto(body, out));
  EXPECT_EQ(out.rejected, 4);
  EXPECT_EQ(out.error_message, "msg");
}

TEST(ParseExportResponseTest, ProtoMalformedBodiesAreRejected) {
  pb::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(300);
  response.mutable_partial_success()->set_error_message("a longer error message");
  const std::string valid = response.SerializeAsString();
  // Every proper prefix is malformed (truncated varint, length past the end, ...).
  for (size_t n = 1; n < valid.size(); ++n) {
    PartialSuccess out;
    EXPECT_FALSE(ParseExportResponseProto(valid.substr(0, n), out)) << n;
  }
  const std::string bad[] = {
      std::string("\x0a\x03\x08\x80\x80", 5),  // truncated varint inside partial_success
      std::string("\x0a\x7f\x08\x01", 4),      // length past the end
      std::string("\x0a\x02\x12\x05", 4),      // inner string length past the end
      std::string("\x0a\x01\x0b", 3),          // group inside
      std::string("\x00", 1),                  // field 0
      std::string("<html>oops</html>"),        // not protobuf at all
  };
  for (const std::string& body : bad) {
    PartialSuccess out;
    EXPECT_FALSE(ParseExportResponseProto(body, out)) << testing::PrintToString(body);
  }
  std::mt19937 rng(9);
  for (int i = 0; i < 5000; ++i) {
    std::string body(rng() % 24, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    PartialSuccess out;
    (void)ParseExportResponseProto(body, out);
  }
}

TEST(ParseExportResponseTest, JsonPartialSuccess) {
  struct Case {
    std::string body;
    int64_t rejected;
    std::string message;
  };
  const Case cases[] = {
      {R"({"partialSuccess":{"rejectedSpans":"12","errorMessage":"bad"}})", 12, "bad"},
      {R"({"partialSuccess":{"rejectedSpans":12}})", 12, ""},
      {R"({"partialSuccess":{"rejectedDataPoints":"7"}})", 7, ""},
      {R"({"partialSuccess":{"rejectedLogRecords":8,"errorMessage":"x"}})", 8, "x"},
      {R"({"partial_success":{"rejected_spans":"3","error_message":"snake"}})", 3, "snake"},
      {R"({"partialSuccess":{"errorMessage":"warning"}})", 0, "warning"},
      {R"({"partialSuccess":{}})", 0, ""},
      {R"({"partialSuccess":null})", 0, ""},
      {R"({"partialSuccess":{"rejectedSpans":null,"errorMessage":null}})", 0, ""},
      {R"({})", 0, ""},
      {R"({"unknown":[1,{"a":2}],"partialSuccess":{"rejectedSpans":"1","other":true}})", 1, ""},
      {" \n\t{ \"partialSuccess\" : { \"rejectedSpans\" : \"-2\" } } \n", -2, ""},
      {"", 0, ""},
      {"  \r\n ", 0, ""},
  };
  for (const Case& c : cases) {
    PartialSuccess out{99, "stale"};
    ASSERT_TRUE(ParseExportResponseJson(c.body, out)) << c.body;
    EXPECT_EQ(out.rejected, c.rejected) << c.body;
    EXPECT_EQ(out.error_message, c.message) << c.body;
  }

  // What libprotobuf's JSON printer produces for a response parses back.
  pb::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(9000000000);
  response.mutable_partial_success()->set_error_message("\"quoted\" \xC3\xA9");
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(response, &json).ok());
  PartialSuccess out;
  ASSERT_TRUE(ParseExportResponseJson(json, out)) << json;
  EXPECT_EQ(out.rejected, 9000000000);
  EXPECT_EQ(out.error_message, "\"quoted\" \xC3\xA9");
}

TEST(ParseExportResponseTest, JsonMalformedBodiesAreRejected) {
  const char* bad[] = {
      "garbage",
      "{",
      "{\"partialSuccess\":{\"rejectedSpans\":\"1\"}",
      "[]",
      "\"string\"",
      "42",
      "{\"partialSuccess\":[]}",
      "{\"partialSuccess\":\"x\"}",
      "{\"partialSuccess\":{\"rejectedSpans\":\"abc\"}}",
      "{\"partialSuccess\":{\"rejectedSpans\":1.5}}",
      "{\"partialSuccess\":{\"rejectedSpans\":true}}",
      "{\"partialSuccess\":{\"rejectedSpans\":99999999999999999999}}",
      "{\"partialSuccess\":{\"errorMessage\":5}}",
      "{\"partialSuccess\":{\"rejectedSpans\":1,}}",
      "<html><body>502 Bad Gateway</body></html>",
  };
  for (const char* body : bad) {
    PartialSuccess out;
    EXPECT_FALSE(ParseExportResponseJson(body, out)) << body;
  }
  const std::string valid = R"({"partialSuccess":{"rejectedSpans":"12","errorMessage":"bad"}})";
  for (size_t n = 1; n < valid.size(); ++n) {
    PartialSuccess out;
    EXPECT_FALSE(ParseExportResponseJson(valid.substr(0, n), out)) << n;
  }
}

}  // namespace
}  // namespace adot::exporters::otlp
