#include "collector/receivers/awsxray/awsxray_receiver.h"

#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "aws/xray_segment.h"
#include "collector/aws/request_signer.h"
#include "collector/core/http_client.h"
#include "collector/core/http_server.h"
#include "collector/core/logger.h"
#include "collector/core/telemetry.h"
#include "collector/receivers/awsxray/segment_translator.h"

namespace adot::collector {
namespace {

struct ProxyConfig {
  std::string endpoint = "localhost:2000";
  std::string aws_endpoint;  // empty: https://xray.<region>.<dns suffix>
  std::string proxy_address;
  bool insecure_skip_verify = false;
  AwsSignerConfig signer;
};

struct AwsXrayReceiverConfig : ComponentConfig {
  std::string endpoint = "localhost:2000";
  ProxyConfig proxy;
};

void ParseEndpoint(ConfigReader& r, std::string& endpoint) {
  endpoint = r.String("endpoint", endpoint);
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(endpoint, host, port)) r.Error("endpoint", "must be host:port, got \"" + endpoint + "\"");
}

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<AwsXrayReceiverConfig>();
  ParseEndpoint(r, c->endpoint);
  std::string transport = r.String("transport", "udp");
  if (transport != "udp") r.Error("transport", "must be udp, got \"" + transport + "\"");
  ConfigReader p = r.Child("proxy_server");
  ProxyConfig& proxy = c->proxy;
  ParseEndpoint(p, proxy.endpoint);
  proxy.aws_endpoint = p.String("aws_endpoint");
  if (!proxy.aws_endpoint.empty() && proxy.aws_endpoint.find("://") == std::string::npos)
    proxy.aws_endpoint = "https://" + proxy.aws_endpoint;
  while (!proxy.aws_endpoint.empty() && proxy.aws_endpoint.back() == '/') proxy.aws_endpoint.pop_back();
  proxy.proxy_address = p.String("proxy_address");
  if (!proxy.proxy_address.empty() && proxy.proxy_address.find("://") == std::string::npos)
    proxy.proxy_address = "http://" + proxy.proxy_address;
  if (!proxy.proxy_address.empty() && proxy.proxy_address.rfind("http://", 0) != 0)
    p.Error("proxy_address", "must be an http:// proxy URL, got \"" + proxy.proxy_address + "\"");
  AwsSignerConfig& s = proxy.signer;
  s.service = p.String("service_name", "xray");
  s.region = p.String("region");
  if (!s.region.empty() && !IsAwsRegionLike(s.region))
    p.Error("region", "must be an AWS region such as us-west-2, got \"" + s.region + "\"");
  s.role_arn = p.String("role_arn");
  if (!s.role_arn.empty() && !IsIamRoleArn(s.role_arn))
    p.Error("role_arn", "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got \"" + s.role_arn + "\"");
  s.region_from_imds = !p.Bool("local_mode", false);
  ConfigReader tls = p.Child("tls");
  proxy.insecure_skip_verify = tls.Bool("insecure", false);
  if (!tls.String("server_name_override").empty())
    tls.Error("server_name_override", "is not supported (the name checked is the endpoint's host)");
  tls.Finish();
  p.Finish();
  r.Finish();
  return c;
}

// Forwards the X-Ray SDKs' calls to X-Ray, signed. The region is resolved at the first call, so a
// collector without AWS configuration starts (segments over UDP still work) and each call then
// gets a clear error.
class SamplingProxy {
 public:
  SamplingProxy(const ProxyConfig& c, std::string name, aws::ProviderOptions options)
      : cfg_(c), name_(std::move(name)), signer_(std::make_shared<AwsRequestSigner>(name_, c.signer, std::move(options))),
        client_options_(ClientOptions(c)), pool_(client_options_) {}

