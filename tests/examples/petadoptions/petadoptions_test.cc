// The petadoptions example end to end: the real adot-collector binary and the real petsearch,
// payforadoption and petlistadoptions binaries on free loopback ports (sqlite in a temporary
// folder; PostgreSQL too when its server binaries are installed), petsite-traffic for a few
// visits, then the spans the collector's file exporter wrote, checked as a tree.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "trace_file.h"
#ifdef PETADOPTIONS_TEST_POSTGRESQL
#include "instrumentation/sql_libpq/pg_server.h"
#endif

extern char** environ;

namespace {

using namespace std::chrono_literals;
using petadoptions::traces::Span;
namespace fs = std::filesystem;

constexpr int kInternal = 1, kServer = 2, kClient = 3, kError = 2;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A port on 127.0.0.1 that was free a moment ago.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// A child process with stdout and stderr in a log file; the environment is the test's without
// OTEL_* and PETADOPTIONS_* variables, plus env. Killed (SIGKILL) if still running at destruction.
class Process {
 public:
  Process(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
          std::string log)
      : log_(std::move(log)) {
    std::vector<std::string> environment;
    for (char** e = environ; *e; ++e) {
      std::string_view entry(*e);
      if (entry.rfind("OTEL_", 0) == 0 || entry.rfind("PETADOPTIONS_", 0) == 0) continue;
      environment.emplace_back(entry);
    }
    for (const auto& [name, value] : env) environment.push_back(name + "=" + value);
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::fopen(log_.c_str(), "w");
      if (f) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
      std::vector<char*> args, envp;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      for (auto& e : environment) envp.push_back(e.data());
      envp.push_back(nullptr);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
  }
  ~Process() {
    if (running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool running() const { return pid_ > 0 && !exit_code_; }
  // The exit code (128 + signal for a signal), or nullopt when still running after timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exit_code_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else if (std::chrono::steady_clock::now() >= deadline) {
        break;
      } else {
        std::this_thread::sleep_for(10ms);
      }
    }
    return exit_code_;
  }
  std::optional<int> Terminate(std::chrono::milliseconds timeout) {
    if (running()) kill(pid_, SIGTERM);
    return Wait(timeout);
  }
  std::string Log() const { return ReadAll(log_); }

