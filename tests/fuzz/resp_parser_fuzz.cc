// libFuzzer target: arbitrary bytes, delivered in arbitrary pieces, never crash the request
// parser and never yield an argument outside the bytes it was given.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "server/resp_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using eddy::server::RespParser;
  RespParser::Limits limits;
  limits.max_bulk = 1 << 20;
  RespParser parser(limits);
  std::vector<std::string_view> argv;
  // The first byte picks the piece size, so boundaries are fuzzed too.
  size_t piece = size > 0 ? 1 + data[0] % 64 : 1;
  for (size_t pos = size > 0 ? 1 : 0; pos < size; pos += piece) {
    size_t n = size - pos < piece ? size - pos : piece;
    parser.append(std::string_view(reinterpret_cast<const char*>(data + pos), n));
    while (true) {
      auto status = parser.next(argv);
      if (status == RespParser::Status::kError) return 0;  // the connection would close
      if (status == RespParser::Status::kNeedMore) break;
      for (std::string_view arg : argv)
        for (char c : arg) (void)c;  // every byte of every argument must be readable
    }
  }
  return 0;
}
