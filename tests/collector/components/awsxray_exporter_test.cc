// awsxray exporter: config, PutTraceSegments to a fake X-Ray on loopback (every request's SigV4
// signature checked by independent verifiers, the body's shape, at most 50 documents a call),
// throttling and UnprocessedTraceSegments re-sent until every segment has arrived, permanent
// refusals not retried, the UDP daemon mode, and an HTTP proxy.
#include "collector/exporters/awsxray/awsxray_exporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>

#include "aws/xray_segment.h"
#include "collector/aws_test_util.h"
#include "collector/core/exporter_helper.h"
#include "collector/core/http_server.h"
#include "collector/core/service.h"
#include "collector/main/components.h"
#include "collector/test_util.h"
#include "common/json_reader.h"
#include "test_certs.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace ::testing;
using namespace adot::collector::testing;
using adot::test::HttpTestServer;
using adot::test::RecordedRequest;
using adot::test::TestResponse;

const aws::Credentials kCredentials{"AKIDXRAYTEST", "xray-test-secret", "xray-session-token", {}};

aws::ProviderOptions TestProviderOptions(const adot::test::ClosedPort& imds) {
  return LoopbackProviderOptions(imds, {{"AWS_ACCESS_KEY_ID", kCredentials.access_key_id},
                                        {"AWS_SECRET_ACCESS_KEY", kCredentials.secret_access_key},
                                        {"AWS_SESSION_TOKEN", kCredentials.session_token},
                                        {"AWS_REGION", "us-west-2"}});
}

std::shared_ptr<QueuedExporter> MakeXrayExporter(const std::string& yaml, aws::ProviderOptions options) {
  Factory f = AwsXrayExporterFactory(std::move(options));
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "exporters.awsxray", &errors);
  auto cfg = f.parse(r);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  if (!errors.empty()) return nullptr;
  auto e = f.create_exporter(*cfg, CreateSettings{"awsxray", Signal::kTraces, "traces", nullptr});
  return std::static_pointer_cast<QueuedExporter>(e);
}

std::vector<std::string> ConfigErrorsOf(const std::string& yaml) {
  Factory f = AwsXrayExporterFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "exporters.awsxray", &errors);
  f.parse(r);
  return errors.list();
}

// A fake X-Ray: checks every PutTraceSegments call and keeps the documents by segment id.
class FakeXray {
 public:
  FakeXray() {
    server_.SetHandler([this](const RecordedRequest& r) { return Handle(r); });
  }
  std::string Endpoint() const { return server_.Url(""); }
  HttpTestServer& server() { return server_; }

  // Answers the next calls with these before accepting.
  void Script(std::vector<std::function<TestResponse(const std::vector<std::string>& ids)>> answers) {
    std::lock_guard<std::mutex> lock(mu_);
    script_ = std::move(answers);
  }
  std::set<std::string> Accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  size_t DocumentsReceived() {
    std::lock_guard<std::mutex> lock(mu_);
    return documents_received_;
  }
  std::vector<size_t> CallSizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return call_sizes_;
  }
  bool WaitForAccepted(size_t n, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (Accepted().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  TestResponse Handle(const RecordedRequest& r) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/TraceSegments");
    EXPECT_FALSE(r.Header("x-amzn-xray-timestamp").empty());
    ExpectSigned(r, kCredentials, "us-west-2", "xray");
    common::JsonValue body;
    std::string error;
    EXPECT_TRUE(common::ParseJson(r.body, body, &error)) << error;
    const common::JsonValue* docs = body.Find("TraceSegmentDocuments");
    std::vector<std::string> ids;
    if (docs && docs->is_array()) {
      EXPECT_LE(docs->array().size(), 50u);
      for (const auto& d : docs->array()) {
        // Each document is a string holding a segment the X-Ray parser accepts.
        EXPECT_TRUE(d.is_string());
        aws::xray::Segment segment;
        EXPECT_TRUE(aws::xray::ParseSegment(d.text(), segment, error)) << error << "\n" << d.text();
        ids.push_back(segment.id);
      }
    } else {
      ADD_FAILURE() << "no TraceSegmentDocuments in " << r.body;
    }
    std::lock_guard<std::mutex> lock(mu_);
    call_sizes_.push_back(ids.size());
    documents_received_ += ids.size();
    if (!script_.empty()) {
      auto answer = script_.front();
      script_.erase(script_.begin());
      TestResponse resp = answer(ids);
      // A 200 answer lists what it did not take; everything else in it is accepted.
      if (resp.status == 200) {
        for (const auto& id : ids)
          if (resp.body.find("\"" + id + "\"") == std::string::npos) accepted_.insert(id);
      }
      return resp;
    }
    accepted_.insert(ids.begin(), ids.end());
    return TestResponse::Status(200, "{\"UnprocessedTraceSegments\":[]}");
  }

  HttpTestServer server_;
  std::mutex mu_;
  std::vector<std::function<TestResponse(const std::vector<std::string>&)>> script_;
  std::set<std::string> accepted_;
  size_t documents_received_ = 0;
  std::vector<size_t> call_sizes_;
};

