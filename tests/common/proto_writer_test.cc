// The wire writer is checked against libprotobuf (generated OTLP classes and WireFormatLite) as an
// independent implementation; the reader against the writer and against malformed input.
#include "common/proto_writer.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace adot::common::proto {
namespace {

namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_metrics = opentelemetry::proto::metrics::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;
using google::protobuf::internal::WireFormatLite;

const std::vector<uint64_t>& InterestingU64() {
  static const std::vector<uint64_t> values = [] {
    std::vector<uint64_t> v = {0, 1, 2, 127, 128, 255, 300, 16383, 16384, 2097151, 2097152};
    for (int bits = 1; bits < 64; ++bits) {
      v.push_back((uint64_t{1} << bits) - 1);
      v.push_back(uint64_t{1} << bits);
    }
    v.push_back(std::numeric_limits<uint64_t>::max());
    return v;
  }();
  return values;
}

TEST(ProtoWriterTest, VarintSizeMatchesLibprotobuf) {
  for (uint64_t v : InterestingU64()) {
    EXPECT_EQ(VarintSize(v), google::protobuf::io::CodedOutputStream::VarintSize64(v)) << v;
    std::string out;
    {
      ProtoWriter w(out);
      w.AppendVarint(v);
    }
    EXPECT_EQ(out.size(), VarintSize(v)) << v;
  }
}

TEST(ProtoWriterTest, VarintBytesMatchLibprotobuf) {
  for (uint64_t v : InterestingU64()) {
    std::string expected;
    {
      google::protobuf::io::StringOutputStream stream(&expected);
      google::protobuf::io::CodedOutputStream coded(&stream);
      coded.WriteVarint64(v);
    }
    std::string out;
    ProtoWriter w(out);
    w.AppendVarint(v);
    w.Finish();
    EXPECT_EQ(out, expected) << v;
  }
}

TEST(ProtoWriterTest, ZigZagMatchesLibprotobuf) {
  const std::vector<int64_t> values = {0,         1,         -1,        2,         -2,
                                       INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, 123456789};
  for (int64_t v : values) {
    EXPECT_EQ(ZigZag64(v), WireFormatLite::ZigZagEncode64(v)) << v;
    EXPECT_EQ(UnZigZag64(ZigZag64(v)), v) << v;
    const auto v32 = static_cast<int32_t>(v);
    EXPECT_EQ(ZigZag32(v32), WireFormatLite::ZigZagEncode32(v32)) << v32;
  }
}

TEST(ProtoWriterTest, TagSize) {
  EXPECT_EQ(TagSize(1), 1u);
  EXPECT_EQ(TagSize(15), 1u);
  EXPECT_EQ(TagSize(16), 2u);
  EXPECT_EQ(TagSize(2047), 2u);
  EXPECT_EQ(TagSize(2048), 3u);
  EXPECT_EQ(TagSize(kMaxFieldNumber), 5u);
}

// Every scalar writer against a generated message with a field of that type.
TEST(ProtoWriterTest, ScalarFieldsDecodeWithLibprotobuf) {
  std::string out;
  {
    ProtoWriter w(out);
    w.WriteFixed64(7, 1544712660000000000ull);  // start_time_unix_nano
    w.WriteFixed64(8, std::numeric_limits<uint64_t>::max());
    w.WriteVarint(10, 4000000000u);  // dropped_attributes_count (uint32)
    w.WriteVarint(6, 3);             // kind
    w.WriteFixed32(16, 0x301);       // flags
    w.WriteString(5, "name \xE2\x82\xAC");
    const uint8_t id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0xff};
    w.WriteBytes(1, id, sizeof id);
  }
  otlp_trace::Span span;
  ASSERT_TRUE(span.ParseFromString(out));
  EXPECT_EQ(span.start_time_unix_nano(), 1544712660000000000ull);
  EXPECT_EQ(span.end_time_unix_nano(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(span.dropped_attributes_count(), 4000000000u);
  EXPECT_EQ(span.kind(), otlp_trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(span.flags(), 0x301u);
  EXPECT_EQ(span.name(), "name \xE2\x82\xAC");
  ASSERT_EQ(span.trace_id().size(), 16u);
  EXPECT_EQ(static_cast<uint8_t>(span.trace_id()[15]), 0xff);
  EXPECT_TRUE(span.GetReflection()->GetUnknownFields(span).empty());
}

TEST(ProtoWriterTest, SignedAndDoubleFieldsDecodeWithLibprotobuf) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{42}, INT64_MIN, INT64_MAX}) {
    std::string out;
    {
      ProtoWriter w(out);
      w.WriteInt64(3, v);  // AnyValue.int_value
    }
    otlp_common::AnyValue any;
    ASSERT_TRUE(any.ParseFromString(out));
    EXPECT_EQ(any.int_value(), v);
  }
  for (double d : {0.0, -0.0, 1.5, -1e300, std::numeric_limits<double>::denorm_min(),
                   std::numeric_limits<double>::infinity()}) {
    std::string out;
    {
      ProtoWriter w(out);
      w.WriteDouble(4, d);
    }
    otlp_common::AnyValue any;
    ASSERT_TRUE(any.ParseFromString(out));
    EXPECT_EQ(std::signbit(any.double_value()), std::signbit(d));
    EXPECT_EQ(any.double_value(), d);
  }
  // sint32 (scale), sfixed64 (as_int), int32 via a negative value.
  for (int32_t scale : {0, 1, -1, 20, -10, INT32_MAX, INT32_MIN}) {
    std::string out;
    {
      ProtoWriter w(out);
      w.WriteSint32(6, scale);
      w.WriteFixed64(4, 17);  // count
      w.WriteBool(10, true);  // flags (uint32) = 1
    }
    otlp_metrics::ExponentialHistogramDataPoint point;
    ASSERT_TRUE(point.ParseFromString(out));
    EXPECT_EQ(point.scale(), scale);
    EXPECT_EQ(point.count(), 17u);
    EXPECT_EQ(point.flags(), 1u);
  }
  std::string out;
  {
    ProtoWriter w(out);
    w.WriteSfixed64(6, -5);
  }
  otlp_metrics::NumberDataPoint point;
  ASSERT_TRUE(point.ParseFromString(out));
  EXPECT_EQ(point.as_int(), -5);
}

