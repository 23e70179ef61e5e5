// The span → X-Ray segment document translator of the awsxray exporter: one or more tests per rule
// of the Go contrib translator it follows (docs: xray.md §3), plus golden documents.
#include "collector/exporters/awsxray/translator.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <set>
#include <thread>

#include "collector/exporters/awsxray/translator_internal.h"
#include "common/json_reader.h"

namespace adot::collector::awsxray {
namespace {

using common::JsonValue;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;
using Attrs = google::protobuf::RepeatedPtrField<KeyValue>;

// ---- building requests ----

AnyValue* Add(Attrs* attrs, const std::string& key) {
  KeyValue* kv = attrs->Add();
  kv->set_key(key);
  return kv->mutable_value();
}
void Str(Attrs* a, const std::string& k, const std::string& v) { Add(a, k)->set_string_value(v); }
void Int(Attrs* a, const std::string& k, int64_t v) { Add(a, k)->set_int_value(v); }
void Bool(Attrs* a, const std::string& k, bool v) { Add(a, k)->set_bool_value(v); }
void Dbl(Attrs* a, const std::string& k, double v) { Add(a, k)->set_double_value(v); }
void StrList(Attrs* a, const std::string& k, std::initializer_list<std::string> values) {
  auto* arr = Add(a, k)->mutable_array_value();
  for (const auto& v : values) arr->add_values()->set_string_value(v);
}

std::string Bytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

constexpr std::string_view kTraceHex = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kXrayTraceId = "1-4bf92f35-77b34da6a3ce929d0e0e4736";

struct Request {
  TracesRequest req;
  ResourceSpans* rs;
  Attrs* resource;

  Request() {
    rs = req.add_resource_spans();
    rs->add_scope_spans();
    resource = rs->mutable_resource()->mutable_attributes();
  }
  // A span with the test trace id, span id 00f067aa0ba902b7, times 1.5 s apart.
  Span* AddSpan(Span::SpanKind kind, std::string name = "op", bool with_parent = false) {
    Span* s = rs->mutable_scope_spans(0)->add_spans();
    s->set_trace_id(Bytes(kTraceHex));
    s->set_span_id(Bytes("00f067aa0ba902b7"));
    if (with_parent) s->set_parent_span_id(Bytes("53995c3f42cd8ad8"));
    s->set_name(std::move(name));
    s->set_kind(kind);
    s->set_start_time_unix_nano(1700000000000000000ull);
    s->set_end_time_unix_nano(1700000001500000000ull);
    return s;
  }
};

std::vector<std::string> Translate(const TracesRequest& req, TranslateOptions options = {},
                                   size_t* skipped = nullptr, std::string* error = nullptr) {
  SegmentTranslator t(std::move(options));
  std::vector<std::string> docs;
  const size_t n = t.Translate(req, docs, error);
  if (skipped != nullptr) *skipped = n;
  return docs;
}

JsonValue Parse(const std::string& doc) {
  JsonValue v;
  std::string error;
  EXPECT_TRUE(common::ParseJson(doc, v, &error)) << error << "\n" << doc;
  return v;
}

// The only document of a request, parsed.
JsonValue One(const Request& r, TranslateOptions options = {}) {
  auto docs = Translate(r.req, std::move(options));
  EXPECT_EQ(docs.size(), 1u);
  return docs.empty() ? JsonValue() : Parse(docs[0]);
}

const JsonValue* Get(const JsonValue& v, std::initializer_list<std::string_view> path) {
  const JsonValue* cur = &v;
  for (std::string_view key : path) {
    cur = cur->Find(key);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}
std::string GetStr(const JsonValue& v, std::initializer_list<std::string_view> path) {
  const JsonValue* x = Get(v, path);
  return x != nullptr && x->is_string() ? x->text() : "<absent>";
}
int64_t GetInt(const JsonValue& v, std::initializer_list<std::string_view> path) {
  const JsonValue* x = Get(v, path);
  int64_t n = -999;
  if (x != nullptr) x->GetInt64(n);
  return n;
}
bool GetBool(const JsonValue& v, std::initializer_list<std::string_view> path) {
  const JsonValue* x = Get(v, path);
  EXPECT_TRUE(x != nullptr && x->is_bool());
  return x != nullptr && x->bool_value();
}
bool Has(const JsonValue& v, std::initializer_list<std::string_view> path) {
  return Get(v, path) != nullptr;
}
std::vector<std::string> Keys(const JsonValue& v) {
  std::vector<std::string> keys;
  for (const auto& m : v.members()) keys.push_back(m.key);
  return keys;
}

// ---- golden documents ----

TEST(XrayTranslatorTest, GoldenServerSegmentIsByteIdentical) {
  // xray.md §3.12: a SERVER root span, HTTP GET 200, W3C trace id.
  Request r;
  Str(r.resource, "service.name", "checkout");
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER, "GET /api/cart");
  s->set_trace_id(Bytes("66eb757066b5d7c915edd0c70e66a400"));
  s->set_span_id(Bytes("5fb4c9a1b2c3d4e5"));
  s->set_start_time_unix_nano(1726707056546713800ull);
  s->set_end_time_unix_nano(1726707057290126800ull);
  Str(s->mutable_attributes(), "http.request.method", "GET");
  Str(s->mutable_attributes(), "url.full", "http://shop/api/cart");
  Int(s->mutable_attributes(), "http.response.status_code", 200);
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0],
            R"({"name":"checkout","id":"5fb4c9a1b2c3d4e5","start_time":1726707056.5467138,)"
            R"("trace_id":"1-66eb7570-66b5d7c915edd0c70e66a400","end_time":1726707057.2901268,)"
            R"("http":{"request":{"method":"GET","url":"http://shop/api/cart"},"response":)"
            R"({"status":200,"content_length":0}},"fault":false,"error":false,"throttle":false,)"
            R"("aws":{"xray":{"auto_instrumentation":false}},"metadata":{"default":)"
            R"({"otel.resource.service.name":"checkout"}}})");
}

TEST(XrayTranslatorTest, GoldenClientSubsegmentOnEc2IsByteIdentical) {
  Request r;
  Str(r.resource, "service.name", "cart");
  Str(r.resource, "cloud.provider", "aws");
  Str(r.resource, "cloud.platform", "aws_ec2");
  Str(r.resource, "host.id", "i-0123");
  Str(r.resource, "telemetry.sdk.name", "opentelemetry");
  Str(r.resource, "telemetry.sdk.language", "cpp");
  Str(r.resource, "telemetry.sdk.version", "1.2.3");
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT, "GET", true);
  Str(s->mutable_attributes(), "http.method", "GET");
  Str(s->mutable_attributes(), "net.peer.name", "backend");
  Int(s->mutable_attributes(), "net.peer.port", 8080);
  Str(s->mutable_attributes(), "http.target", "/items?id=<1>&x");
  Int(s->mutable_attributes(), "http.status_code", 503);
  Str(s->mutable_attributes(), "component", "http");
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0],
            R"({"name":"backend","id":"00f067aa0ba902b7","start_time":1700000000,)"
            R"("origin":"AWS::EC2::Instance","trace_id":"1-4bf92f35-77b34da6a3ce929d0e0e4736",)"
            R"("end_time":1700000001.5,"http":{"request":{"method":"GET",)"
            R"("url":"http://backend:8080/items?id=\u003c1\u003e\u0026x"},)"
            R"("response":{"status":503,"content_length":0}},"fault":true,"error":false,)"
            R"("throttle":false,"aws":{"ec2":{"instance_id":"i-0123","availability_zone":null,)"
            R"("instance_size":null,"ami_id":null},"xray":{"sdk":"opentelemetry for cpp",)"
            R"("sdk_version":"1.2.3","auto_instrumentation":false}},)"
            R"("metadata":{"default":{"component":"http"}},"namespace":"remote",)"
            R"("parent_id":"53995c3f42cd8ad8","type":"subsegment"})");
}

// ---- ids, times, skipping ----

TEST(XrayTranslatorTest, W3cTraceIdIsConvertedVerbatim) {
  Request r;
  r.AddSpan(Span::SPAN_KIND_SERVER);
  auto doc = One(r);
  EXPECT_EQ(GetStr(doc, {"trace_id"}), kXrayTraceId);
  EXPECT_EQ(GetStr(doc, {"id"}), "00f067aa0ba902b7");
  EXPECT_FALSE(Has(doc, {"parent_id"}));
}

TEST(XrayTranslatorTest, InvalidTraceIdsSkipTheSpanWithAnError) {
  Request r;
  r.AddSpan(Span::SPAN_KIND_SERVER, "zero")->set_trace_id(std::string(16, '\0'));
  r.AddSpan(Span::SPAN_KIND_SERVER, "short")->set_trace_id(Bytes("0102"));
  r.AddSpan(Span::SPAN_KIND_SERVER, "good");
  auto* link = r.AddSpan(Span::SPAN_KIND_SERVER, "badlink")->add_links();
  link->set_trace_id(std::string(16, '\0'));
  link->set_span_id(Bytes("0102030405060708"));
  size_t skipped = 0;
  std::string error;
  auto docs = Translate(r.req, {}, &skipped, &error);
  EXPECT_EQ(skipped, 3u);
  EXPECT_EQ(error, "invalid xray traceid: 00000000000000000000000000000000");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(GetStr(Parse(docs[0]), {"name"}), "good");
  // Without first_error the count is still returned.
  SegmentTranslator t({});
  std::vector<std::string> more;
  EXPECT_EQ(t.Translate(r.req, more), 3u);
}

