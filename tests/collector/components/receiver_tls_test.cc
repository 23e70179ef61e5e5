// The OTLP receiver with TLS: OTLP/HTTP over https (libcurl as the client), OTLP/gRPC over TLS
// (grpc++ as the client), mTLS, min_version, and the start-up and config errors.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>

#include "collector/receivers/otlp/otlp_receiver.h"
#include "common/http_client.h"
#include "component_test_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "test_certs.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using google::protobuf::util::MessageDifferencer;
namespace tsvc = opentelemetry::proto::collector::trace::v1;

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// The outcome of a bare TLS handshake with the server, the client limited to TLS <= max_version.
// Returns the negotiated version ("TLSv1.3") or "" when the handshake failed.
std::string Handshake(uint16_t port, int max_version, const std::string& ca_file) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string version;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(ctx, max_version);
    SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) version = SSL_get_version(ssl);
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
  ::close(fd);
  return version;
}

class ReceiverTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_ = RegistryWithSink(&sink_); }
  void TearDown() override {
    if (service_) service_->Shutdown(Clock::now() + 2s);
  }

  // tls: the body of a `tls:` mapping for both protocols, e.g. "cert_file: ..., key_file: ...".
  void Start(const std::string& tls) {
    http_port_ = FreePort();
    grpc_port_ = FreePort();
    std::string yaml = R"(
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:)" + std::to_string(http_port_) + R"(", tls: {)" + tls + R"(}}
      grpc: {endpoint: "127.0.0.1:)" + std::to_string(grpc_port_) + R"(", tls: {)" + tls + R"(}}
exporters: {testexp: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [testexp]}
)";
    service_ = StartService(yaml, registry_);
    ASSERT_NE(service_, nullptr);
    ASSERT_EQ(sink_.exporters.size(), 1u);
    traces_ = sink_.exporters[0];
  }
  std::string ServerTls() const {
    return "cert_file: " + Quote(certs_.server_cert()) + ", key_file: " + Quote(certs_.server_key());
  }
  std::string MutualTls() const { return ServerTls() + ", client_ca_file: " + Quote(certs_.ca()); }

  common::HttpResponse PostHttps(const common::HttpClientOptions& options, const std::string& body,
                                 const std::string& scheme = "https") {
    common::HttpClient client(options);
    common::HttpRequest req;
    req.url = scheme + "://127.0.0.1:" + std::to_string(http_port_) + "/v1/traces";
    req.body = body;
    req.timeout = 3s;
    req.headers.emplace_back("Content-Type", "application/x-protobuf");
    common::HttpResponse resp;
    client.Send(req, resp);
    return resp;
  }

  std::shared_ptr<grpc::Channel> GrpcChannel(const grpc::SslCredentialsOptions& o, bool by_name = false) {
    grpc::ChannelArguments args;
    // Each test its own connection, not one shared from the global subchannel pool.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    if (by_name) args.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(grpc_port_), grpc::SslCredentials(o), args);
  }
  grpc::Status Export(const std::shared_ptr<grpc::Channel>& channel, const TracesRequest& req) {
    auto stub = tsvc::TraceService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 3s);
    tsvc::ExportTraceServiceResponse resp;
    return stub->Export(&ctx, req, &resp);
  }

  TestCerts certs_;
  TestSink sink_;
  Registry registry_;
  std::unique_ptr<Service> service_;
  std::shared_ptr<RecordingConsumer> traces_;
  uint16_t http_port_ = 0, grpc_port_ = 0;
};

