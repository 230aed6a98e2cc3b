// The hash commands. A hash is an OR-map of fields: HSET writes fields as LWW registers (one
// effect for all the fields of a command), HDEL observed-removes fields, HINCRBY and
// HINCRBYFLOAT move the writer's counter lane of a field.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"
#include "commands/glob.h"
#include "crdt/decimal.h"
#include "crdt/key_state.h"

namespace eddy::commands {
namespace {

using crdt::HashField;
using crdt::HashState;
using crdt::KeyState;
using crdt::KeyType;

thread_local std::string scratch;

const HashField* field_of(const KeyState* state, std::string_view field) {
  return state && state->hash() ? state->hash()->find(field) : nullptr;
}

void write_fields(Context& ctx, std::string_view key, std::span<const std::string_view> pairs) {
  crdt::op::HashSet op{ctx.db(), std::string(key), {}, {}};
  op.fields.reserve(pairs.size() / 2);
  for (size_t i = 0; i + 1 < pairs.size(); i += 2)
    op.fields.push_back({std::string(pairs[i]), std::string(pairs[i + 1]), {}, {}});
  ctx.replica().write(std::move(op));
}

// HSET key field value [field value ...] / HMSET
void hset_generic(Context& ctx, bool reply_ok) {
  if (ctx.args.size() % 2 == 1)
    return ctx.reply.error("wrong number of arguments for '" +
                           std::string(reply_ok ? "hmset" : "hset") + "' command");
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (ctx.wrong_type(state, KeyType::kHash)) return;
  // A field named twice counts once, as Redis counts fields that did not exist before.
  int64_t created = 0;
  std::vector<std::string_view> fresh;
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    std::string_view field = ctx.args[i];
    if (field_of(state, field) || std::find(fresh.begin(), fresh.end(), field) != fresh.end())
      continue;
    fresh.push_back(field);
    ++created;
  }
  write_fields(ctx, key, ctx.args.subspan(2));
  reply_ok ? ctx.reply.ok() : ctx.reply.integer(created);
}
void hset(Context& ctx) { hset_generic(ctx, false); }
void hmset(Context& ctx) { hset_generic(ctx, true); }

// HSETNX key field value
void hsetnx(Context& ctx) {
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (ctx.wrong_type(state, KeyType::kHash)) return;
  if (field_of(state, ctx.args[2])) return ctx.reply.integer(0);
  write_fields(ctx, key, ctx.args.subspan(2, 2));
  ctx.reply.integer(1);
}

// The hash at `key` for a reader, after the type check; null when absent or on WRONGTYPE
// (`failed` tells them apart).
const HashState* read_hash(Context& ctx, std::string_view key, bool& failed) {
  const KeyState* state = ctx.lookup_read(key);
  failed = ctx.wrong_type(state, KeyType::kHash);
  return failed || !state ? nullptr : state->hash();
}

// HGET key field
void hget(Context& ctx) {
  bool failed;
  const HashState* hash = read_hash(ctx, ctx.args[1], failed);
  if (failed) return;
  const HashField* f = hash ? hash->find(ctx.args[2]) : nullptr;
  if (!f) return ctx.reply.null();
  ctx.reply.bulk(f->cell.value(scratch));
}

// HMGET key field [field ...]
void hmget(Context& ctx) {
  bool failed;
  const HashState* hash = read_hash(ctx, ctx.args[1], failed);
  if (failed) return;
  ctx.reply.array(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const HashField* f = hash ? hash->find(ctx.args[i]) : nullptr;
    f ? ctx.reply.bulk(f->cell.value(scratch)) : ctx.reply.null();
  }
}

// HDEL key field [field ...]
void hdel(Context& ctx) {
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (!state) return ctx.reply.integer(0);
  if (ctx.wrong_type(state, KeyType::kHash)) return;
  crdt::op::HashRemove op{ctx.db(), std::string(key), {}, {}};
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    std::string_view field = ctx.args[i];
    if (!state->hash()->find(field)) continue;
    if (std::any_of(op.fields.begin(), op.fields.end(),
                    [&](const crdt::op::FieldRemove& r) { return r.field == field; }))
      continue;
    op.fields.push_back({std::string(field), {}});
  }
  const auto deleted = static_cast<int64_t>(op.fields.size());
  if (deleted > 0) ctx.replica().write(std::move(op));
  ctx.reply.integer(deleted);
}