  Status Start() {
    signer_->Start();
    HttpServerOptions o;
    o.endpoint = cfg_.endpoint;
    o.threads = 1;
    o.max_request_body = 1024 * 1024;
    server_ = std::make_unique<HttpServer>(o, [this](HttpServerRequest& req, HttpServerResponse& resp) {
      Forward(req, resp);
    });
    Status st = server_->Start();
    if (!st.ok()) return Status::Permanent(name_ + ": proxy_server " + cfg_.endpoint + ": " + st.message());
    Log(LogLevel::kInfo, name_, "sampling proxy on " + cfg_.endpoint + " (TCP), signing for " + cfg_.signer.service);
    return Status::Ok();
  }

  void Stop(Deadline deadline) {
    if (server_) server_->Stop(deadline);
    pool_.CancelAll();
  }

 private:
  static common::HttpClientOptions ClientOptions(const ProxyConfig& c) {
    common::HttpClientOptions o;
    o.insecure_skip_verify = c.insecure_skip_verify;
    o.proxy = c.proxy_address;
    return o;
  }

  void Forward(HttpServerRequest& req, HttpServerResponse& resp) {
    std::string error;
    std::string base = cfg_.aws_endpoint;
    if (base.empty()) {
      std::string region = signer_->Region(&error);
      if (region.empty()) {
        resp.status = 502;
        resp.body = name_ + ": no region to forward to X-Ray: set proxy_server.region or AWS_REGION (" + error + ")";
        return;
      }
      base = "https://" + cfg_.signer.service + "." + region + "." + AwsDnsSuffix(region);
    }
    common::HttpRequest out;
    out.method = req.method;
    out.url = base + req.target;
    out.body = req.body;
    out.timeout = std::chrono::seconds(20);
    if (std::string type = req.Header("content-type"); !type.empty()) out.headers.emplace_back("Content-Type", type);
    std::string unused;
    Status st = AuthenticateRequest(*signer_, client_options_, out, unused);
    if (!st.ok()) {
      resp.status = 502;
      resp.body = st.message();
      return;
    }
    common::HttpResponse answer;
    pool_.Send(out, answer);
    if (answer.error != common::HttpError::kNone) {
      resp.status = 502;
      resp.body = name_ + ": X-Ray at " + base + ": " + answer.error_message;
      return;
    }
    resp.status = answer.status;
    std::string_view type = answer.Header("content-type");
    resp.content_type = type.empty() ? "application/json" : std::string(type);
    resp.body = std::move(answer.body);
  }

  ProxyConfig cfg_;
  std::string name_;
  std::shared_ptr<AwsRequestSigner> signer_;
  common::HttpClientOptions client_options_;
  HttpClientPool pool_;
  std::unique_ptr<HttpServer> server_;
};

class AwsXrayReceiver : public Receiver {
 public:
  AwsXrayReceiver(const AwsXrayReceiverConfig& c, std::string id, aws::ProviderOptions options)
      : cfg_(c), id_(std::move(id)), name_("receiver " + id_), proxy_(c.proxy, "awsxray", std::move(options)) {
    telemetry_id_ = Telemetry::Global().Register([this](std::vector<MetricSample>& out) {
      std::vector<std::pair<std::string, std::string>> labels = {{"receiver", id_}, {"transport", "udp"}};
      out.push_back({"otelcol_receiver_accepted_spans_total", "counter", labels, double(accepted_.load())});
      out.push_back({"otelcol_receiver_refused_spans_total", "counter", labels, double(refused_.load())});
      out.push_back({"otelcol_receiver_malformed_datagrams_total", "counter", labels, double(malformed_.load())});
    });
  }
  ~AwsXrayReceiver() override {
    Telemetry::Global().Unregister(telemetry_id_);
    StopPoller();
  }

  void SetConsumer(Signal signal, std::shared_ptr<Consumer> next) override {
    if (signal == Signal::kTraces) next_ = std::move(next);
  }

