// The credential providers, the chain, the cache and region resolution: against real HTTP servers
// on 127.0.0.1 (fake IMDS, container-credentials and STS endpoints), files in a temporary HOME and
// an injected environment. No test reaches a non-loopback address: every endpoint is a loopback
// server and the transport refuses anything else.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "adot/aws/credentials.h"
#include "adot/aws/sigv4.h"
#include "aws/aws_support.h"
#include "common/http_client.h"
#include "sdk/resource/detectors/http_send_with.h"
#include "support/http_test_server.h"

namespace adot::aws {
namespace {

namespace fs = std::filesystem;
using adot::test::HttpTestServer;
using adot::test::RecordedRequest;
using adot::test::TestResponse;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
constexpr char kToken[] = "FwoGZXIvYXdzSESSIONTOKENSECRET";

bool IsLoopbackUrl(std::string_view url) {
  return url.rfind("http://127.0.0.1:", 0) == 0 || url.rfind("https://127.0.0.1:", 0) == 0;
}

// The real libcurl transport, refusing (and failing the test on) every non-loopback URL.
HttpSend LoopbackOnlyHttp() {
  HttpSend real = sdk::resource::internal::SendWith<common::HttpClient>;
  return [real](const HttpCall& call) {
    if (!IsLoopbackUrl(call.url)) {
      ADD_FAILURE() << "a provider tried to reach a non-loopback address: " << call.url;
      HttpResult refused;
      refused.error = "refused by the test guard";
      return refused;
    }
    return real(call);
  };
}

std::string CredentialsJson(const std::string& id, const std::string& expiration = "2099-01-01T00:00:00Z") {
  return R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":")" + id + R"(","SecretAccessKey":")" +
         kSecret + R"(","Token":")" + kToken + R"(","Expiration":")" + expiration + R"("})";
}

std::string StsXml(const std::string& action, const std::string& id) {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <" + action +
         "Result>\n    <Credentials>\n      <AccessKeyId>" + id + "</AccessKeyId>\n      <SecretAccessKey>" +
         kSecret + "</SecretAccessKey>\n      <SessionToken>" + kToken +
         "</SessionToken>\n      <Expiration>2099-01-01T00:00:00Z</Expiration>\n    </Credentials>\n"
         "    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>\n  </" +
         action + "Result>\n  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>\n</" + action +
         "Response>\n";
}

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsTest() {
    std::string tmpl = (fs::temp_directory_path() / "adot-aws-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    home_ = tmpl;
  }
  ~CredentialsTest() override {
    std::error_code ec;
    fs::remove_all(home_, ec);
  }

  // Writes home + relative path; returns the absolute path.
  std::string WriteFile(const std::string& relative, const std::string& content) {
    fs::path p = home_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  ProviderOptions Options() {
    ProviderOptions o;
    o.env = [this](const char* name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    o.http = LoopbackOnlyHttp();
    o.home = home_.string();
    o.imds_endpoint = imds_.Url("");
    o.container_endpoint = container_.Url("");
    o.sts_endpoint = sts_.Url("");
    o.metadata_timeout = std::chrono::milliseconds(2000);
    o.sts_timeout = std::chrono::milliseconds(2000);
    return o;
  }

  // A fake IMDS: token PUT, role list, role credentials, region.
  void ServeImds(const std::string& role = "my-role", const std::string& credentials = CredentialsJson("ASIAIMDS")) {
    imds_.SetHandler([role, credentials](const RecordedRequest& r) {
      if (r.method == "PUT" && r.target == "/latest/api/token") {
        if (r.Header("X-aws-ec2-metadata-token-ttl-seconds").empty()) return TestResponse::Status(400);
        return TestResponse::Status(200, "imds-session-token");
      }
      if (r.Header("X-aws-ec2-metadata-token") != "imds-session-token") return TestResponse::Status(401);
      if (r.target == "/latest/meta-data/iam/security-credentials/") return TestResponse::Status(200, role + "\n");
      if (r.target == "/latest/meta-data/iam/security-credentials/" + role) {
        return TestResponse::Status(200, credentials);
      }
      if (r.target == "/latest/meta-data/placement/region") return TestResponse::Status(200, "eu-west-3");
      return TestResponse::Status(404);
    });
  }

  static void ExpectNoSecret(const std::string& message) {
    EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
    EXPECT_EQ(message.find(kToken), std::string::npos) << message;
    for (const char* other : {"SECRETAUTHTOKEN", "SECRETWEBTOKEN"}) {
      EXPECT_EQ(message.find(other), std::string::npos) << message;
    }
  }

  fs::path home_;
  std::map<std::string, std::string> env_;
  HttpTestServer imds_;
  HttpTestServer container_;
  HttpTestServer sts_;
};

// ---- environment ------------------------------------------------------------------------------

TEST_F(CredentialsTest, EnvironmentVariables) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_["AWS_SECRET_ACCESS_KEY"] = kSecret;
  env_["AWS_SESSION_TOKEN"] = kToken;
  auto r = CreateEnvironmentCredentialsProvider(Options())->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(r.credentials.secret_access_key, kSecret);
  EXPECT_EQ(r.credentials.session_token, kToken);
  EXPECT_FALSE(r.credentials.expiration.has_value());
}

TEST_F(CredentialsTest, EnvironmentVariablesMissingOrHalfSet) {
  auto r = CreateEnvironmentCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("AWS_ACCESS_KEY_ID"), std::string::npos) << r.error;

  env_["AWS_SECRET_ACCESS_KEY"] = kSecret;
  r = CreateEnvironmentCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("not AWS_ACCESS_KEY_ID"), std::string::npos) << r.error;
  ExpectNoSecret(r.error);
}

