#include "aws/xray_segment.h"

#include <cmath>
#include <utility>

#include "adot/api/propagation/text_map.h"

namespace adot::aws::xray {
namespace {

using common::JsonValue;

bool IsHex(std::string_view s) {
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

bool IsSegmentId(std::string_view s) { return s.size() == 16 && IsHex(s); }

// "1-" + 8 hex digits (epoch seconds) + "-" + 24 hex digits.
bool IsTraceId(std::string_view s) {
  return s.size() == 35 && s.substr(0, 2) == "1-" && s[10] == '-' && IsHex(s.substr(2, 8)) &&
         IsHex(s.substr(11));
}

using api::propagation::internal::EqualsIgnoreCase;

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// Reads the members of one JSON object, recording the first error with the field's path.
// Absent and null members leave the output untouched.
class Fields {
 public:
  Fields(const JsonValue& object, std::string path, std::string& error)
      : object_(object), path_(std::move(path)), error_(error) {}

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  const JsonValue* Get(std::string_view key) const {
    const JsonValue* v = object_.Find(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  bool Fail(std::string_view key, std::string_view what) {
    error_ = Path(key) + ": " + std::string(what);
    return false;
  }

  bool String(std::string_view key, std::string& out) {
    const JsonValue* v = Get(key);
    if (v == nullptr) return true;
    if (!v->is_string()) return Fail(key, "expected a string");
    out = v->text();
    return true;
  }

  bool Bool(std::string_view key, bool& out) {
    const JsonValue* v = Get(key);
    if (v == nullptr) return true;
    if (!v->is_bool()) return Fail(key, "expected a boolean");
    out = v->bool_value();
    return true;
  }

  bool Bool(std::string_view key, std::optional<bool>& out) {
    bool b = false;
    if (Get(key) == nullptr) return true;
    if (!Bool(key, b)) return false;
    out = b;
    return true;
  }

  // An integer number; with allow_string also a string holding one.
  bool Int(std::string_view key, std::optional<int64_t>& out, bool allow_string = false) {
    const JsonValue* v = Get(key);
    if (v == nullptr) return true;
    int64_t n = 0;
    if (!(v->is_number() || (allow_string && v->is_string())) || !v->GetInt64(n)) {
      return Fail(key, allow_string ? "expected an integer or a string holding one"
                                    : "expected an integer");
    }
    out = n;
    return true;
  }

  bool Double(std::string_view key, std::optional<double>& out) {
    const JsonValue* v = Get(key);
    if (v == nullptr) return true;
    double d = 0;
    if (!v->is_number() || !v->GetDouble(d) || !std::isfinite(d)) {
      return Fail(key, "expected a number");
    }
    out = d;
    return true;
  }

  bool StringArray(std::string_view key, std::vector<std::string>& out) {
    const JsonValue* v = Get(key);
    if (v == nullptr) return true;
    if (!v->is_array()) return Fail(key, "expected an array of strings");
    for (const JsonValue& item : v->array()) {
      if (!item.is_string()) return Fail(key, "expected an array of strings");
      out.push_back(item.text());
    }
    return true;
  }

  // Calls read(Fields&) on the member object when present.
  template <typename F>
  bool Object(std::string_view key, F&& read) {
    const JsonValue* v = Get(key);
    if (v == nullptr) return true;
    if (!v->is_object()) return Fail(key, "expected an object");
    Fields sub(*v, Path(key), error_);
    return read(sub);
  }

  template <typename T, typename F>
  bool OptionalObject(std::string_view key, std::optional<T>& out, F&& read) {
    if (Get(key) == nullptr) return true;
    T value{};
    if (!Object(key, [&](Fields& f) { return read(f, value); })) return false;
    out = std::move(value);
    return true;
  }

  // Calls read(Fields&, T&) on each element (an object) of the member array.
  template <typename T, typename F>
  bool ObjectArray(std::string_view key, std::vector<T>& out, F&& read) {
    const JsonValue* v = Get(key);
    if (v == nullptr) return true;
    if (!v->is_array()) return Fail(key, "expected an array");
    for (size_t i = 0; i < v->array().size(); ++i) {
      const JsonValue& item = v->array()[i];
      std::string item_path = Path(key) + "[" + std::to_string(i) + "]";
      if (!item.is_object()) {
        error_ = item_path + ": expected an object";
        return false;
      }
      Fields sub(item, std::move(item_path), error_);
      T value{};
      if (!read(sub, value)) return false;
      out.push_back(std::move(value));
    }
    return true;
  }

  const JsonValue& object() const { return object_; }
  std::string& error() { return error_; }

 private:
  const JsonValue& object_;
  std::string path_;
  std::string& error_;
};

bool ReadStackFrame(Fields& f, StackFrame& out) {
  return f.String("path", out.path) && f.Int("line", out.line) && f.String("label", out.label);
}

bool ReadException(Fields& f, Exception& out) {
  return f.String("id", out.id) && f.String("message", out.message) && f.String("type", out.type) &&
         f.Bool("remote", out.remote) && f.Int("truncated", out.truncated) &&
         f.Int("skipped", out.skipped) && f.String("cause", out.cause) &&
         f.ObjectArray("stack", out.stack, ReadStackFrame);
}

// "cause": an object, or a string holding the id of an exception recorded elsewhere.
bool ReadCause(Fields& f, Cause& out) {
  const JsonValue* v = f.Get("cause");
  if (v == nullptr) return true;
  if (v->is_string()) {
    out.kind = Cause::Kind::kExceptionId;
    out.exception_id = v->text();
    return true;
  }
  if (!v->is_object()) return f.Fail("cause", "expected an object or a string (an exception id)");
  out.kind = Cause::Kind::kObject;
  return f.Object("cause", [&](Fields& c) {
    return c.String("working_directory", out.working_directory) &&
           c.StringArray("paths", out.paths) &&
           c.ObjectArray("exceptions", out.exceptions, ReadException);
  });
}

bool ReadHttp(Fields& f, Http& out) {
  return f.OptionalObject("request", out.request, [](Fields& r, HttpRequest& req) {
    return r.String("method", req.method) && r.String("url", req.url) &&
           r.String("user_agent", req.user_agent) && r.String("client_ip", req.client_ip) &&
           r.Bool("x_forwarded_for", req.x_forwarded_for) && r.Bool("traced", req.traced);
  }) && f.OptionalObject("response", out.response, [](Fields& r, HttpResponse& resp) {
    return r.Int("status", resp.status) &&
           r.Int("content_length", resp.content_length, /*allow_string=*/true);
  });
}

bool ReadAws(Fields& f, Aws& out) {
  return f.String("account_id", out.account_id) && f.String("operation", out.operation) &&
         f.String("region", out.region) && f.String("request_id", out.request_id) &&
         f.String("queue_url", out.queue_url) && f.String("table_name", out.table_name) &&
         f.StringArray("table_names", out.table_names) && f.Int("retries", out.retries) &&
         f.OptionalObject("ec2", out.ec2,
                          [](Fields& e, AwsEc2& ec2) {
                            return e.String("instance_id", ec2.instance_id) &&
                                   e.String("availability_zone", ec2.availability_zone) &&
                                   e.String("instance_size", ec2.instance_size) &&
                                   e.String("ami_id", ec2.ami_id);
                          }) &&
         f.OptionalObject("ecs", out.ecs,
                          [](Fields& e, AwsEcs& ecs) {
                            return e.String("container", ecs.container) &&
                                   e.String("container_id", ecs.container_id) &&
                                   e.String("task_arn", ecs.task_arn) &&
                                   e.String("task_family", ecs.task_family) &&
                                   e.String("cluster_arn", ecs.cluster_arn) &&
                                   e.String("container_arn", ecs.container_arn) &&
                                   e.String("availability_zone", ecs.availability_zone) &&
                                   e.String("launch_type", ecs.launch_type);
                          }) &&
         f.OptionalObject("elastic_beanstalk", out.elastic_beanstalk,
                          [](Fields& e, AwsElasticBeanstalk& eb) {
                            return e.String("environment_name", eb.environment_name) &&
                                   e.String("version_label", eb.version_label) &&
                                   e.Int("deployment_id", eb.deployment_id);
                          }) &&
         f.OptionalObject("eks", out.eks,
                          [](Fields& e, AwsEks& eks) {
                            return e.String("cluster_name", eks.cluster_name) &&
                                   e.String("pod", eks.pod) &&
                                   e.String("container_id", eks.container_id);
                          }) &&
         f.ObjectArray("cloudwatch_logs", out.cloudwatch_logs,
                       [](Fields& e, AwsLogGroup& group) {
                         return e.String("log_group", group.log_group) &&
                                e.String("arn", group.arn);
                       }) &&
         f.OptionalObject("xray", out.xray, [](Fields& e, AwsXRay& xray) {
           return e.String("sdk", xray.sdk) && e.String("sdk_version", xray.sdk_version) &&
                  e.Bool("auto_instrumentation", xray.auto_instrumentation);
         });
}

bool ReadSql(Fields& f, Sql& out) {
  return f.String("url", out.url) && f.String("connection_string", out.connection_string) &&
         f.String("preparation", out.preparation) && f.String("database_type", out.database_type) &&
         f.String("database_version", out.database_version) &&
         f.String("driver_version", out.driver_version) && f.String("user", out.user) &&
         f.String("sanitized_query", out.sanitized_query);
}

bool ReadService(Fields& f, Service& out) {
  return f.String("version", out.version) && f.String("compiler_version", out.compiler_version) &&
         f.String("compiler", out.compiler);
}

bool ReadAnnotations(Fields& f, std::vector<common::JsonMember>& out) {
  const JsonValue* v = f.Get("annotations");
  if (v == nullptr) return true;
  if (!v->is_object()) return f.Fail("annotations", "expected an object");
  for (const common::JsonMember& m : v->members()) {
    if (!m.value.is_string() && !m.value.is_number() && !m.value.is_bool()) {
      f.error() = f.Path("annotations") + "." + m.key + ": expected a string, number or boolean";
      return false;
    }
    out.push_back(m);
  }
  return true;
}

bool RequireId(Fields& f, std::string_view key, const std::string& value) {
  return IsSegmentId(value) || f.Fail(key, "expected 16 hexadecimal digits, got \"" + value + "\"");
}

bool ReadSegment(Fields& f, Segment& out, bool top_level);

bool ReadSubsegment(Fields& f, Segment& out) { return ReadSegment(f, out, /*top_level=*/false); }

bool ReadSegment(Fields& f, Segment& out, bool top_level) {
  if (!f.String("name", out.name) || !f.String("id", out.id) ||
      !f.String("trace_id", out.trace_id) || !f.String("parent_id", out.parent_id) ||
      !f.String("type", out.type) || !f.String("namespace", out.namespace_name) ||
      !f.String("origin", out.origin) || !f.String("user", out.user) ||
      !f.String("resource_arn", out.resource_arn) || !f.Bool("in_progress", out.in_progress) ||
      !f.Bool("traced", out.traced) || !f.Bool("fault", out.fault) || !f.Bool("error", out.error) ||
      !f.Bool("throttle", out.throttle)) {
    return false;
  }
  std::optional<double> start_time;
  if (!f.Double("start_time", start_time) || !f.Double("end_time", out.end_time)) return false;

  // Required fields.
  if (out.name.empty()) return f.Fail("name", "required (a non-empty string)");
  if (f.Get("id") == nullptr) return f.Fail("id", "required");
  if (!RequireId(f, "id", out.id)) return false;
  if (!start_time) return f.Fail("start_time", "required (a number)");
  out.start_time = *start_time;
  if (top_level && f.Get("trace_id") == nullptr) return f.Fail("trace_id", "required");
  if (f.Get("trace_id") != nullptr && !IsTraceId(out.trace_id)) {
    return f.Fail("trace_id", "expected \"1-\" + 8 hex digits + \"-\" + 24 hex digits, got \"" +
                                  out.trace_id + "\"");
  }
  if (top_level && out.IsSubsegment() && f.Get("parent_id") == nullptr) {
    return f.Fail("parent_id", "required in an independent subsegment");
  }
  if (f.Get("parent_id") != nullptr && !RequireId(f, "parent_id", out.parent_id)) return false;

  if (!f.OptionalObject("service", out.service, ReadService) ||
      !f.OptionalObject("http", out.http, ReadHttp) || !f.OptionalObject("aws", out.aws, ReadAws) ||
      !f.OptionalObject("sql", out.sql, ReadSql) || !ReadCause(f, out.cause) ||
      !ReadAnnotations(f, out.annotations) || !f.StringArray("precursor_ids", out.precursor_ids)) {
    return false;
  }
  for (size_t i = 0; i < out.precursor_ids.size(); ++i) {
    if (!IsSegmentId(out.precursor_ids[i])) {
      return f.Fail("precursor_ids",
                    "element " + std::to_string(i) + " is not 16 hexadecimal digits");
    }
  }
  if (const JsonValue* metadata = f.Get("metadata")) {
    if (!metadata->is_object()) return f.Fail("metadata", "expected an object");
    out.metadata = *metadata;
  }
  return f.ObjectArray("links", out.links, [](Fields& l, Link& link) {
    if (!l.String("trace_id", link.trace_id) || !l.String("id", link.id)) {
      return false;
    }
    if (!IsTraceId(link.trace_id)) {
      return l.Fail("trace_id", "expected an X-Ray trace id");
    }
    if (!RequireId(l, "id", link.id)) return false;
    if (const JsonValue* attributes = l.Get("attributes")) {
      if (!attributes->is_object()) {
        return l.Fail("attributes", "expected an object");
      }
      link.attributes = *attributes;
    }
    return true;
  }) && f.ObjectArray("subsegments", out.subsegments, ReadSubsegment);
}

}  // namespace

bool ParseSegment(std::string_view json, Segment& out, std::string& error) {
  out = Segment();
  error.clear();
  JsonValue root;
  std::string json_error;
  if (!common::ParseJson(json, root, &json_error)) {
    error = "segment document is not valid JSON: " + json_error;
    return false;
  }
  if (!root.is_object()) {
    error = "segment document is not a JSON object";
    return false;
  }
  Fields fields(root, "", error);
  if (!ReadSegment(fields, out, /*top_level=*/true)) {
    out = Segment();
    return false;
  }
  return true;
}

bool SplitDaemonDatagram(std::string_view datagram, std::string_view& body, std::string& error) {
  error.clear();
  if (datagram.size() > kMaxDatagramSize) {
    error = "datagram of " + std::to_string(datagram.size()) + " bytes exceeds " +
            std::to_string(kMaxDatagramSize);
    return false;
  }
  size_t nl = datagram.find('\n');
  if (nl == std::string_view::npos) {
    error = "datagram has no header line (no \"\\n\")";
    return false;
  }
  JsonValue header;
  std::string json_error;
  if (!common::ParseJson(datagram.substr(0, nl), header, &json_error)) {
    error = "datagram header is not valid JSON: " + json_error;
    return false;
  }
  if (!header.is_object()) {
    error = "datagram header is not a JSON object";
    return false;
  }
  const JsonValue* format = header.Find("format");
  if (format == nullptr || !format->is_string() || !EqualsIgnoreCase(format->text(), "json")) {
    error = "datagram header: \"format\" must be \"json\"";
    return false;
  }
  // The literal 1, as Go's decoder into an int field takes it (not "1", 1.0 or 1e0).
  const JsonValue* version = header.Find("version");
  if (version == nullptr || !version->is_number() || version->text() != "1") {
    error = "datagram header: \"version\" must be 1";
    return false;
  }
  body = datagram.substr(nl + 1);
  if (IsBlank(body)) {
    error = "datagram has an empty body";
    return false;
  }
  return true;
}

bool ParseDaemonDatagram(std::string_view datagram, Segment& out, std::string& error) {
  std::string_view body;
  if (!SplitDaemonDatagram(datagram, body, error)) {
    out = Segment();
    return false;
  }
  return ParseSegment(body, out, error);
}

}  // namespace adot::aws::xray
