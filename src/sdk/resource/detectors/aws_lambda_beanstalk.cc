// Lambda (environment variables only) and Elastic Beanstalk (one local JSON file): no network.
#include <charconv>

#include "sdk/resource/detectors/detector_support.h"

namespace adot::sdk::resource::internal {

namespace {

constexpr char kBeanstalkFile[] = "/var/elasticbeanstalk/xray/environment.conf";

}  // namespace

bool IsOnAwsLambda(const Context& ctx) { return ctx.Env("AWS_LAMBDA_FUNCTION_NAME").has_value(); }

Resource DetectAwsLambda(const Context& ctx) {
  OwnedAttributes a;
  a.push_back({"cloud.provider", std::string("aws")});
  a.push_back({"cloud.platform", std::string("aws_lambda")});
  if (auto v = ctx.Env("AWS_REGION")) a.push_back({"cloud.region", *v});
  if (auto v = ctx.Env("AWS_LAMBDA_FUNCTION_NAME")) a.push_back({"faas.name", *v});
  if (auto v = ctx.Env("AWS_LAMBDA_FUNCTION_VERSION")) a.push_back({"faas.version", *v});
  if (auto v = ctx.Env("AWS_LAMBDA_LOG_STREAM_NAME")) a.push_back({"faas.instance", *v});
  if (auto v = ctx.Env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")) {
    // Megabytes in the variable, bytes in faas.max_memory.
    int64_t mb = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), mb);
    if (ec == std::errc() && end == v->data() + v->size() && mb > 0 &&
        mb <= INT64_MAX / (1024 * 1024)) {
      a.push_back({"faas.max_memory", mb * 1024 * 1024});
    } else {
      Warn("aws_lambda", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=\"" + *v +
                             "\" is not a number of megabytes; no faas.max_memory");
    }
  }
  if (auto v = ctx.Env("AWS_LAMBDA_LOG_GROUP_NAME")) {
    a.push_back({"aws.log.group.names", std::vector<std::string>{*v}});
  }
  return Resource(std::move(a));
}

bool MayBeOnAwsElasticBeanstalk(const Context& ctx) { return ctx.Exists(kBeanstalkFile); }

Resource DetectAwsElasticBeanstalk(const Context& ctx) {
  constexpr std::string_view kName = "aws_elastic_beanstalk";
  auto text = ctx.ReadFile(kBeanstalkFile, 64 * 1024);
  if (!text) {
    Warn(kName, "cannot read " + ctx.Path(kBeanstalkFile) + "; no Elastic Beanstalk attributes");
    return {};
  }
  common::JsonValue json;
  std::string error;
  if (!common::ParseJson(*text, json, &error) || !json.is_object()) {
    Warn(kName, ctx.Path(kBeanstalkFile) + " is not a JSON object (" +
                    (error.empty() ? "wrong type" : error) + "); no Elastic Beanstalk attributes");
    return {};
  }
  OwnedAttributes a;
  a.push_back({"cloud.provider", std::string("aws")});
  a.push_back({"cloud.platform", std::string("aws_elastic_beanstalk")});
  if (auto v = JsonString(json, "deployment_id")) a.push_back({"service.instance.id", *v});
  if (auto v = JsonString(json, "version_label")) a.push_back({"service.version", *v});
  if (auto v = JsonString(json, "environment_name")) a.push_back({"service.namespace", *v});
  return Resource(std::move(a));
}

}  // namespace adot::sdk::resource::internal
