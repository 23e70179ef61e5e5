// The reference mapping of the metrics data model to OTLP, written against the libprotobuf classes
// generated from proto/, and libprotobuf decoding of OTLP protobuf and OTLP/JSON (hex ids undone):
// shared by the encoder test and the metric exporter tests, so that what an exporter sends is
// checked by a third-party decoder against an independent mapping of the SDK's data.
#pragma once

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adot/sdk/metrics/data.h"
#include "common/json_writer.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace adot::exporters::otlp::metrics_reference {

namespace pb = opentelemetry::proto;
using api::trace::SpanId;
using api::trace::TraceId;
using pb::collector::metrics::v1::ExportMetricsServiceRequest;
using sdk::OwnedAttributes;
using sdk::OwnedAttributeValue;
using namespace sdk::metrics;

// ---------------------------------------------------------------------------------------------
// The reference mapping, written against the generated API.

inline pb::common::v1::AnyValue ToProto(const OwnedAttributeValue& value) {
  pb::common::v1::AnyValue any;
  std::visit(
      [&any](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          any.set_bool_value(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          any.set_int_value(v);
        } else if constexpr (std::is_same_v<T, double>) {
          any.set_double_value(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          any.set_string_value(v);
        } else {
          auto* array = any.mutable_array_value();
          for (const auto& x : v) *array->add_values() = ToProto(OwnedAttributeValue(
                                      static_cast<typename T::value_type>(x)));
        }
      },
      value);
  return any;
}

inline void ToProto(const OwnedAttributes& attributes,
             google::protobuf::RepeatedPtrField<pb::common::v1::KeyValue>* out) {
  for (const auto& kv : attributes) {
    auto* p = out->Add();
    p->set_key(kv.key);
    *p->mutable_value() = ToProto(kv.value);
  }
}

inline void ToProto(const std::vector<Exemplar>& exemplars,
             google::protobuf::RepeatedPtrField<pb::metrics::v1::Exemplar>* out) {
  for (const Exemplar& e : exemplars) {
    auto* p = out->Add();
    ToProto(e.filtered_attributes, p->mutable_filtered_attributes());
    p->set_time_unix_nano(e.time_unix_nano);
    if (const int64_t* i = std::get_if<int64_t>(&e.value)) {
      p->set_as_int(*i);
    } else {
      p->set_as_double(std::get<double>(e.value));
    }
    if (e.span_id.IsValid()) p->set_span_id(e.span_id.data(), SpanId::kSize);
    if (e.trace_id.IsValid()) p->set_trace_id(e.trace_id.data(), TraceId::kSize);
  }
}

inline void ToProto(const std::vector<NumberPoint>& points,
             google::protobuf::RepeatedPtrField<pb::metrics::v1::NumberDataPoint>* out) {
  for (const NumberPoint& n : points) {
    auto* p = out->Add();
    ToProto(n.attributes, p->mutable_attributes());
    p->set_start_time_unix_nano(n.start_time_unix_nano);
    p->set_time_unix_nano(n.time_unix_nano);
    if (const int64_t* i = std::get_if<int64_t>(&n.value)) {
      p->set_as_int(*i);
    } else {
      p->set_as_double(std::get<double>(n.value));
    }
    ToProto(n.exemplars, p->mutable_exemplars());
  }
}

inline void ToProto(const ExponentialBuckets& b,
             pb::metrics::v1::ExponentialHistogramDataPoint::Buckets* out) {
  out->set_offset(b.offset);
  for (uint64_t c : b.counts) out->add_bucket_counts(c);
}

inline ExportMetricsServiceRequest ToProto(const ResourceMetrics& rm) {
  ExportMetricsServiceRequest request;
  if (rm.scope_metrics.empty()) return request;
  auto* prm = request.add_resource_metrics();
  auto* resource = prm->mutable_resource();
  if (rm.resource) {
    ToProto(rm.resource->attributes(), resource->mutable_attributes());
    prm->set_schema_url(rm.resource->schema_url());
  }
  for (const ScopeMetrics& sm : rm.scope_metrics) {
    auto* psm = prm->add_scope_metrics();
    auto* scope = psm->mutable_scope();
    if (sm.scope) {
      scope->set_name(sm.scope->name);
      scope->set_version(sm.scope->version);
      ToProto(sm.scope->attributes, scope->mutable_attributes());
      psm->set_schema_url(sm.scope->schema_url);
    }
    for (const MetricData& m : sm.metrics) {
      auto* pm = psm->add_metrics();
      pm->set_name(m.name);
      pm->set_description(m.description);
      pm->set_unit(m.unit);
      if (const auto* sum = std::get_if<SumData>(&m.data)) {
        auto* ps = pm->mutable_sum();
        ToProto(sum->points, ps->mutable_data_points());
        ps->set_aggregation_temporality(
            static_cast<pb::metrics::v1::AggregationTemporality>(sum->temporality));
        ps->set_is_monotonic(sum->is_monotonic);
      } else if (const auto* gauge = std::get_if<GaugeData>(&m.data)) {
        ToProto(gauge->points, pm->mutable_gauge()->mutable_data_points());
      } else if (const auto* hist = std::get_if<HistogramData>(&m.data)) {
        auto* ph = pm->mutable_histogram();
        ph->set_aggregation_temporality(
            static_cast<pb::metrics::v1::AggregationTemporality>(hist->temporality));
        for (const HistogramPoint& h : hist->points) {
          auto* p = ph->add_data_points();
          ToProto(h.attributes, p->mutable_attributes());
          p->set_start_time_unix_nano(h.start_time_unix_nano);
          p->set_time_unix_nano(h.time_unix_nano);
          p->set_count(h.count);
          p->set_sum(h.sum);
          for (uint64_t c : h.bucket_counts) p->add_bucket_counts(c);
          for (double b : h.boundaries) p->add_explicit_bounds(b);
          ToProto(h.exemplars, p->mutable_exemplars());
          if (h.has_min_max) {
            p->set_min(h.min);
            p->set_max(h.max);
          }
        }
      } else {
        const auto& exp = std::get<ExponentialHistogramData>(m.data);
        auto* pe = pm->mutable_exponential_histogram();
        pe->set_aggregation_temporality(
            static_cast<pb::metrics::v1::AggregationTemporality>(exp.temporality));
        for (const ExponentialHistogramPoint& e : exp.points) {
          auto* p = pe->add_data_points();
          ToProto(e.attributes, p->mutable_attributes());
          p->set_start_time_unix_nano(e.start_time_unix_nano);
          p->set_time_unix_nano(e.time_unix_nano);
          p->set_count(e.count);
          p->set_sum(e.sum);
          p->set_scale(e.scale);
          p->set_zero_count(e.zero_count);
          if (e.zero_threshold != 0) p->set_zero_threshold(e.zero_threshold);
          ToProto(e.positive, p->mutable_positive());
          ToProto(e.negative, p->mutable_negative());
          ToProto(e.exemplars, p->mutable_exemplars());
          if (e.has_min_max) {
            p->set_min(e.min);
            p->set_max(e.max);
          }
        }
      }
    }
  }
  return request;
}

// ---------------------------------------------------------------------------------------------
// Decoding and comparing.

inline bool ProtoEquals(const google::protobuf::Message& a, const google::protobuf::Message& b,
                 std::string* diff) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  differencer.ReportDifferencesToString(diff);
  return differencer.Compare(a, b);
}

