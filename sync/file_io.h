#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The few file operations durability needs, with errors as values (errno texts).
namespace eddy::sync {

// Reads a whole file; nothing when it does not exist, an error text when it cannot be read.
struct FileRead {
  bool exists = false;
  std::string bytes;
  std::string error;
};
FileRead read_file(const std::string& path);

// Writes all of `bytes` to `fd`, retrying short writes; 0 or the errno.
int write_all(int fd, std::string_view bytes);

// Makes a rename or a file creation in `dir` durable.
int fsync_dir(const std::string& dir);

// Creates `dir` if missing; an error text when it cannot.
std::optional<std::string> make_dir(const std::string& dir);

// The names in `dir` (not . and ..), sorted.
std::vector<std::string> list_dir(const std::string& dir);

std::string errno_text(int err);

}  // namespace eddy::sync
