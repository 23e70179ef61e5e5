// Stack trace parsers. They read the formats the language runtimes print, the way the Go contrib
// translator does (cause.go), including its leniencies: lines that do not look like frames are
// skipped, and an unparsable line number becomes 0.
#include "collector/exporters/awsxray/stack_trace.h"

#include <limits>

namespace adot::collector::awsxray {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// strconv.Atoi: optional sign and decimal digits; out-of-range values saturate; anything else is 0.
int64_t ParseLineNumber(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return 0;
  uint64_t v = 0;
  bool overflow = false;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    if (v > (std::numeric_limits<uint64_t>::max() - 9) / 10) overflow = true;
    if (!overflow) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (overflow || v > kMax + 1) return std::numeric_limits<int64_t>::min();
    return v == kMax + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(v);
  }
  if (overflow || v > kMax) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(v);
}

// Lines as Go's textproto.Reader.ReadLine returns them: split at '\n', a trailing '\r' removed, no
// empty line after a final newline.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}
  bool Next(std::string_view& line) {
    if (rest_.empty()) return false;
    const size_t nl = rest_.find('\n');
    if (nl == std::string_view::npos) {
      line = rest_;
      rest_ = {};
    } else {
      line = rest_.substr(0, nl);
      rest_.remove_prefix(nl + 1);
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  }

 private:
  std::string_view rest_;
};

// Adds a cause to the chain: the current last exception is caused by the new one.
ParsedException& AddCause(std::vector<ParsedException>& out, std::string type,
                          std::string message) {
  out.back().caused_by_next = true;
  ParsedException& e = out.emplace_back();
  e.type = std::move(type);
  e.message = std::move(message);
  return e;
}

bool IsJavaFrame(std::string_view line) {
  return StartsWith(line, "\tat ") && line.find('(') != std::string_view::npos &&
         line.back() == ')';
}

// "java.lang.IllegalStateException: msg" / "\tat com.x.Y.method(Y.java:42)" / "Caused by: T: msg"
// (whose message may span several lines, joined without separator) / "\t... 3 more" (skipped).
void ParseJava(std::string_view stacktrace, std::vector<ParsedException>& out) {
  LineReader r(stacktrace);
  std::string_view line;
  if (!r.Next(line) || !r.Next(line)) return;  // the first line repeats type and message
  for (;;) {
    if (IsJavaFrame(line)) {
      const size_t paren = line.find('(');
      std::string_view label = line.substr(4, paren - 4);
      const size_t slash = label.find('/');
      if (slash != std::string_view::npos) label.remove_prefix(slash + 1);  // class loader/module
      std::string_view path = line.substr(paren + 1, line.size() - paren - 2);
      int64_t number = 0;
      const size_t colon = path.find(':');
      if (colon != std::string_view::npos) {
        number = ParseLineNumber(path.substr(colon + 1));
        path = path.substr(0, colon);
      }
      out.back().stack.push_back({path, number, label});
    } else if (StartsWith(line, "Caused by: ")) {
      std::string_view type = line.substr(11);
      std::string message;
      const size_t colon = type.find(':');
      if (colon != std::string_view::npos) {
        if (colon + 2 <= type.size()) message.assign(type.substr(colon + 2));  // skip ": "
        type = type.substr(0, colon);
      }
      bool more = false;
      while (r.Next(line)) {
        if (IsJavaFrame(line)) {
          more = true;
          break;
        }
        message.append(line);
      }
      AddCause(out, std::string(type), std::move(message));
      if (!more) return;
      continue;  // line holds the cause's first frame
    }
    if (!r.Next(line)) return;
  }
}

std::vector<std::string_view> SplitAll(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t i = s.find(sep);
    if (i == std::string_view::npos) {
      parts.push_back(s);
      return parts;
    }
    parts.push_back(s.substr(0, i));
    s.remove_prefix(i + sep.size());
  }
}

