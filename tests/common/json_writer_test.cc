// JSON writer output is checked with exact strings and with libprotobuf's JSON parser (into
// google.protobuf.Value) as an independent validator.
#include "common/json_writer.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "common/json_reader.h"
#include "opentelemetry/proto/common/v1/common.pb.h"

namespace adot::common {
namespace {

// Parses json with libprotobuf (a third-party parser); fails the test when it is not valid JSON.
google::protobuf::Value ParseWithLibprotobuf(const std::string& json) {
  google::protobuf::Value value;
  auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << json;
  return value;
}

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(s, out);
  return out;
}

TEST(JsonWriterTest, StructureAndCommas) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("a");
  w.Int64(1);
  w.Key("b");
  w.BeginArray();
  w.BeginArray();
  w.EndArray();
  w.BeginObject();
  w.EndObject();
  w.Null();
  w.Bool(true);
  w.Bool(false);
  w.String("s");
  w.EndArray();
  w.Key("c");
  w.BeginObject();
  w.Key("d");
  w.Raw("[1,2]");
  w.EndObject();
  w.EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":[[],{},null,true,false,"s"],"c":{"d":[1,2]}})");
  ParseWithLibprotobuf(out);
}

TEST(JsonWriterTest, EscapesQuotesBackslashAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), R"("plain")");
  EXPECT_EQ(Quoted("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(Quoted(std::string_view("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  // Every control character round-trips through an independent parser.
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  auto value = ParseWithLibprotobuf(Quoted(all));
  EXPECT_EQ(value.string_value(), all);
  JsonValue mine;
  ASSERT_TRUE(ParseJson(Quoted(all), mine));
  EXPECT_EQ(mine.text(), all);
}

TEST(JsonWriterTest, SpecialCharacterAtEveryOffset) {
  // The plain-run scan works on 8-byte words: put each special byte at every position around
  // the word boundaries, next to its neighbours in value (0x1f/0x20, 0x21/'"'/0x23, 0x7f/0x80).
  const std::pair<char, std::string> specials[] = {
      {'"', "\\\""}, {'\\', "\\\\"},           {'\x1f', "\\u001f"},     {'\x00', "\\u0000"},
      {'\n', "\\n"}, {'\x80', "\xEF\xBF\xBD"}, {'\xff', "\xEF\xBF\xBD"}};
  for (size_t len = 1; len <= 24; ++len) {
    for (size_t at = 0; at < len; ++at) {
      for (const auto& [c, escaped] : specials) {
        std::string s(len, 'a');
        s[at] = c;
        if (at > 0) s[at - 1] = ' ';        // 0x20: the first byte that needs no escape
        if (at + 1 < len) s[at + 1] = '#';  // 0x23, just above '"'
        std::string expected = "\"" + s.substr(0, at) + escaped + s.substr(at + 1) + "\"";
        EXPECT_EQ(Quoted(s), expected) << len << " " << at << " " << int(c);
      }
      const std::string plain(len, '~');  // 0x7e: the last plain byte
      EXPECT_EQ(Quoted(plain), "\"" + plain + "\"");
    }
  }
}

TEST(JsonWriterTest, KeepsValidUtf8) {
  const std::string s = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF \xF4\x8F\xBF\xBF";
  EXPECT_EQ(Quoted(s), "\"" + s + "\"");
  EXPECT_TRUE(IsValidUtf8(s));
  EXPECT_EQ(ParseWithLibprotobuf(Quoted(s)).string_value(), s);
}

TEST(JsonWriterTest, ReplacesInvalidUtf8) {
  const std::string kReplacement = "\xEF\xBF\xBD";
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"\xff", kReplacement},
      {"a\x80z", "a" + kReplacement + "z"},
      {"\xC0\x80", kReplacement + kReplacement},                     // overlong NUL
      {"\xC1\xBF", kReplacement + kReplacement},                     // overlong
      {"\xE0\x80\x80", kReplacement + kReplacement + kReplacement},  // overlong 3-byte
      {"\xED\xA0\x80", kReplacement + kReplacement + kReplacement},  // surrogate D800
      {"\xF4\x90\x80\x80", std::string() + kReplacement + kReplacement + kReplacement +
                               kReplacement},            // above U+10FFFF
      {"\xE2\x82", kReplacement + kReplacement},         // truncated at the end
      {"\xE2\x82x", kReplacement + kReplacement + "x"},  // truncated in the middle
      {"\xF0\x9F\x98", kReplacement + kReplacement + kReplacement},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(IsValidUtf8(c.in)) << testing::PrintToString(c.in);
    EXPECT_EQ(Quoted(c.in), "\"" + c.out + "\"") << testing::PrintToString(c.in);
    std::string sanitized;
    AppendSanitizedUtf8(c.in, sanitized);
    EXPECT_EQ(sanitized, c.out) << testing::PrintToString(c.in);
    EXPECT_TRUE(IsValidUtf8(sanitized));
  }
}

