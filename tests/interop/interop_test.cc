// Interop: spans recorded by the real SDK go through each OTLP exporter (HTTP protobuf, HTTP JSON,
// each with and without gzip, and gRPC) to two independent third-party readers, and every field
// must come out as the SDK recorded it:
//   * libprotobuf: the loopback HTTP test server (tests/support) or a grpc++ TraceService server,
//     decoding with the classes protoc generates from the OTLP .proto files (adot_otlp_proto);
//     OTLP/JSON through google::protobuf::util::JsonStringToMessage once the hex ids are base64;
//   * Node.js: js/otlp_sink.js, decoding with the protobufjs classes that the official
//     @opentelemetry/otlp-transformer package generates, and grpc-js for gRPC.
// Expectations come from the SDK itself: an InMemorySpanExporter on a second (simple) processor
// of the same provider captures the SpanData, and both sides are put into one neutral form
// (CanonSpan) before comparing.
//
// Also: the batch processor with the HTTP and gRPC exporters against an endpoint that accepts and
// never answers, and against a closed port: End() never blocks the application, what does not fit
// the queue is counted as dropped, and Shutdown(timeout) keeps to its timeout.

#include <arpa/inet.h>
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "adot/api/context.h"
#include "adot/api/trace/span.h"
#include "adot/api/trace/tracer.h"
#include "adot/exporters/otlp/otlp_grpc_exporter.h"
#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/resource.h"
#include "adot/sdk/trace/in_memory_exporter.h"
#include "adot/sdk/trace/processor.h"
#include "adot/sdk/trace/tracer_provider.h"
#include "common/json_reader.h"
#include "interop/node_sink.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "support/http_test_server.h"

