#pragma once

#include <cstddef>

namespace eddy::compact {

// Every allocation of the process is counted (operator new and delete are replaced, as Redis's
// zmalloc wraps malloc), so used_memory is exact: the bytes the allocator handed out.
size_t used_memory();
// malloc, calloc and free, counted like operator new: for the store's blocks that do not come
// from operator new (the key table's bucket arrays, long strings), so that they count too.
// allocate throws std::bad_alloc like operator new.
void* allocate(size_t n);
void* allocate_zeroed(size_t count, size_t size);
void deallocate(void* p) noexcept;
// Resident set size from /proc/self/statm.
size_t rss_bytes();
const char* allocator_name();

}  // namespace eddy::compact