inline ExportMetricsServiceRequest DecodeProto(const std::string& bytes) {
  ExportMetricsServiceRequest request;
  EXPECT_TRUE(request.ParseFromString(bytes));
  return request;
}

// Replaces the OTLP/JSON hex ids by the base64 that proto3 JSON parsers expect for bytes.
inline std::string HexIdsToBase64(const std::string& json) {
  std::string out;
  size_t pos = 0;
  while (pos < json.size()) {
    size_t best = std::string::npos, key_len = 0;
    for (std::string_view key : {"\"traceId\":\"", "\"spanId\":\""}) {
      size_t at = json.find(key, pos);
      if (at < best) {
        best = at;
        key_len = key.size();
      }
    }
    if (best == std::string::npos) break;
    const size_t value_start = best + key_len;
    const size_t value_end = json.find('"', value_start);
    out.append(json, pos, value_start - pos);
    const std::string hex = json.substr(value_start, value_end - value_start);
    EXPECT_TRUE(hex.size() == 32 || hex.size() == 16) << hex;
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
    std::string raw;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
      raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    common::Base64Encode(raw, out);
    pos = value_end;
  }
  out.append(json, pos, std::string::npos);
  return out;
}

inline ExportMetricsServiceRequest DecodeJson(const std::string& json) {
  ExportMetricsServiceRequest request;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // every key we write must be a real field
  auto status =
      google::protobuf::util::JsonStringToMessage(HexIdsToBase64(json), &request, options);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return request;
}

}  // namespace adot::exporters::otlp::metrics_reference