namespace adot::interop {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

namespace api_trace = adot::api::trace;
namespace collector_pb = opentelemetry::proto::collector::trace::v1;
namespace common_pb = opentelemetry::proto::common::v1;
namespace trace_pb = opentelemetry::proto::trace::v1;
using adot::test::NodeSink;
using exporters::otlp::OtlpExporterOptions;
using exporters::otlp::Protocol;
using sdk::OwnedAttributes;
using sdk::OwnedAttributeValue;
using sdk::trace::SpanData;

// -------------------------------------------------------------------------------------------------
// The neutral form both the SDK's SpanData and every reader's output are put into.

// Attributes in order, each value as a tagged text: "bool:true", "int:-5", "double:<%.17g>"
// ("double:nan", "double:inf", "double:-0"), "string[<bytes>]:<raw>", "bytes:<hex>",
// "array:[v,v]", "kvlist:{k=v,k=v}", "empty".
using CanonAttributes = std::vector<std::pair<std::string, std::string>>;

std::string CanonDouble(double d) {
  if (std::isnan(d)) return "double:nan";
  if (std::isinf(d)) return d > 0 ? "double:inf" : "double:-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "double:%.17g", d);
  return buf;
}
std::string CanonString(std::string_view s) {
  return "string[" + std::to_string(s.size()) + "]:" + std::string(s);
}
std::string CanonInt(int64_t i) { return "int:" + std::to_string(i); }
std::string CanonBool(bool b) { return b ? "bool:true" : "bool:false"; }
std::string CanonArray(const std::vector<std::string>& values) {
  std::string out = "array:[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
  return out + "]";
}

// OTLP strings are proto3 strings, which must be valid UTF-8 (libprotobuf and Go's protobuf reject
// a request otherwise), so the exporters replace what is not UTF-8 with U+FFFD. The test inputs
// are bytes that are invalid on their own (0x80-0xBF alone, 0xC0, 0xC1, 0xF5-0xFF, a lead byte
// at the end), for which one U+FFFD per byte is also Unicode's "maximal subpart" practice.
std::string Utf8Sanitized(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
    const uint8_t c = b(i);
    size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                              : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (len > 1) {
      if (i + len > s.size()) {
        len = 0;
      } else {
        uint8_t lo = 0x80, hi = 0xBF;  // second byte range (Unicode Table 3-7)
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
        if (b(i + 1) < lo || b(i + 1) > hi) len = 0;
        for (size_t k = 2; len && k < len; ++k)
          if (b(i + k) < 0x80 || b(i + k) > 0xBF) len = 0;
      }
    }
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

struct CanonEvent {
  uint64_t time_unix_nano = 0;
  std::string name;
  CanonAttributes attributes;
  uint32_t dropped_attributes_count = 0;
};

struct CanonLink {
  std::string trace_id, span_id, trace_state;
  CanonAttributes attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
};

// One span with what encloses it on the wire (resource, scope).
struct CanonSpan {
  std::string trace_id, span_id, trace_state, parent_span_id;
  uint32_t flags = 0;
  std::string name;
  int kind = 0;
  uint64_t start_time_unix_nano = 0, end_time_unix_nano = 0;
  CanonAttributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::vector<CanonEvent> events;
  uint32_t dropped_events_count = 0;
  std::vector<CanonLink> links;
  uint32_t dropped_links_count = 0;
  int status_code = 0;
  std::string status_message;

  CanonAttributes resource_attributes;
  uint32_t resource_dropped_attributes_count = 0;
  std::string resource_schema_url;
  std::string scope_name, scope_version;
  CanonAttributes scope_attributes;
  uint32_t scope_dropped_attributes_count = 0;
  std::string scope_schema_url;
};

// What one reader saw: the spans of every request, and problems with the requests themselves.
struct Received {
  std::vector<CanonSpan> spans;
  size_t requests = 0;
  std::vector<std::string> problems;
};

// Within one request the spans of one resource and one scope must share one ResourceSpans /
// ScopeSpans (the encoder groups them): reports a group that appears twice.
class GroupingCheck {
 public:
  explicit GroupingCheck(Received& out) : out_(out) {}
  void Resource(const CanonAttributes& attributes, const std::string& schema_url) {
    std::string key = schema_url;
    for (const auto& [k, v] : attributes) key += "|" + k + "=" + v;
    if (!resources_.insert(key).second)
      out_.problems.push_back("a resource appears in two ResourceSpans of one request");
    scopes_.clear();
  }
  void Scope(const std::string& name, const std::string& version, const std::string& schema_url) {
    if (!scopes_.insert(name + "|" + version + "|" + schema_url).second)
      out_.problems.push_back("scope '" + name + "' appears in two ScopeSpans of one resource");
  }

 private:
  Received& out_;
  std::set<std::string> resources_, scopes_;
};

// ---- from the SDK --------------------------------------------------------------------------------

std::string CanonOwned(const OwnedAttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return CanonBool(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return CanonInt(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return CanonDouble(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return CanonString(Utf8Sanitized(v));
        } else {
          std::vector<std::string> items;
          for (const auto& item : v) {
            using E = std::decay_t<decltype(item)>;
            if constexpr (std::is_same_v<E, std::string>) {
              items.push_back(CanonString(Utf8Sanitized(item)));
            } else if constexpr (std::is_same_v<E, double>) {
              items.push_back(CanonDouble(item));
            } else if constexpr (std::is_same_v<E, int64_t>) {
              items.push_back(CanonInt(item));
            } else {
              items.push_back(CanonBool(static_cast<bool>(item)));  // vector<bool> proxy
            }
          }
          return CanonArray(items);
        }
      },
      value);
}

CanonAttributes CanonOwnedAttributes(const OwnedAttributes& attributes) {
  CanonAttributes out;
  for (const auto& kv : attributes) out.emplace_back(Utf8Sanitized(kv.key), CanonOwned(kv.value));
  return out;
}

std::string TraceStateText(const api_trace::TraceState* state) {
  return state ? state->ToHeader() : std::string();
}

// OTLP flags as the specification defines them (trace.proto SpanFlags): W3C trace flags in bits
// 0-7, bit 8 "is_remote is known" (always, in this SDK), bit 9 "the parent / linked span is remote".
uint32_t SpecFlags(api_trace::TraceFlags flags, bool remote) {
  return flags.bits() | 0x100u | (remote ? 0x200u : 0u);
}

CanonSpan FromSdk(const SpanData& s) {
  CanonSpan c;
  c.trace_id = s.trace_id.ToHex();
  c.span_id = s.span_id.ToHex();
  c.trace_state = TraceStateText(s.trace_state.get());
  c.parent_span_id = s.has_parent() ? s.parent_span_id.ToHex() : "";  // empty bytes = root
  c.flags = SpecFlags(s.flags, s.parent_is_remote);
  c.name = Utf8Sanitized(s.name);
  c.kind = static_cast<int>(s.kind);
  c.start_time_unix_nano = s.start_time_unix_nano;
  c.end_time_unix_nano = s.end_time_unix_nano;
  c.attributes = CanonOwnedAttributes(s.attributes);
  c.dropped_attributes_count = s.dropped_attributes_count;
  for (const auto& e : s.events) {
    c.events.push_back({e.time_unix_nano, Utf8Sanitized(e.name), CanonOwnedAttributes(e.attributes),
                        e.dropped_attributes_count});
  }
  c.dropped_events_count = s.dropped_events_count;
  for (const auto& l : s.links) {
    c.links.push_back({l.context.trace_id().ToHex(), l.context.span_id().ToHex(),
                       TraceStateText(l.context.trace_state_ptr().get()),
                       CanonOwnedAttributes(l.attributes), l.dropped_attributes_count,
                       SpecFlags(l.context.trace_flags(), l.context.IsRemote())});
  }
  c.dropped_links_count = s.dropped_links_count;
  c.status_code = static_cast<int>(s.status_code);
  c.status_message = Utf8Sanitized(s.status_message);
  c.resource_attributes = CanonOwnedAttributes(s.resource().attributes());
  c.resource_schema_url = Utf8Sanitized(s.resource().schema_url());
  c.scope_name = Utf8Sanitized(s.scope().name);
  c.scope_version = Utf8Sanitized(s.scope().version);
  c.scope_attributes = CanonOwnedAttributes(s.scope().attributes);
  c.scope_schema_url = Utf8Sanitized(s.scope().schema_url);
  return c;
}

// ---- from libprotobuf ----------------------------------------------------------------------------

std::string CanonProto(const common_pb::AnyValue& v);

CanonAttributes CanonProtoAttributes(
    const google::protobuf::RepeatedPtrField<common_pb::KeyValue>& attributes) {
  CanonAttributes out;
  for (const auto& kv : attributes) out.emplace_back(kv.key(), CanonProto(kv.value()));
  return out;
}

std::string CanonProto(const common_pb::AnyValue& v) {
  switch (v.value_case()) {
    case common_pb::AnyValue::kStringValue:
      return CanonString(v.string_value());
    case common_pb::AnyValue::kBoolValue:
      return CanonBool(v.bool_value());
    case common_pb::AnyValue::kIntValue:
      return CanonInt(v.int_value());
    case common_pb::AnyValue::kDoubleValue:
      return CanonDouble(v.double_value());
    case common_pb::AnyValue::kArrayValue: {
      std::vector<std::string> items;
      for (const auto& item : v.array_value().values()) items.push_back(CanonProto(item));
      return CanonArray(items);
    }
    case common_pb::AnyValue::kKvlistValue: {
      std::string out = "kvlist:{";
      for (const auto& kv : v.kvlist_value().values())
        out += kv.key() + "=" + CanonProto(kv.value()) + ",";
      return out + "}";
    }
    case common_pb::AnyValue::kBytesValue:
      return "bytes:" + Hex(v.bytes_value());
    default:
      return "empty";
  }
}

void AddProtoRequest(const collector_pb::ExportTraceServiceRequest& request, Received& out) {
  ++out.requests;
  GroupingCheck grouping(out);
  for (const auto& rs : request.resource_spans()) {
    CanonAttributes resource_attributes = CanonProtoAttributes(rs.resource().attributes());
    grouping.Resource(resource_attributes, rs.schema_url());
    for (const auto& ss : rs.scope_spans()) {
      grouping.Scope(ss.scope().name(), ss.scope().version(), ss.schema_url());
      for (const auto& s : ss.spans()) {
        CanonSpan c;
        c.trace_id = Hex(s.trace_id());
        c.span_id = Hex(s.span_id());
        c.trace_state = s.trace_state();
        c.parent_span_id = Hex(s.parent_span_id());
        c.flags = s.flags();
        c.name = s.name();
        c.kind = s.kind();
        c.start_time_unix_nano = s.start_time_unix_nano();
        c.end_time_unix_nano = s.end_time_unix_nano();
        c.attributes = CanonProtoAttributes(s.attributes());
        c.dropped_attributes_count = s.dropped_attributes_count();
        for (const auto& e : s.events()) {
          c.events.push_back({e.time_unix_nano(), e.name(), CanonProtoAttributes(e.attributes()),
                              e.dropped_attributes_count()});
        }
        c.dropped_events_count = s.dropped_events_count();
        for (const auto& l : s.links()) {
          c.links.push_back({Hex(l.trace_id()), Hex(l.span_id()), l.trace_state(),
                             CanonProtoAttributes(l.attributes()), l.dropped_attributes_count(),
                             l.flags()});
        }
        c.dropped_links_count = s.dropped_links_count();
        c.status_code = s.status().code();
        c.status_message = s.status().message();
        c.resource_attributes = resource_attributes;
        c.resource_dropped_attributes_count = rs.resource().dropped_attributes_count();
        c.resource_schema_url = rs.schema_url();
        c.scope_name = ss.scope().name();
        c.scope_version = ss.scope().version();
        c.scope_attributes = CanonProtoAttributes(ss.scope().attributes());
        c.scope_dropped_attributes_count = ss.scope().dropped_attributes_count();
        c.scope_schema_url = ss.schema_url();
        out.spans.push_back(std::move(c));
      }
    }
  }
}

// Makes an OTLP/JSON document one that libprotobuf's proto3 JSON parser reads as meant:
//  * OTLP/JSON is the proto3 JSON mapping except that trace and span ids are hex, not base64: the
//    values of every "traceId", "spanId" and "parentSpanId" key become base64 (an id that is not
//    hex is an error);
//  * libprotobuf (3.21) parses the JSON number -0 as +0.0, although RFC 8259 and JavaScript read
//    it as negative zero and libprotobuf's own serializer writes -0.0 as -0: a bare -0 number
//    becomes -0.0, which it reads right.
// Everything else, strings included, is copied untouched.
std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = uint8_t(bytes[i]) << 16 | uint8_t(bytes[i + 1]) << 8 | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16 | uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

bool PrepareJsonForLibprotobuf(std::string_view json, std::string& out, std::string& error) {
  out.clear();
  out.reserve(json.size());
  std::string last_string;  // raw text of the last string token, quotes excluded
  bool last_was_string = false;
  size_t i = 0;
  auto read_string = [&](size_t start, size_t& end) {  // json[start] == '"'
    size_t j = start + 1;
    while (j < json.size() && json[j] != '"') j += json[j] == '\\' ? 2 : 1;
    end = std::min(j + 1, json.size());
    return json.substr(start + 1, j - start - 1);
  };
  while (i < json.size()) {
    char c = json[i];
    if (c == '"') {
      size_t end;
      std::string_view s = read_string(i, end);
      out.append(json.substr(i, end - i));
      last_string.assign(s);
      last_was_string = true;
      i = end;
      continue;
    }
    if (c == ':' && last_was_string &&
        (last_string == "traceId" || last_string == "spanId" || last_string == "parentSpanId")) {
      out += c;
      ++i;
      while (i < json.size() && std::isspace(static_cast<unsigned char>(json[i]))) out += json[i++];
      if (i < json.size() && json[i] == '"') {
        size_t end;
        std::string_view hex = read_string(i, end);
        if (hex.size() % 2 != 0 ||
            !std::all_of(hex.begin(), hex.end(), [](char h) { return std::isxdigit(uint8_t(h)); })) {
          error = last_string + " is not hex: \"" + std::string(hex) + "\"";
          return false;
        }
        std::string bytes;
        for (size_t k = 0; k < hex.size(); k += 2)
          bytes += static_cast<char>(std::stoi(std::string(hex.substr(k, 2)), nullptr, 16));
        out += '"' + Base64(bytes) + '"';
        i = end;
      }
      last_was_string = false;
      continue;
    }
    if (c == '-' && json.substr(i, 2) == "-0" &&
        (i + 2 == json.size() || std::string_view(".eE0123456789").find(json[i + 2]) ==
                                     std::string_view::npos)) {
      out += "-0.0";
      i += 2;
      last_was_string = false;
      continue;
    }
    if (!std::isspace(static_cast<unsigned char>(c))) last_was_string = false;
    out += c;
    ++i;
  }
  return true;
}

// ---- from the Node.js sink's JSON lines ----------------------------------------------------------

class NodeLineReader {
 public:
  explicit NodeLineReader(Received& out) : out_(out) {}

  void AddLine(const std::string& line) {
    common::JsonValue record;
    std::string error;
    if (!common::ParseJson(line, record, &error)) return Problem("unparsable line: " + error);
    if (const auto* e = record.Find("error")) return Problem("sink could not decode: " + e->text());
    if (const auto* v = record.Find("json_violations")) {
      for (const auto& item : v->array()) Problem("OTLP/JSON rule broken: " + item.text());
    }
    const auto* request = record.Find("request");
    if (!request) return Problem("line without request: " + line);
    ++out_.requests;
    GroupingCheck grouping(out_);
    for (const auto& rs : Array(*request, "resource_spans")) {
      CanonAttributes resource_attributes;
      uint32_t resource_dropped = 0;
      if (const auto* r = rs.Find("resource"); r && r->is_object()) {
        resource_attributes = Attributes(*r);
        resource_dropped = U32(*r, "dropped_attributes_count");
      }
      grouping.Resource(resource_attributes, Str(rs, "schema_url"));
      for (const auto& ss : Array(rs, "scope_spans")) {
        std::string scope_name, scope_version;
        CanonAttributes scope_attributes;
        uint32_t scope_dropped = 0;
        if (const auto* sc = ss.Find("scope"); sc && sc->is_object()) {
          scope_name = Str(*sc, "name");
          scope_version = Str(*sc, "version");
          scope_attributes = Attributes(*sc);
          scope_dropped = U32(*sc, "dropped_attributes_count");
        }
        grouping.Scope(scope_name, scope_version, Str(ss, "schema_url"));
        for (const auto& s : Array(ss, "spans")) {
          CanonSpan c;
          c.trace_id = Str(s, "trace_id");
          c.span_id = Str(s, "span_id");
          c.trace_state = Str(s, "trace_state");
          c.parent_span_id = Str(s, "parent_span_id");
          c.flags = U32(s, "flags");
          c.name = Str(s, "name");
          c.kind = static_cast<int>(U64(s, "kind"));
          c.start_time_unix_nano = U64(s, "start_time_unix_nano");
          c.end_time_unix_nano = U64(s, "end_time_unix_nano");
          c.attributes = Attributes(s);
          c.dropped_attributes_count = U32(s, "dropped_attributes_count");
          for (const auto& e : Array(s, "events")) {
            c.events.push_back({U64(e, "time_unix_nano"), Str(e, "name"), Attributes(e),
                                U32(e, "dropped_attributes_count")});
          }
          c.dropped_events_count = U32(s, "dropped_events_count");
          for (const auto& l : Array(s, "links")) {
            c.links.push_back({Str(l, "trace_id"), Str(l, "span_id"), Str(l, "trace_state"),
                               Attributes(l), U32(l, "dropped_attributes_count"), U32(l, "flags")});
          }
          c.dropped_links_count = U32(s, "dropped_links_count");
          if (const auto* st = s.Find("status")) {
            c.status_code = static_cast<int>(U64(*st, "code"));
            c.status_message = Str(*st, "message");
          }
          c.resource_attributes = resource_attributes;
          c.resource_dropped_attributes_count = resource_dropped;
          c.resource_schema_url = Str(rs, "schema_url");
          c.scope_name = scope_name;
          c.scope_version = scope_version;
          c.scope_attributes = scope_attributes;
          c.scope_dropped_attributes_count = scope_dropped;
          c.scope_schema_url = Str(ss, "schema_url");
          out_.spans.push_back(std::move(c));
        }
      }
    }
  }

 private:
  void Problem(std::string text) { out_.problems.push_back(std::move(text)); }

  const common::JsonValue& Field(const common::JsonValue& object, std::string_view key) {
    static const common::JsonValue kNull;
    const auto* v = object.Find(key);
    if (!v) {
      Problem("sink output lacks '" + std::string(key) + "'");
      return kNull;
    }
    return *v;
  }
  const std::vector<common::JsonValue>& Array(const common::JsonValue& object,
                                              std::string_view key) {
    return Field(object, key).array();
  }
  std::string Str(const common::JsonValue& object, std::string_view key) {
    return Field(object, key).text();
  }
  uint64_t U64(const common::JsonValue& object, std::string_view key) {
    uint64_t v = 0;
    if (!Field(object, key).GetUint64(v)) Problem("'" + std::string(key) + "' is not a uint64");
    return v;
  }
  uint32_t U32(const common::JsonValue& object, std::string_view key) {
    return static_cast<uint32_t>(U64(object, key));
  }

  std::string Value(const common::JsonValue& v) {
    const std::string type = Str(v, "type");
    if (type == "string") return CanonString(Str(v, "value"));
    if (type == "bool") return CanonBool(Field(v, "value").bool_value());
    if (type == "int") {
      int64_t i = 0;
      if (!Field(v, "value").GetInt64(i)) Problem("int value is not an int64");
      return CanonInt(i);
    }
    if (type == "double") {
      // JavaScript's shortest round-trip text, or NaN / Infinity / -Infinity / -0: strtod
      // reads them all back to the same double.
      return CanonDouble(std::strtod(Str(v, "value").c_str(), nullptr));
    }
    if (type == "bytes") return "bytes:" + Str(v, "value");
    if (type == "array") {
      std::vector<std::string> items;
      for (const auto& item : Array(v, "values")) items.push_back(Value(item));
      return CanonArray(items);
    }
    if (type == "kvlist") {
      std::string out = "kvlist:{";
      for (const auto& kv : Array(v, "values")) out += Str(kv, "key") + "=" + Value(Field(kv, "value")) + ",";
      return out + "}";
    }
    return "empty";
  }
  CanonAttributes Attributes(const common::JsonValue& object) {
    CanonAttributes out;
    for (const auto& kv : Array(object, "attributes")) out.emplace_back(Str(kv, "key"), Value(Field(kv, "value")));
    return out;
  }

  Received& out_;
};

// -------------------------------------------------------------------------------------------------
// Comparison

void ExpectEventsEqual(const std::vector<CanonEvent>& want, const std::vector<CanonEvent>& got) {
  ASSERT_EQ(want.size(), got.size()) << "event count";
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("event #" + std::to_string(i) + " '" + want[i].name + "'");
    EXPECT_EQ(want[i].time_unix_nano, got[i].time_unix_nano);
    EXPECT_EQ(want[i].name, got[i].name);
    EXPECT_EQ(want[i].attributes, got[i].attributes);
    EXPECT_EQ(want[i].dropped_attributes_count, got[i].dropped_attributes_count);
  }
}

void ExpectLinksEqual(const std::vector<CanonLink>& want, const std::vector<CanonLink>& got) {
  ASSERT_EQ(want.size(), got.size()) << "link count";
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("link #" + std::to_string(i));
    EXPECT_EQ(want[i].trace_id, got[i].trace_id);
    EXPECT_EQ(want[i].span_id, got[i].span_id);
    EXPECT_EQ(want[i].trace_state, got[i].trace_state);
    EXPECT_EQ(want[i].attributes, got[i].attributes);
    EXPECT_EQ(want[i].dropped_attributes_count, got[i].dropped_attributes_count);
    EXPECT_EQ(want[i].flags, got[i].flags) << std::hex << "0x" << want[i].flags << " vs 0x"
                                           << got[i].flags;
  }
}

