#include "collector/core/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "collector/core/graph.h"
#include "collector/core/service.h"
#include "collector/main/components.h"

namespace adot::collector {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ExpandStringTest, Rules) {
  auto env = FakeEnv({{"HOST", "example.com"}, {"PORT", "4318"}, {"EMPTY", ""}});
  struct Case {
    std::string in, out;
  } cases[] = {
      {"${env:HOST}", "example.com"},
      {"${HOST}", "example.com"},
      {"http://${env:HOST}:${PORT}/x", "http://example.com:4318/x"},
      {"${env:UNSET}", ""},
      {"${env:UNSET:-fallback}", "fallback"},
      {"${UNSET:-fall:back}", "fall:back"},
      {"${env:EMPTY:-d}", "d"},
      {"${env:HOST:-d}", "example.com"},
      {"$$", "$"},
      {"$${1}", "${1}"},
      {"a$$b", "a$b"},
      {"$HOST", "$HOST"},  // naked $NAME is not expanded
      {"cost $", "cost $"},
  };
  for (const auto& c : cases) {
    std::string out, err;
    ASSERT_TRUE(ExpandString(c.in, env, out, err)) << c.in << ": " << err;
    EXPECT_EQ(out, c.out) << c.in;
  }
  for (const char* bad : {"${1}", "${file:/etc/passwd}", "${env:}", "${unterminated", "${env:A-B}"}) {
    std::string out, err;
    EXPECT_FALSE(ExpandString(bad, env, out, err)) << bad;
    EXPECT_FALSE(err.empty());
  }
}

TEST(DurationTest, GoSyntax) {
  std::chrono::nanoseconds d;
  ASSERT_TRUE(ParseDuration("5s", d));
  EXPECT_EQ(d, std::chrono::seconds(5));
  ASSERT_TRUE(ParseDuration("200ms", d));
  EXPECT_EQ(d, std::chrono::milliseconds(200));
  ASSERT_TRUE(ParseDuration("1m30s", d));
  EXPECT_EQ(d, std::chrono::seconds(90));
  ASSERT_TRUE(ParseDuration("1.5h", d));
  EXPECT_EQ(d, std::chrono::minutes(90));
  ASSERT_TRUE(ParseDuration("0", d));
  EXPECT_EQ(d.count(), 0);
  EXPECT_FALSE(ParseDuration("5", d) && d.count() != 5);
  EXPECT_FALSE(ParseDuration("5 seconds", d));
  EXPECT_FALSE(ParseDuration("", d));
  EXPECT_FALSE(ParseDuration("s", d));
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/adot-collector-config-XXXXXX";
    int fd = mkstemp(name);
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ResolveConfigTest, MergesSourcesInOrderAndAppliesSet) {
  TempFile a(R"(
receivers:
  otlp:
    protocols:
      http:
        endpoint: localhost:4318
exporters:
  debug:
    verbosity: basic
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)");
  TempFile b(R"(
exporters:
  debug:
    verbosity: normal
service:
  pipelines:
    traces: {exporters: [debug, otlphttp]}
)");
  ResolveOptions o;
  o.uris = {a.path(), "file:" + b.path(), "yaml:exporters::otlphttp::endpoint: http://${env:HOST}:4318",
            "env:EXTRA"};
  o.sets = {"processors::batch::timeout=2s", "exporters::debug::verbosity=detailed"};
  o.env = FakeEnv({{"HOST", "backend"}, {"EXTRA", "extensions: {health_check: {}}"}});
  ConfigErrors errors;
  YAML::Node n;
  ASSERT_TRUE(ResolveConfig(o, n, errors)) << errors.Joined();
  EXPECT_EQ(n["receivers"]["otlp"]["protocols"]["http"]["endpoint"].as<std::string>(), "localhost:4318");
  EXPECT_EQ(n["exporters"]["debug"]["verbosity"].as<std::string>(), "detailed");
  EXPECT_EQ(n["exporters"]["otlphttp"]["endpoint"].as<std::string>(), "http://backend:4318");
  EXPECT_EQ(n["processors"]["batch"]["timeout"].as<std::string>(), "2s");
  EXPECT_TRUE(n["extensions"]["health_check"].IsMap());
  // Lists are replaced, not appended.
  auto exporters = n["service"]["pipelines"]["traces"]["exporters"];
  ASSERT_EQ(exporters.size(), 2u);
  EXPECT_EQ(exporters[1].as<std::string>(), "otlphttp");
  EXPECT_EQ(n["service"]["pipelines"]["traces"]["receivers"][0].as<std::string>(), "otlp");
}

