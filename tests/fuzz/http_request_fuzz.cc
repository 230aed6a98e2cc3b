// libFuzzer target: arbitrary bytes, arriving in arbitrary pieces as the metrics endpoint reads
// them, never crash the HTTP request parser; a complete head lies within the bytes and the
// limit, its views point inside it, and feeding the same bytes whole gives the same verdict.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/http_request.h"

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using eddy::server::HttpParse;
  using eddy::server::HttpRequest;
  if (size == 0) return 0;
  // The first byte picks the piece size and a small limit sometimes, so both are fuzzed.
  const size_t piece = 1 + data[0] % 64;
  const size_t limit = data[0] & 0x80 ? 64 : 8192;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string buffer;
  HttpRequest request;
  HttpParse verdict = HttpParse::kNeedMore;
  for (size_t pos = 0; pos < input.size() && verdict == HttpParse::kNeedMore; pos += piece) {
    buffer.append(input.substr(pos, piece));
    if (buffer.size() > limit) buffer.resize(limit);  // the endpoint reads no more than this
    verdict = eddy::server::parse_http_request(buffer, limit, request);
    if (verdict == HttpParse::kComplete) {
      if (request.head_bytes == 0 || request.head_bytes > buffer.size() ||
          request.head_bytes > limit || !inside(request.method, buffer) ||
          !inside(request.target, buffer) || !inside(request.version, buffer) ||
          request.method.empty() || request.target.empty())
        std::abort();
      (void)eddy::server::http_path(request.target);
    }
  }
  // A head, once complete, parses the same from the prefix the endpoint held.
  if (verdict == HttpParse::kComplete) {
    HttpRequest again;
    if (eddy::server::parse_http_request(buffer.substr(0, request.head_bytes), limit, again) !=
            HttpParse::kComplete ||
        again.head_bytes != request.head_bytes)
      std::abort();
  }
  return 0;
}
