// Persistence commands: SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE and SHUTDOWN. eddy compacts its
// journal by writing a snapshot, so BGREWRITEAOF and BGSAVE start the same kind of child; each
// keeps Redis's replies.
#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"
#include "compact/log.h"

namespace eddy::commands {
namespace {

using Kind = sync::Persistence::ChildKind;

// Unit tests run without a data directory: there is nothing to save to.
sync::Persistence* persistence(Context& ctx) {
  if (!ctx.state.persistence) ctx.reply.error(errors::kNoPersistence);
  return ctx.state.persistence.get();
}

// SAVE
void save(Context& ctx) {
  auto* p = persistence(ctx);
  if (!p) return;
  if (p->child() != Kind::kNone) return ctx.reply.error("Background save already in progress");
  if (p->save(ctx.replica(), ctx.now_ms())) return ctx.reply.error("-ERR");
  ctx.reply.ok();
}

// BGSAVE [SCHEDULE]
void bgsave(Context& ctx) {
  bool schedule = false;
  if (ctx.args.size() > 1) {
    if (ctx.args.size() == 2 && iequals(ctx.args[1], "SCHEDULE"))
      schedule = true;
    else
      return ctx.reply.error(errors::kSyntax);
  }
  auto* p = persistence(ctx);
  if (!p) return;
  if (p->child() == Kind::kSave) return ctx.reply.error("Background save already in progress");
  if (p->child() != Kind::kNone || ctx.state.in_exec()) {
    if (!schedule && !ctx.state.in_exec())
      return ctx.reply.error(
          "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in "
          "order to schedule a BGSAVE whenever possible.");
    p->schedule(Kind::kSave);
    return ctx.reply.simple("Background saving scheduled");
  }
  if (p->start_child(ctx.replica(), Kind::kSave, ctx.now_ms())) return ctx.reply.error("-ERR");
  ctx.reply.simple("Background saving started");
}

// BGREWRITEAOF
void bgrewriteaof(Context& ctx) {
  auto* p = persistence(ctx);
  if (!p) return;
  if (p->child() == Kind::kRewrite)
    return ctx.reply.error("Background append only file rewriting already in progress");
  if (p->child() != Kind::kNone || ctx.state.in_exec()) {
    p->schedule(Kind::kRewrite);
    return ctx.reply.simple("Background append only file rewriting scheduled");
  }
  if (p->start_child(ctx.replica(), Kind::kRewrite, ctx.now_ms()))
    return ctx.reply.error(
        "Can't execute an AOF background rewriting. Please check the server logs for more "
        "information.");
  ctx.reply.simple("Background append only file rewriting started");
}

// LASTSAVE
void lastsave(Context& ctx) {
  ctx.reply.integer(ctx.state.persistence ? ctx.state.persistence->stats().last_save_s
                                          : ctx.state.stats.start_time_us / 1000000);
}

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
void shutdown(Context& ctx) {
  bool abort = false, nosave = false, save = false, force = false, other = false;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (iequals(a, "ABORT"))
      abort = true;
    else if (iequals(a, "NOSAVE"))
      nosave = true;
    else if (iequals(a, "SAVE"))
      save = true;
    else if (iequals(a, "FORCE"))
      force = other = true;
    else if (iequals(a, "NOW"))
      other = true;
    else
      return ctx.reply.error(errors::kSyntax);
  }
  if ((abort && (nosave || save || other)) || (nosave && save))
    return ctx.reply.error(errors::kSyntax);
  if (abort) return ctx.reply.error("No shutdown in progress.");
  compact::log(compact::LogLevel::kWarning, "User requested shutdown...");
  std::optional<bool> want_save;
  if (save) want_save = true;
  if (nosave) want_save = false;
  if (ctx.state.engine.prepare_shutdown(want_save) && !force) {
    compact::log(compact::LogLevel::kWarning,
                 "Errors trying to shut down the server. Check the logs for more information.");
    return ctx.reply.error("Errors trying to SHUTDOWN. Check logs.");
  }
  if (ctx.state.engine.request_shutdown) ctx.state.engine.request_shutdown();
  // Like Redis, a successful SHUTDOWN closes the connection without a reply.
  ctx.client.close_after_reply = true;
}

constexpr uint32_t kAdminNoScript = kAdmin | kNoScript;

const CommandSpec kRows[] = {
    {"save", 1, kAdminNoScript | kNoMulti, 0, 0, 0, "server",
     "Synchronously saves the database(s) to disk.", "1.0.0",
     "O(N) where N is the total number of keys in all databases", save, "@admin @slow @dangerous"},
    {"bgsave", -1, kAdminNoScript, 0, 0, 0, "server",
     "Asynchronously saves the database(s) to disk.", "1.0.0",
     "O(N) where N is the total number of keys in all databases", bgsave, "@admin @slow @dangerous",
     "[schedule=pure@SCHEDULE]"},
    {"bgrewriteaof", 1, kAdminNoScript, 0, 0, 0, "server",
     "Asynchronously rewrites the append-only file to disk.", "1.0.0", "O(1)", bgrewriteaof,
     "@admin @slow @dangerous"},
    {"lastsave", 1, kLoading | kStale | kFast, 0, 0, 0, "server",
     "Returns the Unix timestamp of the last successful save to disk.", "1.0.0", "O(1)", lastsave,
     "@admin @fast @dangerous"},
    {"shutdown", -1, kAdminNoScript | kLoading | kStale | kAllowBusy, 0, 0, 0, "server",
     "Synchronously saves the database(s) to disk and shuts down the Redis server.", "1.0.0",
     "O(N) when saving, where N is the total number of keys in all databases when saving data, "
     "otherwise O(1)",
     shutdown, "@admin @slow @dangerous",
     "[save-selector=oneof(nosave=pure@NOSAVE|save=pure@SAVE)] [now=pure@NOW] [force=pure@FORCE] "
     "[abort=pure@ABORT]"},
};

}  // namespace

std::span<const CommandSpec> persistence_commands() { return kRows; }

}  // namespace eddy::commands
