// Reading OTEL_* environment variables with the specification's rules: an empty value is unset,
// and an invalid value is reported once on stderr (naming the variable and the value) and ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace adot::sdk::env {

// The value, or nullopt when unset or empty.
std::optional<std::string> GetString(const char* name);
// Case-insensitive "true" is true; any other non-empty value is false ("false" silently,
// anything else with a warning).
std::optional<bool> GetBool(const char* name);
// A non-negative integer; nullopt (after a warning) when the value does not parse.
std::optional<int64_t> GetInt(const char* name);
// A duration given in milliseconds.
std::optional<std::chrono::milliseconds> GetMilliseconds(const char* name);

// Writes "adot: warning: <message>" to stderr once per distinct message.
void WarnOnce(const std::string& message);
void WarnInvalid(const char* name, std::string_view value, std::string_view what_is_used);

}  // namespace adot::sdk::env
