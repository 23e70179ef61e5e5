// The awsxray receiver's X-Ray segment document -> OTLP spans translator: every raw document of
// tests/aws/testdata/xray-segments (parsed by aws/xray_segment.h, then translated), several checked
// field by field, and hand-written documents for each mapping rule and each rejection.
#include "collector/receivers/awsxray/segment_translator.h"

#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <random>
#include <sstream>
#include <vector>

namespace adot::collector::awsxray {
namespace {

namespace fs = std::filesystem;
namespace xray = aws::xray;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;
using KeyValues = google::protobuf::RepeatedPtrField<KeyValue>;

using TracesRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// The translator writes OTLP bytes; the tests read them back with libprotobuf. The bytes must be
// exactly what libprotobuf writes for the same message (canonical encoding), and a document that
// does not translate must leave them untouched.
size_t AppendSegment(const xray::Segment& segment, TracesRequest& request, std::string& error) {
  std::string bytes = "prefix";
  size_t n;
  {
    common::proto::ProtoWriter writer(bytes);
    n = awsxray::AppendSegment(segment, writer, error);
  }
  EXPECT_EQ(bytes.substr(0, 6), "prefix");
  bytes.erase(0, 6);
  if (n == 0) {
    EXPECT_EQ(bytes, "");
    return 0;
  }
  TracesRequest part;
  EXPECT_TRUE(part.ParseFromString(bytes));
  EXPECT_EQ(part.SerializeAsString(), bytes) << "not the canonical encoding";
  request.MergeFrom(part);
  return n;
}

fs::path SegmentsDir() { return fs::path(ADOT_AWS_TESTDATA_DIR) / "xray-segments"; }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

xray::Segment Parse(std::string_view json) {
  xray::Segment segment;
  std::string error;
  EXPECT_TRUE(xray::ParseSegment(json, segment, error)) << error << "\n" << json;
  return segment;
}

xray::Segment ParseFile(const std::string& name) { return Parse(ReadAll(SegmentsDir() / name)); }

// Translates a document that must translate; the request holds its one ResourceSpans.
TracesRequest Translate(const xray::Segment& segment) {
  TracesRequest request;
  std::string error;
  size_t n = AppendSegment(segment, request, error);
  EXPECT_GT(n, 0u) << error;
  EXPECT_EQ(error, "");
  EXPECT_EQ(request.resource_spans_size(), 1);
  return request;
}

// The error of a document that must not translate (nothing appended).
std::string TranslateError(const xray::Segment& segment) {
  TracesRequest request;
  std::string error;
  EXPECT_EQ(AppendSegment(segment, request, error), 0u);
  EXPECT_EQ(request.resource_spans_size(), 0);
  EXPECT_NE(error, "");
  return error;
}

const ResourceSpans& Rs(const TracesRequest& r) { return r.resource_spans(0); }
const KeyValues& ResourceAttrs(const TracesRequest& r) { return Rs(r).resource().attributes(); }
const Span& SpanAt(const TracesRequest& r, int i) { return Rs(r).scope_spans(0).spans(i); }
int SpanCount(const TracesRequest& r) { return Rs(r).scope_spans(0).spans_size(); }

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Attributes as text "key=value" with the value's type visible (s:, i:, d:, b:, a:[...], kv:{...}),
// so one EXPECT_EQ shows every difference.
std::string ValueText(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      return "s:" + v.string_value();
    case AnyValue::kIntValue:
      return "i:" + std::to_string(v.int_value());
    case AnyValue::kDoubleValue: {
      std::ostringstream s;
      s << "d:" << v.double_value();
      return s.str();
    }
    case AnyValue::kBoolValue:
      return v.bool_value() ? "b:true" : "b:false";
    case AnyValue::kArrayValue: {
      std::string out = "a:[";
      for (int i = 0; i < v.array_value().values_size(); ++i) {
        out += (i ? "," : "") + ValueText(v.array_value().values(i));
      }
      return out + "]";
    }
    case AnyValue::kKvlistValue: {
      std::string out = "kv:{";
      for (int i = 0; i < v.kvlist_value().values_size(); ++i) {
        const KeyValue& kv = v.kvlist_value().values(i);
        out += (i ? "," : "") + kv.key() + "=" + ValueText(kv.value());
      }
      return out + "}";
    }
    default:
      return "empty";
  }
}

std::map<std::string, std::string> AttrMap(const KeyValues& attrs) {
  std::map<std::string, std::string> out;
  for (const KeyValue& kv : attrs) {
    EXPECT_TRUE(out.emplace(kv.key(), ValueText(kv.value())).second) << "duplicate key " << kv.key();
  }
  return out;
}

using Attrs = std::map<std::string, std::string>;

// ---- the test data, every file --------------------------------------------------------------

TEST(SegmentTranslatorTestData, EveryDocumentParsesAndTranslatesOrIsRejected) {
  // Rejected by the parser (aws/xray_segment.h) and so never reach the translator.
  const std::map<std::string, std::string> parse_fails = {
      {"segmentValidationFailed.txt", "start_time"},
      {"minCauseIsInvalid.txt", "cause"},
  };
  // Parsed, but not translatable (the Go receiver rejects them too).
  const std::map<std::string, std::string> translate_fails = {
      {"indepSubsegmentWithInvalidSqlUrl.txt", "sql.url: "},
      {"indepSubsegmentWithLocalNamespace.txt", "namespace: "},
  };
  const std::map<std::string, int> span_counts = {
      {"ddbSample.txt", 18},
      {"awsMissingAwsField.txt", 1},
      {"awsValidAwsFields.txt", 1},
      {"indepSubsegment.txt", 1},
      {"indepSubsegmentWithContentLengthString.txt", 1},
      {"indepSubsegmentWithSql.txt", 1},
      {"minCauseIsExceptionId.txt", 1},
      {"minInProgress.txt", 1},
      {"minOtherFields.txt", 1},
      {"segmentWithParentId.txt", 1},
  };
  int files = 0;
  for (const auto& entry : fs::directory_iterator(SegmentsDir())) {
    if (entry.path().extension() != ".txt") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    xray::Segment segment;
    std::string error;
    bool parsed = xray::ParseSegment(ReadAll(entry.path()), segment, error);
    if (auto it = parse_fails.find(name); it != parse_fails.end()) {
      EXPECT_FALSE(parsed);
      EXPECT_NE(error.find(it->second), std::string::npos) << error;
      continue;
    }
    ASSERT_TRUE(parsed) << error;
    TracesRequest request;
    size_t n = AppendSegment(segment, request, error);
    if (auto it = translate_fails.find(name); it != translate_fails.end()) {
      EXPECT_EQ(n, 0u);
      EXPECT_EQ(request.resource_spans_size(), 0);
      EXPECT_EQ(error.rfind(it->second, 0), 0u) << error;
      continue;
    }
    ASSERT_TRUE(span_counts.count(name)) << "a new test document: add its expectations";
    EXPECT_EQ(error, "");
    EXPECT_EQ(n, static_cast<size_t>(span_counts.at(name)));
    ASSERT_EQ(request.resource_spans_size(), 1);
    ASSERT_EQ(Rs(request).scope_spans_size(), 1);
    EXPECT_EQ(SpanCount(request), span_counts.at(name));
    // Every span carries the document's trace id; the first one is the document's segment.
    for (const Span& span : Rs(request).scope_spans(0).spans()) {
      EXPECT_EQ(Hex(span.trace_id()), Hex(SpanAt(request, 0).trace_id()));
      EXPECT_EQ(span.span_id().size(), 8u);
    }
    EXPECT_EQ(Hex(SpanAt(request, 0).span_id()), segment.id);
  }
  EXPECT_EQ(files, 14);
}

// ddbSample.txt: a Go SDK segment with 17 nested subsegments, DynamoDB calls, a failing one.
TEST(SegmentTranslatorTestData, DdbSample) {
  TracesRequest r = Translate(ParseFile("ddbSample.txt"));
  EXPECT_EQ(AttrMap(ResourceAttrs(r)), (Attrs{
                                           {"service.name", "s:DDB"},
                                           {"cloud.provider", "s:aws"},
                                           {"telemetry.sdk.version", "s:1.1.0"},
                                           {"telemetry.sdk.name", "s:X-Ray for Go"},
                                           // The segment has exceptions: Java-format stack traces.
                                           {"telemetry.sdk.language", "s:java"},
                                       }));
  EXPECT_FALSE(Rs(r).scope_spans(0).has_scope());

  // Pre-order (a parent before its children): id, parent, name, kind, error status.
  struct Expected {
    const char* id;
    const char* parent;
    const char* name;
    Span::SpanKind kind;
    bool error;
  };
  constexpr auto kServer = Span::SPAN_KIND_SERVER, kClient = Span::SPAN_KIND_CLIENT,
                 kInternal = Span::SPAN_KIND_INTERNAL;
  const Expected expected[] = {
      {"88ad1df59cd7a7be", "", "DDB", kServer, true},
      {"7df694142c905d8d", "88ad1df59cd7a7be", "DDB.DescribeExistingTableAndPutToMissingTable", kInternal, true},
      {"7318c46a385557f5", "7df694142c905d8d", "dynamodb", kClient, false},
      {"0239834271dbee25", "7318c46a385557f5", "marshal", kInternal, false},
      {"23cf5bb60e4f66b1", "7318c46a385557f5", "attempt", kInternal, false},
      {"417b81b977b9563b", "23cf5bb60e4f66b1", "connect", kInternal, false},
      {"0cab02b318413eb1", "417b81b977b9563b", "dns", kInternal, false},
      {"f8dbc5c6b291017e", "417b81b977b9563b", "dial", kInternal, false},
      {"e2deb66ecaa769a5", "417b81b977b9563b", "tls", kInternal, false},
      {"a70bfab91597c7a2", "23cf5bb60e4f66b1", "request", kInternal, false},
      {"c05331c26d3e8a7f", "23cf5bb60e4f66b1", "response", kInternal, false},
      {"5fca2dfc9de81f4c", "7318c46a385557f5", "unmarshal", kInternal, false},
      {"71631df3f58bdfc5", "7df694142c905d8d", "dynamodb", kClient, true},
      {"9da02fcbb9711b47", "71631df3f58bdfc5", "marshal", kInternal, false},
      {"56b1cb185cbdb378", "71631df3f58bdfc5", "attempt", kInternal, true},
      {"6f908a1d3ec70abe", "56b1cb185cbdb378", "request", kInternal, false},
      {"acfaa7e3fe3aab03", "56b1cb185cbdb378", "response", kInternal, false},
      {"ba8d350c0e8cdc4b", "71631df3f58bdfc5", "wait", kInternal, true},
  };
  ASSERT_EQ(SpanCount(r), 18);
  for (int i = 0; i < 18; ++i) {
    const Span& s = SpanAt(r, i);
    SCOPED_TRACE(expected[i].id);
    EXPECT_EQ(Hex(s.trace_id()), "5f29ab21d4ebf299219a65bd5c31d6da");
    EXPECT_EQ(Hex(s.span_id()), expected[i].id);
    EXPECT_EQ(Hex(s.parent_span_id()), expected[i].parent);
    EXPECT_EQ(s.name(), expected[i].name);
    EXPECT_EQ(s.kind(), expected[i].kind);
    EXPECT_EQ(s.status().code(), expected[i].error ? Status::STATUS_CODE_ERROR : Status::STATUS_CODE_UNSET);
    EXPECT_EQ(s.status().message(), "");
    // Spans with a cause carry its exception as an event, the others none.
    EXPECT_EQ(s.events_size(), expected[i].error ? 1 : 0);
  }

  // The root segment: times to the nanosecond, the user, the exception with its stack.
  const Span& root = SpanAt(r, 0);
  EXPECT_EQ(root.start_time_unix_nano(), 1596566305535414000u);
  EXPECT_EQ(root.end_time_unix_nano(), 1596566305592854500u);
  EXPECT_EQ(AttrMap(root.attributes()), (Attrs{{"enduser.id", "s:xraysegmentdump"}}));
  ASSERT_EQ(root.events_size(), 1);
  EXPECT_EQ(root.events(0).name(), "exception");
  EXPECT_EQ(root.events(0).time_unix_nano(), root.end_time_unix_nano());
  EXPECT_EQ(AttrMap(root.events(0).attributes()),
            (Attrs{
                {"aws.xray.exception.id", "s:3e9e11e3ab3fba60"},
                {"exception.type", "s:dynamodb.ResourceNotFoundException"},
                {"exception.message", "s:ResourceNotFoundException: Requested resource not found"},
                {"aws.xray.exception.remote", "b:true"},
                {"exception.stacktrace",
                 "s:dynamodb.ResourceNotFoundException: ResourceNotFoundException: Requested resource not found\n"
                 "\tat main(runtime/proc.go: 203)\n"
                 "\tat goexit(runtime/asm_amd64.s: 1373)\n"},
            }));

  // 7df6: an annotation (listed in aws.xray.annotations) and default metadata as JSON.
  const Span& s7df6 = SpanAt(r, 1);
  EXPECT_EQ(s7df6.start_time_unix_nano(), 1596566305535496500u);
  EXPECT_EQ(s7df6.end_time_unix_nano(), 1596566305592845700u);
  EXPECT_EQ(AttrMap(s7df6.attributes()),
            (Attrs{
                {"DDB.DescribeExistingTableAndPutToMissingTable.Annotation", "s:anno"},
                {"aws.xray.annotations", "a:[s:DDB.DescribeExistingTableAndPutToMissingTable.Annotation]"},
                {"aws.xray.metadata.default",
                 R"(s:{"DDB.DescribeExistingTableAndPutToMissingTable.AddMetadata":"meta"})"},
            }));
  ASSERT_EQ(s7df6.events_size(), 1);
  const std::string& stack = s7df6.events(0).attributes(4).value().string_value();
  EXPECT_EQ(s7df6.events(0).attributes(4).key(), "exception.stacktrace");
  EXPECT_EQ(stack.rfind("dynamodb.ResourceNotFoundException: ResourceNotFoundException: Requested resource not found\n"
                        "\tat Capture(github.com/aws/aws-xray-sdk-go@v1.1.0/xray/capture.go: 48)\n"
                        "\tat ddbExpectedFailure(sampleapp/sample.go: 41)\n",
                        0),
            0u)
      << stack;

  // The two DynamoDB calls: the aws block and the HTTP response.
  EXPECT_EQ(AttrMap(SpanAt(r, 2).attributes()),
            (Attrs{
                {"aws.service", "s:dynamodb"},
                {"http.status_code", "i:200"},
                {"http.response_content_length", "i:713"},
                {"aws.operation", "s:DescribeTable"},
                {"aws.region", "s:us-west-2"},
                {"aws.request_id", "s:29P5V7QSAKHS4LNL56ECAJFF3BVV4KQNSO5AEMVJF66Q9ASUAAJG"},
                {"aws.table_name", "s:xray_sample_table"},
                {"aws.xray.retries", "i:0"},
            }));
  EXPECT_EQ(AttrMap(SpanAt(r, 12).attributes()),
            (Attrs{
                {"aws.service", "s:dynamodb"},
                {"http.status_code", "i:400"},
                {"http.response_content_length", "i:112"},
                {"aws.operation", "s:PutItem"},
                {"aws.region", "s:us-west-2"},
                {"aws.request_id", "s:TJUJNR0JV84CFHJL93D3GIA0LBVV4KQNSO5AEMVJF66Q9ASUAAJG"},
                {"aws.table_name", "s:does_not_exist"},
                {"aws.xray.retries", "i:0"},
            }));
  EXPECT_EQ(AttrMap(SpanAt(r, 12).events(0).attributes()).at("aws.xray.exception.id"), "s:7121b882a0ef44da");

  // Metadata of any shape, as JSON text in document order.
  EXPECT_EQ(AttrMap(SpanAt(r, 5).attributes()),
            (Attrs{{"aws.xray.metadata.http", R"(s:{"connection":{"reused":false,"was_idle":false}})"}}));
  EXPECT_EQ(AttrMap(SpanAt(r, 6).attributes()),
            (Attrs{{"aws.xray.metadata.http",
                    R"(s:{"dns":{"addresses":[{"IP":"52.94.10.94","Zone":""}],"coalesced":false}})"}}));
  EXPECT_EQ(AttrMap(SpanAt(r, 8).attributes()),
            (Attrs{{"aws.xray.metadata.http",
                    R"(s:{"tls":{"cipher_suite":49199,"did_resume":false,"negotiated_protocol":"http/1.1",)"
                    R"("negotiated_protocol_is_mutual":true}})"}}));
  // Plain subsegments have no attributes.
  EXPECT_EQ(SpanAt(r, 3).attributes_size(), 0);
}

TEST(SegmentTranslatorTestData, AwsFieldsBecomeResourceAttributes) {
  xray::Segment segment = ParseFile("awsValidAwsFields.txt");
  TracesRequest r = Translate(segment);
  EXPECT_EQ(AttrMap(ResourceAttrs(r)), (Attrs{
                                           {"service.name", "s:SampleServer"},
                                           {"cloud.provider", "s:aws"},
                                           {"cloud.account.id", "s:000000000000"},
                                           {"cloud.availability_zone", "s:us-west-2c"},
                                           {"host.id", "s:i-075ad396f12bc325a"},
                                           {"host.type", "s:m5.xlarge"},
                                           {"host.image.id", "s:ami-003634241a8fcdec0"},
                                           {"container.name", "s:containerId1234"},
                                           {"container.id", "s:d8453812a556"},
                                           {"service.namespace", "s:scorekeep"},
                                           {"service.instance.id", "s:32"},
                                           {"service.version", "s:app-5a56-170119_190650-stage-170119_190650"},
                                           {"telemetry.sdk.version", "s:1.1.0"},
                                           {"telemetry.sdk.name", "s:X-Ray for Go"},
                                           {"telemetry.sdk.language", "s:Go"},
                                       }));
  ASSERT_EQ(SpanCount(r), 1);
  const Span& s = SpanAt(r, 0);
  EXPECT_EQ(s.kind(), Span::SPAN_KIND_SERVER);
  EXPECT_EQ(s.parent_span_id(), "");
  EXPECT_EQ(s.status().code(), Status::STATUS_CODE_UNSET);
  EXPECT_EQ(s.start_time_unix_nano(), 1596648396639944600u);
  EXPECT_EQ(s.end_time_unix_nano(), 1596648396640138900u);
  EXPECT_EQ(AttrMap(s.attributes()), (Attrs{
                                         {"http.method", "s:GET"},
                                         {"http.url", "s:http://localhost:8000/"},
                                         {"http.client_ip", "s:127.0.0.1"},
                                         {"http.user_agent", "s:Go-http-client/1.1"},
                                         {"aws.xray.x_forwarded_for", "b:true"},
                                         {"http.status_code", "i:200"},
                                         {"aws.account_id", "s:000000000000"},
                                     }));
}

TEST(SegmentTranslatorTestData, NoAwsBlockMeansUnknownCloudProvider) {
  TracesRequest r = Translate(ParseFile("awsMissingAwsField.txt"));
  EXPECT_EQ(AttrMap(ResourceAttrs(r)), (Attrs{{"service.name", "s:SampleServer"}, {"cloud.provider", "s:unknown"}}));
  EXPECT_EQ(AttrMap(SpanAt(r, 0).attributes()).size(), 6u);
}

TEST(SegmentTranslatorTestData, IndependentSubsegmentKeepsItsParent) {
  TracesRequest r = Translate(ParseFile("indepSubsegment.txt"));
  EXPECT_EQ(AttrMap(ResourceAttrs(r)),
            (Attrs{{"service.name", "s:api.example.com"}, {"cloud.provider", "s:unknown"}}));
  const Span& s = SpanAt(r, 0);
  EXPECT_EQ(Hex(s.trace_id()), "581cf771a006649127e371903a2de979");
  EXPECT_EQ(Hex(s.span_id()), "53995c3f42cd8ad8");
  EXPECT_EQ(Hex(s.parent_span_id()), "defdfd9912dc5a56");
  EXPECT_EQ(s.name(), "api.example.com");
  EXPECT_EQ(s.kind(), Span::SPAN_KIND_CLIENT);  // namespace "remote"
  EXPECT_EQ(s.start_time_unix_nano(), 1478293361271000000u);
  EXPECT_EQ(s.end_time_unix_nano(), 1478293361449000000u);
  EXPECT_EQ(s.status().code(), Status::STATUS_CODE_UNSET);
  EXPECT_EQ(AttrMap(s.attributes()), (Attrs{
                                         {"http.method", "s:POST"},
                                         {"http.url", "s:https://api.example.com/health"},
                                         {"http.status_code", "i:200"},
                                         {"http.response_content_length", "i:861"},
                                         {"aws.xray.traced", "b:true"},
                                     }));

  // content_length given as a string ("861"): an int all the same. Times past 2400 still fit.
  TracesRequest r2 = Translate(ParseFile("indepSubsegmentWithContentLengthString.txt"));
  const Span& s2 = SpanAt(r2, 0);
  EXPECT_EQ(AttrMap(s2.attributes()).at("http.response_content_length"), "i:861");
  EXPECT_EQ(s2.start_time_unix_nano(), 14782323361271000000u);
  EXPECT_EQ(s2.end_time_unix_nano(), 14789232374449000000u);
}

TEST(SegmentTranslatorTestData, Sql) {
  TracesRequest r = Translate(ParseFile("indepSubsegmentWithSql.txt"));
  const Span& s = SpanAt(r, 0);
  EXPECT_EQ(s.kind(), Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(Hex(s.parent_span_id()), "defdfd9912dc5a56");
  EXPECT_EQ(s.start_time_unix_nano(), 1484872218696000000u);
  EXPECT_EQ(s.end_time_unix_nano(), 1484872218697000000u);
  EXPECT_EQ(AttrMap(s.attributes()),
            (Attrs{
                {"db.connection_string", "s:jdbc:postgresql://aawijb5u25wdoy.cpamxznpdoq8.us-west-2.rds.amazonaws.com:5432"},
                {"db.name", "s:ebdb"},
                {"db.system", "s:PostgreSQL"},
                {"db.statement", "s:SELECT  *  FROM  customers  WHERE  customer_id=?;"},
                {"db.user", "s:dbuser"},
            }));

  // "//host:5432/ebdb": nothing before the "//", no database name to split off.
  EXPECT_EQ(TranslateError(ParseFile("indepSubsegmentWithInvalidSqlUrl.txt")),
            "sql.url: no database name in \"//aawijb5u25wdoy.cpamxznpdoq8.us-west-2.rds.amazonaws.com:5432/ebdb\"");
}

TEST(SegmentTranslatorTestData, MinimalDocuments) {
  // cause given as an exception id: the status message.
  TracesRequest cause = Translate(ParseFile("minCauseIsExceptionId.txt"));
  const Span& c = SpanAt(cause, 0);
  EXPECT_EQ(c.kind(), Span::SPAN_KIND_SERVER);
  EXPECT_EQ(c.status().code(), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(c.status().message(), "abcdefghijklmnop");
  EXPECT_EQ(c.events_size(), 0);
  EXPECT_EQ(c.attributes_size(), 0);
  EXPECT_EQ(c.start_time_unix_nano(), 1595437651680097000u);
  EXPECT_EQ(c.end_time_unix_nano(), 1595437652197392000u);

  // in_progress: no end time, the flag as an attribute.
  TracesRequest progress = Translate(ParseFile("minInProgress.txt"));
  const Span& p = SpanAt(progress, 0);
  EXPECT_EQ(p.name(), "LongOperation");
  EXPECT_EQ(p.end_time_unix_nano(), 0u);
  EXPECT_EQ(AttrMap(p.attributes()), (Attrs{{"aws.xray.inprogress", "b:true"}}));
  EXPECT_EQ(p.status().code(), Status::STATUS_CODE_UNSET);

  // An independent subsegment without namespace: INTERNAL; resource_arn and origin on the resource;
  // throttle (and error: false) leave the status alone.
  TracesRequest other = Translate(ParseFile("minOtherFields.txt"));
  const Span& o = SpanAt(other, 0);
  EXPECT_EQ(o.kind(), Span::SPAN_KIND_INTERNAL);
  EXPECT_EQ(Hex(o.parent_span_id()), "defdfd9912dc5a56");
  EXPECT_EQ(o.status().code(), Status::STATUS_CODE_UNSET);
  EXPECT_EQ(o.attributes_size(), 0);
  EXPECT_EQ(AttrMap(ResourceAttrs(other)), (Attrs{
                                               {"service.name", "s:OtherTopLevelFields"},
                                               {"cloud.provider", "s:unknown"},
                                               {"aws.xray.resource_arn", "s:chicken"},
                                               {"cloud.platform", "s:aws_ec2"},
                                           }));

  // A segment (no type) with a parent id: still the service's segment, with its parent.
  TracesRequest parented = Translate(ParseFile("segmentWithParentId.txt"));
  const Span& w = SpanAt(parented, 0);
  EXPECT_EQ(w.kind(), Span::SPAN_KIND_SERVER);
  EXPECT_EQ(Hex(w.parent_span_id()), "bda182a644eee9b3");
  EXPECT_EQ(w.end_time_unix_nano(), 0u);

  // Namespaces other than "aws" and "remote" are rejected, as by the Go receiver.
  EXPECT_EQ(TranslateError(ParseFile("indepSubsegmentWithLocalNamespace.txt")),
            "namespace: expected \"aws\" or \"remote\", got \"local\"");
}

TEST(SegmentTranslatorTestData, FromADaemonDatagram) {
  std::string datagram = "{\"format\": \"json\", \"version\": 1}\n" + ReadAll(SegmentsDir() / "ddbSample.txt");
  xray::Segment segment;
  std::string error;
  ASSERT_TRUE(xray::ParseDaemonDatagram(datagram, segment, error)) << error;
  TracesRequest request;
  EXPECT_EQ(AppendSegment(segment, request, error), 18u);
  // A second document goes into a second ResourceSpans of the same request.
  EXPECT_EQ(AppendSegment(ParseFile("indepSubsegment.txt"), request, error), 1u);
  ASSERT_EQ(request.resource_spans_size(), 2);
  EXPECT_EQ(request.resource_spans(1).scope_spans(0).spans(0).name(), "api.example.com");
}

// ---- ids --------------------------------------------------------------------------------------

constexpr const char* kMinimal =
    R"({"trace_id":"1-5f84c7a1-e7d1852db8c4fd35d88bf49a","id":"defdfd9912dc5a56","name":"n","start_time":1)";

xray::Segment Minimal(std::string_view extra = "") { return Parse(std::string(kMinimal) + std::string(extra) + "}"); }

TEST(SegmentTranslator, TraceAndSpanIdBytes) {
  TracesRequest r = Translate(Minimal());
  const Span& s = SpanAt(r, 0);
  const unsigned char trace[16] = {0x5f, 0x84, 0xc7, 0xa1, 0xe7, 0xd1, 0x85, 0x2d,
                                   0xb8, 0xc4, 0xfd, 0x35, 0xd8, 0x8b, 0xf4, 0x9a};
  EXPECT_EQ(s.trace_id(), std::string(reinterpret_cast<const char*>(trace), 16));
  const unsigned char span[8] = {0xde, 0xfd, 0xfd, 0x99, 0x12, 0xdc, 0x5a, 0x56};
  EXPECT_EQ(s.span_id(), std::string(reinterpret_cast<const char*>(span), 8));
  EXPECT_EQ(s.parent_span_id(), "");
  EXPECT_EQ(s.start_time_unix_nano(), 1000000000u);

  // Upper-case hex digits are the same bytes.
  xray::Segment upper = Minimal();
  upper.trace_id = "1-5F84C7A1-E7D1852DB8C4FD35D88BF49A";
  upper.id = "DEFDFD9912DC5A56";
  TracesRequest u = Translate(upper);
  EXPECT_EQ(SpanAt(u, 0).trace_id(), s.trace_id());
  EXPECT_EQ(SpanAt(u, 0).span_id(), s.span_id());
}

TEST(SegmentTranslator, BadIdsAreRejectedWithTheFieldPath) {
  xray::Segment bad = Minimal();
  bad.id = "defdfd9912dc5a5g";
  EXPECT_EQ(TranslateError(bad), "id: not 16 hexadecimal digits: \"defdfd9912dc5a5g\"");

  bad = Minimal();
  bad.id = "defdfd9912dc5a5";
  EXPECT_EQ(TranslateError(bad), "id: not 16 hexadecimal digits: \"defdfd9912dc5a5\"");

  for (const char* trace_id : {"", "1-5f84c7a1-e7d1852db", "2-5f84c7a1-e7d1852db8c4fd35d88bf49a",
                               "1-5f84c7a1+e7d1852db8c4fd35d88bf49a", "1-5f84c7a1-e7d1852db8c4fd35d88bf49x"}) {
    bad = Minimal();
    bad.trace_id = trace_id;
    EXPECT_EQ(TranslateError(bad).rfind("trace_id: ", 0), 0u) << trace_id;
  }

  bad = Minimal();
  bad.parent_id = "xyz";
  EXPECT_EQ(TranslateError(bad), "parent_id: not 16 hexadecimal digits: \"xyz\"");

  bad = Minimal();
  bad.name.clear();
  EXPECT_EQ(TranslateError(bad), "name: required");

  // Deep in the tree: the path names each level. The spans already appended are removed too.
  xray::Segment tree = Minimal(R"(,"subsegments":[{"id":"0000000000000001","name":"a","start_time":1,)"
                               R"("subsegments":[{"id":"0000000000000002","name":"b","start_time":1},)"
                               R"({"id":"0000000000000003","name":"c","start_time":1}]}])");
  tree.subsegments[0].subsegments[1].id = "not-hex-at-all!!";
  TracesRequest request;
  std::string error;
  EXPECT_EQ(AppendSegment(Minimal(), request, error), 1u);
  EXPECT_EQ(AppendSegment(tree, request, error), 0u);
  EXPECT_EQ(error, "subsegments[0].subsegments[1].id: not 16 hexadecimal digits: \"not-hex-at-all!!\"");
  EXPECT_EQ(request.resource_spans_size(), 1);  // the earlier document stays, nothing of this one

  tree.subsegments[0].subsegments[1].id = "0000000000000003";
  tree.subsegments[0].subsegments[0].name.clear();
  EXPECT_EQ(TranslateError(tree), "subsegments[0].subsegments[0].name: required");
  tree.subsegments[0].subsegments[0].name = "b";
  tree.subsegments[0].trace_id = "1-00000000-000000000000000000000000x";
  EXPECT_EQ(TranslateError(tree).rfind("subsegments[0].trace_id: ", 0), 0u);
}

// In one batch, consecutive documents with the same resource share its ResourceSpans (and
// ScopeSpans); another resource starts a new one; a document that fails leaves the batch as it
// was. The bytes stay the canonical encoding after every document, also when a ResourceSpans
// grows past 16 KiB (its length then needs a third byte and its payload moves).
TEST(SegmentTranslator, ABatchSharesAResourceAcrossConsecutiveDocuments) {
  const xray::Segment a = Minimal();
  xray::Segment b = Minimal();
  b.name = "other-service";
  xray::Segment broken = Minimal(R"(,"subsegments":[{"id":"0000000000000001","name":"a","start_time":1}])");
  broken.subsegments[0].id = "not-hex-at-all!!";
  std::string bytes, error;
  common::proto::ProtoWriter writer(bytes);
  awsxray::SegmentBatch batch(writer);
  auto check = [&](std::vector<int> spans_per_resource) {
    writer.Finish();
    TracesRequest request;
    ASSERT_TRUE(request.ParseFromString(bytes));
    EXPECT_EQ(request.SerializeAsString(), bytes) << "not the canonical encoding";
    ASSERT_EQ(request.resource_spans_size(), static_cast<int>(spans_per_resource.size()));
    for (int i = 0; i < request.resource_spans_size(); ++i) {
      ASSERT_EQ(request.resource_spans(i).scope_spans_size(), 1);
      EXPECT_EQ(request.resource_spans(i).scope_spans(0).spans_size(), spans_per_resource[i]) << i;
    }
  };
  EXPECT_EQ(batch.Append(a, error), 1u);
  EXPECT_EQ(batch.Append(a, error), 1u);
  check({2});
  EXPECT_EQ(batch.Append(b, error), 1u);
  check({2, 1});
  EXPECT_EQ(batch.Append(broken, error), 0u);
  check({2, 1});
  EXPECT_EQ(batch.Append(b, error), 1u);
  EXPECT_EQ(batch.Append(broken, error), 0u);
  EXPECT_EQ(batch.Append(b, error), 1u);
  EXPECT_EQ(batch.Append(a, error), 1u);
  check({2, 3, 1});
  // Past 16 KiB in one ResourceSpans.
  for (int i = 0; i < 600; ++i) ASSERT_EQ(batch.Append(a, error), 1u) << error;
  check({2, 3, 601});
  ASSERT_GT(bytes.size(), 16384u);
  EXPECT_EQ(batch.Append(b, error), 1u);
  check({2, 3, 601, 1});
}

// Every byte value at every digit position of the span id and the trace id: accepted exactly when
// it is a hex digit, and then that digit's value (ids are decoded 8 digits at a time, so each
// position of a group and the characters just outside the digit ranges are worth covering).
TEST(SegmentTranslator, EveryByteAtEveryIdDigitPosition) {
  auto digit_value = [](int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  // The bytes of the hex digits `hex` with `hex[pos]` replaced by c (a hex digit).
  auto expected_bytes = [&](std::string hex, size_t pos, int c) {
    hex[pos] = static_cast<char>(c);
    std::string bytes;
    for (size_t i = 0; i < hex.size(); i += 2)
      bytes.push_back(static_cast<char>(digit_value(hex[i]) << 4 | digit_value(hex[i + 1])));
    return bytes;
  };
  xray::Segment seg = Minimal();
  const std::string span_id = "0123456789abcdef";
  for (size_t pos = 0; pos < span_id.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      seg.id = span_id;
      seg.id[pos] = static_cast<char>(c);
      if (digit_value(c) < 0) {
        EXPECT_EQ(TranslateError(seg).rfind("id: not 16 hexadecimal digits", 0), 0u) << pos << " " << c;
      } else {
        EXPECT_EQ(SpanAt(Translate(seg), 0).span_id(), expected_bytes(span_id, pos, c)) << pos << " " << c;
      }
    }
  }
  seg.id = span_id;
  const std::string digits = "fedcba9876543210FEDCBA9876543210";  // the 32 digits of the trace id
  for (size_t pos = 0; pos < digits.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      seg.trace_id = "1-" + digits.substr(0, 8) + "-" + digits.substr(8);
      seg.trace_id[pos < 8 ? 2 + pos : 3 + pos] = static_cast<char>(c);
      if (digit_value(c) < 0) {
        EXPECT_EQ(TranslateError(seg).rfind("trace_id: not an X-Ray trace id", 0), 0u) << pos << " " << c;
      } else {
        EXPECT_EQ(SpanAt(Translate(seg), 0).trace_id(), expected_bytes(digits, pos, c)) << pos << " " << c;
      }
    }
  }
}

TEST(SegmentTranslator, EmbeddedSubsegmentIdsAndTraceIds) {
  xray::Segment seg =
      Minimal(R"(,"parent_id":"1111111111111111","subsegments":[{"id":"0000000000000001","name":"a","start_time":1,)"
              R"("parent_id":"2222222222222222","trace_id":"1-00000001-000000000000000000000002"}])");
  TracesRequest r = Translate(seg);
  ASSERT_EQ(SpanCount(r), 2);
  EXPECT_EQ(Hex(SpanAt(r, 0).parent_span_id()), "1111111111111111");
  // An embedded subsegment's parent is its container, whatever its own parent_id says; its own
  // trace_id is used when present.
  EXPECT_EQ(Hex(SpanAt(r, 1).parent_span_id()), "defdfd9912dc5a56");
  EXPECT_EQ(Hex(SpanAt(r, 1).trace_id()), "00000001000000000000000000000002");
}

// ---- times ------------------------------------------------------------------------------------

TEST(SegmentTranslator, TimesAreExactDecimalNanoseconds) {
  xray::Segment seg = Minimal();
  struct Case {
    double seconds;
    uint64_t nanos;
  };
  for (Case c : {Case{1596566305.5354965, 1596566305535496500u}, Case{1478293361.271, 1478293361271000000u},
                 // More digits than a double holds near 1.7e9: its shortest form, 1700000000.1234567.
                 Case{1700000000.123456789, 1700000000123456700u},
                 Case{0.5, 500000000u}, Case{0, 0}, Case{1e-9, 1}, Case{1700000000, 1700000000000000000u}}) {
    seg.start_time = c.seconds;
    seg.end_time = c.seconds;
    TracesRequest r = Translate(seg);
    EXPECT_EQ(SpanAt(r, 0).start_time_unix_nano(), c.nanos) << c.seconds;
    EXPECT_EQ(SpanAt(r, 0).end_time_unix_nano(), c.nanos) << c.seconds;
  }
  seg.end_time.reset();
  for (double bad : {-1.0, 1e11, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    seg.start_time = bad;
    EXPECT_EQ(TranslateError(seg), "start_time: out of range") << bad;
  }
  seg.start_time = 1;
  seg.end_time = -5;
  EXPECT_EQ(TranslateError(seg), "end_time: out of range");
}

// The rule itself, on many times (whole microseconds, as most SDKs write, take a shortcut): the
// shortest decimal that reads back as the double, to 9 fractional digits, rounded half up.
TEST(SegmentTranslator, TimesAreTheShortestDecimalOnManyValues) {
  auto expected = [](double seconds) {
    char text[64];
    char* end = std::to_chars(text, text + sizeof text, seconds, std::chars_format::fixed).ptr;
    std::string digits(text, end);
    size_t dot = digits.find('.');
    std::string whole = digits.substr(0, dot);
    std::string frac = dot == std::string::npos ? "" : digits.substr(dot + 1);
    bool round_up = frac.size() > 9 && frac[9] >= '5';
    frac.resize(9, '0');
    return std::stoull(whole) * 1000000000u + std::stoull(frac) + (round_up ? 1 : 0);
  };
  std::mt19937_64 rng(7);
  xray::Segment seg = Minimal();
  for (int i = 0; i < 20000; ++i) {
    const double base = i % 4 == 0 ? 1.7e9 : i % 4 == 1 ? 8589934592.0 : i % 4 == 2 ? 1.5e10 : 2.0;
    const uint64_t micros = static_cast<uint64_t>(base * 1e6) + rng() % 100000000;
    double seconds = static_cast<double>(micros) / 1e6;  // whole microseconds
    if (i % 3 == 1) seconds = static_cast<double>(micros / 1000) / 1e3;  // milliseconds
    if (i % 3 == 2) seconds = std::nextafter(seconds, 1e300);             // any double
    seg.start_time = seconds;
    TracesRequest r = Translate(seg);
    ASSERT_EQ(SpanAt(r, 0).start_time_unix_nano(), expected(seconds)) << std::setprecision(17) << seconds;
  }
}

// ---- kinds and status -------------------------------------------------------------------------

TEST(SegmentTranslator, SpanKinds) {
  // The document's segment is SERVER even with a namespace (aws.service is still set).
  TracesRequest root = Translate(Minimal(R"(,"namespace":"aws")"));
  EXPECT_EQ(SpanAt(root, 0).kind(), Span::SPAN_KIND_SERVER);
  EXPECT_EQ(AttrMap(SpanAt(root, 0).attributes()), (Attrs{{"aws.service", "s:n"}}));

  TracesRequest r = Translate(Minimal(
      R"(,"subsegments":[{"id":"0000000000000001","name":"plain","start_time":1},)"
      R"({"id":"0000000000000002","name":"served","start_time":1,"http":{"request":{"client_ip":"10.0.0.1"}}},)"
      R"({"id":"0000000000000003","name":"both","start_time":1,"namespace":"remote","http":{"request":{"client_ip":"10.0.0.1"}}},)"
      R"({"id":"0000000000000004","name":"S3","start_time":1,"namespace":"aws"}])"));
  ASSERT_EQ(SpanCount(r), 5);
  EXPECT_EQ(SpanAt(r, 1).kind(), Span::SPAN_KIND_INTERNAL);
  EXPECT_EQ(SpanAt(r, 2).kind(), Span::SPAN_KIND_SERVER);
  EXPECT_EQ(SpanAt(r, 3).kind(), Span::SPAN_KIND_CLIENT);  // the namespace wins
  EXPECT_EQ(SpanAt(r, 4).kind(), Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(AttrMap(SpanAt(r, 4).attributes()), (Attrs{{"aws.service", "s:S3"}}));

  // An independent subsegment (type compared ignoring case) keeps its kind; "subsegment" without
  // a parent_id cannot be one (the parser requires it) so it is the service's segment.
  xray::Segment indep = Minimal(R"(,"type":"subsegment","parent_id":"1111111111111111","namespace":"aws")");
  EXPECT_EQ(SpanAt(Translate(indep), 0).kind(), Span::SPAN_KIND_CLIENT);
  indep.type = "SubSegment";
  EXPECT_EQ(SpanAt(Translate(indep), 0).kind(), Span::SPAN_KIND_CLIENT);
  indep.parent_id.clear();
  EXPECT_EQ(SpanAt(Translate(indep), 0).kind(), Span::SPAN_KIND_SERVER);
}

TEST(SegmentTranslator, StatusFromHttpCauseAndFault) {
  auto status = [](std::string_view extra) { return SpanAt(Translate(Minimal(extra)), 0).status(); };
  EXPECT_EQ(status("").code(), Status::STATUS_CODE_UNSET);
  for (int code : {100, 200, 302, 399}) {
    EXPECT_EQ(status(R"(,"http":{"response":{"status":)" + std::to_string(code) + "}}").code(),
              Status::STATUS_CODE_UNSET)
        << code;
  }
  for (int code : {99, 400, 404, 429, 500, 503}) {
    EXPECT_EQ(status(R"(,"http":{"response":{"status":)" + std::to_string(code) + "}}").code(),
              Status::STATUS_CODE_ERROR)
        << code;
  }
  EXPECT_EQ(status(R"(,"fault":true)").code(), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(status(R"(,"error":true)").code(), Status::STATUS_CODE_UNSET);
  EXPECT_EQ(status(R"(,"throttle":true,"error":true)").code(), Status::STATUS_CODE_UNSET);
  EXPECT_EQ(status(R"(,"cause":{"working_directory":"/w"})").code(), Status::STATUS_CODE_ERROR);
  Status by_id = status(R"(,"http":{"response":{"status":200}},"cause":"0123456789abcdef")");
  EXPECT_EQ(by_id.code(), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(by_id.message(), "0123456789abcdef");
}

// ---- cause ------------------------------------------------------------------------------------

TEST(SegmentTranslator, CauseExceptionsBecomeEvents) {
  TracesRequest r = Translate(Minimal(R"(,"end_time":2,"cause":{"working_directory":"/app","paths":["a.py"],"exceptions":[)"
                                      R"({"id":"1111111111111111","message":"boom","type":"ValueError","remote":false,)"
                                      R"("truncated":3,"skipped":2,"cause":"2222222222222222",)"
                                      R"("stack":[{"path":"app.py","line":7,"label":"handler"},{"path":"lib.py","label":"call"}]},)"
                                      R"({"id":"2222222222222222"}]})"));
  const Span& s = SpanAt(r, 0);
  ASSERT_EQ(s.events_size(), 2);
  EXPECT_EQ(s.events(0).name(), "exception");
  EXPECT_EQ(s.events(0).time_unix_nano(), 2000000000u);  // the span's end
  EXPECT_EQ(AttrMap(s.events(0).attributes()),
            (Attrs{
                {"aws.xray.exception.id", "s:1111111111111111"},
                {"exception.message", "s:boom"},
                {"exception.type", "s:ValueError"},
                {"aws.xray.exception.remote", "b:false"},
                {"aws.xray.exception.truncated", "i:3"},
                {"aws.xray.exception.skipped", "i:2"},
                {"aws.xray.exception.cause", "s:2222222222222222"},
                {"exception.stacktrace", "s:ValueError: boom\n\tat handler(app.py: 7)\n\tat call(lib.py: <unknown>)\n"},
            }));
  EXPECT_EQ(AttrMap(s.events(1).attributes()), (Attrs{{"aws.xray.exception.id", "s:2222222222222222"}}));
  EXPECT_EQ(s.status().code(), Status::STATUS_CODE_ERROR);
  EXPECT_EQ(s.status().message(), "");

  // No end time (in progress): the event takes the start time.
  TracesRequest open = Translate(Minimal(R"(,"in_progress":true,"cause":{"exceptions":[{"id":"1111111111111111"}]})"));
  EXPECT_EQ(SpanAt(open, 0).events(0).time_unix_nano(), 1000000000u);
}

// ---- annotations, metadata, links --------------------------------------------------------------

TEST(SegmentTranslator, AnnotationTypes) {
  TracesRequest r = Translate(Minimal(R"(,"annotations":{"s":"x","i":42,"neg":-7,"d":1.5,"e":1e3,"b":true,)"
                                      R"("huge":123456789012345678901234567890,"k":1,"k":2})"));
  EXPECT_EQ(AttrMap(SpanAt(r, 0).attributes()),
            (Attrs{
                {"s", "s:x"},
                {"i", "i:42"},
                {"neg", "i:-7"},
                {"d", "d:1.5"},
                {"e", "d:1000"},
                {"b", "b:true"},
                {"huge", "d:1.23457e+29"},
                {"k", "i:2"},  // a repeated key: the last value
                {"aws.xray.annotations", "a:[s:s,s:i,s:neg,s:d,s:e,s:b,s:huge,s:k]"},
            }));

  // An annotation named like another attribute replaces it (the Go receiver keeps one map).
  TracesRequest clash = Translate(Minimal(R"(,"user":"alice","annotations":{"enduser.id":"bob"})"));
  EXPECT_EQ(AttrMap(SpanAt(clash, 0).attributes()),
            (Attrs{{"enduser.id", "s:bob"}, {"aws.xray.annotations", "a:[s:enduser.id]"}}));
}

TEST(SegmentTranslator, MetadataIsJsonPerNamespace) {
  TracesRequest r = Translate(Minimal(R"(,"metadata":{"default":{"a":1,"b":[1.50,"x",null,true],"c":"<\"&\">\n"},)"
                                      R"("other":"plain","n":5,"empty":{}})"));
  EXPECT_EQ(AttrMap(SpanAt(r, 0).attributes()),
            (Attrs{
                {"aws.xray.metadata.default", R"(s:{"a":1,"b":[1.50,"x",null,true],"c":"<\"&\">\n"})"},
                {"aws.xray.metadata.other", R"(s:"plain")"},
                {"aws.xray.metadata.n", "s:5"},
                {"aws.xray.metadata.empty", "s:{}"},
            }));
}

TEST(SegmentTranslator, Links) {
  TracesRequest r = Translate(Minimal(R"(,"links":[{"trace_id":"1-00000001-000000000000000000000002","id":"0000000000000003",)"
                                      R"("attributes":{"s":"v","i":1,"list":[1,"a"],"obj":{"k":false},"nil":null}},)"
                                      R"({"trace_id":"1-00000004-000000000000000000000005","id":"0000000000000006"}])"));
  const Span& s = SpanAt(r, 0);
  ASSERT_EQ(s.links_size(), 2);
  EXPECT_EQ(Hex(s.links(0).trace_id()), "00000001000000000000000000000002");
  EXPECT_EQ(Hex(s.links(0).span_id()), "0000000000000003");
  EXPECT_EQ(AttrMap(s.links(0).attributes()), (Attrs{
                                                  {"s", "s:v"},
                                                  {"i", "i:1"},
                                                  {"list", "a:[i:1,s:a]"},
                                                  {"obj", "kv:{k=b:false}"},
                                                  {"nil", "empty"},
                                              }));
  EXPECT_EQ(Hex(s.links(1).trace_id()), "00000004000000000000000000000005");
  EXPECT_EQ(s.links(1).attributes_size(), 0);

  xray::Segment bad = Minimal(R"(,"links":[{"trace_id":"1-00000001-000000000000000000000002","id":"0000000000000003"}])");
  bad.links[0].trace_id = "nope";
  EXPECT_EQ(TranslateError(bad), "links[0].trace_id: not an X-Ray trace id: \"nope\"");
  bad.links[0].trace_id = "1-00000001-000000000000000000000002";
  bad.links[0].id = "00";
  EXPECT_EQ(TranslateError(bad), "links[0].id: not 16 hexadecimal digits: \"00\"");
}

// ---- http, aws, sql on spans ---------------------------------------------------------------------

TEST(SegmentTranslator, SpanAwsBlock) {
  TracesRequest r = Translate(Minimal(
      R"(,"aws":{"account_id":"123456789012","operation":"BatchGetItem","region":"eu-west-1","request_id":"RID",)"
      R"("queue_url":"https://sqs/q","table_names":["t1","t2"],"retries":2})"));
  EXPECT_EQ(AttrMap(SpanAt(r, 0).attributes()), (Attrs{
                                                    {"aws.account_id", "s:123456789012"},
                                                    {"aws.operation", "s:BatchGetItem"},
                                                    {"aws.region", "s:eu-west-1"},
                                                    {"aws.request_id", "s:RID"},
                                                    {"aws.queue_url", "s:https://sqs/q"},
                                                    {"aws.dynamodb.table_names", "a:[s:t1,s:t2]"},
                                                    {"aws.xray.retries", "i:2"},
                                                }));
  EXPECT_EQ(AttrMap(ResourceAttrs(r)),
            (Attrs{{"service.name", "s:n"}, {"cloud.provider", "s:aws"}, {"cloud.account.id", "s:123456789012"}}));
}

TEST(SegmentTranslator, SqlUrlSplitting) {
  auto sql = [](std::string_view url) {
    xray::Segment seg = Minimal(R"(,"sql":{"url":"x"})");
    seg.sql->url = url;
    TracesRequest request;
    std::string error;
    if (AppendSegment(seg, request, error) == 0) return std::string("error");
    auto attrs = AttrMap(SpanAt(request, 0).attributes());
    return attrs["db.connection_string"] + " | " + attrs["db.name"];
  };
  EXPECT_EQ(sql("mysql://host:3306/shop"), "s:mysql://host:3306 | s:shop");
  EXPECT_EQ(sql("mysql://host/shop?ssl=true&x=1"), "s:mysql://host | s:shop");
  EXPECT_EQ(sql("mysql://host:3306/a/b"), "s:mysql://host:3306/a | s:b");
  EXPECT_EQ(sql("mysql://host:3306/db/"), "s:mysql://host:3306 | s:db/");  // the last '/' has no name after it
  EXPECT_EQ(sql("mysql://host"), "error");
  EXPECT_EQ(sql("mysql://host/"), "error");
  EXPECT_EQ(sql("mysql://host/?x"), "error");
  EXPECT_EQ(sql("//host/db"), "error");
  EXPECT_EQ(sql("host/db"), "error");
  EXPECT_EQ(sql("mysql://h/d\nb"), "error");

  // Without a url only the other fields.
  xray::Segment seg = Minimal(R"(,"sql":{"database_type":"MySQL","user":"u","connection_string":"c","preparation":"call"})");
  EXPECT_EQ(AttrMap(SpanAt(Translate(seg), 0).attributes()), (Attrs{{"db.system", "s:MySQL"}, {"db.user", "s:u"}}));
}

// ---- resource -----------------------------------------------------------------------------------

TEST(SegmentTranslator, ResourceFromEcsEksLogsAndOrigin) {
  TracesRequest r = Translate(Minimal(
      R"(,"origin":"AWS::ECS::Fargate","resource_arn":"arn:aws:ecs:x","service":{"version":"2.0"},)"
      R"("aws":{"ecs":{"container":"web","container_id":"c1","task_arn":"arn:task","task_family":"fam",)"
      R"("cluster_arn":"arn:cluster","container_arn":"arn:container","availability_zone":"us-east-1a","launch_type":"FARGATE"},)"
      R"("eks":{"cluster_name":"k","pod":"p","container_id":"c2"},)"
      R"("elastic_beanstalk":{"environment_name":"env","version_label":"v1","deployment_id":7},)"
      R"("cloudwatch_logs":[{"log_group":"g1","arn":"arn:g1"},{"log_group":"g2"}],)"
      R"("xray":{"sdk":"opentelemetry for java","sdk_version":"1.2"}})"));
  EXPECT_EQ(AttrMap(ResourceAttrs(r)), (Attrs{
                                           {"service.name", "s:n"},
                                           {"cloud.provider", "s:aws"},
                                           {"aws.log.group.arns", "a:[s:arn:g1]"},
                                           {"aws.log.group.names", "a:[s:g1,s:g2]"},
                                           {"container.name", "s:web"},
                                           {"cloud.availability_zone", "s:us-east-1a"},
                                           {"container.id", "s:c2"},  // eks after ecs
                                           {"aws.ecs.task.arn", "s:arn:task"},
                                           {"aws.ecs.task.family", "s:fam"},
                                           {"aws.ecs.cluster.arn", "s:arn:cluster"},
                                           {"aws.ecs.container.arn", "s:arn:container"},
                                           {"aws.ecs.launchtype", "s:fargate"},  // from the origin
                                           {"service.namespace", "s:env"},
                                           {"service.instance.id", "s:7"},
                                           {"service.version", "s:2.0"},  // service block over beanstalk
                                           {"k8s.cluster.name", "s:k"},
                                           {"k8s.pod.name", "s:p"},
                                           {"telemetry.sdk.version", "s:1.2"},
                                           {"telemetry.sdk.name", "s:opentelemetry for java"},
                                           {"telemetry.sdk.language", "s:java"},
                                           {"aws.xray.resource_arn", "s:arn:aws:ecs:x"},
                                           {"cloud.platform", "s:aws_ecs"},
                                       }));

  // Origins outside the exporter's table and SDK names without "for " add nothing.
  TracesRequest other = Translate(Minimal(R"(,"origin":"AWS::Lambda::Thing","aws":{"xray":{"sdk":"custom"}})"));
  EXPECT_EQ(AttrMap(ResourceAttrs(other)),
            (Attrs{{"service.name", "s:n"}, {"cloud.provider", "s:aws"}, {"telemetry.sdk.name", "s:custom"}}));
  for (auto [origin, platform] : std::vector<std::pair<std::string, std::string>>{
           {"AWS::EKS::Container", "aws_eks"},
           {"AWS::ElasticBeanstalk::Environment", "aws_elastic_beanstalk"},
           {"AWS::AppRunner::Service", "aws_app_runner"},
           {"AWS::ECS::Container", "aws_ecs"}}) {
    xray::Segment seg = Minimal();
    seg.origin = origin;
    EXPECT_EQ(AttrMap(ResourceAttrs(Translate(seg))).at("cloud.platform"), "s:" + platform);
  }
}

// An attribute set twice keeps one entry with the later value, wherever the two come from.
TEST(SegmentTranslator, RepeatedAttributeKeysLaterWins) {
  TracesRequest r = Translate(Minimal(R"(,"annotations":{"aws.xray.metadata.x":"a"},"metadata":{"x":1,"y":2,"x":3},)"
                                      R"("aws":{"ec2":{"availability_zone":"z1"},"ecs":{"availability_zone":"z2",)"
                                      R"("launch_type":"EC2"},"elastic_beanstalk":{"version_label":"v1"}},)"
                                      R"("service":{"version":"v2"},"origin":"AWS::ECS::Fargate")"));
  EXPECT_EQ(AttrMap(SpanAt(r, 0).attributes()),
            (Attrs{{"aws.xray.metadata.x", "s:3"},
                   {"aws.xray.metadata.y", "s:2"},
                   {"aws.xray.annotations", "a:[s:aws.xray.metadata.x]"}}));
  EXPECT_EQ(SpanAt(r, 0).attributes(0).key(), "aws.xray.metadata.x");  // where it was first set
  EXPECT_EQ(AttrMap(ResourceAttrs(r)), (Attrs{{"service.name", "s:n"},
                                              {"cloud.provider", "s:aws"},
                                              {"cloud.availability_zone", "s:z2"},
                                              {"aws.ecs.launchtype", "s:fargate"},
                                              {"service.version", "s:v2"},
                                              {"cloud.platform", "s:aws_ecs"}}));
}

// The receiver parses every datagram into one Segment: each translates as if freshly parsed.
TEST(SegmentTranslatorTestData, ReusedSegmentTranslatesAsAFreshOne) {
  std::vector<std::string> documents;
  for (const auto& entry : fs::directory_iterator(SegmentsDir())) {
    if (entry.path().extension() == ".txt") documents.push_back(ReadAll(entry.path()));
  }
  documents.push_back(std::string(kMinimal) + "}");
  xray::Segment reused;
  for (int round = 0; round < 2; ++round) {
    for (const std::string& document : documents) {
      const std::string datagram = "{\"format\":\"json\",\"version\":1}\n" + document;
      xray::Segment fresh;
      std::string fresh_error, reused_error;
      const bool ok = xray::ParseDaemonDatagram(datagram, fresh, fresh_error);
      ASSERT_EQ(xray::ParseDaemonDatagram(datagram, reused, reused_error), ok) << document;
      if (!ok) continue;
      TracesRequest from_fresh, from_reused;
      EXPECT_EQ(AppendSegment(reused, from_reused, reused_error), AppendSegment(fresh, from_fresh, fresh_error));
      EXPECT_EQ(reused_error, fresh_error);
      EXPECT_EQ(from_reused.SerializeAsString(), from_fresh.SerializeAsString()) << document;
    }
  }
}

// ---- speed --------------------------------------------------------------------------------------

// Not a benchmark: prints the cost per document so a regression is visible, with a bound loose
// enough for sanitizer and debug builds. Into a request on an arena, as the receiver's PData
// batches are, and into a heap-allocated one.
TEST(SegmentTranslator, Speed) {
  const xray::Segment small = ParseFile("awsValidAwsFields.txt");
  const xray::Segment big = ParseFile("ddbSample.txt");
  for (bool on_arena : {true, false}) {
    for (const xray::Segment* seg : {&small, &big}) {
      constexpr int kRounds = 2000, kPerRequest = 100;
      std::string error;
      auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < kRounds / kPerRequest; ++i) {
        google::protobuf::Arena arena;
        TracesRequest heap;
        TracesRequest* request = on_arena ? google::protobuf::Arena::CreateMessage<TracesRequest>(&arena) : &heap;
        for (int j = 0; j < kPerRequest; ++j) ASSERT_GT(AppendSegment(*seg, *request, error), 0u);
      }
      double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / kRounds;
      std::printf("%s (%zu spans, %s): %.2f us per document\n", seg->name.c_str(),
                  seg == &big ? size_t{18} : size_t{1}, on_arena ? "arena" : "heap", us);
      EXPECT_LT(us, 1000.0);
    }
  }
}

}  // namespace
}  // namespace adot::collector::awsxray