TEST(JsonWriterTest, RandomBytesAlwaysGiveValidJson) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    const std::string json = Quoted(s);
    EXPECT_TRUE(IsValidUtf8(json));
    JsonValue mine;
    ASSERT_TRUE(ParseJson(json, mine)) << testing::PrintToString(s);
    if (IsValidUtf8(s)) {
      EXPECT_EQ(mine.text(), s);
    }
    google::protobuf::Value value;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &value).ok())
        << testing::PrintToString(json);
  }
}

// Long strings are escaped in blocks: escapes and multi-byte sequences at every position around
// the block boundaries come out as a plain one-character-at-a-time escaper writes them.
TEST(JsonWriterTest, LongStringsMatchAPerCharacterEscaper) {
  auto reference = [](std::string_view s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
      const auto c = static_cast<uint8_t>(s[i]);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c < 0x20) {
        char u[8];
        std::snprintf(u, sizeof u, "\\u%04x", c);
        if (c == '\r' || c == '\t' || c == '\b' || c == '\f')
          std::snprintf(u, sizeof u, "\\%c", c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f');
        out += u;
      } else if (c < 0x80) {
        out += static_cast<char>(c);
      } else {
        // Test inputs use only well-formed two- and three-byte sequences and lone 0xff.
        const size_t len = c == 0xff ? 0 : c >= 0xe0 ? 3 : 2;
        if (len == 0 || i + len > s.size()) {
          out += "\xEF\xBF\xBD";
          ++i;
          continue;
        }
        out.append(s.substr(i, len));
        i += len;
        continue;
      }
      ++i;
    }
    return out + "\"";
  };
  const std::string pieces[] = {"a", "\"", "\\", "\n", "\x01", "\t", "\xc3\xa9", "\xe2\x82\xac", "\xff", "abcdefgh"};
  std::mt19937 rng(11);
  for (int iter = 0; iter < 300; ++iter) {
    std::string s;
    const size_t target = 400 + rng() % 1400;
    while (s.size() < target) s += pieces[rng() % std::size(pieces)];
    std::string out = "prefix";
    AppendJsonString(s, out);
    ASSERT_EQ(out, "prefix" + reference(s)) << iter;
  }
  // A sequence cut by the end of the string, right at a block boundary.
  std::string cut(511, 'x');
  cut += "\xe2\x82";
  std::string out;
  AppendJsonString(cut, out);
  EXPECT_EQ(out, "\"" + std::string(511, 'x') + "\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonWriterTest, IsValidUtf8FastPathBoundaries) {
  // A bad byte at every position around the 8-byte blocks of the ASCII fast path.
  for (size_t len = 1; len < 40; ++len) {
    for (size_t bad = 0; bad < len; ++bad) {
      std::string s(len, 'a');
      EXPECT_TRUE(IsValidUtf8(s));
      s[bad] = '\x80';
      EXPECT_FALSE(IsValidUtf8(s)) << len << " " << bad;
    }
  }
}

TEST(JsonWriterTest, Integers) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.Int64(std::numeric_limits<int64_t>::min());
  w.Int64(0);
  w.Uint64(std::numeric_limits<uint64_t>::max());
  w.Int64String(std::numeric_limits<int64_t>::min());
  w.Int64String(-1);
  w.Uint64String(std::numeric_limits<uint64_t>::max());
  w.Uint64String(0);
  w.EndArray();
  EXPECT_EQ(out,
            "[-9223372036854775808,0,18446744073709551615,\"-9223372036854775808\",\"-1\","
            "\"18446744073709551615\",\"0\"]");
  ParseWithLibprotobuf(out);
}

