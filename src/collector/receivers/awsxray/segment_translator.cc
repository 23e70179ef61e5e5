// X-Ray segment document -> OTLP spans. The mapping follows the Go collector's awsxray receiver
// (receiver/awsxrayreceiver/internal/translator) so that users see the attributes they know, and so
// that the awsxray exporter, which reads the same attributes, rebuilds the document:
//
//   Resource (from the top-level document only)
//     name                                 service.name
//     aws block present / absent           cloud.provider "aws" / "unknown"
//     aws.account_id                       cloud.account.id
//     aws.cloudwatch_logs[].arn / log_group  aws.log.group.arns / aws.log.group.names (arrays)
//     aws.ec2.{availability_zone, instance_id, instance_size, ami_id}
//                                          cloud.availability_zone, host.id, host.type, host.image.id
//     aws.ecs.{container, availability_zone, container_id}
//                                          container.name, cloud.availability_zone, container.id
//     aws.ecs.{task_arn, task_family, cluster_arn, container_arn, launch_type}
//                                          aws.ecs.task.arn, aws.ecs.task.family, aws.ecs.cluster.arn,
//                                          aws.ecs.container.arn, aws.ecs.launchtype (*)
//     aws.elastic_beanstalk.{environment_name, deployment_id, version_label}
//                                          service.namespace, service.instance.id (decimal), service.version
//     aws.eks.{container_id, cluster_name, pod}  container.id, k8s.cluster.name, k8s.pod.name
//     aws.xray.{sdk_version, sdk}          telemetry.sdk.version, telemetry.sdk.name,
//                                          telemetry.sdk.language: "java" when the document's cause
//                                          has exceptions (their stack traces are written in Java's
//                                          format, which the exporter parses back for "java"), else
//                                          the text after "for " in sdk ("X-Ray for Go" -> "Go")
//     service.version                      service.version (wins over elastic_beanstalk's)
//     resource_arn                         aws.xray.resource_arn
//     origin                               cloud.platform (+ aws.ecs.launchtype for AWS::ECS::EC2 /
//                                          AWS::ECS::Fargate): the exporter's origin rule inverted (*)
//   Later values win where keys repeat (container.id: eks over ecs; zone: ecs over ec2).
//
//   Span (one per segment / subsegment)
//     trace_id "1-xxxxxxxx-yyyy…"          trace_id, the 32 hex digits as 16 bytes (an embedded
//                                          subsegment without one uses its document's)
//     id                                   span_id (8 bytes)
//     parent_id                            parent_span_id; an embedded subsegment's parent is the
//                                          (sub)segment that contains it
//     name                                 name
//     start_time / end_time (s)            start/end_time_unix_nano (the decimal digits exactly, see
//                                          ToUnixNano) (*); no end_time -> 0
//     kind                                 the top-level segment (not an independent subsegment):
//                                          SERVER; otherwise CLIENT with a namespace, else SERVER
//                                          with http.request.client_ip, else INTERNAL
//     namespace "aws"                      aws.service = name ("remote": nothing; others: rejected)
//     in_progress                          aws.xray.inprogress = true
//     user                                 enduser.id
//     http.request.{method, client_ip, user_agent, url, x_forwarded_for}
//                                          http.method, http.client_ip, http.user_agent, http.url,
//                                          aws.xray.x_forwarded_for
//     http.response.{status, content_length}  http.status_code, http.response_content_length (ints)
//     aws.{account_id, operation, region, request_id, queue_url, table_name, retries}
//                                          aws.account_id, aws.operation, aws.region, aws.request_id,
//                                          aws.queue_url, aws.table_name, aws.xray.retries
//     aws.table_names                      aws.dynamodb.table_names (array) (*)
//     sql.url "<conn>/<db>[?…]"            db.connection_string = <conn>, db.name = <db>
//     sql.{database_type, sanitized_query, user}  db.system, db.statement, db.user
//     traced                               aws.xray.traced
//     annotations {k: v}                   attribute k = v (string, bool, int for an integer
//                                          literal (*), else double), and aws.xray.annotations =
//                                          the list of annotation keys (the exporter indexes them)
//     metadata {ns: v}                     aws.xray.metadata.<ns> = v as JSON text
//     links[]                              links (trace id, span id, attributes) (*)
//     status                               ERROR when http.response.status is outside 100–399, when
//                                          there is a cause, or when fault is true (*); a cause that
//                                          is an exception id becomes the status message
//     cause.exceptions[]                   events "exception": aws.xray.exception.id, exception.message,
//                                          exception.type, aws.xray.exception.{remote, truncated,
//                                          skipped, cause}, exception.stacktrace ("<type>: <message>\n"
//                                          then "\tat <label>(<path>: <line>)\n" per frame, line
//                                          "<unknown>" when absent); time = the span's end time, or its
//                                          start time when it has none (*)
//   (*) beyond or unlike the Go receiver: the exporter's rules read backwards (reference xray.md §3),
//   or a more faithful value (it computes seconds * 1e9 in floating point, reads every annotation
//   number as a double and leaves event times at 0).
//
// Not mapped (no OTel counterpart the exporter reads back): error and throttle (client errors: the
// http status carries them, and the exporter would turn an ERROR status without one into a fault),
// origin values outside the exporter's table, service.compiler / compiler_version,
// http.request.traced, sql.{connection_string, preparation, database_version, driver_version},
// cause.{working_directory, paths}, aws.xray.auto_instrumentation, precursor_ids.
#include "collector/receivers/awsxray/segment_translator.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/json_writer.h"

