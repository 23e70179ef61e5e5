// OTLP metrics → CloudWatch Embedded Metric Format (EMF) documents: the translator of the awsemf
// exporter (docs: emf.md §5). Follows the Go awsemfexporter (contrib) except where its behaviour
// loses or corrupts data; emf_translator.cc says where.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collector/core/pdata.h"

namespace adot::collector::awsemf {

enum class DimensionRollup { kZeroAndSingleDimension, kSingleDimensionOnly, kNone };

struct LabelMatcher {
  std::vector<std::string> label_names;
  std::string separator = ";";
  std::string regex;
};

struct MetricDeclaration {
  std::vector<std::vector<std::string>> dimensions;
  std::vector<std::string> metric_name_selectors;  // regexes
  std::vector<LabelMatcher> label_matchers;
};

struct MetricDescriptor {
  std::string metric_name;
  std::string unit;
  bool overwrite = false;
};

struct EmfOptions {
  std::string namespace_name;  // config `namespace`; empty: from the resource
                               // (service.namespace/service.name ...), else "default"
  std::string log_group_name;  // may hold placeholders {ClusterName} {TaskId} {NodeName} {PodName}
                               // {ServiceName} {ContainerInstanceId} {TaskDefinitionFamily}; empty:
                               // "/metrics/<namespace>"
  std::string log_stream_name;  // placeholders as above; empty: "otel-stream-<id>" with an id made
                                // once per translator
  DimensionRollup dimension_rollup = DimensionRollup::kZeroAndSingleDimension;
  std::vector<MetricDeclaration> metric_declarations;
  std::vector<MetricDescriptor> metric_descriptors;
  bool retain_initial_value_of_delta_metric = false;
  bool detailed_metrics = false;  // summaries: <name>_sum/_count + one point per quantile
  bool resource_to_telemetry_conversion = false;  // resource attributes become labels
  std::string version = "1";                      // "1" or "0" (legacy layout)
};

// Checks options (every regex compiles, declarations are complete, version is "0" or "1");
// empty when fine, else a message.
std::string CheckEmfOptions(const EmfOptions& options);

struct EmfEvent {
  std::string log_group;
  std::string log_stream;
  int64_t timestamp_ms = 0;
  std::string message;  // one EMF JSON document
};

// The documents of Translate calls in one buffer: each either plain JSON (escaped false) or that
// JSON already escaped as the contents of a JSON string (escaped true), the text a PutLogEvents body
// holds between the quotes of a log event's "message" (put_log_events.h).
struct EmfDocuments {
  struct Stream {
    std::string log_group, log_stream;
  };
  struct Document {
    uint32_t stream = 0;  // streams[stream]
    int64_t timestamp_ms = 0;
    size_t offset = 0, length = 0;  // its text: text.substr(offset, length)
    size_t size = 0;                // bytes of the plain JSON document (PutLogEvents' limits count these)
  };

  bool escaped = true;
  std::string text;
  std::vector<Stream> streams;  // distinct
  std::vector<Document> documents;

  std::string_view Text(const Document& d) const {
    return std::string_view(text).substr(d.offset, d.length);
  }
};

class EmfTranslator {
 public:
  explicit EmfTranslator(EmfOptions options);  // options already checked
  ~EmfTranslator();
  EmfTranslator(EmfTranslator&&) noexcept;
  EmfTranslator& operator=(EmfTranslator&&) noexcept;

  // Appends the documents of an encoded ExportMetricsServiceRequest to out in out.escaped's form,
  // one per group of data points (§5.2 grouping), reading the bytes directly (no libprotobuf
  // message). Returns the number of data points dropped (no recorded value, NaN/Inf, the first
  // cumulative point used as a baseline, unmatched declarations, duplicate names within a group).
  // now_ms: the time used when a data point has none, and the clock of the cumulative → delta
  // state. Thread-safe (that state is shared and locked; entries unseen for 5 minutes expire).
  //
  // Malformed bytes (truncated, a bad length or tag) append nothing and return 0, with *error
  // (when given) saying what is wrong; else *error is cleared. Cumulative points read before the
  // fault may have moved the delta state. Fields the translator does not read are skipped
  // unchecked and strings are not checked for UTF-8, so some requests libprotobuf rejects
  // translate (bad UTF-8 is written as U+FFFD); a varint past 64 bits is an error where
  // libprotobuf drops the excess bits. Otherwise the documents are those of libprotobuf's reading
  // of the bytes (a known field with another wire type is an unknown field, skipped).
  size_t Translate(std::string_view request, EmfDocuments& out, int64_t now_ms,
                   std::string* error = nullptr);
  // The same for a message (serialized, then translated as above).
  size_t Translate(const MetricsRequest& request, EmfDocuments& out, int64_t now_ms);
  // The same, as EmfEvents of plain documents.
  size_t Translate(const MetricsRequest& request, std::vector<EmfEvent>& out, int64_t now_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace adot::collector::awsemf
