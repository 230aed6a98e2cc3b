#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eddy::compact {

enum class LogLevel { kDebug, kVerbose, kNotice, kWarning };

// Redis-style log lines: "<pid>:M 22 Nov 2026 12:07:12.123 * message", to stdout or `logfile`.
void log(LogLevel level, std::string_view message);
void set_log_level(LogLevel level);
std::optional<LogLevel> parse_log_level(std::string_view name);
// An empty path logs to stdout. Returns an error text when the file cannot be opened.
std::optional<std::string> set_log_file(const std::string& path);

}  // namespace eddy::compact
