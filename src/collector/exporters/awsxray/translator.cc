// Span → X-Ray segment documents. See translator.h; the rules are those of the Go contrib
// translator (segment.go, http.go, cause.go, aws.go, sql.go, service.go, span_links.go).
//
// Speed matters (the exporter translates every span): the JSON is written straight into one reused
// buffer; a span's attributes are classified in one pass through a small hash table of the keys the
// rules look at; everything that depends on the resource only (aws sub-blocks, origin, service
// version, the resource attributes as sorted metadata entries) is computed once per ResourceSpans.
#include "collector/exporters/awsxray/translator.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iterator>

#include "adot/api/propagation/text_map.h"  // EqualsIgnoreCase
#include "collector/exporters/awsxray/stack_trace.h"
#include "collector/exporters/awsxray/translator_internal.h"
#include "common/json_reader.h"
#include "common/json_writer.h"

namespace adot::collector::awsxray {
namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::resource::v1::Resource;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;
using namespace std::string_view_literals;

constexpr std::string_view kResourcePrefix = "otel.resource.";
constexpr std::string_view kMetadataAttrPrefix = "aws.xray.metadata.";

// The document being written: a std::string used as a raw buffer (grown by doubling, never
// shrunk), so that appending is a bounds check and a memcpy. The small members are forced inline:
// they run for every few bytes of output, and GCC would otherwise call them.
#define ADOT_XRAY_INLINE [[gnu::always_inline]] inline
class Sink {
 public:
  explicit Sink(std::string& buffer) : buffer_(buffer) {
    if (buffer_.size() < 4096) buffer_.resize(4096);
    begin_ = p_ = buffer_.data();
    end_ = begin_ + buffer_.size();
  }
  // Room for n more bytes at cursor(); Commit() the new end after writing.
  ADOT_XRAY_INLINE char* Reserve(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) [[unlikely]]
      Grow(n);
    return p_;
  }
  ADOT_XRAY_INLINE void Commit(char* end) { p_ = end; }
  ADOT_XRAY_INLINE void push_back(char c) { *Reserve(1) = c, ++p_; }
  ADOT_XRAY_INLINE void append(const char* data, size_t n) {
    std::memcpy(Reserve(n), data, n);
    p_ += n;
  }
  ADOT_XRAY_INLINE void append(std::string_view s) { append(s.data(), s.size()); }
  size_t size() const { return static_cast<size_t>(p_ - begin_); }
  void resize(size_t n) { p_ = begin_ + n; }  // only to cut back
  char back() const { return p_[-1]; }
  char operator[](size_t i) const { return begin_[i]; }
  void clear() { p_ = begin_; }
  std::string_view view() const { return {begin_, size()}; }

 private:
  [[gnu::noinline]] void Grow(size_t n) {
    const size_t used = size();
    buffer_.resize(std::max(buffer_.size() * 2, used + n));
    begin_ = buffer_.data();
    p_ = begin_ + used;
    end_ = begin_ + buffer_.size();
  }
  std::string& buffer_;
  char *begin_, *p_, *end_;
};

// Go-JSON text into a std::string (resource parts) or the document.
void GoString(std::string& out, std::string_view s) { internal::AppendGoString(s, out); }
ADOT_XRAY_INLINE void GoString(Sink& out, std::string_view s) {
  out.Commit(internal::WriteGoString(s, out.Reserve(internal::MaxGoStringSize(s.size()))));
}
void GoFloat(std::string& out, double v) { internal::AppendGoFloat(v, out); }
void GoFloat(Sink& out, double v) {
  out.Commit(internal::WriteGoFloat(v, out.Reserve(internal::kMaxNumberSize)));
}
void Int64(std::string& out, int64_t v) { internal::AppendInt(v, out); }
void Int64(Sink& out, int64_t v) {
  out.Commit(internal::WriteInt(v, out.Reserve(internal::kMaxNumberSize)));
}
void Hex64(Sink& out, uint64_t v) { out.Commit(internal::WriteHex64(v, out.Reserve(16))); }

// ---------------------------------------------------------------------------------------------
// Span attribute keys the rules look at.

enum Attr : uint8_t {
  kOther = 0,
  // http block: always consumed (never metadata).
  kHttpMethod,
  kHttpRequestMethod,
  kHttpClientIp,
  kHttpUserAgent,
  kUserAgentOriginal,
  kHttpStatusCode,
  kHttpResponseStatusCode,
  kHttpUrl,
  kUrlFull,
  kHttpScheme,
  kUrlScheme,
  kHttpHost,
  kHttpTarget,
  kHttpServerName,
  kNetHostPort,
  kHostName,
  kNetHostName,
  kNetPeerName,
  kNetPeerPort,
  kNetPeerIp,
  kNetworkPeerAddress,
  kClientAddress,
  kUrlPath,
  kUrlQuery,
  kServerAddress,
  kServerPort,
  // aws block: always consumed.
  kAwsOperation,
  kRpcMethod,
  kAwsAccountId,
  kAwsRegion,
  kAwsRequestId,
  kAwsRequestId2,
  kAwsQueueUrl,
  kAwsQueueUrl2,
  kAwsTableName,
  kAwsTableName2,
  // sql block: consumed when db.system is an SQL database.
  kDbConnectionString,
  kDbSystem,
  kDbName,
  kDbStatement,
  kDbUser,
  // Other rules.
  kHttpStatusText,  // consumed when the cause comes from the span status
  kXrayInProgress,  // consumed
  kEnduserId,       // becomes `user`, never an attribute
  kXrayAnnotations,
  kMessagingUrl,
  kDynamoDbTableNames,
  kAwsLocalService,
  kAwsRemoteService,
  kAwsRemoteOperation,
  kRemoteTarget,
  kK8sRemoteNamespace,
  kAwsSpanKind,
  kRpcSystem,
  kPeerService,
  kAwsService,
  kRpcService,
  kMessageType,
  kPayloadSize,
  kAttrCount
};

struct KnownKey {
  std::string_view key;
  Attr attr;
};

constexpr KnownKey kKnownKeys[] = {
    {"http.method", kHttpMethod},
    {"http.request.method", kHttpRequestMethod},
    {"http.client_ip", kHttpClientIp},
    {"http.user_agent", kHttpUserAgent},
    {"user_agent.original", kUserAgentOriginal},
    {"http.status_code", kHttpStatusCode},
    {"http.response.status_code", kHttpResponseStatusCode},
    {"http.url", kHttpUrl},
    {"url.full", kUrlFull},
    {"http.scheme", kHttpScheme},
    {"url.scheme", kUrlScheme},
    {"http.host", kHttpHost},
    {"http.target", kHttpTarget},
    {"http.server_name", kHttpServerName},
    {"net.host.port", kNetHostPort},
    {"host.name", kHostName},
    {"net.host.name", kNetHostName},
    {"net.peer.name", kNetPeerName},
    {"net.peer.port", kNetPeerPort},
    {"net.peer.ip", kNetPeerIp},
    {"network.peer.address", kNetworkPeerAddress},
    {"client.address", kClientAddress},
    {"url.path", kUrlPath},
    {"url.query", kUrlQuery},
    {"server.address", kServerAddress},
    {"server.port", kServerPort},
    {"aws.operation", kAwsOperation},
    {"rpc.method", kRpcMethod},
    {"aws.account_id", kAwsAccountId},
    {"aws.region", kAwsRegion},
    {"aws.request_id", kAwsRequestId},
    {"aws.requestId", kAwsRequestId2},
    {"aws.queue_url", kAwsQueueUrl},
    {"aws.queue.url", kAwsQueueUrl2},
    {"aws.table_name", kAwsTableName},
    {"aws.table.name", kAwsTableName2},
    {"db.connection_string", kDbConnectionString},
    {"db.system", kDbSystem},
    {"db.name", kDbName},
    {"db.statement", kDbStatement},
    {"db.user", kDbUser},
    {"http.status_text", kHttpStatusText},
    {"aws.xray.inprogress", kXrayInProgress},
    {"enduser.id", kEnduserId},
    {"aws.xray.annotations", kXrayAnnotations},
    {"messaging.url", kMessagingUrl},
    {"aws.dynamodb.table_names", kDynamoDbTableNames},
    {"aws.local.service", kAwsLocalService},
    {"aws.remote.service", kAwsRemoteService},
    {"aws.remote.operation", kAwsRemoteOperation},
    {"remoteTarget", kRemoteTarget},
    {"K8s.RemoteNamespace", kK8sRemoteNamespace},
    {"aws.span.kind", kAwsSpanKind},
    {"rpc.system", kRpcSystem},
    {"peer.service", kPeerService},
    {"aws.service", kAwsService},
    {"rpc.service", kRpcService},
    {"message.type", kMessageType},
    {"messaging.message.payload_size_bytes", kPayloadSize},
};
static_assert(std::size(kKnownKeys) == kAttrCount - 1);