void ExpectSpanEqual(const CanonSpan& want, const CanonSpan& got) {
  EXPECT_EQ(want.trace_id, got.trace_id);
  EXPECT_EQ(want.span_id, got.span_id);
  EXPECT_EQ(want.trace_state, got.trace_state);
  EXPECT_EQ(want.parent_span_id, got.parent_span_id);
  EXPECT_EQ(want.flags, got.flags) << std::hex << "0x" << want.flags << " vs 0x" << got.flags;
  EXPECT_EQ(want.name, got.name);
  EXPECT_EQ(want.kind, got.kind);
  EXPECT_EQ(want.start_time_unix_nano, got.start_time_unix_nano);
  EXPECT_EQ(want.end_time_unix_nano, got.end_time_unix_nano);
  EXPECT_EQ(want.attributes, got.attributes);
  EXPECT_EQ(want.dropped_attributes_count, got.dropped_attributes_count);
  ExpectEventsEqual(want.events, got.events);
  EXPECT_EQ(want.dropped_events_count, got.dropped_events_count);
  ExpectLinksEqual(want.links, got.links);
  EXPECT_EQ(want.dropped_links_count, got.dropped_links_count);
  EXPECT_EQ(want.status_code, got.status_code);
  EXPECT_EQ(want.status_message, got.status_message);
  EXPECT_EQ(want.resource_attributes, got.resource_attributes);
  EXPECT_EQ(want.resource_dropped_attributes_count, got.resource_dropped_attributes_count);
  EXPECT_EQ(want.resource_schema_url, got.resource_schema_url);
  EXPECT_EQ(want.scope_name, got.scope_name);
  EXPECT_EQ(want.scope_version, got.scope_version);
  EXPECT_EQ(want.scope_attributes, got.scope_attributes);
  EXPECT_EQ(want.scope_dropped_attributes_count, got.scope_dropped_attributes_count);
  EXPECT_EQ(want.scope_schema_url, got.scope_schema_url);
}

