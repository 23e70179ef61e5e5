// EMF documents written straight into their PutLogEvents form (EmfDocuments, escaped) and the
// PutLogEvents plan and body (put_log_events.h): the escaped documents are byte for byte the plain
// documents escaped once more as JSON strings, and the plain documents are byte for byte those of
// the translator before documents were written escaped (golden sizes, hashes and texts, made with
// CppLiteral from that translator); the plan keeps PutLogEvents' limits.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "collector/exporters/awsemf/emf_json.h"
#include "collector/exporters/awsemf/emf_translator.h"
#include "collector/exporters/awsemf/put_log_events.h"
#include "common/json_reader.h"
#include "common/json_writer.h"

namespace adot::collector::awsemf {
namespace {

namespace pm = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using Attrs = google::protobuf::RepeatedPtrField<KeyValue>;

constexpr uint64_t kT0 = 1700000000000000000ull;  // ns
constexpr int64_t kNowMs = 1700000999000;

// Strings that need every kind of escape: quotes, backslashes, control characters (named and
// \u00XX), DEL, well-formed UTF-8 of 2, 3 and 4 bytes, and malformed UTF-8 (replaced by U+FFFD).
const std::string kNasty = std::string("q\"b\\s/n\nt\tr\rb\bf\fz") + '\0' + "\x01\x1f\x7f" +
                           "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" + "\xFF\xC3(\xED\xA0\x80\xF4\x90\x80\x80" + "end";

AnyValue* Add(Attrs* attrs, const std::string& key) {
  KeyValue* kv = attrs->Add();
  kv->set_key(key);
  return kv->mutable_value();
}

// Requests covering every kind of document member: labels (strings with kNasty, other value types
// through resource_to_telemetry_conversion), gauges and sums, histograms, exponential histograms,
// summaries; metric names and units that need escaping.
MetricsRequest Mixed() {
  MetricsRequest req;
  auto* rm = req.add_resource_metrics();
  Attrs* res = rm->mutable_resource()->mutable_attributes();
  Add(res, "service.name")->set_string_value("svc" + kNasty);
  Add(res, "service.namespace")->set_string_value("ns\"x");
  Add(res, "host.count")->set_int_value(-42);
  Add(res, "ratio")->set_double_value(0.1);
  Add(res, "flag")->set_bool_value(true);
  Add(res, "blob")->set_bytes_value(std::string("\x00\xff\x10", 3));
  auto* arr = Add(res, "list")->mutable_array_value();
  arr->add_values()->set_string_value("a\"b");
  arr->add_values()->set_int_value(7);
  auto* kvl = Add(res, "map")->mutable_kvlist_value();
  auto* kv = kvl->add_values();
  kv->set_key("z\\");
  kv->mutable_value()->set_string_value("\n");
  kv = kvl->add_values();
  kv->set_key("a");
  kv->mutable_value()->set_double_value(1e300);
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("scope" + kNasty);

  auto* g = sm->add_metrics();
  g->set_name("gauge" + kNasty);
  g->set_unit("ms");
  for (int i = 0; i < 3; ++i) {
    auto* dp = g->mutable_gauge()->add_data_points();
    dp->set_time_unix_nano(kT0 + i * 1000000ull);
    dp->set_as_double(i == 0 ? 0.1 : i == 1 ? -1e-300 : 123456789.0);
    Add(dp->mutable_attributes(), "label" + kNasty)->set_string_value("value" + kNasty);
    Add(dp->mutable_attributes(), "route")->set_string_value("/a/\"" + std::to_string(i));
  }
  auto* s = sm->add_metrics();
  s->set_name("count\\er");
  s->set_unit("By\"");
  s->mutable_sum()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  auto* sp = s->mutable_sum()->add_data_points();
  sp->set_time_unix_nano(kT0);
  sp->set_as_int(-9007199254740993LL);
  Add(sp->mutable_attributes(), "route")->set_string_value("/a/\"0");
  Add(sp->mutable_attributes(), "aws.emf.storage_resolution")->set_int_value(1);

  auto* h = sm->add_metrics();
  h->set_name("hist");
  h->set_unit("s");
  h->mutable_histogram()->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_DELTA);
  auto* hp = h->mutable_histogram()->add_data_points();
  hp->set_time_unix_nano(kT0);
  hp->set_count(17);
  hp->set_sum(2.5e-7);
  hp->set_min(-3);
  hp->set_max(1e21);

