#include "collector/exporters/awsemf/awsemf_exporter.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collector/aws/request_signer.h"
#include "collector/core/exporter_helper.h"
#include "collector/core/http_client.h"
#include "collector/core/logger.h"
#include "collector/exporters/awsemf/emf_translator.h"
#include "collector/exporters/awsemf/put_log_events.h"
#include "common/json_reader.h"
#include "common/json_writer.h"
#include "exporters/otlp/retry.h"

namespace adot::collector {
namespace {

using awsemf::EmfDocuments;
using awsemf::PutLogEventsCall;
using awsemf::PutLogEventsPlan;

struct AwsEmfConfig : ComponentConfig {
  awsemf::EmfOptions emf;
  bool to_stdout = false;
  AwsClientSettings client;  // endpoint default: https://logs.<region>.<dns suffix>
  int64_t log_retention = 0;  // days; 0: never expire (only for groups created here)
  std::map<std::string, std::string> tags;
  int max_retries = 2;  // re-sends of throttled calls within one attempt
  ExporterHelperSettings helper;
};

bool ValidRetention(int64_t days) {
  static const int64_t kAllowed[] = {0,   1,   3,   5,   7,    14,   30,   60,   90,   120,  150,  180,
                                     365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};
  return std::find(std::begin(kAllowed), std::end(kAllowed), days) != std::end(kAllowed);
}

void ParseDeclarations(ConfigReader& r, std::vector<awsemf::MetricDeclaration>& out) {
  YAML::Node list = r.Raw("metric_declarations");
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) return r.Error("metric_declarations", "must be a list");
  for (size_t i = 0; i < list.size(); ++i) {
    ConfigReader d(list[i], r.KeyPath("metric_declarations") + "[" + std::to_string(i) + "]", r.errors());
    awsemf::MetricDeclaration decl;
    YAML::Node dims = d.Raw("dimensions");
    if (dims && dims.IsSequence()) {
      for (const auto& set : dims) {
        if (!set.IsSequence()) {
          d.Error("dimensions", "must be a list of lists of label names");
          break;
        }
        std::vector<std::string> names;
        for (const auto& n : set) names.push_back(n.as<std::string>(""));
        decl.dimensions.push_back(std::move(names));
      }
    } else if (dims && !dims.IsNull()) {
      d.Error("dimensions", "must be a list of lists of label names");
    }
    decl.metric_name_selectors = d.StringList("metric_name_selectors");
    if (decl.metric_name_selectors.empty()) d.Error("metric_name_selectors", "must name at least one metric (regex)");
    YAML::Node matchers = d.Raw("label_matchers");
    if (matchers && matchers.IsSequence()) {
      for (size_t j = 0; j < matchers.size(); ++j) {
        ConfigReader m(matchers[j], d.KeyPath("label_matchers") + "[" + std::to_string(j) + "]", r.errors());
        awsemf::LabelMatcher lm;
        lm.label_names = m.StringList("label_names");
        lm.separator = m.String("separator", ";");
        lm.regex = m.String("regex");
        if (lm.label_names.empty()) m.Error("label_names", "must not be empty");
        if (lm.regex.empty()) m.Error("regex", "must not be empty");
        m.Finish();
        decl.label_matchers.push_back(std::move(lm));
      }
    } else if (matchers && !matchers.IsNull()) {
      d.Error("label_matchers", "must be a list");
    }
    d.Finish();
    out.push_back(std::move(decl));
  }
}

void ParseDescriptors(ConfigReader& r, std::vector<awsemf::MetricDescriptor>& out) {
  YAML::Node list = r.Raw("metric_descriptors");
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) return r.Error("metric_descriptors", "must be a list");
  for (size_t i = 0; i < list.size(); ++i) {
    ConfigReader d(list[i], r.KeyPath("metric_descriptors") + "[" + std::to_string(i) + "]", r.errors());
    awsemf::MetricDescriptor desc;
    desc.metric_name = d.String("metric_name");
    desc.unit = d.String("unit");
    desc.overwrite = d.Bool("overwrite", false);
    if (desc.metric_name.empty()) d.Error("metric_name", "must not be empty");
    d.Finish();
    out.push_back(std::move(desc));
  }
}

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<AwsEmfConfig>();
  awsemf::EmfOptions& e = c->emf;
  e.namespace_name = r.String("namespace");
  e.log_group_name = r.String("log_group_name");
  e.log_stream_name = r.String("log_stream_name");
  std::string rollup = r.String("dimension_rollup_option", "ZeroAndSingleDimensionRollup");
  if (rollup == "ZeroAndSingleDimensionRollup") e.dimension_rollup = awsemf::DimensionRollup::kZeroAndSingleDimension;
  else if (rollup == "SingleDimensionRollupOnly") e.dimension_rollup = awsemf::DimensionRollup::kSingleDimensionOnly;
  else if (rollup == "NoDimensionRollup") e.dimension_rollup = awsemf::DimensionRollup::kNone;
  else
    r.Error("dimension_rollup_option",
            "must be ZeroAndSingleDimensionRollup, SingleDimensionRollupOnly or NoDimensionRollup, got \"" + rollup + "\"");
  ParseDeclarations(r, e.metric_declarations);
  ParseDescriptors(r, e.metric_descriptors);
  e.retain_initial_value_of_delta_metric = r.Bool("retain_initial_value_of_delta_metric", false);
  e.detailed_metrics = r.Bool("detailed_metrics", false);
  ConfigReader rtc = r.Child("resource_to_telemetry_conversion");
  e.resource_to_telemetry_conversion = rtc.Bool("enabled", false);
  rtc.Finish();
  e.version = r.String("version", "1");
  std::string destination = r.String("output_destination", "cloudwatch");
  std::transform(destination.begin(), destination.end(), destination.begin(), ::tolower);
  if (destination == "stdout") c->to_stdout = true;
  else if (destination != "cloudwatch") r.Error("output_destination", "must be cloudwatch or stdout, got \"" + destination + "\"");
  if (std::string problem = awsemf::CheckEmfOptions(e); !problem.empty()) r.Error("", problem);

  ParseAwsClientSettings(r, "logs", c->client);
  c->log_retention = r.Int("log_retention", 0);
  if (!ValidRetention(c->log_retention))
    r.Error("log_retention", "must be 0 (never expire) or one of CloudWatch Logs' periods: 1, 3, 5, 7, 14, 30, 60, 90, "
                             "120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days");
  c->tags = r.StringMap("tags");
  if (c->tags.size() > 50) r.Error("tags", "at most 50 tags");
  c->helper.queue.num_consumers = static_cast<int>(r.Int("num_workers", 8, 1, 1000));
  c->helper.timeout = std::chrono::seconds(r.Int("request_timeout_seconds", 30, 1, 3600));
  c->max_retries = static_cast<int>(r.Int("max_retries", 2, 0, 100));
  c->helper.Parse(r);
  r.Finish();
  return c;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Buffers of documents and request bodies kept for the next batches: a fresh one of a megabyte
