#include "collector/core/grpc_wire.h"

#include "common/gzip.h"
#include "common/json_writer.h"
#include "common/proto_writer.h"
#include "exporters/otlp/retry.h"

namespace adot::collector::grpc_wire {

std::string Frame(std::string_view message, bool gzip, int gzip_level) {
  std::string compressed;
  if (gzip && common::GzipCompress(message, compressed, gzip_level)) message = compressed;
  else gzip = false;
  std::string out;
  out.reserve(5 + message.size());
  out = FramePrefix(gzip, message.size());
  out.append(message);
  return out;
}

std::string FramePrefix(bool compressed, size_t size) {
  std::string out(5, '\0');
  out[0] = static_cast<char>(compressed ? 1 : 0);
  uint32_t n = static_cast<uint32_t>(size);
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
  return out;
}

bool Unframe(std::string body, std::string_view encoding, size_t max_size, std::string& message,
             Code& code, std::string& error) {
  if (body.size() < 5) {
    code = Code::kInternal;
    error = body.empty() ? "no request message" : "truncated gRPC message prefix";
    return false;
  }
  auto flag = static_cast<uint8_t>(body[0]);
  uint32_t n = 0;
  for (int i = 1; i < 5; ++i) n = (n << 8) | static_cast<uint8_t>(body[i]);
  if (flag > 1) {
    code = Code::kInternal;
    error = "invalid gRPC message flag " + std::to_string(flag);
    return false;
  }
  if (body.size() - 5 != n) {
    code = Code::kInternal;
    error = body.size() - 5 < n ? "truncated gRPC message: " + std::to_string(body.size() - 5) + " of " +
                                      std::to_string(n) + " bytes"
                                : "more than one message in a unary call";
    return false;
  }
  std::string_view payload = std::string_view(body).substr(5);
  if (flag == 0) {
    if (payload.size() > max_size) {
      code = Code::kResourceExhausted;
      error = "message larger than max (" + std::to_string(payload.size()) + " vs. " + std::to_string(max_size) + ")";
      return false;
    }
    message = std::move(body);
    message.erase(0, 5);
    return true;
  }
  if (encoding != "gzip") {
    code = Code::kUnimplemented;
    error = "compressed message with grpc-encoding \"" + std::string(encoding) + "\" (supported: gzip)";
    return false;
  }
  switch (common::GzipDecompress(payload, message, max_size)) {
    case common::GunzipResult::kOk: return true;
    case common::GunzipResult::kTooLarge:
      code = Code::kResourceExhausted;
      error = "decompressed message larger than max (" + std::to_string(max_size) + ")";
      return false;
    default:
      code = Code::kInternal;
      error = "malformed gzip message";
      return false;
  }
}

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c <= 0x7e && c != '%') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string PercentDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

int64_t RetryDelayMillis(std::string_view status_details_base64) {
  if (status_details_base64.empty()) return -1;
  std::string bytes;
  // grpc-status-details-bin is base64 without padding; the decoder takes both.
  if (!common::Base64Decode(status_details_base64, bytes)) return -1;
  auto delay = exporters::otlp::RetryDelayFromGrpcStatusDetails(bytes);
  return delay ? delay->count() : -1;
}

std::string RetryStatusDetails(Code code, std::string_view message, int64_t retry_seconds) {
  using common::proto::ProtoWriter;
  std::string duration, retry_info, any, status;
  ProtoWriter(duration).WriteInt64(1, retry_seconds);
  ProtoWriter(retry_info).WriteString(1, duration);
  {
    ProtoWriter w(any);
    w.WriteString(1, "type.googleapis.com/google.rpc.RetryInfo");
    w.WriteString(2, retry_info);
  }
  {
    ProtoWriter w(status);
    w.WriteInt32(1, static_cast<int32_t>(code));
    w.WriteString(2, message);
    w.WriteString(3, any);
  }
  std::string out;
  common::Base64Encode(status, out);
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

Code CodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return Code::kOk;
    case StatusCode::kRetryable: return Code::kUnavailable;
    case StatusCode::kResourceExhausted: return Code::kResourceExhausted;
    case StatusCode::kInvalidArgument: return Code::kInvalidArgument;
    case StatusCode::kPermanent: return Code::kInternal;
  }
  return Code::kInternal;
}

}  // namespace adot::collector::grpc_wire