void ExpectReceivedAsRecorded(const std::vector<SpanData>& recorded, const Received& received) {
  for (const auto& p : received.problems) ADD_FAILURE() << p;
  EXPECT_GE(received.requests, 1u);
  ASSERT_EQ(received.spans.size(), recorded.size()) << "spans received vs recorded";
  std::map<std::string, const CanonSpan*> by_id;
  for (const auto& s : received.spans) {
    EXPECT_TRUE(by_id.emplace(s.span_id, &s).second) << "span " << s.span_id << " received twice";
  }
  for (const auto& data : recorded) {
    CanonSpan want = FromSdk(data);
    SCOPED_TRACE("span '" + want.name + "' (" + want.span_id + ")");
    auto it = by_id.find(want.span_id);
    if (it == by_id.end()) {
      ADD_FAILURE() << "not received";
      continue;
    }
    ExpectSpanEqual(want, *it->second);
  }
}

// -------------------------------------------------------------------------------------------------
// The spans: every field of the data model, with SpanLimits forcing drops.

constexpr size_t kAttributeLimit = 27;

sdk::trace::SpanLimits InteropLimits() {
  sdk::trace::SpanLimits limits;
  limits.attribute_count = kAttributeLimit;
  limits.attribute_value_length = 40;  // bytes; cuts at a UTF-8 boundary
  limits.event_count = 3;
  limits.link_count = 2;
  limits.event_attribute_count = 5;
  limits.link_attribute_count = 2;
  return limits;
}

