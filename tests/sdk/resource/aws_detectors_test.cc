// Every AWS detector against a real HTTP server on loopback serving the payload shapes of the
// reference implementations, with fake file-system roots and environments, and their error cases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "adot/sdk/resource/detectors.h"
#include "sdk/resource/detector_fixture.h"

namespace adot::sdk::resource {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::IntAttr;
using testing::StringAttr;
using testing::StringsAttr;
using test::RecordedRequest;
using test::TestResponse;

using Clock = std::chrono::steady_clock;

const char kIdentityDocument[] =
    R"({"accountId":"123456789012","architecture":"x86_64","availabilityZone":"mock-west-2a",)"
    R"("billingProducts":null,"devpayProductCodes":null,"marketplaceProductCodes":null,)"
    R"("imageId":"ami-0957cee1854021123","instanceId":"i-1234ab56cd7e89f01",)"
    R"("instanceType":"t2.micro-mock","kernelId":null,"pendingTime":"2021-07-13T21:53:41Z",)"
    R"("privateIp":"172.12.34.567","ramdiskId":null,"region":"mock-west-2","version":"2017-09-30"})";
const char kHostname[] = "ip-172-12-34-567.mock-west-2.compute.internal";

const char kEcsContainer[] = R"({
  "DockerId":"ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66","Name":"curl",
  "DockerName":"ecs-curltest-24-curl-cca48e8dcadd97805600",
  "Image":"111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest:latest",
  "ImageID":"sha256:d691691e9652791a60114e67b365688d20d19940dde7c4736ea30e660d8d3553",
  "Labels":{"com.amazonaws.ecs.cluster":"default","com.amazonaws.ecs.container-name":"curl",
    "com.amazonaws.ecs.task-arn":"arn:aws:ecs:us-west-2:111122223333:task/default/8f03e41243824aea923aca126495f665",
    "com.amazonaws.ecs.task-definition-family":"curltest","com.amazonaws.ecs.task-definition-version":"24"},
  "DesiredStatus":"RUNNING","KnownStatus":"RUNNING","Limits":{"CPU":10,"Memory":128},
  "CreatedAt":"2020-10-02T00:15:07.620912337Z","StartedAt":"2020-10-02T00:15:08.062559351Z","Type":"NORMAL",
  "LogDriver":"awslogs","LogOptions":{"awslogs-create-group":"true","awslogs-group":"/ecs/metadata",
    "awslogs-region":"us-west-2","awslogs-stream":"ecs/curl/8f03e41243824aea923aca126495f665"},
  "ContainerARN":"arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9",
  "Networks":[{"NetworkMode":"awsvpc","IPv4Addresses":["10.0.2.100"]}]})";

const char kEcsTask[] = R"({"Cluster":"default",
  "TaskARN":"arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c",
  "Family":"curltest","Revision":"26","DesiredStatus":"RUNNING","KnownStatus":"RUNNING",
  "PullStartedAt":"2020-10-02T00:43:06.202617438Z","PullStoppedAt":"2020-10-02T00:43:06.31288465Z",
  "AvailabilityZone":"us-west-2d","LaunchType":"EC2","Containers":[]})";

const char kEcsFargateContainer[] = R"({
  "DockerId":"cd189a933e5849daa93386466019ab50-2495160603","Name":"app",
  "DockerName":"app","Image":"public.ecr.aws/docker/library/nginx@sha256:abcd",
  "LogDriver":"json-file",
  "ContainerARN":"arn:aws:ecs:us-west-2:111122223333:container/default/cd189a933e5849daa93386466019ab50/1"})";
const char kEcsFargateTask[] = R"({"Cluster":"arn:aws:ecs:us-west-2:111122223333:cluster/default",
  "TaskARN":"arn:aws:ecs:us-west-2:111122223333:task/default/cd189a933e5849daa93386466019ab50",
  "Family":"web","Revision":"3","AvailabilityZone":"us-west-2a","LaunchType":"FARGATE"})";

const char kClusterInfo[] = R"({"kind":"ConfigMap","apiVersion":"v1",
 "metadata":{"name":"cluster-info","namespace":"amazon-cloudwatch",
             "selfLink":"/api/v1/namespaces/amazon-cloudwatch/configmaps/cluster-info"},
 "data":{"cluster.name":"my-cluster","logs.region":"us-west-2"}})";

const std::string kContainerId =
    "4b5e2c8e9ad0e8d3b0c8a0f4a2e3f1d5c6b7a8e9f0d1c2b3a4e5f6d7c8b9a0e1";

