// libFuzzer target: arbitrary ACL rules (the words of a `user` line or of ACL SETUSER) never
// crash the rule parser, and whatever they leave is describable and checkable.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/acl.h"
#include "commands/command_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const eddy::commands::CommandTable table;
  static eddy::commands::AclRegistry registry(table);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of(" \n", pos);
    if (end == std::string_view::npos) end = text.size();
    words.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  (void)eddy::commands::validate_user_line(words);
  eddy::commands::AclUser user = registry.blank("fuzz");
  for (const std::string& w : words) (void)registry.apply(user, w);
  (void)registry.describe(user);
  // The words themselves as a command: key and command checks on arbitrary arguments.
  std::vector<std::string_view> argv(words.begin(), words.end());
  if (const eddy::commands::CommandSpec* spec = table.find(argv[0])) {
    size_t position = 0;
    (void)registry.check(user, *spec, argv, &position);
  }
  return 0;
}
