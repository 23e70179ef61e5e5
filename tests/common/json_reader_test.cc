#include "common/json_reader.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace adot::common {
namespace {

JsonValue MustParse(std::string_view text) {
  JsonValue v;
  std::string error;
  EXPECT_TRUE(ParseJson(text, v, &error)) << error << " in " << text;
  return v;
}

TEST(JsonReaderTest, ParsesAllTypes) {
  JsonValue v = MustParse(
      R"( { "n": null, "t": true, "f": false, "i": -12, "d": 1.5e3, "s": "x\"y",
            "a": [1, [2, {}], "z"], "o": {"k": []} } )");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.members().size(), 8u);
  EXPECT_TRUE(v.Find("n")->is_null());
  EXPECT_TRUE(v.Find("t")->is_bool());
  EXPECT_TRUE(v.Find("t")->bool_value());
  EXPECT_FALSE(v.Find("f")->bool_value());
  EXPECT_TRUE(v.Find("i")->is_number());
  EXPECT_EQ(v.Find("i")->text(), "-12");
  double d;
  ASSERT_TRUE(v.Find("d")->GetDouble(d));
  EXPECT_EQ(d, 1500.0);
  EXPECT_EQ(v.Find("s")->text(), "x\"y");
  const JsonValue* a = v.Find("a");
  ASSERT_TRUE(a->is_array());
  ASSERT_EQ(a->array().size(), 3u);
  EXPECT_TRUE(a->array()[1].is_array());
  EXPECT_TRUE(a->array()[1].array()[1].is_object());
  EXPECT_EQ(a->array()[2].text(), "z");
  EXPECT_TRUE(v.Find("o")->Find("k")->is_array());
  EXPECT_EQ(v.Find("missing"), nullptr);
  EXPECT_EQ(a->Find("x"), nullptr);  // not an object
}

TEST(JsonReaderTest, ScalarDocuments) {
  EXPECT_TRUE(MustParse("null").is_null());
  EXPECT_TRUE(MustParse(" 0 ").is_number());
  EXPECT_EQ(MustParse("\"\"").text(), "");
  EXPECT_TRUE(MustParse("[]").array().empty());
  EXPECT_TRUE(MustParse("{}").members().empty());
}

TEST(JsonReaderTest, DuplicateKeysLastWins) {
  JsonValue v = MustParse(R"({"k": 1, "k": 2})");
  EXPECT_EQ(v.Find("k")->text(), "2");
}

