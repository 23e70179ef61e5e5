#include "collector/main/components.h"

#ifdef ADOT_COLLECTOR_WITH_OTLP_receiver
#include "collector/receivers/otlp/otlp_receiver.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_AWSXRAY_receiver
#include "collector/receivers/awsxray/awsxray_receiver.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_BATCH_processor
#include "collector/processors/batch/batch_processor.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_MEMORY_LIMITER_processor
#include "collector/processors/memory_limiter/memory_limiter.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_RESOURCE_processor
#include "collector/processors/resource/resource_processor.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_RESOURCEDETECTION_processor
#include "collector/processors/resourcedetection/resourcedetection_processor.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_ATTRIBUTES_processor
#include "collector/processors/attributes/attributes_processor.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_PROBABILISTIC_SAMPLER_processor
#include "collector/processors/probabilistic_sampler/probabilistic_sampler.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_FILTER_processor
#include "collector/processors/filter/filter_processor.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_OTLP_exporter
#include "collector/exporters/otlp/otlp_exporter.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_OTLPHTTP_exporter
#include "collector/exporters/otlphttp/otlphttp_exporter.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_DEBUG_exporter
#include "collector/exporters/debug/debug_exporter.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_FILE_exporter
#include "collector/exporters/file/file_exporter.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_AWSXRAY_exporter
#include "collector/exporters/awsxray/awsxray_exporter.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_AWSEMF_exporter
#include "collector/exporters/awsemf/awsemf_exporter.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_HEALTH_CHECK_extension
#include "collector/extensions/health_check/health_check.h"
#endif
#ifdef ADOT_COLLECTOR_WITH_SIGV4AUTH_extension
#include "collector/extensions/sigv4auth/sigv4auth_extension.h"
#endif

namespace adot::collector {

Registry BuiltinComponents() {
  Registry r;
#ifdef ADOT_COLLECTOR_WITH_OTLP_receiver
  r.Add(OtlpReceiverFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_AWSXRAY_receiver
  r.Add(AwsXrayReceiverFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_BATCH_processor
  r.Add(BatchProcessorFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_MEMORY_LIMITER_processor
  r.Add(MemoryLimiterProcessorFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_RESOURCE_processor
  r.Add(ResourceProcessorFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_RESOURCEDETECTION_processor
  r.Add(ResourceDetectionProcessorFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_ATTRIBUTES_processor
  r.Add(AttributesProcessorFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_PROBABILISTIC_SAMPLER_processor
  r.Add(ProbabilisticSamplerProcessorFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_FILTER_processor
  r.Add(FilterProcessorFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_OTLP_exporter
  r.Add(OtlpExporterFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_OTLPHTTP_exporter
  r.Add(OtlpHttpExporterFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_DEBUG_exporter
  r.Add(DebugExporterFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_FILE_exporter
  r.Add(FileExporterFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_AWSXRAY_exporter
  r.Add(AwsXrayExporterFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_AWSEMF_exporter
  r.Add(AwsEmfExporterFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_HEALTH_CHECK_extension
  r.Add(HealthCheckExtensionFactory());
#endif
#ifdef ADOT_COLLECTOR_WITH_SIGV4AUTH_extension
  r.Add(Sigv4AuthExtensionFactory());
#endif
  return r;
}

const char* const kDefaultConfig = R"(# adot-collector local default (used when no --config is given)
# Everything listens on localhost only. Data is printed (debug) and written as OTLP/JSON lines
# under ${ADOT_COLLECTOR_DATA_DIR}, by default ./adot-collector-data.
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: localhost:4317
      http:
        endpoint: localhost:4318
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
  batch:
exporters:
  debug:
    verbosity: basic
  file/traces:
    path: ${env:ADOT_COLLECTOR_DATA_DIR:-./adot-collector-data}/traces.jsonl
    rotation: {max_megabytes: 100, max_backups: 5}
  file/metrics:
    path: ${env:ADOT_COLLECTOR_DATA_DIR:-./adot-collector-data}/metrics.jsonl
    rotation: {max_megabytes: 100, max_backups: 5}
  file/logs:
    path: ${env:ADOT_COLLECTOR_DATA_DIR:-./adot-collector-data}/logs.jsonl
    rotation: {max_megabytes: 100, max_backups: 5}
extensions:
  health_check:
    endpoint: localhost:13133
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [debug, file/traces]
    metrics:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [debug, file/metrics]
    logs:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [debug, file/logs]
)";

}  // namespace adot::collector
