// The generic key commands: existence, iteration, renaming and expiry.
#include <cstdlib>
#include <string>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"
#include "commands/glob.h"
#include "crdt/key_state.h"

namespace eddy::commands {
namespace {

using crdt::KeyState;
using crdt::KeyType;

thread_local std::string scratch;


void remove_key(Context& ctx, int db, std::string_view key) {
  ctx.replica().write(crdt::op::RemoveKey{db, std::string(key), {}});
}

// Writes a copy of `source`'s value and absolute expiry under (db, key), replacing whatever the
// destination held. A string is one SET; a list or hash is, in one unit, the removal of the
// destination, its elements or fields (resolved values: counters copy as their sums), and the
// expiry.
void write_copy(Context& ctx, const KeyState& source, int db, std::string_view key) {
  auto at = source.expire_at();
  crdt::Replica& replica = ctx.replica();
  if (source.type() == KeyType::kString) {
    replica.write(crdt::op::SetString{
        db, std::string(key), std::string(source.string_value(scratch)),
        at ? crdt::ExpiryAction::kSet : crdt::ExpiryAction::kClear, at.value_or(0), {}});
    return;
  }
  replica.begin_unit();
  if (replica.peek_any(db, key)) remove_key(ctx, db, key);
  if (source.type() == KeyType::kSeries) {
    const crdt::SeriesState& series = *source.series();
    replica.write(crdt::op::SeriesMeta{db, std::string(key), series.config(), {}});
    crdt::op::SeriesAdd add{db, std::string(key), {}, {}};
    for (const crdt::SeriesSample& s : series.range(INT64_MIN, INT64_MAX))
      add.samples.push_back({s.ts, s.value});
    if (!add.samples.empty()) replica.write(std::move(add));
  } else if (const crdt::ListState* list =
                 source.type() == KeyType::kList ? source.list() : nullptr) {
    crdt::op::ListPush push{db, std::string(key), crdt::ListSide::kTail, {}, {}};
    push.values.reserve(list->size());
    for (size_t i = 0; i < list->size(); ++i) push.values.emplace_back(list->value(i, scratch));
    replica.write(std::move(push));
  } else {
    crdt::op::HashSet set{db, std::string(key), {}, {}};
    source.hash()->for_each([&](std::string_view field, const crdt::HashField& f) {
      set.fields.push_back({std::string(field), std::string(f.cell.value(scratch)), {}, {}});
    });
    replica.write(std::move(set));
  }
  if (at) replica.write(crdt::op::SetExpiry{db, std::string(key), *at, {}});
  replica.commit_unit();
}

// DEL key [key ...] / UNLINK key [key ...]
void del(Context& ctx) {
  int64_t deleted = 0;
  ctx.replica().begin_unit();
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    if (!ctx.lookup_write(ctx.args[i])) continue;
    remove_key(ctx, ctx.db(), ctx.args[i]);
    ++deleted;
  }
  ctx.replica().commit_unit();
  ctx.reply.integer(deleted);
}

// EXISTS key [key ...]
void exists(Context& ctx) {
  int64_t count = 0;
  for (size_t i = 1; i < ctx.args.size(); ++i)
    if (ctx.lookup_read_no_touch(ctx.args[i])) ++count;
  ctx.reply.integer(count);
}

// TOUCH key [key ...]
void touch(Context& ctx) {
  int64_t count = 0;
  for (size_t i = 1; i < ctx.args.size(); ++i)
    if (ctx.lookup_read(ctx.args[i])) ++count;
  ctx.reply.integer(count);
}

// TYPE key
void type(Context& ctx) {
  const KeyState* state = ctx.lookup_read_no_touch(ctx.args[1]);
  ctx.reply.simple(type_name(state ? state->type() : KeyType::kNone));
}

// KEYS pattern
void keys(Context& ctx) {
  std::string_view pattern = ctx.args[1];
  const bool all = pattern == "*";
  crdt::Replica& replica = ctx.replica();
  size_t token = ctx.reply.begin_deferred_array();
  size_t n = 0;
  replica.table(ctx.db()).for_each([&](std::string_view key, KeyState& state) {
    if ((all || glob_match(pattern, key)) && !replica.is_expired(state)) {
      ctx.reply.bulk(key);
      ++n;
    }
  });
  ctx.reply.end_deferred_array(token, n);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void scan(Context& ctx) {
  auto cursor = parse_cursor(ctx, ctx.args[1]);
  if (!cursor) return;
  auto options = parse_scan_options(ctx, 2, true);
  if (!options) return;
  const std::string_view pattern = options->pattern, type_filter = options->type;
  const int64_t count = options->count;
  crdt::Replica& replica = ctx.replica();
  auto& table = replica.table(ctx.db());
  std::vector<std::string> found;
  uint64_t next = *cursor;
  int64_t budget = count * 10;
  do {
    next = table.scan(next, [&](std::string_view key, KeyState&) { found.emplace_back(key); });
  } while (next != 0 && budget-- > 0 && static_cast<int64_t>(found.size()) < count);
  std::vector<std::string> keys;
  for (std::string& key : found) {
    if (!pattern.empty() && pattern != "*" && !glob_match(pattern, key)) continue;
    const KeyState* state = replica.find_no_touch(ctx.db(), key);
    if (!state) continue;
    if (!type_filter.empty() && !iequals(type_filter, type_name(state->type()))) continue;
    keys.push_back(std::move(key));
  }
  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(next));
  ctx.reply.array(keys.size());
  for (const std::string& key : keys) ctx.reply.bulk(key);
}

// RANDOMKEY
void randomkey(Context& ctx) {
  crdt::Replica& replica = ctx.replica();
  auto& table = replica.table(ctx.db());
  // Expired keys found on the way are reclaimed; the number of tries is bounded as in Redis.
  for (int tries = 0; tries < 100 && table.size() > 0; ++tries) {
    auto [key, state] = table.random_entry(replica.rng());
    if (!replica.is_expired(*state)) return ctx.reply.bulk(std::string(key));
    std::string name(key);
    replica.find(ctx.db(), name);
  }
  ctx.reply.null();
}

// RENAME key newkey / RENAMENX key newkey
void rename_generic(Context& ctx, bool nx) {
  std::string_view from = ctx.args[1], to = ctx.args[2];
  const KeyState* source = ctx.lookup_write(from);
  if (!source) return ctx.reply.error(errors::kNoSuchKey);
  if (from == to) return nx ? ctx.reply.integer(0) : ctx.reply.ok();
  if (nx && ctx.lookup_write(to)) return ctx.reply.integer(0);
  KeyState copy = source->clone();
  ctx.replica().begin_unit();
  write_copy(ctx, copy, ctx.db(), to);
  remove_key(ctx, ctx.db(), from);
  ctx.replica().commit_unit();
  nx ? ctx.reply.integer(1) : ctx.reply.ok();
}
void rename(Context& ctx) { rename_generic(ctx, false); }
void renamenx(Context& ctx) { rename_generic(ctx, true); }

// A database index argument: "value is not an integer or out of range" or
// "DB index is out of range", as Redis's getIntFromObjectOrReply and selectDb reply.
std::optional<int> db_arg(Context& ctx, std::string_view arg) {
  auto v = int_arg(ctx, arg);
  if (!v) return std::nullopt;
  if (*v < INT32_MIN || *v > INT32_MAX) {
    ctx.reply.error(errors::kNotInteger);
    return std::nullopt;
  }
  if (*v < 0 || *v >= ctx.replica().databases()) {
    ctx.reply.error(errors::kDbIndexOutOfRange);
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

// MOVE key db
void move(Context& ctx) {
  auto target = db_arg(ctx, ctx.args[2]);
  if (!target) return;
  if (*target == ctx.db()) return ctx.reply.error(errors::kSameObject);
  std::string_view key = ctx.args[1];
  const KeyState* source = ctx.lookup_write(key);
  if (!source || ctx.replica().find_for_write(*target, key)) return ctx.reply.integer(0);
  KeyState copy = source->clone();
  ctx.replica().begin_unit();
  write_copy(ctx, copy, *target, key);
  remove_key(ctx, ctx.db(), key);
  ctx.replica().commit_unit();
  ctx.reply.integer(1);
}

// COPY source destination [DB destination-db] [REPLACE]
void copy(Context& ctx) {
  int target = ctx.db();
  bool replace = false;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    if (iequals(ctx.args[i], "REPLACE")) {
      replace = true;
    } else if (iequals(ctx.args[i], "DB") && i + 1 < ctx.args.size()) {
      auto db = db_arg(ctx, ctx.args[++i]);
      if (!db) return;
      target = *db;
    } else {
      return ctx.reply.error(errors::kSyntax);
    }
  }
  std::string_view from = ctx.args[1], to = ctx.args[2];
  if (target == ctx.db() && from == to) return ctx.reply.error(errors::kSameObject);
  const KeyState* source = ctx.lookup_write(from);
  if (!source) return ctx.reply.integer(0);
  if (ctx.replica().find_for_write(target, to) && !replace) return ctx.reply.integer(0);
  KeyState snapshot = source->clone();
  write_copy(ctx, snapshot, target, to);
  ctx.reply.integer(1);
}

enum ExpireFlag { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// The NX/XX/GT/LT options of the EXPIRE family, with Redis 7.0's texts.
std::optional<int> expire_flags(Context& ctx) {
  int flags = 0;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (iequals(a, "NX"))
      flags |= kNx;
    else if (iequals(a, "XX"))
      flags |= kXx;
    else if (iequals(a, "GT"))
      flags |= kGt;
    else if (iequals(a, "LT"))
      flags |= kLt;
    else {
      ctx.reply.error("Unsupported option " + std::string(a));
      return std::nullopt;
    }
  }
  if ((flags & kNx) && (flags & (kXx | kGt | kLt))) {
    ctx.reply.error("NX and XX, GT or LT options at the same time are not compatible");
    return std::nullopt;
  }
  if ((flags & kGt) && (flags & kLt)) {
    ctx.reply.error("GT and LT options at the same time are not compatible");
    return std::nullopt;
  }
  return flags;
}

bool expire_condition_holds(int flags, int64_t when, std::optional<int64_t> current) {
  if ((flags & kNx) && current) return false;
  if ((flags & kXx) && !current) return false;
  if ((flags & kGt) && (!current || when <= *current)) return false;
  if ((flags & kLt) && current && when >= *current) return false;
  return true;
}

// EXPIRE key seconds [NX | XX | GT | LT], and PEXPIRE, EXPIREAT, PEXPIREAT.
void expire_generic(Context& ctx, bool seconds, bool absolute) {
  auto flags = expire_flags(ctx);
  if (!flags) return;
  auto when = int_arg(ctx, ctx.args[2]);
  if (!when) return;
  int64_t ms = *when;
  if (seconds) {
    auto scaled = checked_mul(ms, 1000);
    if (!scaled) return reply_invalid_expire(ctx);
    ms = *scaled;
  }
  int64_t base = absolute ? 0 : ctx.now_ms();
  if (ms > INT64_MAX - base) return reply_invalid_expire(ctx);
  ms += base;
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (!state) return ctx.reply.integer(0);
  if (!expire_condition_holds(*flags, ms, state->expire_at())) return ctx.reply.integer(0);
  if (ms <= ctx.now_ms())
    remove_key(ctx, ctx.db(), key);
  else
    ctx.replica().write(crdt::op::SetExpiry{ctx.db(), std::string(key), ms, {}});
  ctx.reply.integer(1);
}
void expire(Context& ctx) { expire_generic(ctx, true, false); }
void pexpire(Context& ctx) { expire_generic(ctx, false, false); }
void expireat(Context& ctx) { expire_generic(ctx, true, true); }
void pexpireat(Context& ctx) { expire_generic(ctx, false, true); }

// TTL key / PTTL key
void ttl_generic(Context& ctx, bool ms) {
  const KeyState* state = ctx.lookup_read_no_touch(ctx.args[1]);
  if (!state) return ctx.reply.integer(-2);
  auto at = state->expire_at();
  if (!at) return ctx.reply.integer(-1);
  int64_t left = std::max<int64_t>(*at - ctx.now_ms(), 0);
  ctx.reply.integer(ms ? left : (left + 500) / 1000);
}
void ttl(Context& ctx) { ttl_generic(ctx, false); }
void pttl(Context& ctx) { ttl_generic(ctx, true); }

// EXPIRETIME key / PEXPIRETIME key
void expiretime_generic(Context& ctx, bool ms) {
  const KeyState* state = ctx.lookup_read_no_touch(ctx.args[1]);
  if (!state) return ctx.reply.integer(-2);
  auto at = state->expire_at();
  if (!at) return ctx.reply.integer(-1);
  ctx.reply.integer(ms ? *at : (*at + 500) / 1000);
}
void expiretime(Context& ctx) { expiretime_generic(ctx, false); }
void pexpiretime(Context& ctx) { expiretime_generic(ctx, true); }

// PERSIST key
void persist(Context& ctx) {
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (!state || !state->expire_at()) return ctx.reply.integer(0);
  ctx.replica().write(
      crdt::op::SetExpiry{ctx.db(), std::string(key), crdt::op::SetExpiry::kPersist, {}});
  ctx.reply.integer(1);
}

const CommandSpec kRows[] = {
    {"del", -2, kWrite, 1, -1, 1, "generic", "Deletes one or more keys.", "1.0.0",
     "O(N) where N is the number of keys that will be removed.", del,
     "@keyspace @write @slow", "key=key..."},
    {"unlink", -2, kWrite | kFast, 1, -1, 1, "generic",
     "Asynchronously deletes one or more keys.", "4.0.0",
     "O(1) for each key removed regardless of its size.", del, "@keyspace @write @fast",
     "key=key..."},
    {"exists", -2, kReadonly | kFast, 1, -1, 1, "generic",
     "Determines whether one or more keys exist.", "1.0.0",
     "O(N) where N is the number of keys to check.", exists, "@keyspace @read @fast",
     "key=key..."},
    {"touch", -2, kReadonly | kFast, 1, -1, 1, "generic",
     "Returns the number of existing keys out of those specified after updating the time they "
     "were last accessed.",
     "3.2.1", "O(N) where N is the number of keys that will be touched.", touch,
     "@keyspace @read @fast", "key=key..."},
    {"type", 2, kReadonly | kFast, 1, 1, 1, "generic",
     "Determines the type of value stored at a key.", "1.0.0", "O(1)", type,
     "@keyspace @read @fast", "key=key"},
    {"keys", 2, kReadonly, 0, 0, 0, "generic", "Returns all key names that match a pattern.",
     "1.0.0",
     "O(N) with N being the number of keys in the database, under the assumption that the key "
     "names in the database and the given pattern have limited length.",
     keys, "@keyspace @read @slow @dangerous", "pattern=pattern"},
    {"scan", -2, kReadonly, 0, 0, 0, "generic", "Iterates over the key names in the database.",
     "2.8.0",
     "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
     "the cursor to return back to 0. N is the number of elements inside the collection.",
     scan, "@keyspace @read @slow",
     "cursor=integer [pattern=pattern@MATCH] [count=integer@COUNT] [type=string@TYPE]"},
    {"randomkey", 1, kReadonly, 0, 0, 0, "generic", "Returns a random key name from the database.",
     "1.0.0", "O(1)", randomkey, "@keyspace @read @slow"},
    {"rename", 3, kWrite, 1, 2, 1, "generic", "Renames a key and overwrites the destination.",
     "1.0.0", "O(1)", rename, "@keyspace @write @slow", "key=key newkey=key"},
    {"renamenx", 3, kWrite | kFast, 1, 2, 1, "generic",
     "Renames a key only when the target key name doesn't exist.", "1.0.0", "O(1)", renamenx,
     "@keyspace @write @fast", "key=key newkey=key"},
    {"move", 3, kWrite | kFast, 1, 1, 1, "generic", "Moves a key to another database.", "1.0.0",
     "O(1)", move, "@keyspace @write @fast", "key=key db=integer"},
    {"copy", -3, kWrite | kDenyOom, 1, 2, 1, "generic", "Copies the value of a key to a new key.",
     "6.2.0",
     "O(N) worst case for collections, where N is the number of nested items. O(1) for string "
     "values.",
     copy, "@keyspace @write @slow",
     "source=key destination=key [destination-db=integer@DB] [replace=pure@REPLACE]"},
    {"expire", -3, kWrite | kFast, 1, 1, 1, "generic",
     "Sets the expiration time of a key in seconds.", "1.0.0", "O(1)", expire,
     "@keyspace @write @fast",
     "key=key seconds=integer [condition=oneof(nx=pure@NX|xx=pure@XX|gt=pure@GT|lt=pure@LT)]"},
    {"pexpire", -3, kWrite | kFast, 1, 1, 1, "generic",
     "Sets the expiration time of a key in milliseconds.", "2.6.0", "O(1)", pexpire,
     "@keyspace @write @fast",
     "key=key milliseconds=integer "
     "[condition=oneof(nx=pure@NX|xx=pure@XX|gt=pure@GT|lt=pure@LT)]"},
    {"expireat", -3, kWrite | kFast, 1, 1, 1, "generic",
     "Sets the expiration time of a key to a Unix timestamp.", "1.2.0", "O(1)", expireat,
     "@keyspace @write @fast",
     "key=key unix-time-seconds=unix-time "
     "[condition=oneof(nx=pure@NX|xx=pure@XX|gt=pure@GT|lt=pure@LT)]"},
    {"pexpireat", -3, kWrite | kFast, 1, 1, 1, "generic",
     "Sets the expiration time of a key to a Unix milliseconds timestamp.", "2.6.0", "O(1)",
     pexpireat, "@keyspace @write @fast",
     "key=key unix-time-milliseconds=unix-time "
     "[condition=oneof(nx=pure@NX|xx=pure@XX|gt=pure@GT|lt=pure@LT)]"},
    {"ttl", 2, kReadonly | kFast, 1, 1, 1, "generic", "Returns the expiration time in seconds of a key.",
     "1.0.0", "O(1)", ttl, "@keyspace @read @fast", "key=key"},
    {"pttl", 2, kReadonly | kFast, 1, 1, 1, "generic",
     "Returns the expiration time in milliseconds of a key.", "2.6.0", "O(1)", pttl,
     "@keyspace @read @fast", "key=key"},
    {"expiretime", 2, kReadonly | kFast, 1, 1, 1, "generic",
     "Returns the expiration time of a key as a Unix timestamp.", "7.0.0", "O(1)", expiretime,
     "@keyspace @read @fast", "key=key"},
    {"pexpiretime", 2, kReadonly | kFast, 1, 1, 1, "generic",
     "Returns the expiration time of a key as a Unix milliseconds timestamp.", "7.0.0", "O(1)",
     pexpiretime, "@keyspace @read @fast", "key=key"},
    {"persist", 2, kWrite | kFast, 1, 1, 1, "generic", "Removes the expiration time of a key.",
     "2.2.0", "O(1)", persist, "@keyspace @write @fast", "key=key"},
};

}  // namespace

std::span<const CommandSpec> key_commands() { return kRows; }

}  // namespace eddy::commands