TEST(XrayTranslatorTest, InvalidLinkTraceIdIsReported) {
  Request r;
  auto* link = r.AddSpan(Span::SPAN_KIND_SERVER)->add_links();
  link->set_trace_id(Bytes("0a0b"));
  std::string error;
  size_t skipped = 0;
  EXPECT_TRUE(Translate(r.req, {}, &skipped, &error).empty());
  EXPECT_EQ(skipped, 1u);
  EXPECT_EQ(error, "invalid xray traceid: 0a0b");
}

TEST(XrayTranslatorTest, StartAndEndTimeAsFixedSeconds) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
  s->set_start_time_unix_nano(1726707056123456789ull);
  s->set_end_time_unix_nano(1726707057000000000ull);
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_NE(docs[0].find(R"("start_time":1726707056.1234567,)"), std::string::npos) << docs[0];
  EXPECT_NE(docs[0].find(R"("end_time":1726707057,)"), std::string::npos) << docs[0];
}

TEST(XrayTranslatorTest, InProgressOmitsEndTime) {
  Request r;
  Bool(r.AddSpan(Span::SPAN_KIND_SERVER)->mutable_attributes(), "aws.xray.inprogress", true);
  auto doc = One(r);
  EXPECT_TRUE(GetBool(doc, {"in_progress"}));
  EXPECT_FALSE(Has(doc, {"end_time"}));
  EXPECT_FALSE(Has(doc, {"metadata", "default", "aws.xray.inprogress"}));
  // false: a normal end time, the attribute still consumed.
  Request r2;
  Bool(r2.AddSpan(Span::SPAN_KIND_SERVER)->mutable_attributes(), "aws.xray.inprogress", false);
  auto doc2 = One(r2);
  EXPECT_FALSE(Has(doc2, {"in_progress"}));
  EXPECT_TRUE(Has(doc2, {"end_time"}));
  EXPECT_FALSE(Has(doc2, {"metadata"}));
}

TEST(XrayTranslatorTest, ZeroSpanIdIsSkippedAndZeroParentIsNoParent) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT);
  s->set_parent_span_id(std::string(8, '\0'));
  auto doc = One(r);
  EXPECT_FALSE(Has(doc, {"parent_id"}));
  EXPECT_FALSE(Has(doc, {"type"}));

  Request r2;
  r2.AddSpan(Span::SPAN_KIND_SERVER)->set_span_id(std::string(8, '\0'));
  r2.AddSpan(Span::SPAN_KIND_SERVER)->clear_span_id();
  SegmentTranslator translator(TranslateOptions{});
  std::vector<std::string> docs;
  std::string error;
  EXPECT_EQ(translator.Translate(r2.req, docs, &error), 2u);
  EXPECT_TRUE(docs.empty());
  EXPECT_EQ(error, "invalid span id: \"0000000000000000\"");
}

// ---- segment / subsegment ----

TEST(XrayTranslatorTest, SegmentOrSubsegmentByKindAndParent) {
  struct Case {
    Span::SpanKind kind;
    bool parent;
    bool subsegment;
  } cases[] = {
      {Span::SPAN_KIND_SERVER, true, false},  {Span::SPAN_KIND_CONSUMER, true, false},
      {Span::SPAN_KIND_CLIENT, true, true},   {Span::SPAN_KIND_PRODUCER, true, true},
      {Span::SPAN_KIND_INTERNAL, true, true}, {Span::SPAN_KIND_INTERNAL, false, false},
      {Span::SPAN_KIND_CLIENT, false, false},
  };
  for (const Case& c : cases) {
    Request r;
    Str(r.resource, "service.name", "svc");
    r.AddSpan(c.kind, "op", c.parent);
    auto doc = One(r);
    SCOPED_TRACE(std::to_string(c.kind) + (c.parent ? " with parent" : " root"));
    EXPECT_EQ(Has(doc, {"type"}), c.subsegment);
    if (c.subsegment) {
      EXPECT_EQ(GetStr(doc, {"type"}), "subsegment");
    }
    EXPECT_EQ(Has(doc, {"parent_id"}), c.parent);
    // Resource attributes are metadata of segments only.
    EXPECT_EQ(Has(doc, {"metadata", "default", "otel.resource.service.name"}), !c.subsegment);
  }
}

// ---- names ----

std::string NameOf(Span::SpanKind kind,
                   std::initializer_list<std::pair<std::string, std::string>> attrs,
                   std::string span_name = "span-name", std::string service = "") {
  Request r;
  if (!service.empty()) Str(r.resource, "service.name", service);
  Span* s = r.AddSpan(kind, std::move(span_name), true);
  for (const auto& [k, v] : attrs) Str(s->mutable_attributes(), k, v);
  return GetStr(One(r), {"name"});
}

TEST(XrayTranslatorTest, NameDerivationOrder) {
  const auto kServer = Span::SPAN_KIND_SERVER;
  const auto kClient = Span::SPAN_KIND_CLIENT;
  EXPECT_EQ(NameOf(kServer, {{"aws.local.service", "local"}, {"peer.service", "peer"}}), "local");
  EXPECT_EQ(NameOf(kClient, {{"aws.local.service", "local"}, {"peer.service", "peer"}}), "peer");
  EXPECT_EQ(NameOf(Span::SPAN_KIND_INTERNAL,
                   {{"aws.span.kind", "LOCAL_ROOT"}, {"aws.local.service", "local"}}),
            "local");
  EXPECT_EQ(NameOf(Span::SPAN_KIND_INTERNAL, {{"aws.local.service", "local"}}), "span-name");
  EXPECT_EQ(NameOf(kClient, {{"aws.remote.service", "remote"}, {"peer.service", "peer"}}),
            "remote");
  EXPECT_EQ(NameOf(Span::SPAN_KIND_PRODUCER, {{"aws.remote.service", "remote"}}), "remote");
  EXPECT_EQ(NameOf(kServer, {{"aws.remote.service", "remote"}}), "span-name");
  // AWS SDK prefixes are stripped only for rpc.system aws-api.
  EXPECT_EQ(NameOf(kClient, {{"aws.remote.service", "AWS.SDK.S3"}, {"rpc.system", "aws-api"}}),
            "S3");
  EXPECT_EQ(NameOf(kClient, {{"aws.remote.service", "AWS::DynamoDB"}, {"rpc.system", "aws-api"}}),
            "DynamoDB");
  EXPECT_EQ(NameOf(kClient, {{"aws.remote.service", "AWS.SDK.S3"}}), "AWS.SDK.S3");
  EXPECT_EQ(NameOf(kClient, {{"peer.service", "peer"}, {"aws.service", "S3"}}), "peer");
  EXPECT_EQ(NameOf(kClient, {{"aws.service", "S3"}, {"db.name", "db"}}), "S3");
  EXPECT_EQ(NameOf(kClient, {{"db.name", "orders"}, {"rpc.service", "rpc"}}), "orders");
  EXPECT_EQ(NameOf(kClient, {{"db.name", "orders"},
                             {"db.connection_string", "jdbc:mysql://db.example.com:3306/orders"}}),
            "orders@db.example.com");
  EXPECT_EQ(NameOf(kClient,
                   {{"db.name", "orders"}, {"db.connection_string", "Server=db;Database=orders"}}),
            "orders");
  EXPECT_EQ(NameOf(kServer, {{"rpc.service", "rpc"}}, "n", "svc"), "svc");
  EXPECT_EQ(NameOf(kClient, {{"rpc.service", "rpc"}}, "n", "svc"), "rpc");
  EXPECT_EQ(NameOf(kClient, {{"rpc.service", "rpc"}, {"http.host", "host"}}), "rpc");
  EXPECT_EQ(NameOf(kClient, {{"http.host", "host"}, {"net.peer.name", "peer"}}), "host");
  EXPECT_EQ(NameOf(kClient, {{"net.peer.name", "peer"}}), "peer");
  // New semantic-convention names are not used for naming.
  EXPECT_EQ(NameOf(kClient, {{"server.address", "srv"}, {"db.namespace", "dbns"}}), "span-name");
}

TEST(XrayTranslatorTest, AttributeNamesAreNotSanitisedButSpanNamesAre) {
  EXPECT_EQ(NameOf(Span::SPAN_KIND_CLIENT, {{"peer.service", "peer!*?"}}), "peer!*?");
  EXPECT_EQ(NameOf(Span::SPAN_KIND_CLIENT, {}, "GET /a?b=c!{x}"), "GET /ab=cx");
  EXPECT_EQ(NameOf(Span::SPAN_KIND_CLIENT, {}, "!!??"), "span");
  EXPECT_EQ(NameOf(Span::SPAN_KIND_CLIENT, {}, ""), "span");
  EXPECT_EQ(NameOf(Span::SPAN_KIND_CLIENT, {}, "a_b.c:d/e%f&g#h=i+j-k@l m"),
            "a_b.c:d/e%f&g#h=i+j-k@l m");
  // Letters of any script are kept; symbols, digits of other scripts and invalid bytes are not.
  EXPECT_EQ(NameOf(Span::SPAN_KIND_CLIENT, {}, "Café-日本語-Ω€\xff\xfe١"), "Café-日本語-Ω");
}

TEST(XrayTranslatorTest, SpanNamesAreCutTo200Bytes) {
  EXPECT_EQ(NameOf(Span::SPAN_KIND_CLIENT, {}, std::string(300, 'a')), std::string(200, 'a'));
  // 'é' is two bytes: 100 of them fill 200 bytes exactly; one more byte of 'a' in front makes the
  // last 'é' cross the limit, and it is dropped whole.
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "é";
  EXPECT_EQ(NameOf(Span::SPAN_KIND_CLIENT, {}, accents).size(), 200u);
  const std::string shifted = NameOf(Span::SPAN_KIND_CLIENT, {}, "a" + accents);
  EXPECT_EQ(shifted.size(), 199u);
  EXPECT_EQ(shifted.substr(0, 3), "aé");
}

// ---- namespace ----