// ---- shared files ---------------------------------------------------------------------------------

TEST_F(CredentialsTest, ProfileStaticKeysFromDefaultFiles) {
  WriteFile(".aws/credentials",
            "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = " + std::string(kSecret) +
                "\n\n[dev]\naws_access_key_id=AKIDDEV ; inline comment\naws_secret_access_key=" + kSecret +
                "\naws_session_token=" + kToken + "\n");
  auto r = CreateProfileCredentialsProvider(Options())->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(r.credentials.secret_access_key, kSecret);
  EXPECT_TRUE(r.credentials.session_token.empty());

  env_["AWS_PROFILE"] = "dev";
  r = CreateProfileCredentialsProvider(Options())->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "AKIDDEV");
  EXPECT_EQ(r.credentials.session_token, kToken);
}

TEST_F(CredentialsTest, ProfileFromConfigFileAndFileOverrides) {
  // [profile name] in the config file; the credentials file wins key by key.
  std::string config = WriteFile("elsewhere/config",
                                 "[profile ops]\nregion = us-west-2\ns3 =\n  max_concurrent_requests = 10\n"
                                 "aws_access_key_id = AKIDCONFIG\naws_secret_access_key = fromconfig\n"
                                 "[sso-session x]\naws_access_key_id = NOT_THIS\n");
  std::string credentials = WriteFile("elsewhere/creds", "[ops]\naws_secret_access_key = " + std::string(kSecret) + "\n");
  env_["AWS_CONFIG_FILE"] = config;
  env_["AWS_SHARED_CREDENTIALS_FILE"] = credentials;
  auto r = CreateProfileCredentialsProvider(Options(), "ops")->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "AKIDCONFIG");
  EXPECT_EQ(r.credentials.secret_access_key, kSecret);
}

TEST_F(CredentialsTest, MissingProfile) {
  WriteFile(".aws/credentials", "[default]\naws_access_key_id = A\naws_secret_access_key = " + std::string(kSecret) + "\n");
  env_["AWS_PROFILE"] = "nope";
  auto r = CreateProfileCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("profile nope"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("not found"), std::string::npos) << r.error;
}

TEST_F(CredentialsTest, ProfileWithoutCredentials) {
  WriteFile(".aws/config", "[default]\nregion = us-east-2\n");
  auto r = CreateProfileCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("has no credentials"), std::string::npos) << r.error;
}

