#include "commands/reply.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace eddy::commands {

void ReplyBuilder::length_line(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
  (void)ec;
  *end++ = '\r';
  *end++ = '\n';
  out_.append(buf, end - buf);
}

void ReplyBuilder::simple(std::string_view s) {
  out_.push_back('+');
  out_.append(s);
  out_.append("\r\n");
}

void ReplyBuilder::error(std::string_view text) {
  if (text.empty() || text[0] != '-') {
    out_.append("-ERR ");
    last_error_code_ = "ERR";
  } else {
    text.remove_prefix(1);
    out_.push_back('-');
    last_error_code_ = std::string(text.substr(0, text.find(' ')));
  }
  // Like Redis, an error reply never carries a newline: it would break the protocol.
  for (char c : text) out_.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out_.append("\r\n");
  ++errors_written_;
}

void ReplyBuilder::integer(int64_t v) { length_line(':', v); }

void ReplyBuilder::bulk(std::string_view s) {
  length_line('$', static_cast<int64_t>(s.size()));
  out_.append(s);
  out_.append("\r\n");
}

void ReplyBuilder::null() { out_.append(resp_ >= 3 ? "_\r\n" : "$-1\r\n"); }

void ReplyBuilder::null_array() { out_.append(resp_ >= 3 ? "_\r\n" : "*-1\r\n"); }

void ReplyBuilder::array(size_t n) { length_line('*', static_cast<int64_t>(n)); }

void ReplyBuilder::map(size_t pairs) {
  if (resp_ >= 3)
    length_line('%', static_cast<int64_t>(pairs));
  else
    length_line('*', static_cast<int64_t>(pairs * 2));
}

void ReplyBuilder::set(size_t n) { length_line(resp_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::push(size_t n) { length_line(resp_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::boolean(bool b) {
  if (resp_ >= 3)
    out_.append(b ? "#t\r\n" : "#f\r\n");
  else
    out_.append(b ? ":1\r\n" : ":0\r\n");
}

void ReplyBuilder::double_value(double d) {
  char buf[64];
  int n;
  if (std::isinf(d))
    n = std::snprintf(buf, sizeof buf, "%s", d > 0 ? "inf" : "-inf");
  else
    n = std::snprintf(buf, sizeof buf, "%.17g", d);
  if (resp_ >= 3) {
    out_.push_back(',');
    out_.append(buf, n);
    out_.append("\r\n");
  } else {
    bulk(std::string_view(buf, n));
  }
}

void ReplyBuilder::verbatim(std::string_view s, std::string_view format) {
  if (resp_ < 3) {
    bulk(s);
    return;
  }
  length_line('=', static_cast<int64_t>(s.size() + 4));
  out_.append(format);
  out_.push_back(':');
  out_.append(s);
  out_.append("\r\n");
}

void ReplyBuilder::help(std::span<const std::string_view> lines) {
  array(lines.size());
  for (std::string_view line : lines) simple(line);
}

size_t ReplyBuilder::begin_deferred_array() {
  size_t token = out_.size();
  // Reserve room for the longest header; end_deferred_array rewrites it in place.
  out_.append(22, ' ');
  return token;
}

void ReplyBuilder::end_deferred_array(size_t token, size_t n) {
  std::string header = "*" + std::to_string(n) + "\r\n";
  out_.replace(token, 22, header);
}

}  // namespace eddy::commands
