#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::commands {

// One argument of a command as COMMAND DOCS describes it, parsed from the compact grammar of a
// command row (see CommandSpec::arguments).
struct ArgumentDoc {
  std::string name;
  std::string type;   // "key", "string", "integer", "double", "pattern", "unix-time",
                      // "pure-token", "oneof", "block"
  std::string token;  // e.g. "EX"
  bool optional = false;
  bool multiple = false;
  std::vector<ArgumentDoc> arguments;  // for oneof and block
};

// Nothing if the grammar text is malformed (a bug in a command row, caught by the tests).
std::optional<std::vector<ArgumentDoc>> parse_argument_docs(std::string_view grammar);

}  // namespace eddy::commands
