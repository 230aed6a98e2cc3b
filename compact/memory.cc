#include "compact/memory.h"

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "compact/hash.h"

namespace eddy::compact {
namespace {

std::atomic<size_t> g_used{0};

void* counted_alloc(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  g_used.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

void* counted_alloc_nothrow(size_t n) noexcept {
  void* p = std::malloc(n ? n : 1);
  if (p) g_used.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

void* counted_aligned_alloc(size_t n, std::align_val_t align) {
  void* p = nullptr;
  if (posix_memalign(&p, static_cast<size_t>(align), n ? n : 1) != 0) throw std::bad_alloc();
  g_used.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

void counted_free(void* p) noexcept {
  if (!p) return;
  g_used.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  std::free(p);
}

}  // namespace

size_t used_memory() { return g_used.load(std::memory_order_relaxed); }

void* allocate(size_t n) { return counted_alloc(n); }

void* allocate_zeroed(size_t count, size_t size) {
  void* p = std::calloc(count ? count : 1, size ? size : 1);
  if (!p) throw std::bad_alloc();
  g_used.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

void deallocate(void* p) noexcept { counted_free(p); }

size_t rss_bytes() {
  long pages = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    long size = 0;
    if (std::fscanf(f, "%ld %ld", &size, &pages) != 2) pages = 0;
    std::fclose(f);
  }
  return static_cast<size_t>(pages) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

const char* allocator_name() { return "libc"; }

uint64_t process_hash_seed() {
  static const uint64_t seed = [] {
    uint64_t s = static_cast<uint64_t>(getpid()) * 0x9e3779b97f4a7c15ull;
    if (FILE* f = std::fopen("/dev/urandom", "rb")) {
      if (std::fread(&s, sizeof s, 1, f) != 1) s ^= 0x5bd1e995;
      std::fclose(f);
    }
    return s;
  }();
  return seed;
}

}  // namespace eddy::compact

// The replaced global allocation functions. They live in the same object file as used_memory(),
// which every binary that links eddy_compact uses, so the linker always keeps them.
void* operator new(size_t n) { return eddy::compact::counted_alloc(n); }
void* operator new[](size_t n) { return eddy::compact::counted_alloc(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return eddy::compact::counted_alloc_nothrow(n);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return eddy::compact::counted_alloc_nothrow(n);
}
void* operator new(size_t n, std::align_val_t a) { return eddy::compact::counted_aligned_alloc(n, a); }
void* operator new[](size_t n, std::align_val_t a) {
  return eddy::compact::counted_aligned_alloc(n, a);
}
void operator delete(void* p) noexcept { eddy::compact::counted_free(p); }
void operator delete[](void* p) noexcept { eddy::compact::counted_free(p); }
void operator delete(void* p, size_t) noexcept { eddy::compact::counted_free(p); }
void operator delete[](void* p, size_t) noexcept { eddy::compact::counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { eddy::compact::counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { eddy::compact::counted_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { eddy::compact::counted_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  eddy::compact::counted_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { eddy::compact::counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { eddy::compact::counted_free(p); }
