#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"

namespace eddy::commands {
namespace {

void discard_transaction(Context& ctx) {
  ctx.client.in_multi = false;
  ctx.client.multi_error = false;
  ctx.client.multi_queue.clear();
  ctx.state.unwatch_all(ctx.client);
}

// MULTI
void multi(Context& ctx) {
  if (ctx.client.in_multi) return ctx.reply.error(errors::kMultiNested);
  ctx.client.in_multi = true;
  ctx.reply.ok();
}

// EXEC
// The queued commands run as one unit of the replica: their effects are journaled and shipped
// together, so no other replica ever observes half of the transaction.
void exec(Context& ctx) {
  Client& client = ctx.client;
  if (!client.in_multi) return ctx.reply.error(errors::kExecWithoutMulti);
  if (client.multi_error) {
    discard_transaction(ctx);
    return ctx.reply.error(errors::kExecAbort);
  }
  if (client.watch_dirty) {
    discard_transaction(ctx);
    return ctx.reply.null_array();
  }
  auto queue = std::move(client.multi_queue);
  discard_transaction(ctx);
  ctx.reply.array(queue.size());
  ctx.replica().begin_unit();
  std::vector<std::string_view> argv;
  for (const auto& command : queue) {
    argv.assign(command.begin(), command.end());
    const CommandSpec* spec = ctx.state.table.find(argv[0]);
    if (ctx.state.table.has_subcommands(*spec))
      spec = ctx.state.table.find_subcommand(*spec, argv[1]);
    ctx.state.call(*spec, client, argv, ctx.reply);
  }
  ctx.replica().commit_unit();
}

// DISCARD
void discard(Context& ctx) {
  if (!ctx.client.in_multi) return ctx.reply.error(errors::kDiscardWithoutMulti);
  discard_transaction(ctx);
  ctx.reply.ok();
}

// WATCH key [key ...]
void watch(Context& ctx) {
  if (ctx.client.in_multi) return ctx.reply.error(errors::kWatchInMulti);
  for (size_t i = 1; i < ctx.args.size(); ++i) ctx.state.watch(ctx.client, ctx.db(), ctx.args[i]);
  ctx.reply.ok();
}

// UNWATCH
void unwatch(Context& ctx) {
  ctx.state.unwatch_all(ctx.client);
  ctx.reply.ok();
}

constexpr uint32_t kTxFlags = kNoScript | kLoading | kStale | kFast | kAllowBusy | kMultiControl;

const CommandSpec kRows[] = {
    {"multi", 1, kTxFlags, 0, 0, 0, "transactions", "Starts a transaction.", "1.2.0", "O(1)",
     multi, "@fast @transaction"},
    {"exec", 1, kNoScript | kLoading | kStale | kSkipSlowlog | kMultiControl, 0, 0, 0,
     "transactions", "Executes all commands in a transaction.", "1.2.0",
     "Depends on commands in the transaction", exec, "@slow @transaction"},
    {"discard", 1, kTxFlags, 0, 0, 0, "transactions", "Discards a transaction.", "2.0.0",
     "O(N), when N is the number of queued commands", discard, "@fast @transaction"},
    {"watch", -2, kTxFlags, 1, -1, 1, "transactions",
     "Monitors changes to keys to determine the execution of a transaction.", "2.2.0",
     "O(1) for every key.", watch, "@fast @transaction", "key=key..."},
    {"unwatch", 1, kNoScript | kLoading | kStale | kFast | kAllowBusy, 0, 0, 0, "transactions",
     "Forgets about watched keys of a transaction.", "2.2.0", "O(1)", unwatch,
     "@fast @transaction"},
};

}  // namespace

std::span<const CommandSpec> transaction_commands() { return kRows; }

}  // namespace eddy::commands
