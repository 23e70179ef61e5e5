// collector_loadgen: the load generator of the collector load benchmark.
//
// Pre-encodes --distinct OTLP ExportTraceServiceRequests (--spans-per-request spans each, ~10
// attributes of 20-character strings per span) and sends them to a collector on loopback over
// OTLP/gRPC (grpc++ generic stub, callback API, several connections) or OTLP/HTTP protobuf (raw
// keep-alive HTTP/1.1, one connection per in-flight request), at a fixed rate in spans/s or, with
// --rate 0, closed-loop (as fast as --inflight outstanding requests allow).
//
// Every answer is classified: accepted; refused (retryable by the collector's choice: gRPC UNAVAILABLE
// or RESOURCE_EXHAUSTED, HTTP 429 or 503); other retryable errors (deadline, connection, other OTLP
// retryable codes); permanent. With --retry, refused and retryable requests are sent again with
// exponential back-off until accepted, like an SDK exporter with an unbounded queue: the data of
// --duration × --rate is generated on schedule, what the in-flight limit does not let out yet waits
// in the sender (and goes out after --duration too), and everything is retried until accepted or
// until --drain-timeout seconds after --duration.
//
// Bounded: --duration and --max-requests are required, and the target must be a loopback address.
// The last line on stdout is `result key=value ...` (see PrintResult) for scripts.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

struct Options {
  std::string target;  // host:port
  std::string protocol = "grpc";
  double rate = -1;  // spans/s; 0 = closed loop
  double duration = -1;
  long long max_requests = -1;
  int inflight = 16;
  int connections = 4;
  int spans_per_request = 100;
  int distinct = 64;
  std::string span_shape = "rich";
  bool retry = false;
  double drain_timeout = 60;
  int timeout_ms = 10000;
  bool progress = false;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "collector_loadgen: %s\n"
               "usage: collector_loadgen --target 127.0.0.1:PORT --duration SECONDS --max-requests N --rate SPANS_PER_S\n"
               "         [--protocol grpc|http] [--inflight 16] [--connections 4] [--spans-per-request 100]\n"
               "         [--distinct 64] [--span-shape rich|testbed] [--retry] [--drain-timeout 60]\n"
               "         [--timeout-ms 10000] [--progress]\n"
               "  --rate 0 runs closed-loop: --inflight requests always outstanding.\n"
               "  --span-shape rich: 10 attributes per span (9 strings of 20 characters), 5 resource attributes;\n"
               "               testbed: the Go collector testbed's spans (2 int attributes, no resource attributes).\n",
               why);
  std::exit(2);
}

// Only loopback targets: this is a benchmark tool, it must not be pointed at a real service.
bool IsLoopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

bool SplitHostPort(const std::string& target, std::string& host, int& port) {
  size_t colon = target.rfind(':');
  if (colon == std::string::npos) return false;
  host = target.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  port = std::atoi(target.c_str() + colon + 1);
  return port > 0 && port < 65536;
}

// ---- The requests: realistic content, distinct ids and values in every request.

// The shape of the OpenTelemetry Collector testbed's generated spans (its perf-test data provider):
// one trace per request, name "load-generator-span", kind CLIENT, 1 ms long, two int attributes
// load_generator.span_seq_num / trace_seq_num, an empty resource. The Go collector's published
// 10k-spans/s figures are for these spans.
std::vector<std::string> BuildTestbedRequests(const Options& o) {
  std::vector<std::string> out;
  uint64_t span_seq = 0;
  for (int r = 0; r < o.distinct; ++r) {
    ExportTraceServiceRequest req;
    auto* ss = req.add_resource_spans()->add_scope_spans();
    uint64_t trace_seq = static_cast<uint64_t>(r) + 1;
    std::string trace_id(16, '\0');
    for (int i = 0; i < 8; ++i) trace_id[15 - i] = static_cast<char>(trace_seq >> (8 * i));
    uint64_t t0 = 1700000000000000000ull + static_cast<uint64_t>(r) * 1000000000ull;
    for (int s = 0; s < o.spans_per_request; ++s) {
      ++span_seq;
      std::string span_id(8, '\0');
      for (int i = 0; i < 8; ++i) span_id[7 - i] = static_cast<char>(span_seq >> (8 * i));
      auto* span = ss->add_spans();
      span->set_trace_id(trace_id);
      span->set_span_id(span_id);
      span->set_name("load-generator-span");
      span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
      span->set_start_time_unix_nano(t0 + s * 1000);
      span->set_end_time_unix_nano(t0 + s * 1000 + 1000000);
      auto* a = span->add_attributes();
      a->set_key("load_generator.span_seq_num");
      a->mutable_value()->set_int_value(static_cast<int64_t>(span_seq));
      a = span->add_attributes();
      a->set_key("load_generator.trace_seq_num");
      a->mutable_value()->set_int_value(static_cast<int64_t>(trace_seq));
    }
    out.push_back(req.SerializeAsString());
  }
  return out;
}

