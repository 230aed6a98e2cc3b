#include "commands/glob.h"

#include <cctype>

namespace eddy::commands {
namespace {

char fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Redis bounds the recursion of '*' so that a hostile pattern cannot exhaust the stack; past the
// bound the match fails, as in Redis 7.0.
bool match(const char* p, const char* pend, const char* s, const char* send, bool nocase,
           int nesting) {
  if (nesting > 1000) return false;
  while (p < pend && s < send) {
    switch (*p) {
      case '*':
        while (p + 1 < pend && p[1] == '*') ++p;
        if (p + 1 == pend) return true;
        for (; s < send; ++s)
          if (match(p + 1, pend, s, send, nocase, nesting + 1)) return true;
        return false;
      case '?':
        ++s;
        ++p;
        continue;
      case '[': {
        ++p;
        bool negate = p < pend && *p == '^';
        if (negate) ++p;
        bool found = false;
        while (p < pend && *p != ']') {
          if (*p == '\\' && p + 1 < pend) {
            ++p;
            if (fold(*p, nocase) == fold(*s, nocase)) found = true;
          } else if (p + 2 < pend && p[1] == '-') {
            char lo = fold(p[0], nocase), hi = fold(p[2], nocase), c = fold(*s, nocase);
            if (lo > hi) std::swap(lo, hi);
            if (c >= lo && c <= hi) found = true;
            p += 2;
          } else if (fold(*p, nocase) == fold(*s, nocase)) {
            found = true;
          }
          ++p;
        }
        if (negate) found = !found;
        if (!found) return false;
        if (p < pend) ++p;  // past ']'; an unterminated class ends the pattern as in Redis
        ++s;
        continue;
      }
      case '\\':
        if (p + 1 < pend) ++p;
        [[fallthrough]];
      default:
        if (fold(*p, nocase) != fold(*s, nocase)) return false;
        ++p;
        ++s;
    }
  }
  while (p < pend && *p == '*') ++p;
  return p == pend && s == send;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
  return match(pattern.data(), pattern.data() + pattern.size(), text.data(),
               text.data() + text.size(), nocase, 0);
}

}  // namespace eddy::commands