TEST(ResolveConfigTest, WholeValueExpansionCanBeAList) {
  ResolveOptions o;
  o.uris = {"yaml:service::pipelines::traces::exporters: ${env:EXPORTERS}"};
  o.env = FakeEnv({{"EXPORTERS", "[debug, otlphttp]"}});
  ConfigErrors errors;
  YAML::Node n;
  ASSERT_TRUE(ResolveConfig(o, n, errors)) << errors.Joined();
  ASSERT_TRUE(n["service"]["pipelines"]["traces"]["exporters"].IsSequence());
  EXPECT_EQ(n["service"]["pipelines"]["traces"]["exporters"].size(), 2u);
}

TEST(ResolveConfigTest, NumericStringsKeepTheirText) {
  ResolveOptions o;
  o.uris = {"yaml:exporters::otlphttp::headers::x-id: ${env:ID}"};
  o.env = FakeEnv({{"ID", "0123"}});
  ConfigErrors errors;
  YAML::Node n;
  ASSERT_TRUE(ResolveConfig(o, n, errors));
  EXPECT_EQ(n["exporters"]["otlphttp"]["headers"]["x-id"].as<std::string>(), "0123");
}

TEST(ResolveConfigTest, SourceErrors) {
  ResolveOptions o;
  o.uris = {"/nonexistent/config.yaml", "s3:bucket/key", "yaml:a: [unclosed"};
  o.sets = {"no-equals-sign"};
  ConfigErrors errors;
  YAML::Node n;
  EXPECT_FALSE(ResolveConfig(o, n, errors));
  ASSERT_EQ(errors.list().size(), 4u) << errors.Joined();
  EXPECT_EQ(errors.list()[0], "config /nonexistent/config.yaml: cannot read file /nonexistent/config.yaml");
  EXPECT_EQ(errors.list()[1],
            "config s3:bucket/key: unsupported URI scheme \"s3\" (supported: file, env, yaml)");
  EXPECT_NE(errors.list()[2].find("config yaml:a: [unclosed: invalid YAML"), std::string::npos);
  EXPECT_EQ(errors.list()[3], "--set no-equals-sign: expected key=value (keys separated by ::)");
}

TEST(ResolveConfigTest, ExpansionErrorsNameTheKey) {
  ResolveOptions o;
  o.uris = {"yaml:exporters::debug::verbosity: ${oops:x}"};
  ConfigErrors errors;
  YAML::Node n;
  EXPECT_FALSE(ResolveConfig(o, n, errors));
  ASSERT_EQ(errors.list().size(), 1u);
  EXPECT_EQ(errors.list()[0].rfind("exporters.debug.verbosity: unsupported expansion ${oops:x}", 0), 0u)
      << errors.list()[0];
}