TEST_F(CredentialsTest, ProfileFileParser) {
  auto sections = internal::ParseProfileFile(
      "[default]\nKey = v # c\n[profile a b]\nx=1\n[profile]\ny=2\n  [ profile c ]\nz = 3\n", true);
  ASSERT_EQ(sections.size(), 3u);
  EXPECT_EQ(sections["default"]["key"], "v");
  EXPECT_EQ(sections["a b"]["x"], "1");
  EXPECT_EQ(sections["c"]["z"], "3");
}

// ---- credential_process -------------------------------------------------------------------------

TEST_F(CredentialsTest, CredentialProcess) {
  std::string script = WriteFile("bin/creds.sh", "#!/bin/sh\ncat <<'EOF'\n{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
                                                 "\"SecretAccessKey\": \"" + std::string(kSecret) +
                                                     "\", \"SessionToken\": \"" + kToken +
                                                     "\", \"Expiration\": \"2099-01-01T00:00:00Z\"}\nEOF\n");
  WriteFile(".aws/config", "[profile proc]\ncredential_process = /bin/sh " + script + " --flag\n");
  auto r = CreateProfileCredentialsProvider(Options(), "proc")->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "AKIDPROC");
  EXPECT_EQ(r.credentials.secret_access_key, kSecret);
  EXPECT_EQ(r.credentials.session_token, kToken);
  ASSERT_TRUE(r.credentials.expiration.has_value());
  EXPECT_EQ(*r.credentials.expiration, *ParseIso8601("2099-01-01T00:00:00Z"));

  auto direct = CreateProcessCredentialsProvider("/bin/sh " + script)->GetCredentials();
  ASSERT_TRUE(direct.ok()) << direct.error;
  EXPECT_EQ(direct.credentials.access_key_id, "AKIDPROC");
}

TEST_F(CredentialsTest, CredentialProcessExitingNonZero) {
  // The output (with a secret in it) must not reach the error.
  auto r = CreateProcessCredentialsProvider("echo '" + std::string(kSecret) + "'; exit 3")->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("status 3"), std::string::npos) << r.error;
  ExpectNoSecret(r.error);
}

TEST_F(CredentialsTest, CredentialProcessMalformedOutput) {
  auto r = CreateProcessCredentialsProvider("echo '{\"Version\": 1, \"SecretAccessKey\": \"" +
                                                           std::string(kSecret) + "\"'")
               ->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("not a JSON object"), std::string::npos) << r.error;
  ExpectNoSecret(r.error);

  r = CreateProcessCredentialsProvider("echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" +
                                                      std::string(kSecret) + "\"}'")
          ->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("Version"), std::string::npos) << r.error;
  ExpectNoSecret(r.error);
}

TEST_F(CredentialsTest, CredentialProcessTimeoutAndMissingCommand) {
  auto start = std::chrono::steady_clock::now();
  auto r = CreateProcessCredentialsProvider("sleep 30; echo late", std::chrono::milliseconds(300))->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("did not finish within 300 ms"), std::string::npos) << r.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));

  r = CreateProcessCredentialsProvider("/nonexistent/adot-credential-helper")->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("status 127 (command not found)"), std::string::npos) << r.error;
}

// ---- STS AssumeRole ------------------------------------------------------------------------------

