// The awsemf translator reads the encoded ExportMetricsServiceRequest itself: malformed bytes give
// an error (never a crash or a read outside them), and odd but valid encodings (repeated fields,
// merged messages, packed or unpacked repeated varints, unknown fields) give the documents
// libprotobuf's reading of the same bytes gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "collector/core/exporter_helper.h"
#include "collector/exporters/awsemf/awsemf_exporter.h"
#include "collector/exporters/awsemf/emf_translator.h"
#include "common/proto_writer.h"

namespace adot::collector::awsemf {
namespace {

using common::proto::ProtoWriter;
using ::testing::HasSubstr;
namespace pm = opentelemetry::proto::metrics::v1;

constexpr uint64_t kT0 = 1700000000000000000ull;  // ns
constexpr int64_t kNowMs = 1700000999000;

// ---- encoding by hand ----

// One field alone, as write(ProtoWriter&) encodes it.
template <typename Write>
std::string Encoded(Write&& write) {
  std::string s;
  ProtoWriter w(s);
  write(w);
  w.Finish();
  return s;
}
std::string Len(uint32_t field, std::string_view payload) {
  return Encoded([&](ProtoWriter& w) { w.WriteString(field, payload); });
}
std::string Varint(uint32_t field, uint64_t v) {
  return Encoded([&](ProtoWriter& w) { w.WriteVarint(field, v); });
}
std::string Fixed64(uint32_t field, uint64_t v) {
  return Encoded([&](ProtoWriter& w) { w.WriteFixed64(field, v); });
}
std::string Fixed32(uint32_t field, uint32_t v) {
  return Encoded([&](ProtoWriter& w) { w.WriteFixed32(field, v); });
}
std::string Double(uint32_t field, double v) { return Fixed64(field, std::bit_cast<uint64_t>(v)); }

// AnyValue string / int, KeyValue.
std::string AnyString(std::string_view s) { return Len(1, s); }
std::string AnyInt(int64_t v) { return Varint(3, static_cast<uint64_t>(v)); }
std::string Kv(std::string_view key, const std::string& any_value) {
  return Len(1, key) + Len(2, any_value);
}

// A NumberDataPoint at kT0 of value v with attribute route=r.
std::string NumberPoint(double v, std::string_view route = "/a") {
  return Fixed64(3, kT0) + Double(4, v) + Len(7, Kv("route", AnyString(route)));
}
// A Metric named name with the data member (field number, message).
std::string Metric(std::string_view name, uint32_t data_field, const std::string& data) {
  return Len(1, name) + Len(3, "ms") + Len(data_field, data);
}
std::string Gauge(const std::string& point) { return Len(1, point); }
// A request of one resource (service.name=svc) and one scope ("lib") holding the metrics.
std::string Request(const std::string& metrics, const std::string& resource_extra = "") {
  const std::string resource = Len(1, Kv("service.name", AnyString("svc"))) + resource_extra;
  const std::string scope_metrics = Len(1, Len(1, "lib")) + metrics;
  return Len(1, Len(1, resource) + Len(2, scope_metrics));
}
std::string Metrics(std::initializer_list<std::string> metrics) {
  std::string s;
  for (const std::string& m : metrics) s += Len(2, m);
  return s;
}

// ---- translating ----

EmfOptions Options() {
  EmfOptions o;
  o.log_stream_name = "s";  // not a random id: translators agree
  return o;
}

// The documents (and dropped count) as one text; "error: ..." when the bytes do not translate.
// The bytes are copied to a buffer of exactly their size, so a read past them is a read past an
// allocation (which valgrind or a sanitizer reports).
std::string Translate(std::string_view bytes, const EmfOptions& options = Options()) {
  std::unique_ptr<char[]> exact(new char[bytes.size() + (bytes.empty() ? 1 : 0)]);
  if (!bytes.empty()) std::memcpy(exact.get(), bytes.data(), bytes.size());
  EmfTranslator translator(options);
  EmfDocuments docs;
  docs.escaped = false;
  std::string error = "unset";
  const size_t dropped =
      translator.Translate(std::string_view(exact.get(), bytes.size()), docs, kNowMs, &error);
  if (!error.empty()) {
    EXPECT_TRUE(docs.documents.empty() && docs.text.empty()) << "documents despite " << error;
    EXPECT_EQ(dropped, 0u);
    return "error: " + error;
  }
  std::string out = "dropped " + std::to_string(dropped) + "\n";
  for (const EmfDocuments::Document& d : docs.documents) {
    out += docs.streams[d.stream].log_group + " " + docs.streams[d.stream].log_stream + " " +
           std::to_string(d.timestamp_ms) + " " + std::string(docs.Text(d)) + "\n";
  }
  return out;
}

// What libprotobuf makes of the bytes, translated; "error: ..." when it does not parse them.
std::string TranslateParsed(std::string_view bytes, const EmfOptions& options = Options()) {
  MetricsRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return "error: libprotobuf";
  return Translate(request.SerializeAsString(), options);
}

// A request with every metric type and attribute value type.
MetricsRequest Everything() {
  MetricsRequest req;
  auto* rm = req.add_resource_metrics();
  auto* attrs = rm->mutable_resource()->mutable_attributes();
  auto add = [](auto* list, const std::string& key) {
    auto* kv = list->Add();
    kv->set_key(key);
    return kv->mutable_value();
  };
  add(attrs, "service.name")->set_string_value("svc");
  add(attrs, "service.namespace")->set_string_value("ns");
  add(attrs, "host.count")->set_int_value(3);
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("lib");
  sm->mutable_scope()->set_version("1.0");

  auto* m = sm->add_metrics();
  m->set_name("gauge");
  m->set_unit("ms");
  auto* dp = m->mutable_gauge()->add_data_points();
  dp->set_time_unix_nano(kT0);
  dp->set_as_double(1.5);
  add(dp->mutable_attributes(), "s")->set_string_value("x");
  add(dp->mutable_attributes(), "b")->set_bool_value(true);
  add(dp->mutable_attributes(), "d")->set_double_value(0.25);
  add(dp->mutable_attributes(), "y")->set_bytes_value("\x01\x02");
  auto* array = add(dp->mutable_attributes(), "a")->mutable_array_value();
  array->add_values()->set_int_value(-7);
  array->add_values()->mutable_array_value()->add_values()->set_string_value("in");
  auto* kvlist = add(dp->mutable_attributes(), "k")->mutable_kvlist_value();
  add(kvlist->mutable_values(), "z")->set_bool_value(false);
  add(kvlist->mutable_values(), "m")->set_double_value(2);
  dp = m->mutable_gauge()->add_data_points();
  dp->set_time_unix_nano(kT0);
  dp->set_as_int(42);
  dp->add_exemplars()->set_as_double(1);

  m = sm->add_metrics();
  m->set_name("sum");
  m->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  dp = m->mutable_sum()->add_data_points();
  dp->set_start_time_unix_nano(kT0 - 1000);
  dp->set_time_unix_nano(kT0);
  dp->set_as_double(3);

  m = sm->add_metrics();
  m->set_name("histogram");
  m->mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  auto* hp = m->mutable_histogram()->add_data_points();
  hp->set_time_unix_nano(kT0);
  hp->set_count(4);
  hp->set_sum(10);
  hp->set_min(1);
  hp->set_max(5);
  hp->add_bucket_counts(1);
  hp->add_bucket_counts(3);
  hp->add_explicit_bounds(2.5);

  m = sm->add_metrics();
  m->set_name("exponential");
  auto* ep = m->mutable_exponential_histogram()->add_data_points();
  ep->set_time_unix_nano(kT0);
  ep->set_count(6);
  ep->set_sum(12);
  ep->set_scale(1);
  ep->set_zero_count(1);
  ep->mutable_positive()->set_offset(-1);
  ep->mutable_positive()->add_bucket_counts(2);
  ep->mutable_positive()->add_bucket_counts(0);
  ep->mutable_positive()->add_bucket_counts(1);
  ep->mutable_negative()->set_offset(2);
  ep->mutable_negative()->add_bucket_counts(2);
  ep->set_max(4);

  m = sm->add_metrics();
  m->set_name("summary");
  auto* sp = m->mutable_summary()->add_data_points();
  sp->set_time_unix_nano(kT0);
  sp->set_count(5);
  sp->set_sum(20);
  auto* q = sp->add_quantile_values();
  q->set_quantile(0);
  q->set_value(1);
  q = sp->add_quantile_values();
  q->set_quantile(1);
  q->set_value(9);
  return req;
}

TEST(EmfWire, RealRequestTranslates) {
  const std::string bytes = Everything().SerializeAsString();
  const std::string docs = Translate(bytes);
  EXPECT_THAT(docs, HasSubstr("\"a\":\"[-7,[\\\"in\\\"]]\""));
  EXPECT_THAT(docs, HasSubstr("\"k\":\"{\\\"m\\\":2,\\\"z\\\":false}\""));
  EXPECT_THAT(docs, HasSubstr("\"gauge\":42"));
  EXPECT_THAT(docs, HasSubstr("\"exponential\":{\"Values\":["));
  EXPECT_THAT(docs, HasSubstr("\"summary\":{\"Max\":9,\"Min\":1,\"Count\":5,\"Sum\":20}"));
  EXPECT_EQ(docs.find("error"), std::string::npos) << docs;
}

TEST(EmfWire, TruncatedAtEveryOffsetIsAnError) {
  const std::string bytes = Everything().SerializeAsString();
  for (size_t n = 1; n < bytes.size(); ++n) {
    const std::string_view prefix(bytes.data(), n);
    MetricsRequest request;
    const bool parses = request.ParseFromArray(prefix.data(), static_cast<int>(n));
    const std::string got = Translate(prefix);
    // A prefix ending between two ResourceMetrics would be a request; this one has only one.
    ASSERT_FALSE(parses) << n;
    ASSERT_THAT(got, HasSubstr("error: malformed OTLP metrics request: ")) << n;
  }
  EXPECT_EQ(Translate(""), "dropped 0\n");
}

// Every byte replaced by a few others: never a crash; when both libprotobuf and the translator
// accept the bytes, the same documents; when only libprotobuf does, the 10th byte of a varint
// overflows 64 bits (libprotobuf drops the excess bits, common::proto::ProtoReader rejects the
// varint).
TEST(EmfWire, CorruptedBytesNeverCrashAndAgreeWithLibprotobuf) {
  const std::string bytes = Everything().SerializeAsString();
  google::protobuf::LogSilencer quiet;  // libprotobuf's complaints about bad UTF-8
  size_t both = 0, translator_only = 0, libprotobuf_only = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const uint8_t original = static_cast<uint8_t>(bytes[i]);
    for (uint8_t b : {uint8_t{0}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff},
                      static_cast<uint8_t>(original + 1), static_cast<uint8_t>(original - 1)}) {
      if (b == original) continue;
      const bool tenth_varint_byte =
          i >= 9 && std::all_of(bytes.begin() + i - 9, bytes.begin() + i,
                                [](char c) { return static_cast<uint8_t>(c) >= 0x80; });
      std::string corrupted = bytes;
      corrupted[i] = static_cast<char>(b);
      const std::string got = Translate(corrupted);
      const std::string expected = TranslateParsed(corrupted);
      const bool ok = got.rfind("error: ", 0) != 0, lib_ok = expected.rfind("error: ", 0) != 0;
      if (ok && lib_ok) {
        ++both;
        ASSERT_EQ(got, expected) << "byte " << i << " = " << int{b};
      } else if (lib_ok) {
        ++libprotobuf_only;
        ASSERT_TRUE(tenth_varint_byte) << "byte " << i << " = " << int{b} << ": " << got;
      } else if (ok) {
        ++translator_only;  // bad UTF-8, or bytes in a field the translator does not read
      }
    }
  }
  EXPECT_GT(both, 0u);
  EXPECT_GT(translator_only, 0u);
}