// Python tracebacks list the innermost call last and end with "Type: message", so they are read
// backwards: '  File "x.py", line 3, in f' frames, and chained exceptions separated by "During
// handling of the above exception, another exception occurred:".
void ParsePython(std::string_view stacktrace, std::vector<ParsedException>& out) {
  const std::vector<std::string_view> lines = SplitAll(stacktrace, "\n");
  // The last line (or the one before a final newline) holds the top-level exception.
  long idx = static_cast<long>(lines.size()) - 2;
  if (idx < 0) return;
  std::string_view line = lines[idx];
  for (;;) {
    if (StartsWith(line, "  File ")) {
      const std::vector<std::string_view> parts = SplitAll(line, ",");
      if (parts.size() == 3 && parts[0].size() >= 9) {
        const std::string_view file = parts[0].substr(8, parts[0].size() - 9);  // within quotes
        int64_t number = 0;
        if (StartsWith(parts[1], " line ")) number = ParseLineNumber(parts[1].substr(6));
        std::string_view label;
        if (StartsWith(parts[2], " in ")) label = parts[2].substr(4);
        out.back().stack.push_back({file, number, label});
      }
    } else if (StartsWith(line,
                          "During handling of the above exception, another exception occurred:")) {
      long next_file = idx - 1;
      while (next_file >= 0 && !StartsWith(lines[next_file], "  File ")) --next_file;
      // The earlier exception's "Type: message" starts two lines after its last frame line and
      // ends two lines before this one; anything else is malformed.
      if (next_file < 0 || next_file + 2 > idx - 1) return;
      std::string message;
      for (long i = next_file + 2; i < idx - 1; ++i) {
        if (i > next_file + 2) message.push_back('\n');
        message.append(lines[i]);
      }
      const size_t colon = message.find(':');
      if (colon == std::string::npos) return;
      std::string type = message.substr(0, colon);
      std::string cause_message = colon + 2 <= message.size() ? message.substr(colon + 2) : "";
      AddCause(out, std::move(type), std::move(cause_message));
      idx = next_file;
      line = lines[idx];
      continue;
    }
    if (--idx < 0) return;
    line = lines[idx];
  }
}

// V8: "    at label (path:line:column)" or "    at path:line:column"; "native" frames.
void ParseJavaScript(std::string_view stacktrace, std::vector<ParsedException>& out) {
  LineReader r(stacktrace);
  std::string_view line;
  if (!r.Next(line)) return;
  while (r.Next(line)) {
    if (!StartsWith(line, "    at ")) continue;
    const size_t paren = line.find('(');
    std::string_view label, path;
    if (paren != std::string_view::npos && line.back() == ')') {
      label = line.substr(7, paren - 7);  // keeps the space before '(' (as Go does)
      path = line.substr(paren + 1, line.size() - paren - 2);
    } else if (paren == std::string_view::npos) {
      path = line.substr(7);
    }
    int64_t number = 0;
    const size_t first = path.find(':');
    const size_t second = first == std::string_view::npos ? first : path.find(':', first + 1);
    if (first != std::string_view::npos && second != std::string_view::npos) {
      number = ParseLineNumber(path.substr(first + 1, second - first - 1));
      path = path.substr(0, first);
    } else if (first == std::string_view::npos && path.find("native") != std::string_view::npos) {
      path = "native";
    }
    if (!path.empty() || !label.empty() || number != 0) {
      out.back().stack.push_back({path, number, label});
    }
  }
}