TEST_F(CredentialsTest, AssumeRoleWithSourceProfile) {
  sts_.SetDefaultResponse(TestResponse::Status(200, StsXml("AssumeRole", "ASIAROLE")));
  WriteFile(".aws/config",
            "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/Deploy\nsource_profile = base\n"
            "role_session_name = my-session\nregion = us-west-2\n");
  WriteFile(".aws/credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = " + std::string(kSecret) + "\n");
  auto r = CreateProfileCredentialsProvider(Options(), "role")->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIAROLE");
  EXPECT_EQ(r.credentials.secret_access_key, kSecret);
  EXPECT_EQ(r.credentials.session_token, kToken);
  ASSERT_TRUE(r.credentials.expiration.has_value());

  auto requests = sts_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/");
  EXPECT_NE(requests[0].body.find("Action=AssumeRole&"), std::string::npos) << requests[0].body;
  EXPECT_NE(requests[0].body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FDeploy"), std::string::npos)
      << requests[0].body;
  EXPECT_NE(requests[0].body.find("RoleSessionName=my-session"), std::string::npos) << requests[0].body;
  std::string authorization(requests[0].Header("Authorization"));
  EXPECT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDBASE/", 0), 0u) << authorization;
  EXPECT_NE(authorization.find("/us-west-2/sts/aws4_request"), std::string::npos) << authorization;
  EXPECT_FALSE(requests[0].Header("X-Amz-Date").empty());

  // The signature matches the request as it arrived (the signed headers as received, the body).
  std::string signed_list = authorization.substr(authorization.find("SignedHeaders=") + 14);
  signed_list = signed_list.substr(0, signed_list.find(','));
  SigningRequest resigned;
  resigned.method = requests[0].method;
  resigned.path = requests[0].target;
  resigned.body = requests[0].body;
  for (const auto& [name, value] : requests[0].headers) {
    std::string lower = internal::Lowercase(name);
    if (lower != "x-amz-date" && (";" + signed_list + ";").find(";" + lower + ";") != std::string::npos) {
      resigned.headers.emplace_back(name, value);
    }
  }
  SigningOptions options;
  options.region = "us-west-2";
  options.service = "sts";
  std::string amz_date(requests[0].Header("X-Amz-Date"));
  options.time = *ParseIso8601(amz_date.substr(0, 4) + "-" + amz_date.substr(4, 2) + "-" + amz_date.substr(6, 5) +
                               ":" + amz_date.substr(11, 2) + ":" + amz_date.substr(13));
  SignedRequest expected;
  ASSERT_TRUE(SignRequest(resigned, Credentials{"AKIDBASE", kSecret, "", std::nullopt}, options, expected));
  EXPECT_EQ(authorization.substr(authorization.find("Signature=") + 10), expected.signature);
}

TEST_F(CredentialsTest, AssumeRoleWithTheProfilesOwnKeys) {
  sts_.SetDefaultResponse(TestResponse::Status(200, StsXml("AssumeRole", "ASIASELF")));
  WriteFile(".aws/credentials", "[self]\nrole_arn = arn:aws:iam::1:role/S\nsource_profile = self\n"
                                "aws_access_key_id = AKIDSELF\naws_secret_access_key = s\n");
  auto r = CreateProfileCredentialsProvider(Options(), "self")->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIASELF");
  ASSERT_EQ(sts_.RequestCount(), 1u);
  EXPECT_NE(sts_.Requests()[0].Header("Authorization").find("Credential=AKIDSELF/"), std::string_view::npos);
}

TEST_F(CredentialsTest, AssumeRoleChainAndCycle) {
  sts_.SetHandler([](const RecordedRequest& r) {
    // The second hop must be signed with the first hop's credentials.
    bool second = r.body.find("role%2FSecond") != std::string::npos;
    if (second && r.Header("Authorization").find("Credential=ASIAFIRST/") == std::string_view::npos) {
      return TestResponse::Status(403, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>");
    }
    return TestResponse::Status(200, StsXml("AssumeRole", second ? "ASIASECOND" : "ASIAFIRST"));
  });
  WriteFile(".aws/config",
            "[profile second]\nrole_arn = arn:aws:iam::1:role/Second\nsource_profile = first\n"
            "[profile first]\nrole_arn = arn:aws:iam::1:role/First\nsource_profile = base\n"
            "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n"
            "[profile loop1]\nrole_arn = arn:aws:iam::1:role/L\nsource_profile = loop2\n"
            "[profile loop2]\nrole_arn = arn:aws:iam::1:role/L\nsource_profile = loop1\n");
  auto r = CreateProfileCredentialsProvider(Options(), "second")->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIASECOND");

  sts_.ClearRequests();
  r = CreateProfileCredentialsProvider(Options(), "loop1")->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("cycle"), std::string::npos) << r.error;
  EXPECT_EQ(sts_.RequestCount(), 0u);
}

TEST_F(CredentialsTest, AssumeRoleStsErrorResponse) {
  sts_.SetDefaultResponse(TestResponse::Status(
      403, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n"
           "    <Code>AccessDenied</Code>\n    <Message>User: arn:aws:iam::1:user/x is not authorized to perform: "
           "sts:AssumeRole &amp; more</Message>\n  </Error>\n  <RequestId>r</RequestId>\n</ErrorResponse>\n"));
  WriteFile(".aws/config", "[default]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n"
                           "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = " +
                               std::string(kSecret) + "\naws_session_token = " + kToken + "\n");
  auto r = CreateProfileCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("HTTP 403 AccessDenied: User: arn:aws:iam::1:user/x is not authorized to perform: "
                         "sts:AssumeRole & more"),
            std::string::npos)
      << r.error;
  ExpectNoSecret(r.error);
}