// HLEN key
void hlen(Context& ctx) {
  bool failed;
  const HashState* hash = read_hash(ctx, ctx.args[1], failed);
  if (failed) return;
  ctx.reply.integer(hash ? static_cast<int64_t>(hash->size()) : 0);
}

// HSTRLEN key field
void hstrlen(Context& ctx) {
  bool failed;
  const HashState* hash = read_hash(ctx, ctx.args[1], failed);
  if (failed) return;
  const HashField* f = hash ? hash->find(ctx.args[2]) : nullptr;
  ctx.reply.integer(f ? static_cast<int64_t>(f->cell.length()) : 0);
}

// HEXISTS key field
void hexists(Context& ctx) {
  bool failed;
  const HashState* hash = read_hash(ctx, ctx.args[1], failed);
  if (failed) return;
  ctx.reply.integer(hash && hash->find(ctx.args[2]) ? 1 : 0);
}

enum class Parts { kKeys, kValues, kBoth };

// HKEYS, HVALS, HGETALL
void hgetall_generic(Context& ctx, Parts parts) {
  bool failed;
  const HashState* hash = read_hash(ctx, ctx.args[1], failed);
  if (failed) return;
  const size_t n = hash ? hash->size() : 0;
  parts == Parts::kBoth ? ctx.reply.map(n) : ctx.reply.array(n);
  if (!hash) return;
  hash->for_each([&](std::string_view name, const HashField& f) {
    if (parts != Parts::kValues) ctx.reply.bulk(name);
    if (parts != Parts::kKeys) ctx.reply.bulk(f.cell.value(scratch));
  });
}
void hkeys(Context& ctx) { hgetall_generic(ctx, Parts::kKeys); }
void hvals(Context& ctx) { hgetall_generic(ctx, Parts::kValues); }
void hgetall(Context& ctx) { hgetall_generic(ctx, Parts::kBoth); }

void add_to_field(Context& ctx, std::string_view key, std::string_view field,
                  const crdt::Decimal& delta) {
  ctx.replica().write(crdt::op::FieldAdd{ctx.db(), std::string(key), std::string(field), delta,
                                         {}, {}, {}, {}});
}

// The field's value as this replica now shows it (a concurrent write may have shaped it).
std::string field_value_now(Context& ctx, std::string_view key, std::string_view field) {
  const HashField* f = field_of(ctx.replica().peek(ctx.db(), key), field);
  return f ? std::string(f->cell.value(scratch)) : std::string();
}

// HINCRBY key field increment
void hincrby(Context& ctx) {
  auto delta = int_arg(ctx, ctx.args[3]);
  if (!delta) return;
  std::string_view key = ctx.args[1], field = ctx.args[2];
  const KeyState* state = ctx.lookup_write(key);
  if (ctx.wrong_type(state, KeyType::kHash)) return;
  int64_t current = 0;
  if (const HashField* f = field_of(state, field)) {
    auto v = crdt::parse_strict_int64(f->cell.value(scratch));
    if (!v) return ctx.reply.error("hash value is not an integer");
    current = *v;
  }
  int64_t next;
  if (__builtin_add_overflow(current, *delta, &next)) return ctx.reply.error(errors::kOverflow);
  add_to_field(ctx, key, field, crdt::Decimal::from_int(*delta));
  auto shown = crdt::parse_strict_int64(field_value_now(ctx, key, field));
  ctx.reply.integer(shown ? *shown : next);
}

// HINCRBYFLOAT key field increment
void hincrbyfloat(Context& ctx) {
  auto delta = crdt::Decimal::parse(ctx.args[3]);
  const bool delta_infinite = crdt::Decimal::is_infinity_text(ctx.args[3]);
  if (!delta && !delta_infinite) return ctx.reply.error(errors::kNotFloat);
  if (delta_infinite) return ctx.reply.error("value is NaN or Infinity");
  std::string_view key = ctx.args[1], field = ctx.args[2];
  const KeyState* state = ctx.lookup_write(key);
  if (ctx.wrong_type(state, KeyType::kHash)) return;
  crdt::Decimal current;
  if (const HashField* f = field_of(state, field)) {
    std::string_view text = f->cell.value(scratch);
    auto v = crdt::Decimal::parse(text);
    if (!v && !crdt::Decimal::is_infinity_text(text))
      return ctx.reply.error("hash value is not a float");
    if (!v) return ctx.reply.error(errors::kNanOrInfinity);
    current = *v;
  }
  auto next = current.add(*delta);
  if (!next) return ctx.reply.error(errors::kNanOrInfinity);
  add_to_field(ctx, key, field, *delta);
  std::string shown = field_value_now(ctx, key, field);
  ctx.reply.bulk(shown.empty() ? next->format() : shown);
}