std::vector<std::string> BuildRequests(const Options& o) {
  if (o.span_shape == "testbed") return BuildTestbedRequests(o);
  std::mt19937_64 rng(42);
  const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  auto str20 = [&] {
    std::string s(20, 'a');
    for (char& c : s) c = alphabet[rng() % 36];
    return s;
  };
  auto bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  static const char* kKeys[] = {"http.method", "http.route", "http.target", "net.peer.name", "user_agent.original",
                                "db.system", "db.statement", "rpc.service", "messaging.system"};
  std::vector<std::string> out;
  for (int r = 0; r < o.distinct; ++r) {
    ExportTraceServiceRequest req;
    auto* rs = req.add_resource_spans();
    auto* res = rs->mutable_resource();
    auto add = [](auto* attrs, const char* k, const std::string& v) {
      auto* a = attrs->Add();
      a->set_key(k);
      a->mutable_value()->set_string_value(v);
    };
    add(res->mutable_attributes(), "service.name", "load-" + std::to_string(r % 8));
    add(res->mutable_attributes(), "service.version", "1.2.3");
    add(res->mutable_attributes(), "host.name", str20());
    add(res->mutable_attributes(), "telemetry.sdk.name", "opentelemetry");
    add(res->mutable_attributes(), "telemetry.sdk.language", "cpp");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("adot.bench.loadgen");
    ss->mutable_scope()->set_version("0.1.0");
    uint64_t t0 = 1700000000000000000ull + static_cast<uint64_t>(r) * 1000000000ull;
    std::string trace_id = bytes(16);
    for (int s = 0; s < o.spans_per_request; ++s) {
      if (s % 10 == 0) trace_id = bytes(16);  // traces of 10 spans
      auto* span = ss->add_spans();
      span->set_trace_id(trace_id);
      span->set_span_id(bytes(8));
      if (s % 10) span->set_parent_span_id(bytes(8));
      span->set_name(str20());
      span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
      span->set_start_time_unix_nano(t0 + s * 1000);
      span->set_end_time_unix_nano(t0 + s * 1000 + 250000);
      for (const char* k : kKeys) add(span->mutable_attributes(), k, str20());
      auto* code = span->add_attributes();
      code->set_key("http.status_code");
      code->mutable_value()->set_int_value(200);
      span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
    }
    out.push_back(req.SerializeAsString());
  }
  return out;
}

// ---- Outcome of one attempt.

enum class Outcome { kOk, kRefused, kRetryable, kPermanent };

// OTLP's retryable gRPC codes; UNAVAILABLE and RESOURCE_EXHAUSTED are the collector's back-pressure.
Outcome Classify(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::OK: return Outcome::kOk;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return Outcome::kRefused;
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::DATA_LOSS: return Outcome::kRetryable;
    default: return Outcome::kPermanent;
  }
}

Outcome ClassifyHttp(int status) {
  if (status >= 200 && status < 300) return Outcome::kOk;
  if (status == 429 || status == 503) return Outcome::kRefused;
  if (status == 502 || status == 504 || status <= 0) return Outcome::kRetryable;  // <= 0: connection error
  return Outcome::kPermanent;
}

struct Job {
  uint64_t seq;      // which offered request (content = requests[seq % distinct])
  int attempt;       // 0 = first send
  Clock::time_point due;
  bool operator>(const Job& o) const { return due > o.due; }
};

using Done = std::function<void(const Job&, Outcome, const std::string& code)>;

// A transport sends one job asynchronously and calls done exactly once.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Send(const Job& job, Done done) = 0;
};