TEST(XrayTranslatorTest, Namespace) {
  auto ns = [](Span::SpanKind kind,
               std::initializer_list<std::pair<std::string, std::string>> attrs) {
    Request r;
    Span* s = r.AddSpan(kind, "op", true);
    for (const auto& [k, v] : attrs) Str(s->mutable_attributes(), k, v);
    return GetStr(One(r), {"namespace"});
  };
  EXPECT_EQ(ns(Span::SPAN_KIND_CLIENT, {{"rpc.system", "aws-api"}}), "aws");
  EXPECT_EQ(ns(Span::SPAN_KIND_INTERNAL, {{"rpc.system", "aws-api"}}), "aws");
  EXPECT_EQ(ns(Span::SPAN_KIND_CLIENT, {{"aws.service", "S3"}}), "aws");
  // aws.service only sets the namespace when it names the segment.
  EXPECT_EQ(ns(Span::SPAN_KIND_CLIENT, {{"peer.service", "p"}, {"aws.service", "S3"}}), "remote");
  EXPECT_EQ(ns(Span::SPAN_KIND_CLIENT, {}), "remote");
  EXPECT_EQ(ns(Span::SPAN_KIND_PRODUCER, {}), "remote");
  EXPECT_EQ(ns(Span::SPAN_KIND_SERVER, {}), "<absent>");
  EXPECT_EQ(ns(Span::SPAN_KIND_CONSUMER, {{"aws.remote.service", "q"}}), "<absent>");
  EXPECT_EQ(ns(Span::SPAN_KIND_INTERNAL, {}), "<absent>");
}

// ---- http ----

JsonValue HttpOf(Span::SpanKind kind, const std::function<void(Attrs*)>& fill,
                 const std::function<void(Span*)>& more = nullptr) {
  Request r;
  Span* s = r.AddSpan(kind, "op", true);
  fill(s->mutable_attributes());
  if (more) more(s);
  JsonValue doc = One(r);
  const JsonValue* http = doc.Find("http");
  return http != nullptr ? *http : JsonValue();
}

TEST(XrayTranslatorTest, HttpServerOldConventionsAndDefaultPorts) {
  auto http = HttpOf(Span::SPAN_KIND_SERVER, [](Attrs* a) {
    Str(a, "http.method", "POST");
    Str(a, "http.scheme", "https");
    Str(a, "http.server_name", "api.example.com");
    Int(a, "net.host.port", 443);
    Str(a, "http.target", "/v1/items?x=1");
    Str(a, "http.user_agent", "curl/8");
    Str(a, "http.client_ip", "10.0.0.1");
    Int(a, "http.status_code", 201);
  });
  EXPECT_EQ(GetStr(http, {"request", "method"}), "POST");
  EXPECT_EQ(GetStr(http, {"request", "url"}), "https://api.example.com/v1/items?x=1");
  EXPECT_EQ(GetStr(http, {"request", "user_agent"}), "curl/8");
  EXPECT_EQ(GetStr(http, {"request", "client_ip"}), "10.0.0.1");
  EXPECT_TRUE(GetBool(http, {"request", "x_forwarded_for"}));
  EXPECT_EQ(GetInt(http, {"response", "status"}), 201);
  EXPECT_EQ(GetInt(http, {"response", "content_length"}), 0);
  // Non-default ports are kept; http.host wins and brings no port.
  auto port = [](const char* scheme, int64_t p, bool host) {
    return GetStr(HttpOf(Span::SPAN_KIND_SERVER,
                         [&](Attrs* a) {
                           Str(a, "http.scheme", scheme);
                           if (host) Str(a, "http.host", "h:1");
                           Str(a, "net.host.name", "n");
                           Int(a, "net.host.port", p);
                         }),
                  {"request", "url"});
  };
  EXPECT_EQ(port("http", 80, false), "http://n/");
  EXPECT_EQ(port("https", 443, false), "https://n/");
  EXPECT_EQ(port("http", 443, false), "http://n:443/");
  EXPECT_EQ(port("https", 8443, false), "https://n:8443/");
  EXPECT_EQ(port("http", 8080, true), "http://h:1/");
}

TEST(XrayTranslatorTest, HttpServerHostFallbacks) {
  auto url = [](const std::function<void(Attrs*)>& fill) {
    return GetStr(HttpOf(Span::SPAN_KIND_SERVER, fill), {"request", "url"});
  };
  EXPECT_EQ(url([](Attrs* a) {
              Str(a, "http.method", "GET");
              Str(a, "host.name", "hn");
              Str(a, "server.address", "sa");
            }),
            "http://hn/");
  // New conventions: server.address / server.port, url.path and url.query.
  EXPECT_EQ(url([](Attrs* a) {
              Str(a, "http.request.method", "GET");
              Str(a, "url.scheme", "http");
              Str(a, "server.address", "shop.local");
              Int(a, "server.port", 8080);
              Str(a, "url.path", "/cart");
              Str(a, "url.query", "id=7");
            }),
            "http://shop.local:8080/cart?id=7");
  // net.host.port beats server.port; a string port works too.
  EXPECT_EQ(url([](Attrs* a) {
              Str(a, "server.address", "s");
              Str(a, "net.host.port", "9000");
              Int(a, "server.port", 1);
              Str(a, "http.target", "/t");
            }),
            "http://s:9000/t");
}

TEST(XrayTranslatorTest, HttpClientUrls) {
  auto url = [](const std::function<void(Attrs*)>& fill) {
    return GetStr(HttpOf(Span::SPAN_KIND_CLIENT, fill), {"request", "url"});
  };
  EXPECT_EQ(url([](Attrs* a) {
              Str(a, "http.method", "GET");
              Str(a, "http.url", "https://x.example/a?b");
              Str(a, "net.peer.name", "ignored");
            }),
            "https://x.example/a?b");
  EXPECT_EQ(url([](Attrs* a) {
              Str(a, "http.method", "GET");
              Str(a, "net.peer.ip", "10.1.1.1");
              Int(a, "net.peer.port", 80);
            }),
            "http://10.1.1.1/");
  EXPECT_EQ(url([](Attrs* a) {
              Str(a, "http.method", "GET");
              Str(a, "http.scheme", "https");
              Str(a, "net.peer.name", "api");
              Int(a, "net.peer.port", 8443);
              Str(a, "http.target", "/p");
            }),
            "https://api:8443/p");
  // Quirk kept from the Go translator: client URLs ignore server.address / server.port.
  EXPECT_EQ(url([](Attrs* a) {
              Str(a, "http.request.method", "GET");
              Str(a, "server.address", "api");
              Int(a, "server.port", 8443);
              Str(a, "url.path", "/p");
            }),
            "http:///p");
}

TEST(XrayTranslatorTest, HttpClientIpSources) {
  // net.peer.ip: a direct peer, so no x_forwarded_for; http.client_ip wins whatever the order.
  auto h1 = HttpOf(Span::SPAN_KIND_SERVER, [](Attrs* a) {
    Str(a, "net.peer.ip", "10.0.0.2");
    Str(a, "http.client_ip", "1.2.3.4");
    Str(a, "http.method", "GET");
  });
  EXPECT_EQ(GetStr(h1, {"request", "client_ip"}), "1.2.3.4");
  EXPECT_FALSE(Has(h1, {"request", "x_forwarded_for"}));
  // network.peer.address counts only when it is an IP address.
  auto h2 = HttpOf(Span::SPAN_KIND_SERVER, [](Attrs* a) {
    Str(a, "http.request.method", "GET");
    Str(a, "network.peer.address", "not-an-ip");
  });
  EXPECT_FALSE(Has(h2, {"request", "client_ip"}));
  EXPECT_FALSE(Has(h2, {"request", "url"}));
  auto h3 = HttpOf(Span::SPAN_KIND_SERVER, [](Attrs* a) {
    Str(a, "http.request.method", "GET");
    Str(a, "network.peer.address", "2001:db8::1");
  });
  EXPECT_EQ(GetStr(h3, {"request", "client_ip"}), "2001:db8::1");
  EXPECT_FALSE(Has(h3, {"request", "x_forwarded_for"}));
  // client.address (a valid IP) overrides and is forwarded information.
  auto h4 = HttpOf(Span::SPAN_KIND_SERVER, [](Attrs* a) {
    Str(a, "http.request.method", "GET");
    Str(a, "client.address", "203.0.113.9");
    Str(a, "user_agent.original", "ua");
  });
  EXPECT_EQ(GetStr(h4, {"request", "client_ip"}), "203.0.113.9");
  EXPECT_TRUE(GetBool(h4, {"request", "x_forwarded_for"}));
  EXPECT_EQ(GetStr(h4, {"request", "user_agent"}), "ua");
  auto h5 = HttpOf(Span::SPAN_KIND_SERVER, [](Attrs* a) {
    Str(a, "http.request.method", "GET");
    Str(a, "client.address", "example.com");
  });
  EXPECT_FALSE(Has(h5, {"request", "client_ip"}));
}

TEST(XrayTranslatorTest, HttpContentLengthFromSpanOrEvents) {
  auto h1 = HttpOf(Span::SPAN_KIND_CLIENT, [](Attrs* a) {
    Int(a, "http.status_code", 200);
    Str(a, "message.type", "RECEIVED");
    Int(a, "messaging.message.payload_size_bytes", 1234);
  });
  EXPECT_EQ(GetInt(h1, {"response", "content_length"}), 1234);
  EXPECT_EQ(GetStr(h1, {"request", "url"}), "<absent>");
  auto h2 = HttpOf(
      Span::SPAN_KIND_CLIENT, [](Attrs* a) { Int(a, "http.status_code", 200); },
      [](Span* s) {
        auto* e = s->add_events();
        e->set_name("message");
        Str(e->mutable_attributes(), "message.type", "RECEIVED");
        Int(e->mutable_attributes(), "messaging.message.payload_size_bytes", 77);
      });
  EXPECT_EQ(GetInt(h2, {"response", "content_length"}), 77);
  ASSERT_TRUE(h2.is_object());
  // Only the status: an empty request object, as Go writes it.
  EXPECT_TRUE(Get(h2, {"request"})->members().empty());
}

