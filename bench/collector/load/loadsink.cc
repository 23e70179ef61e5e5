// collector_loadsink: the OTLP backend of the collector load benchmark. Serves OTLP/gRPC (grpc++
// generic callback service) and OTLP/HTTP (a minimal HTTP/1.1 server, one thread per connection) on
// 127.0.0.1, counts the spans of every trace request by walking the protobuf wire format (no decode)
// and always answers success; with --max-spans-per-s, no faster than that (a slow backend: each
// answer waits for its share of the rate, whatever connection or call it is on).
//
// Output on stdout: `ready grpc=<port> http=<port>` once listening, then a stats line
// `stats spans=<n> requests=<n> bytes=<n> malformed=<n>` every --stats-interval-ms and once more on
// SIGTERM/SIGINT before exiting.
//
//   collector_loadsink [--grpc-port 0] [--http-port 0] [--stats-interval-ms 250] [--max-spans-per-s N]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include "wire_count.h"

namespace {

using adot::bench::load::CountSpans;

std::atomic<uint64_t> g_spans{0}, g_requests{0}, g_bytes{0}, g_malformed{0};

constexpr const char* kTraceMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

double g_max_spans_per_s = 0;  // 0: no limit
std::mutex g_pace_mu;
std::chrono::steady_clock::time_point g_pace_next{};

// Holds the caller until `spans` fit in the --max-spans-per-s budget: every request books the
// time its spans take at that rate after the previous booking, and is answered when it ends.
void Pace(uint64_t spans) {
  if (g_max_spans_per_s <= 0 || spans == 0) return;
  auto cost = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(static_cast<double>(spans) / g_max_spans_per_s));
  std::chrono::steady_clock::time_point done;
  {
    std::lock_guard<std::mutex> lock(g_pace_mu);
    g_pace_next = std::max(g_pace_next, std::chrono::steady_clock::now()) + cost;
    done = g_pace_next;
  }
  std::this_thread::sleep_until(done);
}

void Count(bool is_traces, std::string_view body) {
  g_requests.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(body.size(), std::memory_order_relaxed);
  if (!is_traces) return;
  uint64_t n = 0;
  if (CountSpans(body, n))
    g_spans.fetch_add(n, std::memory_order_relaxed);
  else
    g_malformed.fetch_add(1, std::memory_order_relaxed);
  Pace(n);
}

// ---- gRPC: every OTLP Export is a unary call; served generically so the request stays bytes.

class ExportReactor : public grpc::ServerGenericBidiReactor {
 public:
  explicit ExportReactor(grpc::GenericCallbackServerContext* ctx)
      : is_traces_(ctx->method() == kTraceMethod) {
    // An empty Export*ServiceResponse is zero bytes, but a default ByteBuffer holds no buffer at
    // all: give it one empty slice.
    grpc::Slice empty{std::string()};
    response_ = grpc::ByteBuffer(&empty, 1);
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed without a message
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
      return;
    }
    std::vector<grpc::Slice> slices;
    request_.Dump(&slices);
    if (slices.size() == 1) {
      Count(is_traces_, std::string_view(reinterpret_cast<const char*>(slices[0].begin()), slices[0].size()));
    } else {
      std::string joined;
      joined.reserve(request_.Length());
      for (auto& s : slices) joined.append(reinterpret_cast<const char*>(s.begin()), s.size());
      Count(is_traces_, joined);
    }
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  bool is_traces_;
  grpc::ByteBuffer request_, response_;
};

class Service : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new ExportReactor(ctx);
  }
};

// ---- OTLP/HTTP: enough of HTTP/1.1 for the collector's otlphttp exporter (keep-alive,
// Content-Length bodies, gzip).

bool Gunzip(std::string_view in, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  out.clear();
  char buf[65536];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - z.avail_out);
  } while (rc != Z_STREAM_END);
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

