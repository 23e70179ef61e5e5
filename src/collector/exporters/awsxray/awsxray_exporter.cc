#include "collector/exporters/awsxray/awsxray_exporter.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "aws/xray_segment.h"
#include "collector/aws/request_signer.h"
#include "collector/core/exporter_helper.h"
#include "collector/core/http_client.h"
#include "collector/core/http_server.h"  // SplitHostPort
#include "collector/core/logger.h"
#include "collector/exporters/awsxray/translator.h"
#include "common/json_reader.h"
#include "common/json_writer.h"
#include "exporters/otlp/retry.h"

namespace adot::collector {
namespace {

constexpr size_t kMaxDocumentsPerCall = 50;  // PutTraceSegments' limits
constexpr size_t kMaxDocumentBytes = 64 * 1000;
constexpr std::string_view kDaemonHeader = "{\"format\": \"json\", \"version\": 1}\n";

struct AwsXrayConfig : ComponentConfig {
  AwsClientSettings client;  // endpoint default: https://xray.<region>.<dns suffix>
  std::string daemon_address;  // host:port: UDP to an X-Ray daemon instead of the API
  int max_retries = 2;         // re-sends of throttled / unprocessed documents within one attempt
  bool telemetry_enabled = false;
  awsxray::TranslateOptions translate;
  ExporterHelperSettings helper;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<AwsXrayConfig>();
  ParseAwsClientSettings(r, "xray", c->client);
  r.String("resource_arn");  // only used by X-Ray telemetry records, which are not sent
  c->daemon_address = r.String("daemon_address");
  if (!c->daemon_address.empty()) {
    std::string host;
    uint16_t port = 0;
    if (!SplitHostPort(c->daemon_address, host, port) || port == 0)
      r.Error("daemon_address", "must be host:port, e.g. 127.0.0.1:2000, got \"" + c->daemon_address + "\"");
  }
  c->translate.indexed_attributes = r.StringList("indexed_attributes");
  c->translate.index_all_attributes = r.Bool("index_all_attributes", false);
  c->translate.aws_log_groups = r.StringList("aws_log_groups");
  ConfigReader t = r.Child("telemetry");
  c->telemetry_enabled = t.Bool("enabled", false);
  t.Bool("include_metadata", false);
  t.StringList("contributors");
  t.String("hostname");
  t.String("instance_id");
  t.String("resource_arn");
  t.Finish();

  // The Go exporter's keys first, as defaults of the exporter helper's own keys.
  c->helper.queue.num_consumers = static_cast<int>(r.Int("num_workers", 8, 1, 1000));
  c->helper.timeout = std::chrono::seconds(r.Int("request_timeout_seconds", 30, 1, 3600));
  c->max_retries = static_cast<int>(r.Int("max_retries", 2, 0, 100));
  c->helper.Parse(r);
  r.Finish();
  return c;
}

// The segment id of a translated document: the first top-level "id" (a string value cannot hold
// `,"id":"` unescaped, and only "name" comes before it).
std::string_view DocumentId(std::string_view doc) {
  size_t at = doc.find(",\"id\":\"");
  if (at == std::string_view::npos || at + 7 + 16 > doc.size()) return {};
  return doc.substr(at + 7, 16);
}

bool IsThrottling(std::string_view type) {
  return type.find("Throttl") != std::string_view::npos || type.find("TooManyRequests") != std::string_view::npos;
}

class XraySender {
 public:
  XraySender(const AwsXrayConfig& c, const CreateSettings& s, aws::ProviderOptions options)
      : name_("exporter " + ExporterInstanceName(s)),
        cfg_(c),
        translator_(c.translate),
        client_options_(AwsClientOptions(c.client)),
        pool_(client_options_),
        signer_(std::make_shared<AwsRequestSigner>("awsxray", c.client.signer, std::move(options))) {}
  ~XraySender() {
    if (udp_fd_ >= 0) ::close(udp_fd_);
  }

