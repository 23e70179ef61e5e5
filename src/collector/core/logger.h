// The collector's own structured log: one line per event on stderr,
//   2026-11-28T04:30:00.123Z info exporter otlphttp: sent items=512
// with a process-wide level (service.telemetry.logs.level).
#pragma once

#include <atomic>
#include <string>
#include <string_view>

namespace adot::collector {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

bool ParseLogLevel(std::string_view text, LogLevel& level);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
// component: e.g. "exporter otlphttp/backend"; may be empty.
void Log(LogLevel level, std::string_view component, std::string_view message);

}  // namespace adot::collector
