// EC2 through IMDSv2: a session token (PUT), then the instance identity document and the
// hostname. Only tried when the DMI data say EC2 (or the user forced it).
#include "sdk/resource/detectors/detector_support.h"

namespace adot::sdk::resource::internal {

namespace {

constexpr std::string_view kName = "aws_ec2";

bool FileContains(const Context& ctx, const char* path, std::string_view needle,
                  bool prefix_only = false) {
  auto text = ctx.ReadFile(path, 4096);
  if (!text) return false;
  std::string value = Lowercase(Trim(*text));
  return prefix_only ? value.rfind(needle, 0) == 0 : value.find(needle) != std::string::npos;
}

}  // namespace

bool MayBeOnAwsEc2(const Context& ctx) {
  if (ctx.force_ec2 || ctx.imds_overridden) return true;
  // Lambda, ECS (Fargate in particular) and their containers do not offer IMDS to the workload,
  // and the DMI data there may still say EC2: skip rather than spend the budget on a timeout.
  if (ctx.Env("AWS_LAMBDA_FUNCTION_NAME") || !ctx.ecs_metadata_uri.empty()) return false;
  // Nitro instances: "Amazon EC2" vendor strings. Xen instances: "amazon" in the BIOS/product
  // version, and a hypervisor UUID starting with "ec2".
  for (const char* path : {"/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/board_vendor",
                           "/sys/class/dmi/id/bios_vendor"}) {
    if (FileContains(ctx, path, "amazon ec2")) return true;
  }
  for (const char* path : {"/sys/class/dmi/id/bios_version", "/sys/class/dmi/id/product_version"}) {
    if (FileContains(ctx, path, "amazon")) return true;
  }
  return FileContains(ctx, "/sys/hypervisor/uuid", "ec2", /*prefix_only=*/true);
}

Resource DetectAwsEc2(const Context& ctx) {
  HttpCall token_call;
  token_call.method = "PUT";
  token_call.url = ctx.imds_endpoint + "/latest/api/token";
  token_call.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "60"}};
  HttpResult token = ctx.Send(token_call);
  std::string_view token_value = Trim(token.body);
  if (!token.received || token.status != 200 || token_value.empty()) {
    Warn(kName, "IMDSv2 token request to " + token_call.url + " failed (" + Describe(token) +
                    "); no EC2 attributes");
    return {};
  }
  const std::pair<std::string, std::string> auth{"X-aws-ec2-metadata-token",
                                                 std::string(token_value)};

  HttpCall doc_call;
  doc_call.url = ctx.imds_endpoint + "/latest/dynamic/instance-identity/document";
  doc_call.headers = {auth};
  HttpResult doc = ctx.Send(doc_call);
  if (!doc.received || doc.status != 200) {
    Warn(kName, "GET " + doc_call.url + " failed (" + Describe(doc) + "); no EC2 attributes");
    return {};
  }
  common::JsonValue json;
  std::string error;
  if (!common::ParseJson(doc.body, json, &error) || !json.is_object()) {
    Warn(kName, "the identity document from " + doc_call.url + " is not a JSON object (" +
                    (error.empty() ? "wrong type" : error) + "); no EC2 attributes");
    return {};
  }

  OwnedAttributes a;
  a.push_back({"cloud.provider", std::string("aws")});
  a.push_back({"cloud.platform", std::string("aws_ec2")});
  auto put = [&](const char* key, std::string_view field) {
    if (auto v = JsonString(json, field)) a.push_back({key, std::move(*v)});
  };
  put("cloud.account.id", "accountId");
  put("cloud.region", "region");
  put("cloud.availability_zone", "availabilityZone");
  put("host.id", "instanceId");
  put("host.type", "instanceType");
  put("host.image.id", "imageId");

  HttpCall host_call;
  host_call.url = ctx.imds_endpoint + "/latest/meta-data/hostname";
  host_call.headers = {auth};
  HttpResult host = ctx.Send(host_call);
  std::string_view hostname = Trim(host.body);
  if (host.received && host.status == 200 && !hostname.empty()) {
    a.push_back({"host.name", std::string(hostname)});
  } else {
    Warn(kName, "GET " + host_call.url + " failed (" + Describe(host) + "); no host.name");
  }
  return Resource(std::move(a));
}

}  // namespace adot::sdk::resource::internal
