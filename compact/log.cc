#include "compact/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>

namespace eddy::compact {
namespace {

LogLevel g_level = LogLevel::kNotice;
FILE* g_file = nullptr;  // nullptr: stdout

}  // namespace

void set_log_level(LogLevel level) { g_level = level; }

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "verbose") return LogLevel::kVerbose;
  if (name == "notice") return LogLevel::kNotice;
  if (name == "warning") return LogLevel::kWarning;
  return std::nullopt;
}

std::optional<std::string> set_log_file(const std::string& path) {
  FILE* next = nullptr;
  if (!path.empty()) {
    next = std::fopen(path.c_str(), "a");
    if (!next) return "Can't open the log file: " + std::string(std::strerror(errno));
  }
  if (g_file) std::fclose(g_file);
  g_file = next;
  return std::nullopt;
}

void log(LogLevel level, std::string_view message) {
  if (level < g_level) return;
  static constexpr char kMarks[] = {'.', '-', '*', '#'};
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  localtime_r(&tv.tv_sec, &local);
  char stamp[64];
  size_t n = std::strftime(stamp, sizeof stamp, "%d %b %Y %H:%M:%S.", &local);
  std::snprintf(stamp + n, sizeof stamp - n, "%03d", static_cast<int>(tv.tv_usec / 1000));
  FILE* out = g_file ? g_file : stdout;
  std::fprintf(out, "%d:M %s %c %.*s\n", static_cast<int>(getpid()), stamp,
               kMarks[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
  std::fflush(out);
}

}  // namespace eddy::compact