TEST(JsonReaderTest, UnescapesStrings) {
  EXPECT_EQ(MustParse(R"("\"\\\/\b\f\n\r\t")").text(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(MustParse(R"("\u0041\u00e9\u20AC")").text(), "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(MustParse(R"("\u0000")").text(), std::string(1, '\0'));
  EXPECT_EQ(MustParse(R"("\ud83d\ude00")").text(), "\xF0\x9F\x98\x80");
  // Unpaired surrogates become U+FFFD so the result stays valid UTF-8.
  EXPECT_EQ(MustParse(R"("\ud83dx")").text(), "\xEF\xBF\xBDx");
  EXPECT_EQ(MustParse(R"("\ude00")").text(), "\xEF\xBF\xBD");
  EXPECT_EQ(MustParse(R"("\ud83d\u0041")").text(),
            "\xEF\xBF\xBD"
            "A");
  EXPECT_EQ(MustParse("\"caf\xC3\xA9\"").text(), "caf\xC3\xA9");
}

TEST(JsonReaderTest, Integers) {
  struct Case {
    const char* json;
    bool ok;
    int64_t value;
  };
  const Case cases[] = {
      {"0", true, 0},
      {"-0", true, 0},
      {"42", true, 42},
      {"\"42\"", true, 42},
      {"-9223372036854775808", true, std::numeric_limits<int64_t>::min()},
      {"9223372036854775807", true, std::numeric_limits<int64_t>::max()},
      {"\"9223372036854775807\"", true, std::numeric_limits<int64_t>::max()},
      {"9223372036854775808", false, 0},
      {"-9223372036854775809", false, 0},
      {"1e3", true, 1000},
      {"5.0", true, 5},
      {"1.5", false, 0},
      {"1e300", false, 0},
      {"\"abc\"", false, 0},
      {"\" 5\"", false, 0},
      {"\"05\"", false, 0},
      {"\"\"", false, 0},
      {"true", false, 0},
      {"null", false, 0},
      {"[1]", false, 0},
  };
  for (const Case& c : cases) {
    JsonValue v = MustParse(c.json);
    int64_t out = -999;
    EXPECT_EQ(v.GetInt64(out), c.ok) << c.json;
    if (c.ok) {
      EXPECT_EQ(out, c.value) << c.json;
    }
  }
  uint64_t u;
  EXPECT_TRUE(MustParse("18446744073709551615").GetUint64(u));
  EXPECT_EQ(u, std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(MustParse("18446744073709551616").GetUint64(u));
  EXPECT_FALSE(MustParse("-1").GetUint64(u));
  EXPECT_TRUE(MustParse("-0").GetUint64(u));
  EXPECT_EQ(u, 0u);
}

TEST(JsonReaderTest, Doubles) {
  double d;
  EXPECT_TRUE(MustParse("\"NaN\"").GetDouble(d));
  EXPECT_TRUE(std::isnan(d));
  EXPECT_TRUE(MustParse("\"Infinity\"").GetDouble(d));
  EXPECT_EQ(d, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(MustParse("\"-Infinity\"").GetDouble(d));
  EXPECT_EQ(d, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(MustParse("\"2.5\"").GetDouble(d));
  EXPECT_EQ(d, 2.5);
  EXPECT_TRUE(MustParse("-1E-2").GetDouble(d));
  EXPECT_EQ(d, -0.01);
  EXPECT_FALSE(MustParse("\"nan\"").GetDouble(d));
  EXPECT_FALSE(MustParse("1e999").GetDouble(d));
  EXPECT_FALSE(MustParse("false").GetDouble(d));
}

// The one-pass route for plain decimals must give exactly what from_chars gives, and leave
// everything else (exponents, more digits than fit, malformed text) to the general route.
TEST(JsonReaderTest, NumberFastPathsMatchFromChars) {
  auto expect_double = [](const std::string& text) {
    double want = 0, got = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), want);
    ASSERT_TRUE(ec == std::errc() && ptr == text.data() + text.size()) << text;
    ASSERT_TRUE(internal::ParseJsonDouble(text, got)) << text;
    EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0) << text << ": " << got << " != " << want;
  };
  for (const char* text : {"0", "-0", "-0.0", "0.1", "1732817400.123456", "9007199254740992",
                           "9007199254740993", "900719925474099.3", "0.0000000000000000000001",
                           "0.00000000000000000000001", "1234567890123456789", "12345678901234567890",
                           "179769313486231570000000000000000000000", "2.2250738585072014e-308", "1E2"})
    expect_double(text);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text = (rng() & 1) ? "-" : "";
    text += std::to_string(rng() % 10000000000ull);
    if (rng() & 1) {
      text += '.';
      const int fraction = 1 + static_cast<int>(rng() % 12);
      for (int d = 0; d < fraction; ++d) text += static_cast<char>('0' + rng() % 10);
    }
    expect_double(text);
  }
  double d;
  for (const char* bad : {"", "-", "01", "-01.5", "1.", ".5", "1.e3", "+1", "1x", "0x10", "1 "})
    EXPECT_FALSE(internal::ParseJsonDouble(bad, d)) << bad;

  int64_t n = -1;
  EXPECT_TRUE(internal::ParseJsonInt64("123456789012345678", n));
  EXPECT_EQ(n, 123456789012345678);
  EXPECT_TRUE(internal::ParseJsonInt64("-999999999999999999", n));
  EXPECT_EQ(n, -999999999999999999);
  EXPECT_TRUE(internal::ParseJsonInt64("9223372036854775807", n));
  EXPECT_EQ(n, std::numeric_limits<int64_t>::max());
  for (const char* bad : {"", "-", "01", "1.5", "9223372036854775808", "+1", "1 "})
    EXPECT_FALSE(internal::ParseJsonInt64(bad, n)) << bad;
}