  Status Start() override {
    Status st = Bind();
    if (!st.ok()) return st;
    st = proxy_.Start();
    if (!st.ok()) return st;
    poller_ = std::thread([this] { Poll(); });
    Log(LogLevel::kInfo, name_, "X-Ray segments on " + cfg_.endpoint + " (UDP)");
    return Status::Ok();
  }

  void Shutdown(Deadline deadline) override {
    StopPoller();
    proxy_.Stop(deadline);
  }

  uint64_t malformed() const { return malformed_.load(); }

 private:
  Status Bind() {
    std::string host;
    uint16_t port = 0;
    SplitHostPort(cfg_.endpoint, host, port);
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (rc != 0) return Status::Permanent(name_ + ": endpoint " + cfg_.endpoint + ": " + gai_strerror(rc));
    int err = 0;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      fd_ = ::socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (fd_ < 0) {
        err = errno;
        continue;
      }
      if (::bind(fd_, ai->ai_addr, ai->ai_addrlen) == 0) break;
      err = errno;
      ::close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(res);
    if (fd_ < 0) return Status::Permanent(name_ + ": cannot listen on " + cfg_.endpoint + " (UDP): " + std::strerror(err));
    // Room for bursts while the poller translates (the kernel caps it at net.core.rmem_max).
    int size = 4 * 1024 * 1024;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    socklen_t len = sizeof(size);
    if (getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, &len) == 0 && size > 0) receive_buffer_ = size_t(size);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return Status::Ok();
  }

  void StopPoller() {
    if (poller_.joinable()) {
      stopping_ = true;
      uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
      poller_.join();
    }
    if (fd_ >= 0) ::close(fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    fd_ = wake_fd_ = -1;
  }

  // Reads whatever datagrams are queued (up to kBatch at a time), translates them into one batch
  // and hands it on; then lets datagrams gather (AwsXrayLingerMs) before it reads again, unless the last
  // read filled a whole burst; when a round read nothing it blocks until one arrives. SDKs send
  // one datagram per segment: waking for each one cost more than everything else the receiver
  // does (at 5,000 segments/s, 50 to 250 datagrams a wake instead of 1).
  void Poll() {
    constexpr int kBatch = 32;
    constexpr int kMaxDatagramsPerBatch = 1024;  // under a flood, batches are handed on at this size
    std::vector<char> buffers(size_t(kBatch) * aws::xray::kMaxDatagramSize);
    mmsghdr messages[kBatch];
    iovec iov[kBatch];
    aws::xray::Segment segment;
    std::string error;
    bool idle = true;  // the last round read nothing: block until a datagram (or Stop) arrives
    auto round_start = std::chrono::steady_clock::now();
    while (!stopping_) {
      const bool woke_from_idle = idle;
      if (idle) {
        pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
        if (stopping_) break;
      }
      std::string batch;  // an ExportTraceServiceRequest, encoded
      std::optional<common::proto::ProtoWriter> writer;
      std::optional<awsxray::SegmentBatch> segments;
      uint64_t spans = 0;
      bool saturated = false;
      int read = 0;
      size_t bytes_read = 0;
      idle = true;
      for (;;) {
        for (int i = 0; i < kBatch; ++i) {
          iov[i] = {buffers.data() + size_t(i) * aws::xray::kMaxDatagramSize, aws::xray::kMaxDatagramSize};
          messages[i] = {};
          messages[i].msg_hdr.msg_iov = &iov[i];
          messages[i].msg_hdr.msg_iovlen = 1;
        }
        int n = ::recvmmsg(fd_, messages, kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) {
          saturated = false;
          break;
        }
        idle = false;
        for (int i = 0; i < n; ++i) {
          bytes_read += messages[i].msg_len;
          // A datagram that filled the buffer may have been cut short (MSG_TRUNC).
          std::string_view datagram(static_cast<const char*>(iov[i].iov_base), messages[i].msg_len);
          if ((messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
            Malformed("datagram over 64 KiB");
            continue;
          }
          if (!aws::xray::ParseDaemonDatagram(datagram, segment, error)) {
            Malformed(error);
            continue;
          }
          if (!writer) {
            batch.reserve(batch_capacity_hint_);
            writer.emplace(batch);
            segments.emplace(*writer);
          }
          const size_t written = segments->Append(segment, error);
          if (written == 0) Malformed(error);
          spans += written;
        }
        saturated = n == kBatch;
        read += n;
        if (!saturated || read >= kMaxDatagramsPerBatch) break;
      }
      if (writer) {
        segments.reset();
        writer.reset();  // trims batch to what was written
        // The next batch starts with room for one like this one: no copying while it grows.
        batch_capacity_hint_ = std::max<size_t>(4096, batch.size() + batch.size() / 4);
        if (spans > 0) Deliver(PData::FromEncoded(Signal::kTraces, std::move(batch), spans));
      }
      // After an idle wait the rate is unknown (a burst may be starting): the shortest linger.
      const auto now = std::chrono::steady_clock::now();
      const double seconds = woke_from_idle ? 0 : std::chrono::duration<double>(now - round_start).count();
      round_start = now;
      if (!idle && !saturated) {
        pollfd stop = {wake_fd_, POLLIN, 0};
        ::poll(&stop, 1, AwsXrayLingerMs(receive_buffer_, size_t(read), bytes_read, seconds));
      }
    }
  }

  void Deliver(PData batch) {
    const uint64_t spans = batch.ItemCount();
    Status st = next_ ? next_->Consume(std::move(batch)) : Status::Permanent("no pipeline");
    if (st.ok()) {
      accepted_ += spans;
      return;
    }
    // UDP has no way to ask the SDK to send again.
    refused_ += spans;
    Log(LogLevel::kWarn, name_, std::to_string(spans) + " span(s) refused by the pipeline and lost: " + st.message());
  }

  void Malformed(const std::string& why) {
    uint64_t n = ++malformed_;
    // The first one, then one in a thousand: a misbehaving sender must not flood the log.
    if (n == 1 || n % 1000 == 0)
      Log(LogLevel::kWarn, name_, "malformed datagram dropped (" + std::to_string(n) + " so far): " + why);
  }

  AwsXrayReceiverConfig cfg_;
  std::string id_, name_;
  SamplingProxy proxy_;
  std::shared_ptr<Consumer> next_;
  int fd_ = -1, wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
  std::atomic<uint64_t> accepted_{0}, refused_{0}, malformed_{0};
  size_t batch_capacity_hint_ = 4096;  // the poll thread's: the size of a batch to start with
  size_t receive_buffer_ = 208 * 1024;  // the socket's, as the kernel counts it
  int telemetry_id_ = 0;
};

}  // namespace

int AwsXrayLingerMs(size_t receive_buffer, size_t datagrams, size_t bytes, double seconds) {
  constexpr int kMinMs = 10, kMaxMs = 50;
  if (datagrams == 0 || seconds <= 0) return kMinMs;
  // The kernel charges a datagram about twice its size (its buffer rounded up, plus metadata).
  const double charged = 2.0 * double(bytes) / double(datagrams) + 512;
  const double arriving_per_ms = double(datagrams) / seconds / 1000;
  const double ms = 0.25 * double(receive_buffer) / charged / arriving_per_ms;
  return static_cast<int>(std::clamp(ms, double(kMinMs), double(kMaxMs)));
}

Factory AwsXrayReceiverFactory(aws::ProviderOptions options) {
  Factory f;
  f.kind = Kind::kReceiver;
  f.type = "awsxray";
  f.stability = "beta";
  f.signals = {Signal::kTraces};
  f.parse = Parse;
  f.create_receiver = [options](const ComponentConfig& c, const CreateSettings& s) -> std::shared_ptr<Receiver> {
    return std::make_shared<AwsXrayReceiver>(static_cast<const AwsXrayReceiverConfig&>(c), s.id, options);
  };
  return f;
}

}  // namespace adot::collector
