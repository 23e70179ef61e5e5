// The AWS SigV4 test suite (testdata/sigv4/v4, see its README.md): every case, in the header and
// the query form, must give the expected canonical request, string to sign and signature.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "adot/aws/sigv4.h"
#include "aws/crypto.h"
#include "common/json_reader.h"

namespace adot::aws {
namespace {

namespace fs = std::filesystem;

fs::path SuiteDir() { return fs::path(ADOT_AWS_TESTDATA_DIR) / "sigv4" / "v4"; }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// request.txt: request line, "Name:value" headers (a line starting with whitespace continues the
// previous value), blank line, body.
SigningRequest ParseRequestFile(const std::string& text) {
  SigningRequest request;
  size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos > text.size()) return false;
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    line = text.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string line;
  next_line(line);
  size_t first_space = line.find(' ');
  size_t last_space = line.rfind(' ');
  request.method = line.substr(0, first_space);
  std::string target = line.substr(first_space + 1, last_space - first_space - 1);
  size_t q = target.find('?');
  request.path = target.substr(0, q);
  if (q != std::string::npos) request.query = ParseQuery(target.substr(q + 1));
  while (next_line(line) && !line.empty()) {
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      request.headers.back().second += " " + line;
      continue;
    }
    size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return request;
}

struct Case {
  std::string name;
  SigningRequest request;
  std::string body;
  Credentials credentials;
  SigningOptions options;
};

Case LoadCase(const std::string& name) {
  Case c;
  c.name = name;
  fs::path dir = SuiteDir() / name;
  std::string request_text = ReadAll(dir / "request.txt");
  c.request = ParseRequestFile(request_text);
  size_t body_start = request_text.find("\n\n");
  c.body = body_start == std::string::npos ? "" : request_text.substr(body_start + 2);

  common::JsonValue context;
  std::string error;
  EXPECT_TRUE(common::ParseJson(ReadAll(dir / "context.json"), context, &error)) << error;
  auto str = [](const common::JsonValue* v) { return v != nullptr && v->is_string() ? v->text() : ""; };
  auto flag = [](const common::JsonValue* v) { return v != nullptr && v->is_bool() && v->bool_value(); };
  const common::JsonValue* creds = context.Find("credentials");
  if (creds != nullptr) {
    c.credentials.access_key_id = str(creds->Find("access_key_id"));
    c.credentials.secret_access_key = str(creds->Find("secret_access_key"));
    c.credentials.session_token = str(creds->Find("token"));
  }
  c.options.region = str(context.Find("region"));
  c.options.service = str(context.Find("service"));
  auto time = ParseIso8601(str(context.Find("timestamp")));
  EXPECT_TRUE(time.has_value());
  if (time) c.options.time = *time;
  c.options.normalize_path = flag(context.Find("normalize"));
  c.options.sign_body = flag(context.Find("sign_body"));
  c.options.omit_session_token = flag(context.Find("omit_session_token"));
  int64_t expiration = 0;
  if (const auto* e = context.Find("expiration_in_seconds"); e != nullptr && e->GetInt64(expiration)) {
    c.options.expiration = std::chrono::seconds(expiration);
  }
  return c;
}

std::string TrimEnd(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(SuiteDir())) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4SuiteTest, HeaderForm) {
  Case c = LoadCase(GetParam());
  c.request.body = c.body;
  c.options.location = SignatureLocation::kHeaders;
  SignedRequest signed_request;
  std::string error;
  ASSERT_TRUE(SignRequest(c.request, c.credentials, c.options, signed_request, &error)) << error;
  fs::path dir = SuiteDir() / c.name;
  EXPECT_EQ(signed_request.canonical_request, ReadAll(dir / "header-canonical-request.txt"));
  EXPECT_EQ(signed_request.string_to_sign, ReadAll(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(signed_request.signature, TrimEnd(ReadAll(dir / "header-signature.txt")));

  // Every header the signer adds appears, with the same value, in the expected signed request
  // (names compared case-insensitively).
  SigningRequest expected_signed = ParseRequestFile(ReadAll(dir / "header-signed-request.txt"));
  auto lower = [](std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  std::set<std::pair<std::string, std::string>> expected_headers;
  for (const auto& [name, value] : expected_signed.headers) expected_headers.emplace(lower(name), value);
  bool has_authorization = false;
  for (const auto& [name, value] : signed_request.headers) {
    EXPECT_TRUE(expected_headers.count({lower(name), value})) << name << ": " << value;
    has_authorization |= name == "Authorization";
  }
  EXPECT_TRUE(has_authorization);
}

TEST_P(SigV4SuiteTest, QueryForm) {
  Case c = LoadCase(GetParam());
  c.request.body = c.body;
  c.options.location = SignatureLocation::kQuery;
  SignedRequest signed_request;
  std::string error;
  ASSERT_TRUE(SignRequest(c.request, c.credentials, c.options, signed_request, &error)) << error;
  fs::path dir = SuiteDir() / c.name;
  EXPECT_EQ(signed_request.canonical_request, ReadAll(dir / "query-canonical-request.txt"));
  EXPECT_EQ(signed_request.string_to_sign, ReadAll(dir / "query-string-to-sign.txt"));
  EXPECT_EQ(signed_request.signature, TrimEnd(ReadAll(dir / "query-signature.txt")));

  // The target carries the same parameters as the expected signed request (in any order).
  std::string expected_line = ReadAll(dir / "query-signed-request.txt");
  expected_line = expected_line.substr(0, expected_line.find('\n'));
  std::string expected_target =
      expected_line.substr(expected_line.find(' ') + 1, expected_line.rfind(' ') - expected_line.find(' ') - 1);
  auto params = [](const std::string& target) {
    size_t q = target.find('?');
    QueryList list = q == std::string::npos ? QueryList{} : ParseQuery(target.substr(q + 1));
    std::sort(list.begin(), list.end());
    return list;
  };
  EXPECT_EQ(params(signed_request.target), params(expected_target));
  EXPECT_TRUE(signed_request.headers.empty());
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4SuiteTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (std::isalnum(static_cast<unsigned char>(ch)) == 0) ch = '_';
                           }
                           return name;
                         });

TEST(SigV4SuiteFilesTest, EveryCaseIsPresent) {
  // The suite as copied from aws-c-auth has 38 cases; a missing folder must not pass silently.
  EXPECT_EQ(CaseNames().size(), 38u);
  EXPECT_TRUE(fs::exists(SuiteDir().parent_path() / "LICENSE"));
  EXPECT_TRUE(fs::exists(SuiteDir().parent_path() / "NOTICE"));
}

TEST(SigV4Test, PrecomputedPayloadHashIsUsedAsIs) {
  SigningRequest request;
  request.method = "POST";
  request.path = "/v1/traces";
  request.headers = {{"Host", "xray.us-west-2.amazonaws.com"}};
  request.payload_hash = "UNSIGNED-PAYLOAD";
  SigningOptions options;
  options.region = "us-west-2";
  options.service = "xray";
  options.sign_body = true;
  Credentials credentials{"AKID", "SECRET", "", std::nullopt};
  SignedRequest out;
  ASSERT_TRUE(SignRequest(request, credentials, options, out));
  EXPECT_TRUE(out.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_EQ(out.target, "/v1/traces");
}

TEST(SigV4Test, ErrorsNameTheProblemWithoutSecrets) {
  SigningRequest request;
  SigningOptions options;
  options.region = "us-east-1";
  options.service = "xray";
  Credentials credentials{"AKID", "VERYSECRETKEY", "VERYSECRETTOKEN", std::nullopt};
  SignedRequest out;
  std::string error;
  EXPECT_FALSE(SignRequest(request, credentials, options, out, &error));
  EXPECT_NE(error.find("Host"), std::string::npos) << error;
  EXPECT_EQ(error.find("VERYSECRET"), std::string::npos) << error;

  request.headers = {{"Host", "example.com"}};
  options.location = SignatureLocation::kQuery;
  options.expiration = std::chrono::seconds(8 * 24 * 3600);
  EXPECT_FALSE(SignRequest(request, credentials, options, out, &error));
  EXPECT_NE(error.find("expiration"), std::string::npos) << error;

  credentials.secret_access_key.clear();
  EXPECT_FALSE(SignRequest(request, credentials, options, out, &error));
}

TEST(SigV4Test, UriEncodeAndQueryParsing) {
  EXPECT_EQ(UriEncode("a b/c~"), "a%20b%2Fc~");
  EXPECT_EQ(UriEncode("a b/c~", true), "a%20b/c~");
  EXPECT_EQ(UriDecode("%E1%88%B4%2x%"), "\xE1\x88\xB4%2x%");
  QueryList expected = {{"a", "1"}, {"b", ""}, {"c d", "="}};
  EXPECT_EQ(ParseQuery("a=1&b&&c%20d=%3D"), expected);
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4Test, HmacMatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(internal::Hex(internal::HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace adot::aws
