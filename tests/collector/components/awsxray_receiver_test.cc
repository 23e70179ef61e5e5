// awsxray receiver: config; UDP datagrams of the X-Ray daemon protocol from a real socket become
// spans (header in any spacing, segments with subsegments, independent and in-progress ones),
// malformed datagrams are counted and dropped without stopping the receiver; the TCP sampling proxy
// forwards /GetSamplingRules and /SamplingTargets to a fake X-Ray, signed, and relays the answer.
#include "collector/receivers/awsxray/awsxray_receiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "collector/aws_test_util.h"
#include "collector/core/http_client.h"
#include "collector/core/telemetry.h"
#include "collector/test_util.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace ::testing;
using namespace adot::collector::testing;
using adot::test::HttpTestServer;
using adot::test::RecordedRequest;
using adot::test::TestResponse;

const aws::Credentials kCredentials{"AKIDPROXYTEST", "proxy-test-secret", "", {}};

const char* const kSegment = R"({"name":"checkout","id":"70de5b6f19ff9a0a","trace_id":"1-581cf771-a006649127e371903a2de979",)"
                             R"("start_time":1478293361.271,"end_time":1478293361.449,"http":{"request":{"method":"GET",)"
                             R"("url":"http://shop/cart"},"response":{"status":200}},"subsegments":[{"name":"db",)"
                             R"("id":"70de5b6f19ff9a0b","start_time":1478293361.3,"end_time":1478293361.4}]})";
const char* const kIndependentInProgress =
    R"({"name":"api.example.com","id":"53995c3f42cd8ad8","start_time":1478293361.271,"type":"subsegment",)"
    R"("trace_id":"1-581cf771-a006649127e371903a2de979","parent_id":"70de5b6f19ff9a0a","in_progress":true})";

class UdpSender {
 public:
  explicit UdpSender(uint16_t port) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    addr_.sin_family = AF_INET;
    addr_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr_.sin_port = htons(port);
  }
  ~UdpSender() { ::close(fd_); }
  void Send(std::string_view datagram) {
    ASSERT_EQ(::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_),
              static_cast<ssize_t>(datagram.size()));
  }

 private:
  int fd_;
  sockaddr_in addr_{};
};

