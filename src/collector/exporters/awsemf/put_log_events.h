// CloudWatch Logs PutLogEvents calls of a batch of EMF documents (awsemf exporter): the plan (the
// documents of each log stream in time order, cut into calls within PutLogEvents' limits) and each
// call's JSON body, assembled from the documents as they were written (escaped, EmfDocuments).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "collector/exporters/awsemf/emf_translator.h"

namespace adot::collector::awsemf {

// PutLogEvents limits.
constexpr size_t kMaxEventsPerCall = 10000;
constexpr size_t kMaxBytesPerCall = 1048576;  // sum of (message bytes + 26)
constexpr size_t kEventOverhead = 26;
constexpr size_t kMaxEventBytes = 256 * 1024;  // message + 26
constexpr int64_t kMaxCallSpanMs = 24 * 3600 * 1000;
constexpr int64_t kMaxAgeMs = 14LL * 24 * 3600 * 1000;
constexpr int64_t kMaxFutureMs = 2 * 3600 * 1000;

struct PutLogEventsCall {
  uint32_t stream = 0;     // EmfDocuments::streams[stream]
  size_t begin = 0, end = 0;  // its documents: PutLogEventsPlan::order[begin, end)
};

struct PutLogEventsPlan {
  std::vector<uint32_t> order;  // EmfDocuments::documents indices, by stream, then time
  std::vector<PutLogEventsCall> calls;  // by stream (log group, then log stream name), then time
  size_t too_large = 0;      // documents dropped: over 256 KiB with the event overhead
  size_t out_of_window = 0;  // documents dropped: older than 14 days or over 2 hours ahead of now
};

// Groups the documents by log stream (streams ordered by log group, then log stream name), orders
// each stream's documents by time (stably) and cuts them into calls of at most 10,000 events and
// 1 MiB (document bytes + 26 each) spanning less than 24 hours. Documents CloudWatch would reject
// are left out and counted instead.
PutLogEventsPlan PlanPutLogEvents(const EmfDocuments& docs, int64_t now_ms);

// Appends one call's body: {"logGroupName":..., "logStreamName":..., "logEvents":[{"timestamp":
// ..., "message": "<document>"}, ...]}. Escaped documents are copied as they are.
void AppendPutLogEventsBody(const EmfDocuments& docs, const PutLogEventsPlan& plan,
                            const PutLogEventsCall& call, std::string& body);

}  // namespace adot::collector::awsemf
