// The connection commands: protocol negotiation, authentication, QUIT and RESET.
#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"

namespace eddy::commands {
namespace {

constexpr std::string_view kWrongPass =
    "-WRONGPASS invalid username-password pair or user is disabled.";

// The default user as Redis 7.0 has it without ACL files: "nopass" unless requirepass is set.
bool credentials_ok(Context& ctx, std::string_view user, std::string_view password) {
  if (user != "default") return false;
  const std::string& required = ctx.state.config.text("requirepass");
  return required.empty() || password == required;
}

// Client names may hold no spaces or control characters (Redis's clientSetNameOrReply).
bool valid_client_name(std::string_view name) {
  for (char c : name)
    if (c < '!' || c > '~') return false;
  return true;
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void hello(Context& ctx) {
  int resp = ctx.client.resp;
  size_t next = 1;
  if (ctx.args.size() >= 2) {
    auto ver = crdt::parse_strict_int64(ctx.args[1]);
    if (!ver) return ctx.reply.error("Protocol version is not an integer or out of range");
    if (*ver < 2 || *ver > 3) return ctx.reply.error(errors::kNoProto);
    resp = static_cast<int>(*ver);
    next = 2;
  }
  std::string_view user, password, name;
  bool has_auth = false, has_name = false;
  for (size_t j = next; j < ctx.args.size(); ++j) {
    size_t more = ctx.args.size() - 1 - j;
    if (iequals(ctx.args[j], "AUTH") && more >= 2) {
      user = ctx.args[j + 1];
      password = ctx.args[j + 2];
      has_auth = true;
      j += 2;
    } else if (iequals(ctx.args[j], "SETNAME") && more >= 1) {
      name = ctx.args[++j];
      has_name = true;
    } else {
      return ctx.reply.error("Syntax error in HELLO option '" + std::string(ctx.args[j]) + "'");
    }
  }
  if (!ctx.client.authenticated && !has_auth)
    return ctx.reply.error(
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
  if (has_auth) {
    if (!credentials_ok(ctx, user, password)) return ctx.reply.error(kWrongPass);
    ctx.client.authenticated = true;
  }
  if (has_name) {
    if (!valid_client_name(name))
      return ctx.reply.error(
          "Client names cannot contain spaces, newlines or special characters.");
    ctx.client.name = std::string(name);
  }
  ctx.client.resp = resp;
  // The reply is written in the protocol just selected.
  ReplyBuilder reply(ctx.reply.buffer(), resp);
  reply.map(7);
  reply.bulk("server");
  reply.bulk("redis");
  reply.bulk("version");
  reply.bulk("7.0.15");
  reply.bulk("proto");
  reply.integer(resp);
  reply.bulk("id");
  reply.integer(static_cast<int64_t>(ctx.client.id));
  reply.bulk("mode");
  reply.bulk("standalone");
  reply.bulk("role");
  reply.bulk("master");
  reply.bulk("modules");
  reply.array(0);
}

// AUTH [username] password
void auth(Context& ctx) {
  if (ctx.args.size() > 3) return ctx.reply.error(errors::kSyntax);
  const bool with_user = ctx.args.size() == 3;
  if (!with_user && ctx.state.config.text("requirepass").empty())
    return ctx.reply.error(
        "AUTH <password> called without any password configured for the default user. Are you "
        "sure your configuration is correct?");
  std::string_view user = with_user ? ctx.args[1] : "default";
  if (!credentials_ok(ctx, user, ctx.args.back())) return ctx.reply.error(kWrongPass);
  ctx.client.authenticated = true;
  ctx.reply.ok();
}

// QUIT
void quit(Context& ctx) {
  ctx.reply.ok();
  ctx.client.close_after_reply = true;
}

// RESET
void reset(Context& ctx) {
  Client& c = ctx.client;
  c.in_multi = false;
  c.multi_error = false;
  c.multi_queue.clear();
  ctx.state.unwatch_all(c);
  c.db = 0;
  c.resp = 2;
  c.name.clear();
  c.authenticated = ctx.state.config.text("requirepass").empty();
  ctx.reply.simple("RESET");
}

constexpr uint32_t kConnFlags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy;

const CommandSpec kRows[] = {
    {"hello", -1, kConnFlags, 0, 0, 0, "connection", "Handshakes with the Redis server.", "6.0.0",
     "O(1)", hello, "@fast @connection",
     "[arguments=block(protover=integer [username-password=block@AUTH(username=string "
     "password=string)] [clientname=string@SETNAME])]"},
    {"auth", -2, kConnFlags, 0, 0, 0, "connection", "Authenticates the connection.", "1.0.0",
     "O(N) where N is the number of passwords defined for the user", auth,
     "@fast @connection", "[username=string] password=string"},
    {"quit", -1, kConnFlags | kMultiControl, 0, 0, 0, "connection", "Closes the connection.", "1.0.0", "O(1)",
     quit, "@fast @connection"},
    {"reset", 1, kConnFlags | kMultiControl, 0, 0, 0, "connection", "Resets the connection.",
     "6.2.0", "O(1)", reset, "@fast @connection"},
};

}  // namespace

std::span<const CommandSpec> connection_commands() { return kRows; }

}  // namespace eddy::commands