  auto* e = sm->add_metrics();
  e->set_name("exp");
  auto* ep = e->mutable_exponential_histogram()->add_data_points();
  ep->set_time_unix_nano(kT0);
  ep->set_scale(1);
  ep->set_count(10);
  ep->set_sum(33.25);
  ep->set_zero_count(1);
  ep->mutable_positive()->set_offset(-2);
  for (int c : {1, 0, 3, 2}) ep->mutable_positive()->add_bucket_counts(c);
  ep->mutable_negative()->set_offset(1);
  for (int c : {2, 1}) ep->mutable_negative()->add_bucket_counts(c);

  auto* su = sm->add_metrics();
  su->set_name("lat\"ency");
  auto* sup = su->mutable_summary()->add_data_points();
  sup->set_time_unix_nano(kT0);
  sup->set_count(5);
  sup->set_sum(12.5);
  for (double q : {0.0, 0.5, 1.0}) {
    auto* qv = sup->add_quantile_values();
    qv->set_quantile(q);
    qv->set_value(q * 10 + 0.25);
  }
  return req;
}

// Metric declarations with label matchers, a Prometheus resource (prom_metric_type), version 0.
MetricsRequest Declared() {
  MetricsRequest req;
  auto* rm = req.add_resource_metrics();
  Add(rm->mutable_resource()->mutable_attributes(), "receiver")->set_string_value("prometheus");
  Add(rm->mutable_resource()->mutable_attributes(), "service.name")->set_string_value("api");
  auto* sm = rm->add_scope_metrics();
  for (const char* name : {"http_requests", "http_errors", "db_calls", "other"}) {
    auto* m = sm->add_metrics();
    m->set_name(name);
    auto* dp = m->mutable_gauge()->add_data_points();
    dp->set_time_unix_nano(kT0);
    dp->set_as_double(2);
    Add(dp->mutable_attributes(), "route")->set_string_value("/api/\"x\"");
    Add(dp->mutable_attributes(), "Method")->set_string_value("GET");
    Add(dp->mutable_attributes(), "prom_metric_type")->set_string_value("clash");
  }
  return req;
}

EmfOptions DeclaredOptions() {
  EmfOptions o;
  o.version = "0";
  MetricDeclaration d;
  d.dimensions = {{"route", "Method"}, {"route"}, {"service.name"}};
  d.metric_name_selectors = {"^http_"};
  d.label_matchers.push_back(LabelMatcher{{"route"}, ";", "^/api"});
  o.metric_declarations.push_back(d);
  MetricDeclaration d2;
  d2.dimensions = {{"Method"}};
  d2.metric_name_selectors = {"errors$", "^db_"};
  o.metric_declarations.push_back(d2);
  return o;
}

// 150 metrics in one group: two documents.
MetricsRequest Large() {
  MetricsRequest req;
  auto* sm = req.add_resource_metrics()->add_scope_metrics();
  for (int i = 0; i < 150; ++i) {
    auto* m = sm->add_metrics();
    m->set_name("m" + std::to_string(i));
    auto* dp = m->mutable_gauge()->add_data_points();
    dp->set_time_unix_nano(kT0);
    dp->set_as_double(i);
    Add(dp->mutable_attributes(), "k")->set_string_value("v");
  }
  return req;
}

struct Case {
  const char* name;
  EmfOptions options;
  MetricsRequest request;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  EmfOptions plain;
  plain.namespace_name = "";
  cases.push_back({"mixed", plain, Mixed()});
  EmfOptions detailed;
  detailed.detailed_metrics = true;
  detailed.resource_to_telemetry_conversion = true;
  detailed.dimension_rollup = DimensionRollup::kSingleDimensionOnly;
  cases.push_back({"mixed_detailed_resource_labels", detailed, Mixed()});
  EmfOptions none;
  none.dimension_rollup = DimensionRollup::kNone;
  none.namespace_name = "Name\"space\\";
  cases.push_back({"mixed_no_rollup", none, Mixed()});
  cases.push_back({"declared_v0_prometheus", DeclaredOptions(), Declared()});
  cases.push_back({"large", EmfOptions{}, Large()});
  return cases;
}

std::vector<std::string> PlainDocuments(const Case& c) {
  EmfTranslator t(c.options);
  std::vector<EmfEvent> events;
  t.Translate(c.request, events, kNowMs);
  std::vector<std::string> out;
  for (auto& e : events) out.push_back(e.message);
  return out;
}

[[maybe_unused]] std::string CppLiteral(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x\"\"", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

uint64_t Fnv1a(const std::vector<std::string>& docs) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const std::string& d : docs) {
    for (unsigned char c : d + "\n") h = (h ^ c) * 0x100000001b3ull;
  }
  return h;
}