// The parser-side forms read a number where it stands and stop before what follows it.
TEST(JsonReaderTest, ReadPlainNumbersStopAtTheEndOfTheNumber) {
  auto read_double = [](std::string text, double& out) {
    const char* p = text.data();
    const bool ok = internal::ReadPlainDecimal(p, text.data() + text.size(), out);
    return ok ? std::string(p) : std::string("(not read, moved ") + std::to_string(p - text.data()) + ")";
  };
  double d = 0;
  EXPECT_EQ(read_double("1732817400.123456,\"x\"", d), ",\"x\"");
  EXPECT_EQ(d, 1732817400.123456);
  EXPECT_EQ(read_double("-0.5}", d), "}");
  EXPECT_EQ(d, -0.5);
  EXPECT_EQ(read_double("7", d), "");
  EXPECT_EQ(d, 7.0);
  // Exponents, leading zeros, a fraction without digits, too many digits: the general route.
  for (const char* other : {"1e3,", "1.5E3", "01,", "1.,", "-,", "9007199254740993,", "12345678901234567890,"})
    EXPECT_EQ(read_double(other, d), "(not read, moved 0)") << other;

  auto read_int = [](std::string text, int64_t& out) {
    const char* p = text.data();
    const bool ok = internal::ReadPlainInteger(p, text.data() + text.size(), out);
    return ok ? std::string(p) : std::string("(not read, moved ") + std::to_string(p - text.data()) + ")";
  };
  int64_t n = 0;
  EXPECT_EQ(read_int("200}", n), "}");
  EXPECT_EQ(n, 200);
  EXPECT_EQ(read_int("-999999999999999999]", n), "]");
  EXPECT_EQ(n, -999999999999999999);
  for (const char* other : {"2.0}", "1e2}", "9223372036854775807}", "-,", "007,"})
    EXPECT_EQ(read_int(other, n), "(not read, moved 0)") << other;
}

TEST(JsonReaderTest, RejectsMalformedDocuments) {
  const char* bad[] = {
      "",
      " ",
      "{",
      "}",
      "[",
      "[1,]",
      "[,1]",
      "{\"a\"}",
      "{\"a\":}",
      "{\"a\":1,}",
      "{a:1}",
      "{'a':1}",
      "[1 2]",
      "{\"a\":1 \"b\":2}",
      "01",
      "1.",
      ".5",
      "+1",
      "-",
      "1e",
      "1e+",
      "0x10",
      "NaN",
      "Infinity",
      "tru",
      "nul",
      "falsey",
      "\"abc",
      "\"a\\x\"",
      "\"\\u12\"",
      "\"\\u12G4\"",
      "\"a\nb\"",
      "\"\t\"",
      "\"\\",
      "1 2",
      "{} {}",
      "[1]]",
      "\"\xff\"",
      "\"\xC0\x80\"",
      "// c\n1",
      "[1,2",
      "{\"a\":[}",
  };
  for (const char* text : bad) {
    JsonValue v;
    std::string error;
    EXPECT_FALSE(ParseJson(text, v, &error)) << testing::PrintToString(std::string(text));
    EXPECT_FALSE(error.empty()) << text;
  }
  JsonValue v;
  EXPECT_FALSE(ParseJson(std::string_view("[1]\0", 4), v));
}

TEST(JsonReaderTest, DeepNestingIsAnErrorNotACrash) {
  for (const char open : {'[', '{'}) {
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += open == '[' ? "[" : "{\"a\":";
    JsonValue v;
    std::string error;
    EXPECT_FALSE(ParseJson(deep, v, &error));
    EXPECT_NE(error.find("deep"), std::string::npos) << error;
  }
  // At the limit it still parses.
  std::string ok(kMaxJsonDepth, '[');
  ok += std::string(kMaxJsonDepth, ']');
  JsonValue v;
  EXPECT_TRUE(ParseJson(ok, v));
  std::string too_deep(kMaxJsonDepth + 1, '[');
  too_deep += std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(ParseJson(too_deep, v));
}

TEST(JsonReaderTest, ErrorNamesOffset) {
  JsonValue v;
  std::string error;
  EXPECT_FALSE(ParseJson("[1, x]", v, &error));
  EXPECT_NE(error.find("offset 4"), std::string::npos) << error;
}

TEST(JsonReaderTest, TruncationsAndCorruptionsNeverCrash) {
  const std::string valid =
      R"({"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad \u00e9 span"},)"
      R"("list":[1,2.5e-3,true,null,{"x":[]}]})";
  ASSERT_TRUE(MustParse(valid).is_object());
  for (size_t n = 0; n < valid.size(); ++n) {
    JsonValue v;
    EXPECT_FALSE(ParseJson(std::string_view(valid).substr(0, n), v)) << n;
  }
  std::mt19937 rng(11);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = valid;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < flips; ++i) s[rng() % s.size()] = "{}[]\",:0\\ea\x80"[rng() % 13];
    JsonValue v;
    (void)ParseJson(s, v);
  }
}

}  // namespace
}  // namespace adot::common
