// The X-Ray daemon datagram the awsxray benchmarks send: one segment as an X-Ray SDK writes it, with
// HTTP and AWS (ECS, SDK) fields, annotations, metadata and 2 embedded subsegments (a DynamoDB call
// and a downstream HTTP call): 3 spans, about 1.3 KB, fresh ids from rng.
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace adot::bench::xray {

inline std::string Hex(uint64_t v, int digits) {
  static const char* d = "0123456789abcdef";
  std::string out(digits, '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[i] = d[v & 15];
  return out;
}

// now: seconds since the epoch, for the trace id and the start/end times.
inline std::string SampleDatagram(std::mt19937_64& rng, double now) {
  std::string trace = "1-" + Hex(static_cast<uint64_t>(now), 8) + "-" + Hex(rng(), 16) + Hex(rng(), 8);
  std::string id = Hex(rng(), 16), db = Hex(rng(), 16), http = Hex(rng(), 16);
  char times[256];
  std::snprintf(times, sizeof times, "%.6f", now);
  std::string start = times;
  std::snprintf(times, sizeof times, "%.6f", now + 0.0123);
  std::string end = times;
  return "{\"format\":\"json\",\"version\":1}\n{\"trace_id\":\"" + trace + "\",\"id\":\"" + id +
         "\",\"start_time\":" + start + ",\"end_time\":" + end +
         ",\"name\":\"petsearch\",\"origin\":\"AWS::ECS::Container\",\"service\":{\"version\":\"1.4.2\"},"
         "\"aws\":{\"ecs\":{\"container\":\"petsearch-7d9f\",\"container_id\":\"a1b2c3d4e5f6\"},\"xray\":{\"sdk\":"
         "\"X-Ray for Node.js\",\"sdk_version\":\"3.12.0\",\"package\":\"aws-xray-sdk-core\"}},"
         "\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"http://petsearch.local/api/search?pettype=puppy\","
         "\"user_agent\":\"Mozilla/5.0\",\"client_ip\":\"10.0.12.7\"},\"response\":{\"status\":200,\"content_length\":1432}},"
         "\"annotations\":{\"pettype\":\"puppy\",\"region\":\"us-west-2\"},\"metadata\":{\"default\":{\"cache\":\"miss\"}},"
         "\"subsegments\":[{\"id\":\"" + db + "\",\"name\":\"DynamoDB\",\"start_time\":" + start + ",\"end_time\":" + end +
         ",\"namespace\":\"aws\",\"aws\":{\"operation\":\"Query\",\"region\":\"us-west-2\",\"request_id\":"
         "\"V4T1QK7QO5VJ8R2DN0A9GHS5BJVV4KQNSO5AEMVJF66Q9ASUAAJG\",\"table_name\":\"PetsTable\",\"retries\":0},"
         "\"http\":{\"response\":{\"status\":200,\"content_length\":812}}},{\"id\":\"" + http +
         "\",\"name\":\"petlistadoptions.local\",\"start_time\":" + start + ",\"end_time\":" + end +
         ",\"namespace\":\"remote\",\"http\":{\"request\":{\"method\":\"GET\",\"url\":"
         "\"http://petlistadoptions.local/api/adoptionlist/\"},\"response\":{\"status\":200}}}]}";
}

}  // namespace adot::bench::xray