// What the translator wrote before documents were written escaped: per case the number of
// documents, their bytes, an FNV-1a hash of them (each followed by '\n'), and the shortest one.
struct Golden {
  const char* name;
  size_t count, bytes;
  uint64_t hash;
  size_t shortest;
  const char* shortest_text;
};
const Golden kGolden[] = {
{"mixed", 7, 4884, 0x3a3f69b237f4e38eull, 4,
 "{\"OTelLib\":\"scopeq\\\"b\\\\s/n\\nt\\tr\\rb\\bf\\fz\\u0000\\u0001\\u001f\x7f""\xc3""\xa9""\xe2""\x82""\xac""\xf0""\x9f""\x98""\x80""\xef""\xbf""\xbd""\xef""\xbf""\xbd""(\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""end\",\"Version\":\"1\",\"_aws\":{\"CloudWatchMetrics\":[{\"Namespace\":\"ns\\\"x/svcq\\\"b\\\\s/n\\nt\\tr\\rb\\bf\\fz\\u0000\\u0001\\u001f\x7f""\xc3""\xa9""\xe2""\x82""\xac""\xf0""\x9f""\x98""\x80""\xef""\xbf""\xbd""\xef""\xbf""\xbd""(\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""end\",\"Dimensions\":[[\"OTelLib\"]],\"Metrics\":[{\"Name\":\"hist\",\"Unit\":\"Seconds\",\"StorageResolution\":60}]}],\"Timestamp\":1700000000000},\"hist\":{\"Max\":1e+21,\"Min\":-3,\"Count\":17,\"Sum\":2.5e-07}}"},
{"mixed_detailed_resource_labels", 10, 11429, 0x45f0287aa1aa2d39ull, 4,
 "{\"OTelLib\":\"scopeq\\\"b\\\\s/n\\nt\\tr\\rb\\bf\\fz\\u0000\\u0001\\u001f\x7f""\xc3""\xa9""\xe2""\x82""\xac""\xf0""\x9f""\x98""\x80""\xef""\xbf""\xbd""\xef""\xbf""\xbd""(\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""end\",\"Version\":\"1\",\"_aws\":{\"CloudWatchMetrics\":[{\"Namespace\":\"ns\\\"x/svcq\\\"b\\\\s/n\\nt\\tr\\rb\\bf\\fz\\u0000\\u0001\\u001f\x7f""\xc3""\xa9""\xe2""\x82""\xac""\xf0""\x9f""\x98""\x80""\xef""\xbf""\xbd""\xef""\xbf""\xbd""(\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""end\",\"Dimensions\":[[\"OTelLib\",\"blob\",\"flag\",\"host.count\",\"list\",\"map\",\"ratio\",\"service.name\",\"service.namespace\"],[\"OTelLib\",\"blob\"],[\"OTelLib\",\"flag\"],[\"OTelLib\",\"host.count\"],[\"OTelLib\",\"list\"],[\"OTelLib\",\"map\"],[\"OTelLib\",\"ratio\"],[\"OTelLib\",\"service.name\"],[\"OTelLib\",\"service.namespace\"]],\"Metrics\":[{\"Name\":\"hist\",\"Unit\":\"Seconds\",\"StorageResolution\":60}]}],\"Timestamp\":1700000000000},\"blob\":\"AP8Q\",\"flag\":\"true\",\"hist\":{\"Max\":1e+21,\"Min\":-3,\"Count\":17,\"Sum\":2.5e-07},\"host.count\":\"-42\",\"list\":\"[\\\"a\\\\\\\"b\\\",7]\",\"map\":\"{\\\"a\\\":1e+300,\\\"z\\\\\\\\\\\":\\\"\\\\n\\\"}\",\"ratio\":\"0.1\",\"service.name\":\"svcq\\\"b\\\\s/n\\nt\\tr\\rb\\bf\\fz\\u0000\\u0001\\u001f\x7f""\xc3""\xa9""\xe2""\x82""\xac""\xf0""\x9f""\x98""\x80""\xef""\xbf""\xbd""\xef""\xbf""\xbd""(\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""end\",\"service.namespace\":\"ns\\\"x\"}"},
{"mixed_no_rollup", 7, 3914, 0xb8a2c65dc697603cull, 4,
 "{\"OTelLib\":\"scopeq\\\"b\\\\s/n\\nt\\tr\\rb\\bf\\fz\\u0000\\u0001\\u001f\x7f""\xc3""\xa9""\xe2""\x82""\xac""\xf0""\x9f""\x98""\x80""\xef""\xbf""\xbd""\xef""\xbf""\xbd""(\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""\xef""\xbf""\xbd""end\",\"Version\":\"1\",\"_aws\":{\"CloudWatchMetrics\":[{\"Namespace\":\"Name\\\"space\\\\\",\"Dimensions\":[[\"OTelLib\"]],\"Metrics\":[{\"Name\":\"hist\",\"Unit\":\"Seconds\",\"StorageResolution\":60}]}],\"Timestamp\":1700000000000},\"hist\":{\"Max\":1e+21,\"Min\":-3,\"Count\":17,\"Sum\":2.5e-07}}"},
{"declared_v0_prometheus", 1, 656, 0xa2e12099634f65b8ull, 0,
 "{\"CloudWatchMetrics\":[{\"Namespace\":\"api\",\"Dimensions\":[[\"Method\",\"route\"],[\"route\"],[],[\"Method\"],[\"prom_metric_type\"]],\"Metrics\":[{\"Name\":\"http_requests\",\"Unit\":\"\",\"StorageResolution\":60}]},{\"Namespace\":\"api\",\"Dimensions\":[[\"Method\",\"route\"],[\"route\"],[\"Method\"],[],[\"prom_metric_type\"]],\"Metrics\":[{\"Name\":\"http_errors\",\"Unit\":\"\",\"StorageResolution\":60}]},{\"Namespace\":\"api\",\"Dimensions\":[[\"Method\"],[],[\"prom_metric_type\"],[\"route\"]],\"Metrics\":[{\"Name\":\"db_calls\",\"Unit\":\"\",\"StorageResolution\":60}]}],\"Method\":\"GET\",\"Timestamp\":\"1700000000000\",\"Version\":\"0\",\"db_calls\":2,\"http_errors\":2,\"http_requests\":2,\"prom_metric_type\":\"gauge\",\"route\":\"/api/\\\"x\\\"\"}"},
{"large", 2, 8950, 0x78eac78bc4cb2548ull, 1,
 "{\"Version\":\"1\",\"_aws\":{\"CloudWatchMetrics\":[{\"Namespace\":\"default\",\"Dimensions\":[[],[\"k\"]],\"Metrics\":[{\"Name\":\"m100\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m101\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m102\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m103\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m104\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m105\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m106\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m107\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m108\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m109\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m110\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m111\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m112\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m113\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m114\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m115\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m116\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m117\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m118\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m119\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m120\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m121\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m122\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m123\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m124\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m125\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m126\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m127\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m128\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m129\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m130\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m131\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m132\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m133\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m134\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m135\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m136\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m137\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m138\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m139\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m140\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m141\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m142\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m143\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m144\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m145\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m146\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m147\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m148\",\"Unit\":\"\",\"StorageResolution\":60},{\"Name\":\"m149\",\"Unit\":\"\",\"StorageResolution\":60}]}],\"Timestamp\":1700000000000},\"k\":\"v\",\"m100\":100,\"m101\":101,\"m102\":102,\"m103\":103,\"m104\":104,\"m105\":105,\"m106\":106,\"m107\":107,\"m108\":108,\"m109\":109,\"m110\":110,\"m111\":111,\"m112\":112,\"m113\":113,\"m114\":114,\"m115\":115,\"m116\":116,\"m117\":117,\"m118\":118,\"m119\":119,\"m120\":120,\"m121\":121,\"m122\":122,\"m123\":123,\"m124\":124,\"m125\":125,\"m126\":126,\"m127\":127,\"m128\":128,\"m129\":129,\"m130\":130,\"m131\":131,\"m132\":132,\"m133\":133,\"m134\":134,\"m135\":135,\"m136\":136,\"m137\":137,\"m138\":138,\"m139\":139,\"m140\":140,\"m141\":141,\"m142\":142,\"m143\":143,\"m144\":144,\"m145\":145,\"m146\":146,\"m147\":147,\"m148\":148,\"m149\":149}"},
};

