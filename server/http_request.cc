#include "server/http_request.h"

namespace eddy::server {
namespace {

// RFC 9110's tchar: the characters of a method or a field name.
bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// A request target in origin or absolute form: visible ASCII only.
bool is_target(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= ' ' || c >= 0x7f) return false;
  return true;
}

// A field value: visible characters, spaces, tabs and obs-text; no other control character.
bool is_field_value(std::string_view s) {
  for (unsigned char c : s)
    if ((c < ' ' && c != '\t') || c == 0x7f) return false;
  return true;
}

bool parse_request_line(std::string_view line, HttpRequest& out) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return false;
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  out.version = line.substr(sp2 + 1);
  return is_token(out.method) && is_target(out.target) &&
         (out.version == "HTTP/1.1" || out.version == "HTTP/1.0");
}

bool parse_field_line(std::string_view line) {
  const size_t colon = line.find(':');
  // No whitespace between the name and the colon, and no obsolete folding (a line that starts
  // with whitespace continues the previous one): both are refused, as RFC 9112 asks.
  return colon != std::string_view::npos && is_token(line.substr(0, colon)) &&
         is_field_value(line.substr(colon + 1));
}

}  // namespace

HttpParse parse_http_request(std::string_view bytes, size_t max_head, HttpRequest& out) {
  out = HttpRequest{};
  size_t pos = 0;
  bool have_request_line = false;
  for (;;) {
    const size_t lf = bytes.find('\n', pos);
    if (lf == std::string_view::npos || lf >= max_head)
      return bytes.size() >= max_head ? HttpParse::kBad : HttpParse::kNeedMore;
    std::string_view line = bytes.substr(pos, lf - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos) return HttpParse::kBad;
    pos = lf + 1;
    if (!have_request_line) {
      if (line.empty()) continue;  // RFC 9112 2.2: empty lines before the request line
      if (!parse_request_line(line, out)) return HttpParse::kBad;
      have_request_line = true;
      continue;
    }
    if (line.empty()) {
      out.head_bytes = pos;
      return HttpParse::kComplete;
    }
    if (!parse_field_line(line)) return HttpParse::kBad;
  }
}

std::string_view http_path(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace eddy::server
