// awsxray exporter: spans → X-Ray segment documents (translator.h) → PutTraceSegments, signed with
// SigV4 (service xray), at most 50 documents a call; or, with daemon_address, UDP datagrams to an
// X-Ray daemon. Unlike the Go exporter it has the exporter helper's sending queue and retry, and it
// re-sends what X-Ray throttles or reports in UnprocessedTraceSegments (X-Ray keeps the last copy
// of a segment id, so a re-sent document never shows twice).
#pragma once

#include "adot/aws/credentials.h"
#include "collector/core/component.h"

namespace adot::collector {

// options: where credentials and the region are looked up (tests point them at loopback);
// options.http null: the collector's own HTTP client.
Factory AwsXrayExporterFactory(aws::ProviderOptions options = {});

}  // namespace adot::collector