TEST(XrayTranslatorTest, NoHttpBlockWithoutHttpAttributesButTheyAreStillConsumed) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT, "op", true);
  Str(s->mutable_attributes(), "net.peer.name", "db");
  Str(s->mutable_attributes(), "server.address", "db");
  Str(s->mutable_attributes(), "other", "x");
  auto doc = One(r);
  EXPECT_FALSE(Has(doc, {"http"}));
  EXPECT_EQ(Keys(*Get(doc, {"metadata", "default"})), std::vector<std::string>{"other"});
}

// ---- cause, fault, error, throttle ----

TEST(XrayTranslatorTest, FaultErrorThrottleFromHttpStatusOrSpanStatus) {
  struct Case {
    int64_t code;  // 0: none
    bool status_error;
    bool fault, error, throttle;
  } cases[] = {
      {0, false, false, false, false},   {0, true, true, false, false},
      {200, true, true, false, false},   {404, false, false, true, false},
      {429, false, false, true, true},   {500, false, true, false, false},
      {503, true, true, false, false},   {404, true, false, true, false},
      {600, false, false, false, false},
  };
  for (const Case& c : cases) {
    Request r;
    Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
    if (c.code != 0) Int(s->mutable_attributes(), "http.response.status_code", c.code);
    if (c.status_error) s->mutable_status()->set_code(Status::STATUS_CODE_ERROR);
    auto doc = One(r);
    SCOPED_TRACE(c.code);
    EXPECT_EQ(GetBool(doc, {"fault"}), c.fault);
    EXPECT_EQ(GetBool(doc, {"error"}), c.error);
    EXPECT_EQ(GetBool(doc, {"throttle"}), c.throttle);
  }
}

void ExpectRandomId(const JsonValue* id) {
  ASSERT_NE(id, nullptr);
  ASSERT_TRUE(id->is_string());
  EXPECT_EQ(id->text().size(), 16u);
  EXPECT_EQ(id->text().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(id->text(), "0000000000000000");
}

TEST(XrayTranslatorTest, CauseFromErrorStatusMessageOrStatusText) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
  s->mutable_status()->set_code(Status::STATUS_CODE_ERROR);
  s->mutable_status()->set_message("it broke");
  Str(s->mutable_attributes(), "http.status_text", "Bad Gateway");
  auto doc = One(r);
  const JsonValue* ex = Get(doc, {"cause", "exceptions"});
  ASSERT_TRUE(ex && ex->is_array() && ex->array().size() == 1);
  ExpectRandomId(ex->array()[0].Find("id"));
  EXPECT_EQ(GetStr(ex->array()[0], {"message"}), "it broke");
  EXPECT_FALSE(Has(ex->array()[0], {"type"}));
  EXPECT_FALSE(Has(ex->array()[0], {"remote"}));
  EXPECT_TRUE(GetBool(doc, {"fault"}));
  EXPECT_FALSE(Has(doc, {"metadata"}));  // http.status_text consumed

  Request r2;
  Span* s2 = r2.AddSpan(Span::SPAN_KIND_SERVER);
  s2->mutable_status()->set_code(Status::STATUS_CODE_ERROR);
  Str(s2->mutable_attributes(), "http.status_text", "Bad Gateway");
  EXPECT_EQ(GetStr(One(r2).Find("cause")->Find("exceptions")->array()[0], {"message"}),
            "Bad Gateway");

  // No message at all: no cause; status not ERROR: no cause and http.status_text is metadata.
  Request r3;
  r3.AddSpan(Span::SPAN_KIND_SERVER)->mutable_status()->set_code(Status::STATUS_CODE_ERROR);
  EXPECT_FALSE(Has(One(r3), {"cause"}));
  Request r4;
  Str(r4.AddSpan(Span::SPAN_KIND_SERVER)->mutable_attributes(), "http.status_text", "OK");
  auto doc4 = One(r4);
  EXPECT_FALSE(Has(doc4, {"cause"}));
  EXPECT_EQ(GetStr(doc4, {"metadata", "default", "http.status_text"}), "OK");
}

TEST(XrayTranslatorTest, CauseFromExceptionEventsWithJavaStack) {
  Request r;
  Str(r.resource, "telemetry.sdk.language", "java");
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT, "op", true);
  s->mutable_status()->set_code(Status::STATUS_CODE_ERROR);
  auto* e = s->add_events();
  e->set_name("exception");
  Str(e->mutable_attributes(), "exception.type", "java.lang.IllegalStateException");
  Str(e->mutable_attributes(), "exception.message", "bad <state>");
  Str(e->mutable_attributes(), "exception.stacktrace",
      "java.lang.IllegalStateException: bad <state>\n"
      "\tat a.B.c(B.java:12)\n"
      "Caused by: java.io.IOException: disk\n"
      "\tat d.E.f(E.java:3)\n");
  s->add_events()->set_name("not an exception");
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_NE(docs[0].find(R"("message":"bad \u003cstate\u003e")"), std::string::npos);
  auto doc = Parse(docs[0]);
  const auto& ex = Get(doc, {"cause", "exceptions"})->array();
  ASSERT_EQ(ex.size(), 2u);
  ExpectRandomId(ex[0].Find("id"));
  ExpectRandomId(ex[1].Find("id"));
  EXPECT_NE(GetStr(ex[0], {"id"}), GetStr(ex[1], {"id"}));
  EXPECT_EQ(GetStr(ex[0], {"type"}), "java.lang.IllegalStateException");
  EXPECT_TRUE(GetBool(ex[0], {"remote"}));  // CLIENT
  EXPECT_EQ(GetStr(ex[0], {"cause"}), GetStr(ex[1], {"id"}));
  const auto& stack = ex[0].Find("stack")->array();
  ASSERT_EQ(stack.size(), 1u);
  EXPECT_EQ(GetStr(stack[0], {"path"}), "B.java");
  EXPECT_EQ(GetInt(stack[0], {"line"}), 12);
  EXPECT_EQ(GetStr(stack[0], {"label"}), "a.B.c");
  EXPECT_EQ(Keys(stack[0]), (std::vector<std::string>{"path", "line", "label"}));
  EXPECT_EQ(GetStr(ex[1], {"type"}), "java.io.IOException");
  EXPECT_EQ(GetStr(ex[1], {"message"}), "disk");
  EXPECT_TRUE(GetBool(ex[1], {"remote"}));
  EXPECT_FALSE(Has(ex[1], {"cause"}));
  EXPECT_EQ(Keys(ex[0]),
            (std::vector<std::string>{"id", "message", "type", "remote", "cause", "stack"}));
  // Exception events win over the status message; the span is a fault from its status.
  EXPECT_TRUE(GetBool(doc, {"fault"}));
}

TEST(XrayTranslatorTest, CauseStacksForEachLanguage) {
  struct Case {
    const char* language;
    const char* stack;
    const char* path;
    int64_t line;
  } cases[] = {
      {"python",
       "Traceback (most recent call last):\n  File \"app.py\", line 7, in run\n    x()\nE: m\n",
       "app.py", 7},
      {"javascript", "Error: m\n    at run (/app/a.js:3:9)\n", "/app/a.js", 3},
      {"dotnet", "E: m\n   at App.Run() in /src/App.cs:line 11\n", "/src/App.cs", 11},
      {"go", "panic: m\ngoroutine 1 [running]:\nmain.run()\n\t/src/main.go:21 +0x1\n",
       "/src/main.go", 21},
      {"php", "E: m\n\tat App.run(app.php:5)\n", "app.php", 5},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.language);
    Request r;
    Str(r.resource, "telemetry.sdk.language", c.language);
    auto* e = r.AddSpan(Span::SPAN_KIND_SERVER)->add_events();
    e->set_name("exception");
    Str(e->mutable_attributes(), "exception.type", "E");
    Str(e->mutable_attributes(), "exception.stacktrace", c.stack);
    auto doc = One(r);
    const auto& ex = Get(doc, {"cause", "exceptions"})->array();
    ASSERT_EQ(ex.size(), 1u);
    EXPECT_FALSE(GetBool(ex[0], {"remote"}));  // SERVER
    EXPECT_FALSE(Has(ex[0], {"message"}));     // empty message omitted
    const JsonValue* stack = ex[0].Find("stack");
    ASSERT_TRUE(stack != nullptr && !stack->array().empty());
    EXPECT_EQ(GetStr(stack->array()[0], {"path"}), c.path);
    EXPECT_EQ(GetInt(stack->array()[0], {"line"}), c.line);
    // Without a stack-trace language: no frames.
    Request plain;
    auto* pe = plain.AddSpan(Span::SPAN_KIND_SERVER)->add_events();
    pe->set_name("exception");
    Str(pe->mutable_attributes(), "exception.stacktrace", c.stack);
    EXPECT_FALSE(Has(Get(One(plain), {"cause", "exceptions"})->array()[0], {"stack"}));
  }
}

