#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>

namespace eddy::sync {

// A hub's list of the edges it accepts (`sync-tokens-file`): one line per edge,
// "<node-name> <sha256 of its token, 64 hex digits>"; blank lines and lines starting with # are
// ignored. The hub keeps only hashes, so the file gives away no token.
class EdgeTokens {
 public:
  // The file's text, or an error naming the line at fault.
  static std::variant<EdgeTokens, std::string> parse(std::string_view text);
  // Whether `token` is the one `node_name` must present.
  bool accepts(std::string_view node_name, std::string_view token) const;
  size_t size() const { return hashes_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> hashes_;  // node name → token hash
};

}  // namespace eddy::sync
