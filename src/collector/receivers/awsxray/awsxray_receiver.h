// awsxray receiver: the X-Ray daemon's protocol. UDP datagrams (default localhost:2000) of a header
// line {"format":"json","version":1} and one segment document become OTLP spans
// (segment_translator.h); malformed datagrams are counted and dropped. A TCP server on the same
// port number (proxy_server) forwards the X-Ray SDKs' sampling calls (/GetSamplingRules,
// /SamplingTargets) to X-Ray, signed with SigV4.
#pragma once

#include <cstddef>

#include "adot/aws/credentials.h"
#include "collector/core/component.h"

namespace adot::collector {

// options: where the proxy's credentials and region are looked up (tests point them at loopback).
Factory AwsXrayReceiverFactory(aws::ProviderOptions options = {});

// How long (ms) the receiver lets datagrams gather before its next read, given its socket's
// receive buffer (bytes, as the kernel counts it) and the last round: datagrams and bytes read,
// seconds since the round before began (0 after an idle wait: the rate is unknown). As long as a
// quarter of the buffer holds what arrives meanwhile at that rate, from 10 ms (what the default
// net.core.rmem_max of 208 KiB allows at ~5,000 datagrams/s) to 50 ms (a bound on the latency
// added). Fewer wake-ups are most of what a longer linger saves.
int AwsXrayLingerMs(size_t receive_buffer, size_t datagrams, size_t bytes, double seconds);

}  // namespace adot::collector