// Counts the "adot: warning:" lines of captured stderr that name the detector.
int WarningLines(const std::string& err, std::string_view detector) {
  int n = 0;
  size_t pos = 0;
  std::string needle = "resource detector " + std::string(detector);
  while ((pos = err.find(needle, pos)) != std::string::npos) {
    ++n;
    pos += needle.size();
  }
  return n;
}

// ---------------------------------------------------------------------------------------- EC2

class Ec2Test : public testing::DetectorTest {
 protected:
  void OnEc2() { WriteFile("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n"); }

  // A fake IMDS: PUT token, then token-checked GETs.
  void ServeImds(int token_status = 200, int doc_status = 200, std::string doc = kIdentityDocument,
                 int host_status = 200) {
    server_.SetHandler([=](const RecordedRequest& r) {
      if (r.target == "/latest/api/token") {
        if (r.method != "PUT" || r.Header("X-aws-ec2-metadata-token-ttl-seconds") != "60")
          return TestResponse::Status(400);
        return TestResponse::Status(token_status, token_status == 200 ? "TOKEN-abc" : "");
      }
      if (r.Header("X-aws-ec2-metadata-token") != "TOKEN-abc") return TestResponse::Status(401);
      if (r.target == "/latest/dynamic/instance-identity/document")
        return TestResponse::Status(doc_status, doc);
      if (r.target == "/latest/meta-data/hostname")
        return TestResponse::Status(host_status, host_status == 200 ? kHostname : "");
      return TestResponse::Status(404);
    });
  }
};

TEST_F(Ec2Test, CheapCheckSaysNoWithoutDmiAndCallsNothing) {
  ServeImds();
  auto options = Options();
  EXPECT_FALSE(MayBeOnAwsEc2(options));
  EXPECT_TRUE(DetectAwsEc2(options).attributes().empty());
  WriteFile("/sys/class/dmi/id/sys_vendor", "QEMU\n");
  WriteFile("/sys/class/dmi/id/bios_version", "1.16.2-debian\n");
  EXPECT_FALSE(MayBeOnAwsEc2(options));
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(Ec2Test, CheapCheckDmiShapes) {
  auto options = Options();
  WriteFile("/sys/class/dmi/id/board_vendor", "Amazon EC2\n");  // Nitro
  EXPECT_TRUE(MayBeOnAwsEc2(options));
  std::filesystem::remove_all(root_ / "sys");
  WriteFile("/sys/class/dmi/id/bios_vendor", "Amazon EC2\n");
  EXPECT_TRUE(MayBeOnAwsEc2(options));
  std::filesystem::remove_all(root_ / "sys");
  WriteFile("/sys/class/dmi/id/bios_version", "4.11.amazon\n");  // Xen
  EXPECT_TRUE(MayBeOnAwsEc2(options));
  std::filesystem::remove_all(root_ / "sys");
  WriteFile("/sys/hypervisor/uuid", "ec2e1916-9099-7caf-fd21-012345abcdef\n");
  EXPECT_TRUE(MayBeOnAwsEc2(options));
  std::filesystem::remove_all(root_ / "sys");
  EXPECT_FALSE(MayBeOnAwsEc2(options));
  options.force_ec2 = true;
  EXPECT_TRUE(MayBeOnAwsEc2(options));
}

TEST_F(Ec2Test, EndpointOverrideForcesAndEcsOrLambdaSkip) {
  SetEnv("OTEL_AWS_IMDS_ENDPOINT_OVERRIDE", server_.Url(""));
  auto options = Options();
  options.imds_endpoint.clear();  // taken from the (loopback) override variable
  EXPECT_TRUE(MayBeOnAwsEc2(options));
  ServeImds();
  EXPECT_EQ(StringAttr(DetectAwsEc2(options), "host.id"), "i-1234ab56cd7e89f01");

  env_.clear();
  OnEc2();
  SetEnv("ECS_CONTAINER_METADATA_URI_V4", server_.Url("/v4/x"));
  EXPECT_FALSE(MayBeOnAwsEc2(Options()));
  env_.clear();
  SetEnv("AWS_LAMBDA_FUNCTION_NAME", "fn");
  EXPECT_FALSE(MayBeOnAwsEc2(Options()));
}

TEST_F(Ec2Test, Imdsv2) {
  OnEc2();
  ServeImds();
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEc2(Options());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(StringAttr(r, "cloud.provider"), "aws");
  EXPECT_EQ(StringAttr(r, "cloud.platform"), "aws_ec2");
  EXPECT_EQ(StringAttr(r, "cloud.account.id"), "123456789012");
  EXPECT_EQ(StringAttr(r, "cloud.region"), "mock-west-2");
  EXPECT_EQ(StringAttr(r, "cloud.availability_zone"), "mock-west-2a");
  EXPECT_EQ(StringAttr(r, "host.id"), "i-1234ab56cd7e89f01");
  EXPECT_EQ(StringAttr(r, "host.type"), "t2.micro-mock");
  EXPECT_EQ(StringAttr(r, "host.image.id"), "ami-0957cee1854021123");
  EXPECT_EQ(StringAttr(r, "host.name"), kHostname);
  EXPECT_EQ(r.attributes().size(), 9u);
  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].target, "/latest/api/token");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].Header("X-aws-ec2-metadata-token"), "TOKEN-abc");
}

