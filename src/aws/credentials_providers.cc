// The credential providers, the chain, the cache and region resolution.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "adot/aws/credentials.h"
#include "aws/aws_support.h"

extern char** environ;

namespace adot::aws {
namespace {

using internal::Context;
using internal::Describe;
using internal::Trim;

std::string DefaultSessionName(const Context& ctx) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.Now().time_since_epoch()).count();
  return "adot-cpp-" + std::to_string(ms);
}

// ---- environment ----------------------------------------------------------------------------

class EnvironmentProvider : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(Context ctx) : ctx_(std::move(ctx)) {}

  CredentialsResult GetCredentials() override {
    auto id = ctx_.Env("AWS_ACCESS_KEY_ID");
    if (!id) id = ctx_.Env("AWS_ACCESS_KEY");
    auto secret = ctx_.Env("AWS_SECRET_ACCESS_KEY");
    if (!secret) secret = ctx_.Env("AWS_SECRET_KEY");
    if (!id && !secret) {
      return CredentialsResult::Error("environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
    }
    if (!id) return CredentialsResult::Error("environment: AWS_SECRET_ACCESS_KEY is set but not AWS_ACCESS_KEY_ID");
    if (!secret) return CredentialsResult::Error("environment: AWS_ACCESS_KEY_ID is set but not AWS_SECRET_ACCESS_KEY");
    CredentialsResult r;
    r.credentials.access_key_id = *id;
    r.credentials.secret_access_key = *secret;
    r.credentials.session_token = ctx_.Env("AWS_SESSION_TOKEN").value_or("");
    if (auto expiration = ctx_.Env("AWS_CREDENTIAL_EXPIRATION")) {
      auto tp = ParseIso8601(*expiration);
      if (!tp) return CredentialsResult::Error("environment: AWS_CREDENTIAL_EXPIRATION is not an ISO-8601 time");
      r.credentials.expiration = *tp;
    }
    return r;
  }

 private:
  Context ctx_;
};

// ---- credential_process -----------------------------------------------------------------------