TEST(EmfDocuments, PlainDocumentsAreByteForByteThoseOfBefore) {
  std::vector<Case> cases = Cases();
  ASSERT_EQ(cases.size(), std::size(kGolden));
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    const Golden& g = kGolden[i];
    std::vector<std::string> docs = PlainDocuments(cases[i]);
    size_t bytes = 0;
    for (const std::string& d : docs) bytes += d.size();
    EXPECT_EQ(docs.size(), g.count);
    EXPECT_EQ(bytes, g.bytes);
    EXPECT_EQ(Fnv1a(docs), g.hash);
    ASSERT_LT(g.shortest, docs.size());
    EXPECT_EQ(docs[g.shortest], g.shortest_text);
  }
}

// Escaped documents are the plain ones escaped as JSON strings (without the quotes), sizes are the
// plain sizes, streams and times agree.
TEST(EmfDocuments, EscapedDocumentsAreThePlainOnesEscaped) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    // One translator (its default log stream name is random); the cases hold no cumulative data.
    EmfTranslator translator(c.options);
    EmfDocuments plain, escaped;
    plain.escaped = false;
    escaped.escaped = true;
    EXPECT_EQ(translator.Translate(c.request, plain, kNowMs),
              translator.Translate(c.request, escaped, kNowMs));
    ASSERT_EQ(plain.documents.size(), escaped.documents.size());
    ASSERT_FALSE(plain.documents.empty());
    for (size_t i = 0; i < plain.documents.size(); ++i) {
      const auto& p = plain.documents[i];
      const auto& e = escaped.documents[i];
      std::string expected;
      common::AppendJsonString(plain.Text(p), expected);
      EXPECT_EQ(escaped.Text(e), expected.substr(1, expected.size() - 2));
      EXPECT_EQ(p.size, p.length);
      EXPECT_EQ(e.size, p.length);
      EXPECT_EQ(e.timestamp_ms, p.timestamp_ms);
      EXPECT_EQ(escaped.streams[e.stream].log_group, plain.streams[p.stream].log_group);
      EXPECT_EQ(escaped.streams[e.stream].log_stream, plain.streams[p.stream].log_stream);
    }
  }
}