TEST_F(CredentialsTest, AssumeRoleMalformedXml) {
  sts_.SetDefaultResponse(TestResponse::Status(200, "<AssumeRoleResponse><AssumeRoleResult></AssumeRoleResponse>"));
  WriteFile(".aws/config", "[default]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n"
                           "[profile base]\naws_access_key_id = A\naws_secret_access_key = s\n");
  auto r = CreateProfileCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("invalid XML"), std::string::npos) << r.error;
}

TEST(XmlTest, LeavesEntitiesCdataAndErrors) {
  std::map<std::string, std::string> leaves;
  std::string error;
  ASSERT_TRUE(internal::ParseXmlLeaves(
      "<?xml version=\"1.0\"?><!-- c --><a:R xmlns:a=\"u\"><a:B x='>'>1 &lt;&#65;&#x42;&quot;</a:B>"
      "<C><![CDATA[<raw>&amp;]]></C><D/></a:R>",
      leaves, &error))
      << error;
  EXPECT_EQ(leaves["R/B"], "1 <AB\"");
  EXPECT_EQ(leaves["R/C"], "<raw>&amp;");
  EXPECT_EQ(leaves["R/D"], "");
  EXPECT_EQ(leaves.count("R"), 0u);

  for (const char* bad : {"<a><b></a></b>", "<a>", "<!DOCTYPE a><a/>", "<a>&bogus;</a>", "<a/><b/>", "text", "",
                          "<a>&#0;</a>", "<a x=\"1></a>"}) {
    leaves.clear();
    EXPECT_FALSE(internal::ParseXmlLeaves(bad, leaves, &error)) << bad;
  }
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<a>";
  EXPECT_FALSE(internal::ParseXmlLeaves(deep, leaves, &error));
  EXPECT_NE(error.find("deeper"), std::string::npos) << error;
}

TEST_F(CredentialsTest, ProfileRoleWithWebIdentityTokenFileOrCredentialSource) {
  sts_.SetHandler([](const RecordedRequest& r) {
    bool web = r.body.find("Action=AssumeRoleWithWebIdentity") != std::string::npos;
    return TestResponse::Status(200, web ? StsXml("AssumeRoleWithWebIdentity", "ASIAWEBPROFILE")
                                         : StsXml("AssumeRole", "ASIAFROMENV"));
  });
  WriteFile("tokens/web", "jwt-from-profile");
  WriteFile(".aws/config",
            "[profile web]\nrole_arn = arn:aws:iam::1:role/W\nweb_identity_token_file = ~/tokens/web\n"
            "[profile envsrc]\nrole_arn = arn:aws:iam::1:role/E\ncredential_source = Environment\n"
            "[profile badsrc]\nrole_arn = arn:aws:iam::1:role/E\ncredential_source = Somewhere\n");
  auto r = CreateProfileCredentialsProvider(Options(), "web")->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIAWEBPROFILE");
  ASSERT_EQ(sts_.RequestCount(), 1u);
  EXPECT_NE(sts_.Requests()[0].body.find("WebIdentityToken=jwt-from-profile"), std::string::npos);

  env_["AWS_ACCESS_KEY_ID"] = "AKIDENVSOURCE";
  env_["AWS_SECRET_ACCESS_KEY"] = kSecret;
  r = CreateProfileCredentialsProvider(Options(), "envsrc")->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIAFROMENV");
  EXPECT_NE(sts_.Requests()[1].Header("Authorization").find("Credential=AKIDENVSOURCE/"), std::string_view::npos);

  r = CreateProfileCredentialsProvider(Options(), "badsrc")->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("unknown credential_source"), std::string::npos) << r.error;
}

// ---- web identity ---------------------------------------------------------------------------------

