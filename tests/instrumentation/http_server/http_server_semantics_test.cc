// The pure helpers of the HTTP server instrumentation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adot/instrumentation/http_server.h"

namespace adot::instrumentation::http_server::internal {
namespace {

TEST(NormalizeMethodTest, KnownMethodsAreKeptExactly) {
  const std::vector<std::string> defaults;
  for (const char* m : {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT",
                        "TRACE"})
    EXPECT_EQ(NormalizeMethod(m, defaults), m);
}

TEST(NormalizeMethodTest, OthersAreOther) {
  const std::vector<std::string> defaults;
  EXPECT_EQ(NormalizeMethod("get", defaults), "_OTHER");  // case-sensitive
  EXPECT_EQ(NormalizeMethod("PROPFIND", defaults), "_OTHER");
  EXPECT_EQ(NormalizeMethod("", defaults), "_OTHER");
  EXPECT_EQ(NormalizeMethod(std::string_view("GET\0", 4), defaults), "_OTHER");
}

TEST(NormalizeMethodTest, ConfiguredListReplacesTheDefault) {
  const std::vector<std::string> known = {"GET", "PROPFIND"};
  EXPECT_EQ(NormalizeMethod("PROPFIND", known), "PROPFIND");
  EXPECT_EQ(NormalizeMethod("GET", known), "GET");
  EXPECT_EQ(NormalizeMethod("POST", known), "_OTHER");
}

TEST(SpanNameTest, MethodAndRoute) {
  EXPECT_EQ(SpanName("GET", "/api/adoptionlist/"), "GET /api/adoptionlist/");
  EXPECT_EQ(SpanName("POST", ""), "POST");
  EXPECT_EQ(SpanName("_OTHER", "/x/:id"), "HTTP /x/:id");
  EXPECT_EQ(SpanName("_OTHER", ""), "HTTP");
}

TEST(SplitTargetTest, OriginForm) {
  TargetParts p = SplitTarget("/a/b?x=1&y=2");
  EXPECT_EQ(p.path, "/a/b");
  EXPECT_TRUE(p.has_query);
  EXPECT_EQ(p.query, "x=1&y=2");
  EXPECT_TRUE(p.authority.empty());

  p = SplitTarget("/a/b");
  EXPECT_EQ(p.path, "/a/b");
  EXPECT_FALSE(p.has_query);

  p = SplitTarget("/a?");
  EXPECT_EQ(p.path, "/a");
  EXPECT_TRUE(p.has_query);
  EXPECT_EQ(p.query, "");

  p = SplitTarget("/a?q=1#frag");
  EXPECT_EQ(p.query, "q=1");
}

TEST(SplitTargetTest, AbsoluteAuthorityAndAsteriskForms) {
  TargetParts p = SplitTarget("http://example.com:8080/p/q?z=1");
  EXPECT_EQ(p.scheme, "http");
  EXPECT_EQ(p.authority, "example.com:8080");
  EXPECT_EQ(p.path, "/p/q");
  EXPECT_EQ(p.query, "z=1");

  p = SplitTarget("https://example.com");
  EXPECT_EQ(p.authority, "example.com");
  EXPECT_EQ(p.path, "");

  p = SplitTarget("example.com:443");  // CONNECT
  EXPECT_EQ(p.authority, "example.com:443");
  EXPECT_EQ(p.path, "");

  p = SplitTarget("*");
  EXPECT_EQ(p.path, "*");

  p = SplitTarget("");
  EXPECT_EQ(p.path, "");
  EXPECT_FALSE(p.has_query);
}

TEST(ParseHostPortTest, Forms) {
  std::string_view host;
  int port = 0;
  ASSERT_TRUE(ParseHostPort("example.com", host, port));
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, -1);
  ASSERT_TRUE(ParseHostPort("example.com:8080", host, port));
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(ParseHostPort("[::1]:9000", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9000);
  ASSERT_TRUE(ParseHostPort("[2001:db8::1]", host, port));
  EXPECT_EQ(host, "2001:db8::1");
  EXPECT_EQ(port, -1);
  ASSERT_TRUE(ParseHostPort("2001:db8::7", host, port));  // bare IPv6: no port
  EXPECT_EQ(host, "2001:db8::7");
  EXPECT_EQ(port, -1);
  ASSERT_TRUE(ParseHostPort(" 10.0.0.1:80 ", host, port));
  EXPECT_EQ(host, "10.0.0.1");
  EXPECT_EQ(port, 80);
}

TEST(ParseHostPortTest, RejectsMalformedValues) {
  std::string_view host;
  int port = 0;
  for (const char* bad : {"", "  ", ":80", "[", "[]", "[::1", "[::1]x", "host:99999", "host:8o",
                          "host:123456", "a b:1", "user@host", "h/ost", ":::", "::g:1"}) {
    EXPECT_FALSE(ParseHostPort(bad, host, port)) << bad;
  }
}

TEST(ForwardedTest, FirstForwardedFor) {
  EXPECT_EQ(FirstForwardedFor("203.0.113.7, 10.0.0.1, 10.0.0.2"), "203.0.113.7");
  EXPECT_EQ(FirstForwardedFor(" 203.0.113.7 "), "203.0.113.7");
  EXPECT_EQ(FirstForwardedFor(""), "");
  EXPECT_EQ(FirstForwardedFor(","), "");
}

TEST(ForwardedTest, ParametersOfTheFirstElement) {
  std::string_view v = R"(for="[2001:db8::1]:4711";Proto=https;host=shop.example, for=10.0.0.1)";
  EXPECT_EQ(ForwardedParameter(v, "for"), "[2001:db8::1]:4711");
  EXPECT_EQ(ForwardedParameter(v, "proto"), "https");
  EXPECT_EQ(ForwardedParameter(v, "host"), "shop.example");
  EXPECT_EQ(ForwardedParameter(v, "by"), "");
  // Only the first element counts.
  EXPECT_EQ(ForwardedParameter("proto=http, for=1.2.3.4", "for"), "");
  EXPECT_EQ(ForwardedParameter("for=192.0.2.60; proto=http", "proto"), "http");
}

TEST(ForwardedTest, MalformedValuesGiveNothing) {
  for (const char* bad : {"", "for", "for=\"unterminated", ";;;", "=x", "for=\"a\\", ",,,"}) {
    EXPECT_EQ(ForwardedParameter(bad, "proto"), "") << bad;
    (void)ForwardedParameter(bad, "for");  // must not crash
  }
}

TEST(RedactQueryTest, SecretsAreRedactedKeysKept) {
  std::string storage;
  EXPECT_EQ(RedactQuery("q=OpenTelemetry&sig=abc", storage), "q=OpenTelemetry&sig=REDACTED");
  EXPECT_EQ(RedactQuery("X-Amz-Credential=AKID%2F2024&X-Amz-Signature=ff&a=1", storage),
            "X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&a=1");
  EXPECT_EQ(RedactQuery("AWSAccessKeyId=AKID&Signature=s&Expires=1", storage),
            "AWSAccessKeyId=REDACTED&Signature=REDACTED&Expires=1");
}

TEST(RedactQueryTest, QueriesWithoutSecretsAreReturnedAsIs) {
  std::string storage;
  std::string_view query = "a=1&b=2&signature=lowercase-is-not-listed";
  std::string_view out = RedactQuery(query, storage);
  EXPECT_EQ(out.data(), query.data());
  EXPECT_TRUE(storage.empty());
  EXPECT_EQ(RedactQuery("", storage), "");
  EXPECT_EQ(RedactQuery("sig=", storage), "sig=");  // nothing to redact
  EXPECT_EQ(RedactQuery("&&sig", storage), "&&sig");
}

}  // namespace
}  // namespace adot::instrumentation::http_server::internal
