// OtlpExporterOptions::FromEnvironment: defaults, generic/per-signal precedence, every variable,
// and invalid values.
#include "adot/exporters/otlp/otlp_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

extern char** environ;

namespace adot::exporters::otlp {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

// Clears every OTEL_EXPORTER_OTLP_* variable for the test and restores them afterwards.
class OtlpOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      if (!entry.starts_with("OTEL_EXPORTER_OTLP_")) continue;
      size_t eq = entry.find('=');
      saved_[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [name, value] : saved_) unsetenv(name.c_str());
  }
  void TearDown() override {
    for (const auto& name : set_) unsetenv(name.c_str());
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }
  void Set(const std::string& name, const std::string& value) {
    setenv(name.c_str(), value.c_str(), 1);
    set_.push_back(name);
  }
  // FromEnvironment plus what it wrote to stderr.
  OtlpExporterOptions Load(Signal signal, std::string* warnings = nullptr) {
    ::testing::internal::CaptureStderr();
    OtlpExporterOptions options = OtlpExporterOptions::FromEnvironment(signal);
    std::string err = ::testing::internal::GetCapturedStderr();
    if (warnings != nullptr) *warnings = err;
    return options;
  }

 private:
  std::map<std::string, std::string> saved_;
  std::vector<std::string> set_;
};

