#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace eddy::commands {

class Context;
using Handler = void (*)(Context&);

// Command flags, named as in Redis's COMMAND INFO.
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadonly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 3,
  kPubSub = 1u << 4,
  kNoScript = 1u << 5,
  kBlocking = 1u << 6,
  kLoading = 1u << 7,
  kStale = 1u << 8,
  kSkipMonitor = 1u << 9,
  kSkipSlowlog = 1u << 10,
  kFast = 1u << 11,
  kNoAuth = 1u << 12,
  kMayReplicate = 1u << 13,
  kNoMulti = 1u << 14,      // refused inside MULTI (WATCH)
  kAllowBusy = 1u << 15,
  kMultiControl = 1u << 16  // runs at once inside MULTI instead of being queued
};

// One row of the command table: it drives dispatch, the arity check, COMMAND's replies and the
// per-command statistics. Arity follows Redis: it counts the name, negative means "at least".
struct CommandSpec {
  std::string_view name;  // lower case, "config|get" for a subcommand
  int arity;
  uint32_t flags;
  int first_key;
  int last_key;
  int step;
  std::string_view group;  // "string", "generic", "server", "connection", "transactions", ...
  std::string_view summary;
  std::string_view since;
  std::string_view complexity;
  Handler handler;
  std::string_view acl_categories = "";  // "@write @string @slow", as COMMAND INFO lists them
  // The arguments as COMMAND DOCS describes them (redis-cli builds its hints from them), in a
  // compact grammar:
  //   arguments := arg (' ' arg)*          arg  := '[' body ']' (optional) | body
  //   body      := spec ['...']            ('...': may repeat)
  //   spec      := name '=' type ['@' TOKEN]              seconds=integer@EX, key=key, nx=pure@NX
  //              | name '=' 'oneof(' arg ('|' arg)* ')'     condition=oneof(nx=pure@NX|xx=pure@XX)
  //              | name '=' 'block(' arg (' ' arg)* ')'     data=block(key=key value=string)...
  //   type      := key | string | integer | double | pattern | unix-time | pure | oneof | block
  // A block or oneof may itself carry a token: count=block@COUNT(...).
  std::string_view arguments = "";
};

struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
};

// The assembled table: every family's rows, looked up by case-insensitive name.
class CommandTable {
 public:
  CommandTable();
  const CommandSpec* find(std::string_view name) const;
  // A container command's subcommand ("CONFIG GET" → "config|get"), or nullptr.
  const CommandSpec* find_subcommand(const CommandSpec& parent, std::string_view sub) const;
  bool has_subcommands(const CommandSpec& spec) const;
  std::span<const CommandSpec* const> all() const { return rows_; }
  std::vector<const CommandSpec*> subcommands(const CommandSpec& parent) const;
  CommandStats& stats(const CommandSpec& spec);
  void reset_stats();

 private:
  struct Slot {
    CommandStats stats;
    bool container = false;  // has "name|sub" rows
  };
  Slot& slot(const CommandSpec& spec) const;

  std::vector<const CommandSpec*> rows_;
  mutable std::unordered_map<const CommandSpec*, Slot> slots_;
};

// Each family file defines its rows and exposes them here.
std::span<const CommandSpec> string_commands();
std::span<const CommandSpec> key_commands();
std::span<const CommandSpec> list_commands();
std::span<const CommandSpec> hash_commands();
std::span<const CommandSpec> server_commands();
std::span<const CommandSpec> persistence_commands();  // SAVE, BGSAVE, SHUTDOWN, ...
std::span<const CommandSpec> edge_commands();         // EDGE.HELLO, EDGE.PUSH, ...
std::span<const CommandSpec> connection_commands();
std::span<const CommandSpec> transaction_commands();
std::span<const CommandSpec> info_commands();
std::span<const CommandSpec> config_commands();
std::span<const CommandSpec> client_commands();
std::span<const CommandSpec> introspection_commands();  // COMMAND, OBJECT, MEMORY, DEBUG
std::span<const CommandSpec> timeseries_commands();     // TS.*
std::span<const CommandSpec> acl_commands();
std::span<const CommandSpec> observability_commands();  // SLOWLOG, LATENCY, MONITOR

}  // namespace eddy::commands