  Status Start() {
    if (cfg_.telemetry_enabled)
      Log(LogLevel::kWarn, name_, "telemetry.enabled: X-Ray telemetry records are not sent; the collector's own "
                                  "metrics (service.telemetry) count what this exporter sends and drops");
    if (!cfg_.daemon_address.empty()) return OpenDaemonSocket();
    std::string error;
    std::string region = signer_->Region(&error);
    if (region.empty())
      return Status::Permanent("awsxray: no region: set region, AWS_REGION or a profile's region (" + error + ")");
    url_ = (cfg_.client.endpoint.empty() ? "https://xray." + region + "." + AwsDnsSuffix(region) : cfg_.client.endpoint) +
           "/TraceSegments";
    // Whatever the endpoint (a proxy, a VPC endpoint, a fake), requests are signed for xray in
    // this region: the signer resolves it the same way.
    std::string how = signer_->Start();
    Log(LogLevel::kInfo, name_, "PutTraceSegments to " + url_ + ", signed with SigV4, " + how);
    return Status::Ok();
  }

  // A batch's documents, translated once at its first attempt, and those not accepted yet: a retry
  // sends only what is left.
  struct BatchState {
    std::vector<std::string> docs;
    std::vector<size_t> pending;  // indexes into docs
    size_t dropped = 0;           // refused for good
    Status dropped_reason;
  };

  Status Push(const PData& data, std::chrono::milliseconds timeout, std::shared_ptr<void>& state) {
    if (!state) {
      const TracesRequest* request = data.Traces();
      if (!request) return Status::Invalid("the batch does not decode");
      auto batch = std::make_shared<BatchState>();
      std::string error;
      size_t skipped = translator_.Translate(*request, batch->docs, &error);
      if (skipped > 0)
        Log(LogLevel::kWarn, name_, std::to_string(skipped) + " span(s) cannot become X-Ray segments and are dropped: " + error);
      // X-Ray takes documents of at most 64 kB; a larger one would make the whole call fail.
      for (size_t i = 0; i < batch->docs.size(); ++i)
        if (batch->docs[i].size() <= kMaxDocumentBytes || !cfg_.daemon_address.empty()) batch->pending.push_back(i);
      batch->dropped = batch->docs.size() - batch->pending.size();
      if (batch->dropped > 0) batch->dropped_reason = Status::Permanent("segment document over X-Ray's 64 kB limit");
      state = std::move(batch);
    }
    auto& batch = *std::static_pointer_cast<BatchState>(state);
    if (batch.docs.empty()) return Status::Ok();
    if (!cfg_.daemon_address.empty()) return SendToDaemon(batch);
    auto deadline = std::chrono::steady_clock::now() + (timeout.count() > 0 ? timeout : std::chrono::hours(24));
    return PutTraceSegments(batch, deadline);
  }

  void Cancel() {
    sleep_.Cancel();
    pool_.CancelAll();
  }

 private:
  struct CallResult {
    Status status;
    bool cancelled = false;  // at shutdown: give up the batch at once
    std::vector<std::string> unprocessed_ids;  // with status ok
    std::string unprocessed_reason;            // the first one's ErrorCode / Message
  };

