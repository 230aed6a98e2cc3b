// CLIENT: the connections as the server sees them.
#include <chrono>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"

namespace eddy::commands {
namespace {

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

// One line of CLIENT LIST / CLIENT INFO in Redis 7.0's field order. Fields eddy does not have
// (pub/sub, argv memory) are honest zeros.
std::string client_info_line(const Client& c) {
  int64_t now = wall_ms();
  std::string flags = c.monitor ? "O" : c.blocked ? "b" : c.in_multi ? "x" : "N";
  std::string cmd = c.last_command;
  return "id=" + std::to_string(c.id) + " addr=" + c.addr + " laddr=" + c.laddr +
         " fd=" + std::to_string(c.fd) + " name=" + c.name +
         " age=" + std::to_string((now - c.created_ms) / 1000) +
         " idle=" + std::to_string((now - c.last_interaction_ms) / 1000) + " flags=" + flags +
         " db=" + std::to_string(c.db) + " sub=0 psub=0 ssub=0 multi=" +
         std::to_string(c.in_multi ? static_cast<int64_t>(c.multi_queue.size()) : -1) +
         " qbuf=" + std::to_string(c.query_buffer_bytes) + " qbuf-free=0 argv-mem=0 multi-mem=0" +
         " rbs=16384 rbp=0 obl=0 oll=0 omem=" + std::to_string(c.output_buffer_bytes) +
         " tot-mem=0 events=r cmd=" + cmd + " user=" + (c.user ? c.user->name : "default") + " redir=-1 resp=" +
         std::to_string(c.resp) + "\n";
}

namespace {

// CLIENT ID
void client_id(Context& ctx) { ctx.reply.integer(static_cast<int64_t>(ctx.client.id)); }

// CLIENT GETNAME
void client_getname(Context& ctx) {
  if (ctx.client.name.empty()) return ctx.reply.null();
  ctx.reply.bulk(ctx.client.name);
}

// CLIENT SETNAME connection-name
void client_setname(Context& ctx) {
  for (char c : ctx.args[2])
    if (c < '!' || c > '~')
      return ctx.reply.error("Client names cannot contain spaces, newlines or special characters.");
  ctx.client.name = std::string(ctx.args[2]);
  ctx.reply.ok();
}

// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
void client_setinfo(Context& ctx) {
  std::string_view attr = ctx.args[2], value = ctx.args[3];
  for (char c : value)
    if (c < '!' || c > '~')
      return ctx.reply.error(
          "-ERR " + std::string(attr) +
          " cannot contain spaces, newlines or special characters.");
  if (iequals(attr, "LIB-NAME"))
    ctx.client.lib_name = std::string(value);
  else if (iequals(attr, "LIB-VER"))
    ctx.client.lib_ver = std::string(value);
  else
    return ctx.reply.error("Unrecognized option '" + std::string(attr) + "'");
  ctx.reply.ok();
}

// CLIENT INFO
void client_info(Context& ctx) { ctx.reply.verbatim(client_info_line(ctx.client)); }

// CLIENT LIST [TYPE NORMAL | MASTER | REPLICA | PUBSUB] [ID client-id [client-id ...]]
void client_list(Context& ctx) {
  std::vector<uint64_t> ids;
  bool only_none = false;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (iequals(ctx.args[i], "TYPE") && i + 1 < ctx.args.size()) {
      std::string_view t = ctx.args[++i];
      if (iequals(t, "normal")) continue;
      if (iequals(t, "master") || iequals(t, "replica") || iequals(t, "slave") ||
          iequals(t, "pubsub")) {
        only_none = true;
        continue;
      }
      return ctx.reply.error("Unknown client type '" + std::string(t) + "'");
    } else if (iequals(ctx.args[i], "ID") && i + 1 < ctx.args.size()) {
      for (++i; i < ctx.args.size(); ++i) {
        auto id = crdt::parse_strict_int64(ctx.args[i]);
        if (!id || *id <= 0) return ctx.reply.error("Invalid client ID");
        ids.push_back(static_cast<uint64_t>(*id));
      }
    } else {
      return ctx.reply.error(errors::kSyntax);
    }
  }
  std::string out;
  if (!only_none)
    for (const auto& [id, client] : ctx.state.clients)
      if (ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end())
        out += client_info_line(*client);
  ctx.reply.verbatim(out);
}

// CLIENT KILL ip:port | CLIENT KILL <ID id | ADDR ip:port | LADDR ip:port | SKIPME yes/no |
//     TYPE type | USER name> ...
void client_kill(Context& ctx) {
  auto close = [&](Client* c) {
    if (c == &ctx.client)
      c->close_after_reply = true;
    else if (c->kill)
      c->kill();
  };
  if (ctx.args.size() == 3) {
    for (const auto& [id, c] : ctx.state.clients)
      if (c->addr == ctx.args[2]) {
        close(c);
        return ctx.reply.ok();
      }
    return ctx.reply.error("No such client");
  }
  if (ctx.args.size() % 2 == 1) return ctx.reply.error(errors::kSyntax);
  std::optional<uint64_t> id;
  std::string_view addr, laddr;
  bool skipme = true, none = false;
  const AclUser* user = nullptr;
  for (size_t i = 2; i + 1 < ctx.args.size(); i += 2) {
    std::string_view opt = ctx.args[i], val = ctx.args[i + 1];
    if (iequals(opt, "ID")) {
      auto v = crdt::parse_strict_int64(val);
      if (!v || *v <= 0) return ctx.reply.error("client-id should be greater than 0");
      id = static_cast<uint64_t>(*v);
    } else if (iequals(opt, "ADDR")) {
      addr = val;
    } else if (iequals(opt, "LADDR")) {
      laddr = val;
    } else if (iequals(opt, "SKIPME")) {
      if (iequals(val, "yes"))
        skipme = true;
      else if (iequals(val, "no"))
        skipme = false;
      else
        return ctx.reply.error(errors::kSyntax);
    } else if (iequals(opt, "TYPE")) {
      if (!iequals(val, "normal")) none = true;
    } else if (iequals(opt, "USER")) {
      user = ctx.state.acl.find(val);
      if (!user) return ctx.reply.error("No such user '" + std::string(val) + "'");
    } else {
      return ctx.reply.error(errors::kSyntax);
    }
  }
  std::vector<Client*> victims;
  for (const auto& [cid, c] : ctx.state.clients) {
    if (none || (id && cid != *id) || (!addr.empty() && c->addr != addr) ||
        (!laddr.empty() && c->laddr != laddr) || (user && c->user != user) ||
        (skipme && c == &ctx.client))
      continue;
    victims.push_back(c);
  }
  for (Client* c : victims) close(c);
  ctx.reply.integer(static_cast<int64_t>(victims.size()));
}

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]: ends another client's blocking command as if its
// timeout had passed, or with an UNBLOCKED error.
void client_unblock(Context& ctx) {
  auto id = crdt::parse_strict_int64(ctx.args[2]);
  if (!id) return ctx.reply.error(errors::kNotInteger);
  bool as_error = false;
  if (ctx.args.size() == 4) {
    if (iequals(ctx.args[3], "ERROR"))
      as_error = true;
    else if (!iequals(ctx.args[3], "TIMEOUT"))
      return ctx.reply.error("CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
  }
  auto it = ctx.state.blocked.find(static_cast<uint64_t>(*id));
  if (it == ctx.state.blocked.end()) return ctx.reply.integer(0);
  Client& target = *it->second.client;
  std::string out;
  ReplyBuilder late(out, target.resp);
  as_error ? late.error("-UNBLOCKED client unblocked via CLIENT UNBLOCK") : late.null_array();
  ctx.state.unblock(target, out);
  ctx.reply.integer(1);
}

// CLIENT REPLY ON | OFF | SKIP
void client_reply(Context& ctx) {
  Client& c = ctx.client;
  if (iequals(ctx.args[2], "ON")) {
    c.reply_off = c.reply_skip = c.reply_skip_next = false;
    return ctx.reply.ok();
  }
  if (iequals(ctx.args[2], "OFF")) {
    c.reply_off = true;
    return;
  }
  if (iequals(ctx.args[2], "SKIP")) {
    if (!c.reply_off) c.reply_skip_next = true;
    return;
  }
  ctx.reply.error(errors::kSyntax);
}

// CLIENT NO-EVICT ON | OFF
void client_no_evict(Context& ctx) {
  if (!iequals(ctx.args[2], "ON") && !iequals(ctx.args[2], "OFF"))
    return ctx.reply.error(errors::kSyntax);
  ctx.reply.ok();
}

// CLIENT HELP
void client_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID, ADDR, LADDR, SKIPME, TYPE, USER.",
      "LIST [options ...]",
      "    Return information about client connections. Options: TYPE, ID.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <LIB-NAME|LIB-VER> <value>",
      "    Set client library name or version.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.help(kLines);
}

constexpr uint32_t kClientFlags = kNoScript | kLoading | kStale;

const CommandSpec kRows[] = {
    {"client", -2, 0, 0, 0, 0, "connection", "A container for client connection commands.",
     "2.4.0", "Depends on subcommand.", nullptr, "@slow"},
    {"client|id", 2, kClientFlags, 0, 0, 0, "connection",
     "Returns the unique client ID of the connection.", "5.0.0", "O(1)", client_id,
     "@slow @connection"},
    {"client|getname", 2, kClientFlags, 0, 0, 0, "connection",
     "Returns the name of the connection.", "2.6.9", "O(1)", client_getname, "@slow @connection"},
    {"client|setname", 3, kClientFlags, 0, 0, 0, "connection", "Sets the connection name.",
     "2.6.9", "O(1)", client_setname, "@slow @connection", "connection-name=string"},
    {"client|setinfo", 4, kClientFlags, 0, 0, 0, "connection",
     "Sets information specific to the client or connection.", "7.2.0", "O(1)", client_setinfo,
     "@slow @connection",
     "attr=oneof(libname=string@LIB-NAME|libver=string@LIB-VER)"},
    {"client|info", 2, kClientFlags, 0, 0, 0, "connection",
     "Returns information about the connection.", "6.2.0", "O(1)", client_info,
     "@slow @connection"},
    {"client|list", -2, kAdmin | kClientFlags, 0, 0, 0, "connection",
     "Lists open connections.", "2.4.0", "O(N) where N is the number of client connections",
     client_list, "@admin @slow @dangerous @connection",
     "[client-type=oneof(normal=pure@NORMAL|master=pure@MASTER|replica=pure@REPLICA|"
     "pubsub=pure@PUBSUB)] [client-id=integer@ID...]"},
    {"client|kill", -3, kAdmin | kClientFlags, 0, 0, 0, "connection",
     "Terminates open connections.", "2.4.0", "O(N) where N is the number of client connections",
     client_kill, "@admin @slow @dangerous @connection",
     "filter=oneof(old-format=string|new-format=oneof(client-id=integer@ID|"
     "ip-port=string@ADDR|local-ip-port=string@LADDR|skipme=string@SKIPME|"
     "client-type=string@TYPE|username=string@USER)...)"},
    {"client|unblock", -3, kAdmin | kClientFlags, 0, 0, 0, "connection",
     "Unblocks a client blocked by a blocking command from a different connection.", "5.0.0",
     "O(log N) where N is the number of client connections", client_unblock,
     "@admin @slow @dangerous @connection",
     "client-id=integer [unblock-type=oneof(timeout=pure@TIMEOUT|error=pure@ERROR)]"},
    {"client|reply", 3, kClientFlags, 0, 0, 0, "connection",
     "Instructs the server whether to reply to commands.", "3.2.0", "O(1)", client_reply,
     "@slow @connection", "action=oneof(on=pure@ON|off=pure@OFF|skip=pure@SKIP)"},
    {"client|no-evict", 3, kAdmin | kClientFlags, 0, 0, 0, "connection",
     "Sets the client eviction mode of the connection.", "7.0.0", "O(1)", client_no_evict,
     "@admin @slow @dangerous @connection", "enabled=oneof(on=pure@ON|off=pure@OFF)"},
    {"client|help", 2, kLoading | kStale, 0, 0, 0, "connection",
     "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", client_help,
     "@slow @connection"},
};

}  // namespace

std::span<const CommandSpec> client_commands() { return kRows; }

}  // namespace eddy::commands