  // For a service: the port of its "listening on 127.0.0.1:<port>" line (0 if it did not say so
  // within 10 s or exited).
  int ListeningPort() {
    static const std::regex kListening(R"(listening on 127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 1000; ++i) {
      std::smatch m;
      std::string log = Log();
      if (std::regex_search(log, m, kListening)) return std::stoi(m[1]);
      if (Wait(0ms)) return 0;
      std::this_thread::sleep_for(10ms);
    }
    return 0;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

adot::common::HttpResponse Http(const std::string& method, const std::string& url,
                                const adot::common::HttpHeaders& headers = {}) {
  adot::common::HttpClient client;
  adot::common::HttpRequest request;
  request.method = method;
  request.url = url;
  request.headers = headers;
  request.timeout = 10s;
  adot::common::HttpResponse response;
  client.Send(request, response);
  return response;
}

// A trace id and a parent span id the test sends in a traceparent (for the error case).
constexpr char kErrorTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kErrorParentId[] = "00f067aa0ba902b7";

// One run of the whole example; what the checks read.
struct ExampleRun {
  std::string error;                 // set when the run could not complete
  std::string traffic_output;        // petsite-traffic's stdout
  int traffic_exit = -1;
  std::vector<std::string> visit_trace_ids;
  long unknown_pet_status = 0;       // POST completeadoption?petId=999 answered this
  std::string traces_file;
  std::map<std::string, std::vector<Span>> traces;  // by trace id
  std::string logs;                  // every process's log, for failure messages
};

class Example {
 public:
  Example() {
    char dir[] = "/tmp/adot-petadoptions-test-XXXXXX";
    dir_ = mkdtemp(dir) ? dir : "";
  }
  ~Example() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  const std::string& dir() const { return dir_; }

  // Runs collector, services, traffic (visits), the unknown-pet request; stops everything.
  // database: {"PETADOPTIONS_SQLITE_PATH", path} or {"PETADOPTIONS_PG_CONNINFO", conninfo}.
  ExampleRun Start(std::pair<std::string, std::string> database, int visits) {
    ExampleRun run;
    run.traces_file = dir_ + "/traces.jsonl";
    const int http_port = FreePort(), health_port = FreePort();
    std::ofstream(dir_ + "/collector.yaml")
        << "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:"
        << http_port << "\nprocessors:\n  batch:\n    timeout: 100ms\n"
        << "exporters:\n  file:\n    path: " << run.traces_file << "\n"
        << "extensions:\n  health_check:\n    endpoint: 127.0.0.1:" << health_port << "\n"
        << "service:\n  extensions: [health_check]\n  telemetry:\n    metrics:\n      level: none\n"
        << "  pipelines:\n    traces:\n      receivers: [otlp]\n      processors: [batch]\n"
        << "      exporters: [file]\n";
    Process collector({ADOT_COLLECTOR_BINARY, "--config", dir_ + "/collector.yaml"}, {},
                      dir_ + "/collector.log");
    bool healthy = false;
    for (int i = 0; i < 500 && !healthy && !collector.Wait(0ms); ++i) {
      healthy = Http("GET", "http://127.0.0.1:" + std::to_string(health_port) + "/").status == 200;
      if (!healthy) std::this_thread::sleep_for(20ms);
    }
    if (!healthy) {
      run.error = "adot-collector did not become healthy:\n" + collector.Log();
      return run;
    }

    std::map<std::string, std::string> env = {
        {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + std::to_string(http_port)},
        {"OTEL_RESOURCE_DETECTORS", "env,host,os,process"},
        {"OTEL_BSP_SCHEDULE_DELAY", "100"},
        {"OTEL_METRICS_EXPORTER", "none"},
        {"PORT", "0"},
        database};
    std::vector<std::unique_ptr<Process>> services;
    std::map<std::string, std::string> urls;
    for (const char* name : {"petsearch", "payforadoption", "petlistadoptions"}) {
      env["OTEL_SERVICE_NAME"] = name;
      services.push_back(std::make_unique<Process>(
          std::vector<std::string>{std::string(PETADOPTIONS_BIN_DIR) + "/" + name}, env,
          dir_ + "/" + name + ".log"));
      int port = services.back()->ListeningPort();
      if (port == 0) {
        run.error = std::string(name) + " did not start:\n" + services.back()->Log();
        return run;
      }
      urls[name] = "http://127.0.0.1:" + std::to_string(port);
      if (std::string(name) == "petsearch") env["PETSEARCH_URL"] = urls[name];
    }

    env["OTEL_SERVICE_NAME"] = "petsite";
    env["PAYFORADOPTION_URL"] = urls["payforadoption"];
    env["PETLISTADOPTIONS_URL"] = urls["petlistadoptions"];
    Process traffic({std::string(PETADOPTIONS_BIN_DIR) + "/petsite-traffic", "--visits",
                     std::to_string(visits), "--seconds", "60"},
                    env, dir_ + "/traffic.log");
    run.traffic_exit = traffic.Wait(90s).value_or(-1);
    run.traffic_output = traffic.Log();
    static const std::regex kVisit(R"(visit \d+: trace ([0-9a-f]{32}) )");
    for (std::sregex_iterator it(run.traffic_output.begin(), run.traffic_output.end(), kVisit), end;
         it != end; ++it)
      run.visit_trace_ids.push_back((*it)[1]);

    // The error case: a pet that does not exist, in a trace the test starts.
    run.unknown_pet_status =
        Http("POST", urls["payforadoption"] + "/api/home/completeadoption?petId=999&petType=puppy",
             {{"traceparent", std::string("00-") + kErrorTraceId + "-" + kErrorParentId + "-01"}})
            .status;

    // SIGTERM: the services flush their spans, then the collector drains its batch to the file.
    for (auto& service : services) {
      auto code = service->Terminate(20s);
      if (code != 0) run.error += "a service exited with " + std::to_string(code.value_or(-1)) + "\n";
    }
    if (collector.Terminate(30s) != 0) run.error += "adot-collector did not exit cleanly\n";
    for (auto& service : services) run.logs += service->Log();
    run.logs += collector.Log();

    std::vector<Span> spans;
    std::string read_error;
    size_t bad_lines = 0;
    if (!petadoptions::traces::ReadFile(run.traces_file, spans, read_error, &bad_lines)) {
      run.error += read_error;
    } else if (bad_lines) {
      run.error += std::to_string(bad_lines) + " lines of the file are not OTLP/JSON\n";
    }
    run.traces = petadoptions::traces::GroupByTrace(spans);
    return run;
  }

 private:
  std::string dir_;
};

// The spans of trace whose parent is parent, in start order, optionally only those of a kind.
std::vector<const Span*> Children(const std::vector<Span>& trace, const Span& parent,
                                  int kind = 0) {
  std::vector<const Span*> out;
  for (const Span& span : trace)
    if (span.parent_span_id == parent.span_id && (kind == 0 || span.kind == kind))
      out.push_back(&span);
  return out;
}

// The only child of parent (a CLIENT span: the remote SERVER span), or nullptr.
const Span* OnlyChild(const std::vector<Span>& trace, const Span& parent) {
  auto children = Children(trace, parent);
  return children.size() == 1 ? children[0] : nullptr;
}

// Checks that server has a CLIENT child "name" with db.system == database, in the same service.
void ExpectQuery(const std::vector<Span>& trace, const Span& server, const std::string& name,
                 const std::string& database) {
  int found = 0;
  for (const Span* child : Children(trace, server, kClient)) {
    if (child->name != name) continue;
    ++found;
    EXPECT_EQ(child->service, server.service) << name;
    EXPECT_EQ(child->Attribute("db.system"), database) << name;
    EXPECT_EQ(child->Attribute("db.system.name"), database) << name;
    EXPECT_NE(child->status_code, kError) << name << ": " << child->status_message;
  }
  EXPECT_EQ(found, 1) << "one \"" << name << "\" span under " << server.name << " ("
                      << server.service << ")";
}

// An HTTP call: the CLIENT span (method name, status 200, URL path) and its only child, the
// remote SERVER span (service, name, status 200). Returns the SERVER span or nullptr.
const Span* ExpectCall(const std::vector<Span>& trace, const Span& client,
                       const std::string& method, const std::string& path,
                       const std::string& service, const std::string& server_name) {
  EXPECT_EQ(client.kind, kClient) << client.name;
  EXPECT_EQ(client.name, method);
  EXPECT_EQ(client.Attribute("http.request.method"), method);
  EXPECT_EQ(client.Attribute("http.response.status_code"), "200") << path;
  EXPECT_NE(client.Attribute("url.full").find(path), std::string::npos) << client.Attribute("url.full");
  const Span* server = OnlyChild(trace, client);
  EXPECT_NE(server, nullptr) << "the " << method << " " << path << " call has no (single) child";
  if (!server) return nullptr;
  // The remote SERVER span's parent is the caller's CLIENT span: the context crossed processes.
  EXPECT_EQ(server->parent_span_id, client.span_id);
  EXPECT_EQ(server->kind, kServer);
  EXPECT_EQ(server->service, service);
  EXPECT_EQ(server->name, server_name);
  EXPECT_EQ(server->Attribute("http.response.status_code"), "200") << server_name;
  EXPECT_EQ(server->Attribute("http.request.method"), method);
  EXPECT_EQ(server->Attribute("url.path"), path);
  EXPECT_NE(server->service, client.service);
  return server;
}

// The tree of one visit (see petsite_traffic.cc and the three services).
void ExpectVisitTrace(const std::vector<Span>& trace, const std::string& database) {
  const Span* root = nullptr;
  for (const Span& span : trace)
    if (span.parent_span_id.empty()) {
      EXPECT_EQ(root, nullptr) << "two roots";
      root = &span;
    }
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->name, "petsite visit");
  EXPECT_EQ(root->kind, kInternal);
  EXPECT_EQ(root->service, "petsite");
  for (const Span& span : trace) {
    EXPECT_NE(span.status_code, kError) << span.service << " " << span.name << ": " << span.status_message;
    EXPECT_FALSE(span.end_ns < span.start_ns) << span.name;
  }

  auto calls = Children(trace, *root);
  ASSERT_EQ(calls.size(), 3u) << "search, adoption, adoption list";
  const Span* search = ExpectCall(trace, *calls[0], "GET", "/api/search", "petsearch", "GET /api/search");
  const Span* adopt = ExpectCall(trace, *calls[1], "POST", "/api/home/completeadoption",
                                 "payforadoption", "POST /api/home/completeadoption");
  const Span* list = ExpectCall(trace, *calls[2], "GET", "/api/adoptionlist/", "petlistadoptions",
                                "GET /api/adoptionlist/");
  ASSERT_TRUE(search && adopt && list);
  EXPECT_EQ(search->Attribute("http.route"), "/api/search");

  ExpectQuery(trace, *search, "SELECT pets", database);

  // payforadoption: PUT petsearch /api/petstatus (then UPDATE pets there), then INSERT.
  auto adopt_http = Children(trace, *adopt, kClient);
  ASSERT_EQ(adopt_http.size(), 2u) << "PUT /api/petstatus and INSERT transactions";
  const Span* status = ExpectCall(trace, *adopt_http[0], "PUT", "/api/petstatus", "petsearch",
                                  "PUT /api/petstatus");
  if (status) ExpectQuery(trace, *status, "UPDATE pets", database);
  ExpectQuery(trace, *adopt, "INSERT transactions", database);
  EXPECT_EQ(adopt_http[1]->name, "INSERT transactions") << "the adoption is recorded after the pet is marked";

  // petlistadoptions: SELECT transactions, then one petsearch call per adopted pet.
  ExpectQuery(trace, *list, "SELECT transactions", database);
  int lookups = 0;
  for (const Span* child : Children(trace, *list, kClient)) {
    if (child->name != "GET") continue;
    ++lookups;
    const Span* remote = ExpectCall(trace, *child, "GET", "/api/search", "petsearch", "GET /api/search");
    if (remote) ExpectQuery(trace, *remote, "SELECT pets", database);
  }
  EXPECT_GE(lookups, 1) << "the list holds at least this visit's adoption";
}

void ExpectHappyPath(const ExampleRun& run, int visits, const std::string& database) {
  ASSERT_TRUE(run.error.empty()) << run.error << run.logs;
  EXPECT_EQ(run.traffic_exit, 0) << run.traffic_output;
  ASSERT_EQ(run.visit_trace_ids.size(), size_t(visits)) << run.traffic_output;
  for (const std::string& id : run.visit_trace_ids) {
    SCOPED_TRACE("trace " + id);
    auto it = run.traces.find(id);
    ASSERT_NE(it, run.traces.end()) << "not in " << run.traces_file << "\n" << run.logs;
    ExpectVisitTrace(it->second, database);
    auto summary = petadoptions::traces::Summarize(it->second);
    EXPECT_TRUE(summary.complete()) << petadoptions::traces::SummaryLine(id, summary);
    EXPECT_EQ(summary.services, (std::set<std::string>{"petsite", "petsearch", "payforadoption",
                                                       "petlistadoptions"}));
    EXPECT_EQ(summary.database, database);
  }
}

// Adopting pet 999: petsearch answers 404, recorded on payforadoption's CLIENT span (ERROR, as a
// client sees a 4xx), while neither SERVER span is an ERROR (4xx are the client's fault) and no
// adoption is inserted.
void ExpectUnknownPet(const ExampleRun& run, const std::string& database) {
  ASSERT_TRUE(run.error.empty()) << run.error << run.logs;
  EXPECT_EQ(run.unknown_pet_status, 404);
  auto it = run.traces.find(kErrorTraceId);
  ASSERT_NE(it, run.traces.end()) << run.logs;
  const auto& trace = it->second;
  ASSERT_EQ(trace.size(), 4u) << "SERVER, PUT, SERVER, UPDATE";

  const Span& adopt = trace[0];  // start order
  EXPECT_EQ(adopt.parent_span_id, kErrorParentId);
  EXPECT_EQ(adopt.service, "payforadoption");
  EXPECT_EQ(adopt.kind, kServer);
  EXPECT_EQ(adopt.name, "POST /api/home/completeadoption");
  EXPECT_EQ(adopt.Attribute("http.response.status_code"), "404");
  EXPECT_NE(adopt.status_code, kError);
  EXPECT_EQ(adopt.Attribute("error.type"), "");

  auto client = Children(trace, adopt);
  ASSERT_EQ(client.size(), 1u) << "only the PUT: nothing inserted";
  EXPECT_EQ(client[0]->kind, kClient);
  EXPECT_EQ(client[0]->name, "PUT");
  EXPECT_EQ(client[0]->Attribute("http.response.status_code"), "404");
  EXPECT_EQ(client[0]->Attribute("error.type"), "404");
  EXPECT_EQ(client[0]->status_code, kError);

  const Span* server = OnlyChild(trace, *client[0]);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->service, "petsearch");
  EXPECT_EQ(server->name, "PUT /api/petstatus");
  EXPECT_EQ(server->Attribute("http.response.status_code"), "404");
  EXPECT_NE(server->status_code, kError);
  ExpectQuery(trace, *server, "UPDATE pets", database);
}