// A known field with another wire type is an unknown field, as libprotobuf reads it: skipped,
// the rest translated.
TEST(EmfWire, WrongWireTypeOfAKnownFieldIsSkippedAsLibprotobufDoes) {
  const std::string point = NumberPoint(1);
  const std::string cases[] = {
      Len(1, Varint(1, 5)),
      Varint(1, 5),
      Request(Metrics({Varint(1, 1) + Len(5, Gauge(point))})),
      Request(Metrics({Metric("m", 5, Gauge(Varint(3, kT0) + Double(4, 1)))})),
      Request(Metrics({Metric("m", 5, Gauge(Fixed32(4, 1)))})),
      Request(Metrics({Metric("m", 5, Gauge(Double(4, 1) + Len(7, Fixed64(1, 0))))})),
      Request(Metrics({Metric("m", 5, Gauge(Double(4, 1) + Len(7, Len(1, "k") + Len(2, Varint(1, 3)))))})),
      Request(Metrics({Metric("m", 7, Len(1, point) + Double(2, 2))})),
      Request(Metrics({Metric("m", 10, Len(1, Fixed64(3, kT0) + Len(8, Fixed64(2, 1))))})),
      Request("", Len(1, Len(1, "k") + Len(2, Fixed32(3, 1)))),
  };
  for (const std::string& bytes : cases) {
    const std::string got = Translate(bytes);
    EXPECT_EQ(got.rfind("error: ", 0), std::string::npos) << got;
    EXPECT_EQ(got, TranslateParsed(bytes));
  }
}

