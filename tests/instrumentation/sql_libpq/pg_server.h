// A throwaway PostgreSQL server for tests: initdb into a temporary directory, postgres listening on
// 127.0.0.1 on a free port (and a Unix socket in the same directory), trust authentication, torn
// down (fast shutdown, then SIGKILL) and removed when the object is destroyed. Every wait is
// bounded. PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system
// user (or, failing that, `nobody`), owning the temporary directory.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace adot::testing {

class PgServer {
 public:
  static constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

  // True when the PostgreSQL 15 server binaries are installed (scripts/install-deps.sh does).
  static bool Available() {
    return access((std::string(kBinDir) + "/initdb").c_str(), X_OK) == 0 &&
           access((std::string(kBinDir) + "/postgres").c_str(), X_OK) == 0;
  }

  PgServer() = default;
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;
  ~PgServer() { Stop(); }

  // Creates the cluster and starts the server; on failure returns false with error() set.
  bool Start() {
    std::string templ = (std::filesystem::temp_directory_path() / "adot-pg-XXXXXX").string();
    if (!mkdtemp(templ.data())) return Fail("mkdtemp failed");
    dir_ = templ;
    if (getuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (!pw) pw = getpwnam("nobody");
      if (!pw) return Fail("running as root and neither `postgres` nor `nobody` exists");
      run_uid_ = pw->pw_uid;
      run_gid_ = pw->pw_gid;
      if (chown(dir_.c_str(), run_uid_, run_gid_) != 0) return Fail("chown of the temp dir failed");
    }
    chmod(dir_.c_str(), 0700);
    const std::string data = (dir_ / "data").string();
    const std::string initdb_log = (dir_ / "initdb.log").string();
    int rc = Run({std::string(kBinDir) + "/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                  "--no-locale", "-E", "UTF8", "--no-sync", "--no-instructions"},
                 initdb_log, std::chrono::seconds(120));
    if (rc != 0) return Fail("initdb failed (" + std::to_string(rc) + "): " + ReadFile(initdb_log));

    // A free port can be taken by someone else between the probe and the bind: retry.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = FreePort();
      if (port_ == 0) return Fail("no free port on 127.0.0.1");
      if (Launch(data)) return true;
    }
    return false;
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGINT);  // fast shutdown
      if (!WaitFor(pid_, std::chrono::seconds(30))) {
        kill(pid_, SIGKILL);
        WaitFor(pid_, std::chrono::seconds(10));
      }
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  int port() const { return port_; }
  std::string socket_dir() const { return dir_.string(); }
  const std::string& error() const { return error_; }

  // A libpq connection string for database (over TCP to 127.0.0.1).
  std::string ConnInfo(const std::string& database = "postgres") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + database +
           " user=postgres connect_timeout=10";
  }

 private:
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
  }

  // Waits for pid to exit, at most timeout. True when it exited.
  static bool WaitFor(pid_t pid, std::chrono::milliseconds timeout, int* status = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      int st = 0;
      pid_t r = waitpid(pid, &st, WNOHANG);
      if (r == pid) {
        if (status) *status = st;
        return true;
      }
      if (r < 0) return true;  // not our child any more
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Starts argv as the server user with stdout and stderr to log_path. Returns the pid or -1.
  pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string dir = dir_.string();
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) return -1;
    if (run_uid_ != 0 && fchown(log, run_uid_, run_gid_) != 0) {
      close(log);
      return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
      // Only async-signal-safe calls from here on.
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, STDIN_FILENO);
      if (run_uid_ != 0) {
        if (setgroups(0, nullptr) != 0 || setgid(run_gid_) != 0 || setuid(run_uid_) != 0)
          _exit(126);
      }
      if (chdir(dir.c_str()) != 0) _exit(126);
      execv(args[0], args.data());
      _exit(127);
    }
    close(log);
    return pid;
  }

  int Run(const std::vector<std::string>& argv, const std::string& log_path,
          std::chrono::seconds timeout) {
    pid_t pid = Spawn(argv, log_path);
    if (pid < 0) return -1;
    int status = 0;
    if (!WaitFor(pid, timeout, &status)) {
      kill(pid, SIGKILL);
      WaitFor(pid, std::chrono::seconds(10));
      return -2;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -3;
  }

  bool Launch(const std::string& data) {
    const std::string log_path = (dir_ / "postgres.log").string();
    pid_ = Spawn({std::string(kBinDir) + "/postgres", "-D", data, "-p", std::to_string(port_), "-c",
                  "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir_.string(),
                  "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                  "-c", "max_connections=20", "-c", "shared_buffers=16MB"},
                 log_path);
    if (pid_ < 0) return Fail("fork failed");
    const std::string conninfo = ConnInfo() + " connect_timeout=2";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (PQping(conninfo.c_str()) == PQPING_OK) return true;
      int status = 0;
      if (WaitFor(pid_, std::chrono::milliseconds(0), &status)) {
        pid_ = -1;
        return Fail("postgres exited at start: " + ReadFile(log_path));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Fail("postgres did not accept connections within 60 s: " + ReadFile(log_path));
    kill(pid_, SIGKILL);
    WaitFor(pid_, std::chrono::seconds(10));
    pid_ = -1;
    return false;
  }

  std::filesystem::path dir_;
  uid_t run_uid_ = 0;
  gid_t run_gid_ = 0;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string error_;
};

}  // namespace adot::testing