TEST(JsonWriterTest, DoublesRoundTrip) {
  std::mt19937_64 rng(1);
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                -2.5,
                                0.1,
                                1.0 / 3.0,
                                1e300,
                                -1e-300,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::lowest(),
                                std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::denorm_min(),
                                9007199254740993.0};
  for (int i = 0; i < 5000; ++i) {
    double d;
    uint64_t bits = rng();
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) values.push_back(d);
  }
  for (double d : values) {
    std::string out;
    AppendJsonDouble(d, out);
    JsonValue mine;
    ASSERT_TRUE(ParseJson(out, mine)) << out;
    ASSERT_TRUE(mine.is_number()) << out;
    double back;
    ASSERT_TRUE(mine.GetDouble(back));
    EXPECT_EQ(std::memcmp(&back, &d, sizeof d), 0) << out;
    // And an independent parser agrees on the value.
    EXPECT_EQ(ParseWithLibprotobuf(out).number_value(), d) << out;
  }
}

TEST(JsonWriterTest, NonFiniteDoublesAreProto3Strings) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.Double(std::numeric_limits<double>::quiet_NaN());
  w.Double(std::numeric_limits<double>::infinity());
  w.Double(-std::numeric_limits<double>::infinity());
  w.Double(1.5);
  w.EndArray();
  EXPECT_EQ(out, R"(["NaN","Infinity","-Infinity",1.5])");
  ParseWithLibprotobuf(out);
}

TEST(JsonWriterTest, HexAndBase64Strings) {
  const uint8_t bytes[] = {0x00, 0x01, 0xab, 0xcd, 0xef, 0xff};
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.HexString(bytes, sizeof bytes);
  w.Base64String(bytes, sizeof bytes);
  w.HexString(bytes, 0);
  w.EndArray();
  EXPECT_EQ(out, R"(["0001abcdefff","AAGrze//",""])");
}

TEST(JsonWriterTest, KeysAreEscaped) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("we\"ird\n");
  w.String("v");
  w.EndObject();
  EXPECT_EQ(out, R"({"we\"ird\n":"v"})");
  auto value = ParseWithLibprotobuf(out);
  EXPECT_EQ(value.struct_value().fields().at("we\"ird\n").string_value(), "v");
}

// ----------------------------------------------------------------------------------------------
// Base64

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    std::string out;
    Base64Encode(plain, out);
    EXPECT_EQ(out, encoded);
    std::string decoded;
    ASSERT_TRUE(Base64Decode(encoded, decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
}

TEST(Base64Test, AppendsToExistingContent) {
  std::string out = "x:";
  Base64Encode("foobar", out);
  EXPECT_EQ(out, "x:Zm9vYmFy");
  std::string decoded = "y:";
  ASSERT_TRUE(Base64Decode("Zm9v", decoded));
  EXPECT_EQ(decoded, "y:foo");
}

TEST(Base64Test, RandomRoundTripMatchesLibprotobuf) {
  // libprotobuf writes bytes fields as standard padded base64: a third-party reference.
  std::mt19937 rng(3);
  for (int iter = 0; iter < 500; ++iter) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string encoded;
    Base64Encode(bytes, encoded);

    opentelemetry::proto::common::v1::AnyValue any;
    any.set_bytes_value(bytes);
    std::string reference;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(any, &reference).ok());
    EXPECT_EQ(reference, "{\"bytesValue\":\"" + encoded + "\"}");

    std::string decoded;
    ASSERT_TRUE(Base64Decode(encoded, decoded));
    EXPECT_EQ(decoded, bytes);
  }
}

TEST(Base64Test, DecodesUrlSafeAndUnpadded) {
  std::string out;
  ASSERT_TRUE(Base64Decode("AAGrze__", out));
  EXPECT_EQ(out, std::string("\x00\x01\xab\xcd\xef\xff", 6));
  out.clear();
  ASSERT_TRUE(Base64Decode("Zm9vYg", out));
  EXPECT_EQ(out, "foob");
  out.clear();
  ASSERT_TRUE(Base64Decode("Zm9vYmE", out));
  EXPECT_EQ(out, "fooba");
}

TEST(Base64Test, RejectsInvalidInput) {
  for (std::string_view bad : {"Zm9v!", "Z", "Zm9vY", "Zm=v", "Zm9vYg=", "Zm9v====", "Zm 9v",
                               "Zg===", "====", "\xff\xff\xff\xff"}) {
    std::string out;
    EXPECT_FALSE(Base64Decode(bad, out)) << bad;
  }
}

}  // namespace
}  // namespace adot::common