// Runs command with /bin/sh -c (standard input /dev/null, standard error inherited, its own process
// group); its standard output must be the Version 1 JSON document. After timeout the whole group
// is killed. Neither the command nor its output appears in an error (either may hold a secret).
CredentialsResult RunCredentialProcess(const std::string& command, std::chrono::milliseconds timeout,
                                       const std::string& label) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return CredentialsResult::Error(label + ": could not create a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return CredentialsResult::Error(label + ": could not start the command");
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
  };
  std::string output;
  constexpr size_t kMaxOutput = 1 << 20;
  bool too_large = false;
  bool timed_out = false;
  char buffer[4096];
  for (;;) {
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, remaining_ms());
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() + static_cast<size_t>(n) > kMaxOutput) {
      too_large = true;
      break;
    }
    output.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  pid_t waited = 0;
  while (!timed_out && !too_large && (waited = waitpid(pid, &status, WNOHANG)) == 0) {
    if (remaining_ms() == 0) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (timed_out || too_large) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (too_large) return CredentialsResult::Error(label + ": the command's output exceeds 1 MiB");
    return CredentialsResult::Error(label + ": the command did not finish within " +
                                    std::to_string(timeout.count()) + " ms");
  }
  if (waited < 0) return CredentialsResult::Error(label + ": could not wait for the command");
  if (WIFSIGNALED(status)) {
    return CredentialsResult::Error(label + ": the command was killed by signal " + std::to_string(WTERMSIG(status)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::string message = label + ": the command exited with status " + std::to_string(code);
    if (code == 127) message += " (command not found)";
    return CredentialsResult::Error(message);
  }
  return internal::CredentialsFromJson(output, label, /*require_version_1=*/true);
}

class ProcessProvider : public CredentialsProvider {
 public:
  ProcessProvider(std::string command, std::chrono::milliseconds timeout)
      : command_(std::move(command)), timeout_(timeout) {}
  CredentialsResult GetCredentials() override { return RunCredentialProcess(command_, timeout_, "credential_process"); }

 private:
  std::string command_;
  std::chrono::milliseconds timeout_;
};

// ---- web identity -------------------------------------------------------------------------------

CredentialsResult WebIdentity(const Context& ctx, const std::string& token_file, const std::string& role_arn,
                              const std::string& session_name, const std::string& region, const std::string& label) {
  auto token = internal::ReadFile(token_file);
  if (!token) return CredentialsResult::Error(label + ": cannot read the token file " + token_file);
  internal::AssumeRoleRequest request;
  request.role_arn = role_arn;
  request.session_name = session_name.empty() ? DefaultSessionName(ctx) : session_name;
  request.web_identity_token = std::string(Trim(*token));
  request.region = region;
  if (request.web_identity_token.empty()) {
    return CredentialsResult::Error(label + ": the token file " + token_file + " is empty");
  }
  CredentialsResult r = internal::AssumeRole(ctx, request, Credentials{});
  if (!r.ok()) r.error = label + ": " + r.error;
  return r;
}

std::string EnvRegion(const Context& ctx) {
  if (auto r = ctx.Env("AWS_REGION")) return *r;
  return ctx.Env("AWS_DEFAULT_REGION").value_or("");
}

class WebIdentityProvider : public CredentialsProvider {
 public:
  explicit WebIdentityProvider(Context ctx) : ctx_(std::move(ctx)) {}

  CredentialsResult GetCredentials() override {
    auto token_file = ctx_.Env("AWS_WEB_IDENTITY_TOKEN_FILE");
    auto role_arn = ctx_.Env("AWS_ROLE_ARN");
    if (!token_file || !role_arn) {
      return CredentialsResult::Error("web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set");
    }
    return WebIdentity(ctx_, *token_file, *role_arn, ctx_.Env("AWS_ROLE_SESSION_NAME").value_or(""), EnvRegion(ctx_),
                       "web identity");
  }

 private:
  Context ctx_;
};

// ---- container ----------------------------------------------------------------------------------

bool IsAllowedContainerHost(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "169.254.170.2" || host == "169.254.170.23" ||
      internal::Lowercase(host) == "fd00:ec2::23") {
    return true;
  }
  // 127.0.0.0/8
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

class ContainerProvider : public CredentialsProvider {
 public:
  explicit ContainerProvider(Context ctx) : ctx_(std::move(ctx)) {}

  CredentialsResult GetCredentials() override {
    HttpCall call;
    call.timeout = ctx_.metadata_timeout;
    if (auto relative = ctx_.Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
      call.url = ctx_.container_endpoint + (relative->front() == '/' ? "" : "/") + *relative;
    } else if (auto full = ctx_.Env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      std::string scheme = internal::Lowercase(full->substr(0, full->find("://")));
      std::string host = internal::UrlHostName(*full);
      if (host.empty() || (scheme != "https" && scheme != "http")) {
        return CredentialsResult::Error("container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL");
      }
      if (scheme == "http" && !IsAllowedContainerHost(host)) {
        return CredentialsResult::Error("container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI over http must "
                                        "name a loopback address, 169.254.170.2 or 169.254.170.23, not " + host);
      }
      call.url = *full;
    } else {
      return CredentialsResult::Error(
          "container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are "
          "not set");
    }
    std::optional<std::string> token;
    if (auto token_file = ctx_.Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      token = internal::ReadFile(*token_file);
      if (!token) {
        return CredentialsResult::Error("container credentials: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " +
                                        *token_file);
      }
      token = std::string(Trim(*token));
    } else {
      token = ctx_.Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    }
    if (token) {
      if (token->find_first_of("\r\n") != std::string::npos) {
        return CredentialsResult::Error("container credentials: the authorization token contains a line break");
      }
      call.headers.emplace_back("Authorization", *token);
    }
    call.headers.emplace_back("Accept", "application/json");
    const std::string label = "container credentials from " + internal::UrlHost(call.url);
    HttpResult result = ctx_.Send(call);
    if (!result.received || result.status < 200 || result.status >= 300) {
      return CredentialsResult::Error(label + ": " + Describe(result));
    }
    return internal::CredentialsFromJson(result.body, label, /*require_version_1=*/false);
  }

 private:
  Context ctx_;
};

// ---- instance metadata (IMDSv2) -----------------------------------------------------------------

// The session token for the GETs that follow; an error message on failure.
bool ImdsToken(const Context& ctx, std::string& token, std::string& error) {
  HttpCall call;
  call.method = "PUT";
  call.url = ctx.imds_endpoint + "/latest/api/token";
  call.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  call.timeout = ctx.metadata_timeout;
  HttpResult result = ctx.Send(call);
  if (!result.received || result.status != 200) {
    error = "instance metadata: the IMDSv2 token request failed: " + Describe(result);
    return false;
  }
  token = std::string(Trim(result.body));
  if (token.empty()) {
    error = "instance metadata: the IMDSv2 token response is empty";
    return false;
  }
  return true;
}

bool ImdsGet(const Context& ctx, const std::string& token, const std::string& path, std::string& body,
             std::string& error) {
  HttpCall call;
  call.url = ctx.imds_endpoint + path;
  call.headers = {{"X-aws-ec2-metadata-token", token}};
  call.timeout = ctx.metadata_timeout;
  HttpResult result = ctx.Send(call);
  if (!result.received || result.status != 200) {
    error = "instance metadata: GET " + path + ": " + Describe(result);
    return false;
  }
  body = std::move(result.body);
  return true;
}

class InstanceProfileProvider : public CredentialsProvider {
 public:
  explicit InstanceProfileProvider(Context ctx) : ctx_(std::move(ctx)) {}

  CredentialsResult GetCredentials() override {
    if (ctx_.ImdsDisabled()) return CredentialsResult::Error("instance metadata: disabled by AWS_EC2_METADATA_DISABLED");
    std::string token, body, error;
    if (!ImdsToken(ctx_, token, error)) return CredentialsResult::Error(error);
    const std::string base = "/latest/meta-data/iam/security-credentials/";
    if (!ImdsGet(ctx_, token, base, body, error)) return CredentialsResult::Error(error);
    std::string role(Trim(body.substr(0, body.find('\n'))));
    if (role.empty() || role.find_first_of("/?#% ") != std::string::npos) {
      return CredentialsResult::Error("instance metadata: no instance profile role is attached");
    }
    if (!ImdsGet(ctx_, token, base + role, body, error)) return CredentialsResult::Error(error);
    return internal::CredentialsFromJson(body, "instance metadata role " + role, /*require_version_1=*/false);
  }

 private:
  Context ctx_;
};

// ---- shared config files --------------------------------------------------------------------------

class ProfileProvider : public CredentialsProvider {
 public:
  ProfileProvider(Context ctx, std::string profile_name) : ctx_(std::move(ctx)), profile_name_(std::move(profile_name)) {}

  CredentialsResult GetCredentials() override {
    internal::ProfileFiles files = internal::LoadProfileFiles(ctx_);
    std::vector<std::string> visited;
    return Resolve(files, internal::ProfileName(ctx_, profile_name_), visited);
  }

 private:
  static constexpr size_t kMaxChain = 8;

  CredentialsResult Resolve(const internal::ProfileFiles& files, const std::string& name,
                            std::vector<std::string>& visited) {
    const std::string label = "profile " + name;
    auto profile = files.Find(name);
    if (!profile) return CredentialsResult::Error(label + ": not found in the shared config or credentials file");
    auto get = [&](const char* key) -> std::string {
      auto it = profile->find(key);
      return it == profile->end() ? std::string() : it->second;
    };
    const std::string role_arn = get("role_arn");
    const std::string region = !get("region").empty() ? get("region") : EnvRegion(ctx_);
    if (!role_arn.empty()) {
      const std::string source_profile = get("source_profile");
      const std::string credential_source = get("credential_source");
      const std::string token_file = get("web_identity_token_file");
      const std::string session_name = get("role_session_name");
      if (!token_file.empty()) {
        return WebIdentity(ctx_, internal::ExpandHome(token_file, ctx_.home), role_arn, session_name, region,
                           label + ": web identity");
      }
      CredentialsResult source;
      if (!source_profile.empty()) {
        if (std::find(visited.begin(), visited.end(), source_profile) != visited.end() || visited.size() >= kMaxChain) {
          return CredentialsResult::Error(label + ": source_profile " + source_profile + " makes a cycle");
        }
        visited.push_back(name);
        if (source_profile == name) {
          source = StaticKeys(*profile, label);  // a profile may assume a role with its own keys
        } else {
          source = Resolve(files, source_profile, visited);
        }
      } else if (!credential_source.empty()) {
        source = FromCredentialSource(credential_source, label);
      } else {
        return CredentialsResult::Error(label + ": role_arn needs source_profile, credential_source or "
                                                "web_identity_token_file");
      }
      if (!source.ok()) return source;
      internal::AssumeRoleRequest request;
      request.role_arn = role_arn;
      request.session_name = session_name.empty() ? DefaultSessionName(ctx_) : session_name;
      request.region = region;
      CredentialsResult r = internal::AssumeRole(ctx_, request, source.credentials);
      if (!r.ok()) r.error = label + ": " + r.error;
      return r;
    }
    if (!get("aws_access_key_id").empty() || !get("aws_secret_access_key").empty()) return StaticKeys(*profile, label);
    if (!get("credential_process").empty()) {
      return RunCredentialProcess(get("credential_process"), ctx_.process_timeout, label + ": credential_process");
    }
    return CredentialsResult::Error(label + ": has no credentials (aws_access_key_id, credential_process or role_arn)");
  }

  static CredentialsResult StaticKeys(const internal::Profile& profile, const std::string& label) {
    auto get = [&](const char* key) -> std::string {
      auto it = profile.find(key);
      return it == profile.end() ? std::string() : it->second;
    };
    CredentialsResult r;
    r.credentials.access_key_id = get("aws_access_key_id");
    r.credentials.secret_access_key = get("aws_secret_access_key");
    r.credentials.session_token = get("aws_session_token");
    if (r.credentials.access_key_id.empty() || r.credentials.secret_access_key.empty()) {
      return CredentialsResult::Error(label + ": aws_access_key_id and aws_secret_access_key must both be set");
    }
    return r;
  }

  CredentialsResult FromCredentialSource(const std::string& source, const std::string& label) {
    if (source == "Environment") return EnvironmentProvider(ctx_).GetCredentials();
    if (source == "Ec2InstanceMetadata") return InstanceProfileProvider(ctx_).GetCredentials();
    if (source == "EcsContainer") return ContainerProvider(ctx_).GetCredentials();
    return CredentialsResult::Error(label + ": unknown credential_source \"" + source +
                                    "\" (Environment, Ec2InstanceMetadata or EcsContainer)");
  }

  Context ctx_;
  std::string profile_name_;
};

// ---- assume role ----------------------------------------------------------------------------------

class AssumeRoleProvider : public CredentialsProvider {
 public:
  AssumeRoleProvider(Context ctx, std::shared_ptr<CredentialsProvider> source, internal::AssumeRoleRequest request)
      : ctx_(std::move(ctx)), source_(std::move(source)), request_(std::move(request)) {}

  CredentialsResult GetCredentials() override {
    CredentialsResult source = source_->GetCredentials();
    if (!source.ok()) return CredentialsResult::Error("assume role " + request_.role_arn + ": " + source.error);
    internal::AssumeRoleRequest request = request_;
    if (request.session_name.empty()) request.session_name = DefaultSessionName(ctx_);
    return internal::AssumeRole(ctx_, request, source.credentials);
  }

 private:
  Context ctx_;
  std::shared_ptr<CredentialsProvider> source_;
  internal::AssumeRoleRequest request_;
};

// ---- chain and cache -------------------------------------------------------------------------------

class ChainProvider : public CredentialsProvider {
 public:
  explicit ChainProvider(std::vector<std::pair<std::string, std::shared_ptr<CredentialsProvider>>> providers)
      : providers_(std::move(providers)) {}

  CredentialsResult GetCredentials() override {
    std::string errors;
    for (const auto& [name, provider] : providers_) {
      CredentialsResult r = provider->GetCredentials();
      if (r.ok()) return r;
      if (!errors.empty()) errors += "; ";
      errors += r.error;
    }
    return CredentialsResult::Error("no AWS credentials found: " + (errors.empty() ? "no providers" : errors));
  }

 private:
  std::vector<std::pair<std::string, std::shared_ptr<CredentialsProvider>>> providers_;
};

class CachingProvider : public CredentialsProvider {
 public:
  CachingProvider(std::shared_ptr<CredentialsProvider> inner, Clock clock, std::chrono::seconds refresh_before)
      : inner_(std::move(inner)),
        clock_(clock ? std::move(clock) : [] { return std::chrono::system_clock::now(); }),
        refresh_before_(refresh_before) {}

  CredentialsResult GetCredentials() override {
    // Held during the refresh: concurrent callers wait for it and share its result.
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = clock_();
    if (cached_ && (!cached_->expiration || now < next_refresh_)) return Cached();
    CredentialsResult r = inner_->GetCredentials();
    if (r.ok()) {
      cached_ = r.credentials;
      if (cached_->expiration) {
        next_refresh_ = *cached_->expiration - refresh_before_;
        // Credentials that arrive inside the refresh window are used until they expire.
        if (next_refresh_ <= now) next_refresh_ = *cached_->expiration;
      }
      return r;
    }
    if (cached_ && cached_->expiration && now < *cached_->expiration) {
      // Still valid: keep them, and try again in a little while rather than on every call.
      next_refresh_ = std::min(now + std::chrono::seconds(30), *cached_->expiration);
      return Cached();
    }
    cached_.reset();
    return r;
  }

 private:
  CredentialsResult Cached() const {
    CredentialsResult r;
    r.credentials = *cached_;
    return r;
  }

  std::shared_ptr<CredentialsProvider> inner_;
  Clock clock_;
  std::chrono::seconds refresh_before_;
  std::mutex mu_;
  std::optional<Credentials> cached_;
  std::chrono::system_clock::time_point next_refresh_{};
};

}  // namespace

