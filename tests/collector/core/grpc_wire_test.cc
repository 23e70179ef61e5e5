#include "collector/core/grpc_wire.h"

#include <gtest/gtest.h>

#include "common/gzip.h"
#include "common/json_writer.h"
#include "exporters/otlp/retry.h"
#include "google/rpc/status.pb.h"

namespace adot::collector::grpc_wire {
namespace {

std::string Prefix(uint8_t flag, uint32_t n) {
  std::string p(1, static_cast<char>(flag));
  for (int shift = 24; shift >= 0; shift -= 8) p += static_cast<char>((n >> shift) & 0xff);
  return p;
}

std::string Bytes(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7 + (i >> 8));
  return s;
}

TEST(GrpcWireTest, FrameUnframeRoundTrip) {
  for (size_t size : {size_t(0), size_t(1), size_t(100), size_t(70000)}) {
    std::string msg = Bytes(size);
    std::string framed = Frame(msg, false);
    ASSERT_EQ(framed.size(), size + 5);
    EXPECT_EQ(framed.substr(0, 5), Prefix(0, static_cast<uint32_t>(size)));
    std::string out, error;
    Code code = Code::kOk;
    ASSERT_TRUE(Unframe(framed, "", 1 << 20, out, code, error)) << error;
    EXPECT_EQ(out, msg);
    // An uncompressed message is fine whatever grpc-encoding says.
    ASSERT_TRUE(Unframe(framed, "gzip", 1 << 20, out, code, error)) << error;
    EXPECT_EQ(out, msg);
  }
}

TEST(GrpcWireTest, FramePrefixIsTheFramesFirstFiveBytes) {
  EXPECT_EQ(FramePrefix(false, 0), Prefix(0, 0));
  EXPECT_EQ(FramePrefix(true, 0x01020304), Prefix(1, 0x01020304));
  std::string msg = Bytes(70000);
  EXPECT_EQ(FramePrefix(false, msg.size()) + msg, Frame(msg, false));
}

TEST(GrpcWireTest, UnframeOfAMovedBodyKeepsTheMessage) {
  std::string msg = Bytes(100000);
  std::string out, error;
  Code code = Code::kOk;
  ASSERT_TRUE(Unframe(Frame(msg, false), "", 1 << 20, out, code, error)) << error;
  EXPECT_EQ(out, msg);
}

TEST(GrpcWireTest, GzipRoundTrip) {
  std::string msg(100000, 'x');
  msg += Bytes(1000);
  std::string framed = Frame(msg, true);
  EXPECT_EQ(framed[0], '\x01');
  EXPECT_LT(framed.size(), msg.size());
  uint32_t n = 0;
  for (int i = 1; i < 5; ++i) n = (n << 8) | static_cast<uint8_t>(framed[i]);
  EXPECT_EQ(n, framed.size() - 5);
  std::string plain;
  ASSERT_EQ(common::GzipDecompress(std::string_view(framed).substr(5), plain, 1 << 20), common::GunzipResult::kOk);
  EXPECT_EQ(plain, msg);
  std::string out, error;
  Code code = Code::kOk;
  ASSERT_TRUE(Unframe(framed, "gzip", 1 << 20, out, code, error)) << error;
  EXPECT_EQ(out, msg);
  // An empty message compresses too.
  ASSERT_TRUE(Unframe(Frame("", true), "gzip", 10, out, code, error)) << error;
  EXPECT_EQ(out, "");
}

TEST(GrpcWireTest, UnframeErrors) {
  std::string out, error;
  Code code = Code::kOk;
  EXPECT_FALSE(Unframe("", "", 100, out, code, error));
  EXPECT_EQ(code, Code::kInternal);
  EXPECT_FALSE(error.empty());

  // Truncated prefix.
  error.clear();
  EXPECT_FALSE(Unframe(std::string("\0\0\0", 3), "", 100, out, code, error));
  EXPECT_EQ(code, Code::kInternal);
  EXPECT_NE(error.find("prefix"), std::string::npos) << error;

  // Length says more than there is / less than there is.
  error.clear();
  EXPECT_FALSE(Unframe(Prefix(0, 10) + "abc", "", 100, out, code, error));
  EXPECT_EQ(code, Code::kInternal);
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(Unframe(Prefix(0, 2) + "abc", "", 100, out, code, error));
  EXPECT_EQ(code, Code::kInternal);
  EXPECT_FALSE(error.empty());
  // Two messages in a unary body.
  error.clear();
  EXPECT_FALSE(Unframe(Frame("ab", false) + Frame("cd", false), "", 100, out, code, error));
  EXPECT_EQ(code, Code::kInternal);

  // Flag 2 is not a valid compressed flag.
  error.clear();
  EXPECT_FALSE(Unframe(Prefix(2, 3) + "abc", "", 100, out, code, error));
  EXPECT_EQ(code, Code::kInternal);
  EXPECT_NE(error.find("flag"), std::string::npos) << error;

  // Compressed with an encoding other than gzip (or none named).
  std::string gz = Frame(std::string(1000, 'z'), true);
  ASSERT_EQ(gz[0], '\x01');
  for (std::string_view enc : {"deflate", "snappy", "", "identity"}) {
    error.clear();
    EXPECT_FALSE(Unframe(gz, enc, 1 << 20, out, code, error)) << enc;
    EXPECT_EQ(code, Code::kUnimplemented) << enc;
    EXPECT_FALSE(error.empty());
  }

  // Malformed gzip.
  error.clear();
  EXPECT_FALSE(Unframe(Prefix(1, 8) + "not gzip", "gzip", 100, out, code, error));
  EXPECT_EQ(code, Code::kInternal);

  // Over the limit: plain and after decompression (small on the wire).
  error.clear();
  EXPECT_FALSE(Unframe(Frame(std::string(101, 'a'), false), "", 100, out, code, error));
  EXPECT_EQ(code, Code::kResourceExhausted);
  error.clear();
  EXPECT_TRUE(Unframe(Frame(std::string(100, 'a'), false), "", 100, out, code, error)) << error;
  std::string bomb = Frame(std::string(1 << 20, 'a'), true);
  EXPECT_LT(bomb.size(), 10000u);
  error.clear();
  EXPECT_FALSE(Unframe(bomb, "gzip", 1000, out, code, error));
  EXPECT_EQ(code, Code::kResourceExhausted);
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_TRUE(Unframe(bomb, "gzip", 1 << 20, out, code, error)) << error;
  EXPECT_EQ(out.size(), size_t(1) << 20);
}

TEST(GrpcWireTest, PercentEncoding) {
  EXPECT_EQ(PercentEncode("plain text: ok!"), "plain text: ok!");
  EXPECT_EQ(PercentEncode("100%"), "100%25");
  EXPECT_EQ(PercentEncode("a\nb\tc"), "a%0Ab%09c");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");  // é
  EXPECT_EQ(PercentEncode(std::string("\0\x7f", 2)), "%00%7F");
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (std::string s : {std::string("bröken 100% \xe2\x9c\x93 \"x\"\r\n"), all, std::string("%%25%"), std::string()}) {
    std::string enc = PercentEncode(s);
    for (unsigned char c : enc) EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << int(c);
    EXPECT_EQ(PercentDecode(enc), s);
  }
  // Lenient decoding: lower-case hex, and invalid or incomplete escapes kept as they are.
  EXPECT_EQ(PercentDecode("%c3%a9"), "\xc3\xa9");
  EXPECT_EQ(PercentDecode("50%"), "50%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%41%4"), "A%4");
  EXPECT_EQ(PercentDecode("%41"), "A");
}

