// Helpers shared by the collector tests.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <vector>

#include "collector/core/component.h"

namespace adot::collector::testing {

// A request of `resources` resources with `spans` spans each, with distinct ids and names.
inline TracesRequest MakeTracesRequest(int resources, int spans, const std::string& prefix = "span") {
  TracesRequest req;
  for (int r = 0; r < resources; ++r) {
    auto* rs = req.add_resource_spans();
    auto* attr = rs->mutable_resource()->add_attributes();
    attr->set_key("service.name");
    attr->mutable_value()->set_string_value("svc-" + std::to_string(r));
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("test-scope");
    for (int s = 0; s < spans; ++s) {
      auto* span = ss->add_spans();
      std::string tid(16, '\0'), sid(8, '\0');
      for (int i = 0; i < 16; ++i) tid[i] = static_cast<char>(r * 31 + s * 7 + i + 1);
      for (int i = 0; i < 8; ++i) sid[i] = static_cast<char>(r * 13 + s * 3 + i + 1);
      span->set_trace_id(tid);
      span->set_span_id(sid);
      span->set_name(prefix + "-" + std::to_string(r) + "-" + std::to_string(s));
      span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
      span->set_start_time_unix_nano(1700000000000000000ull + s);
      span->set_end_time_unix_nano(1700000000100000000ull + s);
      auto* a = span->add_attributes();
      a->set_key("http.status_code");
      a->mutable_value()->set_int_value(200 + s);
    }
  }
  return req;
}

// As received from the wire: protobuf bytes kept.
inline PData MakeTraces(int resources, int spans, const std::string& prefix = "span") {
  PData p;
  PData::FromProtoBytes(Signal::kTraces, MakeTracesRequest(resources, spans, prefix).SerializeAsString(), p);
  return p;
}

class RecordingConsumer : public Exporter {
 public:
  explicit RecordingConsumer(bool mutates = false, std::vector<std::string>* log = nullptr,
                             std::string name = "")
      : mutates_(mutates), log_(log), name_(std::move(name)) {}
  Status Consume(PData data) override {
    std::lock_guard<std::mutex> lock(mu_);
    received_.push_back(std::move(data));
    return result_;
  }
  bool MutatesData() const override { return mutates_; }
  Status Start() override {
    if (log_) log_->push_back("start " + name_);
    return Status::Ok();
  }
  void Shutdown(Deadline) override {
    if (log_) log_->push_back("stop " + name_);
  }
  std::vector<PData> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  void set_result(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    result_ = std::move(s);
  }

 private:
  bool mutates_;
  std::vector<std::string>* log_;
  std::string name_;
  std::mutex mu_;
  std::vector<PData> received_;
  Status result_;
};

// A loopback port that was free a moment ago (for configs that need a fixed port).
inline uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A loopback port free for both UDP and TCP a moment ago (the awsxray receiver's port number
// serves both).
inline uint16_t FreeUdpAndTcpPort() {
  for (;;) {
    uint16_t port = FreePort();
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (ok) return port;
  }
}

}  // namespace adot::collector::testing