std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// .NET: "   at Ns.Type.Method() in C:\path\File.cs:line 42", or without " in ..." for frames
// without source information.
void ParseDotnet(std::string_view stacktrace, std::vector<ParsedException>& out) {
  LineReader r(stacktrace);
  std::string_view line;
  if (!r.Next(line)) return;
  while (r.Next(line)) {
    line = TrimSpace(line);
    if (!StartsWith(line, "at ")) continue;
    const size_t in = line.find(" in ");
    if (in != std::string_view::npos) {
      const std::string_view label = line.substr(3, in - 3);
      std::string_view path = line.substr(in + 4);
      path = path.substr(0, path.find(" in "));  // the text between the first two " in "
      int64_t number = 0;
      const size_t colon = path.rfind(':');
      if (colon != std::string_view::npos) {
        std::string_view number_text = path.substr(colon + 1);
        if (StartsWith(number_text, "line")) {
          number_text = number_text.size() >= 5 ? number_text.substr(5) : std::string_view();
        }
        path = path.substr(0, colon);
        number = ParseLineNumber(number_text);
      }
      out.back().stack.push_back({path, number, label});
    } else {
      const size_t close = line.rfind(')');
      if (close != std::string_view::npos) {
        out.back().stack.push_back({std::string_view(), 0, line.substr(3, close - 2)});
      }
    }
  }
}

bool IsWordChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// The regexp ^goroutine.*\brunning\b.*:$ (a goroutine header such as "goroutine 1 [running]:").
bool IsRunningGoroutineHeader(std::string_view line) {
  if (!StartsWith(line, "goroutine") || line.empty() || line.back() != ':') return false;
  constexpr std::string_view kWord = "running";
  for (size_t i = line.find(kWord, 9); i != std::string_view::npos; i = line.find(kWord, i + 1)) {
    const size_t end = i + kWord.size();
    if (end >= line.size()) break;  // the final ':' must follow
    if (!IsWordChar(line[i - 1]) && !IsWordChar(line[end])) return true;
  }
  return false;
}

// The first match of the regexp ([^:\s]+):(\d+) ("/src/main.go:12" in "\t/src/main.go:12 +0x1d").
bool FindPathAndLine(std::string_view line, std::string_view& path, int64_t& number) {
  auto stop = [](char c) {
    return c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
  };
  size_t i = 0;
  while (i < line.size()) {
    if (stop(line[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < line.size() && !stop(line[j])) ++j;
    if (j + 1 < line.size() && line[j] == ':' && line[j + 1] >= '0' && line[j + 1] <= '9') {
      size_t k = j + 1;
      while (k < line.size() && line[k] >= '0' && line[k] <= '9') ++k;
      path = line.substr(i, j - i);
      number = ParseLineNumber(line.substr(j + 1, k - j - 1));
      return true;
    }
    i = j;
  }
  return false;
}

// Go panics: a function line followed by its "\tfile.go:line +0x.." line; goroutine headers
// skipped.
void ParseGo(std::string_view stacktrace, std::vector<ParsedException>& out) {
  LineReader r(stacktrace);
  std::string_view line;
  if (!r.Next(line) || !r.Next(line)) return;
  // Like the Go translator, a frame whose location line does not parse repeats the previous one.
  std::string_view path;
  int64_t number = 0;
  for (;;) {
    if (IsRunningGoroutineHeader(line) && !r.Next(line)) line = {};
    const std::string_view label = line;
    if (!r.Next(line)) line = {};
    FindPathAndLine(line, path, number);
    out.back().stack.push_back({path, number, label});
    if (!r.Next(line)) return;
  }
}

}  // namespace

void ParseException(std::string_view type, std::string_view message, std::string_view stacktrace,
                    std::string_view language, std::vector<ParsedException>& out) {
  ParsedException& first = out.emplace_back();
  first.type.assign(type);
  first.message.assign(message);
  if (stacktrace.empty()) return;
  if (language == "java" || language == "php") {  // PHP SDKs print Java-style traces
    ParseJava(stacktrace, out);
  } else if (language == "python") {
    ParsePython(stacktrace, out);
  } else if (language == "javascript" || language == "nodejs" || language == "webjs") {
    ParseJavaScript(stacktrace, out);
  } else if (language == "dotnet") {
    ParseDotnet(stacktrace, out);
  } else if (language == "go") {
    ParseGo(stacktrace, out);
  }
}

}  // namespace adot::collector::awsxray
