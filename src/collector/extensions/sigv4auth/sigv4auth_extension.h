// sigv4auth extension: signs the requests of HTTP client components (otlphttp's
// `auth: {authenticator: sigv4auth}`) with AWS Signature Version 4, as the Go collector's
// sigv4authextension. Credentials: the AWS SDKs' default chain (adot/aws/credentials.h), cached,
// optionally through STS AssumeRole (assume_role).
#pragma once

#include "adot/aws/credentials.h"
#include "collector/core/component.h"

namespace adot::collector {

// options: where the credential providers look (tests point the environment, the HTTP transport
// and the STS, container and IMDS endpoints at loopback). options.http null: the collector's own
// HTTP client.
Factory Sigv4AuthExtensionFactory(aws::ProviderOptions options = {});

}  // namespace adot::collector