TEST_F(CredentialsTest, WebIdentity) {
  sts_.SetDefaultResponse(TestResponse::Status(200, StsXml("AssumeRoleWithWebIdentity", "ASIAWEB")));
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = WriteFile("token", "eyJ.web.token\n");
  env_["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/Irsa";
  env_["AWS_ROLE_SESSION_NAME"] = "pod-1";
  auto r = CreateWebIdentityCredentialsProvider(Options())->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIAWEB");
  EXPECT_EQ(r.credentials.session_token, kToken);
  auto requests = sts_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].HasHeader("Authorization"));  // unsigned
  EXPECT_NE(requests[0].body.find("Action=AssumeRoleWithWebIdentity&"), std::string::npos);
  EXPECT_NE(requests[0].body.find("WebIdentityToken=eyJ.web.token"), std::string::npos) << requests[0].body;
  EXPECT_NE(requests[0].body.find("RoleSessionName=pod-1"), std::string::npos) << requests[0].body;
}

TEST_F(CredentialsTest, WebIdentityFailures) {
  env_["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/Irsa";
  auto r = CreateWebIdentityCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("AWS_WEB_IDENTITY_TOKEN_FILE"), std::string::npos) << r.error;

  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = (home_ / "missing").string();
  r = CreateWebIdentityCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("cannot read"), std::string::npos) << r.error;

  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = WriteFile("token", "SECRETWEBTOKEN");
  sts_.SetDefaultResponse(TestResponse::Status(
      400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>No OpenIDConnect provider found"
           "</Message></Error></ErrorResponse>"));
  r = CreateWebIdentityCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("InvalidIdentityToken: No OpenIDConnect provider found"), std::string::npos) << r.error;
  ExpectNoSecret(r.error);
}

// ---- container --------------------------------------------------------------------------------------

TEST_F(CredentialsTest, ContainerRelativeUri) {
  container_.SetDefaultResponse(TestResponse::Status(200, CredentialsJson("ASIAECS", "2099-01-01T00:00:00.000Z")));
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  auto r = CreateContainerCredentialsProvider(Options())->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIAECS");
  EXPECT_EQ(r.credentials.session_token, kToken);
  auto requests = container_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/v2/credentials/abc");
  EXPECT_FALSE(requests[0].HasHeader("Authorization"));
}

TEST_F(CredentialsTest, ContainerFullUriWithTokenAndTokenFile) {
  container_.SetDefaultResponse(TestResponse::Status(200, CredentialsJson("ASIAPOD")));
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container_.Url("/v1/credentials");
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "token-from-env";
  auto r = CreateContainerCredentialsProvider(Options())->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIAPOD");
  ASSERT_EQ(container_.RequestCount(), 1u);
  EXPECT_EQ(container_.Requests()[0].Header("Authorization"), "token-from-env");
  EXPECT_EQ(container_.Requests()[0].target, "/v1/credentials");

  // The token file wins and is read on every call (EKS Pod Identity rotates it).
  std::string file = WriteFile("eks-pod-identity-token", "token-from-file-1\n");
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = file;
  ASSERT_TRUE(CreateContainerCredentialsProvider(Options())->GetCredentials().ok());
  WriteFile("eks-pod-identity-token", "token-from-file-2");
  auto provider = CreateContainerCredentialsProvider(Options());
  ASSERT_TRUE(provider->GetCredentials().ok());
  auto requests = container_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].Header("Authorization"), "token-from-file-1");
  EXPECT_EQ(requests[2].Header("Authorization"), "token-from-file-2");
}

TEST_F(CredentialsTest, ContainerFullUriMustBeLocalOverHttp) {
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://example.com/creds";
  auto r = CreateContainerCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("loopback"), std::string::npos) << r.error;
  EXPECT_EQ(container_.RequestCount(), 0u);
}

TEST_F(CredentialsTest, ContainerErrorsAndMalformedJson) {
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "SECRETAUTHTOKEN";
  container_.Enqueue(TestResponse::Status(500, CredentialsJson("ASIAX")));
  auto r = CreateContainerCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("HTTP 500"), std::string::npos) << r.error;
  ExpectNoSecret(r.error);

  container_.Enqueue(TestResponse::Status(200, std::string("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"") + kSecret));
  r = CreateContainerCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("not a JSON object"), std::string::npos) << r.error;
  ExpectNoSecret(r.error);

  container_.Enqueue(TestResponse::Status(200, R"({"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"soon"})"));
  r = CreateContainerCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("Expiration"), std::string::npos) << r.error;
}

