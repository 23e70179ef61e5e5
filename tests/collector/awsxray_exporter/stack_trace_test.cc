// Stack trace parsing of the X-Ray translator, per SDK language.
#include "collector/exporters/awsxray/stack_trace.h"

#include <gtest/gtest.h>

#include <random>

namespace adot::collector::awsxray {
namespace {

std::vector<ParsedException> Parse(std::string_view stacktrace, std::string_view language,
                                   std::string_view type = "T", std::string_view message = "m") {
  std::vector<ParsedException> out;
  ParseException(type, message, stacktrace, language, out);
  return out;
}

void ExpectFrame(const StackFrame& f, std::string_view path, int64_t line, std::string_view label) {
  EXPECT_EQ(f.path, path);
  EXPECT_EQ(f.line, line);
  EXPECT_EQ(f.label, label);
}

TEST(StackTraceTest, NoStackTraceGivesOneExceptionWithoutFrames) {
  auto ex = Parse("", "java", "java.lang.Error", "boom");
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].type, "java.lang.Error");
  EXPECT_EQ(ex[0].message, "boom");
  EXPECT_FALSE(ex[0].caused_by_next);
  EXPECT_TRUE(ex[0].stack.empty());
}

TEST(StackTraceTest, UnknownLanguageKeepsOnlyTypeAndMessage) {
  auto ex = Parse("Error\n\tat a.b(C.java:1)", "rust");
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_TRUE(ex[0].stack.empty());
}

TEST(StackTraceTest, JavaFramesAndCausedByChain) {
  const std::string st =
      "java.lang.IllegalStateException: state is not legal\r\n"
      "\tat "
      "io.opentelemetry.sdk.trace.RecordEventsReadableSpanTest.recordException("
      "RecordEventsReadableSpanTest.java:626)\r\n"
      "\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\n"
      "\tat app//org.junit.Foo.bar(Foo.java:abc)\n"
      "\t... 3 more\n"
      "Caused by: java.lang.IllegalArgumentException: bad argument\n"
      "\tat io.opentelemetry.Baz.qux(Baz.java:7)\n"
      "Caused by: java.io.IOException: first line\n"
      "second line\n"
      "\tat io.opentelemetry.Io.read(Io.java:99)\n";
  auto ex = Parse(st, "java", "java.lang.IllegalStateException", "state is not legal");
  ASSERT_EQ(ex.size(), 3u);
  EXPECT_EQ(ex[0].type, "java.lang.IllegalStateException");
  ASSERT_EQ(ex[0].stack.size(), 3u);
  ExpectFrame(ex[0].stack[0], "RecordEventsReadableSpanTest.java", 626,
              "io.opentelemetry.sdk.trace.RecordEventsReadableSpanTest.recordException");
  // Module / class loader prefixes before '/' are dropped; no ':' means line 0.
  ExpectFrame(ex[0].stack[1], "Native Method", 0,
              "jdk.internal.reflect.NativeMethodAccessorImpl.invoke0");
  // Only up to the first '/' goes: a class loader without module ("app//") leaves one (as in Go).
  ExpectFrame(ex[0].stack[2], "Foo.java", 0, "/org.junit.Foo.bar");
  EXPECT_TRUE(ex[0].caused_by_next);
  EXPECT_EQ(ex[1].type, "java.lang.IllegalArgumentException");
  EXPECT_EQ(ex[1].message, "bad argument");
  ASSERT_EQ(ex[1].stack.size(), 1u);
  ExpectFrame(ex[1].stack[0], "Baz.java", 7, "io.opentelemetry.Baz.qux");
  EXPECT_TRUE(ex[1].caused_by_next);
  // A multi-line cause message is joined without separator (as the Go translator does).
  EXPECT_EQ(ex[2].type, "java.io.IOException");
  EXPECT_EQ(ex[2].message, "first linesecond line");
  ASSERT_EQ(ex[2].stack.size(), 1u);
  ExpectFrame(ex[2].stack[0], "Io.java", 99, "io.opentelemetry.Io.read");
  EXPECT_FALSE(ex[2].caused_by_next);
}

TEST(StackTraceTest, JavaCauseWithoutMessageOrFrames) {
  auto ex = Parse("E: x\n\tat a.B.c(B.java:1)\nCaused by: java.lang.NullPointerException", "java");
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[1].type, "java.lang.NullPointerException");
  EXPECT_EQ(ex[1].message, "");
  EXPECT_TRUE(ex[1].stack.empty());
  // A colon at the very end (no message after it) does not overrun.
  auto ex2 = Parse("E: x\nCaused by: Foo:", "java");
  ASSERT_EQ(ex2.size(), 2u);
  EXPECT_EQ(ex2[1].type, "Foo");
  EXPECT_EQ(ex2[1].message, "");
}

TEST(StackTraceTest, PhpUsesJavaFormat) {
  auto ex = Parse("Exception: x\n\tat App.run(app.php:12)", "php");
  ASSERT_EQ(ex[0].stack.size(), 1u);
  ExpectFrame(ex[0].stack[0], "app.php", 12, "App.run");
}

TEST(StackTraceTest, PythonFramesInnermostFirstAndChainedExceptions) {
  const std::string st =
      "Traceback (most recent call last):\n"
      "  File \"main.py\", line 14, in <module>\n"
      "    greet()\n"
      "  File \"/app/lib.py\", line 3, in greet\n"
      "    raise KeyError('x')\n"
      "KeyError: 'x'\n"
      "\n"
      "During handling of the above exception, another exception occurred:\n"
      "\n"
      "Traceback (most recent call last):\n"
      "  File \"/app/handler.py\", line 20, in handle\n"
      "    raise ValueError('bad value')\n"
      "ValueError: bad value\n";
  auto ex = Parse(st, "python", "ValueError", "bad value");
  ASSERT_EQ(ex.size(), 2u);
  ASSERT_EQ(ex[0].stack.size(), 1u);
  ExpectFrame(ex[0].stack[0], "/app/handler.py", 20, "handle");
  EXPECT_TRUE(ex[0].caused_by_next);
  EXPECT_EQ(ex[1].type, "KeyError");
  EXPECT_EQ(ex[1].message, "'x'");
  ASSERT_EQ(ex[1].stack.size(), 2u);
  ExpectFrame(ex[1].stack[0], "/app/lib.py", 3, "greet");
  ExpectFrame(ex[1].stack[1], "main.py", 14, "<module>");
}

