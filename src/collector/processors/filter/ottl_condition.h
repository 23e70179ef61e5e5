// A small subset of OTTL boolean conditions, enough for the filter processor's common uses:
//   name == "healthcheck" and attributes["http.route"] != nil
//   IsMatch(resource.attributes["service.name"], "^test-.*") or kind == SPAN_KIND_INTERNAL
//   severity_number < SEVERITY_NUMBER_WARN          not (status.code == STATUS_CODE_ERROR)
// Operators: == != < <= > >=, and, or, not, parentheses. Values: "strings", integers, floats,
// true/false, nil, enum constants (SPAN_KIND_*, STATUS_CODE_*, SEVERITY_NUMBER_*, METRIC_DATA_TYPE_*).
// Paths are resolved by the caller's context (span, log record, metric).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace adot::collector::ottl {

struct Nil {};
using Value = std::variant<Nil, std::string, int64_t, double, bool>;

// Resolves a path such as "name", "attributes[\"k\"]", "resource.attributes[\"k\"]".
// Returns nullopt for a path the context does not know (a parse error).
using PathResolver = std::function<std::optional<Value>(const std::string& path)>;
// Whether the context knows the path (checked once at parse time).
using PathChecker = std::function<bool(const std::string& path)>;

class Condition {
 public:
  virtual ~Condition() = default;
  virtual bool Eval(const PathResolver& resolve) const = 0;
};

// Parses one condition; on failure returns null and sets error.
std::unique_ptr<Condition> Parse(const std::string& text, const PathChecker& known, std::string& error);

}  // namespace adot::collector::ottl