std::string Unprocessed(const std::vector<std::string>& ids, size_t n) {
  std::string body = "{\"UnprocessedTraceSegments\":[";
  for (size_t i = 0; i < n && i < ids.size(); ++i)
    body += std::string(i ? "," : "") + "{\"Id\":\"" + ids[i] + "\",\"ErrorCode\":\"ThrottledException\",\"Message\":\"slow down\"}";
  return body + "]}";
}

// ---- config ---------------------------------------------------------------------------------------

TEST(AwsXrayExporterConfigTest, RejectsBadValuesWithTheirKeys) {
  auto errors = ConfigErrorsOf(
      "region: Oregon\nrole_arn: arn:aws:s3:::bucket\nexternal_id: x\nproxy_address: 'https://proxy:3128'\n"
      "daemon_address: 'nohost'\nnum_workers: 0\nunknown_key: 1\n");
  auto has = [&](const std::string& needle) {
    return std::any_of(errors.begin(), errors.end(), [&](const std::string& e) { return e.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("exporters.awsxray.region: must be an AWS region")) << PrintToString(errors);
  EXPECT_TRUE(has("exporters.awsxray.role_arn: must be an IAM role ARN"));
  EXPECT_TRUE(has("exporters.awsxray.proxy_address: must be an http:// proxy URL"));
  EXPECT_TRUE(has("exporters.awsxray.daemon_address: must be host:port"));
  EXPECT_TRUE(has("exporters.awsxray.num_workers"));
  EXPECT_TRUE(has("unknown_key"));
}

TEST(AwsXrayExporterConfigTest, AcceptsTheGoExportersKeys) {
  EXPECT_THAT(ConfigErrorsOf("region: us-west-2\nendpoint: 'https://xray.us-west-2.amazonaws.com'\n"
                             "num_workers: 4\nrequest_timeout_seconds: 10\nmax_retries: 3\nno_verify_ssl: false\n"
                             "proxy_address: 'http://127.0.0.1:3128'\nlocal_mode: true\nresource_arn: arn:aws:ec2:x\n"
                             "role_arn: 'arn:aws:iam::123456789012:role/xray'\nexternal_id: ext\n"
                             "indexed_attributes: [user.id]\nindex_all_attributes: false\naws_log_groups: [g]\n"
                             "telemetry: {enabled: false, include_metadata: true}\n"
                             "sending_queue: {queue_size: 100}\nretry_on_failure: {initial_interval: 1s}\n"),
              IsEmpty());
}

TEST(AwsXrayExporterConfigTest, NoRegionFailsAtStartWithAClearError) {
  adot::test::ClosedPort imds;
  auto e = MakeXrayExporter("{}", LoopbackProviderOptions(imds, {{"AWS_ACCESS_KEY_ID", "AKID"},
                                                                 {"AWS_SECRET_ACCESS_KEY", "secret"}}));
  Status st = e->Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("awsxray: no region"), std::string::npos) << st.message();
  e->Shutdown(Clock::now() + 1s);
}

// ---- PutTraceSegments -------------------------------------------------------------------------------

TEST(AwsXrayExporterTest, SendsSignedCallsOfAtMostFiftyDocuments) {
  adot::test::ClosedPort imds;
  FakeXray xray;
  auto e = MakeXrayExporter("endpoint: '" + xray.Endpoint() + "'\nnum_workers: 1\n", TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(testing::MakeTraces(2, 60)).ok());
  ASSERT_TRUE(xray.WaitForAccepted(120, 10s)) << xray.Accepted().size();
  e->Shutdown(Clock::now() + 5s);
  EXPECT_THAT(xray.CallSizes(), ElementsAre(50, 50, 20));
  EXPECT_EQ(xray.DocumentsReceived(), 120u);
  EXPECT_EQ(e->counters().sent_items.load(), 120u);
}

TEST(AwsXrayExporterTest, ThrottledCallsAreSentAgainUntilEverythingArrives) {
  adot::test::ClosedPort imds;
  FakeXray xray;
  xray.Script({
      [](const std::vector<std::string>&) { return TestResponse::Status(429, "{\"__type\":\"ThrottledException\"}"); },
      [](const std::vector<std::string>&) {
        return TestResponse::Status(400, "{\"message\":\"Rate exceeded\"}").WithHeader("x-amzn-ErrorType", "ThrottlingException:http://internal");
      },
  });
  auto e = MakeXrayExporter("endpoint: '" + xray.Endpoint() + "'\nnum_workers: 1\nmax_retries: 5\n",
                            TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(testing::MakeTraces(1, 30)).ok());
  ASSERT_TRUE(xray.WaitForAccepted(30, 10s)) << xray.Accepted().size();
  e->Shutdown(Clock::now() + 5s);
  EXPECT_EQ(xray.CallSizes().size(), 3u);
  EXPECT_EQ(e->counters().send_failed_items.load(), 0u);
}

TEST(AwsXrayExporterTest, UnprocessedSegmentsAreSentAgainAlone) {
  adot::test::ClosedPort imds;
  FakeXray xray;
  xray.Script({[](const std::vector<std::string>& ids) { return TestResponse::Status(200, Unprocessed(ids, 3)); }});
  auto e = MakeXrayExporter("endpoint: '" + xray.Endpoint() + "'\nnum_workers: 1\n", TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(testing::MakeTraces(1, 20)).ok());
  ASSERT_TRUE(xray.WaitForAccepted(20, 10s)) << xray.Accepted().size();
  e->Shutdown(Clock::now() + 5s);
  // The 3 unprocessed ones went again, on their own.
  EXPECT_THAT(xray.CallSizes(), ElementsAre(20, 3));
}

TEST(AwsXrayExporterTest, TheQueueRetriesOnlyWhatTheAttemptCouldNotPlace) {
  adot::test::ClosedPort imds;
  FakeXray xray;
  xray.Script({
      [](const std::vector<std::string>& ids) { return TestResponse::Status(200, Unprocessed(ids, 0)); },
      [](const std::vector<std::string>&) { return TestResponse::Status(503, "{\"__type\":\"ServiceUnavailable\"}"); },
  });
  // No re-sends within an attempt: the exporter helper's retry_on_failure brings the batch back,
  // and only the call that failed goes again.
  auto e = MakeXrayExporter("endpoint: '" + xray.Endpoint() +
                                "'\nnum_workers: 1\nmax_retries: 0\nretry_on_failure: {initial_interval: 50ms, max_interval: 100ms}\n",
                            TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(testing::MakeTraces(1, 60)).ok());
  ASSERT_TRUE(xray.WaitForAccepted(60, 10s)) << xray.Accepted().size();
  e->Shutdown(Clock::now() + 5s);
  EXPECT_THAT(xray.CallSizes(), ElementsAre(50, 10, 10));
  EXPECT_EQ(e->counters().sent_items.load(), 60u);
}

TEST(AwsXrayExporterTest, ClientErrorsAreNotRetried) {
  adot::test::ClosedPort imds;
  FakeXray xray;
  xray.Script({[](const std::vector<std::string>&) {
    return TestResponse::Status(400, "{\"__type\":\"InvalidRequestException\",\"message\":\"bad\"}");
  }});
  auto e = MakeXrayExporter("endpoint: '" + xray.Endpoint() + "'\nnum_workers: 1\n", TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(testing::MakeTraces(1, 5)).ok());
  ASSERT_TRUE(xray.server().WaitForRequests(1, 5s));
  e->Shutdown(Clock::now() + 5s);
  EXPECT_EQ(xray.server().RequestCount(), 1u);
  EXPECT_EQ(e->counters().send_failed_items.load(), 5u);
}

TEST(AwsXrayExporterTest, DocumentsOverXraysLimitAreDroppedTheRestSent) {
  adot::test::ClosedPort imds;
  FakeXray xray;
  auto e = MakeXrayExporter("endpoint: '" + xray.Endpoint() + "'\nnum_workers: 1\n", TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  TracesRequest req = testing::MakeTracesRequest(1, 3);
  auto* big = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->add_attributes();
  big->set_key("payload");
  big->mutable_value()->set_string_value(std::string(70 * 1000, 'x'));
  PData data;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, req.SerializeAsString(), data).ok());
  ASSERT_TRUE(e->Consume(std::move(data)).ok());
  ASSERT_TRUE(xray.WaitForAccepted(2, 10s));
  e->Shutdown(Clock::now() + 5s);
  EXPECT_THAT(xray.CallSizes(), ElementsAre(2));
}

