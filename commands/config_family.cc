#include "commands/command_table.h"

namespace eddy::commands {

std::span<const CommandSpec> config_commands() { return {}; }

}  // namespace eddy::commands
