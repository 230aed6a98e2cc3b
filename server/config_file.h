#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/config.h"

namespace eddy::server {

// What stops a start: the message redis-server prints for a bad configuration.
struct ConfigError {
  int line = 0;
  std::string text;    // the offending line
  std::string reason;  // "Bad directive or wrong number of arguments", ...
  std::string format() const;
};

// Applies redis.conf text (`directive arg...` lines, # comments, quoted arguments, `include`,
// and `preset NAME`, which applies a built-in preset's lines where it stands).
std::optional<ConfigError> apply_config_text(std::string_view text, commands::Config& config,
                                             int include_depth = 0);

// The command line as redis-server reads it: `[config-file] [--directive value ...]`; options
// after the file become config lines appended to it. `--preset NAME`, wherever it stands,
// applies before the file. Also records config.config_file.
std::optional<ConfigError> apply_command_line(const std::vector<std::string>& args,
                                              commands::Config& config);

}  // namespace eddy::server
