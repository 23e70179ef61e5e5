// What reaches the integration tests' sinks, one item at a time: spans, data points and log
// records decoded with libprotobuf (adot_otlp_proto), each with its resource and scope, keyed so
// that what was sent and what arrived can be compared field by field. The sinks: a grpc++ server
// with the three OTLP services, and HttpTestServer requests (tests/support).
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "collector/core/pdata.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "support/http_test_server.h"

namespace adot::collector::testing {

using google::protobuf::Message;
using opentelemetry::proto::common::v1::InstrumentationScope;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::resource::v1::Resource;

namespace trace_svc = opentelemetry::proto::collector::trace::v1;
namespace logs_svc = opentelemetry::proto::collector::logs::v1;
namespace metrics_svc = opentelemetry::proto::collector::metrics::v1;
namespace mpb = opentelemetry::proto::metrics::v1;

// A span, a data point (as a Metric holding that one point) or a log record, with where it was.
struct Item {
  Resource resource;
  std::string resource_schema_url;
  InstrumentationScope scope;
  std::string scope_schema_url;
  std::shared_ptr<Message> item;
};
using Items = std::map<std::string, std::vector<Item>>;  // key -> every arrival

inline std::string Hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

inline std::string AttrsKey(const google::protobuf::RepeatedPtrField<KeyValue>& attrs) {
  std::string out;
  for (const auto& kv : attrs) out += kv.ShortDebugString() + ";";
  return out;
}

inline void Flatten(const TracesRequest& req, Items& out) {
  for (const auto& rs : req.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans())
        out["span " + Hex(s.span_id())].push_back(
            {rs.resource(), rs.schema_url(), ss.scope(), ss.schema_url(), std::make_shared<opentelemetry::proto::trace::v1::Span>(s)});
}

inline void Flatten(const MetricsRequest& req, Items& out) {
  for (const auto& rm : req.resource_metrics())
    for (const auto& sm : rm.scope_metrics())
      for (const auto& m : sm.metrics()) {
        auto one = [&](auto points, const auto& p) {  // m with only p as its data points
          auto copy = std::make_shared<mpb::Metric>(m);
          auto* mine = points(*copy);
          mine->Clear();
          *mine->Add() = p;
          out["metric " + m.name() + " t=" + std::to_string(p.time_unix_nano()) + " " + AttrsKey(p.attributes())]
              .push_back({rm.resource(), rm.schema_url(), sm.scope(), sm.schema_url(), copy});
        };
        switch (m.data_case()) {
          case mpb::Metric::kSum:
            for (const auto& p : m.sum().data_points())
              one([](mpb::Metric& c) { return c.mutable_sum()->mutable_data_points(); }, p);
            break;
          case mpb::Metric::kGauge:
            for (const auto& p : m.gauge().data_points())
              one([](mpb::Metric& c) { return c.mutable_gauge()->mutable_data_points(); }, p);
            break;
          case mpb::Metric::kHistogram:
            for (const auto& p : m.histogram().data_points())
              one([](mpb::Metric& c) { return c.mutable_histogram()->mutable_data_points(); }, p);
            break;
          default:
            out["metric " + m.name() + " of an unexpected type"].push_back(
                {rm.resource(), rm.schema_url(), sm.scope(), sm.schema_url(), std::make_shared<mpb::Metric>(m)});
        }
      }
}

inline void Flatten(const LogsRequest& req, Items& out) {
  for (const auto& rl : req.resource_logs())
    for (const auto& sl : rl.scope_logs())
      for (const auto& r : sl.log_records()) {
        std::string seq = "?";
        for (const auto& kv : r.attributes())
          if (kv.key() == "log.seq") seq = std::to_string(kv.value().int_value());
        out["log seq=" + seq + " t=" + std::to_string(r.time_unix_nano())].push_back(
            {rl.resource(), rl.schema_url(), sl.scope(), sl.schema_url(),
             std::make_shared<opentelemetry::proto::logs::v1::LogRecord>(r)});
      }
}

// Equal field by field (NaN equal to NaN), and in the same encoding, which also tells -0.0 from 0.0.
inline bool Same(const Message& a, const Message& b, std::string& diff) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer d;
  d.set_field_comparator(&comparator);
  std::string report;
  d.ReportDifferencesToString(&report);
  bool same = d.Compare(a, b);
  if (!same) diff += report;
  if (same && a.SerializeAsString() != b.SerializeAsString()) {
    diff += "equal field by field but encoded differently (-0.0 vs 0.0, or a NaN payload?)";
    std::istringstream la(a.DebugString()), lb(b.DebugString());
    for (std::string x, y; std::getline(la, x) && std::getline(lb, y);)
      if (x != y) {
        diff += ": " + x + " -> " + y;
        break;
      }
    diff += "\n";
    return false;
  }
  return same;
}