TEST(XrayTranslatorTest, AwsSdkHttpRequestFailureEvents) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT, "S3.GetObject", true);
  Str(s->mutable_attributes(), "rpc.system", "aws-api");
  auto* e = s->add_events();
  e->set_name("HTTP request failure");
  e->set_time_unix_nano(1700000000123456789ull);
  Int(e->mutable_attributes(), "http.response.status_code", 503);
  Str(e->mutable_attributes(), "aws.http.error_message", "Slow Down");
  auto* incomplete = s->add_events();  // needs both attributes
  incomplete->set_name("HTTP request failure");
  Int(incomplete->mutable_attributes(), "http.response.status_code", 500);
  auto doc = One(r);
  const auto& ex = Get(doc, {"cause", "exceptions"})->array();
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(GetStr(ex[0], {"type"}), "aws.http.error.event");
  EXPECT_EQ(GetStr(ex[0], {"message"}), "503@1700000000.123456@Slow Down");
  EXPECT_TRUE(GetBool(ex[0], {"remote"}));
  // Not an AWS SDK span: the event is ignored.
  Request r2;
  auto* e2 = r2.AddSpan(Span::SPAN_KIND_CLIENT, "op", true)->add_events();
  e2->set_name("HTTP request failure");
  EXPECT_FALSE(Has(One(r2), {"cause"}));
}

// ---- aws block and origin ----

JsonValue AwsDocWithResource(std::initializer_list<std::pair<std::string, std::string>> resource,
                             TranslateOptions options = {}) {
  Request r;
  for (const auto& [k, v] : resource) Str(r.resource, k, v);
  r.AddSpan(Span::SPAN_KIND_SERVER);
  return One(r, std::move(options));
}

TEST(XrayTranslatorTest, OriginPerPlatform) {
  auto origin = [](std::initializer_list<std::pair<std::string, std::string>> res) {
    return GetStr(AwsDocWithResource(res), {"origin"});
  };
  EXPECT_EQ(origin({{"cloud.provider", "aws"}, {"cloud.platform", "aws_ec2"}}),
            "AWS::EC2::Instance");
  EXPECT_EQ(origin({{"cloud.platform", "aws_ecs"}}), "AWS::ECS::Container");
  EXPECT_EQ(origin({{"cloud.platform", "aws_ecs"}, {"aws.ecs.launchtype", "ec2"}}),
            "AWS::ECS::EC2");
  EXPECT_EQ(origin({{"cloud.platform", "aws_ecs"}, {"aws.ecs.launchtype", "fargate"}}),
            "AWS::ECS::Fargate");
  EXPECT_EQ(origin({{"cloud.platform", "aws_ecs"}, {"aws.ecs.launchtype", "other"}}),
            "AWS::ECS::Container");
  EXPECT_EQ(origin({{"cloud.platform", "aws_eks"}}), "AWS::EKS::Container");
  EXPECT_EQ(origin({{"cloud.platform", "aws_elastic_beanstalk"}}),
            "AWS::ElasticBeanstalk::Environment");
  EXPECT_EQ(origin({{"cloud.platform", "aws_app_runner"}}), "AWS::AppRunner::Service");
  EXPECT_EQ(origin({{"cloud.platform", "aws_lambda"}}), "<absent>");
  EXPECT_EQ(origin({{"cloud.provider", "aws"}}), "<absent>");
  EXPECT_EQ(origin({{"cloud.provider", "gcp"}, {"cloud.platform", "aws_ec2"}}), "<absent>");
  EXPECT_EQ(origin({}), "<absent>");
}

TEST(XrayTranslatorTest, NoAwsBlockForOtherClouds) {
  auto doc = AwsDocWithResource({{"cloud.provider", "gcp"}, {"host.id", "h"}});
  EXPECT_FALSE(Has(doc, {"aws"}));
  EXPECT_TRUE(Has(AwsDocWithResource({{"cloud.provider", "aws"}}), {"aws", "xray"}));
}

TEST(XrayTranslatorTest, AwsEc2Block) {
  auto doc = AwsDocWithResource({{"cloud.provider", "aws"},
                                 {"cloud.platform", "aws_ec2"},
                                 {"host.id", "i-1"},
                                 {"cloud.availability_zone", "us-east-1a"},
                                 {"host.type", "m5.large"},
                                 {"host.image.id", "ami-9"}});
  EXPECT_EQ(GetStr(doc, {"aws", "ec2", "instance_id"}), "i-1");
  EXPECT_EQ(GetStr(doc, {"aws", "ec2", "availability_zone"}), "us-east-1a");
  EXPECT_EQ(GetStr(doc, {"aws", "ec2", "instance_size"}), "m5.large");
  EXPECT_EQ(GetStr(doc, {"aws", "ec2", "ami_id"}), "ami-9");
  // host.id alone is enough; missing fields are null.
  auto doc2 = AwsDocWithResource({{"host.id", "i-2"}});
  EXPECT_TRUE(Get(doc2, {"aws", "ec2", "ami_id"})->is_null());
  EXPECT_FALSE(Has(AwsDocWithResource({{"cloud.platform", "aws_eks"}}), {"aws", "ec2"}));
}

TEST(XrayTranslatorTest, AwsEcsBlock) {
  auto doc = AwsDocWithResource({{"cloud.platform", "aws_ecs"},
                                 {"container.name", "web"},
                                 {"container.name", "second"},
                                 {"container.id", "c0ffee"},
                                 {"aws.ecs.task.arn", "arn:task"},
                                 {"aws.ecs.task.family", "fam"},
                                 {"aws.ecs.cluster.arn", "arn:cluster"},
                                 {"aws.ecs.container.arn", "arn:container"},
                                 {"cloud.availability_zone", "az"},
                                 {"aws.ecs.launchtype", "fargate"}});
  const JsonValue* ecs = Get(doc, {"aws", "ecs"});
  ASSERT_NE(ecs, nullptr);
  EXPECT_EQ(Keys(*ecs), (std::vector<std::string>{"container", "container_id", "task_arn",
                                                  "task_family", "cluster_arn", "container_arn",
                                                  "availability_zone", "launch_type"}));
  EXPECT_EQ(GetStr(*ecs, {"container"}), "web");  // the first container.name
  EXPECT_EQ(GetStr(*ecs, {"launch_type"}), "fargate");
  // Missing fields are omitted.
  auto doc2 = AwsDocWithResource({{"cloud.platform", "aws_ecs"}});
  EXPECT_TRUE(Get(doc2, {"aws", "ecs"})->members().empty());
}

TEST(XrayTranslatorTest, AwsEksBlock) {
  auto doc = AwsDocWithResource({{"cloud.platform", "aws_eks"},
                                 {"k8s.cluster.name", "prod"},
                                 {"k8s.pod.name", "web-1"},
                                 {"container.id", "abc"}});
  EXPECT_EQ(GetStr(doc, {"aws", "eks", "cluster_name"}), "prod");
  EXPECT_EQ(GetStr(doc, {"aws", "eks", "pod"}), "web-1");
  EXPECT_EQ(GetStr(doc, {"aws", "eks", "container_id"}), "abc");
  auto doc2 = AwsDocWithResource({{"k8s.cluster.name", "kind"}});
  EXPECT_EQ(GetStr(doc2, {"aws", "eks", "cluster_name"}), "kind");
  EXPECT_TRUE(Get(doc2, {"aws", "eks", "pod"})->is_null());
}

TEST(XrayTranslatorTest, AwsElasticBeanstalkBlock) {
  auto doc = AwsDocWithResource({{"cloud.platform", "aws_elastic_beanstalk"},
                                 {"service.namespace", "env"},
                                 {"service.version", "v7"},
                                 {"service.instance.id", "23"}});
  EXPECT_EQ(GetStr(doc, {"aws", "elastic_beanstalk", "environment_name"}), "env");
  EXPECT_EQ(GetStr(doc, {"aws", "elastic_beanstalk", "version_label"}), "v7");
  EXPECT_EQ(GetInt(doc, {"aws", "elastic_beanstalk", "deployment_id"}), 23);
  EXPECT_EQ(GetInt(AwsDocWithResource({{"cloud.platform", "aws_elastic_beanstalk"},
                                       {"service.instance.id", "+-5"}}),
                   {"aws", "elastic_beanstalk", "deployment_id"}),
            0);
  auto doc2 = AwsDocWithResource(
      {{"cloud.platform", "aws_elastic_beanstalk"}, {"service.instance.id", "not-a-number"}});
  EXPECT_EQ(GetInt(doc2, {"aws", "elastic_beanstalk", "deployment_id"}), 0);
  EXPECT_TRUE(Get(doc2, {"aws", "elastic_beanstalk", "environment_name"})->is_null());
  EXPECT_FALSE(Has(AwsDocWithResource({{"cloud.platform", "aws_elastic_beanstalk"}}),
                   {"aws", "elastic_beanstalk"}));
}

TEST(XrayTranslatorTest, AwsCloudWatchLogs) {
  // ARNs (one string joined with '&') beat names, which beat the configuration.
  auto doc = AwsDocWithResource({{"aws.log.group.arns",
                                  "arn:aws:logs:us-east-1:123456789012:log-group:group1:*&&arn:aws:"
                                  "logs:us-east-1:1:log-group:g2"},
                                 {"aws.log.group.names", "ignored"}},
                                TranslateOptions{{}, false, {"cfg"}});
  const auto& groups = Get(doc, {"aws", "cloudwatch_logs"})->array();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(GetStr(groups[0], {"log_group"}), "group1");
  EXPECT_EQ(GetStr(groups[0], {"arn"}), "arn:aws:logs:us-east-1:123456789012:log-group:group1:*");
  EXPECT_EQ(GetStr(groups[1], {"log_group"}), "g2");

  Request r;
  StrList(r.resource, "aws.log.group.names", {"a", "b"});
  r.AddSpan(Span::SPAN_KIND_SERVER);
  auto names_doc = One(r);
  const auto& names = Get(names_doc, {"aws", "cloudwatch_logs"})->array();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(GetStr(names[1], {"log_group"}), "b");
  EXPECT_FALSE(Has(names[1], {"arn"}));

  auto cfg = AwsDocWithResource({}, TranslateOptions{{}, false, {"c1", "c2"}});
  const auto& configured = Get(cfg, {"aws", "cloudwatch_logs"})->array();
  ASSERT_EQ(configured.size(), 2u);
  EXPECT_EQ(GetStr(configured[0], {"log_group"}), "c1");
  EXPECT_FALSE(Has(AwsDocWithResource({}), {"aws", "cloudwatch_logs"}));
}

