#include "compact/compact_string.h"

#include "compact/lz4.h"
#include "compact/memory.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <malloc.h>

namespace eddy::compact {

CompactString::CompactString(CompactString&& other) noexcept {
  std::memcpy(static_cast<void*>(this), &other, sizeof *this);
  other.clear_inline();
}

CompactString& CompactString::operator=(CompactString&& other) noexcept {
  if (this != &other) {
    release();
    std::memcpy(static_cast<void*>(this), &other, sizeof *this);
    other.clear_inline();
  }
  return *this;
}

void CompactString::release() {
  if (!is_inline()) deallocate(heap_.data);
  clear_inline();
}

CompactString CompactString::clone() const {
  CompactString copy;
  if (is_inline()) {
    std::memcpy(static_cast<void*>(&copy), this, sizeof *this);
  } else {
    copy.heap_ = heap_;
    copy.heap_.data = static_cast<char*>(allocate(heap_.stored));
    std::memcpy(copy.heap_.data, heap_.data, heap_.stored);
  }
  return copy;
}

void CompactString::assign(std::string_view s, bool compress) {
  release();
  if (s.size() <= kInlineCapacity) {
    std::memcpy(inline_, s.data(), s.size());
    inline_tag_ = static_cast<uint8_t>(s.size());
    return;
  }
  // Lengths are bounded by proto-max-bulk-len (at most 4 GiB - 1 in practice).
  const uint32_t size = static_cast<uint32_t>(s.size());
  thread_local std::string packed;
  packed.clear();
  if (compress && lz4_append(packed, s)) {
    heap_.data = static_cast<char*>(allocate(packed.size()));
    std::memcpy(heap_.data, packed.data(), packed.size());
    heap_.size = size;
    heap_.stored = static_cast<uint32_t>(packed.size());
    heap_.tag = kHeapTag;
    return;
  }
  heap_.data = static_cast<char*>(allocate(s.size()));
  std::memcpy(heap_.data, s.data(), s.size());
  heap_.size = size;
  heap_.stored = size;
  heap_.tag = kHeapTag;
}

std::string_view CompactString::decompress(std::string& scratch) const {
  return lz4_expand(std::string_view(heap_.data, heap_.stored), heap_.size, scratch);
}

void CompactString::append_to(std::string& out) const {
  std::string scratch;
  out.append(view(scratch));
}

std::string CompactString::str() const {
  std::string scratch;
  return std::string(view(scratch));
}

bool CompactString::equals(std::string_view s) const {
  if (s.size() != size()) return false;
  std::string scratch;
  return view(scratch) == s;
}

size_t CompactString::heap_bytes() const {
  return is_inline() ? 0 : malloc_usable_size(heap_.data);
}

}  // namespace eddy::compact