std::shared_ptr<const sdk::Resource> InteropResource() {
  return std::make_shared<const sdk::Resource>(
      OwnedAttributes{
          {"service.name", std::string("adot-interop")},
          {"service.version", std::string("1.0.0-ünïcode")},
          {"res.bool", true},
          {"res.int", int64_t{-1234567890123}},
          {"res.double", 0.1},
          {"res.strings", std::vector<std::string>{"a", "b,c", ""}},
          {"res.ints", std::vector<int64_t>{1, -2}},
      },
      "https://opentelemetry.io/schemas/1.26.0");
}

// Returns the number of spans it ended (all sampled).
size_t RecordInteropSpans(sdk::trace::TracerProvider& provider) {
  using api::AttributeValue;
  using api::KeyValue;
  auto tracer_a = provider.GetTracer("interop.scope.a", "1.2.3",
                                     "https://opentelemetry.io/schemas/1.24.0",
                                     {{"scope.attr", "scope-value"}, {"scope.int", 7}});
  auto tracer_b = provider.GetTracer("interop.scope.b");  // no version, schema or attributes
  size_t ended = 0;

  // Links, one of them over the link limit; the first with a trace state and more attributes than
  // the link attribute limit.
  const api_trace::SpanContext linked_remote(
      api_trace::TraceId::FromHex("0af7651916cd43dd8448eb211c80319c"),
      api_trace::SpanId::FromHex("b7ad6b7169203331"), api_trace::TraceFlags(0x01), true,
      api_trace::TraceState::FromHeader("vendor1=value1,tenant@vendor2=x-y_z"));
  const api_trace::SpanContext linked_local_unsampled(
      api_trace::TraceId::FromHex("ffffffffffffffffffffffffffffffff"),
      api_trace::SpanId::FromHex("0000000000000001"), api_trace::TraceFlags(0x00), false);
  const api_trace::SpanContext linked_over_limit(
      api_trace::TraceId::FromHex("00000000000000000000000000000001"),
      api_trace::SpanId::FromHex("ffffffffffffffff"), api_trace::TraceFlags(0x03), true);
  const std::vector<KeyValue> link_attributes = {
      {"link.string", "ü"}, {"link.int", int64_t{-3}}, {"link.dropped", true}};
  const api_trace::Link links[] = {
      {linked_remote, link_attributes},
      {linked_local_unsampled, {}},
      {linked_over_limit, {}},
  };

  // The span with everything: a server span with explicit timestamps.
  const bool bools[] = {true, false, true};
  const int64_t ints[] = {std::numeric_limits<int64_t>::min(), -1, 0, 9007199254740993,
                          std::numeric_limits<int64_t>::max()};
  const double doubles[] = {1.5, -2.25, 0.0, 1e-300, 123456789.123456789};
  const std::string_view strings[] = {"a", "ü日本", "", "with \"quotes\", commas\n", "bad\xF5"};
  const std::span<const std::string_view> no_strings;
  const std::string embedded_nul("nul\0inside", 10);
  const std::vector<KeyValue> everything = {
      {"bool.true", true},
      {"bool.false", false},
      {"int.zero", int64_t{0}},
      {"int.negative", int64_t{-42}},
      {"int.min", std::numeric_limits<int64_t>::min()},
      {"int.max", std::numeric_limits<int64_t>::max()},
      {"int.2^53+1", int64_t{9007199254740993}},  // not a JavaScript-safe integer
      {"double.pi", 3.141592653589793},
      {"double.negative_zero", -0.0},
      {"double.denormal", 5e-324},
      {"double.max", std::numeric_limits<double>::max()},
      {"double.infinity", std::numeric_limits<double>::infinity()},
      {"double.-infinity", -std::numeric_limits<double>::infinity()},
      {"double.nan", std::numeric_limits<double>::quiet_NaN()},
      {"double.integral", 2.0},
      {"string.empty", ""},
      {"string.invalid_utf8", "ok\xFF\xFE lone\x80 never\xC0\xC1 cut\xC3"},
      {"string.unicode", "héllo wörld ✓ 日本語 😀"},
      {"string.escapes", "quote\" backslash\\ slash/ \b\f\n\r\t \x01\x1f end"},
      {"string.nul", std::string_view(embedded_nul)},
      // 51 bytes: the 40-byte limit falls inside the 20th 'ü' (2 bytes each), so the SDK keeps
      // 39 bytes and the value stays valid UTF-8 (libprotobuf rejects invalid UTF-8 strings).
      {"string.truncated", "+üüüüüüüüüüüüüüüüüüüüüüüüü"},
      {"array.bool", std::span<const bool>(bools)},
      {"array.int", std::span<const int64_t>(ints)},
      {"array.double", std::span<const double>(doubles)},
      {"array.string", std::span<const std::string_view>(strings)},
      {"array.empty", no_strings},
  };
  api_trace::StartSpanOptions server_options;
  server_options.kind = api_trace::SpanKind::kServer;
  server_options.root = true;
  server_options.start_time_unix_nano = 1'700'000'000'123'456'789ull;
  server_options.links = links;
  auto server = tracer_a->StartSpan("GET /ünïcödé/{id}", everything, server_options);
  // Over the attribute limit: dropped and counted. Replacing a kept key is not a drop.
  server->SetAttribute("over.limit.1", 1);
  server->SetAttribute("over.limit.2", "x");
  server->SetAttribute("over.limit.3", 2.5);
  server->SetAttribute("int.zero", int64_t{100});
  // Events: the first over the event attribute limit, then one too many events.
  server->AddEvent("event with attributes ✓",
                   {{"e.string", "v"},
                    {"e.int", int64_t{-9}},
                    {"e.double", 0.25},
                    {"e.bool", true},
                    {"e.array", std::span<const int64_t>(ints)},
                    {"e.dropped.1", 1},
                    {"e.dropped.2", 2}},
                   1'700'000'000'123'456'790ull);
  server->AddEvent("event without attributes", {}, 1'700'000'000'200'000'000ull);
  server->RecordException("std::runtime_error", "bad thing: ✗",
                          "frame 0\nframe 1", {{"exception.escaped", false}},
                          1'700'000'000'300'000'000ull);
  server->AddEvent("event over the limit", {}, 1'700'000'000'400'000'000ull);
  server->SetStatus(api_trace::StatusCode::kError, "błąd: ✗ failed");
  const api::Context server_context = api_trace::ContextWithSpan(api::Context(), server);

  // A child of each other kind, local parent.
  const std::pair<api_trace::SpanKind, const char*> kinds[] = {
      {api_trace::SpanKind::kInternal, "internal"},
      {api_trace::SpanKind::kClient, "client"},
      {api_trace::SpanKind::kProducer, "producer"},
      {api_trace::SpanKind::kConsumer, "consumer"},
  };
  for (const auto& [kind, name] : kinds) {
    api_trace::StartSpanOptions options;
    options.kind = kind;
    options.parent = &server_context;
    auto child = tracer_a->StartSpan(name, {{"kind.name", name}}, options);
    if (kind == api_trace::SpanKind::kProducer) {
      child->UpdateName("producer \xFF (name not UTF-8)");
      child->SetAttribute("key.not.utf8.\xC0", "v");
    }
    if (kind == api_trace::SpanKind::kClient) {
      child->SetStatus(api_trace::StatusCode::kOk);
      child->AddLink(linked_remote, {{"added.after.start", true}});
    }
    child->End();
    ++ended;
  }
  server->End(1'700'000'001'623'456'789ull);
  ++ended;

  // A child of a remote parent with a trace state and the "random" trace flag.
  const api_trace::SpanContext remote_parent(
      api_trace::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
      api_trace::SpanId::FromHex("00f067aa0ba902b7"), api_trace::TraceFlags(0x03), true,
      api_trace::TraceState::FromHeader("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
  const api::Context remote_context = api_trace::ContextWithSpan(
      api::Context(), std::make_shared<api_trace::NonRecordingSpan>(remote_parent));
  api_trace::StartSpanOptions consumer_options;
  consumer_options.kind = api_trace::SpanKind::kConsumer;
  consumer_options.parent = &remote_context;
  auto consumer = tracer_b->StartSpan("process message", consumer_options);
  consumer->UpdateName("process message (renamed)");
  consumer->SetStatus(api_trace::StatusCode::kError);
  consumer->End();
  ++ended;

  // A plain root span of the second scope.
  api_trace::StartSpanOptions root_options;
  root_options.root = true;
  tracer_b->StartSpan("root of scope b", root_options)->End();
  ++ended;
  return ended;
}

// -------------------------------------------------------------------------------------------------
// Readers

enum class Reader { kLibprotobuf, kNode };

// A grpc++ TraceService on 127.0.0.1:0 that keeps every request.
class GrpcReceiver final : public collector_pb::TraceService::Service {
 public:
  GrpcReceiver() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    builder.SetMaxReceiveMessageSize(64 << 20);
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) throw std::runtime_error("cannot start the gRPC receiver");
  }
  ~GrpcReceiver() override { server_->Shutdown(std::chrono::system_clock::now() + seconds(2)); }

  grpc::Status Export(grpc::ServerContext*, const collector_pb::ExportTraceServiceRequest* request,
                      collector_pb::ExportTraceServiceResponse*) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(*request);
    return grpc::Status::OK;
  }
  std::vector<collector_pb::ExportTraceServiceRequest> Requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mutex_;
  std::vector<collector_pb::ExportTraceServiceRequest> requests_;
};

