// cgroup v1 / v2 container-id parsing: a table of real-world line shapes.
#include <gtest/gtest.h>

#include "adot/sdk/resource/detectors.h"
#include "sdk/resource/detector_fixture.h"

namespace adot::sdk::resource {
namespace {

const std::string kId64 = "4b5e2c8e9ad0e8d3b0c8a0f4a2e3f1d5c6b7a8e9f0d1c2b3a4e5f6d7c8b9a0e1";
const std::string kEcsId = "ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66";

struct CgroupCase {
  const char* name;
  std::string file;
  std::optional<std::string> id;
};

TEST(ContainerIdFromCgroup, Table) {
  const CgroupCase cases[] = {
      {"docker v1", "13:name=systemd:/docker/" + kId64 + "\n", kId64},
      {"ecs on ec2",
       "9:perf_event:/ecs/8f03e41243824aea923aca126495f665/" + kEcsId + "\n", kEcsId},
      {"ecs on fargate",
       "11:hugetlb:/ecs/cd189a933e5849daa93386466019ab50/"
       "cd189a933e5849daa93386466019ab50-2495160603\n",
       "cd189a933e5849daa93386466019ab50-2495160603"},
      {"kubepods v1",
       "12:devices:/kubepods/besteffort/pod5c8f0f9a-1b2c-4d3e-8f9a-0b1c2d3e4f5a/" + kId64 + "\n",
       kId64},
      {"systemd cri-containerd v2",
       "0::/system.slice/containerd.service/kubepods-burstable-pod1234.slice:cri-containerd:" +
           kId64 + "\n",
       kId64},
      {"docker scope", "1:cpu:/system.slice/docker-" + kId64 + ".scope\n", kId64},
      {"cri-containerd scope",
       "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + kId64 + ".scope\n", kId64},
      {"crio", "0::/kubepods/burstable/pod1/crio-" + kId64 + "\n", kId64},
      {"leaf under the container", "0::/docker/" + kId64 + "/init.scope\n", kId64},
      {"later line", "9:name=systemd:/\n8:pids:/\n4:memory:/docker/" + kId64 + "\n", kId64},
      {"cgroup v2 root", "0::/\n", std::nullopt},
      {"host v1",
       "9:name=systemd:/\n4:memory:/process_api/43ba521dc4697570f7227c8af67f1eb3\n0::/\n",
       std::nullopt},
      {"user slice", "0::/user.slice/user-1000.slice/session-2.scope\n", std::nullopt},
      {"63 hex", "0::/docker/" + kId64.substr(1) + "\n", std::nullopt},
      {"uppercase hex", "0::/docker/" + std::string(64, 'A') + "\n", std::nullopt},
      {"no colons", kId64 + "\n", std::nullopt},
      {"empty", "", std::nullopt},
      {"crlf", "1:cpu:/docker/" + kId64 + "\r\n", kId64},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ContainerIdFromCgroup(c.file), c.id) << c.name;
  }
}

TEST(ContainerIdFromMountinfo, Table) {
  const std::string docker =
      "1 0 0:1 / / rw - overlay overlay rw\n"
      "2 1 254:1 /var/lib/docker/containers/" + kId64 +
      "/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw\n";
  EXPECT_EQ(ContainerIdFromMountinfo(docker), kId64);
  const std::string podman =
      "2 1 0:44 /containers/storage/overlay-containers/" + kId64 +
      "/userdata/hostname /etc/hostname rw - tmpfs tmpfs rw\n";
  EXPECT_EQ(ContainerIdFromMountinfo(podman), kId64);
  // Overlay layer ids and sandbox ids are not container ids.
  EXPECT_EQ(ContainerIdFromMountinfo("1 0 0:1 / / rw - overlay overlay "
                                     "rw,lowerdir=/var/lib/docker/overlay2/" + kId64 + "/diff\n"),
            std::nullopt);
  EXPECT_EQ(ContainerIdFromMountinfo("2 1 0:2 /var/lib/containerd/sandboxes/" + kId64 +
                                     "/hosts /etc/hosts rw - ext4 /dev/vda1 rw\n"),
            std::nullopt);
  EXPECT_EQ(ContainerIdFromMountinfo("2 1 0:2 /x/mycontainers/" + kId64 + "/h /h rw\n"),
            std::nullopt);
  EXPECT_EQ(ContainerIdFromMountinfo("2 1 0:2 /containers/" + kId64.substr(0, 40)), std::nullopt);
  EXPECT_EQ(ContainerIdFromMountinfo(""), std::nullopt);
}

class ContainerDetectorTest : public testing::DetectorTest {};

TEST_F(ContainerDetectorTest, CgroupV1) {
  WriteFile("/proc/self/cgroup", "12:devices:/docker/" + kId64 + "\n");
  EXPECT_EQ(testing::StringAttr(DetectContainer(Options()), "container.id"), kId64);
}

TEST_F(ContainerDetectorTest, CgroupV2FallsBackToMountinfo) {
  WriteFile("/proc/self/cgroup", "0::/\n");
  WriteFile("/proc/self/mountinfo", "2 1 254:1 /var/lib/docker/containers/" + kId64 +
                                        "/hostname /etc/hostname rw - ext4 /dev/vda1 rw\n");
  EXPECT_EQ(testing::StringAttr(DetectContainer(Options()), "container.id"), kId64);
}

TEST_F(ContainerDetectorTest, NotInAContainerOrUnreadable) {
  EXPECT_TRUE(DetectContainer(Options()).attributes().empty());  // no files at all
  WriteFile("/proc/self/cgroup", "0::/\n");
  WriteFile("/proc/self/mountinfo", "1 0 0:1 / / rw - ext4 /dev/vda1 rw\n");
  EXPECT_TRUE(DetectContainer(Options()).attributes().empty());
  EXPECT_EQ(server_.RequestCount(), 0u);
}

}  // namespace
}  // namespace adot::sdk::resource
