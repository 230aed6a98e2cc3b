#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace eddy::commands {

// sync-include / sync-exclude: which keys leave this node. A key syncs when it matches one of
// the include patterns (or there is none) and none of the exclude patterns.
class KeyFilter {
 public:
  // Patterns separated by spaces, as the directives hold them.
  void set(std::string_view include, std::string_view exclude);
  bool empty() const { return include_.empty() && exclude_.empty(); }
  bool syncs(std::string_view key) const;

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
};

}  // namespace eddy::commands