// One field (and its value) of HRANDFIELD's reply; RESP3 pairs them in two-element arrays.
void reply_field(Context& ctx, std::string_view name, const HashField& f, bool with_values) {
  if (with_values && ctx.reply.resp() == 3) ctx.reply.array(2);
  ctx.reply.bulk(name);
  if (with_values) ctx.reply.bulk(f.cell.value(scratch));
}

std::pair<std::string_view, const HashField*> random_field(Context& ctx, const HashState& hash) {
  if (hash.packed()) return hash.packed_at(ctx.replica().rng()() % hash.size());
  auto [name, f] = hash.table()->random_entry(ctx.replica().rng());
  return {name, f};
}

// HRANDFIELD key [count [WITHVALUES]]
void hrandfield(Context& ctx) {
  if (ctx.args.size() == 2) {
    bool failed;
    const HashState* hash = read_hash(ctx, ctx.args[1], failed);
    if (failed) return;
    if (!hash) return ctx.reply.null();
    return ctx.reply.bulk(random_field(ctx, *hash).first);
  }
  auto count = int_arg(ctx, ctx.args[2]);
  if (!count) return;
  if (*count == INT64_MIN)
    return ctx.reply.error(
        "value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  bool with_values = false;
  if (ctx.args.size() > 4 || (ctx.args.size() == 4 && !iequals(ctx.args[3], "WITHVALUES")))
    return ctx.reply.error(errors::kSyntax);
  if (ctx.args.size() == 4) {
    with_values = true;
    if (*count < -INT64_MAX / 2 || *count > INT64_MAX / 2)
      return ctx.reply.error("value is out of range");
  }
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (!state) return ctx.reply.array(0);
  if (ctx.wrong_type(state, KeyType::kHash)) return;
  const HashState& hash = *state->hash();
  const bool unique = *count >= 0;
  const uint64_t n = unique ? static_cast<uint64_t>(*count) : 0 - static_cast<uint64_t>(*count);
  if (n == 0) return ctx.reply.array(0);
  auto reply_len = [&](uint64_t items) {
    ctx.reply.array(with_values && ctx.reply.resp() == 2 ? items * 2 : items);
  };
  if (!unique || n == 1) {
    reply_len(n);
    for (uint64_t i = 0; i < n; ++i) {
      auto [name, f] = random_field(ctx, hash);
      reply_field(ctx, name, *f, with_values);
    }
    return;
  }
  if (n >= hash.size()) {
    reply_len(hash.size());
    hash.for_each([&](std::string_view name, const HashField& f) {
      reply_field(ctx, name, f, with_values);
    });
    return;
  }
  // A uniform sample of n distinct fields, in the hash's order.
  std::vector<size_t> picks(hash.size());
  for (size_t i = 0; i < picks.size(); ++i) picks[i] = i;
  std::shuffle(picks.begin(), picks.end(), ctx.replica().rng());
  picks.resize(n);
  std::sort(picks.begin(), picks.end());
  reply_len(n);
  size_t index = 0, next = 0;
  hash.for_each([&](std::string_view name, const HashField& f) {
    if (next < picks.size() && picks[next] == index++) {
      ++next;
      reply_field(ctx, name, f, with_values);
    }
  });
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
void hscan(Context& ctx) {
  auto cursor = parse_cursor(ctx, ctx.args[2]);
  if (!cursor) return;
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (!state) {
    ctx.reply.array(2);
    ctx.reply.bulk("0");
    return ctx.reply.array(0);
  }
  if (ctx.wrong_type(state, KeyType::kHash)) return;
  auto options = parse_scan_options(ctx, 3, false);
  if (!options) return;
  const HashState& hash = *state->hash();
  std::vector<std::pair<std::string, std::string>> found;
  auto collect = [&](std::string_view name, const HashField& f) {
    if (!options->pattern.empty() && options->pattern != "*" && !glob_match(options->pattern, name))
      return;
    found.emplace_back(name, f.cell.value(scratch));
  };
  uint64_t next = 0;
  if (hash.packed()) {
    // Like a listpack in Redis: the whole hash in one call, whatever the cursor.
    hash.for_each(collect);
  } else {
    next = *cursor;
    int64_t budget = options->count * 10;
    size_t visited = 0;
    do {
      next = hash.table()->scan(next, [&](std::string_view name, HashField& f) {
        ++visited;
        collect(name, f);
      });
    } while (next != 0 && budget-- > 0 && static_cast<int64_t>(visited) < options->count);
  }
  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(next));
  ctx.reply.array(found.size() * 2);
  for (const auto& [name, value] : found) {
    ctx.reply.bulk(name);
    ctx.reply.bulk(value);
  }
}

constexpr uint32_t kWriteOomFast = kWrite | kDenyOom | kFast;

const CommandSpec kRows[] = {
    {"hset", -4, kWriteOomFast, 1, 1, 1, "hash", "Creates or modifies the value of a field in a hash.", "2.0.0",
     "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
     hset, "@write @hash @fast", "key=key data=block(field=string value=string)..."},
    {"hmset", -4, kWriteOomFast, 1, 1, 1, "hash", "Sets the values of multiple fields.", "2.0.0",
     "O(N) where N is the number of fields being set.", hmset, "@write @hash @fast",
     "key=key data=block(field=string value=string)..."},
    {"hsetnx", 4, kWriteOomFast, 1, 1, 1, "hash", "Sets the value of a field in a hash only when the field doesn't exist.", "2.0.0",
     "O(1)", hsetnx, "@write @hash @fast", "key=key field=string value=string"},
    {"hget", 3, kReadonly | kFast, 1, 1, 1, "hash", "Returns the value of a field in a hash.", "2.0.0", "O(1)", hget,
     "@read @hash @fast", "key=key field=string"},
    {"hmget", -3, kReadonly | kFast, 1, 1, 1, "hash", "Returns the values of all fields in a hash.", "2.0.0",
     "O(N) where N is the number of fields being requested.", hmget, "@read @hash @fast", "key=key field=string..."},
    {"hdel", -3, kWrite | kFast, 1, 1, 1, "hash", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", "2.0.0",
     "O(N) where N is the number of fields to be removed.", hdel, "@write @hash @fast", "key=key field=string..."},
    {"hlen", 2, kReadonly | kFast, 1, 1, 1, "hash", "Returns the number of fields in a hash.", "2.0.0", "O(1)", hlen,
     "@read @hash @fast", "key=key"},
    {"hstrlen", 3, kReadonly | kFast, 1, 1, 1, "hash", "Returns the length of the value of a field.", "3.2.0", "O(1)", hstrlen,
     "@read @hash @fast", "key=key field=string"},
    {"hexists", 3, kReadonly | kFast, 1, 1, 1, "hash", "Determines whether a field exists in a hash.", "2.0.0", "O(1)", hexists,
     "@read @hash @fast", "key=key field=string"},
    {"hkeys", 2, kReadonly, 1, 1, 1, "hash", "Returns all fields in a hash.", "2.0.0", "O(N) where N is the size of the hash.",
     hkeys, "@read @hash @slow", "key=key"},
    {"hvals", 2, kReadonly, 1, 1, 1, "hash", "Returns all values in a hash.", "2.0.0", "O(N) where N is the size of the hash.",
     hvals, "@read @hash @slow", "key=key"},
    {"hgetall", 2, kReadonly, 1, 1, 1, "hash", "Returns all fields and values in a hash.", "2.0.0",
     "O(N) where N is the size of the hash.", hgetall, "@read @hash @slow", "key=key"},
    {"hincrby", 4, kWriteOomFast, 1, 1, 1, "hash", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", "2.0.0",
     "O(1)", hincrby, "@write @hash @fast", "key=key field=string increment=integer"},
    {"hincrbyfloat", 4, kWriteOomFast, 1, 1, 1, "hash", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", "2.6.0",
     "O(1)", hincrbyfloat, "@write @hash @fast", "key=key field=string increment=double"},
    {"hrandfield", -2, kReadonly, 1, 1, 1, "hash", "Returns one or more random fields from a hash.", "6.2.0",
     "O(N) where N is the number of fields returned", hrandfield, "@read @hash @slow",
     "key=key [options=block(count=integer [withvalues=pure@WITHVALUES])]"},
    {"hscan", -3, kReadonly, 1, 1, 1, "hash", "Iterates over fields and values of a hash.", "2.8.0",
     "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
     hscan, "@read @hash @slow", "key=key cursor=integer [pattern=pattern@MATCH] [count=integer@COUNT]"},
};

}  // namespace

std::span<const CommandSpec> hash_commands() { return kRows; }

}  // namespace eddy::commands