TEST(StackTraceTest, PythonMalformedInputsAreSafe) {
  EXPECT_TRUE(Parse("x", "python")[0].stack.empty());
  // "During handling" without any frame line before it: nothing more is read.
  auto ex = Parse("During handling of the above exception, another exception occurred:\nE: m\n",
                  "python");
  EXPECT_EQ(ex.size(), 1u);
  // Frame lines with a path shorter than the quoting are skipped.
  EXPECT_TRUE(Parse("  File ,x,y\nE: m\n", "python")[0].stack.empty());
}

TEST(StackTraceTest, JavaScriptFrames) {
  const std::string st =
      "Error: boom\n"
      "    at Object.<anonymous> (/app/index.js:10:15)\n"
      "    at /app/server.js:5:3\n"
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
      "    at Array.forEach (native)\n"
      "    at Module._compile (unparsable\n";
  auto ex = Parse(st, "nodejs");
  ASSERT_EQ(ex.size(), 1u);
  ASSERT_EQ(ex[0].stack.size(), 4u);
  // The label keeps the space before '(' as the Go translator's does.
  ExpectFrame(ex[0].stack[0], "/app/index.js", 10, "Object.<anonymous> ");
  ExpectFrame(ex[0].stack[1], "/app/server.js", 5, "");
  ExpectFrame(ex[0].stack[2], "node", 0, "process.processTicksAndRejections ");
  ExpectFrame(ex[0].stack[3], "native", 0, "Array.forEach ");
  EXPECT_EQ(Parse(st, "javascript")[0].stack.size(), 4u);
  EXPECT_EQ(Parse(st, "webjs")[0].stack.size(), 4u);
}

TEST(StackTraceTest, DotnetFrames) {
  const std::string st =
      "System.InvalidOperationException: oops\r\n"
      "   at App.Controllers.HomeController.Index() in C:\\src\\App\\HomeController.cs:line 42\r\n"
      "   at System.Runtime.CompilerServices.TaskAwaiter.ThrowForNonSuccess(Task task)\r\n"
      "   at Lib.Run() in /src/Lib.cs\r\n";
  auto ex = Parse(st, "dotnet");
  ASSERT_EQ(ex[0].stack.size(), 3u);
  ExpectFrame(ex[0].stack[0], "C:\\src\\App\\HomeController.cs", 42,
              "App.Controllers.HomeController.Index()");
  ExpectFrame(ex[0].stack[1], "", 0,
              "System.Runtime.CompilerServices.TaskAwaiter.ThrowForNonSuccess(Task task)");
  ExpectFrame(ex[0].stack[2], "/src/Lib.cs", 0, "Lib.Run()");
}

TEST(StackTraceTest, GoFrames) {
  const std::string st =
      "panic: runtime error\n"
      "goroutine 1 [running]:\n"
      "main.handler(0x1)\n"
      "\t/home/app/main.go:25 +0x1d\n"
      "net/http.HandlerFunc.ServeHTTP(...)\n"
      "\t/usr/local/go/src/net/http/server.go:2136 +0x29\n";
  auto ex = Parse(st, "go");
  ASSERT_EQ(ex[0].stack.size(), 2u);
  ExpectFrame(ex[0].stack[0], "/home/app/main.go", 25, "main.handler(0x1)");
  ExpectFrame(ex[0].stack[1], "/usr/local/go/src/net/http/server.go", 2136,
              "net/http.HandlerFunc.ServeHTTP(...)");
}

TEST(StackTraceTest, OverlongLineNumbersSaturate) {
  auto ex = Parse("E\n\tat a.B(B.java:99999999999999999999)", "java");
  EXPECT_EQ(ex[0].stack[0].line, INT64_MAX);
}

// Stack traces are whatever the application recorded: pieces of every format, shuffled, must
// neither crash nor throw.
TEST(StackTraceTest, ArbitraryTextIsSafe) {
  const std::string_view pieces[] = {
      "\tat ",
      "(",
      ")",
      ":",
      "\n",
      "\r\n",
      "Caused by: ",
      "  File ",
      ",",
      " line ",
      " in ",
      "During handling of the above exception, another exception occurred:",
      "goroutine 1 [running]:",
      "    at ",
      "native",
      "at ",
      "line",
      "12",
      "/",
      "\"",
      "x",
      " ",
      "\t",
      ".go:",
      "\xff"};
  std::mt19937 rng(7);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) text += pieces[rng() % std::size(pieces)];
    for (std::string_view language : {"java", "python", "javascript", "dotnet", "go"}) {
      std::vector<ParsedException> out;
      ASSERT_NO_THROW(ParseException("T", "m", text, language, out)) << text;
      ASSERT_FALSE(out.empty());
      for (const auto& e : out) {
        for (const auto& f : e.stack) {
          // Frames view the text (or the "native" literal).
          EXPECT_TRUE(f.path == "native" ||
                      (f.path.data() >= text.data() &&
                       f.path.data() + f.path.size() <= text.data() + text.size()) ||
                      f.path.empty());
        }
      }
    }
  }
}

}  // namespace
}  // namespace adot::collector::awsxray