class GrpcTransport : public Transport {
 public:
  GrpcTransport(const Options& o, const std::vector<std::string>& requests) : timeout_ms_(o.timeout_ms) {
    for (const auto& r : requests) {
      grpc::Slice s(r);
      buffers_.emplace_back(&s, 1);
    }
    // One HTTP/2 connection per channel: a local subchannel pool keeps them from being shared.
    for (int i = 0; i < std::max(1, o.connections); ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetMaxReceiveMessageSize(-1);
      auto ch = grpc::CreateCustomChannel(o.target, grpc::InsecureChannelCredentials(), args);
      stubs_.push_back(std::make_unique<grpc::GenericStub>(ch));
    }
  }
  void Send(const Job& job, Done done) override {
    struct Call {
      grpc::ClientContext ctx;
      grpc::ByteBuffer response;
    };
    auto* call = new Call;
    call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms_));
    auto& stub = *stubs_[next_.fetch_add(1, std::memory_order_relaxed) % stubs_.size()];
    stub.UnaryCall(&call->ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", grpc::StubOptions(),
                   &buffers_[job.seq % buffers_.size()], &call->response,
                   [call, job, done = std::move(done)](grpc::Status s) {
                     delete call;
                     done(job, Classify(s.error_code()), "grpc:" + std::to_string(s.error_code()));
                   });
  }

 private:
  int timeout_ms_;
  std::vector<grpc::ByteBuffer> buffers_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::atomic<size_t> next_{0};
};

// OTLP/HTTP: --inflight worker threads, each with its own keep-alive connection, take jobs from a queue.
class HttpTransport : public Transport {
 public:
  HttpTransport(const Options& o, const std::vector<std::string>& requests, const std::string& host, int port)
      : host_(host), port_(port), timeout_ms_(o.timeout_ms) {
    for (const auto& r : requests) {
      std::string head = "POST /v1/traces HTTP/1.1\r\nHost: " + o.target +
                         "\r\nContent-Type: application/x-protobuf\r\nContent-Length: " + std::to_string(r.size()) +
                         "\r\n\r\n";
      heads_.push_back(std::move(head));
    }
    requests_ = &requests;
    for (int i = 0; i < o.inflight; ++i) workers_.emplace_back([this] { Work(); });
  }
  ~HttpTransport() override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  void Send(const Job& job, Done done) override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.emplace_back(job, std::move(done));
    }
    cv_.notify_one();
  }

 private:
  int Connect() {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &res) != 0 || !res) return -1;
    int fd = ::socket(res->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return -1;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }

  // One request/response on fd; returns the HTTP status, or -1 on a connection error (fd unusable).
  int RoundTrip(int fd, size_t idx, std::string& buf) {
    const std::string& head = heads_[idx];
    const std::string& body = (*requests_)[idx];
    iovec iov[2] = {{const_cast<char*>(head.data()), head.size()}, {const_cast<char*>(body.data()), body.size()}};
    size_t total = head.size() + body.size(), sent = 0;
    while (sent < total) {
      msghdr m{};
      iovec part[2];
      int n = 0;
      size_t skip = sent;
      for (auto& v : iov) {
        if (skip >= v.iov_len) {
          skip -= v.iov_len;
          continue;
        }
        part[n++] = {static_cast<char*>(v.iov_base) + skip, v.iov_len - skip};
        skip = 0;
      }
      m.msg_iov = part;
      m.msg_iovlen = n;
      ssize_t w = ::sendmsg(fd, &m, MSG_NOSIGNAL);
      if (w <= 0) return -1;
      sent += static_cast<size_t>(w);
    }
    buf.clear();
    char chunk[16384];
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return -1;
      buf.append(chunk, n);
    }
    int status = buf.size() > 12 ? std::atoi(buf.c_str() + 9) : -1;
    size_t length = 0;
    for (size_t p = buf.find("\r\n"); p < head_end; p = buf.find("\r\n", p + 2)) {
      if (strncasecmp(buf.c_str() + p + 2, "Content-Length:", 15) == 0) length = std::strtoull(buf.c_str() + p + 17, nullptr, 10);
    }
    while (buf.size() < head_end + 4 + length) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return -1;
      buf.append(chunk, n);
    }
    return status;
  }

  void Work() {
    int fd = -1;
    std::string buf;
    for (;;) {
      std::pair<Job, Done> item;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) break;
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      if (fd < 0) fd = Connect();
      int status = fd < 0 ? -1 : RoundTrip(fd, item.first.seq % heads_.size(), buf);
      if (status < 0 && fd >= 0) {
        ::close(fd);
        fd = -1;
      }
      item.second(item.first, ClassifyHttp(status), "http:" + std::to_string(status));
    }
    if (fd >= 0) ::close(fd);
  }

  std::string host_;
  int port_, timeout_ms_;
  std::vector<std::string> heads_;
  const std::vector<std::string>* requests_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Job, Done>> queue_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

// ---- The scheduler: paces new requests, keeps at most --inflight outstanding, schedules retries.

struct Stats {
  uint64_t offered_requests = 0;  // distinct requests sent at least once
  uint64_t attempts = 0;
  uint64_t ok_requests = 0;
  uint64_t refused = 0;    // attempts answered with retryable back-pressure
  uint64_t retryable = 0;  // attempts failed with another retryable error
  uint64_t permanent = 0;
  uint64_t lost_requests = 0;  // given up: not retried, permanent, or left at the drain deadline
  std::map<std::string, uint64_t> codes;
};

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

