#include "collector/extensions/sigv4auth/sigv4auth_extension.h"

#include "collector/aws/request_signer.h"
#include "collector/core/logger.h"

namespace adot::collector {
namespace {

struct Sigv4AuthConfig : ComponentConfig {
  AwsSignerConfig signer;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<Sigv4AuthConfig>();
  AwsSignerConfig& s = c->signer;
  s.region = r.String("region");
  s.service = r.String("service");
  if (!s.region.empty() && !IsAwsRegionLike(s.region))
    r.Error("region", "must be an AWS region such as us-west-2, got \"" + s.region + "\"");
  if (r.Has("assume_role")) {
    ConfigReader a = r.Child("assume_role");
    s.role_arn = a.String("arn");
    s.session_name = a.String("session_name");
    s.sts_region = a.String("sts_region");
    if (s.role_arn.empty()) {
      if (!s.session_name.empty() || !s.sts_region.empty())
        a.Error("arn", "must be set when session_name or sts_region is");
    } else if (!IsIamRoleArn(s.role_arn)) {
      a.Error("arn", "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got \"" + s.role_arn + "\"");
    }
    if (!s.session_name.empty() && !IsStsSessionName(s.session_name))
      a.Error("session_name", "must be 2 to 64 characters of letters, digits and _+=,.@-");
    if (!s.sts_region.empty() && !IsAwsRegionLike(s.sts_region))
      a.Error("sts_region", "must be an AWS region such as us-east-1, got \"" + s.sts_region + "\"");
    a.Finish();
  }
  r.Finish();
  return c;
}

class Sigv4Auth : public Extension, public HttpClientAuthenticator {
 public:
  Sigv4Auth(const Sigv4AuthConfig& c, std::string id, aws::ProviderOptions options)
      : name_("extension " + id), signer_("sigv4auth", c.signer, std::move(options)) {}

  Status Start() override {
    Log(LogLevel::kInfo, name_, "signing with SigV4, " + signer_.Start());
    return Status::Ok();
  }

  Status Authenticate(const HttpAuthRequest& request, common::HttpHeaders& add) override {
    return signer_.Authenticate(request, add);
  }

 private:
  std::string name_;
  AwsRequestSigner signer_;
};

}  // namespace

Factory Sigv4AuthExtensionFactory(aws::ProviderOptions options) {
  Factory f;
  f.kind = Kind::kExtension;
  f.type = "sigv4auth";
  f.stability = "beta";
  f.parse = Parse;
  f.create_extension = [options](const ComponentConfig& c, const CreateSettings& s,
                                 std::shared_ptr<HostStatus>) -> std::shared_ptr<Extension> {
    return std::make_shared<Sigv4Auth>(static_cast<const Sigv4AuthConfig&>(c), s.id, options);
  };
  return f;
}

}  // namespace adot::collector