struct RunningReceiver {
  std::shared_ptr<Receiver> receiver;
  std::shared_ptr<testing::RecordingConsumer> sink = std::make_shared<testing::RecordingConsumer>();
  uint16_t udp_port = 0, proxy_port = 0;
  ~RunningReceiver() {
    if (receiver) receiver->Shutdown(Clock::now() + 2s);
  }
  // Spans received so far, in order.
  std::vector<opentelemetry::proto::trace::v1::Span> Spans() const {
    std::vector<opentelemetry::proto::trace::v1::Span> out;
    for (const auto& p : sink->received())
      for (const auto& rs : p.Traces()->resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans()) out.push_back(s);
    return out;
  }
  bool WaitForSpans(size_t n) const {
    for (int i = 0; i < 500; ++i) {
      if (Spans().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

std::unique_ptr<RunningReceiver> StartReceiver(const std::string& proxy_yaml, aws::ProviderOptions options,
                                               std::shared_ptr<testing::RecordingConsumer> sink = nullptr) {
  auto r = std::make_unique<RunningReceiver>();
  if (sink) r->sink = std::move(sink);
  r->udp_port = testing::FreeUdpAndTcpPort();
  r->proxy_port = testing::FreePort();
  Factory f = AwsXrayReceiverFactory(std::move(options));
  ConfigErrors errors;
  std::string yaml = "endpoint: '127.0.0.1:" + std::to_string(r->udp_port) + "'\nproxy_server: {endpoint: '127.0.0.1:" +
                     std::to_string(r->proxy_port) + "'" + proxy_yaml + "}\n";
  ConfigReader reader(YAML::Load(yaml), "receivers.awsxray", &errors);
  auto cfg = f.parse(reader);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  r->receiver = f.create_receiver(*cfg, CreateSettings{"awsxray"});
  r->receiver->SetConsumer(Signal::kTraces, r->sink);
  Status st = r->receiver->Start();
  EXPECT_TRUE(st.ok()) << st.message();
  return r;
}

aws::ProviderOptions TestProviderOptions(const adot::test::ClosedPort& imds, bool with_region = true) {
  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", kCredentials.access_key_id},
                                            {"AWS_SECRET_ACCESS_KEY", kCredentials.secret_access_key}};
  if (with_region) env["AWS_REGION"] = "eu-west-1";
  return LoopbackProviderOptions(imds, std::move(env));
}

double MalformedCount() {
  for (const auto& m : Telemetry::Global().Collect())
    if (m.name == "otelcol_receiver_malformed_datagrams_total") return m.value;
  return -1;
}

std::vector<std::string> ConfigErrorsOf(const std::string& yaml) {
  Factory f = AwsXrayReceiverFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "receivers.awsxray", &errors);
  f.parse(r);
  return errors.list();
}

// ---- config ---------------------------------------------------------------------------------------

TEST(AwsXrayReceiverConfigTest, AcceptsTheGoReceiversKeysAndRejectsBadOnes) {
  EXPECT_THAT(ConfigErrorsOf("endpoint: 0.0.0.0:2000\ntransport: udp\nproxy_server: {endpoint: 0.0.0.0:2000, "
                             "region: us-west-2, role_arn: 'arn:aws:iam::123456789012:role/x', aws_endpoint: "
                             "'https://xray.us-west-2.amazonaws.com', proxy_address: 'http://p:3128', local_mode: true, "
                             "service_name: xray, tls: {insecure: false}}\n"),
              IsEmpty());
  auto errors = ConfigErrorsOf("endpoint: nowhere\ntransport: tcp\nproxy_server: {region: Mars, tls: {server_name_override: x}}\n");
  auto has = [&](const std::string& needle) {
    return std::any_of(errors.begin(), errors.end(), [&](const std::string& e) { return e.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("receivers.awsxray.endpoint: must be host:port")) << PrintToString(errors);
  EXPECT_TRUE(has("receivers.awsxray.transport: must be udp"));
  EXPECT_TRUE(has("receivers.awsxray.proxy_server.region: must be an AWS region"));
  EXPECT_TRUE(has("receivers.awsxray.proxy_server.tls.server_name_override"));
}

// ---- UDP ------------------------------------------------------------------------------------------

TEST(AwsXrayReceiverTest, DatagramsBecomeSpans) {
  adot::test::ClosedPort imds;
  auto r = StartReceiver("", TestProviderOptions(imds));
  UdpSender udp(r->udp_port);
  udp.Send(std::string("{\"format\":\"json\",\"version\":1}\n") + kSegment);
  // Any spacing in the header; an independent, in-progress subsegment.
  udp.Send(std::string("{ \"format\" : \"JSON\",\t\"version\": 1 }\n") + kIndependentInProgress);
  ASSERT_TRUE(r->WaitForSpans(3));
  auto spans = r->Spans();
  ASSERT_EQ(spans.size(), 3u);
  std::map<std::string, opentelemetry::proto::trace::v1::Span> by_name;
  for (const auto& s : spans) by_name[s.name()] = s;
  ASSERT_EQ(by_name.count("checkout"), 1u);
  ASSERT_EQ(by_name.count("db"), 1u);
  ASSERT_EQ(by_name.count("api.example.com"), 1u);
  const auto& root = by_name["checkout"];
  EXPECT_EQ(root.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_TRUE(root.parent_span_id().empty());
  EXPECT_EQ(root.start_time_unix_nano() / 1000000, 1478293361271u);
  // The embedded subsegment is the root's child, in the same trace.
  EXPECT_EQ(by_name["db"].parent_span_id(), root.span_id());
  EXPECT_EQ(by_name["db"].trace_id(), root.trace_id());
  const auto& independent = by_name["api.example.com"];
  EXPECT_EQ(independent.parent_span_id(), root.span_id());
  bool in_progress = false;
  for (const auto& a : independent.attributes())
    if (a.key() == "aws.xray.inprogress") in_progress = a.value().bool_value();
  EXPECT_TRUE(in_progress);
}

TEST(AwsXrayReceiverTest, MalformedDatagramsAreCountedAndDropped) {
  adot::test::ClosedPort imds;
  auto r = StartReceiver("", TestProviderOptions(imds));
  double before = MalformedCount();
  UdpSender udp(r->udp_port);
  udp.Send(kSegment);                                                            // no header
  udp.Send(std::string("{\"format\":\"xml\",\"version\":1}\n") + kSegment);     // wrong format
  udp.Send(std::string("{\"format\":\"json\",\"version\":2}\n") + kSegment);     // wrong version
  udp.Send("{\"format\":\"json\",\"version\":1}\n{\"name\":\"x\",\"id\":");        // cut short
  udp.Send("{\"format\":\"json\",\"version\":1}\n   ");                            // empty body
  udp.Send("{\"format\":\"json\",\"version\":1}\n{\"name\":\"x\",\"id\":\"zz\",\"start_time\":1,"
           "\"trace_id\":\"1-581cf771-a006649127e371903a2de979\"}");               // bad id
  udp.Send(std::string(1000, '\xff'));                                            // noise
  // The receiver goes on after them.
  udp.Send(std::string("{\"format\":\"json\",\"version\":1}\n") + kSegment);
  ASSERT_TRUE(r->WaitForSpans(2));
  for (int i = 0; i < 200 && MalformedCount() < before + 7; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(MalformedCount(), before + 7);
  EXPECT_EQ(r->Spans().size(), 2u);
}

TEST(AwsXrayReceiverTest, ManyDatagramsArriveInFewBatches) {
  adot::test::ClosedPort imds;
  auto r = StartReceiver("", TestProviderOptions(imds));
  UdpSender udp(r->udp_port);
  for (int i = 0; i < 200; ++i) udp.Send(std::string("{\"format\":\"json\",\"version\":1}\n") + kIndependentInProgress);
  ASSERT_TRUE(r->WaitForSpans(200));
  EXPECT_EQ(r->Spans().size(), 200u);
  EXPECT_LE(r->sink->received().size(), 200u);
}

// The receiver lingers as long as a quarter of its socket buffer holds what arrives meanwhile.
TEST(AwsXrayReceiverTest, LingerFollowsTheRateAndTheSocketBuffer) {
  constexpr size_t kDefaultBuffer = 2 * 212992, kLargeBuffer = 2 * 4194304;
  // 50 datagrams of 1.3 KB in 10 ms (5,000/s) charge ~3.1 KB each: a quarter of the default buffer
  // holds ~34 of them, i.e. 7 ms: the 10 ms floor.
  EXPECT_EQ(AwsXrayLingerMs(kDefaultBuffer, 50, 50 * 1300, 0.010), 10);
  // An 8 MiB buffer holds that rate for ~135 ms: capped at 50 ms.
  EXPECT_EQ(AwsXrayLingerMs(kLargeBuffer, 50, 50 * 1300, 0.010), 50);
  // Ten times the rate: ~13 ms.
  EXPECT_EQ(AwsXrayLingerMs(kLargeBuffer, 500, 500 * 1300, 0.010), 13);
  // Big datagrams fill the buffer sooner.
  EXPECT_EQ(AwsXrayLingerMs(kLargeBuffer, 50, 50 * 60000, 0.010), 10);
  // After an idle wait, or a round that read nothing, the rate is unknown: the floor.
  EXPECT_EQ(AwsXrayLingerMs(kLargeBuffer, 50, 50 * 1300, 0), 10);
  EXPECT_EQ(AwsXrayLingerMs(kLargeBuffer, 0, 0, 0.010), 10);
}

// Holds the receiver's first delivery until released (the receiving thread waits in it), so that
// datagrams queue up in the socket meanwhile.
class GatedConsumer : public testing::RecordingConsumer {
 public:
  Status Consume(PData data) override {
    {
      std::unique_lock<std::mutex> lock(gate_mu_);
      entered_ = true;
      gate_cv_.notify_all();
      gate_cv_.wait_for(lock, 10s, [&] { return open_; });
    }
    return RecordingConsumer::Consume(std::move(data));
  }
  bool WaitEntered() {
    std::unique_lock<std::mutex> lock(gate_mu_);
    return gate_cv_.wait_for(lock, 5s, [&] { return entered_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(gate_mu_);
    open_ = true;
    gate_cv_.notify_all();
  }

 private:
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  bool entered_ = false, open_ = false;
};

// A flood (every read fills a burst) is still handed on in batches of at most 1,024 datagrams: a
// batch's memory stays bounded however fast datagrams come.
TEST(AwsXrayReceiverTest, AFloodIsHandedOnInBatchesOfAtMost1024Datagrams) {
  long rmem_max = 0;
  if (FILE* f = std::fopen("/proc/sys/net/core/rmem_max", "r")) {
    if (std::fscanf(f, "%ld", &rmem_max) != 1) rmem_max = 0;
    std::fclose(f);
  }
  if (rmem_max < 4 * 1024 * 1024)
    GTEST_SKIP() << "net.core.rmem_max is " << rmem_max << ": the socket cannot queue 1,500 datagrams";
  adot::test::ClosedPort imds;
  auto gate = std::make_shared<GatedConsumer>();
  auto r = StartReceiver("", TestProviderOptions(imds), gate);
  UdpSender udp(r->udp_port);
  const std::string datagram = std::string("{\"format\":\"json\",\"version\":1}\n") + kIndependentInProgress;
  udp.Send(datagram);
  ASSERT_TRUE(gate->WaitEntered());  // the receiving thread now waits in Consume
  constexpr size_t kFlood = 1500;
  for (size_t i = 0; i < kFlood; ++i) udp.Send(datagram);
  gate->Open();
  ASSERT_TRUE(r->WaitForSpans(kFlood + 1)) << r->Spans().size();
  size_t largest = 0;
  for (const PData& batch : gate->received()) largest = std::max<size_t>(largest, batch.ItemCount());
  EXPECT_EQ(largest, 1024u);
  EXPECT_EQ(r->Spans().size(), kFlood + 1);
}

// ---- sampling proxy -------------------------------------------------------------------------------

TEST(AwsXrayReceiverTest, ProxyForwardsSamplingCallsSigned) {
  adot::test::ClosedPort imds;
  HttpTestServer xray;
  xray.SetDefaultResponse(TestResponse::Status(200, "{\"SamplingRuleRecords\":[]}").WithHeader("Content-Type", "application/json"));
  auto r = StartReceiver(", aws_endpoint: '" + xray.Url("") + "'", TestProviderOptions(imds));
  HttpClient client;
  for (const char* path : {"/GetSamplingRules", "/SamplingTargets"}) {
    common::HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(r->proxy_port) + path;
    req.body = path == std::string("/GetSamplingRules") ? "{\"NextToken\":null}" : "{\"SamplingStatisticsDocuments\":[]}";
    req.headers.emplace_back("Content-Type", "application/json");
    common::HttpResponse resp;
    client.Send(req, resp);
    ASSERT_EQ(resp.error, common::HttpError::kNone) << resp.error_message;
    EXPECT_EQ(resp.status, 200);
    EXPECT_EQ(resp.body, "{\"SamplingRuleRecords\":[]}");
  }
  ASSERT_EQ(xray.RequestCount(), 2u);
  auto requests = xray.Requests();
  EXPECT_EQ(requests[0].target, "/GetSamplingRules");
  EXPECT_EQ(requests[0].body, "{\"NextToken\":null}");
  EXPECT_EQ(requests[1].target, "/SamplingTargets");
  for (const auto& req : requests) ExpectSigned(req, kCredentials, "eu-west-1", "xray");
}

TEST(AwsXrayReceiverTest, ProxyWithoutARegionAnswersWithTheReason) {
  adot::test::ClosedPort imds;
  auto r = StartReceiver(", local_mode: true", TestProviderOptions(imds, /*with_region=*/false));
  HttpClient client;
  common::HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(r->proxy_port) + "/GetSamplingRules";
  req.body = "{}";
  common::HttpResponse resp;
  client.Send(req, resp);
  ASSERT_EQ(resp.error, common::HttpError::kNone) << resp.error_message;
  EXPECT_EQ(resp.status, 502);
  EXPECT_NE(resp.body.find("no region"), std::string::npos) << resp.body;
}

}  // namespace
}  // namespace adot::collector
