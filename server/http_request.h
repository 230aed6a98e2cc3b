#pragma once

#include <cstddef>
#include <string_view>

namespace eddy::server {

// The head of a plain HTTP/1.0 or HTTP/1.1 request, as the metrics endpoint reads it: the
// request line and the header fields up to the empty line (RFC 9112). The endpoint answers one
// request per connection and closes it, so nothing after the head (a body, a pipelined request)
// is read. The views point into the bytes parsed.
struct HttpRequest {
  std::string_view method;
  std::string_view target;   // "/metrics", "/metrics?name=x"
  std::string_view version;  // "HTTP/1.1"
  size_t head_bytes = 0;     // the head's length, its empty line included
};

enum class HttpParse { kNeedMore, kComplete, kBad };

// Parses the head at the start of `bytes`: kNeedMore while its empty line has not arrived,
// kBad for a malformed head, or one that is not complete within `max_head` bytes. Lines end
// with CRLF or a bare LF; empty lines before the request line are skipped; obsolete line
// folding, control characters and a version other than 1.0 and 1.1 are refused.
HttpParse parse_http_request(std::string_view bytes, size_t max_head, HttpRequest& out);

// The path of a request target: "/metrics" for "/metrics?name=x".
std::string_view http_path(std::string_view target);

}  // namespace eddy::server