TEST_F(ReceiverTlsTest, HttpsWithTheCaDelivers) {
  Start(ServerTls());
  std::string bytes = MakeTracesRequest(2, 3).SerializeAsString();
  common::HttpClientOptions o;
  o.ca_file = certs_.ca();
  auto resp = PostHttps(o, bytes);
  ASSERT_EQ(resp.status, 200) << common::HttpErrorName(resp.error) << ": " << resp.error_message;
  auto got = traces_->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ItemCount(), 6u);
  std::string scratch;
  EXPECT_EQ(got[0].ProtoBytes(scratch), bytes);

  // Without the CA the server's certificate does not verify.
  resp = PostHttps({}, bytes);
  EXPECT_NE(resp.error, common::HttpError::kNone) << resp.status;
  // Plain HTTP to the TLS port gets no HTTP answer.
  resp = PostHttps(o, bytes, "http");
  EXPECT_NE(resp.status, 200);
  EXPECT_EQ(traces_->received().size(), 1u);
  // Still serving.
  EXPECT_EQ(PostHttps(o, bytes).status, 200);
}

TEST_F(ReceiverTlsTest, HttpsTooLargeIs413) {
  // libcurl (with nghttp2) picks HTTP/2 by ALPN on https: the HTTP/2 path of the OTLP/HTTP
  // receiver must refuse an oversized body as the HTTP/1.1 one does.
  http_port_ = FreePort();
  std::string yaml = R"(
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:)" + std::to_string(http_port_) + R"(", max_request_body_size: 10000, tls: {)" +
                     ServerTls() + R"(}}
exporters: {testexp: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [testexp]}
)";
  service_ = StartService(yaml, registry_);
  ASSERT_NE(service_, nullptr);
  traces_ = sink_.exporters[0];
  common::HttpClientOptions o;
  o.ca_file = certs_.ca();
  std::string small = MakeTracesRequest(1, 1).SerializeAsString();
  auto resp = PostHttps(o, small);
  ASSERT_EQ(resp.status, 200) << resp.error_message;
  bool http2 = resp.Header("server").empty();  // the HTTP/1.1 path names itself, the HTTP/2 one does not
  std::string big = MakeTracesRequest(20, 20).SerializeAsString();
  ASSERT_GT(big.size(), 10000u);
  resp = PostHttps(o, big);
  EXPECT_EQ(resp.status, 413) << (http2 ? "HTTP/2" : "HTTP/1.1");
  EXPECT_EQ(traces_->received().size(), 1u);
}

TEST_F(ReceiverTlsTest, GrpcWithSslCredentialsDelivers) {
  Start(ServerTls());
  TracesRequest req = MakeTracesRequest(1, 4);
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = TestCerts::Read(certs_.ca());
  // The server certificate names both IP:127.0.0.1 and DNS:localhost.
  for (bool by_name : {false, true}) {
    grpc::Status st = Export(GrpcChannel(o, by_name), req);
    ASSERT_TRUE(st.ok()) << by_name << ": " << st.error_code() << " " << st.error_message();
  }
  // A message of 3 MiB over TLS (HTTP/2 flow control under TLS records).
  TracesRequest big = MakeTracesRequest(1, 1);
  std::string blob(3 << 20, '\0');
  uint64_t x = 88172645463325252ull;
  for (auto& c : blob) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  auto* attr = big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  attr->set_key("blob");
  attr->mutable_value()->set_bytes_value(blob);
  grpc::Status big_st = Export(GrpcChannel(o), big);
  ASSERT_TRUE(big_st.ok()) << big_st.error_code() << " " << big_st.error_message();
  auto got = traces_->received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(MessageDifferencer::Equals(*got[0].Traces(), req));
  std::string scratch;
  EXPECT_TRUE(got[2].ProtoBytes(scratch) == big.SerializeAsString());

  // A client trusting another CA fails; so does one that does not speak TLS.
  TestCerts other;
  grpc::SslCredentialsOptions wrong;
  wrong.pem_root_certs = TestCerts::Read(other.ca());
  EXPECT_FALSE(Export(GrpcChannel(wrong), req).ok());
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto plain = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                         grpc::InsecureChannelCredentials(), args);
  EXPECT_EQ(Export(plain, req).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(traces_->received().size(), 3u);
}

