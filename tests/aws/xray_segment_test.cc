// X-Ray segment documents (testdata/xray-segments, from the collector's X-Ray test data: every file
// parsed, the invalid ones rejected), field validation, and the daemon's UDP datagram header.
#include "aws/xray_segment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace adot::aws::xray {
namespace {

namespace fs = std::filesystem;

fs::path SegmentsDir() { return fs::path(ADOT_AWS_TESTDATA_DIR) / "xray-segments"; }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Segment ParseFile(const std::string& name) {
  Segment segment;
  std::string error;
  EXPECT_TRUE(ParseSegment(ReadAll(SegmentsDir() / name), segment, error)) << name << ": " << error;
  return segment;
}

std::string ErrorOf(std::string_view json) {
  Segment segment;
  std::string error;
  EXPECT_FALSE(ParseSegment(json, segment, error)) << json;
  return error;
}

// Every file in the directory is either valid or rejected with the expected error.
TEST(XRaySegmentTestData, EveryFileParsesOrIsRejected) {
  const std::map<std::string, std::string> invalid = {
      {"segmentValidationFailed.txt", "start_time: required"},
      {"minCauseIsInvalid.txt", "cause: expected an object or a string"},
  };
  int files = 0;
  for (const auto& entry : fs::directory_iterator(SegmentsDir())) {
    if (entry.path().extension() != ".txt") continue;
    ++files;
    std::string name = entry.path().filename().string();
    Segment segment;
    std::string error;
    bool ok = ParseSegment(ReadAll(entry.path()), segment, error);
    auto it = invalid.find(name);
    if (it == invalid.end()) {
      EXPECT_TRUE(ok) << name << ": " << error;
    } else {
      EXPECT_FALSE(ok) << name;
      EXPECT_NE(error.find(it->second), std::string::npos) << name << ": " << error;
    }
    // Wrapped in a daemon datagram, the result is the same.
    Segment from_datagram;
    std::string datagram_error;
    EXPECT_EQ(ParseDaemonDatagram("{\"format\":\"json\",\"version\":1}\n" + ReadAll(entry.path()),
                                  from_datagram, datagram_error),
              ok)
        << name;
    EXPECT_EQ(datagram_error, error) << name;
  }
  EXPECT_EQ(files, 14);
}

TEST(XRaySegmentTestData, DdbSample) {
  Segment s = ParseFile("ddbSample.txt");
  EXPECT_EQ(s.trace_id, "1-5f29ab21-d4ebf299219a65bd5c31d6da");
  EXPECT_EQ(s.id, "88ad1df59cd7a7be");
  EXPECT_EQ(s.name, "DDB");
  EXPECT_DOUBLE_EQ(s.start_time, 1596566305.535414);
  ASSERT_TRUE(s.end_time.has_value());
  EXPECT_DOUBLE_EQ(*s.end_time, 1596566305.5928545);
  EXPECT_FALSE(s.in_progress);
  EXPECT_FALSE(s.IsSubsegment());
  EXPECT_TRUE(s.fault);
  EXPECT_FALSE(s.error);
  EXPECT_EQ(s.user, "xraysegmentdump");
  ASSERT_EQ(s.cause.kind, Cause::Kind::kObject);
  EXPECT_EQ(s.cause.working_directory,
            "/home/ubuntu/opentelemetry-collector-contrib/receiver/awsxrayreceiver/testdata/"
            "rawsegment/sampleapp");
  ASSERT_EQ(s.cause.exceptions.size(), 1u);
  const Exception& e = s.cause.exceptions[0];
  EXPECT_EQ(e.id, "3e9e11e3ab3fba60");
  EXPECT_EQ(e.type, "dynamodb.ResourceNotFoundException");
  EXPECT_EQ(e.message, "ResourceNotFoundException: Requested resource not found");
  EXPECT_EQ(e.remote, true);
  ASSERT_EQ(e.stack.size(), 2u);
  EXPECT_EQ(e.stack[1].path, "runtime/asm_amd64.s");
  EXPECT_EQ(e.stack[1].line, 1373);
  EXPECT_EQ(e.stack[1].label, "goexit");
  ASSERT_TRUE(s.aws.has_value());
  ASSERT_TRUE(s.aws->xray.has_value());
  EXPECT_EQ(s.aws->xray->sdk, "X-Ray for Go");
  EXPECT_EQ(s.aws->xray->sdk_version, "1.1.0");
  ASSERT_TRUE(s.service.has_value());
  EXPECT_EQ(s.service->compiler_version, "go1.14.6");
  EXPECT_EQ(s.service->compiler, "gc");

  // Embedded subsegments: no trace_id needed.
  ASSERT_EQ(s.subsegments.size(), 1u);
  const Segment& op = s.subsegments[0];
  EXPECT_EQ(op.name, "DDB.DescribeExistingTableAndPutToMissingTable");
  EXPECT_TRUE(op.trace_id.empty());
  ASSERT_EQ(op.annotations.size(), 1u);
  EXPECT_EQ(op.annotations[0].key, "DDB.DescribeExistingTableAndPutToMissingTable.Annotation");
  EXPECT_EQ(op.annotations[0].value.text(), "anno");
  ASSERT_TRUE(op.metadata.is_object());
  const common::JsonValue* def = op.metadata.Find("default");
  ASSERT_NE(def, nullptr);
  ASSERT_NE(def->Find("DDB.DescribeExistingTableAndPutToMissingTable.AddMetadata"), nullptr);
  EXPECT_EQ(def->Find("DDB.DescribeExistingTableAndPutToMissingTable.AddMetadata")->text(), "meta");
  ASSERT_EQ(op.subsegments.size(), 2u);

  const Segment& describe = op.subsegments[0];
  EXPECT_EQ(describe.id, "7318c46a385557f5");
  EXPECT_EQ(describe.namespace_name, "aws");
  ASSERT_TRUE(describe.http.has_value());
  EXPECT_FALSE(describe.http->request.has_value());
  ASSERT_TRUE(describe.http->response.has_value());
  EXPECT_EQ(describe.http->response->status, 200);
  EXPECT_EQ(describe.http->response->content_length, 713);
  ASSERT_TRUE(describe.aws.has_value());
  EXPECT_EQ(describe.aws->operation, "DescribeTable");
  EXPECT_EQ(describe.aws->region, "us-west-2");
  EXPECT_EQ(describe.aws->request_id, "29P5V7QSAKHS4LNL56ECAJFF3BVV4KQNSO5AEMVJF66Q9ASUAAJG");
  EXPECT_EQ(describe.aws->retries, 0);
  EXPECT_EQ(describe.aws->table_name, "xray_sample_table");
  ASSERT_EQ(describe.subsegments.size(), 3u);
  const Segment& attempt = describe.subsegments[1];
  EXPECT_EQ(attempt.name, "attempt");
  ASSERT_EQ(attempt.subsegments.size(), 3u);
  const Segment& connect = attempt.subsegments[0];
  EXPECT_EQ(connect.name, "connect");
  ASSERT_EQ(connect.subsegments.size(), 3u);
  const Segment& tls = connect.subsegments[2];
  EXPECT_EQ(tls.name, "tls");
  const common::JsonValue* http = tls.metadata.Find("http");
  ASSERT_NE(http, nullptr);
  ASSERT_NE(http->Find("tls"), nullptr);
  ASSERT_NE(http->Find("tls")->Find("cipher_suite"), nullptr);
  EXPECT_EQ(http->Find("tls")->Find("cipher_suite")->text(), "49199");

  const Segment& put = op.subsegments[1];
  EXPECT_EQ(put.id, "71631df3f58bdfc5");
  EXPECT_TRUE(put.fault);
  ASSERT_EQ(put.cause.exceptions.size(), 1u);
  EXPECT_EQ(put.cause.exceptions[0].id, "7121b882a0ef44da");
  EXPECT_EQ(put.cause.exceptions[0].stack[3].label, "(*DynamoDB).PutItemWithContext");
  EXPECT_EQ(put.cause.exceptions[0].stack[3].line, 3414);
}

TEST(XRaySegmentTestData, AwsFields) {
  Segment s = ParseFile("awsValidAwsFields.txt");
  ASSERT_TRUE(s.aws.has_value());
  EXPECT_EQ(s.aws->account_id, "000000000000");
  ASSERT_TRUE(s.aws->ecs.has_value());
  EXPECT_EQ(s.aws->ecs->container, "containerId1234");
  EXPECT_EQ(s.aws->ecs->container_id, "d8453812a556");
  EXPECT_EQ(s.aws->ecs->availability_zone, "us-west-2c");
  ASSERT_TRUE(s.aws->ec2.has_value());
  EXPECT_EQ(s.aws->ec2->instance_id, "i-075ad396f12bc325a");
  EXPECT_EQ(s.aws->ec2->availability_zone, "us-west-2c");
  EXPECT_EQ(s.aws->ec2->instance_size, "m5.xlarge");
  EXPECT_EQ(s.aws->ec2->ami_id, "ami-003634241a8fcdec0");
  ASSERT_TRUE(s.aws->elastic_beanstalk.has_value());
  EXPECT_EQ(s.aws->elastic_beanstalk->environment_name, "scorekeep");
  EXPECT_EQ(s.aws->elastic_beanstalk->deployment_id, 32);
  EXPECT_EQ(s.aws->elastic_beanstalk->version_label, "app-5a56-170119_190650-stage-170119_190650");
  EXPECT_FALSE(s.aws->eks.has_value());

  Segment missing = ParseFile("awsMissingAwsField.txt");
  EXPECT_FALSE(missing.aws.has_value());
  ASSERT_TRUE(missing.http.has_value());
  ASSERT_TRUE(missing.http->request.has_value());
  EXPECT_EQ(missing.http->request->method, "GET");
  EXPECT_EQ(missing.http->request->url, "http://localhost:8000/");
  EXPECT_EQ(missing.http->request->client_ip, "127.0.0.1");
  EXPECT_EQ(missing.http->request->user_agent, "Go-http-client/1.1");
  EXPECT_EQ(missing.http->request->x_forwarded_for, true);
  EXPECT_FALSE(missing.http->request->traced.has_value());
  EXPECT_EQ(missing.http->response->status, 200);
  EXPECT_FALSE(missing.http->response->content_length.has_value());
}

TEST(XRaySegmentTestData, IndependentSubsegments) {
  Segment s = ParseFile("indepSubsegment.txt");
  EXPECT_TRUE(s.IsSubsegment());
  EXPECT_EQ(s.name, "api.example.com");
  EXPECT_EQ(s.trace_id, "1-581cf771-a006649127e371903a2de979");
  EXPECT_EQ(s.parent_id, "defdfd9912dc5a56");
  EXPECT_EQ(s.namespace_name, "remote");
  EXPECT_EQ(s.traced, true);
  EXPECT_DOUBLE_EQ(s.start_time, 1478293361.271);
  EXPECT_DOUBLE_EQ(*s.end_time, 1478293361.449);
  EXPECT_EQ(s.http->request->method, "POST");
  EXPECT_EQ(s.http->request->url, "https://api.example.com/health");
  EXPECT_EQ(s.http->response->content_length, 861);

  // "content_length": "861" is read as the number.
  Segment str = ParseFile("indepSubsegmentWithContentLengthString.txt");
  EXPECT_EQ(str.http->response->content_length, 861);
  EXPECT_DOUBLE_EQ(*str.end_time, 14789232374.449);

  Segment local = ParseFile("indepSubsegmentWithLocalNamespace.txt");
  EXPECT_EQ(local.namespace_name, "local");
  EXPECT_FALSE(local.http.has_value());

  Segment sql = ParseFile("indepSubsegmentWithSql.txt");
  ASSERT_TRUE(sql.sql.has_value());
  EXPECT_EQ(sql.sql->url,
            "jdbc:postgresql://aawijb5u25wdoy.cpamxznpdoq8.us-west-2.rds.amazonaws.com:5432/"
            "ebdb?myInterceptor=foo");
  EXPECT_EQ(sql.sql->preparation, "statement");
  EXPECT_EQ(sql.sql->database_type, "PostgreSQL");
  EXPECT_EQ(sql.sql->database_version, "9.5.4");
  EXPECT_EQ(sql.sql->driver_version, "PostgreSQL 9.4.1211.jre7");
  EXPECT_EQ(sql.sql->user, "dbuser");
  EXPECT_EQ(sql.sql->sanitized_query, "SELECT  *  FROM  customers  WHERE  customer_id=?;");

  // The URL is kept as sent; judging it is the translator's business.
  Segment bad_url = ParseFile("indepSubsegmentWithInvalidSqlUrl.txt");
  EXPECT_EQ(bad_url.sql->url,
            "//aawijb5u25wdoy.cpamxznpdoq8.us-west-2.rds.amazonaws.com:5432/ebdb");
}

TEST(XRaySegmentTestData, MinimalDocuments) {
  Segment cause_id = ParseFile("minCauseIsExceptionId.txt");
  EXPECT_EQ(cause_id.cause.kind, Cause::Kind::kExceptionId);
  EXPECT_EQ(cause_id.cause.exception_id, "abcdefghijklmnop");
  EXPECT_TRUE(cause_id.cause.exceptions.empty());
  EXPECT_TRUE(cause_id.fault);

  Segment in_progress = ParseFile("minInProgress.txt");
  EXPECT_TRUE(in_progress.in_progress);
  EXPECT_FALSE(in_progress.end_time.has_value());
  EXPECT_EQ(in_progress.name, "LongOperation");

  Segment other = ParseFile("minOtherFields.txt");
  EXPECT_FALSE(other.error);
  EXPECT_TRUE(other.throttle);
  EXPECT_FALSE(other.fault);
  EXPECT_EQ(other.resource_arn, "chicken");
  EXPECT_EQ(other.origin, "AWS::EC2::Instance");
  EXPECT_EQ(other.parent_id, "defdfd9912dc5a56");
  EXPECT_TRUE(other.IsSubsegment());
  EXPECT_EQ(other.cause.kind, Cause::Kind::kNone);

  Segment with_parent = ParseFile("segmentWithParentId.txt");
  EXPECT_EQ(with_parent.parent_id, "bda182a644eee9b3");
  EXPECT_FALSE(with_parent.IsSubsegment());
  EXPECT_FALSE(with_parent.end_time.has_value());
  EXPECT_FALSE(with_parent.in_progress);
}

constexpr const char* kTrace = "\"trace_id\":\"1-5f187253-6a106696d56b1f4ef9eba2ed\"";

std::string Doc(const std::string& extra) {
  return std::string("{") + kTrace +
         ",\"id\":\"5cc4a447f5d4d696\",\"name\":\"n\",\"start_time\":1.5" + extra + "}";
}

TEST(XRaySegmentValidation, MinimalIsValid) {
  Segment s;
  std::string error;
  ASSERT_TRUE(ParseSegment(Doc(""), s, error)) << error;
  EXPECT_EQ(s.name, "n");
  EXPECT_DOUBLE_EQ(s.start_time, 1.5);
  EXPECT_TRUE(s.metadata.is_null());
  EXPECT_TRUE(ParseSegment(Doc(",\"end_time\":2,\"parent_id\":null,\"aws\":null"), s, error))
      << error;
}

TEST(XRaySegmentValidation, RequiredFields) {
  EXPECT_EQ(ErrorOf(std::string("{") + kTrace + ",\"id\":\"5cc4a447f5d4d696\",\"start_time\":1}"),
            "name: required (a non-empty string)");
  EXPECT_EQ(ErrorOf(std::string("{") + kTrace + ",\"name\":\"n\",\"start_time\":1}"),
            "id: required");
  EXPECT_EQ(ErrorOf(std::string("{") + kTrace + ",\"id\":\"5cc4a447f5d4d696\",\"name\":\"n\"}"),
            "start_time: required (a number)");
  EXPECT_EQ(ErrorOf("{\"id\":\"5cc4a447f5d4d696\",\"name\":\"n\",\"start_time\":1}"),
            "trace_id: required");
  // An independent subsegment needs its parent.
  EXPECT_EQ(ErrorOf(Doc(",\"type\":\"subsegment\"")),
            "parent_id: required in an independent subsegment");
  // An embedded subsegment needs name, id and start_time, not trace_id.
  EXPECT_EQ(
      ErrorOf(Doc(",\"subsegments\":[{\"id\":\"0239834271dbee25\",\"name\":\"a\",\"start_time\":1},"
                  "{\"id\":\"0239834271dbee26\",\"name\":\"b\"}]")),
      "subsegments[1].start_time: required (a number)");
  EXPECT_EQ(
      ErrorOf(Doc(",\"subsegments\":[{\"id\":\"0239834271dbee25\",\"name\":\"a\",\"start_time\":1,"
                  "\"subsegments\":[{\"name\":\"c\",\"start_time\":1}]}]")),
      "subsegments[0].subsegments[0].id: required");
}

TEST(XRaySegmentValidation, IdFormats) {
  EXPECT_EQ(ErrorOf(std::string("{") + kTrace +
                    ",\"id\":\"5cc4a447f5d4d69\",\"name\":\"n\",\"start_time\":1}"),
            "id: expected 16 hexadecimal digits, got \"5cc4a447f5d4d69\"");
  EXPECT_EQ(ErrorOf(std::string("{") + kTrace +
                    ",\"id\":\"5cc4a447f5d4d69g\",\"name\":\"n\",\"start_time\":1}"),
            "id: expected 16 hexadecimal digits, got \"5cc4a447f5d4d69g\"");
  EXPECT_EQ(ErrorOf(Doc(",\"parent_id\":\"xyz\"")),
            "parent_id: expected 16 hexadecimal digits, got \"xyz\"");
  for (const char* bad :
       {"2-5f187253-6a106696d56b1f4ef9eba2ed", "1-5f18725-36a106696d56b1f4ef9eba2ed",
        "1-5f187253-6a106696d56b1f4ef9eba2e", "1-5f187253-6a106696d56b1f4ef9eba2eZ",
        "1-5f187253_6a106696d56b1f4ef9eba2ed", "4bf92f3577b34da6a3ce929d0e0e4736"}) {
    std::string error = ErrorOf(std::string("{\"trace_id\":\"") + bad +
                                "\",\"id\":\"5cc4a447f5d4d696\",\"name\":\"n\",\"start_time\":1}");
    EXPECT_EQ(error.rfind("trace_id: expected \"1-\"", 0), 0u) << bad << ": " << error;
  }
  EXPECT_EQ(ErrorOf(Doc(",\"precursor_ids\":[\"5cc4a447f5d4d696\",\"nope\"]")),
            "precursor_ids: element 1 is not 16 hexadecimal digits");
}

TEST(XRaySegmentValidation, WrongTypes) {
  EXPECT_EQ(ErrorOf(std::string("{") + kTrace +
                    ",\"id\":\"5cc4a447f5d4d696\",\"name\":\"n\",\"start_time\":\"1\"}"),
            "start_time: expected a number");
  EXPECT_EQ(ErrorOf(Doc(",\"end_time\":true")), "end_time: expected a number");
  EXPECT_EQ(ErrorOf(Doc(",\"in_progress\":\"true\"")), "in_progress: expected a boolean");
  EXPECT_EQ(ErrorOf(Doc(",\"fault\":1")), "fault: expected a boolean");
  EXPECT_EQ(ErrorOf(Doc(",\"name\":5")), "name: expected a string");
  EXPECT_EQ(ErrorOf(Doc(",\"http\":[]")), "http: expected an object");
  EXPECT_EQ(ErrorOf(Doc(",\"http\":{\"response\":{\"status\":\"200\"}}")),
            "http.response.status: expected an integer");
  EXPECT_EQ(ErrorOf(Doc(",\"http\":{\"response\":{\"content_length\":\"lots\"}}")),
            "http.response.content_length: expected an integer or a string holding one");
  EXPECT_EQ(ErrorOf(Doc(",\"http\":{\"request\":{\"x_forwarded_for\":\"yes\"}}")),
            "http.request.x_forwarded_for: expected a boolean");
  EXPECT_EQ(ErrorOf(Doc(",\"aws\":{\"ec2\":{\"instance_id\":1}}")),
            "aws.ec2.instance_id: expected a string");
  EXPECT_EQ(ErrorOf(Doc(",\"aws\":{\"table_names\":[\"a\",2]}")),
            "aws.table_names: expected an array of strings");
  EXPECT_EQ(ErrorOf(Doc(",\"cause\":{\"exceptions\":[{\"stack\":[{\"line\":\"x\"}]}]}")),
            "cause.exceptions[0].stack[0].line: expected an integer");
  EXPECT_EQ(ErrorOf(Doc(",\"cause\":[]")),
            "cause: expected an object or a string (an exception id)");
  EXPECT_EQ(ErrorOf(Doc(",\"annotations\":{\"k\":{}}")),
            "annotations.k: expected a string, number or boolean");
  EXPECT_EQ(ErrorOf(Doc(",\"metadata\":\"x\"")), "metadata: expected an object");
  EXPECT_EQ(ErrorOf(Doc(",\"subsegments\":{}")), "subsegments: expected an array");
  EXPECT_EQ(ErrorOf(Doc(",\"subsegments\":[1]")), "subsegments[0]: expected an object");
  EXPECT_EQ(ErrorOf("[]"), "segment document is not a JSON object");
  EXPECT_EQ(ErrorOf("{\"name\":").rfind("segment document is not valid JSON: ", 0), 0u);
}

TEST(XRaySegmentValidation, OtherFields) {
  Segment s;
  std::string error;
  ASSERT_TRUE(ParseSegment(
      Doc(",\"annotations\":{\"a\":\"x\",\"b\":2,\"c\":true},"
          "\"aws\":{\"table_names\":[\"t1\",\"t2\"],\"cloudwatch_logs\":[{\"log_group\":\"g\","
          "\"arn\":\"arn:aws:logs:us-east-1:1:log-group:g\"}],\"eks\":{\"cluster_name\":\"c\","
          "\"pod\":\"p\",\"container_id\":null},\"xray\":{\"auto_instrumentation\":false}},"
          "\"links\":[{\"trace_id\":\"1-5f187253-6a106696d56b1f4ef9eba2ed\",\"id\":"
          "\"5cc4a447f5d4d696\",\"attributes\":{\"k\":1}}],\"service\":{\"version\":\"1.2\"},"
          "\"cause\":{\"paths\":[\"/a\"],\"exceptions\":[{\"id\":\"1\",\"cause\":\"2\","
          "\"truncated\":3,\"skipped\":4}]}"),
      s, error))
      << error;
  ASSERT_EQ(s.annotations.size(), 3u);
  EXPECT_EQ(s.annotations[1].value.text(), "2");
  EXPECT_TRUE(s.annotations[2].value.bool_value());
  EXPECT_EQ(s.aws->table_names, (std::vector<std::string>{"t1", "t2"}));
  ASSERT_EQ(s.aws->cloudwatch_logs.size(), 1u);
  EXPECT_EQ(s.aws->cloudwatch_logs[0].log_group, "g");
  EXPECT_EQ(s.aws->eks->pod, "p");
  EXPECT_TRUE(s.aws->eks->container_id.empty());
  EXPECT_EQ(s.aws->xray->auto_instrumentation, false);
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].id, "5cc4a447f5d4d696");
  EXPECT_EQ(s.links[0].attributes.Find("k")->text(), "1");
  EXPECT_EQ(s.service->version, "1.2");
  EXPECT_EQ(s.cause.paths, (std::vector<std::string>{"/a"}));
  EXPECT_EQ(s.cause.exceptions[0].cause, "2");
  EXPECT_EQ(s.cause.exceptions[0].truncated, 3);
  EXPECT_EQ(s.cause.exceptions[0].skipped, 4);

  EXPECT_EQ(ErrorOf(Doc(",\"links\":[{\"trace_id\":\"x\",\"id\":\"5cc4a447f5d4d696\"}]")),
            "links[0].trace_id: expected an X-Ray trace id");
}