// Translating again into the same EmfDocuments appends (and reuses the streams); reused translator
// state gives the same documents again.
TEST(EmfDocuments, AppendsAndRepeats) {
  EmfTranslator t(EmfOptions{});
  EmfDocuments docs;
  const MetricsRequest req = Mixed();
  t.Translate(req, docs, kNowMs);
  const size_t n = docs.documents.size();
  const std::string first(docs.text);
  t.Translate(req, docs, kNowMs);
  ASSERT_EQ(docs.documents.size(), 2 * n);
  EXPECT_EQ(docs.streams.size(), 1u);
  EXPECT_EQ(docs.text, first + first);
  EXPECT_EQ(docs.documents[n].offset, first.size());
}

// AppendJsonStringEscaped is AppendJsonString applied twice (inner text), for every kind of byte.
TEST(EmfJson, EscapedStringIsAppendJsonStringTwice) {
  auto check = [](const std::string& s) {
    std::string once, twice, out = "x";
    common::AppendJsonString(s, once);
    common::AppendJsonString(once, twice);
    const size_t extra = AppendJsonStringEscaped(s, out);
    EXPECT_EQ(out, "x" + twice.substr(1, twice.size() - 2)) << ::testing::PrintToString(s);
    EXPECT_EQ(extra, out.size() - 1 - once.size());
  };
  check("");
  check(kNasty);
  check("plain ascii text longer than eight bytes");
  for (int c = 0; c < 256; ++c) check(std::string(1, static_cast<char>(c)) + "abcdefgh" + static_cast<char>(c));
  std::mt19937 rng(7);
  const char alphabet[] = {'a', '"', '\\', '\n', '\x01', '\x7f', '\xC3', '\xA9', '\xE2', '\x82', '\xAC', '\xF0',
                           '\x9F', '\x98', '\x80', '\xFF', '\xED', '\xA0', ' ', '/'};
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 24, ' ');
    for (char& c : s) c = alphabet[rng() % sizeof alphabet];
    check(s);
  }
}

