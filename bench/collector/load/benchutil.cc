// collector_benchutil: small helpers for bench/collector/load/run.sh.
//
//   collector_benchutil free-ports N
//       prints N loopback TCP ports that were free a moment ago (all bound at once, so distinct).
//   collector_benchutil startup --runs N --health-port P [--timeout-ms 5000] -- COMMAND ARGS...
//       N times: exec COMMAND (stdout/stderr to /dev/null), poll http://127.0.0.1:P/ until it answers
//       200, record the time from fork to that answer on CLOCK_MONOTONIC, SIGTERM and reap it.
//       Prints `run i ms` lines and `result runs=N median_ms=.. min_ms=.. max_ms=..`.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int FreePorts(int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      std::perror("bind");
      return 1;
    }
    std::printf("%s%d", i ? " " : "", ntohs(a.sin_port));
    fds.push_back(fd);
  }
  std::printf("\n");
  for (int fd : fds) ::close(fd);
  return 0;
}

// One GET / on 127.0.0.1:port; true when the answer's status is 200.
bool HealthOk(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    static const char kReq[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::send(fd, kReq, sizeof kReq - 1, MSG_NOSIGNAL) == sizeof kReq - 1) {
      char buf[64];
      ssize_t got = 0, n;
      while (got < 12 && (n = ::recv(fd, buf + got, sizeof buf - got, 0)) > 0) got += n;
      ok = got >= 12 && std::strncmp(buf + 9, "200", 3) == 0;
    }
  }
  ::close(fd);
  return ok;
}

int Startup(int argc, char** argv) {
  int runs = 20, port = 0, timeout_ms = 5000, i = 0;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) break;
    if (a == "--runs") runs = std::atoi(argv[++i]);
    else if (a == "--health-port") port = std::atoi(argv[++i]);
    else if (a == "--timeout-ms") timeout_ms = std::atoi(argv[++i]);
    else break;
  }
  if (port <= 0 || i >= argc || runs < 1) {
    std::fprintf(stderr, "usage: collector_benchutil startup --runs N --health-port P [--timeout-ms MS] -- CMD ARGS...\n");
    return 2;
  }
  if (HealthOk(port)) {
    std::fprintf(stderr, "collector_benchutil: something already answers on port %d\n", port);
    return 1;
  }
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    double t0 = NowMs();
    pid_t pid = fork();
    if (pid == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      execv(argv[i], argv + i);
      _exit(127);
    }
    bool ready = false;
    double t1 = t0;
    while (NowMs() - t0 < timeout_ms) {
      if (HealthOk(port)) {
        t1 = NowMs();
        ready = true;
        break;
      }
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        std::fprintf(stderr, "collector_benchutil: the command exited (status %d) before it was ready\n", status);
        return 1;
      }
      usleep(200);  // ~0.1 ms of resolution lost on average; polling faster would steal CPU
    }
    ::kill(pid, SIGTERM);
    int status;
    for (int w = 0; w < 5000 && waitpid(pid, &status, WNOHANG) != pid; ++w) usleep(1000);
    if (waitpid(pid, &status, WNOHANG) == 0) {  // still running after 5 s
      ::kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    if (!ready) {
      std::fprintf(stderr, "collector_benchutil: not ready within %d ms\n", timeout_ms);
      return 1;
    }
    ms.push_back(t1 - t0);
    std::printf("run %d %.2f\n", r, t1 - t0);
  }
  std::sort(ms.begin(), ms.end());
  double median = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  std::printf("result runs=%zu median_ms=%.2f min_ms=%.2f max_ms=%.2f\n", ms.size(), median, ms.front(), ms.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "free-ports") return FreePorts(std::atoi(argv[2]));
  if (argc >= 2 && std::string(argv[1]) == "startup") return Startup(argc - 2, argv + 2);
  std::fprintf(stderr, "usage: collector_benchutil free-ports N | startup --runs N --health-port P -- CMD ARGS...\n");
  return 2;
}
