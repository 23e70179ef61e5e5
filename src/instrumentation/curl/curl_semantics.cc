#include "instrumentation/curl/curl_semantics.h"

#include <array>
#include <utility>

namespace adot::instrumentation::curl::internal {

namespace {

char Lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool EndsWith(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }
bool IsLowerAlpha(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool IsAlnum(char c) noexcept {
  return IsDigit(c) || IsLowerAlpha(c) || (c >= 'A' && c <= 'Z');
}

// Percent-decodes s (only %XX; '+' is kept: the values decoded here never contain spaces).
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = Lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(char(hi << 4 | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// An AWS region code: "us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1".
bool IsRegion(std::string_view s) noexcept {
  if (s.size() < 6 || !IsLowerAlpha(s[0]) || !IsLowerAlpha(s[1]) || s[2] != '-') return false;
  if (!IsDigit(s.back())) return false;
  size_t dash = s.rfind('-');
  if (dash == std::string_view::npos || dash <= 2) return false;
  for (size_t i = dash + 1; i < s.size(); ++i)
    if (!IsDigit(s[i])) return false;
  for (size_t i = 3; i < dash; ++i)
    if (!IsLowerAlpha(s[i]) && s[i] != '-') return false;
  return true;
}

// An operation or service name as the AWS APIs spell them: letters, digits, '_' and '-'.
bool IsToken(std::string_view s) noexcept {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!IsAlnum(c) && c != '_' && c != '-') return false;
  return true;
}

// Query parameters whose values are secrets (url.full semantic conventions, plus SigV4's).
constexpr std::array<std::string_view, 7> kSecretParameters = {
    "AWSAccessKeyId",  "Signature",        "sig",
    "X-Goog-Signature", "X-Amz-Signature", "X-Amz-Credential",
    "X-Amz-Security-Token"};

bool IsSecretParameter(std::string_view name) noexcept {
  for (std::string_view s : kSecretParameters) {
    // The semantic conventions' keys are case-sensitive; SigV4 parameter names are matched in
    // any case, as AWS itself accepts them.
    if (s.starts_with("X-Amz-") ? EqualsIgnoreCase(name, s) : name == s) return true;
  }
  return false;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

std::string_view NormalizeMethod(std::string_view method) noexcept {
  static constexpr std::array<std::string_view, 9> kKnown = {
      "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  for (std::string_view m : kKnown)
    if (m == method) return m;
  return "_OTHER";
}

bool ParseUrl(std::string_view url, UrlParts& parts) noexcept {
  parts = UrlParts();
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  parts.scheme = url.substr(0, sep);
  std::string_view rest = url.substr(sep + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    parts.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() == ':') port_text = after.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      parts.host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
    } else {
      parts.host = authority;
    }
  }
  if (!port_text.empty() && port_text.size() <= 5) {
    int port = 0;
    bool ok = true;
    for (char c : port_text) {
      if (!IsDigit(c)) {
        ok = false;
        break;
      }
      port = port * 10 + (c - '0');
    }
    if (ok && port <= 65535) parts.port = port;
  }
  if (parts.port < 0) {
    if (EqualsIgnoreCase(parts.scheme, "http")) parts.port = 80;
    if (EqualsIgnoreCase(parts.scheme, "https")) parts.port = 443;
  }

  size_t fragment = tail.find('#');
  if (fragment != std::string_view::npos) tail = tail.substr(0, fragment);
  size_t question = tail.find('?');
  parts.path = tail.substr(0, question);
  if (question != std::string_view::npos) parts.query = tail.substr(question + 1);
  return true;
}

std::string RedactUrl(std::string_view url) {
  std::string out;
  out.reserve(url.size() + 16);
  size_t sep = url.find("://");
  size_t pos = 0;
  if (sep != std::string_view::npos) {
    size_t authority_start = sep + 3;
    size_t authority_end = url.find_first_of("/?#", authority_start);
    if (authority_end == std::string_view::npos) authority_end = url.size();
    std::string_view authority = url.substr(authority_start, authority_end - authority_start);
    size_t at = authority.rfind('@');
    out.append(url.substr(0, authority_start));
    if (at != std::string_view::npos) {
      out.append("REDACTED:REDACTED@");
      out.append(authority.substr(at + 1));
    } else {
      out.append(authority);
    }
    pos = authority_end;
  }
  // Path, then the query with secret values replaced, then the fragment.
  size_t question = url.find('?', pos);
  size_t hash = url.find('#', pos);
  if (question == std::string_view::npos || (hash != std::string_view::npos && hash < question)) {
    out.append(url.substr(pos));
    return out;
  }
  out.append(url.substr(pos, question + 1 - pos));
  size_t query_end = hash == std::string_view::npos ? url.size() : hash;
  std::string_view query = url.substr(question + 1, query_end - question - 1);
  bool first = true;
  while (true) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && IsSecretParameter(item.substr(0, eq))) {
      out.append(item.substr(0, eq + 1));
      out.append("REDACTED");
    } else {
      out.append(item);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  out.append(url.substr(query_end));
  return out;
}

std::string_view HttpVersionName(long version) noexcept {
  switch (version) {
    case CURL_HTTP_VERSION_1_0:
      return "1.0";
    case CURL_HTTP_VERSION_1_1:
      return "1.1";
    case CURL_HTTP_VERSION_2_0:
      return "2";
    case CURL_HTTP_VERSION_3:
      return "3";
    default:
      return "";
  }
}

std::string_view CurlCodeName(CURLcode code) noexcept {
#define ADOT_CURL_CODE(name) \
  case name:                 \
    return #name;
  switch (code) {
    ADOT_CURL_CODE(CURLE_OK)
    ADOT_CURL_CODE(CURLE_UNSUPPORTED_PROTOCOL)
    ADOT_CURL_CODE(CURLE_FAILED_INIT)
    ADOT_CURL_CODE(CURLE_URL_MALFORMAT)
    ADOT_CURL_CODE(CURLE_NOT_BUILT_IN)
    ADOT_CURL_CODE(CURLE_COULDNT_RESOLVE_PROXY)
    ADOT_CURL_CODE(CURLE_COULDNT_RESOLVE_HOST)
    ADOT_CURL_CODE(CURLE_COULDNT_CONNECT)
    ADOT_CURL_CODE(CURLE_WEIRD_SERVER_REPLY)
    ADOT_CURL_CODE(CURLE_REMOTE_ACCESS_DENIED)
    ADOT_CURL_CODE(CURLE_FTP_ACCEPT_FAILED)
    ADOT_CURL_CODE(CURLE_FTP_WEIRD_PASS_REPLY)
    ADOT_CURL_CODE(CURLE_FTP_ACCEPT_TIMEOUT)
    ADOT_CURL_CODE(CURLE_FTP_WEIRD_PASV_REPLY)
    ADOT_CURL_CODE(CURLE_FTP_WEIRD_227_FORMAT)
    ADOT_CURL_CODE(CURLE_FTP_CANT_GET_HOST)
    ADOT_CURL_CODE(CURLE_HTTP2)
    ADOT_CURL_CODE(CURLE_FTP_COULDNT_SET_TYPE)
    ADOT_CURL_CODE(CURLE_PARTIAL_FILE)
    ADOT_CURL_CODE(CURLE_FTP_COULDNT_RETR_FILE)
    ADOT_CURL_CODE(CURLE_QUOTE_ERROR)
    ADOT_CURL_CODE(CURLE_HTTP_RETURNED_ERROR)
    ADOT_CURL_CODE(CURLE_WRITE_ERROR)
    ADOT_CURL_CODE(CURLE_UPLOAD_FAILED)
    ADOT_CURL_CODE(CURLE_READ_ERROR)
    ADOT_CURL_CODE(CURLE_OUT_OF_MEMORY)
    ADOT_CURL_CODE(CURLE_OPERATION_TIMEDOUT)
    ADOT_CURL_CODE(CURLE_FTP_PORT_FAILED)
    ADOT_CURL_CODE(CURLE_FTP_COULDNT_USE_REST)
    ADOT_CURL_CODE(CURLE_RANGE_ERROR)
    ADOT_CURL_CODE(CURLE_HTTP_POST_ERROR)
    ADOT_CURL_CODE(CURLE_SSL_CONNECT_ERROR)
    ADOT_CURL_CODE(CURLE_BAD_DOWNLOAD_RESUME)
    ADOT_CURL_CODE(CURLE_FILE_COULDNT_READ_FILE)
    ADOT_CURL_CODE(CURLE_LDAP_CANNOT_BIND)
    ADOT_CURL_CODE(CURLE_LDAP_SEARCH_FAILED)
    ADOT_CURL_CODE(CURLE_FUNCTION_NOT_FOUND)
    ADOT_CURL_CODE(CURLE_ABORTED_BY_CALLBACK)
    ADOT_CURL_CODE(CURLE_BAD_FUNCTION_ARGUMENT)
    ADOT_CURL_CODE(CURLE_INTERFACE_FAILED)
    ADOT_CURL_CODE(CURLE_TOO_MANY_REDIRECTS)
    ADOT_CURL_CODE(CURLE_UNKNOWN_OPTION)
    ADOT_CURL_CODE(CURLE_SETOPT_OPTION_SYNTAX)
    ADOT_CURL_CODE(CURLE_GOT_NOTHING)
    ADOT_CURL_CODE(CURLE_SSL_ENGINE_NOTFOUND)
    ADOT_CURL_CODE(CURLE_SSL_ENGINE_SETFAILED)
    ADOT_CURL_CODE(CURLE_SEND_ERROR)
    ADOT_CURL_CODE(CURLE_RECV_ERROR)
    ADOT_CURL_CODE(CURLE_SSL_CERTPROBLEM)
    ADOT_CURL_CODE(CURLE_SSL_CIPHER)
    ADOT_CURL_CODE(CURLE_PEER_FAILED_VERIFICATION)
    ADOT_CURL_CODE(CURLE_BAD_CONTENT_ENCODING)
    ADOT_CURL_CODE(CURLE_FILESIZE_EXCEEDED)
    ADOT_CURL_CODE(CURLE_USE_SSL_FAILED)
    ADOT_CURL_CODE(CURLE_SEND_FAIL_REWIND)
    ADOT_CURL_CODE(CURLE_SSL_ENGINE_INITFAILED)
    ADOT_CURL_CODE(CURLE_LOGIN_DENIED)
    ADOT_CURL_CODE(CURLE_TFTP_NOTFOUND)
    ADOT_CURL_CODE(CURLE_TFTP_PERM)
    ADOT_CURL_CODE(CURLE_REMOTE_DISK_FULL)
    ADOT_CURL_CODE(CURLE_TFTP_ILLEGAL)
    ADOT_CURL_CODE(CURLE_TFTP_UNKNOWNID)
    ADOT_CURL_CODE(CURLE_REMOTE_FILE_EXISTS)
    ADOT_CURL_CODE(CURLE_TFTP_NOSUCHUSER)
    ADOT_CURL_CODE(CURLE_SSL_CACERT_BADFILE)
    ADOT_CURL_CODE(CURLE_REMOTE_FILE_NOT_FOUND)
    ADOT_CURL_CODE(CURLE_SSH)
    ADOT_CURL_CODE(CURLE_SSL_SHUTDOWN_FAILED)
    ADOT_CURL_CODE(CURLE_AGAIN)
    ADOT_CURL_CODE(CURLE_SSL_CRL_BADFILE)
    ADOT_CURL_CODE(CURLE_SSL_ISSUER_ERROR)
    ADOT_CURL_CODE(CURLE_FTP_PRET_FAILED)
    ADOT_CURL_CODE(CURLE_RTSP_CSEQ_ERROR)
    ADOT_CURL_CODE(CURLE_RTSP_SESSION_ERROR)
    ADOT_CURL_CODE(CURLE_FTP_BAD_FILE_LIST)
    ADOT_CURL_CODE(CURLE_CHUNK_FAILED)
    ADOT_CURL_CODE(CURLE_NO_CONNECTION_AVAILABLE)
    ADOT_CURL_CODE(CURLE_SSL_PINNEDPUBKEYNOTMATCH)
    ADOT_CURL_CODE(CURLE_SSL_INVALIDCERTSTATUS)
    ADOT_CURL_CODE(CURLE_HTTP2_STREAM)
    ADOT_CURL_CODE(CURLE_RECURSIVE_API_CALL)
    ADOT_CURL_CODE(CURLE_AUTH_ERROR)
    ADOT_CURL_CODE(CURLE_HTTP3)
    ADOT_CURL_CODE(CURLE_QUIC_CONNECT_ERROR)
#if LIBCURL_VERSION_NUM >= 0x074900
    ADOT_CURL_CODE(CURLE_PROXY)
#endif
#if LIBCURL_VERSION_NUM >= 0x074d00
    ADOT_CURL_CODE(CURLE_SSL_CLIENTCERT)
#endif
#if LIBCURL_VERSION_NUM >= 0x075400
    ADOT_CURL_CODE(CURLE_UNRECOVERABLE_POLL)
#endif
    default:
      return "_OTHER";
  }
#undef ADOT_CURL_CODE
}

std::string_view CurlMultiCodeName(CURLMcode code) noexcept {
  switch (code) {
    case CURLM_CALL_MULTI_PERFORM:
      return "CURLM_CALL_MULTI_PERFORM";
    case CURLM_OK:
      return "CURLM_OK";
    case CURLM_BAD_HANDLE:
      return "CURLM_BAD_HANDLE";
    case CURLM_BAD_EASY_HANDLE:
      return "CURLM_BAD_EASY_HANDLE";
    case CURLM_OUT_OF_MEMORY:
      return "CURLM_OUT_OF_MEMORY";
    case CURLM_INTERNAL_ERROR:
      return "CURLM_INTERNAL_ERROR";
    case CURLM_BAD_SOCKET:
      return "CURLM_BAD_SOCKET";
    case CURLM_UNKNOWN_OPTION:
      return "CURLM_UNKNOWN_OPTION";
    case CURLM_ADDED_ALREADY:
      return "CURLM_ADDED_ALREADY";
    case CURLM_RECURSIVE_API_CALL:
      return "CURLM_RECURSIVE_API_CALL";
    case CURLM_WAKEUP_FAILURE:
      return "CURLM_WAKEUP_FAILURE";
    case CURLM_BAD_FUNCTION_ARGUMENT:
      return "CURLM_BAD_FUNCTION_ARGUMENT";
    default:
      return "_OTHER";
  }
}

std::string_view FindParameter(std::string_view query, std::string_view name) noexcept {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    if (item.size() > name.size() && item[name.size()] == '=' &&
        item.substr(0, name.size()) == name)
      return item.substr(name.size() + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// ---- AWS ----

bool ParseCredentialScope(std::string_view credential, std::string& region,
                          std::string& service) {
  // AKID/date/region/service/aws4_request (SigV4) or AKID/date/service/aws4_request (SigV4a).
  std::array<std::string_view, 6> part{};
  size_t count = 0;
  while (count < part.size()) {
    size_t slash = credential.find('/');
    part[count++] = credential.substr(0, slash);
    if (slash == std::string_view::npos) break;
    credential.remove_prefix(slash + 1);
  }
  if (count < 4 || count > 5 || part[count - 1] != "aws4_request") return false;
  std::string_view service_part = part[count - 2];
  if (!IsToken(service_part)) return false;
  service.assign(service_part);
  if (count == 5 && IsRegion(part[2])) region.assign(part[2]);
  return true;
}

void AwsHints::AddHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string_view name = Trim(line.substr(0, colon));
  std::string_view value = Trim(line.substr(colon + 1));
  if (value.empty()) return;
  if (EqualsIgnoreCase(name, "Authorization")) {
    // "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-west-2/dynamodb/aws4_request, ..."
    if (!StartsWithIgnoreCase(value, "AWS4-")) return;
    size_t at = value.find("Credential=");
    if (at == std::string_view::npos) return;
    std::string_view credential = value.substr(at + 11);
    credential = credential.substr(0, credential.find_first_of(", "));
    std::string region, service;
    if (ParseCredentialScope(credential, region, service)) {
      sigv4 = true;
      signing_region = std::move(region);
      signing_name = std::move(service);
    }
  } else if (EqualsIgnoreCase(name, "X-Amz-Target")) {
    target.assign(value);
  } else if (EqualsIgnoreCase(name, "amz-sdk-request")) {
    // "attempt=2; max=3"
    size_t at = value.find("attempt=");
    if (at == std::string_view::npos) return;
    int n = 0;
    for (size_t i = at + 8; i < value.size() && IsDigit(value[i]) && n < 1000; ++i)
      n = n * 10 + (value[i] - '0');
    attempt = n;
  }
}

void AwsHints::AddBody(std::string_view body) {
  std::string_view value = FindParameter(body.substr(0, 64 * 1024), "Action");
  if (IsToken(value)) action.assign(value);
}

std::string_view ServiceForSigningName(std::string_view name) noexcept {
  // Signing names (and endpoint prefixes) -> the service id the AWS SDKs report (botocore's
  // service_model.service_id), for the services most often called.
  static constexpr std::pair<std::string_view, std::string_view> kServices[] = {
      {"dynamodb", "DynamoDB"},
      {"sqs", "SQS"},
      {"sns", "SNS"},
      {"s3", "S3"},
      {"lambda", "Lambda"},
      {"sts", "STS"},
      {"kinesis", "Kinesis"},
      {"firehose", "Firehose"},
      {"monitoring", "CloudWatch"},
      {"logs", "CloudWatch Logs"},
      {"events", "EventBridge"},
      {"states", "SFN"},
      {"secretsmanager", "Secrets Manager"},
      {"ssm", "SSM"},
      {"kms", "KMS"},
      {"xray", "XRay"},
      {"ec2", "EC2"},
      {"iam", "IAM"},
      {"ecs", "ECS"},
      {"ecr", "ECR"},
      {"bedrock", "Bedrock"},
      {"bedrock-runtime", "Bedrock Runtime"},
      {"cognito-idp", "Cognito Identity Provider"},
      {"athena", "Athena"},
      {"glue", "Glue"},
      {"sagemaker", "SageMaker"},
      {"apigateway", "API Gateway"},
      {"cloudformation", "CloudFormation"},
      {"route53", "Route 53"},
      {"ses", "SES"},
      {"rds", "RDS"},
      {"elasticache", "ElastiCache"},
      {"appsync", "AppSync"},
      {"autoscaling", "Auto Scaling"},
      {"codebuild", "CodeBuild"},
  };
  for (const auto& [key, service] : kServices)
    if (EqualsIgnoreCase(key, name)) return service;
  return {};
}

namespace {

// "DynamoDB_20120810" -> "DynamoDB", "AmazonSQS" -> "SQS", "AWSEvents" -> "Events".
std::string ServiceFromTargetPrefix(std::string_view prefix) {
  size_t underscore = prefix.rfind('_');
  if (underscore != std::string_view::npos && underscore + 1 < prefix.size()) {
    bool digits = true;
    for (char c : prefix.substr(underscore + 1)) digits = digits && IsDigit(c);
    if (digits) prefix = prefix.substr(0, underscore);
  }
  if (prefix.size() > 6 && prefix.starts_with("Amazon")) prefix.remove_prefix(6);
  if (prefix.size() > 3 && prefix.starts_with("AWS")) prefix.remove_prefix(3);
  return IsToken(prefix) ? std::string(prefix) : std::string();
}

bool IsAwsHost(std::string_view host) noexcept {
  return EndsWith(host, ".amazonaws.com") || EndsWith(host, ".amazonaws.com.cn") ||
         EndsWith(host, ".api.aws") || host == "amazonaws.com";
}

}  // namespace

AwsCall RecognizeAws(const AwsHints& hints, std::string_view url) {
  AwsCall call;
  UrlParts parts;
  bool parsed = ParseUrl(url, parts);
  std::string host;
  for (char c : parts.host) host.push_back(Lower(c));

  std::string signing_region = hints.signing_region;
  std::string signing_name = hints.signing_name;
  bool sigv4 = hints.sigv4;
  std::string action = hints.action;
  if (parsed && !parts.query.empty()) {
    // Presigned URLs carry the credential scope in the query.
    std::string_view credential = FindParameter(parts.query, "X-Amz-Credential");
    if (!credential.empty() && !sigv4) {
      std::string region, service;
      if (ParseCredentialScope(PercentDecode(credential), region, service)) {
        sigv4 = true;
        signing_region = std::move(region);
        signing_name = std::move(service);
      }
    }
    if (action.empty()) {
      std::string_view value = FindParameter(parts.query, "Action");
      if (IsToken(value)) action.assign(value);
    }
  }

  bool aws_host = parsed && IsAwsHost(host);
  call.is_aws = sigv4 || aws_host || !hints.target.empty();
  if (!call.is_aws) return call;

  // Service: the endpoint's first label when it names a known service (it tells
  // "bedrock-runtime" from "bedrock"), else the signing name, else X-Amz-Target's prefix, else
  // whatever the request shows.
  std::string_view first_label;
  if (aws_host) first_label = std::string_view(host).substr(0, host.find('.'));
  std::string_view service = ServiceForSigningName(first_label);
  if (service.empty()) service = ServiceForSigningName(signing_name);
  if (service.empty() && aws_host) {
    // Virtual-hosted S3: "bucket.s3.us-west-2.amazonaws.com", "bucket.s3.amazonaws.com".
    if (host.find(".s3.") != std::string::npos || host.find(".s3-") != std::string::npos ||
        first_label.starts_with("s3-"))
      service = "S3";
  }
  std::string target_service;
  std::string_view target_method;
  if (!hints.target.empty()) {
    std::string_view target = hints.target;
    size_t dot = target.rfind('.');
    if (dot != std::string_view::npos) {
      target_service = ServiceFromTargetPrefix(target.substr(0, dot));
      target_method = target.substr(dot + 1);
    } else {
      target_method = target;
    }
    if (!IsToken(target_method)) target_method = {};
  }
  if (!service.empty()) {
    call.service.assign(service);
  } else if (!target_service.empty()) {
    call.service = std::move(target_service);
  } else if (!signing_name.empty()) {
    call.service = signing_name;
  } else if (!first_label.empty() && IsToken(first_label)) {
    call.service.assign(first_label);
  }

  // Operation: X-Amz-Target (JSON protocols), Action= (query protocols), or a Smithy RPC v2
  // path "/service/<Service>/operation/<Operation>".
  if (!target_method.empty()) {
    call.method.assign(target_method);
  } else if (!action.empty()) {
    call.method = std::move(action);
  } else if (parsed) {
    std::string_view path = parts.path;
    size_t op = path.find("/operation/");
    if (path.starts_with("/service/") && op != std::string_view::npos) {
      std::string_view name = path.substr(op + 11);
      if (IsToken(name)) call.method.assign(name);
    }
  }

  // Region: the credential scope, else a region label of the endpoint.
  if (!signing_region.empty()) {
    call.region = std::move(signing_region);
  } else if (aws_host) {
    std::string_view rest = host;
    while (!rest.empty()) {
      size_t dot = rest.find('.');
      std::string_view label = rest.substr(0, dot);
      if (IsRegion(label)) {
        call.region.assign(label);
        break;
      }
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
  }
  return call;
}

}  // namespace adot::instrumentation::curl::internal