TEST_F(ReceiverTlsTest, GrpcMutualTls) {
  Start(MutualTls());
  TracesRequest req = MakeTracesRequest(1, 1);
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = TestCerts::Read(certs_.ca());
  grpc::Status st = Export(GrpcChannel(o), req);
  EXPECT_FALSE(st.ok()) << "a client without a certificate was let in";
  // A certificate from another CA is refused as well.
  TestCerts other;
  grpc::SslCredentialsOptions foreign = o;
  foreign.pem_cert_chain = TestCerts::Read(other.client_cert());
  foreign.pem_private_key = TestCerts::Read(other.client_key());
  EXPECT_FALSE(Export(GrpcChannel(foreign), req).ok());
  EXPECT_TRUE(traces_->received().empty());

  o.pem_cert_chain = TestCerts::Read(certs_.client_cert());
  o.pem_private_key = TestCerts::Read(certs_.client_key());
  st = Export(GrpcChannel(o), req);
  ASSERT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  EXPECT_EQ(traces_->received().size(), 1u);
}

TEST_F(ReceiverTlsTest, HttpMutualTls) {
  Start(MutualTls());
  std::string bytes = MakeTracesRequest(1, 2).SerializeAsString();
  common::HttpClientOptions o;
  o.ca_file = certs_.ca();
  auto resp = PostHttps(o, bytes);
  EXPECT_NE(resp.status, 200) << "a client without a certificate was let in";
  EXPECT_TRUE(traces_->received().empty());
  o.client_cert_file = certs_.client_cert();
  o.client_key_file = certs_.client_key();
  resp = PostHttps(o, bytes);
  ASSERT_EQ(resp.status, 200) << common::HttpErrorName(resp.error) << ": " << resp.error_message;
  EXPECT_EQ(traces_->received().size(), 1u);
}

TEST_F(ReceiverTlsTest, MinVersion) {
  Start(ServerTls() + ", min_version: \"1.3\"");
  EXPECT_EQ(Handshake(http_port_, TLS1_2_VERSION, certs_.ca()), "");
  EXPECT_EQ(Handshake(grpc_port_, TLS1_2_VERSION, certs_.ca()), "");
  EXPECT_EQ(Handshake(http_port_, TLS1_3_VERSION, certs_.ca()), "TLSv1.3");
  EXPECT_EQ(Handshake(grpc_port_, TLS1_3_VERSION, certs_.ca()), "TLSv1.3");
}

TEST_F(ReceiverTlsTest, DefaultMinVersionAcceptsTls12) {
  Start(ServerTls());
  EXPECT_EQ(Handshake(http_port_, TLS1_2_VERSION, certs_.ca()), "TLSv1.2");
  EXPECT_EQ(Handshake(grpc_port_, TLS1_2_VERSION, certs_.ca()), "TLSv1.2");
}

// ---------------------------------------------------------------------------------------------
// Configuration and start-up errors, through the factory as the service does it.

std::string ParseErrors(const std::string& yaml) {
  Factory f = OtlpReceiverFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "receivers.otlp", &errors);
  f.parse(r);
  return errors.Joined();
}

