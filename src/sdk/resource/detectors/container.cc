// container.id from /proc/self/cgroup (cgroup v1, and v2 paths that still name the container)
// and, failing that, /proc/self/mountinfo (cgroup v2: "0::/" names nothing).
#include "sdk/resource/detectors/detector_support.h"

namespace adot::sdk::resource {

namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return !s.empty();
}

bool IsDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

// ECS on Fargate: "<32 hex>-<digits>", the form DockerId also has there.
bool IsFargateId(std::string_view s) {
  return s.size() > 33 && s[32] == '-' && IsLowerHex(s.substr(0, 32)) && IsDigits(s.substr(33));
}

// The last 64-hex token of one path segment split at '-', ':' and '.', e.g. the id of
// "docker-<id>.scope", "cri-containerd-<id>.scope", "crio-<id>" or "...slice:cri-containerd:<id>".
std::optional<std::string_view> IdInSegment(std::string_view segment) {
  if (IsFargateId(segment)) return segment;
  size_t end = segment.size();
  while (end > 0) {
    size_t start = segment.find_last_of("-:.", end - 1);
    size_t token_start = start == std::string_view::npos ? 0 : start + 1;
    std::string_view token = segment.substr(token_start, end - token_start);
    if (token.size() == 64 && IsLowerHex(token)) return token;
    if (start == std::string_view::npos) break;
    end = start;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ContainerIdFromCgroup(std::string_view cgroup_file) {
  while (!cgroup_file.empty()) {
    size_t nl = cgroup_file.find('\n');
    std::string_view line = internal::Trim(cgroup_file.substr(0, nl));
    cgroup_file = nl == std::string_view::npos ? std::string_view() : cgroup_file.substr(nl + 1);
    // "hierarchy-id:controllers:path"; the path itself may hold ':'.
    size_t first = line.find(':');
    if (first == std::string_view::npos) continue;
    size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    std::string_view path = line.substr(second + 1);
    // Segments from the last: the container's own cgroup is usually the leaf.
    while (!path.empty()) {
      size_t slash = path.rfind('/');
      std::string_view segment = slash == std::string_view::npos ? path : path.substr(slash + 1);
      if (auto id = IdInSegment(segment)) return std::string(*id);
      if (slash == std::string_view::npos) break;
      path = path.substr(0, slash);
    }
  }
  return std::nullopt;
}

std::optional<std::string> ContainerIdFromMountinfo(std::string_view mountinfo_file) {
  constexpr std::string_view kMarker = "containers/";
  size_t pos = 0;
  while ((pos = mountinfo_file.find(kMarker, pos)) != std::string_view::npos) {
    size_t start = pos + kMarker.size();
    pos = start;
    // "/containers/" (Docker) or "/overlay-containers/" (Podman), not e.g. "mycontainers/".
    if (start < kMarker.size() + 1) continue;
    char before = mountinfo_file[start - kMarker.size() - 1];
    if (before != '/' && before != '-') continue;
    if (mountinfo_file.size() < start + 64) break;
    std::string_view id = mountinfo_file.substr(start, 64);
    if (!IsLowerHex(id)) continue;
    if (mountinfo_file.size() > start + 64) {
      char after = mountinfo_file[start + 64];
      if (after != '/' && after != ' ' && after != '\n') continue;
    }
    return std::string(id);
  }
  return std::nullopt;
}

namespace internal {

std::optional<std::string> ReadContainerId(const Context& ctx) {
  if (auto cgroup = ctx.ReadFile("/proc/self/cgroup")) {
    if (auto id = ContainerIdFromCgroup(*cgroup)) return id;
  }
  if (auto mountinfo = ctx.ReadFile("/proc/self/mountinfo", 4 << 20)) {
    if (auto id = ContainerIdFromMountinfo(*mountinfo)) return id;
  }
  return std::nullopt;
}

Resource DetectContainer(const Context& ctx) {
  OwnedAttributes attributes;
  if (auto id = ReadContainerId(ctx)) attributes.push_back({"container.id", *id});
  return Resource(std::move(attributes));
}

}  // namespace internal
}  // namespace adot::sdk::resource
