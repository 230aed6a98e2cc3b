// The string commands. Whole-value writes are LWW register writes (SetString); INCR and friends
// are counter increments (CounterAdd) validated against the value this replica sees.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"
#include "crdt/decimal.h"
#include "crdt/key_state.h"

namespace eddy::commands {
namespace {

using crdt::ExpiryAction;
using crdt::KeyState;
using crdt::KeyType;

// Reused for values that have to be produced (compressed or counter-backed): GET allocates
// nothing for plain values.
thread_local std::string scratch;

bool wrong_type(Context& ctx, const KeyState* state) {
  if (!state || state->type() == KeyType::kString) return false;
  ctx.reply.error(errors::kWrongType);
  return true;
}

void write_value(Context& ctx, std::string_view key, std::string_view value, ExpiryAction expiry,
                 int64_t at_ms = 0) {
  ctx.replica().write(crdt::op::SetString{ctx.db(), std::string(key), std::string(value), expiry,
                                          at_ms, {}});
}

void remove_key(Context& ctx, std::string_view key) {
  ctx.replica().write(crdt::op::RemoveKey{ctx.db(), std::string(key), {}});
}

void reply_value(Context& ctx, const KeyState* state) {
  if (!state) return ctx.reply.null();
  ctx.reply.bulk(state->string_value(scratch));
}

// Expiry option → (action, absolute ms); replies and returns nothing on an invalid time.
std::optional<std::pair<ExpiryAction, int64_t>> expiry_of(Context& ctx, const StringOptions& o) {
  if (o.keepttl) return std::pair{ExpiryAction::kKeep, int64_t{0}};
  if (o.unit == StringOptions::Unit::kNone) return std::pair{ExpiryAction::kClear, int64_t{0}};
  auto at = expire_at_ms(ctx, o.expire_arg, o.unit == StringOptions::Unit::kSeconds, o.absolute);
  if (!at) return std::nullopt;
  return std::pair{ExpiryAction::kSet, *at};
}

// GET key
void get(Context& ctx) {
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (wrong_type(ctx, state)) return;
  reply_value(ctx, state);
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//     PXAT unix-time-milliseconds | KEEPTTL]
void set(Context& ctx) {
  auto options = parse_string_options(ctx, 3, StringOptionsFor::kSet);
  if (!options) return;
  auto expiry = expiry_of(ctx, *options);
  if (!expiry) return;
  std::string_view key = ctx.args[1];
  if (options->get) {
    const KeyState* old = ctx.lookup_read(key);
    if (wrong_type(ctx, old)) return;
    reply_value(ctx, old);
  }
  const bool found = ctx.lookup_write(key) != nullptr;
  if ((options->nx && found) || (options->xx && !found)) {
    if (!options->get) ctx.reply.null();
    return;
  }
  write_value(ctx, key, ctx.args[2], expiry->first, expiry->second);
  if (!options->get) ctx.reply.ok();
}

// SETNX key value
void setnx(Context& ctx) {
  if (ctx.lookup_write(ctx.args[1])) return ctx.reply.integer(0);
  write_value(ctx, ctx.args[1], ctx.args[2], ExpiryAction::kClear);
  ctx.reply.integer(1);
}

// SETEX key seconds value / PSETEX key milliseconds value
void setex_generic(Context& ctx, bool seconds) {
  auto at = expire_at_ms(ctx, ctx.args[2], seconds, false);
  if (!at) return;
  write_value(ctx, ctx.args[1], ctx.args[3], ExpiryAction::kSet, *at);
  ctx.reply.ok();
}
void setex(Context& ctx) { setex_generic(ctx, true); }
void psetex(Context& ctx) { setex_generic(ctx, false); }

// GETSET key value
void getset(Context& ctx) {
  const KeyState* old = ctx.lookup_read(ctx.args[1]);
  if (wrong_type(ctx, old)) return;
  reply_value(ctx, old);
  write_value(ctx, ctx.args[1], ctx.args[2], ExpiryAction::kClear);
}

// GETDEL key
void getdel(Context& ctx) {
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (wrong_type(ctx, state)) return;
  reply_value(ctx, state);
  if (state) remove_key(ctx, ctx.args[1]);
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//     PXAT unix-time-milliseconds | PERSIST]
void getex(Context& ctx) {
  auto options = parse_string_options(ctx, 2, StringOptionsFor::kGetEx);
  if (!options) return;
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_read(key);
  if (!state) return ctx.reply.null();
  if (wrong_type(ctx, state)) return;
  // Redis validates the time only once it knows the key exists.
  auto expiry = expiry_of(ctx, *options);
  if (!expiry) return;
  reply_value(ctx, state);
  if (expiry->first == ExpiryAction::kSet) {
    // An absolute time already past deletes the key, as Redis's checkAlreadyExpired does.
    if (options->absolute && expiry->second <= ctx.now_ms())
      remove_key(ctx, key);
    else
      ctx.replica().write(crdt::op::SetExpiry{ctx.db(), std::string(key), expiry->second, {}});
  } else if (options->persist && state->expire_at()) {
    ctx.replica().write(
        crdt::op::SetExpiry{ctx.db(), std::string(key), crdt::op::SetExpiry::kPersist, {}});
  }
}

// MGET key [key ...]
void mget(Context& ctx) {
  ctx.reply.array(ctx.args.size() - 1);
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    const KeyState* state = ctx.lookup_read(ctx.args[i]);
    if (!state || state->type() != KeyType::kString)
      ctx.reply.null();
    else
      ctx.reply.bulk(state->string_value(scratch));
  }
}

bool odd_pairs(Context& ctx) {
  if (ctx.args.size() % 2 == 1) return false;
  const char* name = iequals(ctx.args[0], "msetnx") ? "msetnx" : "mset";
  ctx.reply.error(std::string("wrong number of arguments for '") + name + "' command");
  return true;
}

void write_pairs(Context& ctx) {
  ctx.replica().begin_unit();
  for (size_t i = 1; i < ctx.args.size(); i += 2)
    write_value(ctx, ctx.args[i], ctx.args[i + 1], ExpiryAction::kClear);
  ctx.replica().commit_unit();
}

// MSET key value [key value ...]
void mset(Context& ctx) {
  if (odd_pairs(ctx)) return;
  write_pairs(ctx);
  ctx.reply.ok();
}

// MSETNX key value [key value ...]
void msetnx(Context& ctx) {
  if (odd_pairs(ctx)) return;
  for (size_t i = 1; i < ctx.args.size(); i += 2)
    if (ctx.lookup_write(ctx.args[i])) return ctx.reply.integer(0);
  write_pairs(ctx);
  ctx.reply.integer(1);
}

bool too_long(Context& ctx, int64_t size) {
  if (size <= ctx.state.config.integer("proto-max-bulk-len")) return false;
  ctx.reply.error(errors::kStringTooLong);
  return true;
}

// APPEND key value
void append(Context& ctx) {
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (wrong_type(ctx, state)) return;
  std::string value = state ? std::string(state->string_value(scratch)) : std::string();
  if (too_long(ctx, static_cast<int64_t>(value.size() + ctx.args[2].size()))) return;
  value.append(ctx.args[2]);
  write_value(ctx, key, value, ExpiryAction::kKeep);
  ctx.reply.integer(static_cast<int64_t>(value.size()));
}

// STRLEN key
void strlen_command(Context& ctx) {
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (wrong_type(ctx, state)) return;
  ctx.reply.integer(state ? static_cast<int64_t>(state->string_length()) : 0);
}

// GETRANGE key start end (and SUBSTR)
void getrange(Context& ctx) {
  auto start = int_arg(ctx, ctx.args[2]);
  if (!start) return;
  auto end = int_arg(ctx, ctx.args[3]);
  if (!end) return;
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (!state) return ctx.reply.bulk("");
  if (wrong_type(ctx, state)) return;
  std::string_view value = state->string_value(scratch);
  const int64_t len = static_cast<int64_t>(value.size());
  int64_t s = *start, e = *end;
  if (s < 0 && e < 0 && s > e) return ctx.reply.bulk("");
  if (s < 0) s = len + s;
  if (e < 0) e = len + e;
  if (s < 0) s = 0;
  if (e < 0) e = 0;
  if (e >= len) e = len - 1;
  if (s > e || len == 0) return ctx.reply.bulk("");
  ctx.reply.bulk(value.substr(static_cast<size_t>(s), static_cast<size_t>(e - s + 1)));
}

// SETRANGE key offset value
void setrange(Context& ctx) {
  auto offset = int_arg(ctx, ctx.args[2]);
  if (!offset) return;
  if (*offset < 0) return ctx.reply.error(errors::kOffsetOutOfRange);
  std::string_view key = ctx.args[1], patch = ctx.args[3];
  const KeyState* state = ctx.lookup_write(key);
  if (wrong_type(ctx, state)) return;
  std::string value = state ? std::string(state->string_value(scratch)) : std::string();
  if (patch.empty()) return ctx.reply.integer(static_cast<int64_t>(value.size()));
  if (*offset > INT64_MAX - static_cast<int64_t>(patch.size()) ||
      too_long(ctx, *offset + static_cast<int64_t>(patch.size())))
    return;
  size_t end = static_cast<size_t>(*offset) + patch.size();
  if (value.size() < end) value.resize(end, '\0');
  value.replace(static_cast<size_t>(*offset), patch.size(), patch);
  write_value(ctx, key, value, ExpiryAction::kKeep);
  ctx.reply.integer(static_cast<int64_t>(value.size()));
}

// The shared body of INCR, DECR, INCRBY and DECRBY: the value this replica sees must be an
// integer and the result must not overflow, as in Redis; the effect is the increment itself.
void incr_by(Context& ctx, int64_t delta) {
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (wrong_type(ctx, state)) return;
  int64_t current = 0;
  if (state) {
    auto v = crdt::parse_strict_int64(state->string_value(scratch));
    if (!v) return ctx.reply.error(errors::kNotInteger);
    current = *v;
  }
  auto next = checked_add(current, delta);
  if (!next) return ctx.reply.error(errors::kOverflow);
  ctx.replica().write(
      crdt::op::CounterAdd{ctx.db(), std::string(key), crdt::Decimal::from_int(delta), {}, {}});
  ctx.reply.integer(*next);
}

// INCR key / DECR key
void incr(Context& ctx) { incr_by(ctx, 1); }
void decr(Context& ctx) { incr_by(ctx, -1); }

// INCRBY key increment
void incrby(Context& ctx) {
  if (auto delta = int_arg(ctx, ctx.args[2])) incr_by(ctx, *delta);
}

// DECRBY key decrement
void decrby(Context& ctx) {
  auto delta = int_arg(ctx, ctx.args[2]);
  if (!delta) return;
  if (*delta == INT64_MIN) return ctx.reply.error("decrement would overflow");
  incr_by(ctx, -*delta);
}

// A float as Redis's string2ld reads it, in exact decimal. `infinite` is set for inf/infinity,
// which Redis accepts as a number and then refuses as a result.
std::optional<crdt::Decimal> parse_float(std::string_view text, bool& infinite) {
  infinite = crdt::Decimal::is_infinity_text(text);
  return crdt::Decimal::parse(text);
}

// INCRBYFLOAT key increment
void incrbyfloat(Context& ctx) {
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (wrong_type(ctx, state)) return;
  bool value_infinite = false, incr_infinite = false;
  crdt::Decimal current;
  if (state) {
    auto v = parse_float(state->string_value(scratch), value_infinite);
    if (!v && !value_infinite) return ctx.reply.error(errors::kNotFloat);
    if (v) current = *v;
  }
  auto delta = parse_float(ctx.args[2], incr_infinite);
  if (!delta && !incr_infinite) return ctx.reply.error(errors::kNotFloat);
  if (value_infinite || incr_infinite) return ctx.reply.error(errors::kNanOrInfinity);
  auto next = current.add(*delta);
  if (!next) return ctx.reply.error(errors::kNanOrInfinity);
  ctx.replica().write(crdt::op::CounterAdd{ctx.db(), std::string(key), *delta, {}, {}});
  // The reply is what this replica now shows, which a concurrent remote SET may have shaped.
  const KeyState* after = ctx.replica().peek(ctx.db(), key);
  if (after)
    ctx.reply.bulk(after->string_value(scratch));
  else
    ctx.reply.bulk(next->format());
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
// Redis's dynamic programme, its walk back from the end and its ranges, reply for reply.
void lcs(Context& ctx) {
  const KeyState* ka = ctx.lookup_read(ctx.args[1]);
  const KeyState* kb = ctx.lookup_read(ctx.args[2]);
  if ((ka && ka->type() != KeyType::kString) || (kb && kb->type() != KeyType::kString))
    return ctx.reply.error("The specified keys must contain string values");
  std::string sa, sb;
  const std::string a = ka ? std::string(ka->string_value(sa)) : std::string();
  const std::string b = kb ? std::string(kb->string_value(sb)) : std::string();
  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < ctx.args.size(); ++j) {
    std::string_view opt = ctx.args[j];
    if (iequals(opt, "IDX")) {
      get_idx = true;
    } else if (iequals(opt, "LEN")) {
      get_len = true;
    } else if (iequals(opt, "WITHMATCHLEN")) {
      with_match_len = true;
    } else if (iequals(opt, "MINMATCHLEN") && j + 1 < ctx.args.size()) {
      auto v = int_arg(ctx, ctx.args[++j]);
      if (!v) return;
      min_match_len = std::max<int64_t>(*v, 0);
    } else {
      return ctx.reply.error(errors::kSyntax);
    }
  }
  if (get_idx && get_len)
    return ctx.reply.error("If you want both the length and indexes, please just use IDX.");
  const size_t alen = a.size(), blen = b.size();
  const unsigned __int128 cells = static_cast<unsigned __int128>(alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.state.config.integer("proto-max-bulk-len")))
    return ctx.reply.error(
        "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  std::vector<uint32_t> table(static_cast<size_t>(cells));
  auto at = [&](size_t i, size_t j) -> uint32_t& { return table[j + i * (blen + 1)]; };
  for (size_t i = 1; i <= alen; ++i)
    for (size_t j = 1; j <= blen; ++j)
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
  uint32_t idx = at(alen, blen);
  const bool compute = get_idx || !get_len;
  std::string result(compute ? idx : 0, '\0');
  size_t token = 0, ranges = 0;
  if (get_idx) {
    ctx.reply.map(2);
    ctx.reply.bulk("matches");
    token = ctx.reply.begin_deferred_array();
  }
  size_t a_start = alen, a_end = 0, b_start = 0, b_end = 0;  // a_start == alen: no range yet
  size_t i = alen, j = blen;
  while (compute && i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (a_start == alen) {
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {
        --a_start;
        --b_start;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      --idx, --i, --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1))
        --i;
      else
        --j;
      if (a_start != alen) emit = true;
    }
    const size_t match_len = a_end - a_start + 1;
    if (!emit) continue;
    if (get_idx && (min_match_len == 0 || match_len >= static_cast<uint64_t>(min_match_len))) {
      ctx.reply.array(with_match_len ? 3 : 2);
      ctx.reply.array(2);
      ctx.reply.integer(static_cast<int64_t>(a_start));
      ctx.reply.integer(static_cast<int64_t>(a_end));
      ctx.reply.array(2);
      ctx.reply.integer(static_cast<int64_t>(b_start));
      ctx.reply.integer(static_cast<int64_t>(b_end));
      if (with_match_len) ctx.reply.integer(static_cast<int64_t>(match_len));
      ++ranges;
    }
    a_start = alen;
  }
  if (get_idx) {
    ctx.reply.end_deferred_array(token, ranges);
    ctx.reply.bulk("len");
    ctx.reply.integer(at(alen, blen));
  } else if (get_len) {
    ctx.reply.integer(idx);
  } else {
    ctx.reply.bulk(result);
  }
}

constexpr uint32_t kWriteOom = kWrite | kDenyOom;
constexpr uint32_t kWriteOomFast = kWrite | kDenyOom | kFast;

const CommandSpec kRows[] = {
    {"get", 2, kReadonly | kFast, 1, 1, 1, "string", "Returns the string value of a key.",
     "1.0.0", "O(1)", get, "@read @string @fast", "key=key"},
    {"set", -3, kWriteOom, 1, 1, 1, "string",
     "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
     "1.0.0", "O(1)", set, "@write @string @slow",
     "key=key value=string [condition=oneof(nx=pure@NX|xx=pure@XX)] [get=pure@GET] "
     "[expiration=oneof(seconds=integer@EX|milliseconds=integer@PX|"
     "unix-time-seconds=unix-time@EXAT|unix-time-milliseconds=unix-time@PXAT|"
     "keepttl=pure@KEEPTTL)]"},
    {"setnx", 3, kWriteOomFast, 1, 1, 1, "string",
     "Set the string value of a key only when the key doesn't exist.", "1.0.0", "O(1)", setnx,
     "@write @string @fast", "key=key value=string"},
    {"setex", 4, kWriteOom, 1, 1, 1, "string",
     "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
     "2.0.0", "O(1)", setex, "@write @string @slow", "key=key seconds=integer value=string"},
    {"psetex", 4, kWriteOom, 1, 1, 1, "string",
     "Sets both string value and expiration time in milliseconds of a key. The key is created if "
     "it doesn't exist.",
     "2.6.0", "O(1)", psetex, "@write @string @slow",
     "key=key milliseconds=integer value=string"},
    {"getset", 3, kWriteOomFast, 1, 1, 1, "string",
     "Returns the previous string value of a key after setting it to a new value.", "1.0.0",
     "O(1)", getset, "@write @string @fast", "key=key value=string"},
    {"getdel", 2, kWrite | kFast, 1, 1, 1, "string",
     "Returns the string value of a key after deleting the key.", "6.2.0", "O(1)", getdel,
     "@write @string @fast", "key=key"},
    {"getex", -2, kWrite | kFast, 1, 1, 1, "string",
     "Returns the string value of a key after setting its expiration time.", "6.2.0", "O(1)",
     getex, "@write @string @fast",
     "key=key [expiration=oneof(seconds=integer@EX|milliseconds=integer@PX|"
     "unix-time-seconds=unix-time@EXAT|unix-time-milliseconds=unix-time@PXAT|"
     "persist=pure@PERSIST)]"},
    {"mget", -2, kReadonly | kFast, 1, -1, 1, "string",
     "Atomically returns the string values of one or more keys.", "1.0.0",
     "O(N) where N is the number of keys to retrieve.", mget, "@read @string @fast", "key=key..."},
    {"mset", -3, kWriteOom, 1, -1, 2, "string",
     "Atomically creates or modifies the string values of one or more keys.", "1.0.1",
     "O(N) where N is the number of keys to set.", mset, "@write @string @slow",
     "data=block(key=key value=string)..."},
    {"msetnx", -3, kWriteOom, 1, -1, 2, "string",
     "Atomically modifies the string values of one or more keys only when all keys don't exist.",
     "1.0.1", "O(N) where N is the number of keys to set.", msetnx, "@write @string @slow",
     "data=block(key=key value=string)..."},
    {"append", 3, kWriteOomFast, 1, 1, 1, "string",
     "Appends a string to the value of a key. Creates the key if it doesn't exist.", "2.0.0",
     "O(1). The amortized time complexity is O(1) assuming the appended value is small and the "
     "already present value is of any size, since the dynamic string library used by Redis will "
     "double the free space available on every reallocation.",
     append, "@write @string @fast", "key=key value=string"},
    {"strlen", 2, kReadonly | kFast, 1, 1, 1, "string", "Returns the length of a string value.",
     "2.2.0", "O(1)", strlen_command, "@read @string @fast", "key=key"},
    {"getrange", 4, kReadonly, 1, 1, 1, "string",
     "Returns a substring of the string stored at a key.", "2.4.0",
     "O(N) where N is the length of the returned string. The complexity is ultimately determined "
     "by the returned length, but because creating a substring from an existing string is very "
     "cheap, it can be considered O(1) for small strings.",
     getrange, "@read @string @slow", "key=key start=integer end=integer"},
    {"substr", 4, kReadonly, 1, 1, 1, "string",
     "Returns a substring from a string value.", "1.0.0",
     "O(N) where N is the length of the returned string. The complexity is ultimately determined "
     "by the returned length, but because creating a substring from an existing string is very "
     "cheap, it can be considered O(1) for small strings.",
     getrange, "@read @string @slow", "key=key start=integer end=integer"},
    {"setrange", 4, kWriteOom, 1, 1, 1, "string",
     "Overwrites a part of a string value with another by an offset. Creates the key if it "
     "doesn't exist.",
     "2.2.0",
     "O(1), not counting the time taken to copy the new string in place. Usually, this string is "
     "very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being "
     "the length of the value argument.",
     setrange, "@write @string @slow", "key=key offset=integer value=string"},
    {"incr", 2, kWriteOomFast, 1, 1, 1, "string",
     "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't "
     "exist.",
     "1.0.0", "O(1)", incr, "@write @string @fast", "key=key"},
    {"decr", 2, kWriteOomFast, 1, 1, 1, "string",
     "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't "
     "exist.",
     "1.0.0", "O(1)", decr, "@write @string @fast", "key=key"},
    {"incrby", 3, kWriteOomFast, 1, 1, 1, "string",
     "Increments the integer value of a key by a number. Uses 0 as initial value if the key "
     "doesn't exist.",
     "1.0.0", "O(1)", incrby, "@write @string @fast", "key=key increment=integer"},
    {"decrby", 3, kWriteOomFast, 1, 1, 1, "string",
     "Decrements a number from the integer value of a key. Uses 0 as initial value if the key "
     "doesn't exist.",
     "1.0.0", "O(1)", decrby, "@write @string @fast", "key=key decrement=integer"},
    {"lcs", -3, kReadonly, 1, 2, 1, "string", "Finds the longest common substring.", "7.0.0",
     "O(N*M) where N and M are the lengths of s1 and s2, respectively", lcs,
     "@read @string @slow",
     "key1=key key2=key [len=pure@LEN] [idx=pure@IDX] [min-match-len=integer@MINMATCHLEN] "
     "[withmatchlen=pure@WITHMATCHLEN]"},
    {"incrbyfloat", 3, kWriteOomFast, 1, 1, 1, "string",
     "Increment the floating point value of a key by a number. Uses 0 as initial value if the "
     "key doesn't exist.",
     "2.6.0", "O(1)", incrbyfloat, "@write @string @fast", "key=key increment=double"},
};

}  // namespace

std::span<const CommandSpec> string_commands() { return kRows; }

}  // namespace eddy::commands