// Open-addressing table from key to Attr, hashed on length and the first and last 8 bytes.
class KeyTable {
 public:
  KeyTable() {
    for (const KnownKey& k : kKnownKeys) {
      size_t i = Hash(k.key);
      while (slots_[i].attr != kOther) i = (i + 1) & kMask;
      slots_[i] = k;
    }
  }
  Attr Find(std::string_view key) const {
    for (size_t i = Hash(key);; i = (i + 1) & kMask) {
      const KnownKey& slot = slots_[i];
      if (slot.attr == kOther) return kOther;
      if (slot.key == key) return slot.attr;
    }
  }

 private:
  static constexpr size_t kBits = 8;
  static constexpr size_t kMask = (size_t{1} << kBits) - 1;
  static size_t Hash(std::string_view key) {
    uint64_t head = 0, tail = 0;
    const size_t n = key.size();
    std::memcpy(&head, key.data(), std::min<size_t>(n, 8));
    if (n > 8) {  // the last bytes not in head, up to 8
      const size_t k = std::min<size_t>(n - 8, 8);
      std::memcpy(&tail, key.data() + n - k, k);
    }
    uint64_t h = (head * 0x9e3779b97f4a7c15ull) ^ (tail * 0xc2b2ae3d27d4eb4full) ^
                 (n * 0x165667b19e3779f9ull);
    return static_cast<size_t>((h * 0xff51afd7ed558ccdull) >> (64 - kBits));
  }
  KnownKey slots_[size_t{1} << kBits] = {};
};

const KeyTable& Keys() {
  static const KeyTable table;
  return table;
}

// ---------------------------------------------------------------------------------------------
// Attribute values, read as Go's pcommon accessors do: Str() of a non-string is "", Int() of a
// non-int is 0.

// A string-table index (profiles only) means nothing without its dictionary: treated as unset.
bool IsSet(const AnyValue& v) {
  return v.value_case() != AnyValue::VALUE_NOT_SET &&
         v.value_case() != AnyValue::kStringValueStrindex;
}
std::string_view Str(const AnyValue* v) {
  if (v == nullptr || v->value_case() != AnyValue::kStringValue) return {};
  return v->string_value();
}
int64_t Int(const AnyValue* v) {
  return v != nullptr && v->value_case() == AnyValue::kIntValue ? v->int_value() : 0;
}
bool IsScalar(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
    case AnyValue::kBoolValue:
    case AnyValue::kIntValue:
    case AnyValue::kDoubleValue:
      return true;
    default:
      return false;
  }
}
bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// A value as JSON, the way Go encodes pcommon.Value.AsRaw(): maps with sorted keys (the last of
// duplicates wins), bytes as base64, an unset value as null.
template <class Out>
void AppendValue(const AnyValue& v, Out& out) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      GoString(out, v.string_value());
      return;
    case AnyValue::kBoolValue:
      out.append(v.bool_value() ? "true" : "false");
      return;
    case AnyValue::kIntValue:
      Int64(out, v.int_value());
      return;
    case AnyValue::kDoubleValue:
      GoFloat(out, v.double_value());
      return;
    case AnyValue::kBytesValue: {
      std::string base64 = "\"";
      common::Base64Encode(v.bytes_value(), base64);
      base64.push_back('"');
      out.append(base64);
      return;
    }
    case AnyValue::kArrayValue: {
      out.push_back('[');
      bool first = true;
      for (const AnyValue& e : v.array_value().values()) {
        if (!first) out.push_back(',');
        first = false;
        AppendValue(e, out);
      }
      out.push_back(']');
      return;
    }
    case AnyValue::kKvlistValue: {
      const auto& kvs = v.kvlist_value().values();
      std::vector<int> order(static_cast<size_t>(kvs.size()));
      for (int i = 0; i < kvs.size(); ++i) order[static_cast<size_t>(i)] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return kvs[a].key() < kvs[b].key(); });
      out.push_back('{');
      bool first = true;
      for (size_t i = 0; i < order.size(); ++i) {
        if (i + 1 < order.size() && kvs[order[i + 1]].key() == kvs[order[i]].key()) continue;
        if (!first) out.push_back(',');
        first = false;
        GoString(out, kvs[order[i]].key());
        out.push_back(':');
        AppendValue(kvs[order[i]].value(), out);
      }
      out.push_back('}');
      return;
    }
    default:
      out.append("null");
  }
}

// pcommon.Value.AsString() for the status code of an AWS SDK "HTTP request failure" event.
void AppendAsString(const AnyValue& v, std::string& out) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      out.append(v.string_value());
      return;
    case AnyValue::kIntValue:
      Int64(out, v.int_value());
      return;
    case AnyValue::kBoolValue:
      out.append(v.bool_value() ? "true" : "false");
      return;
    default:
      AppendValue(v, out);
  }
}

// A JSON document value (aws.xray.metadata.<ns>) re-encoded as Go re-encodes what json.Unmarshal
// gave it: numbers as float64, objects with sorted keys. Only the object members whose key starts
// with key_prefix are kept at the top level. False when a number does not fit a float64 (Go's
// Unmarshal fails on those).
template <class Out>
bool AppendJsonValue(const common::JsonValue& v, std::string_view key_prefix, Out& out) {
  switch (v.type()) {
    case common::JsonValue::Type::kNull:
      out.append("null");
      return true;
    case common::JsonValue::Type::kBool:
      out.append(v.bool_value() ? "true" : "false");
      return true;
    case common::JsonValue::Type::kNumber: {
      double d;
      if (!v.GetDouble(d) || !std::isfinite(d)) return false;
      GoFloat(out, d);
      return true;
    }
    case common::JsonValue::Type::kString:
      GoString(out, v.text());
      return true;
    case common::JsonValue::Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const common::JsonValue& e : v.array()) {
        if (!first) out.push_back(',');
        first = false;
        if (!AppendJsonValue(e, {}, out)) return false;
      }
      out.push_back(']');
      return true;
    }
    case common::JsonValue::Type::kObject: {
      const auto& members = v.members();
      std::vector<size_t> order;
      for (size_t i = 0; i < members.size(); ++i) {
        if (StartsWith(members[i].key, key_prefix)) order.push_back(i);
      }
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return members[a].key < members[b].key; });
      out.push_back('{');
      bool first = true;
      for (size_t i = 0; i < order.size(); ++i) {
        if (i + 1 < order.size() && members[order[i + 1]].key == members[order[i]].key) continue;
        if (!first) out.push_back(',');
        first = false;
        GoString(out, members[order[i]].key);
        out.push_back(':');
        if (!AppendJsonValue(members[order[i]].value, {}, out)) return false;
      }
      out.push_back('}');
      return true;
    }
  }
  return false;
}

bool IsValidIp(std::string_view s) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (s.empty() || s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

bool IsSqlSystem(std::string_view system) {
  static constexpr std::string_view kSql[] = {"db2",    "derby",    "hive",     "mariadb",
                                              "mssql",  "mysql",    "oracle",   "postgresql",
                                              "sqlite", "teradata", "other_sql"};
  return std::find(std::begin(kSql), std::end(kSql), system) != std::end(kSql);
}

// No valid trace has an id that is not 16 bytes or is all zero.
bool IsValidTraceId(const std::string& id) {
  return id.size() == 16 && id.find_first_not_of('\0') != std::string::npos;
}

// A (valid) trace id as X-Ray writes it: "1-" + 8 hex digits + "-" + 24 hex digits.
void AppendTraceId(const std::string& id, Sink& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char* buf = out.Reserve(37);
  buf[0] = '"';
  buf[1] = '1';
  buf[2] = '-';
  buf[11] = '-';
  buf[36] = '"';
  for (size_t i = 0; i < 16; ++i) {
    const auto b = static_cast<uint8_t>(id[i]);
    const size_t at = i < 4 ? 3 + 2 * i : 12 + 2 * (i - 4);
    buf[at] = kHex[b >> 4];
    buf[at + 1] = kHex[b & 0xf];
  }
  out.Commit(buf + 37);
}

std::string HexOf(const std::string& bytes) {
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : bytes) {
    hex.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    hex.push_back(kHex[static_cast<uint8_t>(c) & 0xf]);
  }
  return hex;
}