std::shared_ptr<CredentialsProvider> CreateEnvironmentCredentialsProvider(ProviderOptions options) {
  return std::make_shared<EnvironmentProvider>(Context::From(options));
}

std::shared_ptr<CredentialsProvider> CreateProfileCredentialsProvider(ProviderOptions options, std::string profile_name) {
  return std::make_shared<ProfileProvider>(Context::From(options), std::move(profile_name));
}

std::shared_ptr<CredentialsProvider> CreateProcessCredentialsProvider(std::string command,
                                                                      std::chrono::milliseconds timeout) {
  return std::make_shared<ProcessProvider>(std::move(command), timeout);
}

std::shared_ptr<CredentialsProvider> CreateWebIdentityCredentialsProvider(ProviderOptions options) {
  return std::make_shared<WebIdentityProvider>(Context::From(options));
}

std::shared_ptr<CredentialsProvider> CreateContainerCredentialsProvider(ProviderOptions options) {
  return std::make_shared<ContainerProvider>(Context::From(options));
}

std::shared_ptr<CredentialsProvider> CreateInstanceProfileCredentialsProvider(ProviderOptions options) {
  return std::make_shared<InstanceProfileProvider>(Context::From(options));
}

std::shared_ptr<CredentialsProvider> CreateAssumeRoleCredentialsProvider(std::shared_ptr<CredentialsProvider> source,
                                                                         std::string role_arn,
                                                                         std::string session_name,
                                                                         std::string region,
                                                                         ProviderOptions options,
                                                                         std::string external_id) {
  internal::AssumeRoleRequest request;
  request.role_arn = std::move(role_arn);
  request.session_name = std::move(session_name);
  request.external_id = std::move(external_id);
  request.region = std::move(region);
  return std::make_shared<AssumeRoleProvider>(Context::From(options), std::move(source), std::move(request));
}