TEST(ProtoWriterTest, NegativeInt32TakesTenBytes) {
  std::string out;
  {
    ProtoWriter w(out);
    w.WriteInt32(8, -1);  // AnyValue.string_value_strindex (int32)
  }
  EXPECT_EQ(out.size(), 11u);
  otlp_common::AnyValue any;
  ASSERT_TRUE(any.ParseFromString(out));
  EXPECT_EQ(any.string_value_strindex(), -1);
}

// Nested messages of many sizes with every length-byte guess must produce exactly the bytes
// libprotobuf produces (canonical lengths, no padding).
TEST(ProtoWriterTest, BackpatchedMessagesAreCanonical) {
  const std::vector<size_t> sizes = {0,     1,     120,   121,   122,   126,   127,     128,    129,
                                     16379, 16380, 16381, 16382, 16383, 16384, 2097140, 2097152};
  for (size_t n : sizes) {
    otlp_common::KeyValue expected;
    expected.set_key("k");
    expected.mutable_value()->set_string_value(std::string(n, 'x'));
    otlp_common::ArrayValue array;
    *array.add_values() = expected.value();
    for (uint32_t guess : {1u, 2u, 3u, 5u}) {
      std::string out;
      {
        ProtoWriter w(out);
        // ArrayValue { values: AnyValue { string_value } } written around a KeyValue-shaped
        // payload.
        auto outer = w.BeginMessage(1, guess);
        w.WriteString(1, std::string(n, 'x'));
        w.EndMessage(outer);
      }
      EXPECT_EQ(out, array.SerializeAsString()) << "n=" << n << " guess=" << guess;

      std::string kv_out;
      {
        ProtoWriter w(kv_out);
        w.WriteString(1, "k");
        auto value = w.BeginMessage(2, guess);
        w.WriteString(1, std::string(n, 'x'));
        w.EndMessage(value);
      }
      EXPECT_EQ(kv_out, expected.SerializeAsString()) << "n=" << n << " guess=" << guess;
    }
  }
}

// A message ended, extended and ended again (while it is the last thing written) is canonical
// each time, also when its length needs more bytes than before and its payload moves.
TEST(ProtoWriterTest, ExtensibleMessagesCanBeEndedAgain) {
  std::string out;
  ProtoWriter w(out);
  auto outer = w.BeginMessage(1, 1);  // ArrayValue.values (an AnyValue)
  auto inner = w.BeginMessage(7, 2);  // AnyValue.bytes_value: a length-delimited payload
  otlp_common::ArrayValue expected;
  std::string payload;
  for (size_t add : {10u, 100u, 20000u, 5u, 3000000u}) {
    payload.append(add, 'p');
    w.AppendRaw(std::string(add, 'p').data(), add);
    w.EndExtensibleMessage(inner);
    const size_t outer_start = outer.content_start;
    w.EndExtensibleMessage(outer);
    inner.content_start += outer.content_start - outer_start;  // moved with outer's payload
    expected.Clear();
    expected.add_values()->set_bytes_value(payload);
    w.Finish();
    ASSERT_EQ(out, expected.SerializeAsString()) << "after " << payload.size() << " bytes";
  }
}

