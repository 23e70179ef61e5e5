// The X-Ray segment document (docs.aws.amazon.com xray-api-segmentdocuments; the model of the
// collector's internal/aws/xray/tracesegment.go) and the X-Ray daemon's UDP protocol: a datagram is
// the header line {"format":"json","version":1}, "\n", then one document (a segment with embedded
// subsegments, or an independent subsegment).
//
//   adot::aws::xray::Segment segment;
//   std::string error;
//   if (!adot::aws::xray::ParseDaemonDatagram(datagram, segment, error)) { /* count, drop */ }
//
// Internal to adot_aws and its users inside the project (annotations and metadata are kept as
// adot::common::JsonValue).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_reader.h"

namespace adot::aws::xray {

// A datagram larger than this is refused (the daemon's and the receiver's read buffer).
inline constexpr size_t kMaxDatagramSize = 64 * 1024;

struct StackFrame {
  std::string path;
  std::optional<int64_t> line;
  std::string label;
};

struct Exception {
  std::string id;
  std::string message;
  std::string type;
  std::optional<bool> remote;
  std::optional<int64_t> truncated;
  std::optional<int64_t> skipped;
  std::string cause;  // id of the exception that caused this one
  std::vector<StackFrame> stack;
};

struct Cause {
  enum class Kind : uint8_t { kNone, kExceptionId, kObject };
  Kind kind = Kind::kNone;
  std::string exception_id;  // kExceptionId: "cause" was a string naming an exception
  // kObject:
  std::string working_directory;
  std::vector<std::string> paths;
  std::vector<Exception> exceptions;
};

struct HttpRequest {
  std::string method;
  std::string url;
  std::string user_agent;
  std::string client_ip;
  std::optional<bool> x_forwarded_for;
  std::optional<bool> traced;
};

struct HttpResponse {
  std::optional<int64_t> status;
  // A number, or a string holding one (some SDKs send "861").
  std::optional<int64_t> content_length;
};

struct Http {
  std::optional<HttpRequest> request;
  std::optional<HttpResponse> response;
};

struct AwsEc2 {
  std::string instance_id;
  std::string availability_zone;
  std::string instance_size;
  std::string ami_id;
};

struct AwsEcs {
  std::string container;
  std::string container_id;
  std::string task_arn;
  std::string task_family;
  std::string cluster_arn;
  std::string container_arn;
  std::string availability_zone;
  std::string launch_type;
};

struct AwsElasticBeanstalk {
  std::string environment_name;
  std::string version_label;
  std::optional<int64_t> deployment_id;
};

struct AwsEks {
  std::string cluster_name;
  std::string pod;
  std::string container_id;
};

struct AwsLogGroup {
  std::string log_group;
  std::string arn;
};

struct AwsXRay {
  std::string sdk;
  std::string sdk_version;
  std::optional<bool> auto_instrumentation;
};

struct Aws {
  std::string account_id;
  std::string operation;
  std::string region;
  std::string request_id;
  std::string queue_url;
  std::string table_name;
  std::vector<std::string> table_names;
  std::optional<int64_t> retries;
  std::optional<AwsEc2> ec2;
  std::optional<AwsEcs> ecs;
  std::optional<AwsElasticBeanstalk> elastic_beanstalk;
  std::optional<AwsEks> eks;
  std::vector<AwsLogGroup> cloudwatch_logs;
  std::optional<AwsXRay> xray;
};

struct Service {
  std::string version;
  std::string compiler_version;
  std::string compiler;
};

struct Sql {
  std::string url;
  std::string connection_string;
  std::string preparation;
  std::string database_type;
  std::string database_version;
  std::string driver_version;
  std::string user;
  std::string sanitized_query;
};

struct Link {
  std::string trace_id;
  std::string id;
  common::JsonValue attributes;  // null when absent, else an object
};

// A segment, an independent subsegment (type "subsegment"), or an embedded subsegment. String
// fields are empty when absent (or null).
struct Segment {
  std::string name;
  std::string id;
  std::string trace_id;  // required at the top level; optional in embedded subsegments
  std::string parent_id;
  double start_time = 0;  // seconds since the epoch
  std::optional<double> end_time;
  bool in_progress = false;
  std::string type;            // "subsegment" or empty
  std::string namespace_name;  // "namespace": "aws", "remote", ...
  std::string origin;
  std::string user;
  std::string resource_arn;
  std::optional<bool> traced;
  std::optional<Service> service;
  std::optional<Http> http;
  std::optional<Aws> aws;
  std::optional<Sql> sql;
  Cause cause;
  bool fault = false;
  bool error = false;
  bool throttle = false;
  // Indexed key/value pairs; values are strings, numbers or booleans.
  std::vector<common::JsonMember> annotations;
  // Null when absent, else an object: namespace -> any JSON value.
  common::JsonValue metadata;
  std::vector<Segment> subsegments;
  std::vector<std::string> precursor_ids;
  std::vector<Link> links;

  bool IsSubsegment() const noexcept { return type == "subsegment"; }
};

// Parses and validates one document into out, replacing its content but reusing its storage
// (strings, vectors, nested objects): parse each document into the same Segment. Required: name
// (non-empty), id (16 hex digits), start_time (a number); at the top level trace_id ("1-" 8 hex "-"
// 24 hex) and, for an independent subsegment, parent_id. Present fields must have their type;
// unknown fields are ignored. end_time / in_progress are not required (the collector does not check
// them; its test data has a segment with neither). On failure returns false and sets error to a
// message naming the field (e.g. `subsegments[0].http.response.status: expected an integer`).
bool ParseSegment(std::string_view json, Segment& out, std::string& error);

// Splits a daemon datagram into its header line and body and checks the header: JSON, an object
// with "format" equal (ignoring case) to "json" and "version" the number 1, in any spacing. body
// points into datagram. Fails for a datagram over kMaxDatagramSize, without "\n", with a bad
// header, or with an empty (all-whitespace) body.
bool SplitDaemonDatagram(std::string_view datagram, std::string_view& body, std::string& error);

// SplitDaemonDatagram, then ParseSegment of the body.
bool ParseDaemonDatagram(std::string_view datagram, Segment& out, std::string& error);

}  // namespace adot::aws::xray
