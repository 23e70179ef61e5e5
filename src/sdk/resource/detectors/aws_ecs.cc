// ECS through the task metadata endpoint v4: GET ${ECS_CONTAINER_METADATA_URI_V4} (this
// container) and GET ${...}/task (the task). With only the v3 variable, the base attributes.
#include "sdk/resource/detectors/detector_support.h"

namespace adot::sdk::resource::internal {

namespace {

constexpr std::string_view kName = "aws_ecs";

// GETs url and parses a JSON object; warns and returns false on any failure.
bool GetJsonObject(const Context& ctx, const std::string& url, common::JsonValue& out) {
  HttpCall call;
  call.url = url;
  HttpResult result = ctx.Send(call);
  if (!result.received || result.status != 200) {
    Warn(kName, "GET " + url + " failed (" + Describe(result) + "); no ECS attributes");
    return false;
  }
  std::string error;
  if (!common::ParseJson(result.body, out, &error) || !out.is_object()) {
    Warn(kName, "the response of GET " + url + " is not a JSON object (" +
                    (error.empty() ? "wrong type" : error) + "); no ECS attributes");
    return false;
  }
  return true;
}

// "registry/repo:tag" or "repo@sha256:..." into name and tag ("latest" when absent).
void ParseImage(std::string_view image, std::string& name, std::string& tag) {
  if (size_t at = image.find('@'); at != std::string_view::npos) image = image.substr(0, at);
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    name.assign(image.substr(0, colon));
    tag.assign(image.substr(colon + 1));
  } else {
    name.assign(image);
    tag.clear();
  }
  if (tag.empty()) tag = "latest";
}

}  // namespace

bool MayBeOnAwsEcs(const Context& ctx) { return !ctx.ecs_metadata_uri.empty(); }

Resource DetectAwsEcs(const Context& ctx) {
  OwnedAttributes a;
  a.push_back({"cloud.provider", std::string("aws")});
  a.push_back({"cloud.platform", std::string("aws_ecs")});
  if (ctx.ecs_v3_only) {
    if (auto id = ReadContainerId(ctx)) a.push_back({"container.id", *id});
    return Resource(std::move(a));
  }

  common::JsonValue container, task;
  if (!GetJsonObject(ctx, ctx.ecs_metadata_uri, container)) return {};
  if (!GetJsonObject(ctx, ctx.ecs_metadata_uri + "/task", task)) return {};

  auto container_arn = JsonString(container, "ContainerARN");
  auto task_arn = JsonString(task, "TaskARN");
  // Region and account from the ARNs (the task's, else the container's).
  std::optional<Arn> arn;
  if (task_arn) arn = ParseArn(*task_arn);
  if (!arn && container_arn) arn = ParseArn(*container_arn);
  std::string region = arn ? arn->region : "";
  std::string account = arn ? arn->account : "";
  std::string partition = arn && !arn->partition.empty() ? arn->partition : "aws";
  if (!region.empty()) a.push_back({"cloud.region", region});
  if (!account.empty()) a.push_back({"cloud.account.id", account});
  if (auto az = JsonString(task, "AvailabilityZone")) a.push_back({"cloud.availability_zone", *az});
  if (container_arn) {
    a.push_back({"cloud.resource_id", *container_arn});
    a.push_back({"aws.ecs.container.arn", *container_arn});
  }

  if (auto id = JsonString(container, "DockerId")) {
    a.push_back({"container.id", *id});
  } else if (auto cgroup_id = ReadContainerId(ctx)) {
    a.push_back({"container.id", *cgroup_id});
  }
  if (auto name = JsonString(container, "DockerName")) {
    a.push_back({"container.name", *name});
  } else if (auto short_name = JsonString(container, "Name")) {
    a.push_back({"container.name", *short_name});
  }
  if (auto image = JsonString(container, "Image")) {
    std::string name, tag;
    ParseImage(*image, name, tag);
    if (!name.empty()) {
      a.push_back({"container.image.name", name});
      a.push_back({"container.image.tags", std::vector<std::string>{tag}});
    }
  }

  if (auto cluster = JsonString(task, "Cluster")) {
    if (cluster->rfind("arn:", 0) == 0 || cluster->find(':') != std::string::npos) {
      a.push_back({"aws.ecs.cluster.arn", *cluster});
    } else if (!region.empty() && !account.empty()) {
      a.push_back({"aws.ecs.cluster.arn",
                   "arn:" + partition + ":ecs:" + region + ":" + account + ":cluster/" + *cluster});
    }
  }
  if (auto launch = JsonString(task, "LaunchType")) {
    a.push_back({"aws.ecs.launchtype", Lowercase(*launch)});
  }
  if (task_arn) a.push_back({"aws.ecs.task.arn", *task_arn});
  if (auto family = JsonString(task, "Family")) a.push_back({"aws.ecs.task.family", *family});
  if (auto revision = JsonString(task, "Revision")) {
    a.push_back({"aws.ecs.task.revision", *revision});
  }

  auto driver = JsonString(container, "LogDriver");
  const common::JsonValue* log_options = container.Find("LogOptions");
  if (driver && *driver == "awslogs" && log_options != nullptr && log_options->is_object()) {
    auto group = JsonString(*log_options, "awslogs-group");
    auto stream = JsonString(*log_options, "awslogs-stream");
    std::string log_region = JsonString(*log_options, "awslogs-region").value_or(region);
    // The container ARN's account, as the reference implementations use.
    std::optional<Arn> carn = container_arn ? ParseArn(*container_arn) : std::nullopt;
    std::string log_account = carn ? carn->account : account;
    std::string group_arn;
    if (group) {
      a.push_back({"aws.log.group.names", std::vector<std::string>{*group}});
      if (!log_region.empty() && !log_account.empty()) {
        group_arn = "arn:" + partition + ":logs:" + log_region + ":" + log_account +
                    ":log-group:" + *group;
        a.push_back({"aws.log.group.arns", std::vector<std::string>{group_arn}});
      }
    }
    if (stream) {
      a.push_back({"aws.log.stream.names", std::vector<std::string>{*stream}});
      if (!group_arn.empty()) {
        a.push_back({"aws.log.stream.arns",
                     std::vector<std::string>{group_arn + ":log-stream:" + *stream}});
      }
    }
  }
  return Resource(std::move(a));
}

}  // namespace adot::sdk::resource::internal