TEST(ProtoWriterTest, DeepNestingWithGrowthWhileOpen) {
  // Marks are offsets, so buffer reallocation between Begin and End must be harmless.
  otlp_common::AnyValue expected;
  otlp_common::AnyValue* cur = &expected;
  for (int depth = 0; depth < 20; ++depth) {
    auto* kv = cur->mutable_kvlist_value()->add_values();
    kv->set_key(std::string(depth * 100, 'k'));
    cur = kv->mutable_value();
  }
  cur->set_string_value(std::string(100000, 's'));

  std::string out;
  {
    ProtoWriter w(out);
    std::vector<ProtoWriter::Mark> marks;
    for (int depth = 0; depth < 20; ++depth) {
      marks.push_back(w.BeginMessage(6));  // AnyValue.kvlist_value
      marks.push_back(w.BeginMessage(1));  // KeyValueList.values
      if (depth != 0) w.WriteString(1, std::string(depth * 100, 'k'));
      marks.push_back(w.BeginMessage(2));  // KeyValue.value
    }
    w.WriteString(1, std::string(100000, 's'));
    for (auto it = marks.rbegin(); it != marks.rend(); ++it) w.EndMessage(*it);
  }
  EXPECT_EQ(out, expected.SerializeAsString());
}

TEST(ProtoWriterTest, AppendsAfterExistingContentAndTrims) {
  std::string out = "prefix";
  out.reserve(1 << 20);  // spare capacity must not leak into the size
  {
    ProtoWriter w(out);
    w.WriteVarint(1, 150);
    EXPECT_EQ(w.size(), 6u + 3u);
  }
  EXPECT_EQ(out, std::string("prefix\x08\x96\x01", 9));

  std::string again = out;
  ProtoWriter w(again);
  w.Reserve(4096);
  w.WriteBool(2, false);
  w.Finish();
  EXPECT_EQ(again, out + std::string("\x10\x00", 2));
  w.WriteBool(2, true);  // usable after Finish
  w.Finish();
  EXPECT_EQ(again, out + std::string("\x10\x00\x10\x01", 4));
}

TEST(ProtoWriterTest, LengthDelimitedHeaderAndRawPieces) {
  std::string out;
  {
    ProtoWriter w(out);
    w.WriteLengthDelimitedHeader(2, 3);  // KeyValue.value with a 3-byte AnyValue
    w.AppendTag(1, WireType::kLengthDelimited);
    w.AppendVarint(1);
    w.AppendRaw("z", 1);
    w.AppendTag(3, WireType::kVarint);
    w.AppendVarint(7);
  }
  otlp_common::KeyValue kv;
  ASSERT_TRUE(kv.ParseFromString(out));
  EXPECT_EQ(kv.value().string_value(), "z");
  EXPECT_EQ(kv.key_strindex(), 7);
  EXPECT_EQ(LengthDelimitedFieldSize(2, 3), 5u);

  std::string fixed;
  {
    ProtoWriter w(fixed);
    w.AppendFixed32(0x04030201);
    w.AppendFixed64(0x0c0b0a0908070605ull);
  }
  EXPECT_EQ(fixed, std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 12));
}

// ----------------------------------------------------------------------------------------------
// Reader

