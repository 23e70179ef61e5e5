#include "adot/sdk/resource.h"

#include <gtest/gtest.h>

#include "sdk/test_util.h"

namespace adot::sdk {
namespace {

using adot::testing::ScopedEnv;

std::string Str(const Resource& r, const char* key) {
  auto* v = r.Find(key);
  return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : "<absent>";
}

TEST(ResourceTest, DefaultHasSdkAttributesAndFallbackServiceName) {
  ScopedEnv a("OTEL_SERVICE_NAME", std::nullopt);
  ScopedEnv b("OTEL_RESOURCE_ATTRIBUTES", std::nullopt);
  Resource r = Resource::Create();
  EXPECT_EQ(Str(r, "telemetry.sdk.language"), "cpp");
  EXPECT_EQ(Str(r, "telemetry.sdk.name"), "opentelemetry");
  EXPECT_NE(Str(r, "telemetry.sdk.version"), "<absent>");
  EXPECT_EQ(Str(r, "service.name").rfind("unknown_service:", 0), 0u);
  EXPECT_NE(r.Find("process.pid"), nullptr);
  EXPECT_NE(Str(r, "host.name"), "<absent>");
}

TEST(ResourceTest, EnvironmentIsDecodedAndServiceNameWins) {
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES",
              "service.name=from-attrs, deployment.environment = prod%20eu ,k%3D=v%2C1");
  ScopedEnv b("OTEL_SERVICE_NAME", "checkout");
  Resource r = Resource::Create({{"explicit", std::string("yes")}});
  EXPECT_EQ(Str(r, "service.name"), "checkout");
  EXPECT_EQ(Str(r, "deployment.environment"), "prod eu");
  EXPECT_EQ(Str(r, "k="), "v,1");
  EXPECT_EQ(Str(r, "explicit"), "yes");
}

TEST(ResourceTest, MalformedEnvironmentIsDiscardedWhole) {
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES", "good=1,bad=%zz");
  ScopedEnv b("OTEL_SERVICE_NAME", std::nullopt);
  ::testing::internal::CaptureStderr();
  Resource r = Resource::FromEnvironment();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.attributes().empty());
  EXPECT_NE(err.find("OTEL_RESOURCE_ATTRIBUTES"), std::string::npos);
}

TEST(ResourceTest, MergePrefersOtherAndResolvesSchemaUrls) {
  Resource a({{"k", std::string("a")}, {"only.a", int64_t{1}}}, "https://s/1");
  Resource b({{"k", std::string("b")}}, "");
  Resource merged = a.Merge(b);
  EXPECT_EQ(Str(merged, "k"), "b");
  EXPECT_NE(merged.Find("only.a"), nullptr);
  EXPECT_EQ(merged.schema_url(), "https://s/1");
  EXPECT_EQ(a.Merge(Resource({}, "https://s/2")).schema_url(), "");
  EXPECT_EQ(Resource().Merge(Resource({}, "https://s/2")).schema_url(), "https://s/2");
}

}  // namespace
}  // namespace adot::sdk