// The sqlite run, shared by the tests of this process (ctest runs each test in its own).
const ExampleRun& SqliteRun() {
  static Example example;
  static const ExampleRun run = example.Start({"PETADOPTIONS_SQLITE_PATH", example.dir() + "/pets.db"}, 3);
  return run;
}

TEST(PetAdoptions, EachVisitIsOneTraceThroughTheThreeServicesAndSqlite) {
  ExpectHappyPath(SqliteRun(), 3, "sqlite");
}

TEST(PetAdoptions, UnknownPetIs404OnTheClientSpanAndNotAServerError) {
  ExpectUnknownPet(SqliteRun(), "sqlite");
}

TEST(PetAdoptions, ViewerPrintsTheTreeAndTheSummary) {
  const ExampleRun& run = SqliteRun();
  ASSERT_TRUE(run.error.empty()) << run.error;
  ASSERT_FALSE(run.visit_trace_ids.empty());
  Example scratch;
  Process viewer({std::string(PETADOPTIONS_BIN_DIR) + "/petadoptions-traces", run.traces_file,
                  run.visit_trace_ids[0]},
                 {}, scratch.dir() + "/viewer.log");
  EXPECT_EQ(viewer.Wait(30s), 0) << viewer.Log();
  std::string out = viewer.Log();
  EXPECT_NE(out.find("petsite visit"), std::string::npos) << out;
  // Indented by depth; name, service, kind, duration, status, HTTP status.
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n  GET +petsite +CLIENT +[0-9.]+ ms  UNSET  http 200\n)")))
      << out;
  EXPECT_TRUE(std::regex_search(
      out, std::regex(R"(\n    POST /api/home/completeadoption +payforadoption +SERVER +[0-9.]+ ms  UNSET  http 200\n)")))
      << out;
  EXPECT_TRUE(std::regex_search(
      out, std::regex(R"(\n      INSERT transactions +payforadoption +CLIENT +[0-9.]+ ms  UNSET  sqlite\n)")))
      << out;
  EXPECT_NE(out.find("trace " + run.visit_trace_ids[0] +
                     " spans petsite, petsearch, payforadoption, petlistadoptions and the database "
                     "(sqlite): "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("1 of 1 traces span"), std::string::npos) << out;

  // The unknown-pet trace does not reach petlistadoptions: exit code 1.
  Process incomplete({std::string(PETADOPTIONS_BIN_DIR) + "/petadoptions-traces", run.traces_file,
                      kErrorTraceId},
                     {}, scratch.dir() + "/incomplete.log");
  EXPECT_EQ(incomplete.Wait(30s), 1) << incomplete.Log();
  EXPECT_NE(incomplete.Log().find("does not reach petlistadoptions"), std::string::npos)
      << incomplete.Log();
}

