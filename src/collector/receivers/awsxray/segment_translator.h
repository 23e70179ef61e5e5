// The awsxray receiver's translation of one X-Ray segment document (aws/xray_segment.h) into OTLP
// spans: the mapping of the Go collector's receiver/awsxrayreceiver/internal/translator, which is
// largely the inverse of the awsxray exporter's (so X-Ray SDK -> collector -> X-Ray keeps the
// document's content). The segment and its embedded subsegments become one span each, flattened
// in document order (a parent before its children); the resource comes from the top-level
// document. segment_translator.cc lists the field-by-field mapping.
#pragma once

#include <string>

#include "aws/xray_segment.h"
#include "common/proto_writer.h"

namespace adot::collector::awsxray {

// Appends parsed segment documents to `request`, a writer of the protobuf encoding of an
// ExportTraceServiceRequest (one writer for a whole batch: its buffer grows geometrically instead
// of per document). The spans are written straight as OTLP bytes: no protobuf objects are built,
// and the batch goes down the pipeline without being encoded again.
class SegmentBatch {
 public:
  explicit SegmentBatch(common::proto::ProtoWriter& request) noexcept : w_(request) {}

  // Appends the spans of one document (the segment and all its embedded subsegments, flattened)
  // under its resource (from the segment: cloud.provider, service.name, the aws block's
  // ec2/ecs/eks/elastic_beanstalk fields, telemetry.sdk.* from aws.xray, ...): in the ResourceSpans
  // and ScopeSpans the previous document's spans went in when its resource is the same (segments
  // of one service, the common case for a daemon, do not repeat it), else in a new one. The
  // request is complete after each call. Returns the number of spans appended. On a document
  // that cannot be translated (e.g. an id that is not hex, a subsegment missing a required field,
  // a namespace other than "aws"/"remote", a sql.url without a database name) appends nothing,
  // returns 0 and sets error to a message naming the field (e.g.
  // `subsegments[1].subsegments[0].id: ...`).
  size_t Append(const aws::xray::Segment& segment, std::string& error);

 private:
  common::proto::ProtoWriter& w_;
  // The last ResourceSpans and its ScopeSpans, while they end the request.
  bool open_ = false;
  size_t open_end_ = 0;       // w_.size() after them
  size_t resource_size_ = 0;  // bytes of its resource field, at resource_spans_.content_start
  common::proto::ProtoWriter::Mark resource_spans_{}, scope_spans_{};
};

// One document on its own: SegmentBatch(request).Append(segment, error).
size_t AppendSegment(const aws::xray::Segment& segment, common::proto::ProtoWriter& request,
                     std::string& error);

}  // namespace adot::collector::awsxray