TEST_F(OtlpOptionsTest, Defaults) {
  std::string warnings;
  OtlpExporterOptions o = Load(Signal::kTraces, &warnings);
  EXPECT_EQ(o.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(o.protocol, Protocol::kHttpProtobuf);
  EXPECT_THAT(o.headers, IsEmpty());
  EXPECT_EQ(o.timeout, milliseconds(10000));
  EXPECT_FALSE(o.gzip);
  EXPECT_TRUE(o.certificate_file.empty());
  EXPECT_TRUE(o.client_certificate_file.empty());
  EXPECT_TRUE(o.client_key_file.empty());
  EXPECT_FALSE(o.insecure);
  EXPECT_EQ(warnings, "");
  EXPECT_EQ(Load(Signal::kMetrics).endpoint, "http://localhost:4318/v1/metrics");
  EXPECT_EQ(Load(Signal::kLogs).endpoint, "http://localhost:4318/v1/logs");
}

TEST_F(OtlpOptionsTest, GenericEndpointGetsSignalPathWithOneSlash) {
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
  EXPECT_EQ(Load(Signal::kTraces).endpoint, "http://collector:4318/v1/traces");
  EXPECT_EQ(Load(Signal::kMetrics).endpoint, "http://collector:4318/v1/metrics");
  EXPECT_EQ(Load(Signal::kLogs).endpoint, "http://collector:4318/v1/logs");
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/");
  EXPECT_EQ(Load(Signal::kTraces).endpoint, "http://collector:4318/v1/traces");
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example.com/otlp");
  EXPECT_EQ(Load(Signal::kTraces).endpoint, "https://collector.example.com/otlp/v1/traces");
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example.com/otlp/");
  EXPECT_EQ(Load(Signal::kTraces).endpoint, "https://collector.example.com/otlp/v1/traces");
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/base?tenant=a");
  EXPECT_EQ(Load(Signal::kTraces).endpoint, "http://collector:4318/base/v1/traces?tenant=a");
}

TEST_F(OtlpOptionsTest, PerSignalEndpointIsUsedAsGivenAndWins) {
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318");
  Set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/custom/path");
  EXPECT_EQ(Load(Signal::kTraces).endpoint, "http://traces:9999/custom/path");
  // Other signals still use the generic one.
  EXPECT_EQ(Load(Signal::kMetrics).endpoint, "http://generic:4318/v1/metrics");
  Set("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://logs:4318");
  EXPECT_EQ(Load(Signal::kLogs).endpoint, "http://logs:4318");
}

TEST_F(OtlpOptionsTest, ProtocolPrecedenceAndGrpcDefaults) {
  Set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
  EXPECT_EQ(Load(Signal::kTraces).protocol, Protocol::kHttpJson);
  Set("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc");
  OtlpExporterOptions o = Load(Signal::kTraces);
  EXPECT_EQ(o.protocol, Protocol::kGrpc);
  EXPECT_EQ(o.endpoint, "http://localhost:4317");
  EXPECT_EQ(Load(Signal::kMetrics).protocol, Protocol::kHttpJson);
  Set("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "HTTP/Protobuf");  // enums are case-insensitive
  EXPECT_EQ(Load(Signal::kMetrics).protocol, Protocol::kHttpProtobuf);
}

TEST_F(OtlpOptionsTest, GrpcGenericEndpointIsNotRewritten) {
  Set("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317");
  EXPECT_EQ(Load(Signal::kTraces).endpoint, "collector:4317");
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317");
  EXPECT_EQ(Load(Signal::kTraces).endpoint, "https://collector:4317");
}

TEST_F(OtlpOptionsTest, InvalidProtocolWarnsAndKeepsPreviousValue) {
  Set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
  Set("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "thrift-1");
  std::string warnings;
  EXPECT_EQ(Load(Signal::kTraces, &warnings).protocol, Protocol::kHttpJson);
  EXPECT_THAT(warnings, HasSubstr("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"));
  EXPECT_THAT(warnings, HasSubstr("thrift-1"));
}

TEST_F(OtlpOptionsTest, InvalidHttpEndpointWarnsAndKeepsDefault) {
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "collector-no-scheme:4318");
  std::string warnings;
  EXPECT_EQ(Load(Signal::kTraces, &warnings).endpoint, "http://localhost:4318/v1/traces");
  EXPECT_THAT(warnings, HasSubstr("OTEL_EXPORTER_OTLP_ENDPOINT"));
  EXPECT_THAT(warnings, HasSubstr("collector-no-scheme:4318"));

  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://good:4318");
  Set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://bad-scheme/v1/traces");
  EXPECT_EQ(Load(Signal::kTraces, &warnings).endpoint, "http://good:4318/v1/traces");
  EXPECT_THAT(warnings, HasSubstr("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
}

TEST_F(OtlpOptionsTest, HeadersAreParsedTrimmedAndPercentDecoded) {
  Set("OTEL_EXPORTER_OTLP_HEADERS",
      " api-key = abc123 ,Authorization=Basic%20dXNlcjpwYXNz%3D%3D,x-eq=a=b,");
  EXPECT_THAT(Load(Signal::kTraces).headers,
              ElementsAre(Pair("api-key", "abc123"), Pair("Authorization", "Basic dXNlcjpwYXNz=="),
                          Pair("x-eq", "a=b")));
}

TEST_F(OtlpOptionsTest, PerSignalHeadersReplaceGenericHeaders) {
  Set("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2");
  Set("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "x-aws-log-group=g,x-aws-log-stream=s");
  EXPECT_THAT(Load(Signal::kLogs).headers,
              ElementsAre(Pair("x-aws-log-group", "g"), Pair("x-aws-log-stream", "s")));
  EXPECT_THAT(Load(Signal::kTraces).headers, ElementsAre(Pair("a", "1"), Pair("b", "2")));
}

TEST_F(OtlpOptionsTest, MalformedHeaderEntriesAreSkippedWithoutPrintingValues) {
  Set("OTEL_EXPORTER_OTLP_HEADERS",
      "good=1,TopSecretNoEquals,bad "
      "key=v,k2=SecretBadPct%zz,k3=Secret%0D%0AInjected:1,=SecretNoKey,last=2");
  std::string warnings;
  OtlpExporterOptions o = Load(Signal::kTraces, &warnings);
  EXPECT_THAT(o.headers, ElementsAre(Pair("good", "1"), Pair("last", "2")));
  EXPECT_THAT(warnings, HasSubstr("OTEL_EXPORTER_OTLP_HEADERS"));
  EXPECT_THAT(warnings, HasSubstr("entry 2"));
  EXPECT_THAT(warnings, HasSubstr("k2"));
  EXPECT_THAT(warnings, Not(HasSubstr("Secret")));
}

TEST_F(OtlpOptionsTest, Timeout) {
  Set("OTEL_EXPORTER_OTLP_TIMEOUT", "5000");
  EXPECT_EQ(Load(Signal::kTraces).timeout, milliseconds(5000));
  Set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2500");
  EXPECT_EQ(Load(Signal::kTraces).timeout, milliseconds(2500));
  EXPECT_EQ(Load(Signal::kMetrics).timeout, milliseconds(5000));
}

TEST_F(OtlpOptionsTest, InvalidTimeoutWarnsAndKeepsPreviousValue) {
  std::string warnings;
  Set("OTEL_EXPORTER_OTLP_TIMEOUT", "12s-invalid");
  EXPECT_EQ(Load(Signal::kTraces, &warnings).timeout, milliseconds(10000));
  EXPECT_THAT(warnings, HasSubstr("OTEL_EXPORTER_OTLP_TIMEOUT"));
  EXPECT_THAT(warnings, HasSubstr("12s-invalid"));

  Set("OTEL_EXPORTER_OTLP_TIMEOUT", "3000");
  Set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0");
  EXPECT_EQ(Load(Signal::kTraces, &warnings).timeout, milliseconds(3000));
  EXPECT_THAT(warnings, HasSubstr("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"));

  Set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "-7");
  EXPECT_EQ(Load(Signal::kTraces, &warnings).timeout, milliseconds(3000));
  EXPECT_THAT(warnings, HasSubstr("-7"));
}

TEST_F(OtlpOptionsTest, Compression) {
  Set("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip");
  EXPECT_TRUE(Load(Signal::kTraces).gzip);
  Set("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none");
  EXPECT_FALSE(Load(Signal::kTraces).gzip);
  EXPECT_TRUE(Load(Signal::kLogs).gzip);
  Set("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "GZIP");
  EXPECT_TRUE(Load(Signal::kTraces).gzip);

  std::string warnings;
  Set("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "brotli-x");
  EXPECT_TRUE(Load(Signal::kTraces, &warnings).gzip);  // the generic value stays
  EXPECT_THAT(warnings, HasSubstr("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"));
  EXPECT_THAT(warnings, HasSubstr("brotli-x"));
}

TEST_F(OtlpOptionsTest, TlsFiles) {
  Set("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem");
  Set("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/client.pem");
  Set("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/client.key");
  OtlpExporterOptions o = Load(Signal::kTraces);
  EXPECT_EQ(o.certificate_file, "/etc/ca.pem");
  EXPECT_EQ(o.client_certificate_file, "/etc/client.pem");
  EXPECT_EQ(o.client_key_file, "/etc/client.key");

  Set("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/etc/traces-ca.pem");
  Set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "/etc/traces-client.pem");
  Set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/etc/traces-client.key");
  o = Load(Signal::kTraces);
  EXPECT_EQ(o.certificate_file, "/etc/traces-ca.pem");
  EXPECT_EQ(o.client_certificate_file, "/etc/traces-client.pem");
  EXPECT_EQ(o.client_key_file, "/etc/traces-client.key");
  EXPECT_EQ(Load(Signal::kMetrics).certificate_file, "/etc/ca.pem");
}

TEST_F(OtlpOptionsTest, Insecure) {
  Set("OTEL_EXPORTER_OTLP_INSECURE", "TRUE");
  EXPECT_TRUE(Load(Signal::kTraces).insecure);
  Set("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "false");
  EXPECT_FALSE(Load(Signal::kTraces).insecure);
  EXPECT_TRUE(Load(Signal::kMetrics).insecure);

  std::string warnings;
  Set("OTEL_EXPORTER_OTLP_METRICS_INSECURE", "yes-please");
  EXPECT_FALSE(Load(Signal::kMetrics, &warnings).insecure);  // only "true" is true
  EXPECT_THAT(warnings, HasSubstr("OTEL_EXPORTER_OTLP_METRICS_INSECURE"));
  EXPECT_THAT(warnings, HasSubstr("yes-please"));
}

TEST_F(OtlpOptionsTest, EmptyValuesAreUnset) {
  Set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318");
  Set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "");
  Set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "");
  std::string warnings;
  OtlpExporterOptions o = Load(Signal::kTraces, &warnings);
  EXPECT_EQ(o.endpoint, "http://generic:4318/v1/traces");
  EXPECT_EQ(o.timeout, milliseconds(10000));
  EXPECT_EQ(warnings, "");
}

}  // namespace
}  // namespace adot::exporters::otlp