// costs its page faults each time.
class BufferPool {
 public:
  std::string Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return {};
    std::string s = std::move(free_.back());
    free_.pop_back();
    return s;
  }
  void Give(std::string&& s) {
    if (s.capacity() < 4096 || s.capacity() > kMaxKept) return;
    s.clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < kMaxBuffers) free_.push_back(std::move(s));
  }

 private:
  static constexpr size_t kMaxKept = 4 << 20, kMaxBuffers = 4;
  std::mutex mu_;
  std::vector<std::string> free_;
};

// What a batch became at its first attempt (its EMF documents, already in their PutLogEvents form
// unless printed, and the calls they go in), and how far sending it got.
struct BatchState {
  EmfDocuments docs;
  PutLogEventsPlan plan;
  size_t next_call = 0;  // calls before this one were accepted or refused for good
  size_t planned = 0, refused = 0;  // events in calls; events in calls refused for good
  Status refused_reason;
  bool printed = false;  // stdout
  std::shared_ptr<BufferPool> pool;  // gets docs.text back

  ~BatchState() {
    if (pool) pool->Give(std::move(docs.text));
  }
};

class EmfSender {
 public:
  EmfSender(const AwsEmfConfig& c, const CreateSettings& s, aws::ProviderOptions options)
      : name_("exporter " + ExporterInstanceName(s)),
        cfg_(c),
        translator_(c.emf),
        client_options_(AwsClientOptions(c.client)),
        pool_(client_options_),
        signer_(std::make_shared<AwsRequestSigner>("awsemf", c.client.signer, std::move(options))) {}