// ---- instance metadata ----------------------------------------------------------------------------

TEST_F(CredentialsTest, InstanceProfileOverImdsV2) {
  ServeImds();
  auto r = CreateInstanceProfileCredentialsProvider(Options())->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIAIMDS");
  EXPECT_EQ(r.credentials.secret_access_key, kSecret);
  EXPECT_EQ(r.credentials.session_token, kToken);
  auto requests = imds_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].Header("X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(requests[2].target, "/latest/meta-data/iam/security-credentials/my-role");
}

TEST_F(CredentialsTest, InstanceProfileTokenRefused) {
  imds_.SetDefaultResponse(TestResponse::Status(403));
  auto r = CreateInstanceProfileCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("IMDSv2 token request failed: HTTP 403"), std::string::npos) << r.error;
  EXPECT_EQ(imds_.RequestCount(), 1u);  // no IMDSv1 GET without a token

  adot::test::ClosedPort closed;
  ProviderOptions options = Options();
  options.imds_endpoint = closed.Url("");
  r = CreateInstanceProfileCredentialsProvider(options)->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("IMDSv2 token request failed"), std::string::npos) << r.error;
}

TEST_F(CredentialsTest, InstanceProfileNoRoleAndMalformedJson) {
  ServeImds("");
  auto r = CreateInstanceProfileCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("no instance profile role"), std::string::npos) << r.error;

  ServeImds("my-role", std::string("{\"Code\":\"Success\",\"SecretAccessKey\":\"") + kSecret + "\",");
  r = CreateInstanceProfileCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("not a JSON object"), std::string::npos) << r.error;
  ExpectNoSecret(r.error);

  env_["AWS_EC2_METADATA_DISABLED"] = "true";
  imds_.ClearRequests();
  r = CreateInstanceProfileCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(imds_.RequestCount(), 0u);
}

// ---- cache ------------------------------------------------------------------------------------------

class ScriptedProvider : public CredentialsProvider {
 public:
  CredentialsResult GetCredentials() override {
    ++calls;
    std::this_thread::sleep_for(delay);
    if (fail) return CredentialsResult::Error("scripted failure");
    CredentialsResult r;
    r.credentials = {"ASIA" + std::to_string(calls.load()), "s", "t", expiration};
    return r;
  }
  std::atomic<int> calls{0};
  bool fail = false;
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::chrono::milliseconds delay{0};
};

TEST(CachingProviderTest, RefreshesFiveMinutesBeforeExpiry) {
  using namespace std::chrono_literals;
  auto start = *ParseIso8601("2026-01-01T00:00:00Z");
  auto now = std::make_shared<std::chrono::system_clock::time_point>(start);
  auto inner = std::make_shared<ScriptedProvider>();
  inner->expiration = start + 1h;
  auto cache = CreateCachingCredentialsProvider(inner, [now] { return *now; });

  EXPECT_EQ(cache->GetCredentials().credentials.access_key_id, "ASIA1");
  *now = start + 54min;
  EXPECT_EQ(cache->GetCredentials().credentials.access_key_id, "ASIA1");
  EXPECT_EQ(inner->calls, 1);
  *now = start + 55min;  // inside the 5-minute window
  inner->expiration = start + 2h;
  EXPECT_EQ(cache->GetCredentials().credentials.access_key_id, "ASIA2");
  EXPECT_EQ(inner->calls, 2);

  // A failed refresh keeps credentials that have not expired yet...
  inner->fail = true;
  *now = start + 1h + 56min;
  auto r = cache->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIA2");
  // ... and reports the failure once they have.
  *now = start + 2h + 1s;
  r = cache->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error, "scripted failure");
  // Expired credentials are refreshed as soon as the source works again.
  inner->fail = false;
  inner->expiration = start + 3h;
  r = cache->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.expiration, start + 3h);
}