std::shared_ptr<CredentialsProvider> CreateChainCredentialsProvider(
    std::vector<std::pair<std::string, std::shared_ptr<CredentialsProvider>>> named_providers) {
  return std::make_shared<ChainProvider>(std::move(named_providers));
}

std::shared_ptr<CredentialsProvider> CreateCachingCredentialsProvider(std::shared_ptr<CredentialsProvider> inner,
                                                                      Clock clock, std::chrono::seconds refresh_before) {
  return std::make_shared<CachingProvider>(std::move(inner), std::move(clock), refresh_before);
}

std::shared_ptr<CredentialsProvider> CreateDefaultCredentialsProvider(ProviderOptions options) {
  Clock clock = options.clock;
  return CreateCachingCredentialsProvider(
      CreateChainCredentialsProvider({
          {"environment", CreateEnvironmentCredentialsProvider(options)},
          {"profile", CreateProfileCredentialsProvider(options)},
          {"web identity", CreateWebIdentityCredentialsProvider(options)},
          {"container", CreateContainerCredentialsProvider(options)},
          {"instance profile", CreateInstanceProfileCredentialsProvider(options)},
      }),
      std::move(clock));
}

RegionResult ResolveRegion(const ProviderOptions& options, std::string profile_name) {
  Context ctx = Context::From(options);
  RegionResult r;
  r.region = EnvRegion(ctx);
  if (!r.region.empty()) return r;
  internal::ProfileFiles files = internal::LoadProfileFiles(ctx);
  if (auto profile = files.Find(internal::ProfileName(ctx, profile_name))) {
    auto it = profile->find("region");
    if (it != profile->end() && !it->second.empty()) {
      r.region = it->second;
      return r;
    }
  }
  if (ctx.ImdsDisabled()) {
    r.error = "no AWS region: AWS_REGION, AWS_DEFAULT_REGION and the config file's region are not set, and "
              "instance metadata is disabled";
    return r;
  }
  std::string token, body, error;
  if (ImdsToken(ctx, token, error) && ImdsGet(ctx, token, "/latest/meta-data/placement/region", body, error)) {
    r.region = std::string(Trim(body));
    if (!r.region.empty()) return r;
    error = "instance metadata: the placement/region response is empty";
  }
  r.error = "no AWS region: AWS_REGION, AWS_DEFAULT_REGION and the config file's region are not set, and " + error;
  return r;
}

}  // namespace adot::aws
