#include "aws/aws_support.h"

#include <stdlib.h>
#include <time.h>

#include <cctype>
#include <fstream>

#include "adot/aws/sigv4.h"
#include "common/json_reader.h"

namespace adot::aws {

std::optional<std::chrono::system_clock::time_point> ParseIso8601(std::string_view text) {
  // YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)
  auto digits = [&](size_t pos, size_t count, int& value) {
    if (pos + count > text.size()) return false;
    value = 0;
    for (size_t i = pos; i < pos + count; ++i) {
      if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return false;
      value = value * 10 + (text[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!digits(0, 4, year) || text.size() < 20 || text[4] != '-' || !digits(5, 2, month) || text[7] != '-' ||
      !digits(8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(11, 2, hour) ||
      text[13] != ':' || !digits(14, 2, minute) || text[16] != ':' || !digits(17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000000;
    size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
      nanos += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' || !digits(pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  struct tm tm_utc {};
  tm_utc.tm_year = year - 1900;
  tm_utc.tm_mon = month - 1;
  tm_utc.tm_mday = day;
  tm_utc.tm_hour = hour;
  tm_utc.tm_min = minute;
  tm_utc.tm_sec = second;
  time_t t = timegm(&tm_utc);
  auto tp = std::chrono::system_clock::from_time_t(t) - std::chrono::seconds(offset_seconds);
  return tp + std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(nanos));
}

namespace internal {

namespace {

std::string StripTrailingSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

Context Context::From(const ProviderOptions& options) {
  Context ctx;
  ctx.env = options.env ? options.env : [](const char* name) -> std::optional<std::string> {
    const char* value = getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
  ctx.http = options.http;
  ctx.home = options.home.empty() ? ctx.Env("HOME").value_or("") : options.home;
  ctx.imds_endpoint = options.imds_endpoint;
  if (ctx.imds_endpoint.empty()) {
    ctx.imds_endpoint = ctx.Env("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
  }
  ctx.imds_endpoint = StripTrailingSlash(ctx.imds_endpoint);
  ctx.container_endpoint =
      StripTrailingSlash(options.container_endpoint.empty() ? "http://169.254.170.2" : options.container_endpoint);
  ctx.sts_endpoint = StripTrailingSlash(options.sts_endpoint);
  ctx.metadata_timeout = options.metadata_timeout;
  ctx.sts_timeout = options.sts_timeout;
  ctx.process_timeout = options.process_timeout;
  ctx.clock = options.clock ? options.clock : [] { return std::chrono::system_clock::now(); };
  return ctx;
}

std::optional<std::string> Context::Env(const char* name) const {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

HttpResult Context::Send(const HttpCall& call) const {
  if (!http) {
    HttpResult result;
    result.error = "no HTTP transport configured";
    return result;
  }
  return http(call);
}

bool Context::ImdsDisabled() const { return Lowercase(Env("AWS_EC2_METADATA_DISABLED").value_or("")) == "true"; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string out(max_bytes, '\0');
  in.read(out.data(), static_cast<std::streamsize>(max_bytes));
  if (in.bad()) return std::nullopt;
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

std::string Describe(const HttpResult& result) {
  if (!result.received) return result.error.empty() ? "no response" : result.error;
  return "HTTP " + std::to_string(result.status);
}

std::string ExpandHome(const std::string& path, const std::string& home) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    return home.empty() ? std::string() : home + path.substr(1);  // no home: no such file
  }
  return path;
}

CredentialsResult CredentialsFromJson(std::string_view document, std::string_view source, bool require_version_1) {
  std::string prefix(source);
  common::JsonValue root;
  std::string parse_error;
  // The parser's message quotes no input, only an offset; still, keep just our own words.
  if (!common::ParseJson(document, root, &parse_error) || !root.is_object()) {
    return CredentialsResult::Error(prefix + ": the response is not a JSON object");
  }
  auto text = [&](std::string_view key) -> std::string {
    const common::JsonValue* v = root.Find(key);
    return v != nullptr && v->is_string() ? v->text() : std::string();
  };
  if (require_version_1) {
    int64_t version = 0;
    const common::JsonValue* v = root.Find("Version");
    if (v == nullptr || !v->GetInt64(version) || version != 1) {
      return CredentialsResult::Error(prefix + ": \"Version\" must be 1");
    }
  }
  if (const common::JsonValue* code = root.Find("Code"); code != nullptr && code->is_string() && code->text() != "Success") {
    return CredentialsResult::Error(prefix + ": the response has Code \"" + code->text() + "\"");
  }
  CredentialsResult result;
  result.credentials.access_key_id = text("AccessKeyId");
  result.credentials.secret_access_key = text("SecretAccessKey");
  result.credentials.session_token = text("Token");
  if (result.credentials.session_token.empty()) result.credentials.session_token = text("SessionToken");
  if (result.credentials.access_key_id.empty() || result.credentials.secret_access_key.empty()) {
    return CredentialsResult::Error(prefix + ": the response has no AccessKeyId or SecretAccessKey");
  }
  std::string expiration = text("Expiration");
  if (!expiration.empty()) {
    auto tp = ParseIso8601(expiration);
    if (!tp) return CredentialsResult::Error(prefix + ": invalid Expiration \"" + expiration + "\"");
    result.credentials.expiration = *tp;
  }
  return result;
}

namespace {

// Decodes the five predefined entities and character references. False on a malformed one.
bool DecodeXmlText(std::string_view in, std::string& out) {
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '&') {
      out.push_back(in[i]);
      continue;
    }
    size_t semi = in.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) return false;
    std::string_view entity = in.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() >= 2 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::string_view number = entity.substr(hex ? 2 : 1);
      if (number.empty()) return false;
      uint32_t cp = 0;
      for (char c : number) {
        int d = std::isdigit(static_cast<unsigned char>(c)) != 0 ? c - '0'
                : hex && std::isxdigit(static_cast<unsigned char>(c)) != 0
                    ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                    : -1;
        if (d < 0) return false;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) return false;
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    } else {
      return false;
    }
    i = semi;
  }
  return true;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.' || c == ':' ||
         (static_cast<unsigned char>(c) & 0x80) != 0;
}

// "ns:Name" -> "Name".
std::string_view LocalName(std::string_view name) {
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

}  // namespace

bool ParseXmlLeaves(std::string_view xml, std::map<std::string, std::string>& out, std::string* error) {
  auto fail = [&](const std::string& message, size_t offset) {
    if (error != nullptr) *error = "invalid XML at byte " + std::to_string(offset) + ": " + message;
    return false;
  };
  constexpr size_t kMaxDepth = 32;
  std::vector<std::string> stack;
  std::string text;        // text of the innermost open element
  bool has_child = false;  // the innermost open element has a child element
  bool root_seen = false;
  size_t pos = 0;
  auto path = [&] {
    std::string p;
    for (const auto& name : stack) {
      if (!p.empty()) p.push_back('/');
      p.append(name);
    }
    return p;
  };
  while (pos < xml.size()) {
    if (xml[pos] != '<') {
      size_t lt = xml.find('<', pos);
      if (lt == std::string_view::npos) lt = xml.size();
      std::string_view chunk = xml.substr(pos, lt - pos);
      if (stack.empty()) {
        if (!Trim(chunk).empty()) return fail("text outside the root element", pos);
      } else if (!DecodeXmlText(chunk, text)) {
        return fail("malformed entity", pos);
      }
      pos = lt;
      continue;
    }
    std::string_view rest = xml.substr(pos);
    if (rest.starts_with("<?")) {
      size_t end = xml.find("?>", pos + 2);
      if (end == std::string_view::npos) return fail("unterminated processing instruction", pos);
      pos = end + 2;
    } else if (rest.starts_with("<!--")) {
      size_t end = xml.find("-->", pos + 4);
      if (end == std::string_view::npos) return fail("unterminated comment", pos);
      pos = end + 3;
    } else if (rest.starts_with("<![CDATA[")) {
      if (stack.empty()) return fail("CDATA outside the root element", pos);
      size_t end = xml.find("]]>", pos + 9);
      if (end == std::string_view::npos) return fail("unterminated CDATA", pos);
      text.append(xml.substr(pos + 9, end - pos - 9));
      pos = end + 3;
    } else if (rest.starts_with("<!")) {
      return fail("DOCTYPE and declarations are not accepted", pos);
    } else if (rest.starts_with("</")) {
      size_t end = xml.find('>', pos);
      if (end == std::string_view::npos) return fail("unterminated end tag", pos);
      std::string_view name = Trim(xml.substr(pos + 2, end - pos - 2));
      if (stack.empty() || LocalName(name) != stack.back()) return fail("mismatched end tag", pos);
      if (!has_child) out[path()] = text;
      stack.pop_back();
      text.clear();
      has_child = true;  // the parent has (at least) this child
      pos = end + 1;
    } else {
      // Start tag: name, attributes (skipped, quotes respected), optional "/".
      size_t i = pos + 1;
      size_t name_start = i;
      while (i < xml.size() && IsNameChar(xml[i])) ++i;
      if (i == name_start) return fail("malformed tag", pos);
      std::string name(LocalName(xml.substr(name_start, i - name_start)));
      char quote = 0;
      while (i < xml.size()) {
        char c = xml[i];
        if (quote != 0) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '>' || c == '<') {
          break;
        }
        ++i;
      }
      if (i >= xml.size() || xml[i] != '>') return fail("unterminated start tag", pos);
      bool self_closing = xml[i - 1] == '/';
      if (stack.empty() && root_seen) return fail("more than one root element", pos);
      if (stack.size() >= kMaxDepth) return fail("nesting deeper than 32", pos);
      root_seen = true;
      stack.push_back(name);
      if (self_closing) {
        out[path()] = "";
        stack.pop_back();
        has_child = true;
      } else {
        text.clear();
        has_child = false;
      }
      pos = i + 1;
    }
  }
  if (!stack.empty()) return fail("unclosed element <" + stack.back() + ">", xml.size());
  if (!root_seen) return fail("no root element", 0);
  return true;
}

std::map<std::string, Profile> ParseProfileFile(std::string_view text, bool config_file) {
  std::map<std::string, Profile> out;
  Profile* current = nullptr;
  bool in_subsection = false;  // "key =" with an empty value: indented lines below belong to it
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      in_subsection = false;
      current = nullptr;
      size_t close = line.find(']');
      if (close == std::string_view::npos) continue;
      std::string_view section = Trim(line.substr(1, close - 1));
      std::string name;
      if (!config_file) {
        name = std::string(section);
      } else if (section == "default") {
        name = "default";
      } else if (section.rfind("profile", 0) == 0 && section.size() > 7 &&
                 std::isspace(static_cast<unsigned char>(section[7])) != 0) {
        name = std::string(Trim(section.substr(7)));
      } else {
        continue;  // [sso-session x], [services x], ...
      }
      if (name.empty()) continue;
      current = &out[name];
      continue;
    }
    if (current == nullptr) continue;
    bool indented = std::isspace(static_cast<unsigned char>(raw[0])) != 0;
    if (indented && in_subsection) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = Lowercase(Trim(line.substr(0, eq)));
    std::string_view value = Trim(line.substr(eq + 1));
    // Inline comments need whitespace before them (" #" / " ;").
    for (size_t i = 1; i < value.size(); ++i) {
      if ((value[i] == '#' || value[i] == ';') && std::isspace(static_cast<unsigned char>(value[i - 1])) != 0) {
        value = Trim(value.substr(0, i));
        break;
      }
    }
    in_subsection = value.empty();
    if (!key.empty()) (*current)[key] = std::string(value);
  }
  return out;
}

std::optional<Profile> ProfileFiles::Find(const std::string& name) const {
  auto c = config.find(name);
  auto k = credentials.find(name);
  if (c == config.end() && k == credentials.end()) return std::nullopt;
  Profile merged;
  if (c != config.end()) merged = c->second;
  if (k != credentials.end()) {
    for (const auto& [key, value] : k->second) merged[key] = value;
  }
  return merged;
}

ProfileFiles LoadProfileFiles(const Context& ctx) {
  ProfileFiles files;
  std::string config_path = ExpandHome(ctx.Env("AWS_CONFIG_FILE").value_or("~/.aws/config"), ctx.home);
  std::string credentials_path =
      ExpandHome(ctx.Env("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), ctx.home);
  if (auto text = ReadFile(config_path)) files.config = ParseProfileFile(*text, true);
  if (auto text = ReadFile(credentials_path)) files.credentials = ParseProfileFile(*text, false);
  return files;
}

std::string ProfileName(const Context& ctx, const std::string& profile_name) {
  if (!profile_name.empty()) return profile_name;
  return ctx.Env("AWS_PROFILE").value_or("default");
}

std::string UrlHost(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  return std::string(authority);
}

std::string UrlHostName(std::string_view url) {
  std::string host = UrlHost(url);
  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    return close == std::string::npos ? "" : host.substr(1, close - 1);
  }
  size_t colon = host.rfind(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

CredentialsResult AssumeRole(const Context& ctx, const AssumeRoleRequest& request, const Credentials& source) {
  const bool web_identity = !request.web_identity_token.empty();
  const std::string action = web_identity ? "AssumeRoleWithWebIdentity" : "AssumeRole";
  const std::string prefix = "STS " + action + " for " + request.role_arn;
  const std::string region = request.region.empty() ? "us-east-1" : request.region;
  const std::string endpoint =
      ctx.sts_endpoint.empty() ? "https://sts." + region + ".amazonaws.com" : ctx.sts_endpoint;

  std::string body = "Action=" + action + "&Version=2011-06-15&RoleArn=" + UriEncode(request.role_arn) +
                     "&RoleSessionName=" + UriEncode(request.session_name);
  if (web_identity) body += "&WebIdentityToken=" + UriEncode(request.web_identity_token);
  else if (!request.external_id.empty()) body += "&ExternalId=" + UriEncode(request.external_id);

  HttpCall call;
  call.method = "POST";
  call.url = endpoint + "/";
  call.timeout = ctx.sts_timeout;
  call.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"Accept", "application/xml"}};
  if (!web_identity) {
    SigningRequest to_sign;
    to_sign.method = "POST";
    to_sign.path = "/";
    to_sign.headers = call.headers;
    to_sign.headers.emplace_back("Host", UrlHost(endpoint));
    to_sign.body = body;
    SigningOptions options;
    options.region = region;
    options.service = "sts";
    options.time = ctx.Now();
    SignedRequest signed_request;
    std::string error;
    if (!SignRequest(to_sign, source, options, signed_request, &error)) {
      return CredentialsResult::Error(prefix + ": " + error);
    }
    for (auto& header : signed_request.headers) call.headers.push_back(std::move(header));
  }
  call.body = std::move(body);

  HttpResult result = ctx.Send(call);
  std::map<std::string, std::string> leaves;
  std::string xml_error;
  bool xml_ok = result.received && ParseXmlLeaves(result.body, leaves, &xml_error);
  if (!result.received) return CredentialsResult::Error(prefix + ": " + Describe(result));
  if (result.status < 200 || result.status >= 300) {
    std::string message = prefix + ": " + Describe(result);
    if (xml_ok) {
      std::string code = leaves["ErrorResponse/Error/Code"];
      std::string detail = leaves["ErrorResponse/Error/Message"];
      if (!code.empty()) message += " " + code;
      if (!detail.empty()) message += ": " + detail;
    }
    return CredentialsResult::Error(message);
  }
  if (!xml_ok) return CredentialsResult::Error(prefix + ": " + xml_error);
  const std::string base = action + "Response/" + action + "Result/Credentials/";
  CredentialsResult out;
  out.credentials.access_key_id = leaves[base + "AccessKeyId"];
  out.credentials.secret_access_key = leaves[base + "SecretAccessKey"];
  out.credentials.session_token = leaves[base + "SessionToken"];
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty() ||
      out.credentials.session_token.empty()) {
    return CredentialsResult::Error(prefix + ": the response has no Credentials");
  }
  std::string expiration = leaves[base + "Expiration"];
  auto tp = ParseIso8601(expiration);
  if (!tp) return CredentialsResult::Error(prefix + ": invalid Expiration \"" + expiration + "\"");
  out.credentials.expiration = *tp;
  return out;
}

}  // namespace internal
}  // namespace adot::aws
