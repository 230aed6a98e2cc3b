#pragma once

#include <span>
#include <string_view>

namespace eddy::server {

// The configuration presets of presets/*.conf, compiled into the binary (server/CMakeLists.txt
// generates their table from the files), so that `--preset NAME` works without the source tree.
struct Preset {
  std::string_view name;
  std::string_view text;  // the file's redis.conf-style lines
};

std::span<const Preset> presets();
const Preset* find_preset(std::string_view name);

}  // namespace eddy::server