TEST(EmfWire, BadFramingIsAnError) {
  const std::string point = NumberPoint(1);
  // A length past the end of its message (the outer lengths still right).
  std::string bad_length = point;
  bad_length[bad_length.size() - 1 - Kv("route", AnyString("/a")).size()] = 0x7f;
  EXPECT_EQ(Translate(Request(Metrics({Metric("m", 5, Gauge(bad_length))}))),
            "error: malformed OTLP metrics request: NumberDataPoint: malformed field "
            "(truncated, bad length, bad tag or a group)");
  // A truncated varint, field number 0, a group.
  EXPECT_THAT(Translate(Request(Metrics({Metric("m", 5, Gauge(point + "\x40\x80"))}))),
              HasSubstr("NumberDataPoint: malformed field"));
  EXPECT_THAT(Translate(Request(Metrics({Metric("m", 5, Gauge(point + std::string("\x00\x01", 2)))}))),
              HasSubstr("NumberDataPoint: malformed field"));
  EXPECT_THAT(Translate(Request(Metrics({Metric("m", 5, Gauge(point) + "\x0b\x0c")}))),
              HasSubstr("Gauge: malformed field"));
  // Packed bucket counts ending inside a varint.
  const std::string buckets = Len(2, "\x01\x80");
  EXPECT_THAT(Translate(Request(Metrics({Metric("m", 10, Len(1, Fixed64(3, kT0) + Len(8, buckets)))}))),
              HasSubstr("malformed packed bucket_counts"));
}