// Every expected item arrived exactly once, equal in every field; nothing else arrived.
inline void ExpectSame(const Items& want, const Items& got, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [key, list] : want) {
    ASSERT_EQ(list.size(), 1u) << "the JS side sent " << key << " twice";
    auto it = got.find(key);
    if (it == got.end()) {
      ADD_FAILURE() << key << ": did not arrive";
      continue;
    }
    EXPECT_EQ(it->second.size(), 1u) << key << ": arrived " << it->second.size() << " times";
    const Item& w = list[0];
    const Item& g = it->second[0];
    std::string diff;
    EXPECT_TRUE(Same(*w.item, *g.item, diff)) << key << ":\n" << diff;
    diff.clear();
    EXPECT_TRUE(Same(w.resource, g.resource, diff)) << key << ": resource:\n" << diff;
    EXPECT_EQ(w.resource_schema_url, g.resource_schema_url) << key;
    diff.clear();
    EXPECT_TRUE(Same(w.scope, g.scope, diff)) << key << ": scope:\n" << diff;
    EXPECT_EQ(w.scope_schema_url, g.scope_schema_url) << key;
  }
  for (const auto& [key, list] : got)
    if (!want.count(key)) ADD_FAILURE() << key << ": arrived but was not sent";
}

// ---- the sinks ----

class GrpcSink final {
 public:
  GrpcSink() {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(&traces_);
    b.RegisterService(&metrics_);
    b.RegisterService(&logs_);
    server_ = b.BuildAndStart();
  }
  ~GrpcSink() { server_->Shutdown(std::chrono::system_clock::now()); }
  int port() const { return port_; }
  // Items of each signal received so far.
  void Take(Items& spans, Items& points, Items& logs) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : trace_requests_) Flatten(r, spans);
    for (const auto& r : metric_requests_) Flatten(r, points);
    for (const auto& r : log_requests_) Flatten(r, logs);
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    trace_requests_.clear();
    metric_requests_.clear();
    log_requests_.clear();
  }

 private:
  struct Traces final : trace_svc::TraceService::Service {
    GrpcSink* sink;
    explicit Traces(GrpcSink* s) : sink(s) {}
    grpc::Status Export(grpc::ServerContext*, const trace_svc::ExportTraceServiceRequest* r,
                        trace_svc::ExportTraceServiceResponse*) override {
      std::lock_guard<std::mutex> lock(sink->mu_);
      sink->trace_requests_.push_back(*r);
      return grpc::Status::OK;
    }
  };
  struct Metrics final : metrics_svc::MetricsService::Service {
    GrpcSink* sink;
    explicit Metrics(GrpcSink* s) : sink(s) {}
    grpc::Status Export(grpc::ServerContext*, const metrics_svc::ExportMetricsServiceRequest* r,
                        metrics_svc::ExportMetricsServiceResponse*) override {
      std::lock_guard<std::mutex> lock(sink->mu_);
      sink->metric_requests_.push_back(*r);
      return grpc::Status::OK;
    }
  };
  struct Logs final : logs_svc::LogsService::Service {
    GrpcSink* sink;
    explicit Logs(GrpcSink* s) : sink(s) {}
    grpc::Status Export(grpc::ServerContext*, const logs_svc::ExportLogsServiceRequest* r,
                        logs_svc::ExportLogsServiceResponse*) override {
      std::lock_guard<std::mutex> lock(sink->mu_);
      sink->log_requests_.push_back(*r);
      return grpc::Status::OK;
    }
  };

  Traces traces_{this};
  Metrics metrics_{this};
  Logs logs_{this};
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mu_;
  std::vector<TracesRequest> trace_requests_;
  std::vector<MetricsRequest> metric_requests_;
  std::vector<LogsRequest> log_requests_;
};

// Items of each signal in the requests an HttpTestServer recorded under `prefix` (requests to
// prefix + "/v1/traces" etc.); false if one did not decode.
inline bool TakeHttp(const adot::test::HttpTestServer& server, const std::string& prefix, Items& spans, Items& points,
                     Items& logs, std::string& error) {
  for (const auto& r : server.Requests()) {
    if (r.target.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string path = r.target.substr(prefix.size());
    bool ok = false;
    if (path == "/v1/traces") {
      TracesRequest t;
      ok = t.ParseFromString(r.body);
      Flatten(t, spans);
    } else if (path == "/v1/metrics") {
      MetricsRequest m;
      ok = m.ParseFromString(r.body);
      Flatten(m, points);
    } else if (path == "/v1/logs") {
      LogsRequest l;
      ok = l.ParseFromString(r.body);
      Flatten(l, logs);
    }
    if (!ok) {
      error = "undecodable request to " + r.target;
      return false;
    }
  }
  return true;
}

}  // namespace adot::collector::testing
