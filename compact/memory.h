#pragma once

#include <cstddef>

namespace eddy::compact {

// Every allocation of the process is counted (operator new and delete are replaced, as Redis's
// zmalloc wraps malloc), so used_memory is exact: the bytes the allocator handed out.
size_t used_memory();
// Resident set size from /proc/self/statm.
size_t rss_bytes();
const char* allocator_name();

}  // namespace eddy::compact
