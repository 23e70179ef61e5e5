// awsemf exporter: OTLP metrics → CloudWatch Embedded Metric Format documents (emf_translator.h) →
// CloudWatch Logs PutLogEvents, signed with SigV4 (service logs), log group and stream created when
// missing; or printed to stdout (output_destination: stdout, for Lambda and container log drivers).
// Unlike the Go exporter it has the exporter helper's sending queue and retry: a batch is
// translated once (its cumulative-to-delta state advances once), and a retry sends only the events
// not accepted yet.
#pragma once

#include "adot/aws/credentials.h"
#include "collector/core/component.h"

namespace adot::collector {

// options: where credentials and the region are looked up (tests point them at loopback);
// options.http null: the collector's own HTTP client.
Factory AwsEmfExporterFactory(aws::ProviderOptions options = {});

}  // namespace adot::collector
