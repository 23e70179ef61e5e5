// Exception stack traces (span event attribute exception.stacktrace) parsed into X-Ray exceptions,
// by the language of the SDK that recorded them (resource attribute telemetry.sdk.language).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace adot::collector::awsxray {

struct StackFrame {
  std::string_view path;  // views of the stack trace text (or a literal)
  int64_t line = 0;
  std::string_view label;
};

struct ParsedException {
  std::string type;
  std::string message;
  // The next exception of the list is this one's cause (Java "Caused by:", Python "During handling
  // of the above exception").
  bool caused_by_next = false;
  std::vector<StackFrame> stack;
};

// Appends the exceptions of one exception event: first the event's own (type, message, frames of
// the stack trace), then one per cause found in the stack trace. Languages understood: java, php
// (same format), python, javascript / nodejs / webjs, dotnet, go; for others only the first
// exception, without frames, is added. The frames view `stacktrace`, which must outlive them.
void ParseException(std::string_view type, std::string_view message, std::string_view stacktrace,
                    std::string_view language, std::vector<ParsedException>& out);

}  // namespace adot::collector::awsxray