// -------------------------------------------------------------------------------------------------
// Round trip: every protocol × both readers

struct Case {
  Protocol protocol;
  bool gzip;
  Reader reader;
};

std::string CaseText(const Case& c) {
  std::string name = c.protocol == Protocol::kHttpProtobuf ? "HttpProtobuf"
                     : c.protocol == Protocol::kHttpJson   ? "HttpJson"
                                                           : "Grpc";
  if (c.gzip) name += "Gzip";
  name += c.reader == Reader::kLibprotobuf ? "_Libprotobuf" : "_NodeJs";
  return name;
}
std::string CaseName(const ::testing::TestParamInfo<Case>& info) { return CaseText(info.param); }
void PrintTo(const Case& c, std::ostream* os) { *os << CaseText(c); }

class InteropRoundTrip : public ::testing::TestWithParam<Case> {
 protected:
  // Records the spans through provider → {batch processor → exporter, simple processor →
  // in-memory}, flushes, and returns what the SDK recorded.
  std::vector<SpanData> RecordAndExport(const std::string& endpoint) {
    const Case& c = GetParam();
    OtlpExporterOptions options;
    options.endpoint = endpoint;
    options.protocol = c.protocol;
    options.gzip = c.gzip;
    options.timeout = milliseconds(5000);
    options.retry.max_attempts = 1;  // a failed export shows as a failure, not as a delay
    auto exporter = c.protocol == Protocol::kGrpc
                        ? exporters::otlp::CreateOtlpGrpcSpanExporter(options)
                        : exporters::otlp::CreateOtlpHttpSpanExporter(options);
    EXPECT_NE(exporter, nullptr);

    sdk::trace::BatchSpanProcessorOptions batch_options;
    batch_options.schedule_delay = seconds(60);  // only ForceFlush exports: one request
    auto batch = std::make_shared<sdk::trace::BatchSpanProcessor>(std::move(exporter), batch_options);
    auto store = std::make_shared<sdk::trace::InMemorySpanStore>();
    sdk::trace::TracerProviderOptions provider_options;
    provider_options.resource = InteropResource();
    provider_options.limits = InteropLimits();
    provider_options.processors.push_back(batch);
    provider_options.processors.push_back(sdk::trace::CreateSimpleSpanProcessor(
        std::make_unique<sdk::trace::InMemorySpanExporter>(store)));
    sdk::trace::TracerProvider provider(std::move(provider_options));

    const size_t ended = RecordInteropSpans(provider);
    EXPECT_TRUE(provider.ForceFlush(seconds(10)));
    const auto stats = batch->GetStats();
    EXPECT_EQ(stats.exported, ended);
    EXPECT_EQ(stats.export_failed, 0u);
    EXPECT_EQ(stats.dropped, 0u);
    EXPECT_TRUE(provider.Shutdown(seconds(10)));
    auto recorded = store->Take();
    EXPECT_EQ(recorded.size(), ended);
    return recorded;
  }
};