  // Sends every document, re-sending throttled calls and unprocessed documents up to max_retries
  // times while the attempt's deadline allows; what is still not accepted then makes the whole
  // batch retryable (the queue's retry_on_failure takes over).
  Status PutTraceSegments(BatchState& batch, std::chrono::steady_clock::time_point deadline) {
    const std::vector<std::string>& docs = batch.docs;
    for (int round = 0;; ++round) {
      std::vector<size_t> again;
      Status retry_reason;
      for (size_t at = 0; at < batch.pending.size(); at += kMaxDocumentsPerCall) {
        std::vector<size_t> chunk(batch.pending.begin() + at,
                                  batch.pending.begin() + std::min(batch.pending.size(), at + kMaxDocumentsPerCall));
        // Throttled: the calls after it would be too.
        if (retry_reason.code() == StatusCode::kResourceExhausted) {
          again.insert(again.end(), chunk.begin(), chunk.end());
          continue;
        }
        CallResult r = Call(docs, chunk, deadline);
        if (r.status.ok()) {
          for (size_t i : chunk)
            for (const auto& id : r.unprocessed_ids)
              if (DocumentId(docs[i]) == id) {
                again.push_back(i);
                break;
              }
          if (!r.unprocessed_ids.empty() && retry_reason.ok())
            retry_reason = Status::Retryable(std::to_string(r.unprocessed_ids.size()) +
                                             " unprocessed segment(s): " + r.unprocessed_reason);
        } else if (r.status.retryable()) {
          again.insert(again.end(), chunk.begin(), chunk.end());
          if (retry_reason.ok() || r.status.code() == StatusCode::kResourceExhausted) retry_reason = r.status;
        } else if (r.cancelled) {
          return r.status;
        } else {
          batch.dropped += chunk.size();
          batch.dropped_reason = r.status;
        }
      }
      batch.pending = std::move(again);
      if (batch.pending.empty()) break;
      auto wait = std::chrono::milliseconds(100 << std::min(round, 6));
      if (retry_reason.retry_after() > wait) wait = retry_reason.retry_after();
      if (round >= cfg_.max_retries || std::chrono::steady_clock::now() + wait >= deadline || !sleep_.Sleep(wait)) {
        std::string m = std::to_string(batch.pending.size()) + " of " + std::to_string(docs.size()) +
                        " segment(s) not accepted: " + retry_reason.message();
        return Status(retry_reason.code(), m, retry_reason.retry_after());
      }
    }
    if (batch.dropped == docs.size()) return batch.dropped_reason;
    if (batch.dropped > 0)
      Log(LogLevel::kError, name_, std::to_string(batch.dropped) + " of " + std::to_string(docs.size()) +
                                       " segment(s) refused for good: " + batch.dropped_reason.message());
    return Status::Ok();
  }

  CallResult Call(const std::vector<std::string>& docs, const std::vector<size_t>& chunk,
                  std::chrono::steady_clock::time_point deadline) {
    CallResult result;
    std::string body = "{\"TraceSegmentDocuments\":[";
    for (size_t k = 0; k < chunk.size(); ++k) {
      if (k) body += ',';
      common::AppendJsonString(docs[chunk[k]], body);
    }
    body += "]}";
    common::HttpRequest req;
    req.url = url_;
    req.body = body;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.status = Status::Retryable("timed out");
      return result;
    }
    req.timeout = left;
    req.headers.emplace_back("Content-Type", "application/json");
    char timestamp[64];
    auto now = std::chrono::system_clock::now().time_since_epoch();
    std::snprintf(timestamp, sizeof(timestamp), "%.9f", std::chrono::duration<double>(now).count());
    req.headers.emplace_back("X-Amzn-Xray-Timestamp", timestamp);
    req.headers.emplace_back("User-Agent", "adot-collector/0.1.0 xray-otel-exporter");
    std::string unused;
    result.status = AuthenticateRequest(*signer_, client_options_, req, unused);
    if (!result.status.ok()) return result;
    common::HttpResponse resp;
    pool_.Send(req, resp);
    result.cancelled = resp.error == common::HttpError::kCancelled;
    result.status = TransportStatus(resp);
    if (!result.status.ok()) return result;
    common::JsonValue json;
    bool parsed = common::ParseJson(resp.body, json);
    if (resp.status >= 200 && resp.status < 300) {
      const common::JsonValue* unprocessed = parsed ? json.Find("UnprocessedTraceSegments") : nullptr;
      if (unprocessed && unprocessed->is_array())
        for (const auto& u : unprocessed->array()) {
          const common::JsonValue* id = u.Find("Id");
          if (!id || !id->is_string()) continue;
          result.unprocessed_ids.push_back(id->text());
          if (result.unprocessed_reason.empty()) {
            const common::JsonValue* code = u.Find("ErrorCode");
            const common::JsonValue* message = u.Find("Message");
            result.unprocessed_reason = (code && code->is_string() ? code->text() : std::string("no error code")) +
                                        (message && message->is_string() ? ": " + message->text() : std::string());
          }
        }
      return result;
    }
    // REST-JSON errors name their type in a header or in the body's __type / code.
    std::string type(resp.Header("x-amzn-errortype"));
    if (type.empty() && parsed)
      for (const char* key : {"__type", "code", "Code"})
        if (const auto* v = json.Find(key); v && v->is_string()) {
          type = v->text();
          break;
        }
    std::string m = "HTTP " + std::to_string(resp.status) + " from " + url_;
    if (!type.empty()) m += " (" + type.substr(0, type.find(':')) + ")";
    if (!resp.body.empty()) m += ": " + resp.body.substr(0, 200);
    auto after = exporters::otlp::ParseRetryAfter(resp.Header("retry-after")).value_or(std::chrono::milliseconds(0));
    if (resp.status == 429 || IsThrottling(type)) result.status = Status::Exhausted(m, after);
    else if (resp.status >= 500 || type.find("ExpiredToken") != std::string::npos ||
             type.find("RequestExpired") != std::string::npos)
      result.status = Status::Retryable(m, after);  // new credentials or a recovered service may succeed
    else result.status = Status::Permanent(m);
    return result;
  }

