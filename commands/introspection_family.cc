#include "commands/command_table.h"

namespace eddy::commands {

std::span<const CommandSpec> introspection_commands() { return {}; }

}  // namespace eddy::commands