  Status Start() {
    if (cfg_.to_stdout) return Status::Ok();
    std::string error;
    std::string region = signer_->Region(&error);
    if (region.empty())
      return Status::Permanent("awsemf: no region: set region, AWS_REGION or a profile's region (" + error + ")");
    url_ = (cfg_.client.endpoint.empty() ? "https://logs." + region + "." + AwsDnsSuffix(region) : cfg_.client.endpoint) + "/";
    Log(LogLevel::kInfo, name_, "PutLogEvents to " + url_ + ", signed with SigV4, " + signer_->Start());
    return Status::Ok();
  }

  Status Push(const PData& data, std::chrono::milliseconds timeout, std::shared_ptr<void>& state) {
    if (!state) {
      std::string scratch, error;
      auto batch = std::make_shared<BatchState>();
      batch->pool = buffers_;
      batch->docs.text = buffers_->Take();
      batch->docs.escaped = !cfg_.to_stdout;  // written as PutLogEvents bodies hold them
      translator_.Translate(data.ProtoBytes(scratch), batch->docs, NowMs(), &error);
      if (!error.empty()) return Status::Invalid(error);
      if (!cfg_.to_stdout) Plan(*batch);
      state = std::move(batch);
    }
    auto& batch = *std::static_pointer_cast<BatchState>(state);
    if (cfg_.to_stdout) return Print(batch);
    auto deadline = std::chrono::steady_clock::now() + (timeout.count() > 0 ? timeout : std::chrono::hours(24));
    for (; batch.next_call < batch.plan.calls.size(); ++batch.next_call) {
      const PutLogEventsCall& call = batch.plan.calls[batch.next_call];
      Status st = PutWithRetries(batch, call, deadline);
      if (st.retryable()) return st;
      if (!st.ok()) {
        batch.refused += call.end - call.begin;
        batch.refused_reason = st;
      }
    }
    // Everything refused: the batch failed (and is counted so); part of it: say what was lost.
    if (batch.refused > 0 && batch.refused == batch.planned) return batch.refused_reason;
    if (batch.refused > 0)
      Log(LogLevel::kError, name_, std::to_string(batch.refused) + " of " + std::to_string(batch.planned) +
                                       " EMF event(s) refused for good: " + batch.refused_reason.message());
    return Status::Ok();
  }

  void Cancel() {
    sleep_.Cancel();
    pool_.CancelAll();
  }

 private:
  Status Print(BatchState& batch) {
    if (batch.printed) return Status::Ok();
    std::string out;
    out.reserve(batch.docs.text.size() + batch.docs.documents.size());
    for (const auto& d : batch.docs.documents) {
      out += batch.docs.Text(d);
      out += '\n';
    }
    std::lock_guard<std::mutex> lock(stdout_mu_);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
      return Status::Retryable("cannot write to stdout");
    batch.printed = true;
    return Status::Ok();
  }

