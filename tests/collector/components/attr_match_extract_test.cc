// attributes processor include/exclude (Go filterconfig semantics) and the extract action
// (attributes and resource processors).
#include <gtest/gtest.h>

#include "collector/core/attr_actions.h"
#include "collector/processors/attributes/attributes_processor.h"
#include "collector/processors/resource/resource_processor.h"
#include "collector/test_util.h"

namespace adot::collector {
namespace {

using namespace testing;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;

struct Made {
  std::shared_ptr<Processor> proc;
  ConfigErrors errors;
};

Made MakeFor(const Factory& f, const std::string& yaml, Signal signal, std::shared_ptr<Consumer> next) {
  Made m;
  ConfigReader r(YAML::Load(yaml), "processors." + f.type, &m.errors);
  auto cfg = f.parse(r);
  if (m.errors.empty()) m.proc = f.create_processor(*cfg, CreateSettings{f.type, signal, SignalName(signal)}, next);
  return m;
}

std::shared_ptr<Processor> MakeOk(const std::string& yaml, Signal signal, std::shared_ptr<Consumer> next) {
  Made m = MakeFor(AttributesProcessorFactory(), yaml, signal, next);
  EXPECT_TRUE(m.errors.empty()) << m.errors.Joined();
  EXPECT_NE(m.proc, nullptr);
  return m.proc;
}

std::vector<std::string> ConfigErrorsOf(const std::string& yaml) {
  Made m = MakeFor(AttributesProcessorFactory(), yaml, Signal::kTraces, std::make_shared<RecordingConsumer>());
  return m.errors.list();
}

const AnyValue* Get(const google::protobuf::RepeatedPtrField<KeyValue>& attrs, const std::string& key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

void Put(google::protobuf::RepeatedPtrField<KeyValue>* attrs, const std::string& key, const std::string& v) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(v);
}

// Names of the spans that got the "hit" attribute.
std::vector<std::string> Hit(const PData& p) {
  std::vector<std::string> out;
  for (const auto& rs : p.Traces()->resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans())
        if (Get(s.attributes(), "hit")) out.push_back(s.name());
  return out;
}

// Two resources (svc-0, svc-1, with env=prod on svc-1), scope "lib" 1.0 on svc-0 and "other" (no
// version) on svc-1; spans a/b per resource, b is a CLIENT span, every span has http.status_code
// (int) and route (string).
PData Spans() {
  TracesRequest req;
  for (int r = 0; r < 2; ++r) {
    auto* rs = req.add_resource_spans();
    Put(rs->mutable_resource()->mutable_attributes(), "service.name", "svc-" + std::to_string(r));
    if (r == 1) Put(rs->mutable_resource()->mutable_attributes(), "env", "prod");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name(r == 0 ? "lib" : "other");
    if (r == 0) ss->mutable_scope()->set_version("1.0");
    for (const char* n : {"a", "b"}) {
      auto* s = ss->add_spans();
      s->set_name(std::string(n) + std::to_string(r));
      s->set_kind(n[0] == 'a' ? Span::SPAN_KIND_SERVER : Span::SPAN_KIND_CLIENT);
      auto* kv = s->add_attributes();
      kv->set_key("http.status_code");
      kv->mutable_value()->set_int_value(n[0] == 'a' ? 200 : 500);
      Put(s->mutable_attributes(), "route", n[0] == 'a' ? "/api/users" : "/health");
    }
  }
  PData p;
  PData::FromProtoBytes(Signal::kTraces, req.SerializeAsString(), p);
  return p;
}

std::vector<std::string> RunSpans(const std::string& match) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = MakeOk("{actions: [{key: hit, value: true, action: insert}], " + match + "}", Signal::kTraces, sink);
  if (!p) return {"<not created>"};
  EXPECT_TRUE(p->Consume(Spans()).ok());
  return Hit(sink->received().at(0));
}

using Names = std::vector<std::string>;

TEST(AttributesMatchTest, SpanProperties) {
  EXPECT_EQ(RunSpans("include: {match_type: strict, span_names: [a0, b1]}"), (Names{"a0", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: regexp, span_names: ['^a']}"), (Names{"a0", "a1"}));
  EXPECT_EQ(RunSpans("include: {match_type: regexp, span_names: ['1']}"), (Names{"a1", "b1"}));  // a search
  EXPECT_EQ(RunSpans("include: {match_type: strict, services: [svc-1]}"), (Names{"a1", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: regexp, services: ['svc-[0-9]']}"), (Names{"a0", "b0", "a1", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: strict, span_kinds: [SPAN_KIND_CLIENT]}"), (Names{"b0", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: regexp, span_kinds: ['SERVER$']}"), (Names{"a0", "a1"}));
  // attributes: typed strict values, key presence, regexp on the string form.
  EXPECT_EQ(RunSpans("include: {match_type: strict, attributes: [{key: http.status_code, value: 500}]}"),
            (Names{"b0", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: strict, attributes: [{key: http.status_code, value: '500'}]}"),
            (Names{}));  // a string never equals an int
  EXPECT_EQ(RunSpans("include: {match_type: strict, attributes: [{key: route}]}"), (Names{"a0", "b0", "a1", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: strict, attributes: [{key: nope}]}"), (Names{}));
  EXPECT_EQ(RunSpans("include: {match_type: regexp, attributes: [{key: http.status_code, value: '^5'}]}"),
            (Names{"b0", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: strict, attributes: [{key: route, value: /health}, "
                     "{key: http.status_code, value: 500}]}"),
            (Names{"b0", "b1"}));
  // resources: every listed resource attribute must match.
  EXPECT_EQ(RunSpans("include: {match_type: strict, resources: [{key: env, value: prod}]}"), (Names{"a1", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: strict, resources: [{key: env}, {key: service.name, value: svc-0}]}"),
            (Names{}));
  // libraries: version absent = any version; "" matches only an empty version.
  EXPECT_EQ(RunSpans("include: {match_type: strict, libraries: [{name: lib}]}"), (Names{"a0", "b0"}));
  EXPECT_EQ(RunSpans("include: {match_type: strict, libraries: [{name: lib, version: '1.0'}]}"), (Names{"a0", "b0"}));
  EXPECT_EQ(RunSpans("include: {match_type: strict, libraries: [{name: lib, version: ''}]}"), (Names{}));
  EXPECT_EQ(RunSpans("include: {match_type: strict, libraries: [{name: other, version: ''}]}"), (Names{"a1", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: regexp, libraries: [{name: '^(lib|other)$'}]}"),
            (Names{"a0", "b0", "a1", "b1"}));
}

TEST(AttributesMatchTest, AllPropertiesMustMatchAndExcludeWins) {
  EXPECT_EQ(RunSpans("include: {match_type: strict, services: [svc-0, svc-1], span_kinds: [SPAN_KIND_SERVER]}"),
            (Names{"a0", "a1"}));
  EXPECT_EQ(RunSpans("exclude: {match_type: strict, span_names: [a0]}"), (Names{"b0", "a1", "b1"}));
  EXPECT_EQ(RunSpans("include: {match_type: regexp, services: ['.*']}, exclude: {match_type: strict, "
                     "attributes: [{key: route, value: /health}]}"),
            (Names{"a0", "a1"}));
  // include and exclude may use different match types.
  EXPECT_EQ(RunSpans("include: {match_type: strict, services: [svc-1]}, exclude: {match_type: regexp, "
                     "span_names: ['^b']}"),
            (Names{"a1"}));
}

TEST(AttributesMatchTest, ServiceNameMissing) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = MakeOk("{actions: [{key: hit, value: true, action: insert}], "
                  "include: {match_type: strict, services: ['<nil-service-name>']}}",
                  Signal::kTraces, sink);
  PData in = MakeTraces(1, 1);
  in.MutableTraces()->mutable_resource_spans(0)->mutable_resource()->clear_attributes();
  in.MarkModified();
  ASSERT_TRUE(p->Consume(in).ok());
  EXPECT_EQ(Hit(sink->received()[0]).size(), 1u);  // as Go: the placeholder name
}

PData Logs() {
  LogsRequest req;
  auto* rl = req.add_resource_logs();
  Put(rl->mutable_resource()->mutable_attributes(), "service.name", "svc");
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("logger");
  struct R {
    const char* body;
    const char* text;
    int number;
  };
  for (R r : {R{"started", "INFO", 9}, R{"disk full", "ERROR", 17}, R{"no level", "", 0}, R{"detail", "DEBUG", 5}}) {
    auto* rec = sl->add_log_records();
    rec->mutable_body()->set_string_value(r.body);
    rec->set_severity_text(r.text);
    rec->set_severity_number(static_cast<opentelemetry::proto::logs::v1::SeverityNumber>(r.number));
    Put(rec->mutable_attributes(), "name", r.body);
  }
  auto* num = sl->add_log_records();  // a non-string body: matched on its string form
  num->mutable_body()->set_int_value(42);
  PData p;
  PData::FromProtoBytes(Signal::kLogs, req.SerializeAsString(), p);
  return p;
}

std::vector<std::string> RunLogs(const std::string& match) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = MakeOk("{actions: [{key: hit, value: true, action: insert}], " + match + "}", Signal::kLogs, sink);
  if (!p) return {"<not created>"};
  EXPECT_TRUE(p->Consume(Logs()).ok());
  std::vector<std::string> out;
  for (const auto& rec : sink->received().at(0).Logs()->resource_logs(0).scope_logs(0).log_records())
    if (Get(rec.attributes(), "hit")) {
      AnyValue b = rec.body();
      out.push_back(b.has_string_value() ? b.string_value() : std::to_string(b.int_value()));
    }
  return out;
}

TEST(AttributesMatchTest, LogProperties) {
  EXPECT_EQ(RunLogs("include: {match_type: strict, log_bodies: [started, '42']}"), (Names{"started", "42"}));
  EXPECT_EQ(RunLogs("include: {match_type: regexp, log_bodies: ['^d']}"), (Names{"disk full", "detail"}));
  EXPECT_EQ(RunLogs("include: {match_type: strict, log_severity_texts: [ERROR, DEBUG]}"),
            (Names{"disk full", "detail"}));
  EXPECT_EQ(RunLogs("include: {match_type: strict, log_severity_number: {min: INFO}}"), (Names{"started", "disk full"}));
  EXPECT_EQ(RunLogs("include: {match_type: strict, log_severity_number: {min: 13, match_undefined: true}}"),
            (Names{"disk full", "no level", "42"}));
  EXPECT_EQ(RunLogs("include: {match_type: strict, attributes: [{key: name, value: detail}]}"), (Names{"detail"}));
  EXPECT_EQ(RunLogs("include: {match_type: strict, resources: [{key: service.name, value: svc}]}"),
            (Names{"started", "disk full", "no level", "detail", "42"}));
  EXPECT_EQ(RunLogs("include: {match_type: strict, libraries: [{name: logger}]}, "
                    "exclude: {match_type: strict, log_severity_texts: ['']}"),
            (Names{"started", "disk full", "detail"}));
}

TEST(AttributesMatchTest, MetricNames) {
  MetricsRequest req;
  auto* sm = req.add_resource_metrics()->add_scope_metrics();
  for (const char* n : {"http.requests", "http.latency", "cpu"}) {
    auto* m = sm->add_metrics();
    m->set_name(n);
    m->mutable_gauge()->add_data_points()->set_as_int(1);
    m->mutable_gauge()->add_data_points()->set_as_int(2);
  }
  auto run = [&](const std::string& match) {
    auto sink = std::make_shared<RecordingConsumer>();
    auto p = MakeOk("{actions: [{key: hit, value: true, action: insert}], " + match + "}", Signal::kMetrics, sink);
    PData in;
    PData::FromProtoBytes(Signal::kMetrics, req.SerializeAsString(), in);
    EXPECT_TRUE(p->Consume(in).ok());
    Names out;
    for (const auto& m : sink->received().at(0).Metrics()->resource_metrics(0).scope_metrics(0).metrics()) {
      int hits = 0;
      for (const auto& dp : m.gauge().data_points()) hits += Get(dp.attributes(), "hit") != nullptr;
      if (hits) out.push_back(m.name() + ":" + std::to_string(hits));
    }
    return out;
  };
  EXPECT_EQ(run("include: {match_type: strict, metric_names: [cpu]}"), (Names{"cpu:2"}));
  EXPECT_EQ(run("include: {match_type: regexp, metric_names: ['^http\\.']}"),
            (Names{"http.requests:2", "http.latency:2"}));
  EXPECT_EQ(run("exclude: {match_type: regexp, metric_names: [latency]}"), (Names{"http.requests:2", "cpu:2"}));
  // As in Go (filtermetric): resources are accepted for metrics but do not restrict anything.
  EXPECT_EQ(run("include: {match_type: strict, resources: [{key: nope}]}"),
            (Names{"http.requests:2", "http.latency:2", "cpu:2"}));
}

TEST(AttributesMatchTest, ConfigErrors) {
  const std::string a = "{actions: [{key: k, value: v, action: insert}], ";
  EXPECT_EQ(ConfigErrorsOf(a + "include: {span_names: [x]}}"),
            (Names{"processors.attributes.include.match_type: must be set (strict or regexp)"}));
  EXPECT_EQ(ConfigErrorsOf(a + "include: {match_type: expr, span_names: [x]}}"),
            (Names{"processors.attributes.include.match_type: must be strict or regexp, got \"expr\""}));
  EXPECT_EQ(ConfigErrorsOf(a + "exclude: {match_type: strict}}"),
            (Names{"processors.attributes.exclude: must set at least one property to match besides match_type"}));
  EXPECT_EQ(ConfigErrorsOf(a + "include: }"),
            (Names{"processors.attributes.include: must set match_type and at least one property to match"}));
  auto bad_re = ConfigErrorsOf(a + "include: {match_type: regexp, span_names: [ok, '(']}}");
  ASSERT_EQ(bad_re.size(), 1u);
  EXPECT_EQ(bad_re[0].rfind("processors.attributes.include.span_names[1]: invalid regular expression", 0), 0u)
      << bad_re[0];
  EXPECT_EQ(ConfigErrorsOf(a + "include: {match_type: strict, span_kinds: [server]}}"),
            (Names{"processors.attributes.include.span_kinds[0]: must be one of SPAN_KIND_CLIENT, SPAN_KIND_CONSUMER, "
                   "SPAN_KIND_INTERNAL, SPAN_KIND_PRODUCER, SPAN_KIND_SERVER with match_type strict, got \"server\""}));
  EXPECT_EQ(ConfigErrorsOf(a + "include: {match_type: regexp, attributes: [{key: c, value: 500}]}}"),
            (Names{"processors.attributes.include.attributes[0].value: match_type regexp only supports string values "
                   "(quote it)"}));
  EXPECT_EQ(ConfigErrorsOf(a + "include: {match_type: strict, attributes: [{value: 1}]}}"),
            (Names{"processors.attributes.include.attributes[0].key: must not be empty"}));
  EXPECT_EQ(ConfigErrorsOf(a + "include: {match_type: strict, resources: [{key: a, val: 1}]}}"),
            (Names{"processors.attributes.include.resources[0].val: unknown key"}));
  EXPECT_EQ(ConfigErrorsOf(a + "include: {match_type: strict, log_severity_number: {min: LOUD}}}"),
            (Names{"processors.attributes.include.log_severity_number.min: must be a severity number 0-24 or a name "
                   "such as INFO or WARN2, got \"LOUD\""}));
  EXPECT_EQ(ConfigErrorsOf(a + "include: {match_type: strict, span_names: [x], log_bodies: [y], metric_names: [z]}}"),
            (Names{"processors.attributes.include: these properties cannot be used together with any signal: "
                   "log_bodies, metric_names cannot be used with traces; span_names, log_bodies cannot be used with "
                   "metrics; span_names, metric_names cannot be used with logs"}));
  EXPECT_EQ(ConfigErrorsOf(a + "include: {match_type: strict, span_names: [x], colour: red}}"),
            (Names{"processors.attributes.include.colour: unknown key"}));
  // Go's regexp cache options are accepted.
  EXPECT_TRUE(ConfigErrorsOf(a + "include: {match_type: regexp, regexp: {cacheenabled: true, cachemaxnumentries: 10}, "
                                 "span_names: [x]}}")
                  .empty());
}

TEST(AttributesMatchTest, PropertiesThatDoNotFitThePipelineSignalFailCreation) {
  const std::string y = "{actions: [{key: k, value: v, action: insert}], include: {match_type: strict, span_names: [x]}}";
  auto sink = std::make_shared<RecordingConsumer>();
  EXPECT_NE(MakeFor(AttributesProcessorFactory(), y, Signal::kTraces, sink).proc, nullptr);
  Made logs = MakeFor(AttributesProcessorFactory(), y, Signal::kLogs, sink);
  EXPECT_TRUE(logs.errors.empty());
  EXPECT_EQ(logs.proc, nullptr);  // Go: "services, span_names, ... are not valid for log records"
  EXPECT_EQ(MakeFor(AttributesProcessorFactory(), y, Signal::kMetrics, sink).proc, nullptr);
  const std::string l = "{actions: [{key: k, value: v, action: insert}], exclude: {match_type: strict, log_bodies: [x]}}";
  EXPECT_NE(MakeFor(AttributesProcessorFactory(), l, Signal::kLogs, sink).proc, nullptr);
  EXPECT_EQ(MakeFor(AttributesProcessorFactory(), l, Signal::kTraces, sink).proc, nullptr);
  const std::string m = "{actions: [{key: k, value: v, action: insert}], include: {match_type: strict, metric_names: [x]}}";
  EXPECT_NE(MakeFor(AttributesProcessorFactory(), m, Signal::kMetrics, sink).proc, nullptr);
  EXPECT_EQ(MakeFor(AttributesProcessorFactory(), m, Signal::kLogs, sink).proc, nullptr);
}

// ---- extract ----

PData OneSpanWith(const std::string& key, const AnyValue& v) {
  PData p = MakeTraces(1, 1);
  auto* kv = p.MutableTraces()->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  kv->set_key(key);
  *kv->mutable_value() = v;
  p.MarkModified();
  return p;
}

const google::protobuf::RepeatedPtrField<KeyValue>& SpanAttrs(const PData& p) {
  return p.Traces()->resource_spans(0).scope_spans(0).spans(0).attributes();
}

TEST(AttrExtractTest, NamedGroupsBecomeAttributes) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = MakeOk(R"({actions: [{key: http.url, action: extract,
      pattern: '^(?P<http_protocol>https?)://(?:www\.)?(?P<http_domain>[^/:]+)(?::(?P<http_port>[0-9]+))?(?P<http_path>/[^?]*)'}]})",
                  Signal::kTraces, sink);
  ASSERT_NE(p, nullptr);
  AnyValue url;
  url.set_string_value("https://www.example.com/users/42?x=1");
  PData in = OneSpanWith("http.url", url);
  // An existing attribute is overwritten (upsert).
  auto* old = in.MutableTraces()->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  old->set_key("http_domain");
  old->mutable_value()->set_int_value(1);
  in.MarkModified();
  ASSERT_TRUE(p->Consume(in).ok());
  const auto& attrs = SpanAttrs(sink->received()[0]);
  EXPECT_EQ(Get(attrs, "http_protocol")->string_value(), "https");
  EXPECT_EQ(Get(attrs, "http_domain")->string_value(), "example.com");
  EXPECT_EQ(Get(attrs, "http_path")->string_value(), "/users/42");
  ASSERT_NE(Get(attrs, "http_port"), nullptr);  // did not take part: "" as Go's FindStringSubmatch
  EXPECT_EQ(Get(attrs, "http_port")->string_value(), "");
  EXPECT_EQ(Get(attrs, "http.url")->string_value(), "https://www.example.com/users/42?x=1");  // unchanged
  int domains = 0;
  for (const auto& kv : attrs) domains += kv.key() == "http_domain";
  EXPECT_EQ(domains, 1);
}

TEST(AttrExtractTest, SearchNoMatchAndNonStringValues) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = MakeOk("{actions: [{key: msg, action: extract, pattern: 'user=(?P<user>\\w+) id=(?<uid>\\d+)'}]}",
                  Signal::kTraces, sink);
  AnyValue v;
  v.set_string_value("login ok user=alice id=7 from 10.0.0.1");  // a search, not a full match
  ASSERT_TRUE(p->Consume(OneSpanWith("msg", v)).ok());
  EXPECT_EQ(Get(SpanAttrs(sink->received()[0]), "user")->string_value(), "alice");
  EXPECT_EQ(Get(SpanAttrs(sink->received()[0]), "uid")->string_value(), "7");
  v.set_string_value("logout");
  ASSERT_TRUE(p->Consume(OneSpanWith("msg", v)).ok());
  EXPECT_EQ(Get(SpanAttrs(sink->received()[1]), "user"), nullptr);
  v.set_int_value(12345);  // not a string: skipped
  ASSERT_TRUE(p->Consume(OneSpanWith("msg", v)).ok());
  EXPECT_EQ(Get(SpanAttrs(sink->received()[2]), "uid"), nullptr);
  ASSERT_TRUE(p->Consume(MakeTraces(1, 1)).ok());  // key absent
  EXPECT_EQ(Get(SpanAttrs(sink->received()[3]), "user"), nullptr);
}

TEST(AttrExtractTest, CaseInsensitiveFlagAndResourceProcessor) {
  auto sink = std::make_shared<RecordingConsumer>();
  Made m = MakeFor(ResourceProcessorFactory(),
                   "{attributes: [{key: service.name, action: extract, pattern: '(?i)^SVC-(?P<svc_index>[0-9]+)$'}]}",
                   Signal::kTraces, sink);
  ASSERT_TRUE(m.errors.empty()) << m.errors.Joined();
  ASSERT_TRUE(m.proc->Consume(MakeTraces(2, 1)).ok());
  const auto& t = *sink->received()[0].Traces();
  EXPECT_EQ(Get(t.resource_spans(1).resource().attributes(), "svc_index")->string_value(), "1");
}

TEST(AttrExtractTest, ConfigErrors) {
  auto errs = [](const std::string& action) {
    return ConfigErrorsOf("{actions: [" + action + "]}");
  };
  EXPECT_EQ(errs("{key: a, action: extract}"),
            (Names{"processors.attributes.actions[0].pattern: must be set for action extract (a regular expression "
                   "with named groups)"}));
  EXPECT_EQ(errs("{action: extract, pattern: '(?P<x>.)'}"),
            (Names{"processors.attributes.actions[0].key: must not be empty"}));
  EXPECT_EQ(errs("{key: a, action: extract, pattern: 'abc'}"),
            (Names{"processors.attributes.actions[0].pattern: must have at least one named capture group "
                   "(?P<name>...) for action extract"}));
  EXPECT_EQ(errs("{key: a, action: extract, pattern: '(?P<x>a)(b)'}"),
            (Names{"processors.attributes.actions[0].pattern: every capture group must be named (?P<name>...) for "
                   "action extract; use (?:...) for grouping"}));
  EXPECT_EQ(errs("{key: a, action: extract, pattern: '(?P<x>a)', value: 1}"),
            (Names{"processors.attributes.actions[0].value: is not used by action extract"}));
  EXPECT_EQ(errs("{key: a, action: extract, pattern: '(?P<x>a)(?=b)'}"),
            (Names{"processors.attributes.actions[0].pattern: invalid regular expression: lookaround assertions are "
                   "not RE2 syntax"}));
  EXPECT_EQ(errs("{key: a, action: extract, pattern: 'x(?s:.)(?P<x>a)'}"),
            (Names{"processors.attributes.actions[0].pattern: invalid regular expression: inline flags (?...) are "
                   "not supported (only a leading (?i))"}));
  EXPECT_EQ(errs("{key: a, action: extract, pattern: '(?P<x>a)(?P<x>b)'}"),
            (Names{"processors.attributes.actions[0].pattern: invalid regular expression: duplicate capture group "
                   "name \"x\""}));
  EXPECT_EQ(errs("{key: a, action: upsert, value: 1, pattern: x}"),
            (Names{"processors.attributes.actions[0].pattern: is not used by action upsert"}));
  EXPECT_EQ(errs("{key: a, action: insert, from_context: metadata.x}"),
            (Names{"processors.attributes.actions[0].from_context: is not supported yet (client metadata / auth "
                   "context); use value or from_attribute",
                   "processors.attributes.actions[0].value: exactly one of value and from_attribute must be set for "
                   "action insert"}));
}

TEST(GoRegexTest, TranslationKeepsGroupNumbering) {
  GoRegex re;
  std::string error;
  ASSERT_TRUE(CompileGoRegex(R"(\((?P<a>[(]x[)])(?:y)([]z]+)(?<b>[[:digit:]]+)\z)", re, error)) << error;
  EXPECT_EQ(re.group_names, (std::vector<std::string>{"a", "", "b"}));
  std::smatch m;
  std::string s = "(" "(x)y]z]12";
  ASSERT_TRUE(std::regex_search(s, m, re.re));
  EXPECT_EQ(m[1].str(), "(x)");
  EXPECT_EQ(m[2].str(), "]z]");
  EXPECT_EQ(m[3].str(), "12");
  EXPECT_FALSE(CompileGoRegex(R"(\pL)", re, error));
  EXPECT_FALSE(CompileGoRegex("[a", re, error));
  EXPECT_FALSE(CompileGoRegex("(?P<>a)", re, error));
  ASSERT_TRUE(CompileGoRegex(R"(\Aab)", re, error));
  EXPECT_TRUE(std::regex_search(std::string("abc"), re.re));
  EXPECT_FALSE(std::regex_search(std::string("cab"), re.re));
}

TEST(AttrActionsTest, DeleteAndHashPatternsSearchAsInGo) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = MakeOk("{actions: [{pattern: 'secret', action: delete}]}", Signal::kTraces, sink);
  AnyValue v;
  v.set_string_value("x");
  ASSERT_TRUE(p->Consume(OneSpanWith("db.secret.key", v)).ok());
  EXPECT_EQ(Get(SpanAttrs(sink->received()[0]), "db.secret.key"), nullptr);  // unanchored, as MatchString
  EXPECT_NE(Get(SpanAttrs(sink->received()[0]), "http.status_code"), nullptr);
}

}  // namespace
}  // namespace adot::collector
