// The pure parts of the gRPC instrumentation: method names, channel targets and peer strings,
// status code names and which codes are errors.
#pragma once

#include <string_view>

namespace adot::instrumentation::grpc::internal {

// A gRPC method path "/package.Service/Method", split. Views into the path.
struct MethodName {
  std::string_view full;     // "package.Service/Method" (the span name): the path without its
                             // '/'; "" when the path does not start with '/' (gRPC's sync server
                             // reports the methods it does not know as "unknown")
  std::string_view service;  // "package.Service" ("" when the path is not in that form)
  std::string_view method;   // "Method" ("" when the path is not in that form)
};
MethodName SplitMethod(std::string_view path) noexcept;

// A host (name, IP address without brackets, or socket path) and port (0: none). Views into the
// parsed string.
struct Endpoint {
  std::string_view address;
  int port = 0;
  bool unix_socket = false;
  std::string_view network_type;  // "ipv4", "ipv6" (peers only), "" otherwise
};

// The server a channel target names: "host:port", "dns:///host:port", "dns://resolver/host:port",
// "ipv4:1.2.3.4:port", "ipv6:[::1]:port", "unix:/path", "unix:///path", "unix-abstract:name",
// "[::1]:port", "scheme:///host:port" for other resolvers. False when no single address can be
// read (empty target, address lists "ipv4:a:1,b:2", ...). The port is the one written (0 if none).
bool ParseTarget(std::string_view target, Endpoint& out) noexcept;

// The address a peer string names: "ipv4:127.0.0.1:5000", "ipv6:[::1]:5000" (also with the
// brackets percent-encoded, as newer gRPC writes them: "ipv6:%5B::1%5D:5000"), "unix:/path".
bool ParsePeer(std::string_view peer, Endpoint& out) noexcept;

// Whether gRPC accepts the pair as metadata to send: a key of lower-case letters, digits, '-', '_'
// and '.'; a value of printable ASCII (0x20-0x7e) unless the key ends in "-bin". gRPC aborts the
// process on a call with any other (API misuse), so nothing else may be sent.
bool IsValidMetadata(std::string_view key, std::string_view value) noexcept;

// "OK", "CANCELLED", ..., "UNAUTHENTICATED"; "" for codes outside 0-16.
std::string_view StatusCodeName(int code) noexcept;

// Whether a status ends a span in error. Client side: every code but OK. Server side: only the
// codes that mean the server failed (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL,
// UNAVAILABLE, DATA_LOSS); the others describe the caller's request (semantic conventions, gRPC).
bool IsClientError(int code) noexcept;
bool IsServerError(int code) noexcept;

}  // namespace adot::instrumentation::grpc::internal
