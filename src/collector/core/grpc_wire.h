// gRPC over HTTP/2, the parts the collector's server and client share: status codes, the 5-byte
// length-prefixed message framing (with gzip), and grpc-message percent-encoding. The HTTP/2 itself
// is nghttp2 (http_server.cc, grpc_client.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "collector/core/status.h"

namespace adot::collector::grpc_wire {

enum class Code : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// One length-prefixed message: flag byte (1 = compressed), 4-byte big-endian length, bytes.
// gzip_level: 1-9, or 0 for zlib's default.
std::string Frame(std::string_view message, bool gzip, int gzip_level = 0);
// Just the 5-byte prefix of a message of `size` bytes, for senders that write the message from
// where it already is.
std::string FramePrefix(bool compressed, size_t size);

// Reads exactly one message from a unary request or response body, decompressing it when its flag
// says so (only "gzip" is supported as grpc-encoding). `max_size` bounds the decompressed size.
// Errors name the problem; `code` is the gRPC code to answer with. An uncompressed message reuses
// the body's buffer (pass it with std::move to avoid a copy).
bool Unframe(std::string body, std::string_view encoding, size_t max_size, std::string& message,
             Code& code, std::string& error);

// grpc-message is percent-encoded (bytes outside 0x20..0x7e and '%').
std::string PercentEncode(std::string_view s);
std::string PercentDecode(std::string_view s);

// The delay of a google.rpc.RetryInfo carried in grpc-status-details-bin (base64 of a
// google.rpc.Status), in milliseconds; -1 when there is none.
int64_t RetryDelayMillis(std::string_view status_details_base64);

// grpc-status-details-bin (base64, unpadded) for a google.rpc.Status{code, message, details =
// [RetryInfo{retry_delay = seconds}]}.
std::string RetryStatusDetails(Code code, std::string_view message, int64_t retry_seconds);

// The gRPC code a collector Status is answered with.
Code CodeFor(const Status& s);

}  // namespace adot::collector::grpc_wire