TEST_P(InteropRoundTrip, EveryFieldAsRecorded) {
  const Case& c = GetParam();
  const bool http = c.protocol != Protocol::kGrpc;
  const bool json = c.protocol == Protocol::kHttpJson;
  Received received;
  std::vector<SpanData> recorded;

  if (c.reader == Reader::kLibprotobuf && http) {
    test::HttpTestServer server;
    server.SetDefaultResponse(test::TestResponse::Status(200, json ? "{}" : "")
                                  .WithHeader("Content-Type",
                                              json ? "application/json" : "application/x-protobuf"));
    recorded = RecordAndExport(server.Url("/v1/traces"));
    for (const auto& r : server.Requests()) {
      EXPECT_EQ(r.method, "POST");
      EXPECT_EQ(r.target, "/v1/traces");
      EXPECT_EQ(r.Header("Content-Type"), json ? "application/json" : "application/x-protobuf");
      if (c.gzip) {
        EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
        EXPECT_FALSE(r.gzip_error);
        EXPECT_NE(r.raw_body, r.body);
      } else {
        EXPECT_FALSE(r.HasHeader("Content-Encoding"));
      }
      collector_pb::ExportTraceServiceRequest request;
      if (json) {
        std::string converted, error;
        ASSERT_TRUE(PrepareJsonForLibprotobuf(r.body, converted, error)) << error;
        google::protobuf::util::JsonParseOptions parse_options;
        parse_options.ignore_unknown_fields = false;  // an unknown (misspelt) field is an error
        auto status = google::protobuf::util::JsonStringToMessage(converted, &request, parse_options);
        ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << r.body;
      } else {
        ASSERT_TRUE(request.ParseFromString(r.body)) << "libprotobuf rejected the body";
      }
      AddProtoRequest(request, received);
    }
  } else if (c.reader == Reader::kLibprotobuf) {
    GrpcReceiver receiver;
    recorded = RecordAndExport(receiver.Endpoint());
    for (const auto& request : receiver.Requests()) AddProtoRequest(request, received);
  } else {
    NodeSink sink(ADOT_INTEROP_NODE, ADOT_INTEROP_JS_DIR);
    recorded = RecordAndExport(http ? sink.HttpUrl() : sink.GrpcEndpoint());
    NodeLineReader reader(received);
    for (const auto& line : sink.Lines()) {
      common::JsonValue record;
      if (common::ParseJson(line, record)) {
        const auto* transport = record.Find("transport");
        EXPECT_EQ(transport ? transport->text() : "", http ? "http" : "grpc");
        if (http) {
          const auto* type = record.Find("content_type");
          const auto* encoding = record.Find("content_encoding");
          EXPECT_EQ(type ? type->text() : "", json ? "application/json" : "application/x-protobuf");
          EXPECT_EQ(encoding ? encoding->text() : "", c.gzip ? "gzip" : "identity");
        }
      }
      reader.AddLine(line);
    }
  }
  ExpectReceivedAsRecorded(recorded, received);
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (Reader reader : {Reader::kLibprotobuf, Reader::kNode}) {
    for (Protocol protocol : {Protocol::kHttpProtobuf, Protocol::kHttpJson, Protocol::kGrpc}) {
      for (bool gzip : {false, true}) cases.push_back({protocol, gzip, reader});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllProtocolsBothReaders, InteropRoundTrip, ::testing::ValuesIn(AllCases()),
                         CaseName);

// The expectations themselves cover what this test means to cover (so a change in the SDK cannot
// quietly shrink the round trip to nothing).
TEST(InteropSpans, CoverEveryField) {
  auto store = std::make_shared<sdk::trace::InMemorySpanStore>();
  sdk::trace::TracerProviderOptions options;
  options.resource = InteropResource();
  options.limits = InteropLimits();
  options.processors.push_back(sdk::trace::CreateSimpleSpanProcessor(
      std::make_unique<sdk::trace::InMemorySpanExporter>(store)));
  sdk::trace::TracerProvider provider(std::move(options));
  const size_t ended = RecordInteropSpans(provider);
  auto spans = store->Take();
  ASSERT_EQ(spans.size(), ended);

  std::set<int> kinds;
  std::set<int> statuses;
  bool remote_parent_with_state = false, dropped_all = false, link_state = false;
  bool truncated = false, two_scopes = false;
  std::set<std::string> scopes;
  for (const auto& s : spans) {
    kinds.insert(static_cast<int>(s.kind));
    statuses.insert(static_cast<int>(s.status_code));
    scopes.insert(s.scope().name);
    if (s.parent_is_remote && s.trace_state && !s.trace_state->empty()) remote_parent_with_state = true;
    if (s.dropped_attributes_count > 0 && s.dropped_events_count > 0 && s.dropped_links_count > 0 &&
        !s.events.empty() && s.events[0].dropped_attributes_count > 0 && !s.links.empty() &&
        s.links[0].dropped_attributes_count > 0)
      dropped_all = true;
    for (const auto& l : s.links)
      if (!l.context.trace_state().empty()) link_state = true;
    for (const auto& kv : s.attributes)
      if (kv.key == "string.truncated") truncated = std::get<std::string>(kv.value).size() == 39;
  }
  two_scopes = scopes.size() == 2;
  EXPECT_EQ(kinds, (std::set<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(statuses, (std::set<int>{0, 1, 2}));
  EXPECT_TRUE(remote_parent_with_state);
  EXPECT_TRUE(dropped_all);
  EXPECT_TRUE(link_state);
  EXPECT_TRUE(truncated);
  EXPECT_TRUE(two_scopes);
}

// What PrepareJsonForLibprotobuf changes, and what it leaves alone.
TEST(InteropJsonForLibprotobuf, HexIdsBecomeBase64NegativeZeroKeepsItsSign) {
  std::string out, error;
  ASSERT_TRUE(PrepareJsonForLibprotobuf(
      R"({"traceId" : "0102", "name":"\"spanId\":\"zz\" -0", "x":{"spanId":""},"parentSpanId":"ff"})",
      out, error));
  EXPECT_EQ(out, R"({"traceId" : "AQI=", "name":"\"spanId\":\"zz\" -0", "x":{"spanId":""},"parentSpanId":"/w=="})");
  ASSERT_TRUE(PrepareJsonForLibprotobuf(R"([-0,-0.5,-0e1,-01,-0])", out, error));
  EXPECT_EQ(out, R"([-0.0,-0.5,-0e1,-01,-0.0])");
  common_pb::AnyValue value;
  ASSERT_TRUE(PrepareJsonForLibprotobuf(R"({"doubleValue":-0})", out, error));
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(out, &value).ok());
  EXPECT_TRUE(std::signbit(value.double_value()));
  EXPECT_FALSE(PrepareJsonForLibprotobuf(R"({"traceId":"AQI="})", out, error));
  EXPECT_EQ(Base64("abc"), "YWJj");
}