TEST(EmfWire, DeeplyNestedAttributeValueIsAnErrorNotAStackOverflow) {
  std::string value = AnyString("leaf");
  for (int i = 0; i < 200; ++i) value = Len(5, Len(1, value));  // array_value { values { ... } }
  const std::string point = Double(4, 1) + Len(7, Kv("deep", value));
  EXPECT_THAT(Translate(Request(Metrics({Metric("m", 5, Gauge(point))}))),
              HasSubstr("nested more than 100 deep"));
  // Shallow nesting is fine.
  value = AnyString("leaf");
  for (int i = 0; i < 3; ++i) value = Len(5, Len(1, value));
  const std::string shallow = Request(Metrics({Metric("m", 5, Gauge(Double(4, 1) + Len(7, Kv("deep", value))))}));
  EXPECT_THAT(Translate(shallow), HasSubstr("\"deep\":\"[[[\\\"leaf\\\"]]]\""));
  EXPECT_EQ(Translate(shallow), TranslateParsed(shallow));
}

TEST(EmfWire, RepeatedScalarFieldsTakeTheLastValue) {
  // as_double twice; as_int after as_double (a oneof); time and the metric name twice; an
  // attribute value string then int (a oneof) and a key twice.
  const std::string point = Fixed64(3, kT0 - 5000000000) + Double(4, 1) + Double(4, 2) +
                            Fixed64(3, kT0) + Len(7, Len(1, "x") + Len(1, "k") + Len(2, AnyString("a") + AnyInt(7)));
  const std::string int_point = Fixed64(3, kT0) + Double(4, 1) + Fixed64(6, 5);
  const std::string bytes = Request(Metrics({
      Len(1, "first") + Len(5, Gauge(point)) + Len(1, "g") + Len(3, "ms"),
      Metric("i", 5, Gauge(int_point)),
  }));
  const std::string docs = Translate(bytes);
  EXPECT_THAT(docs, HasSubstr("\"g\":2,"));
  EXPECT_THAT(docs, HasSubstr("\"k\":\"7\""));
  EXPECT_THAT(docs, HasSubstr("\"i\":5}"));
  EXPECT_THAT(docs, HasSubstr("\"Timestamp\":1700000000000}"));
  EXPECT_EQ(docs.find("first"), std::string::npos);
  EXPECT_EQ(docs, TranslateParsed(bytes));
}