  // Groups the events by log stream, orders each stream's events by time and cuts them into calls
  // within PutLogEvents' limits. Events CloudWatch would reject (too large, older than 14 days, more
  // than 2 hours ahead) are dropped here, with a log line, instead of failing their call.
  void Plan(BatchState& batch) {
    batch.plan = awsemf::PlanPutLogEvents(batch.docs, NowMs());
    batch.planned = batch.plan.order.size();
    if (batch.plan.too_large > 0)
      Log(LogLevel::kError, name_,
          std::to_string(batch.plan.too_large) + " EMF event(s) over CloudWatch Logs' 256 KiB limit dropped");
    if (batch.plan.out_of_window > 0)
      Log(LogLevel::kError, name_, std::to_string(batch.plan.out_of_window) +
                                       " EMF event(s) older than 14 days or more than 2 hours ahead dropped");
  }

  // One call, sent again while it is throttled (up to max_retries times within the deadline);
  // a missing log group or stream is created once, then the call is sent again.
  Status PutWithRetries(const BatchState& batch, const PutLogEventsCall& call,
                        std::chrono::steady_clock::time_point deadline) {
    const EmfDocuments::Stream& stream = batch.docs.streams[call.stream];
    struct Body {
      BufferPool& pool;
      std::string text = pool.Take();
      ~Body() { pool.Give(std::move(text)); }
    } buffer{*buffers_};
    std::string& body = buffer.text;
    awsemf::AppendPutLogEventsBody(batch.docs, batch.plan, call, body);
    bool created = false;
    for (int round = 0;; ++round) {
      ApiResult r = Call("PutLogEvents", body, deadline);
      if (r.status.ok()) {
        if (!r.rejected.empty()) Log(LogLevel::kWarn, name_, "CloudWatch Logs rejected some events: " + r.rejected);
        return r.status;
      }
      if (r.error_type == "ResourceNotFoundException" && !created) {
        created = true;
        Status st = CreateGroupAndStream(stream, deadline);
        if (!st.ok()) return st;
        continue;
      }
      if (!r.status.retryable()) return r.status;
      auto wait = std::chrono::milliseconds(100 << std::min(round, 6));
      if (r.status.retry_after() > wait) wait = r.status.retry_after();
      if (round >= cfg_.max_retries || std::chrono::steady_clock::now() + wait >= deadline || !sleep_.Sleep(wait))
        return r.status;
    }
  }

  Status CreateGroupAndStream(const EmfDocuments::Stream& stream, std::chrono::steady_clock::time_point deadline) {
    std::string group = "{\"logGroupName\":";
    common::AppendJsonString(stream.log_group, group);
    std::string create_stream = group + ",\"logStreamName\":";
    common::AppendJsonString(stream.log_stream, create_stream);
    create_stream += "}";
    ApiResult r = Call("CreateLogStream", create_stream, deadline);
    if (r.status.ok() || r.error_type == "ResourceAlreadyExistsException") return Status::Ok();
    if (r.error_type != "ResourceNotFoundException") return r.status;
    // The group is missing too.
    std::string create_group = group;
    if (!cfg_.tags.empty()) {
      create_group += ",\"tags\":{";
      bool first = true;
      for (const auto& [k, v] : cfg_.tags) {
        if (!first) create_group += ',';
        first = false;
        common::AppendJsonString(k, create_group);
        create_group += ':';
        common::AppendJsonString(v, create_group);
      }
      create_group += '}';
    }
    create_group += '}';
    r = Call("CreateLogGroup", create_group, deadline);
    if (!r.status.ok() && r.error_type != "ResourceAlreadyExistsException") return r.status;
    if (r.status.ok()) {
      Log(LogLevel::kInfo, name_, "created log group " + stream.log_group);
      if (cfg_.log_retention > 0) {
        ApiResult retention =
            Call("PutRetentionPolicy", group + ",\"retentionInDays\":" + std::to_string(cfg_.log_retention) + "}", deadline);
        if (!retention.status.ok())
          Log(LogLevel::kWarn, name_, "cannot set the retention of " + stream.log_group + ": " + retention.status.message());
      }
    }
    r = Call("CreateLogStream", create_stream, deadline);
    if (r.status.ok() || r.error_type == "ResourceAlreadyExistsException") return Status::Ok();
    return r.status;
  }