// A span id (8 bytes, not all zero) as 16 hex digits; 0 when absent.
uint64_t SpanIdValue(const std::string& id) {
  if (id.size() != 8) return 0;
  uint64_t v = 0;
  for (char c : id) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

void AppendQuotedHex64(uint64_t v, Sink& out) {
  out.push_back('"');
  Hex64(out, v);
  out.push_back('"');
}

// `"key":"value"` when value is not empty (Go's awsxray.String("") is nil, so omitted).
template <class Out>
void AppendStringField(std::string_view key, std::string_view value, bool& first, Out& out) {
  if (value.empty()) return;
  if (!first) out.push_back(',');
  first = false;
  out.push_back('"');
  out.append(key);
  out.append("\":");
  GoString(out, value);
}
// `"key":"value"`, or `"key":null` for an empty value (fields without omitempty).
template <class Out>
void AppendNullableField(std::string_view key, std::string_view value, bool& first, Out& out) {
  if (!first) out.push_back(',');
  first = false;
  out.push_back('"');
  out.append(key);
  out.append("\":");
  if (value.empty()) {
    out.append("null");
  } else {
    GoString(out, value);
  }
}

// ---------------------------------------------------------------------------------------------
// Per-resource work.

struct ResourceEntry {
  std::string meta_key;      // "otel.resource.<key>"
  std::string annot_key;     // meta_key as an annotation key
  std::string meta_member;   // `"<meta_key>":<value>`, ready to copy
  std::string annot_member;  // `"<annot_key>":<value>`
  bool scalar = false;
  bool indexed = false;  // an annotation under the configuration alone
  size_t seq = 0;        // position among the resource attributes
};

struct ResourceInfo {
  bool has_attributes = false;
  std::string_view service_name;
  std::string_view language;  // telemetry.sdk.language
  bool aws = true;            // cloud.provider absent or aws: the span gets an aws block
  std::string_view origin;
  std::string service_json;  // `"service":{...}` or empty
  std::string aws_head;      // the aws sub-blocks, elastic_beanstalk ... xray
  std::string_view account_id;
  std::vector<ResourceEntry> entries;        // by meta_key, unique
  std::vector<const ResourceEntry*> meta;    // metadata under the configuration, by meta_key
  std::vector<const ResourceEntry*> annots;  // annotations under the configuration, by annot_key
};

// Log groups from a resource attribute: an array of strings, or one string joining them with '&'.
std::vector<std::string_view> LogGroupValues(const AnyValue* v) {
  std::vector<std::string_view> values;
  if (v == nullptr) return values;
  if (v->value_case() == AnyValue::kArrayValue) {
    for (const AnyValue& e : v->array_value().values()) values.push_back(Str(&e));
  } else if (v->value_case() == AnyValue::kStringValue) {
    std::string_view s = v->string_value();
    while (!s.empty()) {
      const size_t amp = s.find('&');
      const std::string_view item = s.substr(0, amp);
      if (!item.empty()) values.push_back(item);
      if (amp == std::string_view::npos) break;
      s.remove_prefix(amp + 1);
    }
  }
  return values;
}

// strconv.ParseInt(s, 10, 64), 0 on any error (as the beanstalk deployment id).
int64_t ParseDeploymentId(std::string_view s) {
  const bool plus = !s.empty() && s[0] == '+';
  if (plus) s.remove_prefix(1);
  if (s.empty() || (plus && s[0] == '-')) return 0;
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size() ? v : 0;
}

void BuildResourceInfo(const Resource& resource, const TranslateOptions& options,
                       const std::vector<std::string>& sorted_indexed, ResourceInfo& info) {
  const auto& attrs = resource.attributes();
  info.has_attributes = !attrs.empty();
  std::string_view provider, platform, zone, host_id, host_type, ami, container, pod, namespace_,
      instance_id, version, sdk_name, sdk_language, sdk_version, auto_version, container_id,
      cluster, cluster_arn, container_arn, task_arn, task_family, launch_type;
  bool has_provider = false, has_platform = false, has_launch_type = false, has_version = false;
  const AnyValue *log_names = nullptr, *log_arns = nullptr, *image_tags = nullptr,
                 *image_tag = nullptr;
  for (const KeyValue& kv : attrs) {
    const std::string& k = kv.key();
    const AnyValue* v = &kv.value();
    if (k == "cloud.provider") {
      provider = Str(v);
      has_provider = true;
    } else if (k == "cloud.platform") {
      platform = Str(v);
      has_platform = true;
    } else if (k == "cloud.account.id") {
      info.account_id = Str(v);
    } else if (k == "cloud.availability_zone") {
      zone = Str(v);
    } else if (k == "host.id") {
      host_id = Str(v);
    } else if (k == "host.type") {
      host_type = Str(v);
    } else if (k == "host.image.id") {
      ami = Str(v);
    } else if (k == "container.name") {
      if (container.empty()) container = Str(v);
    } else if (k == "k8s.pod.name") {
      pod = Str(v);
    } else if (k == "service.namespace") {
      namespace_ = Str(v);
    } else if (k == "service.instance.id") {
      instance_id = Str(v);
    } else if (k == "service.version") {
      version = Str(v);
      has_version = true;
    } else if (k == "service.name") {
      info.service_name = Str(v);
    } else if (k == "telemetry.sdk.name") {
      sdk_name = Str(v);
    } else if (k == "telemetry.sdk.language") {
      sdk_language = Str(v);
    } else if (k == "telemetry.sdk.version") {
      sdk_version = Str(v);
    } else if (k == "telemetry.auto.version" || k == "telemetry.distro.version") {
      auto_version = Str(v);
    } else if (k == "container.id") {
      container_id = Str(v);
    } else if (k == "k8s.cluster.name") {
      cluster = Str(v);
    } else if (k == "aws.ecs.cluster.arn") {
      cluster_arn = Str(v);
    } else if (k == "aws.ecs.container.arn") {
      container_arn = Str(v);
    } else if (k == "aws.ecs.task.arn") {
      task_arn = Str(v);
    } else if (k == "aws.ecs.task.family") {
      task_family = Str(v);
    } else if (k == "aws.ecs.launchtype") {
      launch_type = Str(v);
      has_launch_type = true;
    } else if (k == "aws.log.group.names") {
      log_names = v;
    } else if (k == "aws.log.group.arns") {
      log_arns = v;
    } else if (k == "container.image.tags") {
      image_tags = v;
    } else if (k == "container.image.tag") {
      image_tag = v;
    }
  }
  info.language = sdk_language;

  // origin
  if (info.has_attributes && !(has_provider && provider != "aws") && has_platform) {
    if (platform == "aws_app_runner") {
      info.origin = "AWS::AppRunner::Service";
    } else if (platform == "aws_eks") {
      info.origin = "AWS::EKS::Container";
    } else if (platform == "aws_elastic_beanstalk") {
      info.origin = "AWS::ElasticBeanstalk::Environment";
    } else if (platform == "aws_ecs") {
      info.origin = !has_launch_type           ? "AWS::ECS::Container"
                    : launch_type == "ec2"     ? "AWS::ECS::EC2"
                    : launch_type == "fargate" ? "AWS::ECS::Fargate"
                                               : "AWS::ECS::Container";
    } else if (platform == "aws_ec2") {
      info.origin = "AWS::EC2::Instance";
    }
  }

  // service: service.version, else the first of container.image.tags, else container.image.tag.
  {
    bool has = has_version;
    std::string_view service_version = version;
    if (!has && image_tags != nullptr && image_tags->value_case() == AnyValue::kArrayValue &&
        image_tags->array_value().values_size() > 0) {
      service_version = Str(&image_tags->array_value().values(0));
      has = true;
    }
    if (!has && image_tag != nullptr) {
      service_version = Str(image_tag);
      has = true;
    }
    if (has) {
      info.service_json = "\"service\":{";
      bool first = true;
      AppendStringField("version", service_version, first, info.service_json);
      info.service_json.push_back('}');
    }
  }

  // aws sub-blocks
  info.aws = provider.empty() || provider == "aws";
  if (info.aws) {
    std::string& out = info.aws_head;
    if (platform == "aws_elastic_beanstalk" && !instance_id.empty()) {
      out.append("\"elastic_beanstalk\":{");
      bool first = true;
      AppendNullableField("environment_name", namespace_, first, out);
      AppendNullableField("version_label", version, first, out);
      out.append(",\"deployment_id\":");
      Int64(out, ParseDeploymentId(instance_id));
      out.append("},");
    }
    std::vector<std::string_view> groups = LogGroupValues(log_arns);
    bool arns = !groups.empty();
    if (!arns) groups = LogGroupValues(log_names);
    if (groups.empty()) {
      for (const std::string& g : options.aws_log_groups) groups.push_back(g);
    }
    if (!groups.empty()) {
      out.append("\"cloudwatch_logs\":[");
      for (size_t i = 0; i < groups.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.push_back('{');
        bool first = true;
        std::string_view name = groups[i];
        if (arns) {
          // The log group name is the 7th ':'-separated field of its ARN.
          std::string_view rest = groups[i];
          for (int field = 0; field < 6 && rest.find(':') != std::string_view::npos; ++field) {
            rest.remove_prefix(rest.find(':') + 1);
            if (field == 5) name = rest.substr(0, rest.find(':'));
          }
        }
        AppendNullableField("log_group", name, first, out);
        if (arns) AppendStringField("arn", groups[i], first, out);
        out.push_back('}');
      }
      out.append("],");
    }
    if (platform == "aws_ecs") {
      out.append("\"ecs\":{");
      bool first = true;
      AppendStringField("container", container, first, out);
      AppendStringField("container_id", container_id, first, out);
      AppendStringField("task_arn", task_arn, first, out);
      AppendStringField("task_family", task_family, first, out);
      AppendStringField("cluster_arn", cluster_arn, first, out);
      AppendStringField("container_arn", container_arn, first, out);
      AppendStringField("availability_zone", zone, first, out);
      AppendStringField("launch_type", launch_type, first, out);
      out.append("},");
    }
    if (platform == "aws_ec2" || !host_id.empty()) {
      out.append("\"ec2\":{");
      bool first = true;
      AppendNullableField("instance_id", host_id, first, out);
      AppendNullableField("availability_zone", zone, first, out);
      AppendNullableField("instance_size", host_type, first, out);
      AppendNullableField("ami_id", ami, first, out);
      out.append("},");
    }
    if (platform == "aws_eks" || !cluster.empty()) {
      out.append("\"eks\":{");
      bool first = true;
      AppendNullableField("cluster_name", cluster, first, out);
      AppendNullableField("pod", pod, first, out);
      AppendNullableField("container_id", container_id, first, out);
      out.append("},");
    }
    out.append("\"xray\":{");
    std::string sdk(sdk_name);
    if (!sdk_name.empty() && !sdk_language.empty()) sdk.append(" for ").append(sdk_language);
    bool first = true;
    AppendStringField("sdk", sdk, first, out);
    AppendStringField("sdk_version", sdk_version, first, out);
    if (!first) out.push_back(',');
    out.append(auto_version.empty() ? "\"auto_instrumentation\":false}"sv
                                    : "\"auto_instrumentation\":true}"sv);
  }

  // Resource attributes as metadata / annotations of segments.
  info.entries.reserve(static_cast<size_t>(attrs.size()));
  for (const KeyValue& kv : attrs) {
    if (!IsSet(kv.value())) continue;  // AsRaw() is nil: neither annotation nor metadata
    ResourceEntry& e = info.entries.emplace_back();
    e.meta_key.reserve(kResourcePrefix.size() + kv.key().size());
    e.meta_key.append(kResourcePrefix).append(kv.key());
    internal::AppendFixedAnnotationKey(e.meta_key, e.annot_key);
    std::string value;
    AppendValue(kv.value(), value);
    GoString(e.meta_member, e.meta_key);
    e.meta_member.append(":").append(value);
    GoString(e.annot_member, e.annot_key);
    e.annot_member.append(":").append(value);
    e.scalar = IsScalar(kv.value());
    e.indexed =
        e.scalar && (options.index_all_attributes ||
                     std::binary_search(sorted_indexed.begin(), sorted_indexed.end(), e.meta_key));
    e.seq = info.entries.size() - 1;
  }
  std::stable_sort(
      info.entries.begin(), info.entries.end(),
      [](const ResourceEntry& a, const ResourceEntry& b) { return a.meta_key < b.meta_key; });
  // Duplicate keys: the last one wins.
  auto last = std::unique(
      info.entries.rbegin(), info.entries.rend(),
      [](const ResourceEntry& a, const ResourceEntry& b) { return a.meta_key == b.meta_key; });
  info.entries.erase(info.entries.begin(), last.base());
  for (const ResourceEntry& e : info.entries) (e.indexed ? info.annots : info.meta).push_back(&e);
  std::stable_sort(
      info.annots.begin(), info.annots.end(), [](const ResourceEntry* a, const ResourceEntry* b) {
        return a->annot_key < b->annot_key || (a->annot_key == b->annot_key && a->seq < b->seq);
      });
  auto last_annot = std::unique(
      info.annots.rbegin(), info.annots.rend(),
      [](const ResourceEntry* a, const ResourceEntry* b) { return a->annot_key == b->annot_key; });
  info.annots.erase(info.annots.begin(), last_annot.base());
}

// ---------------------------------------------------------------------------------------------
// Per-span work.

// One annotation or metadata member: the value is `value` rendered, or `json` when value is null.
struct Item {
  std::string_view key;
  const AnyValue* value = nullptr;
  std::string_view json;
  size_t seq = 0;
};

// Sorts by key; of equal keys only the last added is kept.
void SortUnique(std::vector<Item>& items) {
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.key < b.key || (a.key == b.key && a.seq < b.seq);
  });
  size_t w = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i + 1 < items.size() && items[i + 1].key == items[i].key) continue;
    items[w++] = items[i];
  }
  items.resize(w);
}

