#include "commands/arguments.h"

#include <cctype>

#include "commands/errors.h"
#include "crdt/key_state.h"

namespace eddy::commands {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::optional<int64_t> int_arg(Context& ctx, std::string_view arg) {
  auto v = crdt::parse_strict_int64(arg);
  if (!v) ctx.reply.error(errors::kNotInteger);
  return v;
}

std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

void reply_invalid_expire(Context& ctx) {
  std::string name(ctx.args[0]);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ctx.reply.error("invalid expire time in '" + name + "' command");
}

std::optional<StringOptions> parse_string_options(Context& ctx, size_t first,
                                                  StringOptionsFor kind) {
  StringOptions o;
  const bool is_set = kind == StringOptionsFor::kSet;
  auto has_expire = [&] { return o.unit != StringOptions::Unit::kNone; };
  for (size_t i = first; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    bool has_next = i + 1 < ctx.args.size();
    if (is_set && iequals(a, "NX") && !o.xx) {
      o.nx = true;
    } else if (is_set && iequals(a, "XX") && !o.nx) {
      o.xx = true;
    } else if (is_set && iequals(a, "GET")) {
      o.get = true;
    } else if (is_set && iequals(a, "KEEPTTL") && !has_expire()) {
      o.keepttl = true;
    } else if (!is_set && iequals(a, "PERSIST") && !has_expire()) {
      o.persist = true;
    } else if ((iequals(a, "EX") || iequals(a, "PX") || iequals(a, "EXAT") || iequals(a, "PXAT")) &&
               !o.keepttl && !o.persist && !has_expire() && has_next) {
      o.unit = (a[0] == 'e' || a[0] == 'E') ? StringOptions::Unit::kSeconds
                                             : StringOptions::Unit::kMilliseconds;
      o.absolute = a.size() == 4;
      o.expire_arg = ctx.args[++i];
    } else {
      ctx.reply.error(errors::kSyntax);
      return std::nullopt;
    }
  }
  return o;
}

std::optional<int64_t> expire_at_ms(Context& ctx, std::string_view arg, bool seconds,
                                    bool absolute) {
  auto v = int_arg(ctx, arg);
  if (!v) return std::nullopt;
  int64_t ms = *v;
  if (ms <= 0 || (seconds && ms > INT64_MAX / 1000)) {
    reply_invalid_expire(ctx);
    return std::nullopt;
  }
  if (seconds) ms *= 1000;
  if (!absolute) {
    auto at = checked_add(ms, ctx.now_ms());
    if (!at) {
      reply_invalid_expire(ctx);
      return std::nullopt;
    }
    ms = *at;
  }
  return ms;
}

}  // namespace eddy::commands