TEST_F(Ec2Test, Token401GivesNothingAndOneLine) {
  OnEc2();
  ServeImds(/*token_status=*/401);
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEc2(Options());
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_EQ(WarningLines(err, "aws_ec2"), 1) << err;
  EXPECT_THAT(err, HasSubstr("HTTP 401"));
  EXPECT_EQ(server_.RequestCount(), 1u);  // no GET after a refused token
}

TEST_F(Ec2Test, Document404GivesNothing) {
  OnEc2();
  ServeImds(200, /*doc_status=*/404);
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEc2(Options());
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_EQ(WarningLines(err, "aws_ec2"), 1) << err;
  EXPECT_THAT(err, HasSubstr("HTTP 404"));
}

TEST_F(Ec2Test, MalformedDocumentGivesNothing) {
  OnEc2();
  for (const char* doc : {"{\"accountId\":\"1234", "[1,2]", "not json", ""}) {
    ServeImds(200, 200, doc);
    ::testing::internal::CaptureStderr();
    Resource r = DetectAwsEc2(Options());
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_TRUE(r.attributes().empty()) << doc;
    EXPECT_EQ(WarningLines(err, "aws_ec2"), 1) << doc << ": " << err;
  }
}

TEST_F(Ec2Test, MissingHostnameKeepsTheRest) {
  OnEc2();
  ServeImds(200, 200, kIdentityDocument, /*host_status=*/404);
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEc2(Options());
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(StringAttr(r, "host.id"), "i-1234ab56cd7e89f01");
  EXPECT_EQ(r.Find("host.name"), nullptr);
  EXPECT_EQ(WarningLines(err, "aws_ec2"), 1);
}

TEST_F(Ec2Test, StallIsBoundedByTheBudget) {
  OnEc2();
  server_.SetStall(true);
  ::testing::internal::CaptureStderr();
  auto start = Clock::now();
  Resource r = DetectAwsEc2(Options(300ms));
  auto elapsed = Clock::now() - start;
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2000ms);  // the budget, with room for a loaded machine
  EXPECT_EQ(WarningLines(err, "aws_ec2"), 1) << err;
  server_.SetStall(false);
}

TEST_F(Ec2Test, StallAfterTheTokenIsBoundedToo) {
  OnEc2();
  server_.SetHandler([](const RecordedRequest& r) {
    return r.target == "/latest/api/token" ? TestResponse::Status(200, "T") : TestResponse::Stall();
  });
  ::testing::internal::CaptureStderr();
  auto start = Clock::now();
  Resource r = DetectAwsEc2(Options(300ms));
  auto elapsed = Clock::now() - start;
  ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_LT(elapsed, 2000ms);
}

TEST_F(Ec2Test, ClosedPortGivesNothing) {
  OnEc2();
  test::ClosedPort closed;
  auto options = Options();
  options.imds_endpoint = closed.Url("");
  AssertLoopback(options);
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEc2(options);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_EQ(WarningLines(err, "aws_ec2"), 1) << err;
}

// ---------------------------------------------------------------------------------------- ECS

class EcsTest : public testing::DetectorTest {
 protected:
  void ServeEcs(std::string container, std::string task, int container_status = 200,
                int task_status = 200) {
    SetEnv("ECS_CONTAINER_METADATA_URI_V4", server_.Url("/v4/abc"));
    server_.SetHandler([=](const RecordedRequest& r) {
      if (r.target == "/v4/abc") return TestResponse::Status(container_status, container);
      if (r.target == "/v4/abc/task") return TestResponse::Status(task_status, task);
      return TestResponse::Status(404);
    });
  }
};