void AppendMember(const Item& item, bool& first, Sink& out) {
  if (!first) out.push_back(',');
  first = false;
  GoString(out, item.key);
  out.push_back(':');
  if (item.value != nullptr) {
    AppendValue(*item.value, out);
  } else {
    out.append(item.json);
  }
}

// The members of resource entries (keyed by annot_key or meta_key) and span items, both sorted,
// merged in key order; a span item wins over a resource entry of the same key. Only keys starting
// with key_prefix are written.
void AppendMerged(const std::vector<const ResourceEntry*>& resource, bool annotation_keys,
                  const std::vector<Item>& items, std::string_view key_prefix, bool& first,
                  Sink& out) {
  size_t r = 0, s = 0;
  while (r < resource.size() || s < items.size()) {
    if (r < resource.size()) {
      const ResourceEntry& e = *resource[r];
      const std::string_view rkey = annotation_keys ? e.annot_key : e.meta_key;
      if (s == items.size() || rkey < items[s].key) {
        if (StartsWith(rkey, key_prefix)) {
          if (!first) out.push_back(',');
          first = false;
          out.append(annotation_keys ? e.annot_member : e.meta_member);
        }
        ++r;
        continue;
      }
      if (rkey == items[s].key) ++r;  // overridden by the span's own attribute
    }
    if (StartsWith(items[s].key, key_prefix)) AppendMember(items[s], first, out);
    ++s;
  }
}

enum class Variant {
  kNormal,            // any span but a LOCAL_ROOT one
  kLocalRootSegment,  // LOCAL_ROOT SERVER / INTERNAL span: a segment
  kDependency,        // LOCAL_ROOT CLIENT / PRODUCER / CONSUMER span: its dependency subsegment...
  kService,           // ...and the service segment it hangs off
};

// A URL part: present (Go's map lookup ok) and value.
struct Part {
  std::string_view value;
  bool present = false;
  void Set(std::string_view v) {
    value = v;
    present = true;
  }
};

// Working state of one Translate call, reused from span to span.
class SpanTranslator {
 public:
  SpanTranslator(const TranslateOptions& options, const std::vector<std::string>& sorted_indexed)
      : options_(options), sorted_indexed_(sorted_indexed) {}

  void SetResource(const Resource& resource) {
    res_ = ResourceInfo();
    BuildResourceInfo(resource, options_, sorted_indexed_, res_);
  }

  // Appends the span's documents; false (with the reason) when it cannot be translated.
  bool Translate(const Span& span, std::vector<std::string>& documents, std::string& error);

 private:
  void Analyze(const Span& span);
  bool IsConfigIndexed(std::string_view key) const {
    return !sorted_indexed_.empty() &&
           std::binary_search(sorted_indexed_.begin(), sorted_indexed_.end(), key,
                              [](std::string_view a, std::string_view b) { return a < b; });
  }
  bool IsSpanIndexed(std::string_view key) const;
  bool IsConsumed(Attr id) const;
  std::string_view Name(Variant variant, std::string_view& ns);
  void WriteDocument(Variant variant, uint64_t segment_id, Sink& out);
  void WriteHttp(Sink& out);
  void WriteCause(Sink& out);
  void WriteAws(Variant variant, Sink& out);
  void WriteAttributes(Variant variant, bool store_resource, Sink& out);
  void WriteLinks(Sink& out);
  void WriteSql(Sink& out);