TEST(XrayTranslatorTest, AwsXrayBlock) {
  auto doc = AwsDocWithResource({{"telemetry.sdk.name", "opentelemetry"},
                                 {"telemetry.sdk.language", "java"},
                                 {"telemetry.sdk.version", "1.40.0"},
                                 {"telemetry.auto.version", "2.0"}});
  EXPECT_EQ(GetStr(doc, {"aws", "xray", "sdk"}), "opentelemetry for java");
  EXPECT_EQ(GetStr(doc, {"aws", "xray", "sdk_version"}), "1.40.0");
  EXPECT_TRUE(GetBool(doc, {"aws", "xray", "auto_instrumentation"}));
  auto doc2 = AwsDocWithResource(
      {{"telemetry.sdk.name", "opentelemetry"}, {"telemetry.distro.version", "0.1"}});
  EXPECT_EQ(GetStr(doc2, {"aws", "xray", "sdk"}), "opentelemetry");
  EXPECT_TRUE(GetBool(doc2, {"aws", "xray", "auto_instrumentation"}));
}

TEST(XrayTranslatorTest, AwsSpanFields) {
  Request r;
  Str(r.resource, "cloud.account.id", "111");
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT, "op", true);
  auto* a = s->mutable_attributes();
  Str(a, "rpc.method", "GetItem");
  Str(a, "aws.account_id", "222");
  Str(a, "aws.region", "eu-west-1");
  Str(a, "aws.requestId", "req-1");
  Str(a, "aws.queue.url", "https://sqs/q");
  Str(a, "aws.table.name", "t1");
  auto doc = One(r);
  const JsonValue* aws = doc.Find("aws");
  EXPECT_EQ(Keys(*aws), (std::vector<std::string>{"xray", "account_id", "operation", "region",
                                                  "request_id", "queue_url", "table_name"}));
  EXPECT_EQ(GetStr(*aws, {"account_id"}), "222");
  EXPECT_EQ(GetStr(*aws, {"operation"}), "GetItem");
  EXPECT_EQ(GetStr(*aws, {"region"}), "eu-west-1");
  EXPECT_EQ(GetStr(*aws, {"request_id"}), "req-1");
  EXPECT_EQ(GetStr(*aws, {"queue_url"}), "https://sqs/q");
  EXPECT_EQ(GetStr(*aws, {"table_name"}), "t1");
  EXPECT_FALSE(Has(doc, {"metadata"}));  // all consumed

  // aws.operation beats rpc.method; messaging.url and aws.dynamodb.table_names override.
  Request r2;
  Str(r2.resource, "cloud.account.id", "111");
  auto* a2 = r2.AddSpan(Span::SPAN_KIND_CLIENT, "op", true)->mutable_attributes();
  Str(a2, "aws.operation", "Query");
  Str(a2, "rpc.method", "ignored");
  Str(a2, "aws.queue_url", "q1");
  Str(a2, "messaging.url", "q2");
  Str(a2, "aws.table_name", "t1");
  StrList(a2, "aws.dynamodb.table_names", {"x", "y"});
  auto doc2 = One(r2);
  EXPECT_EQ(GetStr(doc2, {"aws", "account_id"}), "111");
  EXPECT_EQ(GetStr(doc2, {"aws", "operation"}), "Query");
  EXPECT_EQ(GetStr(doc2, {"aws", "queue_url"}), "q2");
  EXPECT_FALSE(Has(doc2, {"aws", "table_name"}));
  ASSERT_EQ(Get(doc2, {"aws", "table_names"})->array().size(), 2u);
  // messaging.url and aws.dynamodb.table_names stay metadata.
  EXPECT_EQ(Keys(*Get(doc2, {"metadata", "default"})),
            (std::vector<std::string>{"aws.dynamodb.table_names", "messaging.url"}));
  Request r3;
  StrList(r3.AddSpan(Span::SPAN_KIND_CLIENT)->mutable_attributes(), "aws.dynamodb.table_names",
          {"only"});
  EXPECT_EQ(GetStr(One(r3), {"aws", "table_name"}), "only");
}

TEST(XrayTranslatorTest, ServiceVersion) {
  EXPECT_EQ(GetStr(AwsDocWithResource({{"service.version", "1.0"}}), {"service", "version"}),
            "1.0");
  EXPECT_EQ(GetStr(AwsDocWithResource({{"container.image.tag", "v2"}}), {"service", "version"}),
            "v2");
  Request r;
  StrList(r.resource, "container.image.tags", {"v3", "latest"});
  Str(r.resource, "container.image.tag", "v2");
  r.AddSpan(Span::SPAN_KIND_SERVER);
  EXPECT_EQ(GetStr(One(r), {"service", "version"}), "v3");
  EXPECT_FALSE(Has(AwsDocWithResource({}), {"service"}));
}

// ---- sql, user ----

TEST(XrayTranslatorTest, SqlBlockForSqlDatabases) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT, "SELECT orders", true);
  auto* a = s->mutable_attributes();
  Str(a, "db.system", "postgresql");
  Str(a, "db.name", "shop");
  Str(a, "db.statement", "SELECT * FROM orders WHERE id < 3");
  Str(a, "db.user", "app");
  Str(a, "db.connection_string", "postgresql://db.local:5432");
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 1u);
  auto doc = Parse(docs[0]);
  EXPECT_EQ(Keys(*doc.Find("sql")),
            (std::vector<std::string>{"connection_string", "url", "sanitized_query",
                                      "database_type", "user"}));
  EXPECT_EQ(GetStr(doc, {"sql", "connection_string"}), "postgresql://db.local:5432/shop");
  EXPECT_EQ(GetStr(doc, {"sql", "url"}), "SELECT orders");
  EXPECT_EQ(GetStr(doc, {"sql", "sanitized_query"}), "SELECT * FROM orders WHERE id < 3");
  EXPECT_EQ(GetStr(doc, {"sql", "database_type"}), "postgresql");
  EXPECT_EQ(GetStr(doc, {"sql", "user"}), "app");
  EXPECT_EQ(GetStr(doc, {"name"}), "shop@db.local");
  EXPECT_FALSE(Has(doc, {"metadata"}));
  EXPECT_EQ(docs[0].substr(docs[0].size() - 150).find("\"sql\""),
            docs[0].substr(docs[0].size() - 150).rfind("\"sql\""));  // written once, last

  Request r2;
  auto* a2 = r2.AddSpan(Span::SPAN_KIND_CLIENT)->mutable_attributes();
  Str(a2, "db.system", "mysql");
  Str(a2, "db.name", "x");
  EXPECT_EQ(GetStr(One(r2), {"sql", "connection_string"}), "localhost/x");

  // Not an SQL database: no sql block and the db attributes stay metadata.
  Request r3;
  auto* a3 = r3.AddSpan(Span::SPAN_KIND_CLIENT)->mutable_attributes();
  Str(a3, "db.system", "redis");
  Str(a3, "db.statement", "GET k");
  auto doc3 = One(r3);
  EXPECT_FALSE(Has(doc3, {"sql"}));
  EXPECT_EQ(Keys(*Get(doc3, {"metadata", "default"})),
            (std::vector<std::string>{"db.statement", "db.system"}));
}

TEST(XrayTranslatorTest, UserFromEnduserId) {
  Request r;
  Str(r.AddSpan(Span::SPAN_KIND_SERVER)->mutable_attributes(), "enduser.id", "alice");
  auto doc = One(r, TranslateOptions{{"enduser.id"}, false, {}});
  EXPECT_EQ(GetStr(doc, {"user"}), "alice");
  EXPECT_FALSE(Has(doc, {"annotations"}));
  EXPECT_FALSE(Has(doc, {"metadata"}));
}

// ---- annotations and metadata ----

TEST(XrayTranslatorTest, MetadataByDefaultAnnotationsWhenIndexed) {
  Request r;
  Str(r.resource, "service.name", "svc");
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
  auto* a = s->mutable_attributes();
  Str(a, "customer", "c1");
  Int(a, "retries", 3);
  Dbl(a, "ratio", 0.25);
  Bool(a, "cached", true);
  StrList(a, "tags", {"a", "b"});
  Str(a, "http.method", "GET");  // consumed, re-added by indexing
  Str(a, "key-with/odd chars", "v");
  auto doc = One(r, TranslateOptions{{"customer", "retries", "tags", "http.method",
                                      "key-with/odd chars", "otel.resource.service.name"},
                                     false,
                                     {}});
  const JsonValue* ann = doc.Find("annotations");
  ASSERT_NE(ann, nullptr);
  EXPECT_EQ(Keys(*ann), (std::vector<std::string>{"customer", "http.method", "key_with_odd_chars",
                                                  "otel.resource.service.name", "retries"}));
  EXPECT_EQ(GetInt(*ann, {"retries"}), 3);
  EXPECT_EQ(GetStr(*ann, {"http.method"}), "GET");
  // Non-scalar indexed values are dropped; the others are metadata.
  const JsonValue* meta = Get(doc, {"metadata", "default"});
  EXPECT_EQ(Keys(*meta), (std::vector<std::string>{"cached", "ratio"}));
  EXPECT_EQ(GetStr(doc, {"http", "request", "method"}), "GET");
}