TEST(CachingProviderTest, StaticCredentialsAreKeptAndConcurrentCallersShareOneRefresh) {
  auto inner = std::make_shared<ScriptedProvider>();
  inner->delay = std::chrono::milliseconds(50);
  auto cache = CreateCachingCredentialsProvider(inner);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 100; ++j) ok += cache->GetCredentials().ok() ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 800);
  EXPECT_EQ(inner->calls, 1);
}

// ---- the default chain ------------------------------------------------------------------------------

TEST_F(CredentialsTest, DefaultChainOrder) {
  ServeImds();
  container_.SetDefaultResponse(TestResponse::Status(200, CredentialsJson("ASIAECS")));
  // Nothing but IMDS.
  auto r = CreateDefaultCredentialsProvider(Options())->GetCredentials();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials.access_key_id, "ASIAIMDS");
  // Container before IMDS.
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  r = CreateDefaultCredentialsProvider(Options())->GetCredentials();
  EXPECT_EQ(r.credentials.access_key_id, "ASIAECS");
  // The profile before the container.
  WriteFile(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
  r = CreateDefaultCredentialsProvider(Options())->GetCredentials();
  EXPECT_EQ(r.credentials.access_key_id, "AKIDFILE");
  // The environment first.
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "s";
  r = CreateDefaultCredentialsProvider(Options())->GetCredentials();
  EXPECT_EQ(r.credentials.access_key_id, "AKIDENV");
}

TEST_F(CredentialsTest, DefaultChainNothingFoundListsEveryReason) {
  imds_.SetDefaultResponse(TestResponse::Status(403));
  env_["AWS_SESSION_TOKEN"] = kToken;
  auto r = CreateDefaultCredentialsProvider(Options())->GetCredentials();
  EXPECT_FALSE(r.ok());
  for (const char* part : {"no AWS credentials found", "environment:", "profile default:", "web identity:",
                           "container credentials:", "instance metadata:"}) {
    EXPECT_NE(r.error.find(part), std::string::npos) << part << " in " << r.error;
  }
  ExpectNoSecret(r.error);
}

TEST_F(CredentialsTest, NoTransportConfigured) {
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  ProviderOptions options = Options();
  options.http = nullptr;
  auto r = CreateContainerCredentialsProvider(options)->GetCredentials();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("no HTTP transport configured"), std::string::npos) << r.error;
}

// ---- region -----------------------------------------------------------------------------------------

TEST_F(CredentialsTest, RegionResolutionOrder) {
  ServeImds();
  EXPECT_EQ(ResolveRegion(Options()).region, "eu-west-3");  // IMDS last
  WriteFile(".aws/config", "[default]\nregion = ap-south-1\n[profile other]\nregion = sa-east-1\n");
  EXPECT_EQ(ResolveRegion(Options()).region, "ap-south-1");
  env_["AWS_PROFILE"] = "other";
  EXPECT_EQ(ResolveRegion(Options()).region, "sa-east-1");
  env_["AWS_DEFAULT_REGION"] = "us-east-2";
  EXPECT_EQ(ResolveRegion(Options()).region, "us-east-2");
  env_["AWS_REGION"] = "eu-central-1";
  EXPECT_EQ(ResolveRegion(Options()).region, "eu-central-1");
}

TEST_F(CredentialsTest, RegionUnavailable) {
  imds_.SetDefaultResponse(TestResponse::Status(403));
  RegionResult r = ResolveRegion(Options());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("no AWS region"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("HTTP 403"), std::string::npos) << r.error;
}

TEST(Iso8601Test, Forms) {
  auto base = ParseIso8601("2015-08-30T12:36:00Z");
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*base), 1440938160);
  EXPECT_EQ(ParseIso8601("2015-08-30T14:36:00+02:00"), base);
  EXPECT_EQ(ParseIso8601("2015-08-30T12:36:00.500Z"), *base + std::chrono::milliseconds(500));
  for (const char* bad : {"", "2015-08-30", "2015-08-30T12:36:00", "2015-13-30T12:36:00Z", "2015-08-30T12:36:00Zjunk",
                          "2015-08-30T12:36:00.Z"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace adot::aws