TEST(ProtoReaderTest, ReadsEveryWireType) {
  otlp_trace::Span span;
  span.set_trace_id(std::string(16, '\x01'));
  span.set_kind(otlp_trace::Span::SPAN_KIND_SERVER);
  span.set_start_time_unix_nano(0x0102030405060708ull);
  span.set_flags(0x80000101u);
  span.set_dropped_attributes_count(300);
  const std::string bytes = span.SerializeAsString();

  ProtoReader r(bytes);
  ProtoReader::Field f;
  std::vector<uint32_t> numbers;
  while (r.Next(f)) {
    numbers.push_back(f.number);
    switch (f.number) {
      case 1:
        EXPECT_EQ(f.type, WireType::kLengthDelimited);
        EXPECT_EQ(f.bytes, std::string(16, '\x01'));
        break;
      case 6:
        EXPECT_EQ(f.type, WireType::kVarint);
        EXPECT_EQ(f.value, 2u);
        break;
      case 7:
        EXPECT_EQ(f.type, WireType::kFixed64);
        EXPECT_EQ(f.value, 0x0102030405060708ull);
        break;
      case 10:
        EXPECT_EQ(f.type, WireType::kVarint);
        EXPECT_EQ(f.value, 300u);
        break;
      case 16:
        EXPECT_EQ(f.type, WireType::kFixed32);
        EXPECT_EQ(f.value, 0x80000101u);
        break;
      default:
        ADD_FAILURE() << "unexpected field " << f.number;
    }
  }
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(numbers, (std::vector<uint32_t>{1, 6, 7, 10, 16}));
}

TEST(ProtoReaderTest, EmptyInputIsOk) {
  ProtoReader r("");
  ProtoReader::Field f;
  EXPECT_FALSE(r.Next(f));
  EXPECT_TRUE(r.ok());
}

TEST(ProtoReaderTest, RejectsMalformedInput) {
  const std::vector<std::string> bad = {
      std::string("\x08", 1),                     // varint value missing
      std::string("\x08\x80", 2),                 // truncated varint
      "\x08" + std::string(10, '\x80') + "\x01",  // 11-byte varint
      "\x08" + std::string(9, '\xff') + "\x02",   // 10 bytes, overflows 64 bits
      std::string("\x0a\x05"
                  "abc",
                  5),                              // length past the end
      std::string("\x0a\xff\xff\xff\xff\x0f", 6),  // huge length
      std::string("\x0a", 1),                      // length missing
      std::string("\x09\x01\x02\x03", 4),          // truncated fixed64
      std::string("\x0d\x01\x02", 3),              // truncated fixed32
      std::string("\x00\x01", 2),                  // field number 0
      std::string("\x0b", 1),                      // start group
      std::string("\x0c", 1),                      // end group
      std::string("\x0e\x00", 2),                  // wire type 6
      std::string("\x0f\x00", 2),                  // wire type 7
      std::string("\x80", 1),                      // truncated tag
      std::string("\xf8\xff\xff\xff\x7f\x00", 6),  // field number above 2^29-1
  };
  for (const std::string& input : bad) {
    ProtoReader r(input);
    ProtoReader::Field f;
    while (r.Next(f)) {
    }
    EXPECT_FALSE(r.ok()) << testing::PrintToString(input);
  }
}

TEST(ProtoReaderTest, TenByteVarintWithTopBitIsAccepted) {
  const std::string input = "\x08" + std::string(9, '\xff') + "\x01";  // 10-byte varint
  ProtoReader r(input);
  ProtoReader::Field f;
  ASSERT_TRUE(r.Next(f));
  EXPECT_EQ(f.value, std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(r.Next(f));
  EXPECT_TRUE(r.ok());
}

// Every truncation and random corruption of a valid message: the reader stays inside the input
// (checked by the views it returns, and by ASan in the sanitizer build) and fails cleanly.
TEST(ProtoReaderTest, TruncationsAndCorruptionsStayInBounds) {
  otlp_trace::Span span;
  span.set_trace_id(std::string(16, 'a'));
  span.set_name("a span name");
  span.set_start_time_unix_nano(12345);
  span.set_flags(0x101);
  auto* kv = span.add_attributes();
  kv->set_key("key");
  kv->mutable_value()->set_int_value(-3);
  const std::string valid = span.SerializeAsString();

  std::mt19937 rng(42);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string input = valid;
    if (iter < static_cast<int>(valid.size())) {
      input.resize(static_cast<size_t>(iter));
    } else {
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < flips; ++i) input[rng() % input.size()] = static_cast<char>(rng());
    }
    ProtoReader r(input);
    ProtoReader::Field f;
    size_t fields = 0;
    while (r.Next(f)) {
      ++fields;
      if (f.type == WireType::kLengthDelimited && !f.bytes.empty()) {
        ASSERT_GE(f.bytes.data(), input.data());
        ASSERT_LE(f.bytes.data() + f.bytes.size(), input.data() + input.size());
        // Nested parse of arbitrary bytes must be just as safe.
        ProtoReader inner(f.bytes);
        ProtoReader::Field g;
        while (inner.Next(g)) {
        }
      }
      ASSERT_LE(fields, input.size());
    }
  }
}

}  // namespace
}  // namespace adot::common::proto