TEST(EmfWire, RepeatedMessageFieldsMerge) {
  // Gauge twice: both points; gauge, sum, gauge: the last gauge only (the oneof was replaced).
  const std::string merged = Request(Metrics({
      Len(1, "m") + Len(5, Gauge(NumberPoint(1, "/a"))) + Len(5, Gauge(NumberPoint(2, "/b"))),
      Len(1, "n") + Len(5, Gauge(NumberPoint(3, "/a"))) + Len(7, Gauge(NumberPoint(4, "/b"))) +
          Len(5, Gauge(NumberPoint(5, "/c"))),
  }));
  std::string docs = Translate(merged);
  EXPECT_THAT(docs, HasSubstr("\"m\":1,"));
  EXPECT_THAT(docs, HasSubstr("\"m\":2,"));
  EXPECT_THAT(docs, HasSubstr("\"n\":5,"));
  EXPECT_EQ(docs.find("\"n\":3"), std::string::npos);
  EXPECT_EQ(docs.find("\"n\":4"), std::string::npos);
  EXPECT_EQ(docs, TranslateParsed(merged));

  // The resource and the scope twice; a KeyValue's value twice (array values then merge); the
  // positive buckets twice (counts appended, the later offset).
  const std::string array_a = Len(5, Len(1, AnyString("a")));
  const std::string array_b = Len(5, Len(1, AnyInt(2)));
  const std::string point = Double(4, 1) + Len(7, Len(1, "arr") + Len(2, array_a) + Len(2, array_b));
  const std::string exponential = Len(1, Fixed64(3, kT0) + Fixed64(4, 3) + Len(8, Varint(1, 0) + Len(2, "\x01")) +
                                             Len(8, Varint(1, 2) + Len(2, "\x02")));
  const std::string bytes =
      Len(1, Len(1, Len(1, Kv("service.name", AnyString("svc")))) +
                 Len(1, Len(1, Kv("service.namespace", AnyString("ns")))) +
                 Len(2, Len(1, Len(1, "old")) + Len(1, Len(2, "v2")) +
                            Metrics({Metric("m", 5, Gauge(point)), Metric("e", 10, exponential)}) +
                            Len(1, Len(1, "lib"))));
  docs = Translate(bytes);
  EXPECT_THAT(docs, HasSubstr("\"Namespace\":\"ns/svc\""));
  EXPECT_THAT(docs, HasSubstr("\"OTelLib\":\"lib\""));
  EXPECT_THAT(docs, HasSubstr("\"arr\":\"[\\\"a\\\",2]\""));
  EXPECT_THAT(docs, HasSubstr("\"Counts\":[2,1]"));
  EXPECT_EQ(docs, TranslateParsed(bytes));
}