TEST(XrayTranslatorTest, AnnotationsNamedBySpanAttribute) {
  Request r;
  Str(r.resource, "service.name", "svc");
  Str(r.resource, "team", "blue");
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
  auto* a = s->mutable_attributes();
  StrList(a, "aws.xray.annotations", {"order.id", "otel.resource.team"});
  Str(a, "order.id", "o-1");
  Str(a, "note", "n");
  auto doc = One(r);
  EXPECT_EQ(Keys(*doc.Find("annotations")),
            (std::vector<std::string>{"order.id", "otel.resource.team"}));
  EXPECT_EQ(Keys(*Get(doc, {"metadata", "default"})),
            (std::vector<std::string>{"note", "otel.resource.service.name"}));
}

TEST(XrayTranslatorTest, IndexAllAttributes) {
  Request r;
  Str(r.resource, "service.name", "svc");
  StrList(r.resource, "process.command_args", {"a"});
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
  auto* a = s->mutable_attributes();
  Str(a, "a-b", "x");
  Int(a, "n", 1);
  StrList(a, "list", {"dropped"});
  auto doc = One(r, TranslateOptions{{}, true, {}});
  EXPECT_EQ(Keys(*doc.Find("annotations")),
            (std::vector<std::string>{"a_b", "n", "otel.resource.service.name"}));
  // Non-scalar resource attributes remain metadata; non-scalar span attributes are dropped.
  EXPECT_EQ(Keys(*Get(doc, {"metadata", "default"})),
            (std::vector<std::string>{"otel.resource.process.command_args"}));
}

TEST(XrayTranslatorTest, MetadataNamespacesFromJsonAttributes) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
  auto* a = s->mutable_attributes();
  Str(a, "aws.xray.metadata.orders",
      R"({"total": 12.50, "items": [1, "two"], "z": {"b": 1, "a": null}})");
  Str(a, "aws.xray.metadata.Default", R"({"merged": true})");
  Str(a, "aws.xray.metadata.broken", "{not json");
  Str(a, "aws.xray.metadata.array", "[1]");
  Str(a, "plain", "p");
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_NE(
      docs[0].find(
          R"("metadata":{"default":{"aws.xray.metadata.array":"[1]","aws.xray.metadata.broken":"{not json","merged":true,"plain":"p"},"orders":{"items":[1,"two"],"total":12.5,"z":{"a":null,"b":1}}})"),
      std::string::npos)
      << docs[0];
}

TEST(XrayTranslatorTest, MetadataValuesKeepTheirTypes) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
  auto* a = s->mutable_attributes();
  Dbl(a, "big", 1e21);
  Dbl(a, "small", 1e-7);
  Dbl(a, "whole", 3.0);
  Add(a, "bytes")->set_bytes_value("hi");
  Add(a, "empty");  // no value: left out
  auto* kv = Add(a, "map")->mutable_kvlist_value();
  auto* k1 = kv->add_values();
  k1->set_key("z");
  k1->mutable_value()->set_int_value(1);
  auto* k2 = kv->add_values();
  k2->set_key("a");
  k2->mutable_value()->set_string_value("<&>");
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_NE(
      docs[0].find(
          R"("metadata":{"default":{"big":1e+21,"bytes":"aGk=","map":{"a":"\u003c\u0026\u003e","z":1},"small":1e-7,"whole":3}})"),
      std::string::npos)
      << docs[0];
}

TEST(XrayTranslatorTest, ResourceMetadataOnlyOnSegmentsAndSorted) {
  Request r;
  Str(r.resource, "service.name", "svc");
  Str(r.resource, "a.first", "1");
  Int(r.resource, "z.last", 2);
  Span* seg = r.AddSpan(Span::SPAN_KIND_SERVER, "s", true);
  Str(seg->mutable_attributes(), "p.middle", "m");
  Str(seg->mutable_attributes(), "zz", "m");
  r.AddSpan(Span::SPAN_KIND_CLIENT, "c", true);
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(Keys(*Get(Parse(docs[0]), {"metadata", "default"})),
            (std::vector<std::string>{"otel.resource.a.first", "otel.resource.service.name",
                                      "otel.resource.z.last", "p.middle", "zz"}));
  EXPECT_FALSE(Has(Parse(docs[1]), {"metadata"}));
}

TEST(XrayTranslatorTest, MetadataEdgeCases) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
  auto* a = s->mutable_attributes();
  Str(a, "aws.xray.metadata.nothing", "null");
  Str(a, "aws.xray.metadata.empty", "{}");
  Str(a, "aws.xray.metadata.huge", R"({"n": 1e999})");  // not a float64: kept as the string
  Str(a, "aws.xray.metadata.default", R"({"dup": 1, "dup": 2})");
  Int(a, "aws.xray.metadata.notastring", 5);
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_NE(docs[0].find(R"("metadata":{"default":{"aws.xray.metadata.huge":"{\"n\": 1e999}",)"
                         R"("aws.xray.metadata.notastring":5,"dup":2},"empty":{},"nothing":null})"),
            std::string::npos)
      << docs[0];
}

TEST(XrayTranslatorTest, AnnotationKeysCollidingAfterSanitisingKeepTheLast) {
  Request r;
  auto* a = r.AddSpan(Span::SPAN_KIND_SERVER)->mutable_attributes();
  Str(a, "a-b", "first");
  Str(a, "a_b", "second");
  auto doc = One(r, TranslateOptions{{}, true, {}});
  EXPECT_EQ(Keys(*doc.Find("annotations")), std::vector<std::string>{"a_b"});
  EXPECT_EQ(GetStr(doc, {"annotations", "a_b"}), "second");
}

TEST(XrayTranslatorTest, AnnotationListIsConsumedAndNonStringNamesIgnored) {
  Request r;
  auto* a = r.AddSpan(Span::SPAN_KIND_SERVER)->mutable_attributes();
  auto* list = Add(a, "aws.xray.annotations")->mutable_array_value();
  list->add_values()->set_int_value(1);
  list->add_values()->set_string_value("x");
  Str(a, "x", "v");
  auto doc = One(r);
  EXPECT_EQ(Keys(*doc.Find("annotations")), std::vector<std::string>{"x"});
  EXPECT_FALSE(Has(doc, {"metadata"}));
  // Not a list: an ordinary attribute.
  Request r2;
  Str(r2.AddSpan(Span::SPAN_KIND_SERVER)->mutable_attributes(), "aws.xray.annotations", "x");
  EXPECT_EQ(GetStr(One(r2), {"metadata", "default", "aws.xray.annotations"}), "x");
}

TEST(XrayTranslatorTest, NonStringNameAttributesAreSkipped) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT, "op", true);
  Int(s->mutable_attributes(), "peer.service", 7);
  Str(s->mutable_attributes(), "net.peer.name", "peer");
  EXPECT_EQ(GetStr(One(r), {"name"}), "peer");
}

// ---- links ----

TEST(XrayTranslatorTest, SpanLinks) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER);
  auto* l1 = s->add_links();
  l1->set_trace_id(Bytes("0102030405060708090a0b0c0d0e0f10"));
  l1->set_span_id(Bytes("1112131415161718"));
  Str(l1->mutable_attributes(), "z", "last");
  Int(l1->mutable_attributes(), "a", 1);
  auto* l2 = s->add_links();
  l2->set_trace_id(Bytes(kTraceHex));
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_NE(
      docs[0].find(
          R"("links":[{"trace_id":"1-01020304-05060708090a0b0c0d0e0f10","id":"1112131415161718","attributes":{"a":1,"z":"last"}},{"trace_id":"1-4bf92f35-77b34da6a3ce929d0e0e4736","id":""}],"trace_id")"),
      std::string::npos)
      << docs[0];
}

// ---- Application Signals LOCAL_ROOT ----

TEST(XrayTranslatorTest, LocalRootClientSpanIsSplitInTwo) {
  Request r;
  Str(r.resource, "service.name", "svc");
  Str(r.resource, "cloud.account.id", "123");
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT, "S3.GetObject", true);
  auto* a = s->mutable_attributes();
  Str(a, "aws.span.kind", "LOCAL_ROOT");
  Str(a, "aws.local.service", "checkout");
  Str(a, "aws.remote.service", "AWS::S3");
  Str(a, "aws.remote.operation", "GetObject");
  Str(a, "remoteTarget", "bucket");
  Str(a, "K8s.RemoteNamespace", "ns");
  Str(a, "rpc.system", "aws-api");
  Str(a, "aws.region", "us-west-2");
  Str(a, "http.method", "GET");
  Str(a, "custom", "c");
  auto* link = s->add_links();
  link->set_trace_id(Bytes(kTraceHex));
  link->set_span_id(Bytes("1112131415161718"));
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 2u);
  auto dep = Parse(docs[0]);
  auto svc = Parse(docs[1]);
  // The dependency subsegment hangs off the new service segment.
  const std::string segment_id = GetStr(svc, {"id"});
  ExpectRandomId(svc.Find("id"));
  EXPECT_EQ(GetStr(dep, {"parent_id"}), segment_id);
  EXPECT_EQ(GetStr(dep, {"id"}), "00f067aa0ba902b7");
  EXPECT_EQ(GetStr(dep, {"type"}), "subsegment");
  EXPECT_EQ(GetStr(dep, {"namespace"}), "aws");
  EXPECT_EQ(GetStr(dep, {"name"}), "S3");
  EXPECT_EQ(GetStr(dep, {"http", "request", "method"}), "GET");
  EXPECT_EQ(GetStr(dep, {"aws", "region"}), "us-west-2");
  EXPECT_TRUE(Has(dep, {"links"}));
  EXPECT_TRUE(Has(dep, {"metadata", "default", "aws.remote.service"}));
  EXPECT_FALSE(Has(dep, {"metadata", "default", "otel.resource.service.name"}));
  // The service segment: local service name, original parent, no http / span aws fields /
  // namespace / type / links, metadata reduced to the resource.
  EXPECT_EQ(GetStr(svc, {"name"}), "checkout");
  EXPECT_EQ(GetStr(svc, {"parent_id"}), "53995c3f42cd8ad8");
  EXPECT_FALSE(Has(svc, {"type"}));
  EXPECT_FALSE(Has(svc, {"namespace"}));
  EXPECT_FALSE(Has(svc, {"http"}));
  EXPECT_FALSE(Has(svc, {"links"}));
  EXPECT_EQ(Keys(*svc.Find("aws")), std::vector<std::string>{"xray"});
  EXPECT_FALSE(Has(svc, {"metadata"}));  // CLIENT with a parent: no resource metadata
  EXPECT_EQ(GetStr(svc, {"trace_id"}), kXrayTraceId);
  // The service segment's id is the same on every translation (a re-sent batch overwrites it in
  // X-Ray), and another span gets another one.
  EXPECT_EQ(GetStr(Parse(Translate(r.req)[1]), {"id"}), segment_id);
  s->mutable_span_id()->back() ^= 1;
  EXPECT_NE(GetStr(Parse(Translate(r.req)[1]), {"id"}), segment_id);
}