  struct ApiResult {
    Status status;
    std::string error_type;  // "ResourceNotFoundException", ...
    std::string rejected;    // PutLogEvents' rejectedLogEventsInfo, as JSON text
  };

  // One CloudWatch Logs API call (JSON 1.1 protocol).
  ApiResult Call(const std::string& action, const std::string& body, std::chrono::steady_clock::time_point deadline) {
    ApiResult result;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.status = Status::Retryable(action + ": timed out");
      return result;
    }
    common::HttpRequest req;
    req.url = url_;
    req.body = body;
    req.timeout = left;
    req.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
    req.headers.emplace_back("X-Amz-Target", "Logs_20140328." + action);
    req.headers.emplace_back("x-amzn-logs-format", "json/emf");
    req.headers.emplace_back("User-Agent", "adot-collector/0.1.0 awsemf");
    std::string unused;
    result.status = AuthenticateRequest(*signer_, client_options_, req, unused);
    if (!result.status.ok()) return result;
    common::HttpResponse resp;
    pool_.Send(req, resp);
    result.status = TransportStatus(resp);
    if (!result.status.ok()) return result;
    common::JsonValue json;
    bool parsed = common::ParseJson(resp.body, json);
    if (resp.status >= 200 && resp.status < 300) {
      if (const auto* rejected = parsed ? json.Find("rejectedLogEventsInfo") : nullptr; rejected && rejected->is_object())
        result.rejected = resp.body.substr(0, 300);
      return result;
    }
    // JSON 1.1 errors: {"__type": "com.amazonaws.logs#ResourceNotFoundException", "message": ...}.
    if (parsed)
      if (const auto* type = json.Find("__type"); type && type->is_string()) result.error_type = type->text();
    if (result.error_type.empty()) result.error_type = std::string(resp.Header("x-amzn-errortype"));
    result.error_type = result.error_type.substr(result.error_type.find('#') + 1);
    result.error_type = result.error_type.substr(0, result.error_type.find(':'));
    std::string m = action + ": HTTP " + std::to_string(resp.status) +
                    (result.error_type.empty() ? "" : " " + result.error_type) + ": " + resp.body.substr(0, 200);
    auto after = exporters::otlp::ParseRetryAfter(resp.Header("retry-after")).value_or(std::chrono::milliseconds(0));
    const std::string& t = result.error_type;
    if (resp.status == 429 || t == "ThrottlingException" || t == "LimitExceededException")
      result.status = Status::Exhausted(m, after);
    else if (resp.status >= 500 || t == "ServiceUnavailableException" || t == "OperationAbortedException" ||
             t.find("ExpiredToken") != std::string::npos)
      result.status = Status::Retryable(m, after);
    else
      result.status = Status::Permanent(m);
    return result;
  }

  std::string name_;
  AwsEmfConfig cfg_;
  awsemf::EmfTranslator translator_;
  common::HttpClientOptions client_options_;
  HttpClientPool pool_;
  std::shared_ptr<AwsRequestSigner> signer_;
  std::string url_;
  std::mutex stdout_mu_;
  CancellableSleep sleep_;
  std::shared_ptr<BufferPool> buffers_ = std::make_shared<BufferPool>();
};

}  // namespace

Factory AwsEmfExporterFactory(aws::ProviderOptions options) {
  Factory f;
  f.kind = Kind::kExporter;
  f.type = "awsemf";
  f.stability = "beta";
  f.signals = {Signal::kMetrics};
  f.parse = Parse;
  f.create_exporter = [options](const ComponentConfig& c, const CreateSettings& s) -> std::shared_ptr<Exporter> {
    const auto& cfg = static_cast<const AwsEmfConfig&>(c);
    return MakeSenderExporter(s, cfg.helper, std::make_shared<EmfSender>(cfg, s, options));
  };
  return f;
}

}  // namespace adot::collector
