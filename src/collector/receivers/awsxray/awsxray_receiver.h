// awsxray receiver: the X-Ray daemon's protocol. UDP datagrams (default localhost:2000) of a header
// line {"format":"json","version":1} and one segment document become OTLP spans
// (segment_translator.h); malformed datagrams are counted and dropped. A TCP server on the same
// port number (proxy_server) forwards the X-Ray SDKs' sampling calls (/GetSamplingRules,
// /SamplingTargets) to X-Ray, signed with SigV4.
#pragma once

#include "adot/aws/credentials.h"
#include "collector/core/component.h"

namespace adot::collector {

// options: where the proxy's credentials and region are looked up (tests point them at loopback).
Factory AwsXrayReceiverFactory(aws::ProviderOptions options = {});

}  // namespace adot::collector