TEST(GrpcWireTest, RetryStatusDetailsRoundTrip) {
  for (int64_t seconds : {0, 1, 7, 300}) {
    std::string details = RetryStatusDetails(Code::kResourceExhausted, "too much", seconds);
    EXPECT_EQ(details.find('='), std::string::npos) << "grpc-status-details-bin is unpadded";
    EXPECT_EQ(RetryDelayMillis(details), seconds * 1000);
    std::string bytes;
    ASSERT_TRUE(common::Base64Decode(details, bytes));
    google::rpc::Status st;
    ASSERT_TRUE(st.ParseFromString(bytes));
    EXPECT_EQ(st.code(), 8);
    EXPECT_EQ(st.message(), "too much");
    ASSERT_EQ(st.details_size(), 1);
    EXPECT_EQ(st.details(0).type_url(), "type.googleapis.com/google.rpc.RetryInfo");
    auto d = exporters::otlp::RetryDelayFromGrpcStatusDetails(bytes);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->count(), seconds * 1000);
  }
  // Padded base64 is read too.
  std::string bytes, padded;
  ASSERT_TRUE(common::Base64Decode(RetryStatusDetails(Code::kUnavailable, "x", 2), bytes));
  common::Base64Encode(bytes, padded);
  EXPECT_EQ(RetryDelayMillis(padded), 2000);
  // None, not base64, or a Status without RetryInfo.
  EXPECT_EQ(RetryDelayMillis(""), -1);
  EXPECT_EQ(RetryDelayMillis("!!!not base64!!!"), -1);
  google::rpc::Status plain;
  plain.set_code(8);
  plain.set_message("no retry info");
  std::string b64;
  common::Base64Encode(plain.SerializeAsString(), b64);
  EXPECT_EQ(RetryDelayMillis(b64), -1);
}

TEST(GrpcWireTest, CodeFor) {
  EXPECT_EQ(CodeFor(Status::Ok()), Code::kOk);
  EXPECT_EQ(CodeFor(Status::Retryable("x")), Code::kUnavailable);
  EXPECT_EQ(CodeFor(Status::Exhausted("x")), Code::kResourceExhausted);
  EXPECT_EQ(CodeFor(Status::Invalid("x")), Code::kInvalidArgument);
  EXPECT_EQ(CodeFor(Status::Permanent("x")), Code::kInternal);
}

}  // namespace
}  // namespace adot::collector::grpc_wire
