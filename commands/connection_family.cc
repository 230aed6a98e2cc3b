// The connection commands: protocol negotiation, authentication, QUIT and RESET.
#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"

namespace eddy::commands {
namespace {

// Redis's ACLAuthenticateUser: on success the connection runs as `user` from now on; a failure
// leaves the connection as it was and is recorded in ACL LOG.
bool authenticate(Context& ctx, std::string_view user, std::string_view password) {
  AclRegistry& acl = ctx.state.acl;
  if (acl.credentials_ok(user, password)) {
    ctx.client.authenticated = true;
    ctx.client.user = acl.find(user);
    return true;
  }
  AclLogEntry entry;
  entry.reason = "auth";
  entry.context = ctx.client.in_multi ? "multi" : "toplevel";
  entry.object = std::string(ctx.args[0]);
  entry.username = std::string(user);
  entry.ctime_ms = ctx.state.clock.now_ms();
  entry.client_info = client_info_line(ctx.client);
  acl.log_denial(std::move(entry), static_cast<size_t>(ctx.state.config.integer("acllog-max-len")));
  return false;
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
      ctx.redact(j + 1);
      ctx.redact(j + 2);
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
  if (has_auth && !authenticate(ctx, user, password)) return ctx.reply.error(errors::kWrongPass);
  // Redis tests the flag itself here, not authRequired(): a client that connected while a
  // password was required must authenticate even if the password was removed since.
  if (!ctx.client.authenticated) return ctx.reply.error(errors::kHelloNoAuth);
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
  for (size_t i = 1; i < ctx.args.size(); ++i) ctx.redact(i);
  const bool with_user = ctx.args.size() == 3;
  if (!with_user && (ctx.state.acl.default_user().flags & AclUser::kNoPass))
    return ctx.reply.error(errors::kAuthWithoutPassword);
  std::string_view user = with_user ? ctx.args[1] : "default";
  if (!authenticate(ctx, user, ctx.args.back())) return ctx.reply.error(errors::kWrongPass);
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
  ctx.state.obs.stop_monitor(c);
  ctx.state.set_default_user(c);
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
