// xray_udp_load: sends X-Ray segment documents over the daemon's UDP protocol, as X-Ray SDKs do, at a
// fixed rate for a fixed time, to a loopback port (the awsxray receiver benchmark, run.sh).
// Each datagram is sample_datagram.h's segment with two embedded subsegments (3 spans, ~1.3 KB),
// with fresh ids.
//
//   xray_udp_load --target 127.0.0.1:2000 --rate 5000 --duration 10
//
// Output: `result sent=<datagrams> spans=<spans> elapsed_seconds=<s> cpu_seconds=<s>`.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>

#include "sample_datagram.h"

namespace {

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "xray_udp_load: %s\nusage: xray_udp_load --target 127.0.0.1:PORT --rate SEGMENTS_PER_S --duration SECONDS\n", why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string target;
  double rate = 0, duration = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
    std::string v = argv[++i];
    if (a == "--target") target = v;
    else if (a == "--rate") rate = std::atof(v.c_str());
    else if (a == "--duration") duration = std::atof(v.c_str());
    else Usage(("unknown option " + a).c_str());
  }
  if (duration <= 0 || duration > 600) Usage("--duration (0 < s <= 600) is required");
  if (rate <= 0 || rate > 1e6) Usage("--rate (0 < segments/s <= 1000000) is required");
  size_t colon = target.rfind(':');
  if (colon == std::string::npos) Usage("--target host:port is required");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(target.c_str() + colon + 1)));
  // Loopback only: this is a load generator.
  if (inet_pton(AF_INET, target.substr(0, colon).c_str(), &addr.sin_addr) != 1 ||
      (ntohl(addr.sin_addr.s_addr) >> 24) != 127)
    Usage("--target must be a 127.0.0.0/8 address");
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Usage("cannot open the socket");

  std::mt19937_64 rng(std::random_device{}());
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(duration);
  const uint64_t total = static_cast<uint64_t>(rate * duration);
  uint64_t sent = 0, failed = 0;
  // Paced in 1 ms steps: each step sends what the schedule says is due.
  while (sent + failed < total && std::chrono::steady_clock::now() < end + std::chrono::seconds(1)) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    uint64_t due = std::min<uint64_t>(total, static_cast<uint64_t>(elapsed * rate) + 1);
    double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    while (sent + failed < due) {
      std::string d = adot::bench::xray::SampleDatagram(rng, now);
      if (::send(fd, d.data(), d.size(), 0) == static_cast<ssize_t>(d.size())) ++sent;
      else ++failed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::printf("result sent=%llu failed=%llu spans=%llu elapsed_seconds=%.3f cpu_seconds=%.3f\n",
              (unsigned long long)sent, (unsigned long long)failed, (unsigned long long)(sent * 3), elapsed, cpu);
  ::close(fd);
  return failed == 0 ? 0 : 1;
}
