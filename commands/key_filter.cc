#include "commands/key_filter.h"

#include <algorithm>

#include "commands/glob.h"

namespace eddy::commands {
namespace {

std::vector<std::string> split_patterns(std::string_view text) {
  std::vector<std::string> patterns;
  size_t at = 0;
  while (at < text.size()) {
    const size_t start = text.find_first_not_of(' ', at);
    if (start == std::string_view::npos) break;
    const size_t end = std::min(text.find(' ', start), text.size());
    patterns.emplace_back(text.substr(start, end - start));
    at = end;
  }
  return patterns;
}

bool any_matches(const std::vector<std::string>& patterns, std::string_view key) {
  for (const std::string& pattern : patterns)
    if (glob_match(pattern, key)) return true;
  return false;
}

}  // namespace

void KeyFilter::set(std::string_view include, std::string_view exclude) {
  include_ = split_patterns(include);
  exclude_ = split_patterns(exclude);
}

bool KeyFilter::syncs(std::string_view key) const {
  if (!include_.empty() && !any_matches(include_, key)) return false;
  return !any_matches(exclude_, key);
}

}  // namespace eddy::commands
