// libFuzzer target: arbitrary configuration text never crashes the config loader; it is either
// applied or refused with a Redis-style error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "commands/config.h"
#include "server/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  eddy::commands::Config config;
  auto error = eddy::server::apply_config_text(
      std::string_view(reinterpret_cast<const char*>(data), size), config);
  if (error) (void)error->format();
  return 0;
}