  Status OpenDaemonSocket() {
    std::string host;
    uint16_t port = 0;
    SplitHostPort(cfg_.daemon_address, host, port);
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.empty() ? "127.0.0.1" : host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (rc != 0) return Status::Permanent("awsxray: daemon_address " + cfg_.daemon_address + ": " + gai_strerror(rc));
    udp_fd_ = ::socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int err = udp_fd_ < 0 || ::connect(udp_fd_, res->ai_addr, res->ai_addrlen) != 0 ? errno : 0;
    freeaddrinfo(res);
    if (err != 0) return Status::Permanent("awsxray: daemon_address " + cfg_.daemon_address + ": " + std::strerror(err));
    Log(LogLevel::kInfo, name_, "segments go over UDP to the X-Ray daemon at " + cfg_.daemon_address);
    return Status::Ok();
  }

  // One datagram per document. A send that fails (e.g. the daemon is not listening: the kernel
  // reports the ICMP refusal on a later send) makes the batch retryable from that document on.
  Status SendToDaemon(BatchState& batch) {
    std::string datagram;
    size_t too_large = 0;
    for (size_t k = 0; k < batch.pending.size(); ++k) {
      const std::string& doc = batch.docs[batch.pending[k]];
      if (kDaemonHeader.size() + doc.size() > aws::xray::kMaxDatagramSize) {
        ++too_large;
        continue;
      }
      datagram.assign(kDaemonHeader);
      datagram += doc;
      if (::send(udp_fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL) < 0) {
        int err = errno;
        batch.pending.erase(batch.pending.begin(), batch.pending.begin() + k);
        return Status::Retryable("UDP send to the X-Ray daemon at " + cfg_.daemon_address + ": " + std::strerror(err));
      }
    }
    batch.pending.clear();
    if (too_large > 0)
      Log(LogLevel::kError, name_, std::to_string(too_large) + " segment(s) over the daemon's 64 KiB datagram limit dropped");
    return Status::Ok();
  }

  std::string name_;
  AwsXrayConfig cfg_;
  awsxray::SegmentTranslator translator_;
  common::HttpClientOptions client_options_;
  HttpClientPool pool_;
  std::shared_ptr<AwsRequestSigner> signer_;
  std::string url_;
  int udp_fd_ = -1;
  CancellableSleep sleep_;
};

}  // namespace

Factory AwsXrayExporterFactory(aws::ProviderOptions options) {
  Factory f;
  f.kind = Kind::kExporter;
  f.type = "awsxray";
  f.stability = "beta";
  f.signals = {Signal::kTraces};
  f.parse = Parse;
  f.create_exporter = [options](const ComponentConfig& c, const CreateSettings& s) -> std::shared_ptr<Exporter> {
    const auto& cfg = static_cast<const AwsXrayConfig&>(c);
    return MakeSenderExporter(s, cfg.helper, std::make_shared<XraySender>(cfg, s, options));
  };
  return f;
}

}  // namespace adot::collector