TEST(ReceiverTlsConfigTest, ErrorsNameTheirKeys) {
  std::string e = ParseErrors("{protocols: {grpc: {tls: {cert_file: /x/cert.pem}}}}");
  EXPECT_NE(e.find("receivers.otlp.protocols.grpc.tls.key_file"), std::string::npos) << e;
  e = ParseErrors("{protocols: {http: {tls: {key_file: /x/key.pem}}}}");
  EXPECT_NE(e.find("receivers.otlp.protocols.http.tls.cert_file"), std::string::npos) << e;
  e = ParseErrors("{protocols: {http: {tls: {cert_file: /c, key_file: /k, min_version: 1.1}}}}");
  EXPECT_NE(e.find("receivers.otlp.protocols.http.tls.min_version"), std::string::npos) << e;
  EXPECT_NE(e.find("1.1"), std::string::npos) << e;
  e = ParseErrors("{protocols: {grpc: {tls: {cert_file: /c, key_file: /k, min_version: \"1.0\"}}}}");
  EXPECT_NE(e.find("receivers.otlp.protocols.grpc.tls.min_version"), std::string::npos) << e;
  e = ParseErrors("{protocols: {grpc: {tls: {client_ca_file: /ca.pem}}}}");
  EXPECT_NE(e.find("receivers.otlp.protocols.grpc.tls.client_ca_file"), std::string::npos) << e;
  e = ParseErrors("{protocols: {grpc: {tls: {cert_file: /c, key_file: /k, ca_file: /x}}}}");
  EXPECT_NE(e.find("receivers.otlp.protocols.grpc.tls.ca_file"), std::string::npos) << e;
  // Valid ones.
  EXPECT_EQ(ParseErrors("{protocols: {grpc: {tls: {cert_file: /c, key_file: /k, min_version: 1.3}}}}"), "");
  EXPECT_EQ(ParseErrors("{protocols: {http: {tls: {cert_file: /c, key_file: /k, client_ca_file: /ca}}}}"), "");
}

// Start()'s error for a receiver whose `which` protocol has this tls block.
std::string StartError(const std::string& which, const std::string& tls) {
  Factory f = OtlpReceiverFactory();
  ConfigErrors errors;
  std::string yaml = "{protocols: {" + which + ": {endpoint: \"127.0.0.1:0\", tls: {" + tls + "}}}}";
  ConfigReader r(YAML::Load(yaml), "receivers.otlp", &errors);
  auto cfg = f.parse(r);
  if (!errors.empty()) return "config: " + errors.Joined();
  auto recv = f.create_receiver(*cfg, CreateSettings{"otlp", Signal::kTraces, ""});
  recv->SetConsumer(Signal::kTraces, std::make_shared<RecordingConsumer>());
  Status st = recv->Start();
  recv->Shutdown(Clock::now() + 1s);
  return st.ok() ? "" : st.message();
}

TEST(ReceiverTlsStartTest, BadFilesFailStartNamingTheFile) {
  TestCerts certs;
  for (std::string which : {"grpc", "http"}) {
    SCOPED_TRACE(which);
    std::string missing = certs.Path("no-such-cert.pem");
    std::string e = StartError(which, "cert_file: " + Quote(missing) + ", key_file: " + Quote(certs.server_key()));
    EXPECT_NE(e.find(missing), std::string::npos) << e;
    EXPECT_NE(e.find(which), std::string::npos) << e;

    std::string missing_key = certs.Path("no-such-key.pem");
    e = StartError(which, "cert_file: " + Quote(certs.server_cert()) + ", key_file: " + Quote(missing_key));
    EXPECT_NE(e.find(missing_key), std::string::npos) << e;

    // Not a certificate at all.
    certs.Write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    e = StartError(which, "cert_file: " + Quote(certs.Path("garbage.pem")) + ", key_file: " + Quote(certs.server_key()));
    EXPECT_NE(e.find(certs.Path("garbage.pem")), std::string::npos) << e;

    // A key that does not belong to the certificate.
    e = StartError(which, "cert_file: " + Quote(certs.server_cert()) + ", key_file: " + Quote(certs.client_key()));
    EXPECT_NE(e.find(certs.client_key()), std::string::npos) << e;

    std::string missing_ca = certs.Path("no-such-ca.pem");
    e = StartError(which, "cert_file: " + Quote(certs.server_cert()) + ", key_file: " + Quote(certs.server_key()) +
                              ", client_ca_file: " + Quote(missing_ca));
    EXPECT_NE(e.find(missing_ca), std::string::npos) << e;

    // The good files start.
    EXPECT_EQ(StartError(which, "cert_file: " + Quote(certs.server_cert()) + ", key_file: " + Quote(certs.server_key()) +
                                    ", client_ca_file: " + Quote(certs.ca())),
              "");
  }
}

}  // namespace
}  // namespace adot::collector
