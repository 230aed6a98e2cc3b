#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"

namespace eddy::commands {
namespace {

// PING [message]
void ping(Context& ctx) {
  if (ctx.args.size() > 2)
    return ctx.reply.error("wrong number of arguments for 'ping' command");
  if (ctx.args.size() == 2) return ctx.reply.bulk(ctx.args[1]);
  ctx.reply.simple("PONG");
}

// ECHO message
void echo(Context& ctx) { ctx.reply.bulk(ctx.args[1]); }

const CommandSpec kRows[] = {
    {"ping", -1, kFast, 0, 0, 0, "connection", "Returns the server's liveliness response.",
     "1.0.0", "O(1)", ping, "@fast @connection", "[message=string]"},
    {"echo", 2, kFast, 0, 0, 0, "connection", "Returns the given string.", "1.0.0", "O(1)", echo,
     "@fast @connection", "message=string"},
};

}  // namespace

std::span<const CommandSpec> server_commands() { return kRows; }

}  // namespace eddy::commands