TEST(XrayTranslatorTest, LocalRootConsumerKeepsResourceMetadataAndLinksOnTheService) {
  Request r;
  Str(r.resource, "service.name", "svc");
  Span* s = r.AddSpan(Span::SPAN_KIND_CONSUMER, "process", true);
  auto* a = s->mutable_attributes();
  Str(a, "aws.span.kind", "LOCAL_ROOT");
  Str(a, "aws.remote.service", "queue");
  Str(a, "custom", "c");
  Str(a, "aws.xray.metadata.extra", R"({"k": 1, "otel.resource.x": 2})");
  Str(a, "aws.xray.metadata.gone", R"({"k": 1})");  // nothing left on the service segment
  s->add_links()->set_trace_id(Bytes(kTraceHex));
  auto docs = Translate(r.req);
  ASSERT_EQ(docs.size(), 2u);
  auto dep = Parse(docs[0]);
  auto svc = Parse(docs[1]);
  EXPECT_EQ(GetStr(dep, {"name"}), "queue");
  EXPECT_EQ(GetStr(dep, {"namespace"}), "remote");
  EXPECT_FALSE(Has(dep, {"links"}));
  EXPECT_TRUE(Has(svc, {"links"}));
  // No aws.local.service: the name derived for a CONSUMER span, its span name (CC#43432).
  EXPECT_EQ(GetStr(svc, {"name"}), "process");
  EXPECT_EQ(Keys(*Get(svc, {"metadata", "default"})),
            std::vector<std::string>{"otel.resource.service.name"});
  EXPECT_EQ(Keys(*Get(svc, {"metadata", "extra"})), std::vector<std::string>{"otel.resource.x"});
  EXPECT_EQ(Keys(*svc.Find("metadata")), (std::vector<std::string>{"default", "extra"}));
  EXPECT_EQ(Keys(*dep.Find("metadata")), (std::vector<std::string>{"default", "extra", "gone"}));
}

TEST(XrayTranslatorTest, LocalRootServerSpanIsOneSegmentWithoutNamespace) {
  Request r;
  Span* s = r.AddSpan(Span::SPAN_KIND_SERVER, "GET /", true);
  Str(s->mutable_attributes(), "aws.span.kind", "LOCAL_ROOT");
  Str(s->mutable_attributes(), "aws.local.service", "front");
  Str(s->mutable_attributes(), "rpc.system", "aws-api");
  auto doc = One(r);
  EXPECT_EQ(GetStr(doc, {"name"}), "front");
  EXPECT_FALSE(Has(doc, {"namespace"}));
  EXPECT_FALSE(Has(doc, {"type"}));
  Request r2;
  Span* s2 = r2.AddSpan(Span::SPAN_KIND_INTERNAL, "job", true);
  Str(s2->mutable_attributes(), "aws.span.kind", "LOCAL_ROOT");
  Str(s2->mutable_attributes(), "aws.local.service", "worker");
  auto doc2 = One(r2);
  EXPECT_EQ(GetStr(doc2, {"name"}), "worker");
  EXPECT_FALSE(Has(doc2, {"type"}));
}

// ---- field order, escaping, threads ----

TEST(XrayTranslatorTest, FieldOrderFollowsTheSegmentStruct) {
  Request r;
  Str(r.resource, "service.version", "1");
  Str(r.resource, "cloud.platform", "aws_ec2");
  Span* s = r.AddSpan(Span::SPAN_KIND_CLIENT, "q", true);
  auto* a = s->mutable_attributes();
  Str(a, "enduser.id", "u");
  Str(a, "http.method", "GET");
  Str(a, "db.system", "mysql");
  Str(a, "ann", "x");
  Str(a, "meta", "y");
  s->add_links()->set_trace_id(Bytes(kTraceHex));
  s->mutable_status()->set_code(Status::STATUS_CODE_ERROR);
  s->mutable_status()->set_message("e");
  auto doc = One(r, TranslateOptions{{"ann"}, false, {}});
  EXPECT_EQ(
      Keys(doc),
      (std::vector<std::string>{
          "name",     "id",          "start_time", "service",   "origin",    "user",     "links",
          "trace_id", "end_time",    "http",       "fault",     "error",     "throttle", "cause",
          "aws",      "annotations", "metadata",   "namespace", "parent_id", "type",     "sql"}));
}

TEST(XrayTranslatorTest, GoJsonEscapingAndNumbers) {
  std::string out;
  internal::AppendGoString("a\"b\\c\n\t\b\f\x01<>&\xe2\x80\xa8\xe2\x80\xa9é\xff", out);
  EXPECT_EQ(out, R"("a\"b\\c\n\t\b\f\u0001\u003c\u003e\u0026\u2028\u2029é\ufffd")");
  auto num = [](double v) {
    std::string s;
    internal::AppendGoFloat(v, s);
    return s;
  };
  EXPECT_EQ(num(0), "0");
  EXPECT_EQ(num(-0.0), "-0");
  EXPECT_EQ(num(1.5), "1.5");
  EXPECT_EQ(num(1e20), "100000000000000000000");
  EXPECT_EQ(num(1e21), "1e+21");
  EXPECT_EQ(num(0.000001), "0.000001");
  EXPECT_EQ(num(1.5e-7), "1.5e-7");
  EXPECT_EQ(num(1e-300), "1e-300");
  EXPECT_EQ(num(1726707056.5467138), "1726707056.5467138");
  EXPECT_EQ(num(std::numeric_limits<double>::quiet_NaN()), "null");
}

TEST(XrayTranslatorTest, AnnotationKeySanitising) {
  std::string out;
  internal::AppendFixedAnnotationKey("http.method-x/ü\xff", out);
  EXPECT_EQ(out, "http.method_x___");
  EXPECT_TRUE(internal::IsValidAnnotationKey("a.B9"));
  EXPECT_FALSE(internal::IsValidAnnotationKey("a_b"));
}

TEST(XrayTranslatorTest, UrlHostnames) {
  EXPECT_EQ(internal::UrlHostname("mysql://db.example.com:3306/x"), "db.example.com");
  EXPECT_EQ(internal::UrlHostname("postgresql://user:pw@db:5432"), "db");
  EXPECT_EQ(internal::UrlHostname("sqlserver://[::1]:1433"), "::1");
  EXPECT_EQ(internal::UrlHostname("//host/path"), "host");
  EXPECT_EQ(internal::UrlHostname("db.example.com:3306"), "");
  EXPECT_EQ(internal::UrlHostname("mysql://db:port"), "");
  EXPECT_EQ(internal::UrlHostname(":x"), "");
}

TEST(XrayTranslatorTest, OneTranslatorUsedByManyThreads) {
  Request r;
  Str(r.resource, "service.name", "svc");
  Str(r.resource, "host.id", "i-1");
  for (int i = 0; i < 50; ++i) {
    Span* s = r.AddSpan(i % 2 ? Span::SPAN_KIND_CLIENT : Span::SPAN_KIND_SERVER,
                        "span" + std::to_string(i), i % 2 == 1);
    Int(s->mutable_attributes(), "http.status_code", 200 + i);
    Str(s->mutable_attributes(), "n", std::to_string(i));
  }
  // A LOCAL_ROOT split (a derived service segment id) with an exception (a random id).
  Span* lr = r.AddSpan(Span::SPAN_KIND_CLIENT, "lr", true);
  Str(lr->mutable_attributes(), "aws.span.kind", "LOCAL_ROOT");
  lr->add_events()->set_name("exception");
  SegmentTranslator translator(TranslateOptions{{"n"}, false, {}});
  std::vector<std::string> expected;
  translator.Translate(r.req, expected);
  ASSERT_EQ(expected.size(), 52u);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  std::vector<std::set<std::string>> exception_ids(4), segment_ids(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 100; ++round) {
        std::vector<std::string> docs;
        translator.Translate(r.req, docs);
        if (docs.size() != expected.size()) {
          ++mismatches[t];
          continue;
        }
        for (size_t i = 0; i < 50; ++i) mismatches[t] += docs[i] != expected[i];
        JsonValue dependency, service;
        common::ParseJson(docs[50], dependency);
        common::ParseJson(docs[51], service);
        exception_ids[t].insert(dependency.Find("cause")->Find("exceptions")->array()[0].Find("id")->text());
        segment_ids[t].insert(service.Find("id")->text());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all_exception_ids, all_segment_ids;
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(mismatches[t], 0);
    all_exception_ids.insert(exception_ids[t].begin(), exception_ids[t].end());
    all_segment_ids.insert(segment_ids[t].begin(), segment_ids[t].end());
  }
  EXPECT_EQ(all_exception_ids.size(), 400u);  // every random exception id distinct
  EXPECT_EQ(all_segment_ids.size(), 1u);      // the derived service segment id never changes
}

}  // namespace
}  // namespace adot::collector::awsxray