TEST_F(EcsTest, NoVariableNoCall) {
  auto options = Options();
  EXPECT_FALSE(MayBeOnAwsEcs(options));
  EXPECT_TRUE(DetectAwsEcs(options).attributes().empty());
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(EcsTest, TaskMetadataV4OnEc2) {
  ServeEcs(kEcsContainer, kEcsTask);
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEcs(Options());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(StringAttr(r, "cloud.provider"), "aws");
  EXPECT_EQ(StringAttr(r, "cloud.platform"), "aws_ecs");
  EXPECT_EQ(StringAttr(r, "cloud.region"), "us-west-2");
  EXPECT_EQ(StringAttr(r, "cloud.account.id"), "111122223333");
  EXPECT_EQ(StringAttr(r, "cloud.availability_zone"), "us-west-2d");
  EXPECT_EQ(StringAttr(r, "cloud.resource_id"),
            "arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9");
  EXPECT_EQ(StringAttr(r, "aws.ecs.container.arn"), StringAttr(r, "cloud.resource_id"));
  EXPECT_EQ(StringAttr(r, "container.id"),
            "ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66");
  EXPECT_EQ(StringAttr(r, "container.name"), "ecs-curltest-24-curl-cca48e8dcadd97805600");
  EXPECT_EQ(StringAttr(r, "container.image.name"),
            "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest");
  EXPECT_EQ(StringsAttr(r, "container.image.tags"), std::vector<std::string>{"latest"});
  EXPECT_EQ(StringAttr(r, "aws.ecs.cluster.arn"),
            "arn:aws:ecs:us-west-2:111122223333:cluster/default");
  EXPECT_EQ(StringAttr(r, "aws.ecs.launchtype"), "ec2");
  EXPECT_EQ(StringAttr(r, "aws.ecs.task.arn"),
            "arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c");
  EXPECT_EQ(StringAttr(r, "aws.ecs.task.family"), "curltest");
  EXPECT_EQ(StringAttr(r, "aws.ecs.task.revision"), "26");
  EXPECT_EQ(StringsAttr(r, "aws.log.group.names"), std::vector<std::string>{"/ecs/metadata"});
  EXPECT_EQ(StringsAttr(r, "aws.log.group.arns"),
            std::vector<std::string>{"arn:aws:logs:us-west-2:111122223333:log-group:/ecs/metadata"});
  EXPECT_EQ(StringsAttr(r, "aws.log.stream.names"),
            std::vector<std::string>{"ecs/curl/8f03e41243824aea923aca126495f665"});
  EXPECT_EQ(StringsAttr(r, "aws.log.stream.arns"),
            std::vector<std::string>{"arn:aws:logs:us-west-2:111122223333:log-group:/ecs/metadata"
                                     ":log-stream:ecs/curl/8f03e41243824aea923aca126495f665"});
}

TEST_F(EcsTest, Fargate) {
  ServeEcs(kEcsFargateContainer, kEcsFargateTask);
  Resource r = DetectAwsEcs(Options());
  EXPECT_EQ(StringAttr(r, "aws.ecs.launchtype"), "fargate");
  EXPECT_EQ(StringAttr(r, "aws.ecs.cluster.arn"),
            "arn:aws:ecs:us-west-2:111122223333:cluster/default");
  EXPECT_EQ(StringAttr(r, "container.id"), "cd189a933e5849daa93386466019ab50-2495160603");
  EXPECT_EQ(StringAttr(r, "container.image.name"), "public.ecr.aws/docker/library/nginx");
  EXPECT_EQ(StringsAttr(r, "container.image.tags"), std::vector<std::string>{"latest"});
  EXPECT_EQ(r.Find("aws.log.group.names"), nullptr);  // not awslogs
  EXPECT_EQ(StringAttr(r, "aws.ecs.task.family"), "web");
}

TEST_F(EcsTest, V3OnlyGivesBaseAttributesWithoutCalls) {
  SetEnv("ECS_CONTAINER_METADATA_URI", server_.Url("/v3/abc"));
  WriteFile("/proc/self/cgroup", "9:perf_event:/ecs/task/" + kContainerId + "\n");
  Resource r = DetectAwsEcs(Options());
  EXPECT_EQ(StringAttr(r, "cloud.platform"), "aws_ecs");
  EXPECT_EQ(StringAttr(r, "container.id"), kContainerId);
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(EcsTest, ErrorsGiveNothingAndOneLine) {
  struct Case {
    const char* name;
    std::string container, task;
    int container_status, task_status;
  } cases[] = {
      {"container 404", kEcsContainer, kEcsTask, 404, 200},
      {"task 404", kEcsContainer, kEcsTask, 200, 404},
      {"task 500", kEcsContainer, kEcsTask, 200, 500},
      {"container malformed", "{\"DockerId\":", kEcsTask, 200, 200},
      {"task malformed", kEcsContainer, "{]", 200, 200},
      {"task not an object", kEcsContainer, "\"x\"", 200, 200},
  };
  for (const auto& c : cases) {
    env_.clear();
    ServeEcs(c.container, c.task, c.container_status, c.task_status);
    ::testing::internal::CaptureStderr();
    Resource r = DetectAwsEcs(Options());
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_TRUE(r.attributes().empty()) << c.name;
    EXPECT_EQ(WarningLines(err, "aws_ecs"), 1) << c.name << ": " << err;
  }
}

TEST_F(EcsTest, StallIsBoundedByTheBudget) {
  SetEnv("ECS_CONTAINER_METADATA_URI_V4", server_.Url("/v4/abc"));
  server_.SetStall(true);
  ::testing::internal::CaptureStderr();
  auto start = Clock::now();
  Resource r = DetectAwsEcs(Options(300ms));
  auto elapsed = Clock::now() - start;
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_LT(elapsed, 2000ms);
  EXPECT_EQ(WarningLines(err, "aws_ecs"), 1) << err;
  server_.SetStall(false);
}

TEST_F(EcsTest, ClosedPort) {
  test::ClosedPort closed;
  SetEnv("ECS_CONTAINER_METADATA_URI_V4", closed.Url("/v4/abc"));
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEcs(Options());
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_EQ(WarningLines(err, "aws_ecs"), 1) << err;
}

// ---------------------------------------------------------------------------------------- EKS

class EksTest : public testing::DetectorTest {
 protected:
  const std::string eks_token_ = testing::FakeJwt(
      R"({"iss":"https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",)"
      R"("sub":"system:serviceaccount:default:app"})");

  void InPod(const std::string& token) {
    WriteFile("/var/run/secrets/kubernetes.io/serviceaccount/token", token);
    WriteFile("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "-----BEGIN CERTIFICATE-----\n");
  }
  void ServeApi(int cluster_info_status, std::string cluster_info = kClusterInfo,
                int aws_auth_status = 404) {
    server_.SetHandler([=](const RecordedRequest& r) {
      if (r.target == "/api/v1/namespaces/amazon-cloudwatch/configmaps/cluster-info")
        return TestResponse::Status(cluster_info_status, cluster_info);
      if (r.target == "/api/v1/namespaces/kube-system/configmaps/aws-auth")
        return TestResponse::Status(aws_auth_status, aws_auth_status == 200 ? "{\"data\":{}}" : "");
      return TestResponse::Status(404);
    });
  }
};

TEST_F(EksTest, NotAPodNoCall) {
  auto options = Options();
  EXPECT_FALSE(MayBeOnAwsEks(options));
  WriteFile("/var/run/secrets/kubernetes.io/serviceaccount/token", eks_token_);  // no ca.crt
  EXPECT_FALSE(MayBeOnAwsEks(options));
  EXPECT_TRUE(DetectAwsEks(options).attributes().empty());
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(EksTest, EksIssuerClusterInfoAndCgroup) {
  InPod(eks_token_ + "\n");
  WriteFile("/proc/self/cgroup",
            "12:devices:/kubepods/besteffort/pod5c8f0f9a-1b2c-4d3e-8f9a-0b1c2d3e4f5a/" +
                kContainerId + "\n");
  ServeApi(200);
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEks(Options());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(StringAttr(r, "cloud.provider"), "aws");
  EXPECT_EQ(StringAttr(r, "cloud.platform"), "aws_eks");
  EXPECT_EQ(StringAttr(r, "k8s.cluster.name"), "my-cluster");
  EXPECT_EQ(StringAttr(r, "container.id"), kContainerId);
  auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 1u);  // the issuer said EKS: no aws-auth call
  EXPECT_EQ(requests[0].Header("Authorization"), "Bearer " + eks_token_);
}

TEST_F(EksTest, OtherIssuerAskedAwsAuth) {
  InPod("legacy-opaque-token");
  ServeApi(200, kClusterInfo, /*aws_auth_status=*/200);
  Resource r = DetectAwsEks(Options());
  EXPECT_EQ(StringAttr(r, "k8s.cluster.name"), "my-cluster");
  EXPECT_EQ(server_.RequestCount(), 2u);
}

TEST_F(EksTest, NotEksIsSilent) {
  InPod(testing::FakeJwt(R"({"iss":"https://container.googleapis.com/v1/projects/p/x"})"));
  ServeApi(200, kClusterInfo, /*aws_auth_status=*/403);
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEks(Options());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_TRUE(r.attributes().empty());
  // Look-alike issuers are not EKS either.
  InPod(testing::FakeJwt(
      R"({"iss":"https://oidc.eks.us-west-2.amazonaws.com.evil/id/0123456789ABCDEF0123456789ABCDEF"})"));
  EXPECT_TRUE(DetectAwsEks(Options()).attributes().empty());
}

TEST_F(EksTest, ClusterInfo404KeepsContainerIdWithOneLine) {
  InPod(eks_token_);
  WriteFile("/proc/self/cgroup", "0::/kubepods/burstable/pod1/cri-containerd-" + kContainerId +
                                     ".scope\n");
  ServeApi(404);
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsEks(Options());
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(StringAttr(r, "cloud.platform"), "aws_eks");
  EXPECT_EQ(StringAttr(r, "container.id"), kContainerId);
  EXPECT_EQ(r.Find("k8s.cluster.name"), nullptr);
  EXPECT_EQ(WarningLines(err, "aws_eks"), 1) << err;
}

TEST_F(EksTest, NothingIdentifyingGivesNothing) {
  InPod(eks_token_);
  for (std::string body : {std::string("{\"data\":"), std::string("{\"data\":{}}"),
                           std::string("[]")}) {
    ServeApi(200, body);
    ::testing::internal::CaptureStderr();
    Resource r = DetectAwsEks(Options());
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_TRUE(r.attributes().empty()) << body;
    EXPECT_EQ(WarningLines(err, "aws_eks"), 1) << body << ": " << err;
  }
  ServeApi(401);
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(DetectAwsEks(Options()).attributes().empty());
  EXPECT_EQ(WarningLines(::testing::internal::GetCapturedStderr(), "aws_eks"), 1);
}

TEST_F(EksTest, EmptyTokenGivesNothing) {
  InPod("  \n");
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(DetectAwsEks(Options()).attributes().empty());
  EXPECT_EQ(WarningLines(::testing::internal::GetCapturedStderr(), "aws_eks"), 1);
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(EksTest, StallIsBoundedByTheBudget) {
  InPod(eks_token_);
  server_.SetStall(true);
  ::testing::internal::CaptureStderr();
  auto start = Clock::now();
  Resource r = DetectAwsEks(Options(300ms));
  auto elapsed = Clock::now() - start;
  ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_LT(elapsed, 2000ms);
  server_.SetStall(false);
}

// ------------------------------------------------------------------------------------- Lambda

class LambdaTest : public testing::DetectorTest {};

TEST_F(LambdaTest, FromEnvironment) {
  SetEnv("AWS_LAMBDA_FUNCTION_NAME", "my-function");
  SetEnv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
  SetEnv("AWS_REGION", "us-east-1");
  SetEnv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
  SetEnv("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/my-function");
  SetEnv("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/28/[$LATEST]abcdef");
  Resource r = DetectAwsLambda(Options());
  EXPECT_EQ(StringAttr(r, "cloud.provider"), "aws");
  EXPECT_EQ(StringAttr(r, "cloud.platform"), "aws_lambda");
  EXPECT_EQ(StringAttr(r, "cloud.region"), "us-east-1");
  EXPECT_EQ(StringAttr(r, "faas.name"), "my-function");
  EXPECT_EQ(StringAttr(r, "faas.version"), "$LATEST");
  EXPECT_EQ(StringAttr(r, "faas.instance"), "2026/11/28/[$LATEST]abcdef");
  EXPECT_EQ(IntAttr(r, "faas.max_memory"), 128 * 1024 * 1024);
  EXPECT_EQ(StringsAttr(r, "aws.log.group.names"),
            std::vector<std::string>{"/aws/lambda/my-function"});
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(LambdaTest, NotLambdaAndBadMemory) {
  EXPECT_TRUE(DetectAwsLambda(Options()).attributes().empty());
  SetEnv("AWS_LAMBDA_FUNCTION_NAME", "fn");
  SetEnv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots");
  ::testing::internal::CaptureStderr();
  Resource r = DetectAwsLambda(Options());
  EXPECT_EQ(WarningLines(::testing::internal::GetCapturedStderr(), "aws_lambda"), 1);
  EXPECT_EQ(StringAttr(r, "faas.name"), "fn");
  EXPECT_EQ(r.Find("faas.max_memory"), nullptr);
}

// ---------------------------------------------------------------------------- Elastic Beanstalk

class BeanstalkTest : public testing::DetectorTest {};

TEST_F(BeanstalkTest, FromTheEnvironmentFile) {
  WriteFile("/var/elasticbeanstalk/xray/environment.conf",
            R"({"deployment_id":23,"version_label":"env-version-1234","environment_name":"BETA"})");
  Resource r = DetectAwsElasticBeanstalk(Options());
  EXPECT_EQ(StringAttr(r, "cloud.provider"), "aws");
  EXPECT_EQ(StringAttr(r, "cloud.platform"), "aws_elastic_beanstalk");
  EXPECT_EQ(StringAttr(r, "service.instance.id"), "23");
  EXPECT_EQ(StringAttr(r, "service.version"), "env-version-1234");
  EXPECT_EQ(StringAttr(r, "service.namespace"), "BETA");
}

TEST_F(BeanstalkTest, MissingMalformedOrUnreadable) {
  EXPECT_FALSE(MayBeOnAwsElasticBeanstalk(Options()));
  EXPECT_TRUE(DetectAwsElasticBeanstalk(Options()).attributes().empty());
  WriteFile("/var/elasticbeanstalk/xray/environment.conf", "{\"deployment_id\":");
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(DetectAwsElasticBeanstalk(Options()).attributes().empty());
  EXPECT_EQ(WarningLines(::testing::internal::GetCapturedStderr(), "aws_elastic_beanstalk"), 1);
  // A directory where the file should be: exists, but cannot be read as a file.
  std::filesystem::remove(root_ / "var/elasticbeanstalk/xray/environment.conf");
  std::filesystem::create_directories(root_ / "var/elasticbeanstalk/xray/environment.conf");
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(DetectAwsElasticBeanstalk(Options()).attributes().empty());
  EXPECT_EQ(WarningLines(::testing::internal::GetCapturedStderr(), "aws_elastic_beanstalk"), 1);
}

// ---------------------------------------------------------------------------- DetectResources

class DetectResourcesTest : public testing::DetectorTest {};

TEST_F(DetectResourcesTest, NamesAndRegistry) {
  for (auto name : {"env", "host", "os", "process", "container", "aws_ec2", "aws_ecs", "aws_eks",
                    "aws_lambda", "aws_elastic_beanstalk", "none"}) {
    EXPECT_TRUE(IsKnownDetector(name)) << name;
  }
  EXPECT_FALSE(IsKnownDetector("gcp"));
  EXPECT_EQ(DetectorNames().size(), 10u);
}

TEST_F(DetectResourcesTest, OffAwsNothingIsCalled) {
  Resource r = DetectResources({"aws_ec2", "aws_ecs", "aws_eks", "aws_lambda",
                                "aws_elastic_beanstalk", "container", "bogus"},
                               Options());
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(DetectResourcesTest, MostSpecificWinsWhateverTheOrder) {
  SetEnv("ECS_CONTAINER_METADATA_URI_V4", server_.Url("/v4/abc"));
  server_.SetHandler([](const RecordedRequest& r) {
    if (r.target == "/latest/api/token") return TestResponse::Status(200, "T");
    if (r.target == "/latest/dynamic/instance-identity/document")
      return TestResponse::Status(200, kIdentityDocument);
    if (r.target == "/latest/meta-data/hostname") return TestResponse::Status(200, kHostname);
    if (r.target == "/v4/abc") return TestResponse::Status(200, kEcsContainer);
    if (r.target == "/v4/abc/task") return TestResponse::Status(200, kEcsTask);
    return TestResponse::Status(404);
  });
  auto options = Options();
  options.force_ec2 = true;
  Resource r = DetectResources({"aws_ecs", "aws_ec2", "host"}, options);
  EXPECT_EQ(StringAttr(r, "cloud.platform"), "aws_ecs");
  EXPECT_EQ(StringAttr(r, "cloud.region"), "us-west-2");       // ECS over EC2
  EXPECT_EQ(StringAttr(r, "host.id"), "i-1234ab56cd7e89f01");  // only EC2 has it
  EXPECT_EQ(StringAttr(r, "host.name"), kHostname);            // EC2 over host
  EXPECT_EQ(server_.RequestCount(), 5u);
}

TEST_F(DetectResourcesTest, StalledDetectorsRunInParallelWithinOneBudget) {
  SetEnv("ECS_CONTAINER_METADATA_URI_V4", server_.Url("/v4/abc"));
  WriteFile("/var/run/secrets/kubernetes.io/serviceaccount/token", "t");
  WriteFile("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "c");
  server_.SetStall(true);
  auto options = Options(400ms);
  options.force_ec2 = true;
  ::testing::internal::CaptureStderr();
  auto start = Clock::now();
  Resource r = DetectResources({"aws_ec2", "aws_ecs", "aws_eks"}, options);
  auto elapsed = Clock::now() - start;
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_GE(elapsed, 350ms);
  EXPECT_LT(elapsed, 1150ms);  // well under 3 x 400 ms: one shared budget, not one each
  EXPECT_EQ(WarningLines(err, "aws_ec2"), 1) << err;
  EXPECT_EQ(WarningLines(err, "aws_ecs"), 1) << err;
  EXPECT_EQ(WarningLines(err, "aws_eks"), 1) << err;
  server_.SetStall(false);
}

TEST_F(DetectResourcesTest, ATransportThatThrowsGivesNothing) {
  SetEnv("ECS_CONTAINER_METADATA_URI_V4", server_.Url("/v4/abc"));
  auto options = Options();
  options.http = [](const HttpCall&) -> HttpResult { throw std::runtime_error("boom"); };
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(DetectResources({"aws_ecs"}, options).attributes().empty());
  ::testing::internal::GetCapturedStderr();
}

}  // namespace
}  // namespace adot::sdk::resource

// The production defaults, resolved without any call (nothing here touches the network).
#include "sdk/resource/detectors/detector_support.h"

namespace adot::sdk::resource {
namespace {

TEST(DetectorDefaults, EndpointsResolveToTheProductionAddresses) {
  std::map<std::string, std::string> env;
  DetectorOptions options;
  options.env = [&env](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto ctx = internal::Context::From(options);
  EXPECT_EQ(ctx.imds_endpoint, "http://169.254.169.254");
  EXPECT_FALSE(ctx.imds_overridden);
  EXPECT_EQ(ctx.kubernetes_endpoint, "https://kubernetes.default.svc");
  EXPECT_EQ(ctx.ecs_metadata_uri, "");
  EXPECT_EQ(ctx.root, "");
  EXPECT_EQ(options.timeout, std::chrono::milliseconds(1000));

  env = {{"OTEL_AWS_IMDS_ENDPOINT_OVERRIDE", "http://127.0.0.1:1234/"},
         {"ECS_CONTAINER_METADATA_URI", "http://169.254.170.2/v3/x"},
         {"KUBERNETES_SERVICE_HOST", "fd00::1"},
         {"KUBERNETES_SERVICE_PORT", "6443"}};
  ctx = internal::Context::From(options);
  EXPECT_EQ(ctx.imds_endpoint, "http://127.0.0.1:1234");
  EXPECT_TRUE(ctx.imds_overridden);
  EXPECT_EQ(ctx.ecs_metadata_uri, "http://169.254.170.2/v3/x");
  EXPECT_TRUE(ctx.ecs_v3_only);
  EXPECT_EQ(ctx.kubernetes_endpoint, "https://[fd00::1]:6443");

  env["ECS_CONTAINER_METADATA_URI_V4"] = "http://169.254.170.2/v4/x/";
  env["KUBERNETES_SERVICE_HOST"] = "10.100.0.1";
  env.erase("KUBERNETES_SERVICE_PORT");
  options.root = "/host/";
  ctx = internal::Context::From(options);
  EXPECT_EQ(ctx.ecs_metadata_uri, "http://169.254.170.2/v4/x");
  EXPECT_FALSE(ctx.ecs_v3_only);
  EXPECT_EQ(ctx.kubernetes_endpoint, "https://10.100.0.1:443");
  EXPECT_EQ(ctx.Path("/proc/self/cgroup"), "/host/proc/self/cgroup");
}

TEST(DetectorDefaults, ArnParsing) {
  auto arn = internal::ParseArn("arn:aws-cn:ecs:cn-north-1:123:task/c/abc");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->partition, "aws-cn");
  EXPECT_EQ(arn->service, "ecs");
  EXPECT_EQ(arn->region, "cn-north-1");
  EXPECT_EQ(arn->account, "123");
  EXPECT_EQ(arn->resource, "task/c/abc");
  EXPECT_FALSE(internal::ParseArn("default").has_value());
  EXPECT_FALSE(internal::ParseArn("arx:aws:ecs:r:a:b").has_value());
  EXPECT_FALSE(internal::ParseArn("arn:aws:ecs:r").has_value());
}

}  // namespace
}  // namespace adot::sdk::resource
