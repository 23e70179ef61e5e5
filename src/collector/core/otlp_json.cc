#include "collector/core/otlp_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

namespace adot::collector {
namespace {

namespace pb = google::protobuf;

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Decodes unpadded base64 whose length is a multiple of 4 (what hex text is, read as base64).
bool Base64DecodeGroups(std::string_view in, std::string& out) {
  if (in.size() % 4 != 0) return false;
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out.clear();
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      int d = val(in[i + k]);
      if (d < 0) return false;
      v = (v << 6) | d;
    }
    out += char(v >> 16);
    out += char((v >> 8) & 255);
    out += char(v & 255);
  }
  return true;
}

bool IsIdField(const pb::FieldDescriptor* f) {
  if (f->type() != pb::FieldDescriptor::TYPE_BYTES || f->is_repeated()) return false;
  const std::string& n = f->name();
  return n == "trace_id" || n == "span_id" || n == "parent_span_id";
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// direction true: after parsing (bytes hold base64-decoded hex text) -> real id bytes.
// direction false: before printing: real id bytes -> bytes whose base64 is the hex text.
bool FixIds(pb::Message& m, bool after_parse, std::string& error) {
  const pb::Reflection* r = m.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        int n = r->FieldSize(m, f);
        for (int i = 0; i < n; ++i)
          if (!FixIds(*r->MutableRepeatedMessage(&m, f, i), after_parse, error)) return false;
      } else if (!FixIds(*r->MutableMessage(&m, f), after_parse, error)) {
        return false;
      }
    } else if (IsIdField(f)) {
      std::string v = r->GetString(m, f);
      if (v.empty()) continue;
      if (after_parse) {
        std::string hex = Base64Encode(v);
        if (hex.size() % 2 != 0 || hex.find('=') != std::string::npos) {
          error = f->name() + ": must be hex";
          return false;
        }
        std::string bytes;
        for (size_t i = 0; i < hex.size(); i += 2) {
          int a = HexVal(hex[i]), b = HexVal(hex[i + 1]);
          if (a < 0 || b < 0) {
            error = f->full_name() + ": must be hex, got \"" + hex + "\"";
            return false;
          }
          bytes += char(a * 16 + b);
        }
        r->SetString(&m, f, std::move(bytes));
      } else {
        static const char kHex[] = "0123456789abcdef";
        std::string hex;
        for (unsigned char c : v) {
          hex += kHex[c >> 4];
          hex += kHex[c & 15];
        }
        std::string raw;
        if (Base64DecodeGroups(hex, raw)) r->SetString(&m, f, std::move(raw));
      }
    }
  }
  return true;
}

// libprotobuf 3.21 reads the JSON number -0 as +0.0 (it takes it for an integer); -0.0 keeps the
// sign. Rewrites every bare -0 outside strings to -0.0; empty when there is none (the usual case).
std::string KeepNegativeZero(std::string_view json) {
  std::string out;
  size_t copied = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '-' && i + 1 < json.size() && json[i + 1] == '0') {
      char after = i + 2 < json.size() ? json[i + 2] : ' ';
      if ((after >= '0' && after <= '9') || after == '.' || after == 'e' || after == 'E') continue;
      out.append(json.substr(copied, i + 2 - copied));
      out += ".0";
      copied = i + 2;
    }
  }
  if (copied == 0) return {};
  out.append(json.substr(copied));
  return out;
}

}  // namespace

bool ParseOtlpJson(std::string_view json, pb::Message& message, std::string& error) {
  pb::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  std::string rewritten = KeepNegativeZero(json);
  if (!rewritten.empty()) json = rewritten;
  auto st = pb::util::JsonStringToMessage(pb::StringPiece(json.data(), json.size()), &message, opts);
  if (!st.ok()) {
    error = std::string(st.message());
    return false;
  }
  return FixIds(message, true, error);
}

std::string PrintOtlpJson(const pb::Message& message) {
  std::unique_ptr<pb::Message> copy(message.New());
  copy->CopyFrom(message);
  std::string error;
  FixIds(*copy, false, error);
  pb::util::JsonPrintOptions opts;
  opts.always_print_enums_as_ints = true;
  std::string out;
  (void)pb::util::MessageToJsonString(*copy, &out, opts);
  return out;
}

}  // namespace adot::collector