TEST(AwsXrayExporterTest, PlainHttpGoesThroughTheProxyInAbsoluteForm) {
  adot::test::ClosedPort imds;
  HttpTestServer proxy;  // stands in for the proxy: it sees what a proxy would
  proxy.SetDefaultResponse(TestResponse::Status(200, "{}"));
  auto e = MakeXrayExporter("endpoint: 'http://xray.example.test:8080'\nproxy_address: '" + proxy.Url("") +
                                "'\nnum_workers: 1\n",
                            TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(testing::MakeTraces(1, 2)).ok());
  ASSERT_TRUE(proxy.WaitForRequests(1, 5s));
  e->Shutdown(Clock::now() + 5s);
  auto r = proxy.Requests()[0];
  EXPECT_EQ(r.target, "http://xray.example.test:8080/TraceSegments");
  EXPECT_EQ(r.Header("host"), "xray.example.test:8080");
  Authorization a;
  ASSERT_TRUE(ParseAuthorization(r.Header("authorization"), a));
  EXPECT_EQ(a.service, "xray");
  EXPECT_EQ(a.region, "us-west-2");
}

// An HTTP CONNECT proxy on loopback for one tunnel: records the CONNECT line, connects to the
// target and relays bytes both ways until one side closes.
class ConnectProxy {
 public:
  ConnectProxy() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listener_, 4);
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ConnectProxy() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string connect_line() {
    std::lock_guard<std::mutex> lock(mu_);
    return connect_line_;
  }

 private:
  void Serve() {
    int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) return;
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && ::recv(client, &c, 1, 0) == 1) head += c;
    {
      std::lock_guard<std::mutex> lock(mu_);
      connect_line_ = head.substr(0, head.find("\r\n"));
    }
    // "CONNECT 127.0.0.1:PORT HTTP/1.1"
    std::string authority = connect_line_.substr(8, connect_line_.find(' ', 8) - 8);
    int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(authority.substr(authority.rfind(':') + 1))));
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::send(client, "HTTP/1.1 502 Bad Gateway\r\n\r\n", 28, MSG_NOSIGNAL);
    } else {
      ::send(client, "HTTP/1.1 200 Connection established\r\n\r\n", 39, MSG_NOSIGNAL);
      pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
      char buffer[16384];
      for (bool open = true; open && ::poll(fds, 2, 5000) > 0;) {
        for (int i = 0; i < 2; ++i) {
          if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
          ssize_t n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
          if (n <= 0 || ::send(fds[1 - i].fd, buffer, n, MSG_NOSIGNAL) != n) open = false;
        }
      }
    }
    ::close(upstream);
    ::close(client);
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string connect_line_;
};