TEST(ResolveConfigTest, EmbeddedDefaultIsValid) {
  ResolveOptions o;
  o.default_yaml = kDefaultConfig;
  ConfigErrors errors;
  YAML::Node n;
  ASSERT_TRUE(ResolveConfig(o, n, errors));
  Registry r = BuiltinComponents();
  auto s = Service::Create(n, r, errors);
  EXPECT_NE(s, nullptr) << errors.Joined();
  // Everything listens on loopback only.
  EXPECT_EQ(n["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].as<std::string>(), "localhost:4317");
  EXPECT_EQ(n["receivers"]["otlp"]["protocols"]["http"]["endpoint"].as<std::string>(), "localhost:4318");
  EXPECT_EQ(n["extensions"]["health_check"]["endpoint"].as<std::string>(), "localhost:13133");
}

// The configuration error table: every error, with its full key path.
struct ErrorCase {
  const char* name;
  const char* yaml;
  std::vector<std::string> errors;
};

class ConfigErrorTable : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrorTable, ReportsEveryErrorWithItsPath) {
  const ErrorCase& c = GetParam();
  ConfigErrors errors;
  YAML::Node root = YAML::Load(c.yaml);
  Registry r = BuiltinComponents();
  auto s = Service::Create(root, r, errors);
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(errors.list(), c.errors) << errors.Joined();
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ConfigErrorTable,
    ::testing::Values(
        ErrorCase{"unknown_top_level_key", "foo: 1\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}\nreceivers: {otlp: {protocols: {http: }}}\nexporters: {debug: }",
                  {"foo: unknown key"}},
        ErrorCase{"unknown_receiver_type", "receivers: {nope: {}}\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: [nope], exporters: [debug]}}}",
                  {"receivers.nope: unknown receiver type \"nope\" (known: awsxray, otlp)"}},
        ErrorCase{"unknown_exporter_type_with_name", "receivers: {otlp: {protocols: {http: }}}\nexporters: {prometheusremotewrite/app: {endpoint: x}}\nservice: {pipelines: {metrics: {receivers: [otlp], exporters: [prometheusremotewrite/app]}}}",
                  {"exporters.prometheusremotewrite/app: unknown exporter type \"prometheusremotewrite\" (known: awsemf, awsxray, debug, file, otlp, otlphttp)"}},
        ErrorCase{"unknown_component_key", "receivers: {otlp: {protocols: {http: {endpoint: 'localhost:1', bogus: 1}}}}\nexporters: {debug: {verbosty: basic}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}",
                  {"receivers.otlp.protocols.http.bogus: unknown key", "exporters.debug.verbosty: unknown key"}},
        ErrorCase{"otlphttp_endpoint_empty", "receivers: {otlp: {protocols: {http: }}}\nexporters: {otlphttp/app: {endpoint: ''}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [otlphttp/app]}}}",
                  {"exporters.otlphttp/app.endpoint: must not be empty (or set traces_endpoint, metrics_endpoint or logs_endpoint)"}},
        ErrorCase{"otlphttp_bad_values", "receivers: {otlp: {protocols: {http: }}}\nexporters: {otlphttp: {endpoint: 'ftp://x', encoding: xml, compression: zstd, timeout: soon, sending_queue: {num_consumers: 0}, retry_on_failure: {enabled: maybe, max_interval: 1s}}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [otlphttp]}}}",
                  {"exporters.otlphttp.endpoint: must be an http:// or https:// URL, got \"ftp://x\"",
                   "exporters.otlphttp.encoding: must be proto or json, got \"xml\"",
                   "exporters.otlphttp.compression: must be gzip or none, got \"zstd\"",
                   "exporters.otlphttp.timeout: must be a duration such as 5s or 200ms, got \"soon\"",
                   "exporters.otlphttp.sending_queue.num_consumers: must be between 1 and 1000, got 0",
                   "exporters.otlphttp.retry_on_failure.enabled: must be true or false, got \"maybe\"",
                   "exporters.otlphttp.retry_on_failure.max_interval: must not be less than initial_interval"}},
        ErrorCase{"receiver_without_protocols", "receivers: {otlp: {}}\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}",
                  {"receivers.otlp.protocols: must enable at least one protocol (grpc or http)"}},
        ErrorCase{"receiver_bad_endpoint_and_tls", "receivers: {otlp: {protocols: {grpc: {endpoint: nohostport, transport: unix, tls: {client_ca_file: ca.pem, min_version: \"1.1\"}}, http: {tls: {cert_file: x}}}}}\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}",
                  {"receivers.otlp.protocols.grpc.transport: only tcp is supported, got \"unix\"",
                   "receivers.otlp.protocols.grpc.tls.min_version: must be 1.2 or 1.3, got \"1.1\"",
                   "receivers.otlp.protocols.grpc.tls.client_ca_file: needs cert_file and key_file",
                   "receivers.otlp.protocols.http.tls.key_file: cert_file and key_file must be set together",
                   "receivers.otlp.protocols.grpc.endpoint: must be host:port, got \"nohostport\""}},
        ErrorCase{"batch_bad_values", "receivers: {otlp: {protocols: {http: }}}\nprocessors: {batch: {timeout: -1s, send_batch_size: lots}}\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [debug]}}}",
                  {"processors.batch.timeout: must not be negative",
                   "processors.batch.send_batch_size: must be an integer, got \"lots\""}},
        ErrorCase{"pipeline_references", "receivers: {otlp: {protocols: {http: }}}\nexporters: {debug: }\nservice: {extensions: [health_check], pipelines: {traces: {receivers: [otlp, missing], processors: [batch], exporters: [debug, debug]}}}",
                  {"service.extensions[0]: references extension \"health_check\" which is not configured",
                   "service.pipelines.traces.receivers[1]: references receiver \"missing\" which is not configured",
                   "service.pipelines.traces.processors[0]: references processor \"batch\" which is not configured",
                   "service.pipelines.traces.exporters[1]: \"debug\" is listed more than once"}},
        ErrorCase{"pipeline_shape", "receivers: {otlp: {protocols: {http: }}}\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: []}, profiles: {receivers: [otlp], exporters: [debug]}, logs: {receivers: [otlp], exporters: [debug], extra: 1}}}",
                  {"service.pipelines.traces.receivers: must have at least one receiver",
                   "service.pipelines.traces.exporters: must have at least one exporter",
                   "service.pipelines.profiles: unknown signal \"profiles\" (expected traces, metrics or logs)",
                   "service.pipelines.logs.extra: unknown key"}},
        ErrorCase{"no_pipelines", "receivers: {otlp: {protocols: {http: }}}\nexporters: {debug: }\nservice: {}",
                  {"service.pipelines: must have at least one pipeline"}},
        ErrorCase{"telemetry", "receivers: {otlp: {protocols: {http: }}}\nexporters: {debug: }\nservice: {telemetry: {logs: {level: loud}, metrics: {level: all, readers: []}}, pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}",
                  {"service.telemetry.logs.level: must be one of debug, info, warn, error; got \"loud\"",
                   "service.telemetry.metrics.level: must be one of none, basic, normal, detailed",
                   "service.telemetry.metrics.readers: unknown key"}},
        ErrorCase{"section_not_a_map", "receivers: [otlp]\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}",
                  {"receivers: must be a mapping",
                   "service.pipelines.traces.receivers[0]: references receiver \"otlp\" which is not configured"}},
        ErrorCase{"memory_limiter", "receivers: {otlp: {protocols: {http: }}}\nprocessors: {memory_limiter: {limit_mib: 100, spike_limit_mib: 200}}\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: [otlp], processors: [memory_limiter], exporters: [debug]}}}",
                  {"processors.memory_limiter.check_interval: must be greater than zero",
                   "processors.memory_limiter.spike_limit_mib: must be smaller than limit_mib"}},
        ErrorCase{"memory_limiter_no_limit", "receivers: {otlp: {protocols: {http: }}}\nprocessors: {memory_limiter: {check_interval: 1s, limit_percentage: 101}}\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: [otlp], processors: [memory_limiter], exporters: [debug]}}}",
                  {"processors.memory_limiter.limit_percentage: must be between 0 and 100, got 101",
                   "processors.memory_limiter.limit_mib: limit_mib or limit_percentage must be set"}},
        ErrorCase{"file_exporter", "receivers: {otlp: {protocols: {http: }}}\nexporters: {file: {format: proto, compression: zstd, rotation: {max_megabytes: 0}}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [file]}}}",
                  {"exporters.file.path: must not be empty",
                   "exporters.file.format: only json is supported yet, got \"proto\"",
                   "exporters.file.compression: must be gzip or none, got \"zstd\"",
                   "exporters.file.rotation.max_megabytes: must be at least 1, got 0"}},
        ErrorCase{"otlp_exporter", "receivers: {otlp: {protocols: {http: }}}\nexporters: {otlp: {tls: {insecure: yes}}, otlp/2: {endpoint: 'nohost'}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [otlp, otlp/2]}}}",
                  {"exporters.otlp.endpoint: must not be empty",
                   "exporters.otlp.tls.insecure: must be true or false, got \"yes\"",
                   "exporters.otlp/2.endpoint: must be host:port, got \"nohost\""}},
        ErrorCase{"health_check", "receivers: {otlp: {protocols: {http: }}}\nexporters: {debug: }\nextensions: {health_check: {endpoint: 13133, path: healthz}}\nservice: {extensions: [health_check], pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}",
                  {"extensions.health_check.endpoint: must be host:port, got \"13133\"",
                   "extensions.health_check.path: must start with /"}}),
    [](const ::testing::TestParamInfo<ErrorCase>& i) { return std::string(i.param.name); });

TEST(ConfigReaderTest, DefaultsWhenAbsentOrNull) {
  ConfigErrors errors;
  YAML::Node n = YAML::Load("a: ~\nb: 3\n");
  ConfigReader r(n, "x", &errors);
  EXPECT_EQ(r.Int("a", 7), 7);
  EXPECT_EQ(r.Int("b", 7), 3);
  EXPECT_EQ(r.String("c", "d"), "d");
  EXPECT_EQ(r.Duration("t", std::chrono::milliseconds(5)), std::chrono::milliseconds(5));
  r.Finish();
  EXPECT_TRUE(errors.empty()) << errors.Joined();
}

}  // namespace
}  // namespace adot::collector

namespace adot::collector {
namespace {

TEST(ExampleConfigsTest, EveryExampleConfigIsValid) {
  std::string dir = std::string(ADOT_SOURCE_DIR) + "/examples/collector";
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ResolveOptions o;
    o.uris = {entry.path().string()};
    ConfigErrors errors;
    YAML::Node n;
    ASSERT_TRUE(ResolveConfig(o, n, errors)) << entry.path() << "\n" << errors.Joined();
    Registry r = BuiltinComponents();
    EXPECT_NE(Service::Create(n, r, errors), nullptr) << entry.path() << "\n" << errors.Joined();
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace adot::collector