// A service that cannot open its database or its port exits at once, saying why.
TEST(PetAdoptions, ServicesExitWithAMessageWhenTheyCannotStart) {
  Example example;
  const std::string petsearch = std::string(PETADOPTIONS_BIN_DIR) + "/petsearch";
  const std::map<std::string, std::string> base = {{"OTEL_SDK_DISABLED", "true"}, {"PORT", "0"}};

  auto env = base;
  env["PETADOPTIONS_SQLITE_PATH"] = example.dir() + "/no-such-folder/pets.db";
  Process no_db({petsearch}, env, example.dir() + "/no_db.log");
  EXPECT_EQ(no_db.Wait(20s), 1);
  EXPECT_NE(no_db.Log().find("petsearch: cannot open the sqlite database " + example.dir() +
                             "/no-such-folder/pets.db"),
            std::string::npos)
      << no_db.Log();

  // A port someone else listens on.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int taken = ntohs(addr.sin_port);
  env = base;
  env["PETADOPTIONS_SQLITE_PATH"] = example.dir() + "/pets.db";
  env["PORT"] = std::to_string(taken);
  Process busy({petsearch}, env, example.dir() + "/busy.log");
  EXPECT_EQ(busy.Wait(20s), 1);
  EXPECT_NE(busy.Log().find("petsearch: cannot listen on 127.0.0.1:" + std::to_string(taken)),
            std::string::npos)
      << busy.Log();
  close(fd);

  env["PORT"] = "http";
  Process bad_port({petsearch}, env, example.dir() + "/bad_port.log");
  EXPECT_EQ(bad_port.Wait(20s), 1);
  EXPECT_NE(bad_port.Log().find("PORT=http is not a port number"), std::string::npos)
      << bad_port.Log();

  env = base;
  env["PETADOPTIONS_PG_CONNINFO"] =
      "host=127.0.0.1 port=" + std::to_string(FreePort()) + " connect_timeout=2";
  Process no_pg({std::string(PETADOPTIONS_BIN_DIR) + "/payforadoption"}, env,
                example.dir() + "/no_pg.log");
  EXPECT_EQ(no_pg.Wait(20s), 1);
  EXPECT_NE(no_pg.Log().find("payforadoption: cannot "), std::string::npos) << no_pg.Log();
}

#ifdef PETADOPTIONS_TEST_POSTGRESQL
// The same example with PETADOPTIONS_PG_CONNINFO: the SQL spans come from the libpq
// instrumentation (db.system postgresql).
TEST(PetAdoptions, WithPostgreSQL) {
  if (!adot::testing::PgServer::Available()) GTEST_SKIP() << "PostgreSQL server binaries not installed";
  adot::testing::PgServer pg;
  ASSERT_TRUE(pg.Start()) << pg.error();
  Example example;
  ExampleRun run = example.Start({"PETADOPTIONS_PG_CONNINFO", pg.ConnInfo()}, 2);
  ExpectHappyPath(run, 2, "postgresql");
  ExpectUnknownPet(run, "postgresql");
}
#endif

}  // namespace
