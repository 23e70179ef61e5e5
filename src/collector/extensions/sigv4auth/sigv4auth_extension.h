// sigv4auth extension: signs the requests of HTTP client components (otlphttp's
// `auth: {authenticator: sigv4auth}`) with AWS Signature Version 4, as the Go collector's
// sigv4authextension. Credentials: the AWS SDKs' default chain (adot/aws/credentials.h), cached,
// optionally through STS AssumeRole (assume_role).
#pragma once

#include <string>
#include <string_view>

#include "adot/aws/credentials.h"
#include "collector/core/component.h"

namespace adot::collector {

// options: where the credential providers look (tests point the environment, the HTTP transport
// and the STS, container and IMDS endpoints at loopback). options.http null: the collector's own
// HTTP client.
Factory Sigv4AuthExtensionFactory(aws::ProviderOptions options = {});

// The signing service and region of an AWS endpoint host: "<service>.<region>.amazonaws.com"
// (also ".amazonaws.com.cn", and "<name>.<region>.<service>.amazonaws.com" as OpenSearch's
// search-... hosts), with "aps-workspaces" signing as "aps". A port is ignored. False when the
// host does not have that shape.
bool InferServiceAndRegion(std::string_view host, std::string& service, std::string& region);

}  // namespace adot::collector