TEST(EmfWire, PackedAndUnpackedBucketCountsGiveTheSameDocuments) {
  auto exponential = [](bool packed) {
    std::string counts;
    if (packed) {
      counts = Len(2, std::string("\x03\x00\x81\x01", 4));  // 3, 0, 129
    } else {
      counts = Varint(2, 3) + Varint(2, 0) + Varint(2, 129);
    }
    const std::string point = Fixed64(3, kT0) + Fixed64(4, 133) + Varint(6, 2) + Len(8, Varint(1, 4) + counts) +
                              Len(9, counts);
    return Request(Metrics({Metric("e", 10, Len(1, point))}));
  };
  auto histogram = [](bool packed) {
    std::string counts, bounds;
    if (packed) {
      counts = Len(6, std::string(reinterpret_cast<const char*>(std::array<uint64_t, 2>{1, 2}.data()), 16));
      bounds = Len(7, std::string(reinterpret_cast<const char*>(std::array<double, 1>{0.5}.data()), 8));
    } else {
      counts = Fixed64(6, 1) + Fixed64(6, 2);
      bounds = Double(7, 0.5);
    }
    const std::string point = Fixed64(3, kT0) + Fixed64(4, 3) + Double(5, 1.5) + counts + bounds;
    return Request(Metrics({Metric("h", 9, Len(1, point))}));
  };
  const std::string packed = Translate(exponential(true));
  EXPECT_THAT(packed, HasSubstr("\"Counts\":[129,3,3,129]"));
  EXPECT_EQ(packed, Translate(exponential(false)));
  EXPECT_EQ(packed, TranslateParsed(exponential(false)));
  EXPECT_EQ(Translate(histogram(true)), Translate(histogram(false)));
  EXPECT_EQ(Translate(histogram(true)), TranslateParsed(histogram(false)));
}

TEST(EmfWire, UnknownFieldsAreSkipped) {
  // Fields of every wire type with numbers no message here has, at every level, and a known
  // field the translator does not read (Metric.description, NumberDataPoint.exemplars).
  const std::string unknown = Varint(99, 1) + Fixed64(100, 2) + Len(1000, "\x08\x01") + Fixed32(5000, 3);
  const std::string point = NumberPoint(2) + unknown + Len(5, Double(3, 1));
  const std::string metric = Metric("m", 5, Gauge(point) + unknown) + Len(2, "a description") + unknown;
  const std::string resource = Len(1, Kv("service.name", AnyString("svc") + unknown) + unknown) + unknown;
  const std::string with = Len(1, Len(1, resource) + Len(2, Len(1, Len(1, "lib") + unknown) + Len(2, metric) + unknown) +
                                  unknown) +
                           unknown;
  const std::string without = Request(Metrics({Metric("m", 5, Gauge(NumberPoint(2)))}));
  EXPECT_THAT(Translate(without), HasSubstr("\"m\":2,"));
  EXPECT_EQ(Translate(with), Translate(without));
  EXPECT_EQ(Translate(with), TranslateParsed(with));
}

// The exporter turns a request the translator rejects into a permanent failure of the batch.
TEST(EmfWire, ExporterRejectsMalformedBatch) {
  aws::ProviderOptions nothing;  // stdout needs no credentials or region: none are looked up
  nothing.env = [](const char*) { return std::optional<std::string>(); };
  nothing.home = "/nonexistent";
  nothing.imds_endpoint = "http://127.0.0.1:1";
  Factory f = AwsEmfExporterFactory(std::move(nothing));
  ConfigErrors errors;
  ConfigReader r(YAML::Load("output_destination: stdout\n"), "exporters.awsemf", &errors);
  auto cfg = f.parse(r);
  ASSERT_TRUE(errors.empty()) << errors.Joined();
  auto e = std::static_pointer_cast<QueuedExporter>(
      f.create_exporter(*cfg, CreateSettings{"awsemf", Signal::kMetrics, "metrics", nullptr}));
  ASSERT_TRUE(e->Start().ok());
  // Framing fine down to the data points (the receiver accepts it); inside one, an attribute's
  // key runs past the end of its KeyValue.
  PData data;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kMetrics,
                                    Request(Metrics({Metric("m", 5, Gauge(Double(4, 1) + Len(7, "\x0a\x7f")))})),
                                    data)
                  .ok());
  ASSERT_TRUE(e->Consume(std::move(data)).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (e->counters().send_failed_items.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(e->counters().send_failed_items.load(), 1u);
  e->Shutdown(Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(e->counters().sent_items.load(), 0u);
}

}  // namespace
}  // namespace adot::collector::awsemf