// -------------------------------------------------------------------------------------------------
// A stalled or dead endpoint: the application never waits for it.

enum class Endpoint { kStalled, kClosedPort };

// A loopback port whose connections complete (the kernel's backlog accepts them) but are never
// accepted nor read: a stalled gRPC endpoint.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(fd_, 64) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("SilentListener: cannot listen on 127.0.0.1:0");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

struct DeadCase {
  Endpoint endpoint;
  Protocol protocol;
};

std::string DeadCaseText(const DeadCase& c) {
  std::string name = c.endpoint == Endpoint::kStalled ? "Stalled" : "ClosedPort";
  return name + (c.protocol == Protocol::kGrpc ? "_Grpc" : "_HttpProtobuf");
}
std::string DeadCaseName(const ::testing::TestParamInfo<DeadCase>& info) {
  return DeadCaseText(info.param);
}
void PrintTo(const DeadCase& c, std::ostream* os) { *os << DeadCaseText(c); }

class DeadEndpoint : public ::testing::TestWithParam<DeadCase> {};

TEST_P(DeadEndpoint, EndNeverBlocksDropsAreCountedShutdownKeepsItsTimeout) {
  const DeadCase& c = GetParam();
  const bool grpc_protocol = c.protocol == Protocol::kGrpc;
  // Stalled: for HTTP the test server accepts, reads the request and never answers; for gRPC a
  // listener whose connections are never accepted. Closed: nothing listens.
  std::optional<test::HttpTestServer> server;
  std::optional<SilentListener> silent;
  std::optional<test::ClosedPort> closed;
  std::string base;
  if (c.endpoint == Endpoint::kStalled && !grpc_protocol) {
    server.emplace();
    server->SetStall(true);
    base = server->Url("");
  } else if (c.endpoint == Endpoint::kStalled) {
    silent.emplace();
    base = silent->Url();
  } else {
    closed.emplace();
    base = closed->Url("");
  }
  if (!base.empty() && base.back() == '/') base.pop_back();

  OtlpExporterOptions options;  // default timeout (10 s) and retries (5 attempts, 1 s backoff)
  options.protocol = c.protocol;
  options.endpoint = grpc_protocol ? base : base + "/v1/traces";
  auto exporter = grpc_protocol ? exporters::otlp::CreateOtlpGrpcSpanExporter(options)
                                : exporters::otlp::CreateOtlpHttpSpanExporter(options);
  sdk::trace::BatchSpanProcessorOptions batch_options;
  batch_options.max_queue_size = 1024;
  batch_options.max_export_batch_size = 256;
  batch_options.schedule_delay = milliseconds(50);
  auto batch = std::make_shared<sdk::trace::BatchSpanProcessor>(std::move(exporter), batch_options);
  sdk::trace::TracerProviderOptions provider_options;
  provider_options.resource = std::make_shared<const sdk::Resource>();
  provider_options.processors.push_back(batch);
  sdk::trace::TracerProvider provider(std::move(provider_options));
  auto tracer = provider.GetTracer("dead-endpoint");

  // Get the worker stuck in an export first, so that every End() below happens while it is.
  constexpr size_t kWarmUp = 300, kSpans = 10'000;
  for (size_t i = 0; i < kWarmUp; ++i) tracer->StartSpan("warm-up")->End();
  if (server) {
    ASSERT_TRUE(server->WaitForRequests(1, seconds(10))) << "the exporter never reached the server";
  } else {
    std::this_thread::sleep_for(milliseconds(200));  // first attempt made, now failing / backing off
  }

  steady_clock::duration total{}, slowest{};
  for (size_t i = 0; i < kSpans; ++i) {
    auto span = tracer->StartSpan("span", {{"i", static_cast<int64_t>(i)}});
    const auto start = steady_clock::now();
    span->End();
    const auto took = steady_clock::now() - start;
    total += took;
    slowest = std::max(slowest, took);
  }
  const auto ms = [](steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  std::cout << "[ measured ] " << kSpans << " End() calls: " << ms(total) << " ms in total, slowest "
            << ms(slowest) << " ms\n";
  // A blocking End() would wait for the export timeout (10 s) or the retry backoff (1 s+).
  EXPECT_LT(total, milliseconds(1000));
  EXPECT_LT(slowest, milliseconds(500));

  const auto before = batch->GetStats();
  EXPECT_EQ(before.exported, 0u);
  // The queue holds 1024 and the stuck export at most one batch of 256: the rest were refused.
  EXPECT_GE(before.dropped, kWarmUp + kSpans - batch_options.max_queue_size -
                                batch_options.max_export_batch_size);

  const milliseconds shutdown_timeout(1000);
  const auto shutdown_start = steady_clock::now();
  const bool shut_down = provider.Shutdown(shutdown_timeout);
  const auto shutdown_took = steady_clock::now() - shutdown_start;
  std::cout << "[ measured ] Shutdown(" << shutdown_timeout.count() << " ms) returned "
            << (shut_down ? "true" : "false") << " after " << ms(shutdown_took) << " ms\n";
  EXPECT_LT(shutdown_took, shutdown_timeout + milliseconds(1000));
  EXPECT_FALSE(shut_down) << "spans were lost: Shutdown should not report success";

  // Every span is accounted for: none exported, each either failed with its batch or dropped.
  const auto after = batch->GetStats();
  EXPECT_EQ(after.exported, 0u);
  EXPECT_EQ(after.exported + after.export_failed + after.dropped, kWarmUp + kSpans);
}

INSTANTIATE_TEST_SUITE_P(
    HttpAndGrpc, DeadEndpoint,
    ::testing::Values(DeadCase{Endpoint::kStalled, Protocol::kHttpProtobuf},
                      DeadCase{Endpoint::kClosedPort, Protocol::kHttpProtobuf},
                      DeadCase{Endpoint::kStalled, Protocol::kGrpc},
                      DeadCase{Endpoint::kClosedPort, Protocol::kGrpc}),
    DeadCaseName);

}  // namespace
}  // namespace adot::interop