bool HeaderIs(std::string_view headers, std::string_view name, std::string& value) {
  // Case-insensitive search for "\r\n<name>:".
  for (size_t pos = headers.find("\r\n"); pos != std::string_view::npos; pos = headers.find("\r\n", pos + 2)) {
    std::string_view line = headers.substr(pos + 2);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.data(), name.data(), name.size()) == 0) {
      size_t b = name.size() + 1, e = line.find("\r\n");
      while (b < e && line[b] == ' ') ++b;
      value.assign(line.substr(b, e - b));
      return true;
    }
  }
  return false;
}

void ServeHttpConnection(int fd) {
  std::string buf, body;
  char chunk[65536];
  for (;;) {
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) goto done;
      buf.append(chunk, n);
    }
    std::string_view head(buf.data(), head_end + 2);
    std::string v;
    size_t length = HeaderIs(head, "Content-Length", v) ? std::strtoull(v.c_str(), nullptr, 10) : 0;
    bool gzip = HeaderIs(head, "Content-Encoding", v) && v == "gzip";
    bool traces = head.find(" /v1/traces ") != std::string_view::npos;
    size_t total = head_end + 4 + length;
    while (buf.size() < total) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) goto done;
      buf.append(chunk, n);
    }
    std::string_view raw(buf.data() + head_end + 4, length);
    if (gzip) {
      if (Gunzip(raw, body))
        Count(traces, body);
      else
        g_malformed.fetch_add(1, std::memory_order_relaxed);
    } else {
      Count(traces, raw);
    }
    buf.erase(0, total);
    static const char kOk[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n";
    if (::send(fd, kOk, sizeof kOk - 1, MSG_NOSIGNAL) < 0) break;
  }
done:
  ::close(fd);
}

int ListenLoopback(uint16_t port, uint16_t& bound) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 128) != 0) {
    std::perror("collector_loadsink: http listen");
    std::exit(1);
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  bound = ntohs(a.sin_port);
  return fd;
}

void PrintStats() {
  std::printf("stats spans=%llu requests=%llu bytes=%llu malformed=%llu\n",
              static_cast<unsigned long long>(g_spans.load()), static_cast<unsigned long long>(g_requests.load()),
              static_cast<unsigned long long>(g_bytes.load()), static_cast<unsigned long long>(g_malformed.load()));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int grpc_port = 0, http_port = 0, interval_ms = 250;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> int {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "collector_loadsink: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return std::atoi(argv[++i]);
    };
    if (a == "--grpc-port") grpc_port = next();
    else if (a == "--http-port") http_port = next();
    else if (a == "--stats-interval-ms") interval_ms = next();
    else if (a == "--max-spans-per-s") g_max_spans_per_s = next();
    else {
      std::fprintf(stderr,
                   "usage: collector_loadsink [--grpc-port P] [--http-port P] [--stats-interval-ms MS] "
                   "[--max-spans-per-s N]\n");
      return 2;
    }
  }

  // Signals are taken synchronously by the main loop (sigtimedwait), so block them in every thread.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  Service service;
  grpc::ServerBuilder builder;
  int bound_grpc = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureServerCredentials(), &bound_grpc);
  builder.RegisterCallbackGenericService(&service);
  // The collector's batches of 8192 spans are about 4 MiB: above grpc's default 4 MiB limit.
  builder.SetMaxReceiveMessageSize(256 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_grpc == 0) {
    std::fprintf(stderr, "collector_loadsink: cannot listen for gRPC on port %d\n", grpc_port);
    return 1;
  }

  uint16_t bound_http = 0;
  int lfd = ListenLoopback(static_cast<uint16_t>(http_port), bound_http);
  std::thread([lfd] {
    for (;;) {
      int fd = ::accept(lfd, nullptr, nullptr);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::thread(ServeHttpConnection, fd).detach();
    }
  }).detach();

  std::printf("ready grpc=%d http=%d\n", bound_grpc, bound_http);
  std::fflush(stdout);

  timespec ts{interval_ms / 1000, (interval_ms % 1000) * 1000000L};
  for (;;) {
    int sig = sigtimedwait(&sigs, nullptr, &ts);
    PrintStats();
    if (sig == SIGTERM || sig == SIGINT) break;
  }
  // Exit without a graceful gRPC shutdown: the figures are printed and in-flight calls do not matter.
  std::_Exit(0);
}