Clock::duration Backoff(int attempt, std::mt19937& rng) {
  // 50 ms doubling up to 1 s, each ×[0.5, 1.5] so that refused senders do not retry in lockstep.
  double ms = std::min(1000.0, 50.0 * (1 << std::min(attempt, 10)));
  ms *= std::uniform_real_distribution<double>(0.5, 1.5)(rng);
  return std::chrono::microseconds(static_cast<long long>(ms * 1000));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) Usage((a + " needs a value").c_str());
      return argv[++i];
    };
    if (a == "--target") o.target = val();
    else if (a == "--protocol") o.protocol = val();
    else if (a == "--rate") o.rate = std::atof(val().c_str());
    else if (a == "--duration") o.duration = std::atof(val().c_str());
    else if (a == "--max-requests") o.max_requests = std::atoll(val().c_str());
    else if (a == "--inflight") o.inflight = std::atoi(val().c_str());
    else if (a == "--connections") o.connections = std::atoi(val().c_str());
    else if (a == "--spans-per-request") o.spans_per_request = std::atoi(val().c_str());
    else if (a == "--distinct") o.distinct = std::atoi(val().c_str());
    else if (a == "--span-shape") o.span_shape = val();
    else if (a == "--retry") o.retry = true;
    else if (a == "--drain-timeout") o.drain_timeout = std::atof(val().c_str());
    else if (a == "--timeout-ms") o.timeout_ms = std::atoi(val().c_str());
    else if (a == "--progress") o.progress = true;
    else Usage(("unknown argument " + a).c_str());
  }
  std::string host;
  int port = 0;
  if (o.target.empty() || !SplitHostPort(o.target, host, port)) Usage("--target HOST:PORT is required");
  if (!IsLoopback(host)) Usage("only loopback targets (127.0.0.0/8, ::1, localhost) are allowed");
  if (o.duration <= 0 || o.duration > 3600) Usage("--duration (0 < s <= 3600) is required");
  if (o.max_requests <= 0) Usage("--max-requests (> 0) is required");
  if (o.rate < 0) Usage("--rate is required (spans/s; 0 = closed loop)");
  if (o.protocol != "grpc" && o.protocol != "http") Usage("--protocol is grpc or http");
  if (o.span_shape != "rich" && o.span_shape != "testbed") Usage("--span-shape is rich or testbed");
  if (o.inflight < 1 || o.spans_per_request < 1 || o.distinct < 1) Usage("bad --inflight / --spans-per-request / --distinct");

  auto requests = BuildRequests(o);
  std::unique_ptr<Transport> transport;
  if (o.protocol == "grpc")
    transport = std::make_unique<GrpcTransport>(o, requests);
  else
    transport = std::make_unique<HttpTransport>(o, requests, host, port);

  std::mutex mu;
  std::condition_variable cv;
  Stats st;
  int inflight = 0;
  std::priority_queue<Job, std::vector<Job>, std::greater<Job>> retries;
  std::mt19937 rng(7);

  Done done = [&](const Job& job, Outcome out, const std::string& code) {
    std::lock_guard<std::mutex> lk(mu);
    --inflight;
    if (out != Outcome::kOk) ++st.codes[code];
    switch (out) {
      case Outcome::kOk: ++st.ok_requests; break;
      case Outcome::kRefused: ++st.refused; break;
      case Outcome::kRetryable: ++st.retryable; break;
      case Outcome::kPermanent: ++st.permanent; break;
    }
    if (out == Outcome::kRefused || out == Outcome::kRetryable) {
      if (o.retry)
        retries.push(Job{job.seq, job.attempt + 1, Clock::now() + Backoff(job.attempt, rng)});
      else
        ++st.lost_requests;
    } else if (out == Outcome::kPermanent) {
      ++st.lost_requests;
    }
    cv.notify_one();
  };

  const double cpu0 = CpuSeconds();
  const auto start = Clock::now();
  const auto offer_end = start + std::chrono::microseconds(static_cast<long long>(o.duration * 1e6));
  const auto drain_end = offer_end + std::chrono::microseconds(static_cast<long long>(o.drain_timeout * 1e6));
  // Time between two new requests at the target rate (closed loop: 0).
  const double period_s = o.rate > 0 ? o.spans_per_request / o.rate : 0;
  // Requests to send. With --retry and a rate, all the data generated during --duration is sent,
  // even when the in-flight limit pushes some of it past --duration (the sender's backlog).
  uint64_t to_send = static_cast<uint64_t>(o.max_requests);
  const bool send_backlog = o.retry && o.rate > 0;
  if (send_backlog)
    to_send = std::min<uint64_t>(to_send, static_cast<uint64_t>(std::ceil(o.rate * o.duration / o.spans_per_request)));
  Clock::time_point offer_stopped{};
  auto next_progress = start + std::chrono::seconds(1);
  uint64_t progress_ok = 0;

  std::unique_lock<std::mutex> lk(mu);
  for (;;) {
    auto now = Clock::now();
    bool offering = (send_backlog ? now < drain_end : now < offer_end) && st.offered_requests < to_send;
    if (!offering && offer_stopped == Clock::time_point{}) offer_stopped = now;
    if (o.progress && now >= next_progress) {
      std::fprintf(stderr, "loadgen: t=%.0fs offered=%llu ok/s=%.0f spans inflight=%d retry_backlog=%zu refused=%llu\n",
                   std::chrono::duration<double>(now - start).count(), (unsigned long long)st.offered_requests,
                   double(st.ok_requests - progress_ok) * o.spans_per_request, inflight, retries.size(),
                   (unsigned long long)st.refused);
      progress_ok = st.ok_requests;
      next_progress += std::chrono::seconds(1);
    }
    if (!offering) {
      if (inflight == 0 && retries.empty()) break;
      if (now >= drain_end) break;  // give up: what is still outstanding is counted as lost below
    }
    Clock::time_point wake = (offering && now < offer_end) ? offer_end : drain_end;
    if (o.progress) wake = std::min(wake, next_progress);
    if (inflight < o.inflight) {
      if (!retries.empty() && retries.top().due <= now) {
        Job j = retries.top();
        retries.pop();
        ++inflight;
        ++st.attempts;
        lk.unlock();
        transport->Send(j, done);
        lk.lock();
        continue;
      }
      if (offering) {
        auto due = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(period_s * static_cast<double>(st.offered_requests)));
        if (due <= now) {
          Job j{st.offered_requests, 0, now};
          ++st.offered_requests;
          ++inflight;
          ++st.attempts;
          lk.unlock();
          transport->Send(j, done);
          lk.lock();
          continue;
        }
        wake = std::min(wake, due);
      }
      if (!retries.empty()) wake = std::min(wake, retries.top().due);
    }
    // At the in-flight limit only an answer (notify) can let us go on; otherwise sleep until the
    // next due time.
    cv.wait_until(lk, wake);
  }
  const auto end = Clock::now();
  // Outstanding at the drain deadline: lost. Wait (bounded by the call timeout) for in-flight calls
  // so that their callbacks do not run after the counters are printed.
  st.lost_requests += retries.size();
  uint64_t given_up_inflight = inflight;
  cv.wait_until(lk, Clock::now() + std::chrono::milliseconds(o.timeout_ms + 1000), [&] { return inflight == 0; });
  st.lost_requests += given_up_inflight;
  const double cpu = CpuSeconds() - cpu0;

  const double offer_s = std::chrono::duration<double>(offer_stopped - start).count();
  const double elapsed = std::chrono::duration<double>(end - start).count();
  const uint64_t n = o.spans_per_request;
  std::string codes;
  for (auto& [k, v] : st.codes) codes += (codes.empty() ? "" : ",") + k + ":" + std::to_string(v);
  std::printf(
      "result protocol=%s offered_requests=%llu offered_spans=%llu ok_spans=%llu attempts=%llu refused=%llu "
      "retryable_errors=%llu permanent=%llu lost_spans=%llu offer_seconds=%.3f elapsed_seconds=%.3f "
      "offered_spans_per_s=%.0f accepted_spans_per_s=%.0f cpu_seconds=%.3f codes=%s\n",
      o.protocol.c_str(), (unsigned long long)st.offered_requests, (unsigned long long)(st.offered_requests * n),
      (unsigned long long)(st.ok_requests * n), (unsigned long long)st.attempts, (unsigned long long)st.refused,
      (unsigned long long)st.retryable, (unsigned long long)st.permanent, (unsigned long long)(st.lost_requests * n),
      offer_s, elapsed, offer_s > 0 ? st.offered_requests * n / offer_s : 0.0,
      elapsed > 0 ? st.ok_requests * n / elapsed : 0.0, cpu, codes.empty() ? "-" : codes.c_str());
  std::fflush(stdout);
  lk.unlock();
  // grpc's and the HTTP workers' threads may still hold a callback; exit without destructors.
  std::_Exit(0);
}