  const TranslateOptions& options_;
  const std::vector<std::string>& sorted_indexed_;
  ResourceInfo res_;

  // The span being translated and what Analyze() found.
  const Span* span_ = nullptr;
  Span::SpanKind kind_ = Span::SPAN_KIND_UNSPECIFIED;
  uint64_t span_id_ = 0, parent_id_ = 0;
  const AnyValue* slot_[kAttrCount] = {};
  std::vector<Attr> ids_;  // per attribute
  bool aws_sdk_ = false, local_root_ = false, in_progress_ = false, sql_ = false;
  bool status_error_ = false, has_exceptions_ = false;
  // http
  bool has_http_ = false, has_url_attrs_ = false, net_peer_addr_ = false;
  std::string_view method_, user_agent_, client_ip_;
  const AnyValue* status_ = nullptr;
  Part url_, scheme_, http_host_, target_, server_name_, net_host_port_, host_name_, net_host_name_,
      net_peer_name_, net_peer_port_, net_peer_ip_, url_path_, url_query_, server_address_,
      server_port_;
  char port_text_[3][24] = {};  // integer ports as text
  // aws (last of the alternative keys wins)
  std::string_view request_id_, queue_url_, table_name_;
  // cause: the exceptions, and for each whether `remote` is written (-1: no; 0/1: its value)
  std::vector<ParsedException> exceptions_;
  std::vector<int8_t> exception_remote_;

  // Scratch.
  std::string doc_, name_scratch_, url_scratch_;
  std::vector<Item> annots_, meta_;
  std::vector<const ResourceEntry*> res_meta_, res_annots_;
  std::deque<std::string> owned_;         // rendered keys / values that items refer to
  std::deque<common::JsonValue> parsed_;  // aws.xray.metadata.<ns> documents
  struct Namespace {
    std::string_view name;
    const common::JsonValue* doc;
    size_t seq;
  };
  std::vector<Namespace> namespaces_;
  std::vector<uint64_t> exception_ids_;
};

// Sets a URL part from a port attribute: its string, or its integer as text when that is empty.
void SetPort(Part& part, const AnyValue* v, char* text) {
  std::string_view s = Str(v);
  if (s.empty()) {
    const char* end = std::to_chars(text, text + 23, Int(v)).ptr;
    s = std::string_view(text, static_cast<size_t>(end - text));
  }
  part.Set(s);
}

void SpanTranslator::Analyze(const Span& span) {
  span_ = &span;
  kind_ = span.kind();
  span_id_ = SpanIdValue(span.span_id());
  parent_id_ = SpanIdValue(span.parent_span_id());
  std::fill(std::begin(slot_), std::end(slot_), nullptr);
  has_http_ = has_url_attrs_ = net_peer_addr_ = false;
  method_ = user_agent_ = client_ip_ = {};
  status_ = nullptr;
  for (Part* p : {&url_, &scheme_, &http_host_, &target_, &server_name_, &net_host_port_,
                  &host_name_, &net_host_name_, &net_peer_name_, &net_peer_port_, &net_peer_ip_,
                  &url_path_, &url_query_, &server_address_, &server_port_}) {
    *p = Part();
  }
  request_id_ = queue_url_ = table_name_ = {};

  const KeyTable& keys = Keys();
  const auto& attrs = span.attributes();
  ids_.resize(static_cast<size_t>(attrs.size()));
  for (int i = 0; i < attrs.size(); ++i) {
    const KeyValue& kv = attrs[i];
    const Attr id = keys.Find(kv.key());
    ids_[static_cast<size_t>(i)] = id;
    if (id == kOther) continue;
    const AnyValue* v = &kv.value();
    slot_[id] = v;
    switch (id) {
      case kHttpMethod:
      case kHttpRequestMethod:
        method_ = Str(v);
        has_http_ = true;
        break;
      case kHttpClientIp:
        client_ip_ = Str(v);
        has_http_ = true;
        break;
      case kHttpUserAgent:
      case kUserAgentOriginal:
        user_agent_ = Str(v);
        has_http_ = true;
        break;
      case kHttpStatusCode:
      case kHttpResponseStatusCode:
        status_ = v;
        has_http_ = true;
        break;
      case kHttpUrl:
      case kUrlFull:
        url_.Set(Str(v));
        has_http_ = has_url_attrs_ = true;
        break;
      case kHttpScheme:
      case kUrlScheme:
        scheme_.Set(Str(v));
        has_http_ = true;
        break;
      case kHttpHost:
        http_host_.Set(Str(v));
        has_http_ = has_url_attrs_ = true;
        break;
      case kHttpTarget:
        target_.Set(Str(v));
        has_http_ = has_url_attrs_ = true;
        break;
      case kHttpServerName:
        server_name_.Set(Str(v));
        has_http_ = has_url_attrs_ = true;
        break;
      case kNetHostPort:
        SetPort(net_host_port_, v, port_text_[0]);
        has_http_ = true;
        break;
      case kHostName:
        host_name_.Set(Str(v));
        has_url_attrs_ = true;
        break;
      case kNetHostName:
        net_host_name_.Set(Str(v));
        has_url_attrs_ = true;
        break;
      case kNetPeerName:
        net_peer_name_.Set(Str(v));
        has_url_attrs_ = true;
        break;
      case kNetPeerPort:
        SetPort(net_peer_port_, v, port_text_[1]);
        break;
      case kNetPeerIp:
        // http.client_ip (forwarded information) is preferred when present.
        if (client_ip_.empty()) client_ip_ = Str(v);
        net_peer_ip_.Set(Str(v));
        has_url_attrs_ = net_peer_addr_ = true;
        break;
      case kNetworkPeerAddress:
        if (IsValidIp(Str(v))) {
          if (client_ip_.empty()) client_ip_ = Str(v);
          has_url_attrs_ = net_peer_addr_ = true;
        }
        break;
      case kClientAddress:
        if (IsValidIp(Str(v))) client_ip_ = Str(v);
        break;
      case kUrlPath:
        url_path_.Set(Str(v));
        has_http_ = has_url_attrs_ = true;
        break;
      case kUrlQuery:
        url_query_.Set(Str(v));
        has_http_ = has_url_attrs_ = true;
        break;
      case kServerAddress:
        server_address_.Set(Str(v));
        has_url_attrs_ = true;
        break;
      case kServerPort:
        SetPort(server_port_, v, port_text_[2]);
        break;
      case kAwsRequestId:
      case kAwsRequestId2:
        request_id_ = Str(v);
        break;
      case kAwsQueueUrl:
      case kAwsQueueUrl2:
        queue_url_ = Str(v);
        break;
      case kAwsTableName:
      case kAwsTableName2:
        table_name_ = Str(v);
        break;
      default:
        break;
    }
  }

  aws_sdk_ = Str(slot_[kRpcSystem]) == "aws-api";
  local_root_ = Str(slot_[kAwsSpanKind]) == "LOCAL_ROOT";
  in_progress_ = slot_[kXrayInProgress] != nullptr &&
                 slot_[kXrayInProgress]->value_case() == AnyValue::kBoolValue &&
                 slot_[kXrayInProgress]->bool_value();
  sql_ = IsSqlSystem(Str(slot_[kDbSystem]));
  status_error_ = span.status().code() == Status::STATUS_CODE_ERROR;

  // cause: exception events (and failed AWS SDK attempts), else the error status.
  exceptions_.clear();
  exception_remote_.clear();
  has_exceptions_ = false;
  for (const auto& event : span.events()) {
    if (event.name() == "exception" || (aws_sdk_ && event.name() == "HTTP request failure")) {
      has_exceptions_ = true;
      break;
    }
  }
  if (has_exceptions_) {
    const bool remote = kind_ == Span::SPAN_KIND_CLIENT || kind_ == Span::SPAN_KIND_PRODUCER;
    for (const auto& event : span.events()) {
      if (event.name() == "exception") {
        const AnyValue *type = nullptr, *message = nullptr, *stack = nullptr;
        for (const KeyValue& kv : event.attributes()) {
          if (kv.key() == "exception.type") type = &kv.value();
          if (kv.key() == "exception.message") message = &kv.value();
          if (kv.key() == "exception.stacktrace") stack = &kv.value();
        }
        ParseException(Str(type), Str(message), Str(stack), res_.language, exceptions_);
        exception_remote_.resize(exceptions_.size(), remote ? 1 : 0);
      } else if (aws_sdk_ && event.name() == "HTTP request failure") {
        const AnyValue *code = nullptr, *message = nullptr;
        for (const KeyValue& kv : event.attributes()) {
          if (kv.key() == "http.response.status_code") code = &kv.value();
          if (kv.key() == "aws.http.error_message") message = &kv.value();
        }
        if (code == nullptr || message == nullptr) continue;
        // "<status code>@<event time in seconds, 6 decimals>@<message>"
        ParsedException& e = exceptions_.emplace_back();
        e.type = "aws.http.error.event";
        AppendAsString(*code, e.message);
        char buf[48];
        const auto micros = static_cast<int64_t>(event.time_unix_nano() / 1000);
        const int n =
            std::snprintf(buf, sizeof(buf), "@%.6f@", static_cast<double>(micros) / 1'000'000);
        e.message.append(buf, static_cast<size_t>(n));
        e.message.append(Str(message));
        exception_remote_.push_back(1);
      }
    }
  } else if (status_error_) {
    std::string_view message = span.status().message();
    if (message.empty()) message = Str(slot_[kHttpStatusText]);
    if (!message.empty()) {
      exceptions_.emplace_back().message.assign(message);
      exception_remote_.push_back(-1);
    }
  }
}