// The shortest double text is std::to_chars' for integers, short decimals and anything else.
TEST(EmfJson, ShortestDoubleIsToChars) {
  auto check = [](double v) {
    char a[32], b[32];
    const std::string fast(a, WriteShortestDouble(v, a));
    const std::string reference(b, std::to_chars(b, b + sizeof b, v).ptr);
    ASSERT_EQ(fast, reference) << v;
  };
  for (int64_t i = -100000; i <= 100000; ++i) {
    check(static_cast<double>(i));
    check(static_cast<double>(i) / 10);
    check(static_cast<double>(i) / 100);
    check(static_cast<double>(i) / 1000);
    check(static_cast<double>(i) * 0.001);
    check(static_cast<double>(i) * 1000);
  }
  for (double p = 1; p < 1e22; p *= 10) {
    for (double m : {1.0, 1.5, 2.0, 12.0, 120.0, 1234.0, 9.999}) {
      check(m * p);
      check(-m * p);
      check(m / p);
      check(m * p + 0.5);
      check(m * p + 0.125);
    }
  }
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200000; ++i) {
    check(std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 120) - 80));
    check(static_cast<double>(static_cast<int64_t>(rng() % 2000000000) - 1000000000) /
          static_cast<double>(1 + rng() % 1000));
  }
  check(0.0);
  check(-0.0);
  check(0.1 + 0.2);
  check(9007199254740993.0);
  check(1e15);
  check(999999999999999.0);
  check(99999999999999.99);
  check(5e-324);
  check(1.7976931348623157e308);
}

// ---- PutLogEvents plan and body ----

EmfDocuments::Document Doc(EmfDocuments& docs, uint32_t stream, int64_t t, size_t size) {
  EmfDocuments::Document d;
  d.stream = stream;
  d.timestamp_ms = t;
  d.offset = docs.text.size();
  d.length = size;
  d.size = size;
  docs.text.append(size, 'x');
  return d;
}

