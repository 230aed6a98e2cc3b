#include "sync/edge_tokens.h"

#include <algorithm>
#include <cctype>

#include "compact/sha256.h"

namespace eddy::sync {
namespace {

bool is_hex_hash(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::variant<EdgeTokens, std::string> EdgeTokens::parse(std::string_view text) {
  EdgeTokens tokens;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line = line.substr(first);
    const size_t gap = line.find_first_of(" \t");
    const std::string_view name = line.substr(0, gap);
    std::string_view hash;
    if (gap != std::string_view::npos) {
      hash = line.substr(gap);
      hash.remove_prefix(std::min(hash.size(), hash.find_first_not_of(" \t")));
      if (const size_t tail = hash.find_first_of(" \t"); tail != std::string_view::npos) {
        if (hash.find_first_not_of(" \t", tail) != std::string_view::npos)
          return "line " + std::to_string(line_no) + ": expected <node-name> <token sha256>";
        hash = hash.substr(0, tail);
      }
    }
    if (!is_hex_hash(hash))
      return "line " + std::to_string(line_no) +
             ": the token hash must be 64 hex digits (the sha256 of the token)";
    if (!tokens.hashes_.emplace(name, lower(hash)).second)
      return "line " + std::to_string(line_no) + ": node '" + std::string(name) +
             "' is listed twice";
  }
  return tokens;
}

bool EdgeTokens::accepts(std::string_view node_name, std::string_view token) const {
  auto it = hashes_.find(node_name);
  // Hash either way, so that an unknown name takes as long as a wrong token.
  const std::string presented = compact::sha256_hex(token);
  return it != hashes_.end() && compact::constant_time_equal(presented, it->second);
}

}  // namespace eddy::sync