bool SpanTranslator::IsSpanIndexed(std::string_view key) const {
  const AnyValue* list = slot_[kXrayAnnotations];
  if (list == nullptr || list->value_case() != AnyValue::kArrayValue) return false;
  for (const AnyValue& v : list->array_value().values()) {
    if (v.value_case() == AnyValue::kStringValue && v.string_value() == key) return true;
  }
  return false;
}

// Whether an attribute was turned into a field (http, aws, sql, cause, in_progress) and so is no
// annotation or metadata unless indexed_attributes names it.
bool SpanTranslator::IsConsumed(Attr id) const {
  if (id >= kHttpMethod && id <= kAwsTableName2) return true;
  if (id >= kDbConnectionString && id <= kDbUser) return sql_;
  if (id == kHttpStatusText) return !has_exceptions_ && status_error_;
  return id == kXrayInProgress;
}

// The segment name (the first of the service-name attributes found, else the sanitised span name;
// only the latter is sanitised) and the namespace ("aws" / "remote" / none) the span implies.
std::string_view SpanTranslator::Name(Variant variant, std::string_view& ns) {
  ns = {};
  const bool client_like = kind_ == Span::SPAN_KIND_CLIENT || kind_ == Span::SPAN_KIND_PRODUCER ||
                           kind_ == Span::SPAN_KIND_CONSUMER;
  auto trim_sdk_prefix = [this](std::string_view name) {
    if (aws_sdk_) {
      if (StartsWith(name, "AWS.SDK.")) return name.substr(8);
      if (StartsWith(name, "AWS::")) return name.substr(5);
    }
    return name;
  };
  std::string_view name;
  if (kind_ == Span::SPAN_KIND_SERVER || (kind_ == Span::SPAN_KIND_INTERNAL && local_root_)) {
    name = Str(slot_[kAwsLocalService]);
  }
  // The service segment of a LOCAL_ROOT split has lost aws.remote.service.
  if (client_like && variant != Variant::kService) {
    name = trim_sdk_prefix(Str(slot_[kAwsRemoteService]));
  }
  if (name.empty()) name = Str(slot_[kPeerService]);
  if (aws_sdk_) ns = "aws";
  if (name.empty() && slot_[kAwsService] != nullptr) {
    name = Str(slot_[kAwsService]);
    if (ns.empty()) ns = "aws";
  }
  if (name.empty() && slot_[kDbName] != nullptr) {
    // <db name>@<db host>
    name = Str(slot_[kDbName]);
    if (slot_[kDbConnectionString] != nullptr) {
      std::string_view url = Str(slot_[kDbConnectionString]);
      if (StartsWith(url, "jdbc:")) url.remove_prefix(5);
      const std::string_view host = internal::UrlHostname(url);
      if (!host.empty()) {
        name_scratch_.assign(name).append("@").append(host);
        name = name_scratch_;
      }
    }
  }
  if (name.empty() && kind_ == Span::SPAN_KIND_SERVER) name = res_.service_name;
  if (name.empty()) name = Str(slot_[kRpcService]);
  if (name.empty()) name = Str(slot_[kHttpHost]);
  if (name.empty()) name = Str(slot_[kNetPeerName]);
  if (name.empty()) name = internal::FixSegmentName(span_->name(), name_scratch_);
  if (ns.empty() && (kind_ == Span::SPAN_KIND_CLIENT || kind_ == Span::SPAN_KIND_PRODUCER)) {
    ns = "remote";
  }
  if (variant == Variant::kDependency) {
    const std::string_view remote = Str(slot_[kAwsRemoteService]);
    if (!remote.empty()) name = trim_sdk_prefix(remote);
  } else if (variant == Variant::kService) {
    const std::string_view local = Str(slot_[kAwsLocalService]);
    if (!local.empty()) name = local;
  }
  return name;
}

void SpanTranslator::WriteHttp(Sink& out) {
  out.append(",\"http\":{\"request\":{");
  bool first = true;
  if (!net_peer_addr_ && !client_ip_.empty()) {
    out.append("\"x_forwarded_for\":true");
    first = false;
  }
  AppendStringField("method", method_, first, out);
  if (has_url_attrs_) {
    std::string_view url;
    if (url_.present) {
      url = url_.value;
    } else {
      std::string& u = url_scratch_;
      const std::string_view scheme = scheme_.present ? scheme_.value : "http";
      std::string_view host, port;
      if (http_host_.present) {
        host = http_host_.value;
      } else if (kind_ == Span::SPAN_KIND_SERVER) {
        for (const Part* p : {&server_name_, &net_host_name_, &host_name_, &server_address_}) {
          if (p->present) {
            host = p->value;
            break;
          }
        }
        port = net_host_port_.present ? net_host_port_.value : server_port_.value;
      } else {
        // Client URLs ignore server.address / server.port (as the Go translator does).
        host = net_peer_name_.present ? net_peer_name_.value : net_peer_ip_.value;
        port = net_peer_port_.value;
      }
      u.assign(scheme).append("://").append(host);
      if (!port.empty() && !(scheme == "http" && port == "80") &&
          !(scheme == "https" && port == "443")) {
        u.append(":").append(port);
      }
      if (target_.present) {
        u.append(target_.value);
      } else {
        u.append(url_path_.present ? url_path_.value : "/");
        if (url_query_.present) u.append("?").append(url_query_.value);
      }
      url = u;
    }
    AppendStringField("url", url, first, out);
  }
  AppendStringField("user_agent", user_agent_, first, out);
  AppendStringField("client_ip", client_ip_, first, out);
  out.append("},\"response\":{");
  if (status_ != nullptr) {
    out.append("\"status\":");
    Int64(out, Int(status_));
    out.push_back(',');
  }
  // Response size: message.type RECEIVED with a payload size, on the span or one of its events.
  auto payload_size = [](const AnyValue* type, const AnyValue* size) -> int64_t {
    return Str(type) == "RECEIVED" && size != nullptr ? Int(size) : 0;
  };
  int64_t length = payload_size(slot_[kMessageType], slot_[kPayloadSize]);
  for (int i = 0; length == 0 && i < span_->events_size(); ++i) {
    const AnyValue *type = nullptr, *size = nullptr;
    for (const KeyValue& kv : span_->events(i).attributes()) {
      if (kv.key() == "message.type") type = &kv.value();
      if (kv.key() == "messaging.message.payload_size_bytes") size = &kv.value();
    }
    length = payload_size(type, size);
  }
  out.append("\"content_length\":");
  Int64(out, length);
  out.append("}}");
}

void SpanTranslator::WriteCause(Sink& out) {
  out.append(",\"cause\":{");
  if (!exceptions_.empty()) {
    exception_ids_.resize(exceptions_.size());
    for (uint64_t& id : exception_ids_) id = internal::RandomId();
    out.append("\"exceptions\":[");
    for (size_t i = 0; i < exceptions_.size(); ++i) {
      const ParsedException& e = exceptions_[i];
      if (i > 0) out.push_back(',');
      out.append("{\"id\":");
      AppendQuotedHex64(exception_ids_[i], out);
      bool first = false;
      AppendStringField("message", e.message, first, out);
      AppendStringField("type", e.type, first, out);
      if (exception_remote_[i] >= 0) {
        out.append(exception_remote_[i] ? ",\"remote\":true"sv : ",\"remote\":false"sv);
      }
      if (e.caused_by_next && i + 1 < exceptions_.size()) {
        out.append(",\"cause\":");
        AppendQuotedHex64(exception_ids_[i + 1], out);
      }
      if (!e.stack.empty()) {
        out.append(",\"stack\":[");
        for (size_t f = 0; f < e.stack.size(); ++f) {
          if (f > 0) out.push_back(',');
          out.append("{\"path\":");
          GoString(out, e.stack[f].path);
          out.append(",\"line\":");
          Int64(out, e.stack[f].line);
          out.append(",\"label\":");
          GoString(out, e.stack[f].label);
          out.push_back('}');
        }
        out.push_back(']');
      }
      out.push_back('}');
    }
    out.push_back(']');
  }
  out.push_back('}');
}