TEST(AwsXrayExporterTest, HttpsGoesThroughTheProxysConnectTunnel) {
  TestCerts certs;
  std::mutex mu;
  std::vector<std::string> targets;
  HttpServerOptions o;
  o.endpoint = "127.0.0.1:0";
  o.tls.cert_file = certs.server_cert();
  o.tls.key_file = certs.server_key();
  HttpServer xray(o, [&](HttpServerRequest& req, HttpServerResponse& resp) {
    std::lock_guard<std::mutex> lock(mu);
    targets.push_back(req.target + " " + req.Header("authorization").substr(0, 16));
    resp.content_type = "application/json";
    resp.body = "{\"UnprocessedTraceSegments\":[]}";
  });
  ASSERT_TRUE(xray.Start().ok());
  ConnectProxy proxy;
  adot::test::ClosedPort imds;
  auto e = MakeXrayExporter("endpoint: 'https://localhost:" + std::to_string(xray.port()) + "'\nproxy_address: '" +
                                proxy.Url() + "'\nno_verify_ssl: true\nnum_workers: 1\n",
                            TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(testing::MakeTraces(1, 3)).ok());
  for (int i = 0; i < 500 && e->counters().sent_items.load() < 3; ++i) std::this_thread::sleep_for(10ms);
  e->Shutdown(Clock::now() + 5s);
  xray.Stop(Clock::now() + 1s);
  EXPECT_EQ(e->counters().sent_items.load(), 3u);
  EXPECT_EQ(proxy.connect_line(), "CONNECT localhost:" + std::to_string(xray.port()) + " HTTP/1.1");
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0], "/TraceSegments AWS4-HMAC-SHA256");
}

// ---- UDP to a daemon ----------------------------------------------------------------------------

TEST(AwsXrayExporterTest, DaemonModeSendsOneDatagramPerSegment) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

  adot::test::ClosedPort imds;  // no credentials or region needed
  auto e = MakeXrayExporter("daemon_address: '127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "'\n",
                            LoopbackProviderOptions(imds, {}));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(testing::MakeTraces(1, 7)).ok());
  std::set<std::string> ids;
  std::vector<char> buffer(70000);
  for (int i = 0; i < 7; ++i) {
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    ASSERT_GT(n, 0) << "datagram " << i;
    aws::xray::Segment segment;
    std::string error;
    ASSERT_TRUE(aws::xray::ParseDaemonDatagram(std::string_view(buffer.data(), n), segment, error)) << error;
    EXPECT_EQ(std::string_view(buffer.data(), 32), "{\"format\": \"json\", \"version\": 1}");
    ids.insert(segment.id);
  }
  EXPECT_EQ(ids.size(), 7u);
  e->Shutdown(Clock::now() + 5s);
  ::close(fd);
}

}  // namespace
}  // namespace adot::collector
