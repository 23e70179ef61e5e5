#include "instrumentation/curl/curl_semantics.h"

#include <gtest/gtest.h>

namespace adot::instrumentation::curl::internal {
namespace {

TEST(CurlSemanticsTest, MethodsAreKnownOrOther) {
  EXPECT_EQ(NormalizeMethod("GET"), "GET");
  EXPECT_EQ(NormalizeMethod("PATCH"), "PATCH");
  EXPECT_EQ(NormalizeMethod("get"), "_OTHER");  // case-sensitive, as the conventions say
  EXPECT_EQ(NormalizeMethod("PURGE"), "_OTHER");
  EXPECT_EQ(NormalizeMethod(""), "_OTHER");
}

TEST(CurlSemanticsTest, ParsesUrls) {
  UrlParts p;
  ASSERT_TRUE(ParseUrl("http://user:pw@127.0.0.1:8080/a/b?x=1&y=2#frag", p));
  EXPECT_EQ(p.scheme, "http");
  EXPECT_EQ(p.host, "127.0.0.1");
  EXPECT_EQ(p.port, 8080);
  EXPECT_EQ(p.path, "/a/b");
  EXPECT_EQ(p.query, "x=1&y=2");

  ASSERT_TRUE(ParseUrl("https://example.com", p));
  EXPECT_EQ(p.host, "example.com");
  EXPECT_EQ(p.port, 443);
  EXPECT_EQ(p.path, "");

  ASSERT_TRUE(ParseUrl("http://[::1]:9000/x", p));
  EXPECT_EQ(p.host, "::1");
  EXPECT_EQ(p.port, 9000);

  ASSERT_TRUE(ParseUrl("HTTP://Example.com?q", p));
  EXPECT_EQ(p.port, 80);
  EXPECT_EQ(p.query, "q");

  ASSERT_TRUE(ParseUrl("ftp://host:99999/", p));  // an impossible port is ignored
  EXPECT_EQ(p.port, -1);

  EXPECT_FALSE(ParseUrl("127.0.0.1:80/x", p));
  EXPECT_FALSE(ParseUrl("", p));
  EXPECT_FALSE(ParseUrl("http://[::1/x", p));
}

TEST(CurlSemanticsTest, RedactsCredentialsAndSecretQueryValues) {
  EXPECT_EQ(RedactUrl("https://user:secret@www.example.com/p"),
            "https://REDACTED:REDACTED@www.example.com/p");
  EXPECT_EQ(RedactUrl("https://user@www.example.com/"), "https://REDACTED:REDACTED@www.example.com/");
  EXPECT_EQ(RedactUrl("https://www.example.com/path?color=blue&sig=abc"),
            "https://www.example.com/path?color=blue&sig=REDACTED");
  EXPECT_EQ(RedactUrl("https://b.s3.amazonaws.com/k?X-Amz-Credential=AKID%2F20240101%2Fus-east-1"
                      "%2Fs3%2Faws4_request&X-Amz-Signature=f00d&x-amz-security-token=t#top"),
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED"
            "&x-amz-security-token=REDACTED#top");
  EXPECT_EQ(RedactUrl("http://h/?AWSAccessKeyId=AKID&Signature=s&X-Goog-Signature=g&SIG=keep"),
            "http://h/?AWSAccessKeyId=REDACTED&Signature=REDACTED&X-Goog-Signature=REDACTED&SIG=keep");
  // '@' after the authority is not user information; a '?' in the fragment is not a query.
  EXPECT_EQ(RedactUrl("http://h/a@b#x?sig=1"), "http://h/a@b#x?sig=1");
  EXPECT_EQ(RedactUrl("http://h"), "http://h");
  EXPECT_EQ(RedactUrl("not a url"), "not a url");
}

TEST(CurlSemanticsTest, NamesCurlCodes) {
  EXPECT_EQ(CurlCodeName(CURLE_COULDNT_CONNECT), "CURLE_COULDNT_CONNECT");
  EXPECT_EQ(CurlCodeName(CURLE_OPERATION_TIMEDOUT), "CURLE_OPERATION_TIMEDOUT");
  EXPECT_EQ(CurlCodeName(static_cast<CURLcode>(9999)), "_OTHER");
  EXPECT_EQ(CurlMultiCodeName(CURLM_ADDED_ALREADY), "CURLM_ADDED_ALREADY");
  EXPECT_EQ(HttpVersionName(CURL_HTTP_VERSION_1_1), "1.1");
  EXPECT_EQ(HttpVersionName(CURL_HTTP_VERSION_2_0), "2");
  EXPECT_EQ(HttpVersionName(0), "");
}

TEST(CurlSemanticsTest, FindsParameters) {
  EXPECT_EQ(FindParameter("Action=SendMessage&Version=2012-11-05", "Action"), "SendMessage");
  EXPECT_EQ(FindParameter("Version=1&Action=GetCallerIdentity", "Action"), "GetCallerIdentity");
  EXPECT_EQ(FindParameter("XAction=No&Actions=No", "Action"), "");
  EXPECT_EQ(FindParameter("", "Action"), "");
}

TEST(CurlSemanticsTest, ParsesCredentialScopes) {
  std::string region, service;
  ASSERT_TRUE(ParseCredentialScope("AKID/20240101/us-west-2/dynamodb/aws4_request", region, service));
  EXPECT_EQ(region, "us-west-2");
  EXPECT_EQ(service, "dynamodb");
  region.clear();
  ASSERT_TRUE(ParseCredentialScope("AKID/20240101/s3/aws4_request", region, service));  // SigV4a
  EXPECT_EQ(region, "");
  EXPECT_EQ(service, "s3");
  EXPECT_FALSE(ParseCredentialScope("AKID/20240101/us-west-2/dynamodb", region, service));
  EXPECT_FALSE(ParseCredentialScope("", region, service));
  EXPECT_FALSE(ParseCredentialScope("a/b/c/d/e/f/aws4_request", region, service));
}

AwsHints Headers(std::initializer_list<std::string_view> lines) {
  AwsHints hints;
  for (std::string_view line : lines) hints.AddHeaderLine(line);
  return hints;
}

TEST(CurlSemanticsTest, RecognisesJsonProtocolCalls) {
  AwsHints hints = Headers({
      "Content-Type: application/x-amz-json-1.0",
      "X-Amz-Target: DynamoDB_20120810.GetItem",
      "authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-west-2/dynamodb/"
      "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0123abcd",
      "amz-sdk-request: attempt=3; max=3",
  });
  EXPECT_TRUE(hints.sigv4);
  EXPECT_EQ(hints.attempt, 3);
  AwsCall call = RecognizeAws(hints, "http://127.0.0.1:8000/");
  EXPECT_TRUE(call.is_aws);
  EXPECT_EQ(call.service, "DynamoDB");
  EXPECT_EQ(call.method, "GetItem");
  EXPECT_EQ(call.region, "us-west-2");
}

TEST(CurlSemanticsTest, RecognisesQueryProtocolCalls) {
  AwsHints hints = Headers({"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/"
                            "aws4_request, SignedHeaders=host, Signature=00"});
  hints.AddBody("Action=SendMessage&Version=2012-11-05&MessageBody=hi");
  AwsCall call = RecognizeAws(hints, "https://sqs.us-east-1.amazonaws.com/");
  EXPECT_EQ(call.service, "SQS");
  EXPECT_EQ(call.method, "SendMessage");
  EXPECT_EQ(call.region, "us-east-1");

  // Action in the URL of a GET, region and service from the host alone.
  call = RecognizeAws(AwsHints(), "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15");
  EXPECT_TRUE(call.is_aws);
  EXPECT_EQ(call.service, "STS");
  EXPECT_EQ(call.method, "GetCallerIdentity");
  EXPECT_EQ(call.region, "eu-west-1");
}

TEST(CurlSemanticsTest, RecognisesHostsPresignedUrlsAndRpcV2Paths) {
  AwsCall call = RecognizeAws(AwsHints(), "https://my-bucket.s3.us-west-2.amazonaws.com/key.txt");
  EXPECT_TRUE(call.is_aws);
  EXPECT_EQ(call.service, "S3");
  EXPECT_EQ(call.method, "");
  EXPECT_EQ(call.region, "us-west-2");

  call = RecognizeAws(AwsHints(),
                      "https://example.test/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
                      "AKID%2F20240101%2Fap-south-1%2Fs3%2Faws4_request&X-Amz-Signature=ff");
  EXPECT_TRUE(call.is_aws);
  EXPECT_EQ(call.service, "S3");
  EXPECT_EQ(call.region, "ap-south-1");

  // The endpoint tells Bedrock Runtime from Bedrock (both sign as "bedrock").
  AwsHints bedrock = Headers({"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/"
                              "bedrock/aws4_request, SignedHeaders=host, Signature=00"});
  call = RecognizeAws(bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse");
  EXPECT_EQ(call.service, "Bedrock Runtime");

  AwsHints cbor = Headers({"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/"
                           "monitoring/aws4_request, SignedHeaders=host, Signature=00"});
  call = RecognizeAws(cbor, "https://monitoring.us-east-1.amazonaws.com/service/GraniteServiceVersion20100801/operation/PutMetricData");
  EXPECT_EQ(call.service, "CloudWatch");
  EXPECT_EQ(call.method, "PutMetricData");

  // An unknown signing name still names the service; X-Amz-Target's prefix when nothing else.
  call = RecognizeAws(Headers({"X-Amz-Target: AmazonSQS.ReceiveMessage"}), "http://localhost:4566/");
  EXPECT_EQ(call.service, "SQS");
  EXPECT_EQ(call.method, "ReceiveMessage");
  EXPECT_EQ(call.region, "");
}

TEST(CurlSemanticsTest, OrdinaryRequestsAreNotAws) {
  AwsHints hints = Headers({"Authorization: Bearer abc", "Accept: */*", "X-Amz-Target"});
  EXPECT_FALSE(hints.sigv4);
  EXPECT_FALSE(RecognizeAws(hints, "https://api.example.com/v1/items").is_aws);
  EXPECT_FALSE(RecognizeAws(AwsHints(), "").is_aws);
  // Malformed SigV4 is not trusted.
  hints = Headers({"Authorization: AWS4-HMAC-SHA256 Credential=garbage"});
  EXPECT_FALSE(hints.sigv4);
}

}  // namespace
}  // namespace adot::instrumentation::curl::internal