// The daemon protocol: a JSON header line, "\n", the document.
const std::string kBody = Doc("");

std::string DatagramError(std::string_view datagram) {
  Segment s;
  std::string error;
  EXPECT_FALSE(ParseDaemonDatagram(datagram, s, error)) << datagram;
  return error;
}

TEST(XRayDaemonDatagram, HeaderSpacingVariants) {
  for (const std::string header :
       {"{\"format\":\"json\",\"version\":1}", "{\"format\": \"json\", \"version\": 1}",
        " { \"version\" : 1 ,\t\"format\" : \"json\" } ", "{\"format\":\"JSON\",\"version\":1}",
        "{\"format\":\"json\",\"version\":1}\r"}) {
    Segment s;
    std::string error;
    EXPECT_TRUE(ParseDaemonDatagram(header + "\n" + kBody, s, error)) << header << ": " << error;
    EXPECT_EQ(s.id, "5cc4a447f5d4d696");
    std::string_view body;
    std::string datagram = header + "\n" + kBody;
    ASSERT_TRUE(SplitDaemonDatagram(datagram, body, error));
    EXPECT_EQ(body, kBody);
  }
}

TEST(XRayDaemonDatagram, BadHeaders) {
  EXPECT_EQ(DatagramError("{\"format\":\"json\",\"version\":2}\n" + kBody),
            "datagram header: \"version\" must be 1");
  EXPECT_EQ(DatagramError("{\"format\":\"json\",\"version\":\"1\"}\n" + kBody),
            "datagram header: \"version\" must be 1");
  EXPECT_EQ(DatagramError("{\"format\":\"json\",\"version\":1.0}\n" + kBody),
            "datagram header: \"version\" must be 1");
  EXPECT_EQ(DatagramError("{\"format\":\"json\"}\n" + kBody),
            "datagram header: \"version\" must be 1");
  EXPECT_EQ(DatagramError("{\"format\":\"xml\",\"version\":1}\n" + kBody),
            "datagram header: \"format\" must be \"json\"");
  EXPECT_EQ(DatagramError("{\"version\":1}\n" + kBody),
            "datagram header: \"format\" must be \"json\"");
  EXPECT_EQ(DatagramError("[\"json\",1]\n" + kBody), "datagram header is not a JSON object");
  EXPECT_EQ(DatagramError("{\"format\":\"json\",\"version\":1\n" + kBody)
                .rfind("datagram header is not valid JSON: ", 0),
            0u);
  EXPECT_EQ(DatagramError("\n" + kBody).rfind("datagram header is not valid JSON: ", 0), 0u);
  // The document alone (no header line) and a header alone.
  EXPECT_EQ(DatagramError(kBody), "datagram has no header line (no \"\\n\")");
  EXPECT_EQ(DatagramError("{\"format\":\"json\",\"version\":1}"),
            "datagram has no header line (no \"\\n\")");
  EXPECT_EQ(DatagramError("{\"format\":\"json\",\"version\":1}\n"), "datagram has an empty body");
  EXPECT_EQ(DatagramError("{\"format\":\"json\",\"version\":1}\n \r\n"),
            "datagram has an empty body");
  // A bad document after a good header: the document's error.
  EXPECT_EQ(DatagramError("{\"format\":\"json\",\"version\":1}\n{\"name\":\"n\"}"), "id: required");
}

TEST(XRayDaemonDatagram, SizeLimit) {
  const std::string header = "{\"format\":\"json\",\"version\":1}\n";
  std::string datagram = header + kBody;
  datagram.append(kMaxDatagramSize - datagram.size(), ' ');  // trailing whitespace is valid JSON
  ASSERT_EQ(datagram.size(), 65536u);
  Segment s;
  std::string error;
  EXPECT_TRUE(ParseDaemonDatagram(datagram, s, error)) << error;
  datagram.push_back(' ');
  EXPECT_EQ(DatagramError(datagram), "datagram of 65537 bytes exceeds 65536");
}

}  // namespace
}  // namespace adot::aws::xray