void SpanTranslator::WriteAws(Variant variant, Sink& out) {
  out.append(",\"aws\":{");
  out.append(res_.aws_head);
  if (variant != Variant::kService) {  // the service segment keeps only the resource's parts
    bool first = false;
    const AnyValue* account = slot_[kAwsAccountId];
    AppendStringField("account_id",
                      account != nullptr && IsSet(*account) ? Str(account) : res_.account_id, first,
                      out);
    const std::string_view operation =
        slot_[kAwsOperation] != nullptr ? Str(slot_[kAwsOperation]) : Str(slot_[kRpcMethod]);
    AppendStringField("operation", operation, first, out);
    AppendStringField("region", Str(slot_[kAwsRegion]), first, out);
    AppendStringField("request_id", request_id_, first, out);
    // Semantic-convention attributes take precedence for SQS and DynamoDB.
    AppendStringField("queue_url",
                      slot_[kMessagingUrl] != nullptr ? Str(slot_[kMessagingUrl]) : queue_url_,
                      first, out);
    // aws.dynamodb.table_names: one name is table_name, several are table_names.
    std::string_view table = table_name_;
    const AnyValue* tables = slot_[kDynamoDbTableNames];
    const bool several = tables != nullptr && tables->value_case() == AnyValue::kArrayValue &&
                         tables->array_value().values_size() > 1;
    if (tables != nullptr && tables->value_case() == AnyValue::kStringValue) {
      table = tables->string_value();
    } else if (tables != nullptr && tables->value_case() == AnyValue::kArrayValue &&
               tables->array_value().values_size() == 1) {
      table = Str(&tables->array_value().values(0));
    } else if (several) {
      table = {};
    }
    AppendStringField("table_name", table, first, out);
    if (several) {
      out.append(",\"table_names\":[");
      for (int i = 0; i < tables->array_value().values_size(); ++i) {
        if (i > 0) out.push_back(',');
        GoString(out, Str(&tables->array_value().values(i)));
      }
      out.push_back(']');
    }
  }
  out.push_back('}');
}

void SpanTranslator::WriteAttributes(Variant variant, bool store_resource, Sink& out) {
  annots_.clear();
  meta_.clear();
  owned_.clear();
  parsed_.clear();
  namespaces_.clear();
  const bool index_all = options_.index_all_attributes;
  const auto& attrs = span_->attributes();
  const AnyValue* annotation_list = slot_[kXrayAnnotations];
  const bool has_annotation_list =
      annotation_list != nullptr && annotation_list->value_case() == AnyValue::kArrayValue;
  size_t seq = 0;
  for (int i = 0; i < attrs.size(); ++i) {
    const Attr id = ids_[static_cast<size_t>(i)];
    const KeyValue& kv = attrs[i];
    if (id == kEnduserId || (id == kXrayAnnotations && has_annotation_list)) continue;
    if (variant == Variant::kService && (id == kAwsRemoteService || id == kAwsRemoteOperation ||
                                         id == kRemoteTarget || id == kK8sRemoteNamespace)) {
      continue;
    }
    const std::string_view key = kv.key();
    if (id != kOther && IsConsumed(id) && !IsConfigIndexed(key)) continue;
    const AnyValue& v = kv.value();
    ++seq;
    if (index_all || IsConfigIndexed(key) || (has_annotation_list && IsSpanIndexed(key))) {
      if (!IsScalar(v)) continue;
      std::string_view annot_key = key;
      if (!internal::IsValidAnnotationKey(key)) {
        std::string& fixed = owned_.emplace_back();
        internal::AppendFixedAnnotationKey(key, fixed);
        annot_key = fixed;
      }
      annots_.push_back({annot_key, &v, {}, seq});
    } else if (StartsWith(key, kMetadataAttrPrefix) && v.value_case() == AnyValue::kStringValue) {
      // aws.xray.metadata.<namespace>: a JSON object for that metadata namespace.
      const std::string_view ns = key.substr(kMetadataAttrPrefix.size());
      common::JsonValue& doc = parsed_.emplace_back();
      std::string& check = owned_.emplace_back();
      const bool ok = common::ParseJson(v.string_value(), doc) &&
                      (doc.is_object() || doc.is_null()) && AppendJsonValue(doc, {}, check);
      if (!ok) {
        meta_.push_back({key, &v, {}, seq});  // kept as the string it is
      } else if (api::propagation::internal::EqualsIgnoreCase(ns, "default")) {
        for (const common::JsonMember& m : doc.members()) {
          std::string& json = owned_.emplace_back();
          AppendJsonValue(m.value, {}, json);
          meta_.push_back({m.key, nullptr, json, ++seq});
        }
      } else {
        namespaces_.push_back({ns, &doc, seq});
      }
    } else if (IsSet(v)) {
      meta_.push_back({key, &v, {}, seq});
    }
  }

  // Resource attributes (segments only); the span's aws.xray.annotations may name some.
  const std::vector<const ResourceEntry*>* res_meta = &res_.meta;
  const std::vector<const ResourceEntry*>* res_annots = &res_.annots;
  static const std::vector<const ResourceEntry*> kNone;
  if (!store_resource) {
    res_meta = res_annots = &kNone;
  } else if (has_annotation_list && !index_all) {
    bool names_resource = false;
    for (const AnyValue& a : annotation_list->array_value().values()) {
      names_resource |=
          a.value_case() == AnyValue::kStringValue && StartsWith(a.string_value(), kResourcePrefix);
    }
    if (names_resource) {
      res_meta_.clear();
      res_annots_.clear();
      for (const ResourceEntry& e : res_.entries) {
        const bool annotate = e.scalar && (e.indexed || IsSpanIndexed(e.meta_key));
        (annotate ? res_annots_ : res_meta_).push_back(&e);
      }
      std::stable_sort(res_annots_.begin(), res_annots_.end(),
                       [](const ResourceEntry* a, const ResourceEntry* b) {
                         return a->annot_key < b->annot_key ||
                                (a->annot_key == b->annot_key && a->seq < b->seq);
                       });
      auto last = std::unique(res_annots_.rbegin(), res_annots_.rend(),
                              [](const ResourceEntry* a, const ResourceEntry* b) {
                                return a->annot_key == b->annot_key;
                              });
      res_annots_.erase(res_annots_.begin(), last.base());
      res_meta = &res_meta_;
      res_annots = &res_annots_;
    }
  }

  if (!annots_.empty() || !res_annots->empty()) {
    SortUnique(annots_);
    out.append(",\"annotations\":{");
    bool first = true;
    AppendMerged(*res_annots, true, annots_, {}, first, out);
    out.push_back('}');
  }

  // metadata: "default" and the namespaces of aws.xray.metadata.<ns>, in key order. The service
  // segment of a LOCAL_ROOT split keeps only the otel.resource.* members; empty maps are left out.
  SortUnique(meta_);
  std::sort(namespaces_.begin(), namespaces_.end(), [](const Namespace& a, const Namespace& b) {
    return a.name < b.name || (a.name == b.name && a.seq < b.seq);
  });
  const std::string_view key_prefix = variant == Variant::kService ? kResourcePrefix : "";
  const size_t start = out.size();
  out.append(",\"metadata\":{");
  const size_t empty_size = out.size();
  bool default_written = false;
  auto write_default = [&] {
    default_written = true;
    const size_t before = out.size();
    if (before != empty_size) out.push_back(',');
    out.append("\"default\":{");
    const size_t members_at = out.size();
    bool first = true;
    AppendMerged(*res_meta, false, meta_, key_prefix, first, out);
    if (out.size() == members_at) {
      out.resize(before);  // nothing in it
    } else {
      out.push_back('}');
    }
  };
  for (size_t i = 0; i < namespaces_.size(); ++i) {
    const Namespace& ns = namespaces_[i];
    if (i + 1 < namespaces_.size() && namespaces_[i + 1].name == ns.name) continue;
    if (!default_written && ns.name > "default") write_default();
    const size_t before = out.size();
    if (before != empty_size) out.push_back(',');
    GoString(out, ns.name);
    out.push_back(':');
    AppendJsonValue(*ns.doc, key_prefix, out);
    if (variant == Variant::kService && out.back() == '}' && out[out.size() - 2] == '{') {
      out.resize(before);
    }
  }
  if (!default_written) write_default();
  if (out.size() == empty_size) {
    out.resize(start);
  } else {
    out.push_back('}');
  }
}

