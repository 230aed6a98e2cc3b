// libFuzzer target: arbitrary text as a hub's sync-tokens-file never crashes the parser; it is
// either a list of edges or an error naming a line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "sync/edge_tokens.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = eddy::sync::EdgeTokens::parse(text);
  if (auto* tokens = std::get_if<eddy::sync::EdgeTokens>(&parsed))
    (void)tokens->accepts(text.substr(0, size / 2), text.substr(size / 2));
  else if (std::get<std::string>(parsed).rfind("line ", 0) != 0)
    __builtin_trap();
  return 0;
}
