#pragma once

#include <string_view>

namespace eddy::commands {

// Redis's glob-style matching (stringmatchlen): * ? [abc] [^a] [a-z] and \ escapes, used by KEYS,
// SCAN MATCH, CONFIG GET and CLIENT/COMMAND filters.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace eddy::commands