void SpanTranslator::WriteLinks(Sink& out) {
  out.append(",\"links\":[");
  bool first_link = true;
  for (const auto& link : span_->links()) {
    if (!first_link) out.push_back(',');
    first_link = false;
    out.append("{\"trace_id\":");
    AppendTraceId(link.trace_id(), out);
    out.append(",\"id\":");
    const uint64_t id = SpanIdValue(link.span_id());
    if (id == 0) {
      out.append("\"\"");
    } else {
      AppendQuotedHex64(id, out);
    }
    if (!link.attributes().empty()) {
      std::vector<Item> items;
      size_t seq = 0;
      for (const KeyValue& kv : link.attributes())
        items.push_back({kv.key(), &kv.value(), {}, seq++});
      SortUnique(items);
      out.append(",\"attributes\":{");
      bool first = true;
      for (const Item& item : items) AppendMember(item, first, out);
      out.push_back('}');
    }
    out.push_back('}');
  }
  out.push_back(']');
}

void SpanTranslator::WriteSql(Sink& out) {
  out.append(",\"sql\":{");
  bool first = true;
  std::string connection(Str(slot_[kDbConnectionString]));
  if (connection.empty()) connection = "localhost";
  connection.append("/").append(Str(slot_[kDbName]));
  AppendStringField("connection_string", connection, first, out);
  // The span name, not the connection string, is the most useful "url" (as in the Go translator).
  AppendStringField("url", span_->name(), first, out);
  AppendStringField("sanitized_query", Str(slot_[kDbStatement]), first, out);
  AppendStringField("database_type", Str(slot_[kDbSystem]), first, out);
  AppendStringField("user", Str(slot_[kDbUser]), first, out);
  out.push_back('}');
}

void SpanTranslator::WriteDocument(Variant variant, uint64_t segment_id, Sink& out) {
  const uint64_t parent = variant == Variant::kDependency ? segment_id : parent_id_;
  const bool subsegment =
      kind_ != Span::SPAN_KIND_SERVER && kind_ != Span::SPAN_KIND_CONSUMER && parent != 0;
  std::string_view ns;
  const std::string_view name = Name(variant, ns);
  // kNormal keeps the derived namespace. (Go also gives "remote" to CLIENT / PRODUCER / CONSUMER
  // subsegments with aws.remote.service; that never changes anything, as CLIENT and PRODUCER spans
  // are "remote" already and CONSUMER spans are segments.)
  switch (variant) {
    case Variant::kNormal:
      break;
    case Variant::kLocalRootSegment:
    case Variant::kService:
      ns = {};
      break;
    case Variant::kDependency:
      if (ns.empty()) ns = "remote";
      break;
  }
  const bool is_subsegment_type =
      variant == Variant::kDependency || (variant == Variant::kNormal && subsegment);
  bool links = !span_->links().empty();
  if (variant == Variant::kDependency && kind_ == Span::SPAN_KIND_CONSUMER) links = false;
  if (variant == Variant::kService && kind_ != Span::SPAN_KIND_CONSUMER) links = false;

  out.append("{\"name\":");
  GoString(out, name);
  out.append(",\"id\":");
  const uint64_t id = variant == Variant::kService ? segment_id : span_id_;
  if (id == 0) {
    out.append("null");
  } else {
    AppendQuotedHex64(id, out);
  }
  out.append(",\"start_time\":");
  GoFloat(out, static_cast<double>(span_->start_time_unix_nano()) / 1e9);
  if (!res_.service_json.empty()) {
    out.push_back(',');
    out.append(res_.service_json);
  }
  if (!res_.origin.empty()) {
    out.append(",\"origin\":");
    GoString(out, res_.origin);
  }
  bool first = false;  // fields follow
  AppendStringField("user", Str(slot_[kEnduserId]), first, out);
  if (links) WriteLinks(out);
  out.append(",\"trace_id\":");
  AppendTraceId(span_->trace_id(), out);
  if (in_progress_) {
    out.append(",\"in_progress\":true");
  } else {
    out.append(",\"end_time\":");
    GoFloat(out, static_cast<double>(span_->end_time_unix_nano()) / 1e9);
  }
  if (has_http_ && variant != Variant::kService) WriteHttp(out);

  // fault / error / throttle from the HTTP status code, else from the span status.
  const AnyValue* code_value =
      slot_[kHttpStatusCode] != nullptr ? slot_[kHttpStatusCode] : slot_[kHttpResponseStatusCode];
  const int64_t code = Int(code_value);
  bool fault = false, error = false, throttle = false;
  if (code_value == nullptr || code < 400 || code > 599) {
    fault = status_error_;
  } else if (code <= 499) {
    error = true;
    throttle = code == 429;
  } else {
    fault = true;
  }
  out.append(fault ? ",\"fault\":true"sv : ",\"fault\":false"sv);
  out.append(error ? ",\"error\":true"sv : ",\"error\":false"sv);
  out.append(throttle ? ",\"throttle\":true"sv : ",\"throttle\":false"sv);

  if (has_exceptions_ || !exceptions_.empty()) WriteCause(out);
  if (res_.aws) WriteAws(variant, out);
  WriteAttributes(variant, !subsegment, out);
  if (!ns.empty()) {
    out.append(",\"namespace\":");
    GoString(out, ns);
  }
  if (parent != 0) {
    out.append(",\"parent_id\":");
    AppendQuotedHex64(parent, out);
  }
  if (is_subsegment_type) out.append(",\"type\":\"subsegment\"");
  if (sql_) WriteSql(out);
  out.push_back('}');
}

bool SpanTranslator::Translate(const Span& span, std::vector<std::string>& documents,
                               std::string& error) {
  // Only ids X-Ray cannot take make a span untranslatable (timestamps are not validated). Go
  // writes "id":null for a missing span id, which X-Ray refuses with the rest of its call.
  if (!IsValidTraceId(span.trace_id())) {
    error = "invalid xray traceid: " + HexOf(span.trace_id());
    return false;
  }
  if (SpanIdValue(span.span_id()) == 0) {
    error = "invalid span id: \"" + HexOf(span.span_id()) + "\"";
    return false;
  }
  for (const auto& link : span.links()) {
    if (!IsValidTraceId(link.trace_id())) {
      error = "invalid xray traceid: " + HexOf(link.trace_id());
      return false;
    }
  }
  Analyze(span);
  Sink out(doc_);
  const bool dependency =
      local_root_ && kind_ != Span::SPAN_KIND_SERVER && kind_ != Span::SPAN_KIND_INTERNAL;
  if (!dependency) {
    WriteDocument(local_root_ ? Variant::kLocalRootSegment : Variant::kNormal, 0, out);
    documents.emplace_back(out.view());
    return true;
  }
  // A LOCAL_ROOT dependency span: a service segment with a new id, and the dependency as its
  // subsegment (written first). The id is derived from the span's ids, not random as in Go: a batch
  // the exporter sends again then overwrites the same segment in X-Ray instead of adding one.
  const uint64_t segment_id = internal::DerivedSegmentId(span.trace_id(), span.span_id());
  WriteDocument(Variant::kDependency, segment_id, out);
  documents.emplace_back(out.view());
  out.clear();
  WriteDocument(Variant::kService, segment_id, out);
  documents.emplace_back(out.view());
  return true;
}

}  // namespace

SegmentTranslator::SegmentTranslator(TranslateOptions options)
    : options_(std::move(options)), sorted_indexed_(options_.indexed_attributes) {
  std::sort(sorted_indexed_.begin(), sorted_indexed_.end());
}

size_t SegmentTranslator::Translate(const TracesRequest& request,
                                    std::vector<std::string>& documents,
                                    std::string* first_error) const {
  size_t spans = 0;
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) spans += static_cast<size_t>(ss.spans_size());
  }
  documents.reserve(documents.size() + spans);
  SpanTranslator translator(options_, sorted_indexed_);
  size_t skipped = 0;
  std::string error;
  for (const auto& rs : request.resource_spans()) {
    translator.SetResource(rs.resource());
    for (const auto& ss : rs.scope_spans()) {
      for (const Span& span : ss.spans()) {
        if (translator.Translate(span, documents, error)) continue;
        if (skipped++ == 0 && first_error != nullptr) *first_error = error;
      }
    }
  }
  return skipped;
}

}  // namespace adot::collector::awsxray
