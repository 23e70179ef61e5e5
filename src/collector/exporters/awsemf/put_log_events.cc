#include "collector/exporters/awsemf/put_log_events.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "common/json_writer.h"

namespace adot::collector::awsemf {

PutLogEventsPlan PlanPutLogEvents(const EmfDocuments& docs, int64_t now_ms) {
  PutLogEventsPlan plan;
  // Streams by (log group, log stream).
  std::vector<uint32_t> by_name(docs.streams.size());
  std::iota(by_name.begin(), by_name.end(), 0u);
  std::sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) {
    const EmfDocuments::Stream& x = docs.streams[a];
    const EmfDocuments::Stream& y = docs.streams[b];
    return x.log_group != y.log_group ? x.log_group < y.log_group : x.log_stream < y.log_stream;
  });
  std::vector<uint32_t> rank(docs.streams.size());
  for (uint32_t i = 0; i < by_name.size(); ++i) rank[by_name[i]] = i;

  plan.order.reserve(docs.documents.size());
  for (uint32_t i = 0; i < docs.documents.size(); ++i) {
    const EmfDocuments::Document& d = docs.documents[i];
    if (d.size + kEventOverhead > kMaxEventBytes) {
      ++plan.too_large;
    } else if (d.timestamp_ms < now_ms - kMaxAgeMs || d.timestamp_ms > now_ms + kMaxFutureMs) {
      ++plan.out_of_window;
    } else {
      plan.order.push_back(i);
    }
  }
  // Usually already in order (one stream, times rising): then there is nothing to sort.
  auto before = [&](uint32_t a, uint32_t b) {
    const EmfDocuments::Document& x = docs.documents[a];
    const EmfDocuments::Document& y = docs.documents[b];
    if (x.stream != y.stream) return rank[x.stream] < rank[y.stream];
    return x.timestamp_ms < y.timestamp_ms;
  };
  if (!std::is_sorted(plan.order.begin(), plan.order.end(), before))
    std::stable_sort(plan.order.begin(), plan.order.end(), before);

  size_t bytes = 0;
  for (size_t i = 0; i < plan.order.size(); ++i) {
    const EmfDocuments::Document& d = docs.documents[plan.order[i]];
    const size_t size = d.size + kEventOverhead;
    bool fits = false;
    if (!plan.calls.empty()) {
      const PutLogEventsCall& call = plan.calls.back();
      fits = call.stream == d.stream && call.end - call.begin < kMaxEventsPerCall &&
             bytes + size <= kMaxBytesPerCall &&
             d.timestamp_ms - docs.documents[plan.order[call.begin]].timestamp_ms < kMaxCallSpanMs;
    }
    if (!fits) {
      plan.calls.push_back(PutLogEventsCall{d.stream, i, i});
      bytes = 0;
    }
    ++plan.calls.back().end;
    bytes += size;
  }
  return plan;
}

void AppendPutLogEventsBody(const EmfDocuments& docs, const PutLogEventsPlan& plan,
                            const PutLogEventsCall& call, std::string& body) {
  static constexpr std::string_view kFirstEvent = "{\"timestamp\":";
  static constexpr std::string_view kNextEvent = ",{\"timestamp\":";
  static constexpr std::string_view kMessage = ",\"message\":\"";
  const EmfDocuments::Stream& stream = docs.streams[call.stream];
  size_t size = 64 + stream.log_group.size() + stream.log_stream.size();
  for (size_t i = call.begin; i < call.end; ++i) {
    const EmfDocuments::Document& d = docs.documents[plan.order[i]];
    size += kNextEvent.size() + 20 + kMessage.size() + 2 + (docs.escaped ? d.length : d.length + d.length / 4);
  }
  body.reserve(body.size() + size);
  body += "{\"logGroupName\":";
  common::AppendJsonString(stream.log_group, body);
  body += ",\"logStreamName\":";
  common::AppendJsonString(stream.log_stream, body);
  body += ",\"logEvents\":[";
  for (size_t i = call.begin; i < call.end; ++i) {
    const EmfDocuments::Document& d = docs.documents[plan.order[i]];
    body += i == call.begin ? kFirstEvent : kNextEvent;
    char buf[24];
    body.append(buf, std::to_chars(buf, buf + sizeof buf, d.timestamp_ms).ptr);
    if (docs.escaped) {
      body += kMessage;
      body += docs.Text(d);
      body += "\"}";
    } else {
      body += ",\"message\":";
      common::AppendJsonString(docs.Text(d), body);
      body += '}';
    }
  }
  body += "]}";
}

}  // namespace adot::collector::awsemf
