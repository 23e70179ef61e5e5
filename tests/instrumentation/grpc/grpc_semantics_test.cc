// The pure parts of the gRPC instrumentation.
#include "instrumentation/grpc/grpc_semantics.h"

#include <gtest/gtest.h>

namespace adot::instrumentation::grpc::internal {
namespace {

TEST(GrpcSemanticsTest, SplitsMethodPaths) {
  MethodName n = SplitMethod("/adot.test.grpc.EchoService/Echo");
  EXPECT_EQ(n.full, "adot.test.grpc.EchoService/Echo");
  EXPECT_EQ(n.service, "adot.test.grpc.EchoService");
  EXPECT_EQ(n.method, "Echo");

  n = SplitMethod("/Service/Method");
  EXPECT_EQ(n.service, "Service");
  EXPECT_EQ(n.method, "Method");

  for (const char* odd : {"", "/", "noslash", "/OnlyService", "/Service/", "//Method"}) {
    n = SplitMethod(odd);
    EXPECT_TRUE(n.service.empty()) << odd;
    EXPECT_TRUE(n.method.empty()) << odd;
  }
  EXPECT_EQ(SplitMethod("/OnlyService").full, "OnlyService");
  EXPECT_EQ(SplitMethod("unknown").full, "");  // the sync server's name for unknown methods
  EXPECT_EQ(SplitMethod("").full, "");
}

struct TargetCase {
  const char* target;
  bool ok;
  const char* address;
  int port;
  bool unix_socket;
};

TEST(GrpcSemanticsTest, ParsesChannelTargets) {
  const TargetCase cases[] = {
      {"localhost:50051", true, "localhost", 50051, false},
      {"api.example.com", true, "api.example.com", 0, false},
      {"127.0.0.1:4317", true, "127.0.0.1", 4317, false},
      {"[::1]:50051", true, "::1", 50051, false},
      {"[::1]", true, "::1", 0, false},
      {"::1", true, "::1", 0, false},
      {"dns:///api.example.com:443", true, "api.example.com", 443, false},
      {"dns://8.8.8.8/api.example.com:8443", true, "api.example.com", 8443, false},
      {"dns:api.example.com:443", true, "api.example.com", 443, false},
      {"dns:///[2001:db8::1]:50051", true, "2001:db8::1", 50051, false},
      {"xds:///payments.internal:9000", true, "payments.internal", 9000, false},
      {"ipv4:10.0.0.1:50051", true, "10.0.0.1", 50051, false},
      {"ipv6:[::1]:50051", true, "::1", 50051, false},
      {"unix:/tmp/grpc.sock", true, "/tmp/grpc.sock", 0, true},
      {"unix:///tmp/grpc.sock", true, "/tmp/grpc.sock", 0, true},
      {"unix:relative.sock", true, "relative.sock", 0, true},
      {"unix-abstract:my-socket", true, "my-socket", 0, true},
      {"host:notaport", true, "host", 0, false},
      {"host:70000", true, "host", 0, false},
      {"", false, "", 0, false},
      {"ipv4:10.0.0.1:1,10.0.0.2:2", false, "", 0, false},
      {"dns://resolver-only", false, "", 0, false},
      {"unix:", false, "", 0, false},
      {"[::1", false, "", 0, false},
      {":50051", false, "", 0, false},
  };
  for (const TargetCase& c : cases) {
    Endpoint e;
    EXPECT_EQ(ParseTarget(c.target, e), c.ok) << c.target;
    if (!c.ok) continue;
    EXPECT_EQ(e.address, c.address) << c.target;
    EXPECT_EQ(e.port, c.port) << c.target;
    EXPECT_EQ(e.unix_socket, c.unix_socket) << c.target;
  }
}

TEST(GrpcSemanticsTest, ParsesPeers) {
  Endpoint e;
  ASSERT_TRUE(ParsePeer("ipv4:127.0.0.1:54321", e));
  EXPECT_EQ(e.address, "127.0.0.1");
  EXPECT_EQ(e.port, 54321);
  EXPECT_FALSE(e.unix_socket);
  EXPECT_EQ(e.network_type, "ipv4");

  ASSERT_TRUE(ParsePeer("ipv6:[::1]:443", e));
  EXPECT_EQ(e.address, "::1");
  EXPECT_EQ(e.port, 443);
  EXPECT_EQ(e.network_type, "ipv6");

  ASSERT_TRUE(ParsePeer("ipv6:%5B::1%5D:5000", e));
  EXPECT_EQ(e.address, "::1");
  EXPECT_EQ(e.port, 5000);

  ASSERT_TRUE(ParsePeer("unix:/tmp/s.sock", e));
  EXPECT_EQ(e.address, "/tmp/s.sock");
  EXPECT_EQ(e.port, 0);
  EXPECT_TRUE(e.unix_socket);
  EXPECT_EQ(e.network_type, "");

  EXPECT_FALSE(ParsePeer("", e));
  EXPECT_FALSE(ParsePeer("ipv4:", e));
  EXPECT_FALSE(ParsePeer("ipv6:%5B%5D:1", e));
  EXPECT_FALSE(ParsePeer("inproc", e));
}

TEST(GrpcSemanticsTest, ValidatesMetadataToSend) {
  EXPECT_TRUE(IsValidMetadata("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
  EXPECT_TRUE(IsValidMetadata("x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793"));
  EXPECT_TRUE(IsValidMetadata("baggage", "k=v%20w;p=1"));
  EXPECT_TRUE(IsValidMetadata("my_key.v1", ""));
  EXPECT_TRUE(IsValidMetadata("trace-bin", std::string_view("\x00\x01\xff", 3)));
  EXPECT_FALSE(IsValidMetadata("", "v"));
  EXPECT_FALSE(IsValidMetadata("X-Amzn-Trace-Id", "v"));  // upper case
  EXPECT_FALSE(IsValidMetadata(":path", "v"));
  EXPECT_FALSE(IsValidMetadata("key with space", "v"));
  EXPECT_FALSE(IsValidMetadata("k", "line\nbreak"));
  EXPECT_FALSE(IsValidMetadata("k", "caf\xc3\xa9"));
  EXPECT_FALSE(IsValidMetadata("-bin", std::string_view("\x00", 1)));
}

TEST(GrpcSemanticsTest, NamesStatusCodes) {
  EXPECT_EQ(StatusCodeName(0), "OK");
  EXPECT_EQ(StatusCodeName(5), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(13), "INTERNAL");
  EXPECT_EQ(StatusCodeName(16), "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(17), "");
  EXPECT_EQ(StatusCodeName(-1), "");
}

TEST(GrpcSemanticsTest, ClassifiesErrors) {
  EXPECT_FALSE(IsClientError(0));
  for (int code = 1; code <= 16; ++code) EXPECT_TRUE(IsClientError(code)) << code;

  // Server side: only the codes that mean the server failed.
  const bool server_errors[17] = {false, false, true,  false, true,  false, false, false, false,
                                  false, false, false, true,  true,  true,  true,  false};
  for (int code = 0; code <= 16; ++code)
    EXPECT_EQ(IsServerError(code), server_errors[code]) << StatusCodeName(code);
}

}  // namespace
}  // namespace adot::instrumentation::grpc::internal
