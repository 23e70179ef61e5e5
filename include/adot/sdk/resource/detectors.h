// Resource detectors: container, AWS EC2 / ECS / EKS / Lambda / Elastic Beanstalk, and the
// OTEL_RESOURCE_DETECTORS registry that Autoconfigure() uses.
//
//   adot::sdk::resource::DetectorOptions options;            // production defaults
//   adot::sdk::Resource r = adot::sdk::resource::DetectAwsEc2(options);
//   adot::sdk::Resource all = adot::sdk::resource::DetectResources({"aws_ec2", "aws_ecs"}, options);
//
// Every detector first makes a cheap check that needs no network (DMI files, an environment
// variable, a file's existence) and only then calls its endpoint. A detector never throws and
// never runs past its budget (DetectorOptions::timeout); a failure gives an empty Resource and
// one warning line on stderr. Everything a detector reads from outside is injectable: the HTTP
// transport, every endpoint, the file-system root and the environment. The collector's
// resourcedetection processor reuses these functions with its own options.
//
// Link adot::resource_detectors (adot::autoconfigure links it).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adot/sdk/resource.h"

namespace adot::sdk::resource {

// One HTTP exchange, as the detectors need it.
struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{1000};  // whole exchange, connect included
  std::string ca_file;                      // PEM trust anchors for https; empty = system store
};

struct HttpResult {
  bool received = false;  // a response arrived (any status)
  long status = 0;
  std::string body;
  std::string error;  // why nothing was received, e.g. "timed out after 1000 ms"
};

// Must be callable from several threads at once (detectors run in parallel).
using HttpSend = std::function<HttpResult(const HttpCall&)>;
// The value of an environment variable; nullopt when unset. Empty values count as unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// The libcurl transport (a fresh connection per call; responses above 1 MiB fail).
HttpSend DefaultHttpSend();
// The process environment.
EnvLookup ProcessEnvironment();

struct DetectorOptions {
  // Prefix for every file read: /sys/class/dmi/id/*, /sys/hypervisor/uuid, /proc/self/cgroup,
  // /proc/self/mountinfo, /var/run/secrets/kubernetes.io/serviceaccount/*,
  // /var/elasticbeanstalk/xray/environment.conf. Empty means "/".
  std::string root;
  // Null means ProcessEnvironment().
  EnvLookup env;
  // Null means DefaultHttpSend().
  HttpSend http;
  // EC2 instance metadata service. Empty: $OTEL_AWS_IMDS_ENDPOINT_OVERRIDE, else
  // http://169.254.169.254.
  std::string imds_endpoint;
  // ECS task metadata endpoint (v4). Empty: $ECS_CONTAINER_METADATA_URI_V4.
  std::string ecs_metadata_uri;
  // Kubernetes API server. Empty: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
  // else https://kubernetes.default.svc.
  std::string kubernetes_endpoint;
  // Skip the EC2 DMI check and call IMDS anyway (also implied by a set
  // OTEL_AWS_IMDS_ENDPOINT_OVERRIDE).
  bool force_ec2 = false;
  // Budget for one detector, and for DetectResources() as a whole (the detectors that pass their
  // cheap check run in parallel against the same deadline). Every HTTP call gets the time left.
  std::chrono::milliseconds timeout{kDefaultTimeout};

  static constexpr std::chrono::milliseconds kDefaultTimeout{1000};
};

// container.id from cgroup v1 lines (/proc/self/cgroup), e.g. ".../docker/<64 hex>",
// ".../docker-<64 hex>.scope", "...:cri-containerd:<64 hex>", "/ecs/<task>/<64 hex>" or the
// Fargate form "/ecs/<32 hex>/<32 hex>-<digits>". nullopt when no line names a container
// (cgroup v2 "0::/").
std::optional<std::string> ContainerIdFromCgroup(std::string_view cgroup_file);
// container.id from /proc/self/mountinfo (cgroup v2): the <64 hex> of a ".../containers/<id>/..."
// or ".../overlay-containers/<id>/..." mount source (Docker, Podman).
std::optional<std::string> ContainerIdFromMountinfo(std::string_view mountinfo_file);

// Cheap checks only: true when the detector would call its endpoint / read its data.
bool MayBeOnAwsEc2(const DetectorOptions& options);
bool MayBeOnAwsEcs(const DetectorOptions& options);
bool MayBeOnAwsEks(const DetectorOptions& options);
bool IsOnAwsLambda(const DetectorOptions& options);
bool MayBeOnAwsElasticBeanstalk(const DetectorOptions& options);

// The detectors. Each returns an empty Resource when its cheap check fails or on any error.
// container.id (cgroup v1, then mountinfo).
Resource DetectContainer(const DetectorOptions& options = {});
// IMDSv2: cloud.*, host.id/type/image.id/name.
Resource DetectAwsEc2(const DetectorOptions& options = {});
// Task metadata v4: cloud.*, container.*, aws.ecs.*, aws.log.*.
Resource DetectAwsEcs(const DetectorOptions& options = {});
// cloud.*, k8s.cluster.name (configmap amazon-cloudwatch/cluster-info), container.id.
Resource DetectAwsEks(const DetectorOptions& options = {});
// cloud.*, faas.*, aws.log.group.names, from the Lambda environment variables.
Resource DetectAwsLambda(const DetectorOptions& options = {});
// service.instance.id / version / namespace from the Beanstalk environment file.
Resource DetectAwsElasticBeanstalk(const DetectorOptions& options = {});

// The OTEL_RESOURCE_DETECTORS names: env, host, os, process, container, aws_ec2, aws_ecs,
// aws_eks, aws_lambda, aws_elastic_beanstalk (and "none", which detects nothing).
const std::vector<std::string_view>& DetectorNames();
bool IsKnownDetector(std::string_view name);

// Runs the named detectors (unknown names are ignored) and merges their resources in a fixed
// order, most specific last, whatever the order of names: env, host, os, process, container,
// aws_ec2, aws_elastic_beanstalk, aws_ecs, aws_eks, aws_lambda. The cheap checks run first, on
// the calling thread; the detectors that pass them run in parallel. Returns within
// options.timeout (plus thread start-up). "env" is Resource::FromEnvironment().
Resource DetectResources(const std::vector<std::string>& names, const DetectorOptions& options = {});

// The options Autoconfigure() passes to DetectResources(). Set them before calling
// Autoconfigure(), e.g. to change the budget or point the endpoints elsewhere (tests point them
// at loopback). Thread-safe.
void SetAutoconfigureDetectorOptions(DetectorOptions options);
DetectorOptions GetAutoconfigureDetectorOptions();

}  // namespace adot::sdk::resource
