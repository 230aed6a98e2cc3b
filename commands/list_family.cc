// The list commands. Pushes ship one ListPush for all their elements; every removal (pops,
// LREM, LTRIM, the source side of LMOVE) ships the ids of the elements it removed, so a replica
// that receives it removes exactly those and nothing pushed concurrently.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/errors.h"
#include "crdt/key_state.h"

namespace eddy::commands {
namespace {

using crdt::KeyState;
using crdt::KeyType;
using crdt::ListSide;
using crdt::ListState;

thread_local std::string scratch;

const ListState* list_of(const KeyState* state) { return state ? state->list() : nullptr; }

size_t length_of(Context& ctx, std::string_view key) {
  const ListState* list = list_of(ctx.replica().peek(ctx.db(), key));
  return list ? list->size() : 0;
}

void push(Context& ctx, std::string_view key, ListSide side,
          std::span<const std::string_view> values) {
  ctx.replica().write(crdt::op::ListPush{ctx.db(), std::string(key), side,
                                         std::vector<std::string>(values.begin(), values.end()),
                                         {}});
}

// Removes `count` elements from one end and returns their values, in pop order.
std::vector<std::string> pop(Context& ctx, std::string_view key, const ListState& list,
                             bool left, size_t count) {
  count = std::min(count, list.size());
  std::vector<std::string> values;
  std::vector<crdt::Stamp> ids;
  values.reserve(count);
  ids.reserve(count);
  for (size_t k = 0; k < count; ++k) {
    size_t i = left ? k : list.size() - 1 - k;
    values.emplace_back(list.value(i, scratch));
    ids.push_back(list.id(i));
  }
  ctx.replica().write(crdt::op::ListRemove{ctx.db(), std::string(key), std::move(ids), {}});
  return values;
}

// LEFT | RIGHT, as Redis's getListPositionFromObjectOrReply.
std::optional<bool> side_arg(Context& ctx, std::string_view arg) {
  if (iequals(arg, "LEFT")) return true;
  if (iequals(arg, "RIGHT")) return false;
  ctx.reply.error(errors::kSyntax);
  return std::nullopt;
}

// A Redis index into a list of `size` elements (negative counts from the end): nothing when out
// of range.
std::optional<size_t> index_in(int64_t index, size_t size) {
  if (index < 0) index += static_cast<int64_t>(size);
  if (index < 0 || index >= static_cast<int64_t>(size)) return std::nullopt;
  return static_cast<size_t>(index);
}

// [start, stop] as LRANGE and LTRIM clamp it; empty when start > stop.
std::pair<int64_t, int64_t> clamp_range(int64_t start, int64_t stop, size_t size) {
  const auto n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (stop >= n) stop = n - 1;
  return {start, stop};
}

// LPUSH/RPUSH key element [element ...], and the X forms that push only onto an existing list.
void push_generic(Context& ctx, ListSide side, bool only_existing) {
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (ctx.wrong_type(state, KeyType::kList)) return;
  if (only_existing && !state) return ctx.reply.integer(0);
  push(ctx, key, side, ctx.args.subspan(2));
  ctx.reply.integer(static_cast<int64_t>(length_of(ctx, key)));
}
void lpush(Context& ctx) { push_generic(ctx, ListSide::kHead, false); }
void rpush(Context& ctx) { push_generic(ctx, ListSide::kTail, false); }
void lpushx(Context& ctx) { push_generic(ctx, ListSide::kHead, true); }
void rpushx(Context& ctx) { push_generic(ctx, ListSide::kTail, true); }

// LINSERT key BEFORE|AFTER pivot element
void linsert(Context& ctx) {
  ListSide side;
  if (iequals(ctx.args[2], "BEFORE"))
    side = ListSide::kBefore;
  else if (iequals(ctx.args[2], "AFTER"))
    side = ListSide::kAfter;
  else
    return ctx.reply.error(errors::kSyntax);
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (!state) return ctx.reply.integer(0);
  if (ctx.wrong_type(state, KeyType::kList)) return;
  const ListState& list = *state->list();
  for (size_t i = 0; i < list.size(); ++i) {
    if (list.value(i, scratch) != ctx.args[3]) continue;
    ctx.replica().write(crdt::op::ListInsert{ctx.db(), std::string(key), list.path(i), side,
                                             std::string(ctx.args[4]), {}});
    return ctx.reply.integer(static_cast<int64_t>(length_of(ctx, key)));
  }
  ctx.reply.integer(-1);
}

// LLEN key
void llen(Context& ctx) {
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (ctx.wrong_type(state, KeyType::kList)) return;
  ctx.reply.integer(state ? static_cast<int64_t>(state->list()->size()) : 0);
}

// LINDEX key index
void lindex(Context& ctx) {
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (!state) return ctx.reply.null();
  if (ctx.wrong_type(state, KeyType::kList)) return;
  auto index = int_arg(ctx, ctx.args[2]);
  if (!index) return;
  const ListState& list = *state->list();
  auto i = index_in(*index, list.size());
  if (!i) return ctx.reply.null();
  ctx.reply.bulk(list.value(*i, scratch));
}

// LSET key index element
void lset(Context& ctx) {
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (!state) return ctx.reply.error(errors::kNoSuchKey);
  if (ctx.wrong_type(state, KeyType::kList)) return;
  auto index = int_arg(ctx, ctx.args[2]);
  if (!index) return;
  const ListState& list = *state->list();
  auto i = index_in(*index, list.size());
  if (!i) return ctx.reply.error("index out of range");
  ctx.replica().write(
      crdt::op::ListSet{ctx.db(), std::string(key), list.id(*i), std::string(ctx.args[3]), {}});
  ctx.reply.ok();
}

void reply_values(Context& ctx, const std::vector<std::string>& values) {
  ctx.reply.array(values.size());
  for (const std::string& v : values) ctx.reply.bulk(v);
}

// LPOP/RPOP key [count]
void pop_generic(Context& ctx, bool left) {
  if (ctx.args.size() > 3)
    return ctx.reply.error("wrong number of arguments for '" + std::string(left ? "lpop" : "rpop") +
                           "' command");
  const bool has_count = ctx.args.size() == 3;
  int64_t count = 1;
  if (has_count) {
    auto c = crdt::parse_strict_int64(ctx.args[2]);
    if (!c || *c < 0) return ctx.reply.error("value is out of range, must be positive");
    count = *c;
  }
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (!state) return has_count ? ctx.reply.null_array() : ctx.reply.null();
  if (ctx.wrong_type(state, KeyType::kList)) return;
  if (has_count && count == 0) return ctx.reply.array(0);
  auto values = pop(ctx, key, *state->list(), left, static_cast<size_t>(count));
  if (!has_count) return ctx.reply.bulk(values[0]);
  reply_values(ctx, values);
}
void lpop(Context& ctx) { pop_generic(ctx, true); }
void rpop(Context& ctx) { pop_generic(ctx, false); }

// LRANGE key start stop
void lrange(Context& ctx) {
  auto start = int_arg(ctx, ctx.args[2]);
  if (!start) return;
  auto stop = int_arg(ctx, ctx.args[3]);
  if (!stop) return;
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (!state) return ctx.reply.array(0);
  if (ctx.wrong_type(state, KeyType::kList)) return;
  const ListState& list = *state->list();
  auto [from, to] = clamp_range(*start, *stop, list.size());
  if (from > to || from >= static_cast<int64_t>(list.size())) return ctx.reply.array(0);
  ctx.reply.array(static_cast<size_t>(to - from + 1));
  for (int64_t i = from; i <= to; ++i) ctx.reply.bulk(list.value(static_cast<size_t>(i), scratch));
}

// LTRIM key start stop
void ltrim(Context& ctx) {
  auto start = int_arg(ctx, ctx.args[2]);
  if (!start) return;
  auto stop = int_arg(ctx, ctx.args[3]);
  if (!stop) return;
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (!state) return ctx.reply.ok();
  if (ctx.wrong_type(state, KeyType::kList)) return;
  const ListState& list = *state->list();
  auto [from, to] = clamp_range(*start, *stop, list.size());
  std::vector<crdt::Stamp> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto pos = static_cast<int64_t>(i);
    if (from > to || pos < from || pos > to) ids.push_back(list.id(i));
  }
  if (!ids.empty())
    ctx.replica().write(crdt::op::ListRemove{ctx.db(), std::string(key), std::move(ids), {}});
  ctx.reply.ok();
}

// LREM key count element
void lrem(Context& ctx) {
  auto count = int_arg(ctx, ctx.args[2]);
  if (!count) return;
  std::string_view key = ctx.args[1];
  const KeyState* state = ctx.lookup_write(key);
  if (!state) return ctx.reply.integer(0);
  if (ctx.wrong_type(state, KeyType::kList)) return;
  const ListState& list = *state->list();
  const uint64_t limit = *count == 0 ? UINT64_MAX
                         : *count < 0 ? 0 - static_cast<uint64_t>(*count)
                                      : static_cast<uint64_t>(*count);
  std::vector<crdt::Stamp> ids;
  for (size_t k = 0; k < list.size() && ids.size() < limit; ++k) {
    size_t i = *count < 0 ? list.size() - 1 - k : k;
    if (list.value(i, scratch) == ctx.args[3]) ids.push_back(list.id(i));
  }
  const auto removed = static_cast<int64_t>(ids.size());
  if (!ids.empty())
    ctx.replica().write(crdt::op::ListRemove{ctx.db(), std::string(key), std::move(ids), {}});
  ctx.reply.integer(removed);
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void lpos(Context& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < ctx.args.size(); ++j) {
    std::string_view opt = ctx.args[j];
    const bool more = j + 1 < ctx.args.size();
    if (iequals(opt, "RANK") && more) {
      auto v = int_arg(ctx, ctx.args[++j]);
      if (!v) return;
      if (*v == 0)
        return ctx.reply.error(
            "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
            "negative to start from the end of the list");
      rank = *v;
    } else if (iequals(opt, "COUNT") && more) {
      auto v = crdt::parse_strict_int64(ctx.args[++j]);
      if (!v || *v < 0) return ctx.reply.error("COUNT can't be negative");
      count = *v;
    } else if (iequals(opt, "MAXLEN") && more) {
      auto v = crdt::parse_strict_int64(ctx.args[++j]);
      if (!v || *v < 0) return ctx.reply.error("MAXLEN can't be negative");
      maxlen = *v;
    } else {
      return ctx.reply.error(errors::kSyntax);
    }
  }
  const KeyState* state = ctx.lookup_read(ctx.args[1]);
  if (!state) return count != -1 ? ctx.reply.array(0) : ctx.reply.null();
  if (ctx.wrong_type(state, KeyType::kList)) return;
  const ListState& list = *state->list();
  std::vector<int64_t> matches;
  // Redis negates a negative rank in a long: LONG_MIN stays negative and so matches from the
  // first match on.
  const uint64_t skip = rank == INT64_MIN ? 0
                        : rank < 0        ? static_cast<uint64_t>(-rank) - 1
                                          : static_cast<uint64_t>(rank) - 1;
  uint64_t seen = 0;
  const size_t scan = maxlen == 0 ? list.size() : std::min(list.size(), static_cast<size_t>(maxlen));
  for (size_t k = 0; k < scan; ++k) {
    size_t i = rank < 0 ? list.size() - 1 - k : k;
    if (list.value(i, scratch) != ctx.args[2]) continue;
    if (seen++ < skip) continue;
    matches.push_back(static_cast<int64_t>(i));
    if (count != -1 && count != 0 && static_cast<int64_t>(matches.size()) == count) break;
    if (count == -1) break;
  }
  if (count == -1) return matches.empty() ? ctx.reply.null() : ctx.reply.integer(matches[0]);
  ctx.reply.array(matches.size());
  for (int64_t m : matches) ctx.reply.integer(m);
}

// Moves one element from `from`'s end to `to`'s end; replies with it (null when `from` is empty
// and nothing may wait). Returns false when it replied nothing because there is nothing yet.
bool move_element(Context& ctx, std::string_view from, std::string_view to, bool from_left,
                  bool to_left) {
  const KeyState* source = ctx.lookup_write(from);
  if (!source) return false;
  if (ctx.wrong_type(source, KeyType::kList)) return true;
  const KeyState* target = ctx.lookup_write(to);
  if (ctx.wrong_type(target, KeyType::kList)) return true;
  ctx.replica().begin_unit();
  auto values = pop(ctx, from, *source->list(), from_left, 1);
  std::string_view value = values[0];
  push(ctx, to, to_left ? ListSide::kHead : ListSide::kTail, std::span(&value, 1));
  ctx.replica().commit_unit();
  ctx.reply.bulk(values[0]);
  return true;
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void lmove(Context& ctx) {
  auto from_left = side_arg(ctx, ctx.args[3]);
  if (!from_left) return;
  auto to_left = side_arg(ctx, ctx.args[4]);
  if (!to_left) return;
  if (!move_element(ctx, ctx.args[1], ctx.args[2], *from_left, *to_left)) ctx.reply.null();
}

// RPOPLPUSH source destination
void rpoplpush(Context& ctx) {
  if (!move_element(ctx, ctx.args[1], ctx.args[2], false, true)) ctx.reply.null();
}

// What LMPOP and BLMPOP parse: the keys, the end and the count.
struct MpopArgs {
  std::span<const std::string_view> keys;
  bool left = true;
  int64_t count = 1;
};

// numkeys key [key ...] LEFT|RIGHT [COUNT count], from args[first].
std::optional<MpopArgs> parse_mpop(Context& ctx, size_t first) {
  auto numkeys = crdt::parse_strict_int64(ctx.args[first]);
  if (!numkeys || *numkeys <= 0) {
    ctx.reply.error("numkeys should be greater than 0");
    return std::nullopt;
  }
  const size_t keys_at = first + 1;
  if (static_cast<uint64_t>(*numkeys) >= ctx.args.size() - keys_at) {
    ctx.reply.error(errors::kSyntax);
    return std::nullopt;
  }
  MpopArgs out;
  out.keys = ctx.args.subspan(keys_at, static_cast<size_t>(*numkeys));
  size_t j = keys_at + static_cast<size_t>(*numkeys);
  auto left = side_arg(ctx, ctx.args[j]);
  if (!left) return std::nullopt;
  out.left = *left;
  bool has_count = false;
  for (++j; j < ctx.args.size(); ++j) {
    if (!has_count && iequals(ctx.args[j], "COUNT") && j + 1 < ctx.args.size()) {
      auto c = crdt::parse_strict_int64(ctx.args[++j]);
      if (!c || *c <= 0) {
        ctx.reply.error("count should be greater than 0");
        return std::nullopt;
      }
      out.count = *c;
      has_count = true;
    } else {
      ctx.reply.error(errors::kSyntax);
      return std::nullopt;
    }
  }
  return out;
}

// Pops from the first non-empty list of `keys`: replies [key, [elements]] and returns true, or
// returns false having replied nothing (no list has elements), or true after a WRONGTYPE.
bool mpop_first(Context& ctx, const MpopArgs& a) {
  for (std::string_view key : a.keys) {
    const KeyState* state = ctx.lookup_write(key);
    if (!state) continue;
    if (ctx.wrong_type(state, KeyType::kList)) return true;
    auto values = pop(ctx, key, *state->list(), a.left, static_cast<size_t>(a.count));
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    reply_values(ctx, values);
    return true;
  }
  return false;
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void lmpop(Context& ctx) {
  auto a = parse_mpop(ctx, 1);
  if (!a) return;
  if (!mpop_first(ctx, *a)) ctx.reply.null_array();
}

// The blocking forms: serve at once when a list has elements; otherwise wait on the keys until
// a push (local, or later by sync) makes one non-empty, or until the timeout. Inside MULTI/EXEC
// they answer as if the timeout had passed.

// BLPOP/BRPOP key [key ...] timeout
void bpop_generic(Context& ctx, bool left) {
  auto deadline = block_deadline(ctx, ctx.args.back());
  if (!deadline) return;
  auto keys = ctx.args.subspan(1, ctx.args.size() - 2);
  for (std::string_view key : keys) {
    const KeyState* state = ctx.lookup_write(key);
    if (!state) continue;
    if (ctx.wrong_type(state, KeyType::kList)) return;
    auto values = pop(ctx, key, *state->list(), left, 1);
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    ctx.reply.bulk(values[0]);
    return;
  }
  ctx.block(keys, *deadline, BlockedReply::kNullArray);
}
void blpop(Context& ctx) { bpop_generic(ctx, true); }
void brpop(Context& ctx) { bpop_generic(ctx, false); }

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void blmove(Context& ctx) {
  auto from_left = side_arg(ctx, ctx.args[3]);
  if (!from_left) return;
  auto to_left = side_arg(ctx, ctx.args[4]);
  if (!to_left) return;
  auto deadline = block_deadline(ctx, ctx.args[5]);
  if (!deadline) return;
  if (!move_element(ctx, ctx.args[1], ctx.args[2], *from_left, *to_left))
    ctx.block(ctx.args.subspan(1, 1), *deadline, BlockedReply::kNull);
}

// BRPOPLPUSH source destination timeout
void brpoplpush(Context& ctx) {
  auto deadline = block_deadline(ctx, ctx.args[3]);
  if (!deadline) return;
  if (!move_element(ctx, ctx.args[1], ctx.args[2], false, true))
    ctx.block(ctx.args.subspan(1, 1), *deadline, BlockedReply::kNull);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void blmpop(Context& ctx) {
  auto a = parse_mpop(ctx, 2);
  if (!a) return;
  auto deadline = block_deadline(ctx, ctx.args[1]);
  if (!deadline) return;
  if (!mpop_first(ctx, *a)) ctx.block(a->keys, *deadline, BlockedReply::kNullArray);
}

constexpr uint32_t kWriteOomFast = kWrite | kDenyOom | kFast;

const CommandSpec kRows[] = {
    {"lpush", -3, kWriteOomFast, 1, 1, 1, "list", "Prepends one or more elements to a list. Creates the key if it doesn't exist.", "1.0.0",
     "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     lpush, "@write @list @fast", "key=key element=string..."},
    {"rpush", -3, kWriteOomFast, 1, 1, 1, "list", "Appends one or more elements to a list. Creates the key if it doesn't exist.", "1.0.0",
     "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     rpush, "@write @list @fast", "key=key element=string..."},
    {"lpushx", -3, kWriteOomFast, 1, 1, 1, "list", "Prepends one or more elements to a list only when the list exists.", "2.2.0",
     "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     lpushx, "@write @list @fast", "key=key element=string..."},
    {"rpushx", -3, kWriteOomFast, 1, 1, 1, "list", "Appends an element to a list only when the list exists.", "2.2.0",
     "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
     rpushx, "@write @list @fast", "key=key element=string..."},
    {"linsert", 5, kWrite | kDenyOom, 1, 1, 1, "list", "Inserts an element before or after another element in a list.", "2.2.0",
     "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
     linsert, "@write @list @slow", "key=key where=oneof(before=pure@BEFORE|after=pure@AFTER) pivot=string element=string"},
    {"llen", 2, kReadonly | kFast, 1, 1, 1, "list", "Returns the length of a list.", "1.0.0", "O(1)", llen,
     "@read @list @fast", "key=key"},
    {"lindex", 3, kReadonly, 1, 1, 1, "list", "Returns an element from a list by its index.", "1.0.0",
     "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
     lindex, "@read @list @slow", "key=key index=integer"},
    {"lset", 4, kWrite | kDenyOom, 1, 1, 1, "list", "Sets the value of an element in a list by its index.", "1.0.0",
     "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
     lset, "@write @list @slow", "key=key index=integer element=string"},
    {"lpop", -2, kWrite | kFast, 1, 1, 1, "list", "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", "1.0.0",
     "O(N) where N is the number of elements returned", lpop, "@write @list @fast", "key=key [count=integer]"},
    {"rpop", -2, kWrite | kFast, 1, 1, 1, "list", "Returns and removes the last elements of a list. Deletes the list if the last element was popped.", "1.0.0",
     "O(N) where N is the number of elements returned", rpop, "@write @list @fast", "key=key [count=integer]"},
    {"lrange", 4, kReadonly, 1, 1, 1, "list", "Returns a range of elements from a list.", "1.0.0",
     "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
     lrange, "@read @list @slow", "key=key start=integer stop=integer"},
    {"ltrim", 4, kWrite, 1, 1, 1, "list", "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", "1.0.0",
     "O(N) where N is the number of elements to be removed by the operation.", ltrim, "@write @list @slow",
     "key=key start=integer stop=integer"},
    {"lrem", 4, kWrite, 1, 1, 1, "list", "Removes elements from a list. Deletes the list if the last element was removed.", "1.0.0",
     "O(N+M) where N is the length of the list and M is the number of elements removed.", lrem, "@write @list @slow",
     "key=key count=integer element=string"},
    {"lpos", -3, kReadonly, 1, 1, 1, "list", "Returns the index of matching elements in a list.", "6.0.6",
     "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
     lpos, "@read @list @slow", "key=key element=string [rank=integer@RANK] [num-matches=integer@COUNT] [len=integer@MAXLEN]"},
    {"lmove", 5, kWrite | kDenyOom, 1, 2, 1, "list", "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", "6.2.0",
     "O(1)", lmove, "@write @list @slow",
     "source=key destination=key wherefrom=oneof(left=pure@LEFT|right=pure@RIGHT) whereto=oneof(left=pure@LEFT|right=pure@RIGHT)"},
    {"rpoplpush", 3, kWrite | kDenyOom, 1, 2, 1, "list", "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", "1.2.0",
     "O(1)", rpoplpush, "@write @list @slow", "source=key destination=key"},
    {"lmpop", -4, kWrite, 0, 0, 0, "list", "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", "7.0.0",
     "O(N+M) where N is the number of provided keys and M is the number of elements returned.", lmpop, "@write @list @slow",
     "numkeys=integer key=key... where=oneof(left=pure@LEFT|right=pure@RIGHT) [count=integer@COUNT]"},
    {"blpop", -3, kWrite | kBlocking, 1, -2, 1, "list", "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "2.0.0",
     "O(N) where N is the number of provided keys.", blpop, "@write @list @slow @blocking", "key=key... timeout=double"},
    {"brpop", -3, kWrite | kBlocking, 1, -2, 1, "list", "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "2.0.0",
     "O(N) where N is the number of provided keys.", brpop, "@write @list @slow @blocking", "key=key... timeout=double"},
    {"blmove", 6, kWrite | kDenyOom | kBlocking, 1, 2, 1, "list", "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", "6.2.0",
     "O(1)", blmove, "@write @list @slow @blocking",
     "source=key destination=key wherefrom=oneof(left=pure@LEFT|right=pure@RIGHT) whereto=oneof(left=pure@LEFT|right=pure@RIGHT) timeout=double"},
    {"brpoplpush", 4, kWrite | kDenyOom | kBlocking, 1, 2, 1, "list", "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", "2.2.0",
     "O(1)", brpoplpush, "@write @list @slow @blocking", "source=key destination=key timeout=double"},
    {"blmpop", -5, kWrite | kBlocking, 0, 0, 0, "list", "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "7.0.0",
     "O(N+M) where N is the number of provided keys and M is the number of elements returned.", blmpop, "@write @list @slow @blocking",
     "timeout=double numkeys=integer key=key... where=oneof(left=pure@LEFT|right=pure@RIGHT) [count=integer@COUNT]"},
};

}  // namespace

std::span<const CommandSpec> list_commands() { return kRows; }

}  // namespace eddy::commands
