// Span → AWS X-Ray segment document translation for the awsxray exporter.
//
// Follows the Go contrib translator (exporter/awsxrayexporter/internal/translator, v0.156.0) with
// the feature gates ADOT ships enabled: trace ids are converted verbatim (no timestamp validation)
// and dots are kept in annotation keys. Documents are written as Go's encoding/json writes them
// (fields in the Segment struct's order, map keys sorted, <, > and & escaped), without the trailing
// newline.
#pragma once

#include <string>
#include <vector>

#include "collector/core/pdata.h"  // TracesRequest = ExportTraceServiceRequest (protobuf)

namespace adot::collector::awsxray {

struct TranslateOptions {
  std::vector<std::string> indexed_attributes;  // config indexed_attributes
  bool index_all_attributes = false;            // config index_all_attributes
  std::vector<std::string> aws_log_groups;      // config aws_log_groups
};

class SegmentTranslator {
 public:
  explicit SegmentTranslator(TranslateOptions options);

  // Appends to `documents` the segment documents of every span in `request` (one per span, two for
  // an Application Signals LOCAL_ROOT dependency span): each a complete JSON object, no trailing
  // newline. Spans that cannot be translated (invalid trace id or link trace id) are skipped;
  // returns how many were skipped and, when first_error is not null and one was skipped, sets
  // *first_error to the reason for the first.
  //
  // Thread-safe: the translator holds only its immutable options; all working state is per call.
  size_t Translate(const TracesRequest& request, std::vector<std::string>& documents,
                   std::string* first_error = nullptr) const;

 private:
  TranslateOptions options_;
  std::vector<std::string> sorted_indexed_;  // indexed_attributes, sorted, for binary search
};

}  // namespace adot::collector::awsxray