namespace adot::collector::awsxray {
namespace {

namespace xray = aws::xray;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;
using KeyValues = google::protobuf::RepeatedPtrField<KeyValue>;

// ---- ids ---------------------------------------------------------------------------------------

// The value of each hex digit character, -1 for other characters.
constexpr std::array<int8_t, 256> kHexDigits = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<int8_t>(c);
  for (int c = 0; c < 6; ++c) t['a' + c] = t['A' + c] = static_cast<int8_t>(10 + c);
  return t;
}();

int HexDigit(char c) noexcept { return kHexDigits[static_cast<uint8_t>(c)]; }

// Decodes hex.size() / 2 bytes into out; false on a non-hex digit.
bool DecodeHex(std::string_view hex, char* out) noexcept {
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    int hi = HexDigit(hex[i]), lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

bool DecodeSpanId(std::string_view id, char (&out)[8]) noexcept {
  return id.size() == 16 && DecodeHex(id, out);
}

// "1-" + 8 hex digits (the epoch seconds) + "-" + 24 hex digits -> the 32 digits as 16 bytes.
bool DecodeTraceId(std::string_view id, char (&out)[16]) noexcept {
  return id.size() == 35 && id[0] == '1' && id[1] == '-' && id[10] == '-' &&
         DecodeHex(id.substr(2, 8), out) && DecodeHex(id.substr(11), out + 4);
}

// ---- time --------------------------------------------------------------------------------------

// Seconds since the epoch (a double, as the document has it) to nanoseconds. seconds * 1e9 would
// be off by up to ~128 ns (doubles near 1.6e18 are 256 apart); instead the shortest decimal that
// reads back as the same double (what the SDK wrote, e.g. 1596566305.5354965) is converted digit
// by digit, so the span has the document's time to the nanosecond. False when negative, not
// finite or past 2^64 ns.
bool ToUnixNano(double seconds, uint64_t& out) noexcept {
  if (!(seconds >= 0) || seconds >= 18446744073.709552) return false;
  if (seconds < 1) {  // exact enough as a product; avoids long fixed notation for tiny values
    out = static_cast<uint64_t>(std::llround(seconds * 1e9));
    return true;
  }
  // Most SDKs write at most microseconds. Below 2^33 s (year 2242) doubles are less than 1e-6
  // apart, so at most one decimal with 6 fractional digits reads back as `seconds`; when
  // micros / 1e6 (a correctly rounded division of exact values) does, it is the shortest decimal
  // and ns = micros * 1000, without to_chars.
  if (seconds < 8589934592.0) {
    const double micros = std::round(seconds * 1e6);
    if (micros / 1e6 == seconds) {
      out = static_cast<uint64_t>(micros) * 1000;
      return true;
    }
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, seconds, std::chars_format::fixed);
  if (ec != std::errc()) return false;
  const char* p = buf;
  uint64_t whole = 0;
  for (; p < end && *p != '.'; ++p) whole = whole * 10 + static_cast<uint64_t>(*p - '0');
  uint64_t frac = 0;
  int digits = 0;
  bool round_up = false;
  if (p < end) {  // '.'
    for (++p; p < end && digits < 9; ++p, ++digits) frac = frac * 10 + static_cast<uint64_t>(*p - '0');
    round_up = p < end && *p >= '5';
  }
  for (; digits < 9; ++digits) frac *= 10;
  uint64_t ns;
  if (__builtin_mul_overflow(whole, uint64_t{1000000000}, &ns) ||
      __builtin_add_overflow(ns, frac + (round_up ? 1 : 0), &ns)) {
    return false;
  }
  out = ns;
  return true;
}

// ---- attributes --------------------------------------------------------------------------------

AnyValue* Add(KeyValues& attrs, std::string_view key) {
  KeyValue* kv = attrs.Add();
  kv->set_key(key.data(), key.size());
  return kv->mutable_value();
}

// An existing key's value (cleared), or a new attribute: the "later wins" of the Go map.
AnyValue* Upsert(KeyValues& attrs, std::string_view key) {
  for (KeyValue& kv : attrs) {
    if (kv.key() == key) {
      kv.mutable_value()->Clear();
      return kv.mutable_value();
    }
  }
  return Add(attrs, key);
}

// Absent string fields are empty in the parsed document; they add nothing.
void AddString(KeyValues& attrs, std::string_view key, const std::string& value) {
  if (!value.empty()) Add(attrs, key)->set_string_value(value);
}
void UpsertString(KeyValues& attrs, std::string_view key, const std::string& value) {
  if (!value.empty()) Upsert(attrs, key)->set_string_value(value);
}
void AddInt(KeyValues& attrs, std::string_view key, const std::optional<int64_t>& value) {
  if (value) Add(attrs, key)->set_int_value(*value);
}
void AddBool(KeyValues& attrs, std::string_view key, const std::optional<bool>& value) {
  if (value) Add(attrs, key)->set_bool_value(*value);
}
// Appends value to the string array attribute key (created on first use).
void AppendToStringArray(KeyValues& attrs, std::string_view key, const std::string& value) {
  if (value.empty()) return;
  for (KeyValue& kv : attrs) {
    if (kv.key() == key) {
      kv.mutable_value()->mutable_array_value()->add_values()->set_string_value(value);
      return;
    }
  }
  Add(attrs, key)->mutable_array_value()->add_values()->set_string_value(value);
}

// A JSON number as an int attribute when written as an integer that fits, else as a double.
void SetNumber(const common::JsonValue& number, AnyValue& out) {
  const std::string& text = number.text();
  int64_t i;
  if (text.find_first_of(".eE") == std::string::npos && number.GetInt64(i)) {
    out.set_int_value(i);
    return;
  }
  double d = 0;
  number.GetDouble(d);
  out.set_double_value(d);
}

// Any JSON value as an attribute value: objects become kvlists, arrays arrays, null an empty value.
void SetAnyValue(const common::JsonValue& v, AnyValue& out) {
  switch (v.type()) {
    case common::JsonValue::Type::kNull:
      break;
    case common::JsonValue::Type::kBool:
      out.set_bool_value(v.bool_value());
      break;
    case common::JsonValue::Type::kNumber:
      SetNumber(v, out);
      break;
    case common::JsonValue::Type::kString:
      out.set_string_value(v.text());
      break;
    case common::JsonValue::Type::kArray: {
      auto* values = out.mutable_array_value()->mutable_values();
      values->Reserve(static_cast<int>(v.array().size()));
      for (const common::JsonValue& e : v.array()) SetAnyValue(e, *values->Add());
      break;
    }
    case common::JsonValue::Type::kObject: {
      auto* values = out.mutable_kvlist_value()->mutable_values();
      values->Reserve(static_cast<int>(v.members().size()));
      for (const common::JsonMember& m : v.members()) SetAnyValue(m.value, *Add(*values, m.key));
      break;
    }
  }
}

// Writes v back as JSON text (numbers keep their literal text, members their order).
void WriteJson(const common::JsonValue& v, common::JsonWriter& w) {
  switch (v.type()) {
    case common::JsonValue::Type::kNull:
      w.Null();
      break;
    case common::JsonValue::Type::kBool:
      w.Bool(v.bool_value());
      break;
    case common::JsonValue::Type::kNumber:
      w.Raw(v.text());
      break;
    case common::JsonValue::Type::kString:
      w.String(v.text());
      break;
    case common::JsonValue::Type::kArray:
      w.BeginArray();
      for (const common::JsonValue& e : v.array()) WriteJson(e, w);
      w.EndArray();
      break;
    case common::JsonValue::Type::kObject:
      w.BeginObject();
      for (const common::JsonMember& m : v.members()) {
        w.Key(m.key);
        WriteJson(m.value, w);
      }
      w.EndObject();
      break;
  }
}

// ---- resource ----------------------------------------------------------------------------------

// The exporter's origin rule (origin from cloud.platform, for ECS also aws.ecs.launchtype) read
// backwards.
struct OriginPlatform {
  std::string_view origin, platform, launch_type;
};
constexpr OriginPlatform kOrigins[] = {
    {"AWS::EC2::Instance", "aws_ec2", ""},
    {"AWS::ECS::Container", "aws_ecs", ""},
    {"AWS::ECS::EC2", "aws_ecs", "ec2"},
    {"AWS::ECS::Fargate", "aws_ecs", "fargate"},
    {"AWS::EKS::Container", "aws_eks", ""},
    {"AWS::ElasticBeanstalk::Environment", "aws_elastic_beanstalk", ""},
    {"AWS::AppRunner::Service", "aws_app_runner", ""},
};

// attrs starts empty, so a key is added directly unless an earlier line may have set it (the
// Upsert ones: availability zone, container id, service version, launch type).
void FillResource(const xray::Segment& seg, KeyValues& attrs) {
  attrs.Reserve(16);
  AddString(attrs, "service.name", seg.name);
  if (!seg.aws) {
    // As the Go receiver: the document does not say it comes from an AWS environment, and the
    // exporter then writes no aws block back.
    Add(attrs, "cloud.provider")->set_string_value("unknown");
  } else {
    const xray::Aws& aws = *seg.aws;
    Add(attrs, "cloud.provider")->set_string_value("aws");
    AddString(attrs, "cloud.account.id", aws.account_id);
    for (const xray::AwsLogGroup& group : aws.cloudwatch_logs) {
      AppendToStringArray(attrs, "aws.log.group.arns", group.arn);
      AppendToStringArray(attrs, "aws.log.group.names", group.log_group);
    }
    if (const auto& ec2 = aws.ec2) {
      AddString(attrs, "cloud.availability_zone", ec2->availability_zone);
      AddString(attrs, "host.id", ec2->instance_id);
      AddString(attrs, "host.type", ec2->instance_size);
      AddString(attrs, "host.image.id", ec2->ami_id);
    }
    if (const auto& ecs = aws.ecs) {
      AddString(attrs, "container.name", ecs->container);
      UpsertString(attrs, "cloud.availability_zone", ecs->availability_zone);
      AddString(attrs, "container.id", ecs->container_id);
      AddString(attrs, "aws.ecs.task.arn", ecs->task_arn);
      AddString(attrs, "aws.ecs.task.family", ecs->task_family);
      AddString(attrs, "aws.ecs.cluster.arn", ecs->cluster_arn);
      AddString(attrs, "aws.ecs.container.arn", ecs->container_arn);
      AddString(attrs, "aws.ecs.launchtype", ecs->launch_type);
    }
    if (const auto& eb = aws.elastic_beanstalk) {
      AddString(attrs, "service.namespace", eb->environment_name);
      if (eb->deployment_id) {
        char digits[24];
        char* end = std::to_chars(digits, digits + sizeof digits, *eb->deployment_id).ptr;
        Add(attrs, "service.instance.id")->set_string_value(digits, static_cast<size_t>(end - digits));
      }
      AddString(attrs, "service.version", eb->version_label);
    }
    if (const auto& eks = aws.eks) {
      UpsertString(attrs, "container.id", eks->container_id);
      AddString(attrs, "k8s.cluster.name", eks->cluster_name);
      AddString(attrs, "k8s.pod.name", eks->pod);
    }
    if (const auto& sdk = aws.xray) {
      AddString(attrs, "telemetry.sdk.version", sdk->sdk_version);
      if (!sdk->sdk.empty()) {
        AddString(attrs, "telemetry.sdk.name", sdk->sdk);
        if (seg.cause.kind == xray::Cause::Kind::kObject && !seg.cause.exceptions.empty()) {
          Add(attrs, "telemetry.sdk.language")->set_string_value("java");
        } else if (size_t at = sdk->sdk.find("for "); at != std::string::npos) {
          std::string_view language = std::string_view(sdk->sdk).substr(at + 4);
          Add(attrs, "telemetry.sdk.language")->set_string_value(language.data(), language.size());
        }
      }
    }
  }
  if (seg.service) UpsertString(attrs, "service.version", seg.service->version);
  AddString(attrs, "aws.xray.resource_arn", seg.resource_arn);
  for (const OriginPlatform& o : kOrigins) {
    if (seg.origin == o.origin) {
      Add(attrs, "cloud.platform")->set_string_value(o.platform.data(), o.platform.size());
      if (!o.launch_type.empty()) {
        Upsert(attrs, "aws.ecs.launchtype")->set_string_value(o.launch_type.data(), o.launch_type.size());
      }
      break;
    }
  }
}

// ---- span --------------------------------------------------------------------------------------

// sql.url is "<connection>/<database>[?<options>]", e.g.
// "jdbc:postgresql://host:5432/ebdb?x=y" -> "jdbc:postgresql://host:5432", "ebdb". As the Go
// receiver's pattern ^(.+//.+)/([^?]+)\??.*$: the connection part holds "//" with something before
// and after it, and runs to the last '/' that is followed by a database name (a character other
// than '?'); the name ends at the first '?'. No such split (or a newline, which the pattern's '.'
// does not match) fails.
bool SplitSqlUrl(std::string_view url, std::string_view& connection, std::string_view& database) {
  if (url.find('\n') != std::string_view::npos) return false;
  size_t slashes = url.find("//", 1);
  if (slashes == std::string_view::npos) return false;
  for (size_t p = url.size(); p-- > slashes + 3;) {
    if (url[p] != '/' || p + 1 >= url.size() || url[p + 1] == '?') continue;
    connection = url.substr(0, p);
    size_t end = url.find('?', p + 1);
    database = url.substr(p + 1, end == std::string_view::npos ? std::string_view::npos : end - p - 1);
    return true;
  }
  return false;
}

// "<type>: <message>\n" then "\tat <label>(<path>: <line>)\n" per frame: the Java form, which
// the awsxray exporter parses back into frames (see telemetry.sdk.language above).
void WriteStackTrace(const xray::Exception& e, std::string& out) {
  size_t size = e.type.size() + e.message.size() + 3;
  for (const xray::StackFrame& f : e.stack) size += f.label.size() + f.path.size() + 30;
  out.reserve(size);
  out.append(e.type).append(": ").append(e.message).push_back('\n');
  char line[24];
  for (const xray::StackFrame& f : e.stack) {
    out.append("\tat ").append(f.label).push_back('(');
    out.append(f.path).append(": ");
    if (f.line) {
      auto [end, ec] = std::to_chars(line, line + sizeof line, *f.line);
      out.append(line, end);
    } else {
      out.append("<unknown>");
    }
    out.append(")\n");
  }
}

void AddExceptionEvents(const xray::Cause& cause, uint64_t time, Span& span) {
  auto* events = span.mutable_events();
  events->Reserve(events->size() + static_cast<int>(cause.exceptions.size()));
  for (const xray::Exception& e : cause.exceptions) {
    auto* event = events->Add();
    event->set_name("exception");
    event->set_time_unix_nano(time);
    KeyValues& attrs = *event->mutable_attributes();
    attrs.Reserve(8);
    AddString(attrs, "aws.xray.exception.id", e.id);
    AddString(attrs, "exception.message", e.message);
    AddString(attrs, "exception.type", e.type);
    AddBool(attrs, "aws.xray.exception.remote", e.remote);
    AddInt(attrs, "aws.xray.exception.truncated", e.truncated);
    AddInt(attrs, "aws.xray.exception.skipped", e.skipped);
    AddString(attrs, "aws.xray.exception.cause", e.cause);
    if (!e.stack.empty()) WriteStackTrace(e, *Add(attrs, "exception.stacktrace")->mutable_string_value());
  }
}

void AddHttp(const xray::Http& http, KeyValues& attrs) {
  if (const auto& req = http.request) {
    AddString(attrs, "http.method", req->method);
    AddString(attrs, "http.client_ip", req->client_ip);
    AddString(attrs, "http.user_agent", req->user_agent);
    AddString(attrs, "http.url", req->url);
    AddBool(attrs, "aws.xray.x_forwarded_for", req->x_forwarded_for);
  }
  if (const auto& resp = http.response) {
    AddInt(attrs, "http.status_code", resp->status);
    AddInt(attrs, "http.response_content_length", resp->content_length);
  }
}

void AddAwsToSpan(const xray::Aws& aws, KeyValues& attrs) {
  AddString(attrs, "aws.account_id", aws.account_id);
  AddString(attrs, "aws.operation", aws.operation);
  AddString(attrs, "aws.region", aws.region);
  AddString(attrs, "aws.request_id", aws.request_id);
  AddString(attrs, "aws.queue_url", aws.queue_url);
  AddString(attrs, "aws.table_name", aws.table_name);
  if (!aws.table_names.empty()) {
    auto* values = Add(attrs, "aws.dynamodb.table_names")->mutable_array_value()->mutable_values();
    for (const std::string& name : aws.table_names) values->Add()->set_string_value(name);
  }
  AddInt(attrs, "aws.xray.retries", aws.retries);
}

bool AddSql(const xray::Sql& sql, KeyValues& attrs, std::string& error) {
  if (!sql.url.empty()) {
    std::string_view connection, database;
    if (!SplitSqlUrl(sql.url, connection, database)) {
      error = "sql.url: no database name in \"" + sql.url + "\"";
      return false;
    }
    Add(attrs, "db.connection_string")->set_string_value(connection.data(), connection.size());
    Add(attrs, "db.name")->set_string_value(database.data(), database.size());
  }
  AddString(attrs, "db.system", sql.database_type);
  AddString(attrs, "db.statement", sql.sanitized_query);
  AddString(attrs, "db.user", sql.user);
  return true;
}

void AddAnnotations(const std::vector<common::JsonMember>& annotations, KeyValues& attrs) {
  if (annotations.empty()) return;
  for (const common::JsonMember& a : annotations) SetAnyValue(a.value, *Upsert(attrs, a.key));
  // Written after the values, so that an annotation of that name cannot replace the list.
  auto* keys = Upsert(attrs, "aws.xray.annotations")->mutable_array_value()->mutable_values();
  keys->Reserve(static_cast<int>(annotations.size()));
  for (size_t i = 0; i < annotations.size(); ++i) {
    const std::string& key = annotations[i].key;
    // A key repeated in the document (the last value won) is listed once.
    bool listed = false;
    for (size_t j = 0; j < i && !listed; ++j) listed = annotations[j].key == key;
    if (!listed) keys->Add()->set_string_value(key);
  }
}

void AddMetadata(const common::JsonValue& metadata, KeyValues& attrs) {
  constexpr std::string_view kPrefix = "aws.xray.metadata.";
  for (const common::JsonMember& ns : metadata.members()) {
    // Upsert of kPrefix + ns.key, the key written straight into the attribute.
    AnyValue* value = nullptr;
    for (KeyValue& kv : attrs) {
      std::string_view key = kv.key();
      if (key.size() == kPrefix.size() + ns.key.size() && key.starts_with(kPrefix) && key.ends_with(ns.key)) {
        value = kv.mutable_value();
        value->Clear();
        break;
      }
    }
    if (value == nullptr) {
      KeyValue* kv = attrs.Add();
      std::string& key = *kv->mutable_key();
      key.reserve(kPrefix.size() + ns.key.size());
      key.append(kPrefix).append(ns.key);
      value = kv->mutable_value();
    }
    common::JsonWriter writer(*value->mutable_string_value());
    WriteJson(ns.value, writer);
  }
}

bool AddLinks(const std::vector<xray::Link>& links, Span& span, std::string& error) {
  for (size_t i = 0; i < links.size(); ++i) {
    const xray::Link& link = links[i];
    char trace_id[16], span_id[8];
    if (!DecodeTraceId(link.trace_id, trace_id)) {
      error = "links[" + std::to_string(i) + "].trace_id: not an X-Ray trace id: \"" + link.trace_id + "\"";
      return false;
    }
    if (!DecodeSpanId(link.id, span_id)) {
      error = "links[" + std::to_string(i) + "].id: not 16 hexadecimal digits: \"" + link.id + "\"";
      return false;
    }
    auto* out = span.add_links();
    out->set_trace_id(trace_id, sizeof trace_id);
    out->set_span_id(span_id, sizeof span_id);
    if (link.attributes.is_object()) {
      auto& attrs = *out->mutable_attributes();
      for (const common::JsonMember& m : link.attributes.members()) SetAnyValue(m.value, *Add(attrs, m.key));
    }
  }
  return true;
}

// Where a (sub)segment sits in its document.
struct Position {
  const char* trace_id;   // the document's trace id (16 bytes), null for the top level
  const char* parent_id;  // the enclosing (sub)segment's id (8 bytes), null for the top level
  bool top_level_segment; // the document's segment itself (not an independent subsegment)
};

size_t CountSpans(const xray::Segment& seg) {
  size_t n = 1;
  for (const xray::Segment& sub : seg.subsegments) n += CountSpans(sub);
  return n;
}

// Appends the span of seg, then those of its subsegments. On failure sets error to a message
// whose field path is relative to seg.
bool AppendSpans(const xray::Segment& seg, const Position& pos,
                 google::protobuf::RepeatedPtrField<Span>& spans, std::string& error) {
  if (seg.name.empty()) {
    error = "name: required";
    return false;
  }
  char span_id[8];
  if (!DecodeSpanId(seg.id, span_id)) {
    error = "id: not 16 hexadecimal digits: \"" + seg.id + "\"";
    return false;
  }
  char own_trace_id[16];
  const char* trace_id = pos.trace_id;
  if (!seg.trace_id.empty()) {
    if (!DecodeTraceId(seg.trace_id, own_trace_id)) {
      error = "trace_id: not an X-Ray trace id: \"" + seg.trace_id + "\"";
      return false;
    }
    trace_id = own_trace_id;
  } else if (!trace_id) {
    error = "trace_id: required";
    return false;
  }
  char parent_id[8];
  const char* parent = pos.parent_id;
  if (!parent && !seg.parent_id.empty()) {
    if (!DecodeSpanId(seg.parent_id, parent_id)) {
      error = "parent_id: not 16 hexadecimal digits: \"" + seg.parent_id + "\"";
      return false;
    }
    parent = parent_id;
  }
  uint64_t start = 0, end = 0;
  if (!ToUnixNano(seg.start_time, start)) {
    error = "start_time: out of range";
    return false;
  }
  if (seg.end_time && !ToUnixNano(*seg.end_time, end)) {
    error = "end_time: out of range";
    return false;
  }

  Span& span = *spans.Add();
  span.set_trace_id(trace_id, 16);
  span.set_span_id(span_id, sizeof span_id);
  if (parent) span.set_parent_span_id(parent, 8);
  span.set_name(seg.name);
  span.set_start_time_unix_nano(start);
  span.set_end_time_unix_nano(end);

  KeyValues& attrs = *span.mutable_attributes();
  attrs.Reserve(12);
  const bool has_client_ip = seg.http && seg.http->request && !seg.http->request->client_ip.empty();
  Span::SpanKind kind = has_client_ip ? Span::SPAN_KIND_SERVER : Span::SPAN_KIND_INTERNAL;
  if (!seg.namespace_name.empty()) {
    if (seg.namespace_name == "aws") {
      AddString(attrs, "aws.service", seg.name);
    } else if (seg.namespace_name != "remote") {
      error = "namespace: expected \"aws\" or \"remote\", got \"" + seg.namespace_name + "\"";
      return false;
    }
    kind = Span::SPAN_KIND_CLIENT;
  }
  span.set_kind(pos.top_level_segment ? Span::SPAN_KIND_SERVER : kind);

  if (seg.in_progress) Add(attrs, "aws.xray.inprogress")->set_bool_value(true);
  AddString(attrs, "enduser.id", seg.user);
  bool failed = seg.fault;
  if (seg.http) {
    AddHttp(*seg.http, attrs);
    if (seg.http->response && seg.http->response->status) {
      int64_t status = *seg.http->response->status;
      failed = failed || status < 100 || status >= 400;
    }
  }
  if (seg.aws) AddAwsToSpan(*seg.aws, attrs);
  if (seg.sql && !AddSql(*seg.sql, attrs, error)) return false;
  AddBool(attrs, "aws.xray.traced", seg.traced);
  AddAnnotations(seg.annotations, attrs);
  if (seg.metadata.is_object()) AddMetadata(seg.metadata, attrs);
  if (!AddLinks(seg.links, span, error)) return false;

  if (seg.cause.kind != xray::Cause::Kind::kNone) failed = true;
  if (failed) span.mutable_status()->set_code(Status::STATUS_CODE_ERROR);
  if (seg.cause.kind == xray::Cause::Kind::kExceptionId) {
    span.mutable_status()->set_message(seg.cause.exception_id);
  } else if (seg.cause.kind == xray::Cause::Kind::kObject) {
    AddExceptionEvents(seg.cause, seg.end_time ? end : start, span);
  }

  const Position child{trace_id, span_id, false};
  for (size_t i = 0; i < seg.subsegments.size(); ++i) {
    if (!AppendSpans(seg.subsegments[i], child, spans, error)) {
      error.insert(0, "subsegments[" + std::to_string(i) + "].");
      return false;
    }
  }
  return true;
}

}  // namespace

size_t AppendSegment(const aws::xray::Segment& segment, TracesRequest& request, std::string& error) {
  // An independent subsegment (sent on its own, naming its parent) is not the service's segment,
  // so it keeps its own kind. The type is compared ignoring case, as the Go receiver does.
  constexpr std::string_view kSubsegment = "subsegment";
  bool independent_subsegment = segment.type.size() == kSubsegment.size() && !segment.parent_id.empty();
  for (size_t i = 0; independent_subsegment && i < kSubsegment.size(); ++i) {
    independent_subsegment = (segment.type[i] | 0x20) == kSubsegment[i];
  }

  auto& resource_spans = *request.mutable_resource_spans();
  auto* rs = resource_spans.Add();
  FillResource(segment, *rs->mutable_resource()->mutable_attributes());
  auto& spans = *rs->add_scope_spans()->mutable_spans();
  spans.Reserve(static_cast<int>(CountSpans(segment)));
  if (!AppendSpans(segment, Position{nullptr, nullptr, !independent_subsegment}, spans, error)) {
    resource_spans.RemoveLast();
    return 0;
  }
  return static_cast<size_t>(spans.size());
}

}  // namespace adot::collector::awsxray