TEST(PutLogEvents, PlanOrdersByStreamThenTimeAndKeepsTheLimits) {
  EmfDocuments docs;
  docs.streams = {{"g2", "s"}, {"g1", "b"}, {"g1", "a"}};
  const int64_t now = kNowMs;
  // Stream 0: 12,000 small documents in falling time (two calls by count); stream 1: 9 documents
  // of 200,000 bytes (calls by size); stream 2: documents over 25 hours (calls by span), one too
  // large, one too old, one too far ahead.
  for (int i = 0; i < 12000; ++i) docs.documents.push_back(Doc(docs, 0, now - i, 10));
  for (int i = 0; i < 9; ++i) docs.documents.push_back(Doc(docs, 1, now - 1000 + i, 200000));
  docs.documents.push_back(Doc(docs, 2, now - 25 * 3600 * 1000LL, 5));
  docs.documents.push_back(Doc(docs, 2, now - 3600 * 1000LL, 5));
  docs.documents.push_back(Doc(docs, 2, now - 2 * 3600 * 1000LL, 5));
  docs.documents.push_back(Doc(docs, 2, now, kMaxEventBytes - kEventOverhead + 1));
  docs.documents.push_back(Doc(docs, 2, now, kMaxEventBytes - kEventOverhead));
  docs.documents.push_back(Doc(docs, 2, now - 15LL * 24 * 3600 * 1000, 5));
  docs.documents.push_back(Doc(docs, 2, now + 3 * 3600 * 1000LL, 5));
  PutLogEventsPlan plan = PlanPutLogEvents(docs, now);
  EXPECT_EQ(plan.too_large, 1u);
  EXPECT_EQ(plan.out_of_window, 2u);
  EXPECT_EQ(plan.order.size(), 12000u + 9 + 4);
  // Streams by (group, stream): g1/a (2), g1/b (1), g2/s (0).
  std::vector<uint32_t> streams;
  for (const auto& c : plan.calls) streams.push_back(c.stream);
  EXPECT_EQ(streams, (std::vector<uint32_t>{2, 2, 1, 1, 0, 0}));
  for (const auto& c : plan.calls) {
    size_t bytes = 0;
    ASSERT_LT(c.begin, c.end);
    EXPECT_LE(c.end - c.begin, kMaxEventsPerCall);
    const int64_t first = docs.documents[plan.order[c.begin]].timestamp_ms;
    for (size_t i = c.begin; i < c.end; ++i) {
      const auto& d = docs.documents[plan.order[i]];
      EXPECT_EQ(d.stream, c.stream);
      bytes += d.size + kEventOverhead;
      if (i > c.begin) {
        EXPECT_GE(d.timestamp_ms, docs.documents[plan.order[i - 1]].timestamp_ms);
      }
      EXPECT_LT(d.timestamp_ms - first, kMaxCallSpanMs);
    }
    EXPECT_LE(bytes, kMaxBytesPerCall);
  }
  EXPECT_EQ(plan.calls[4].end - plan.calls[4].begin, kMaxEventsPerCall);
  EXPECT_EQ(plan.calls[2].end - plan.calls[2].begin, 5u);  // 5 × 200,026 bytes fit in 1 MiB
}

TEST(PutLogEvents, BodyHoldsTheDocumentsAsJsonStrings) {
  for (bool escaped : {true, false}) {
    EmfOptions options;
    options.log_group_name = "/g\"roup";
    options.log_stream_name = "s\\tream";
    EmfTranslator t(options);
    EmfDocuments docs, plain;
    docs.escaped = escaped;
    plain.escaped = false;
    t.Translate(Mixed(), docs, kNowMs);
    t.Translate(Mixed(), plain, kNowMs);
    PutLogEventsPlan plan = PlanPutLogEvents(docs, kNowMs + 1000LL * 3600 * 24 * 365 * 10);
    EXPECT_EQ(plan.out_of_window, docs.documents.size());
    plan = PlanPutLogEvents(docs, kNowMs);
    ASSERT_EQ(plan.calls.size(), 1u);
    std::string body = "prefix";
    AppendPutLogEventsBody(docs, plan, plan.calls[0], body);
    ASSERT_EQ(body.rfind("prefix", 0), 0u);
    common::JsonValue json;
    ASSERT_TRUE(common::ParseJson(std::string_view(body).substr(6), json)) << body;
    EXPECT_EQ(json.Find("logGroupName")->text(), "/g\"roup");
    EXPECT_EQ(json.Find("logStreamName")->text(), "s\\tream");
    const auto& events = json.Find("logEvents")->array();
    ASSERT_EQ(events.size(), docs.documents.size());
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& d = plain.documents[plan.order[i]];
      int64_t t = 0;
      EXPECT_TRUE(events[i].Find("timestamp")->GetInt64(t));
      EXPECT_EQ(t, d.timestamp_ms);
      // The message, as JSON reads it back, is the plain document with malformed UTF-8 already
      // replaced: byte for byte.
      EXPECT_EQ(events[i].Find("message")->text(), plain.Text(d));
    }
  }
}

}  // namespace
}  // namespace adot::collector::awsemf
