// Reading OTLP partial_success from exporter responses, protobuf and JSON.
#include "collector/core/partial_success.h"

#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace adot::collector {
namespace {

TEST(PartialSuccessTest, ProtobufRejectedCountAndMessage) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
  resp.mutable_partial_success()->set_rejected_spans(7);
  resp.mutable_partial_success()->set_error_message("span too old");
  auto p = ReadPartialSuccess(resp.SerializeAsString(), false);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->rejected, 7);
  EXPECT_EQ(p->error_message, "span too old");

  opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse logs;
  logs.mutable_partial_success()->set_error_message("only a warning");
  p = ReadPartialSuccess(logs.SerializeAsString(), false);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->rejected, 0);
  EXPECT_EQ(p->error_message, "only a warning");
}

TEST(PartialSuccessTest, JsonWithInt64AsStringOrNumber) {
  auto p = ReadPartialSuccess(R"({"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"bad unit"}})", true);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->rejected, 3);
  EXPECT_EQ(p->error_message, "bad unit");
  p = ReadPartialSuccess(R"({"partialSuccess":{"rejectedLogRecords":2}})", true);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->rejected, 2);
}

TEST(PartialSuccessTest, AbsentEmptyOrMalformedIsNone) {
  EXPECT_FALSE(ReadPartialSuccess("", false).has_value());
  EXPECT_FALSE(ReadPartialSuccess("{}", true).has_value());
  EXPECT_FALSE(ReadPartialSuccess(R"({"partialSuccess":{}})", true).has_value());
  EXPECT_FALSE(ReadPartialSuccess("not json", true).has_value());
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse empty_ps;
  empty_ps.mutable_partial_success();
  EXPECT_FALSE(ReadPartialSuccess(empty_ps.SerializeAsString(), false).has_value());
  EXPECT_FALSE(ReadPartialSuccess(std::string("\x0a\x05\x08", 3), false).has_value());  // truncated
}

}  // namespace
}  // namespace adot::collector
