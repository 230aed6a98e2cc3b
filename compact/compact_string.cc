#include "compact/compact_string.h"

#include <lz4.h>

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
  if (!is_inline()) std::free(heap_.data);
  clear_inline();
}

CompactString CompactString::clone() const {
  CompactString copy;
  if (is_inline()) {
    std::memcpy(static_cast<void*>(&copy), this, sizeof *this);
  } else {
    copy.heap_ = heap_;
    copy.heap_.data = static_cast<char*>(std::malloc(heap_.stored));
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
  if (compress && s.size() >= kCompressMin && s.size() <= LZ4_MAX_INPUT_SIZE) {
    const int bound = LZ4_compressBound(static_cast<int>(s.size()));
    char* packed = static_cast<char*>(std::malloc(static_cast<size_t>(bound)));
    int n = LZ4_compress_default(s.data(), packed, static_cast<int>(s.size()), bound);
    if (n > 0 && static_cast<size_t>(n) <= s.size() - s.size() / 8) {
      heap_.data = static_cast<char*>(std::realloc(packed, static_cast<size_t>(n)));
      heap_.size = size;
      heap_.stored = static_cast<uint32_t>(n);
      heap_.tag = kHeapTag;
      return;
    }
    std::free(packed);
  }
  heap_.data = static_cast<char*>(std::malloc(s.size()));
  std::memcpy(heap_.data, s.data(), s.size());
  heap_.size = size;
  heap_.stored = size;
  heap_.tag = kHeapTag;
}

std::string_view CompactString::decompress(std::string& scratch) const {
  scratch.resize(heap_.size);
  int n = LZ4_decompress_safe(heap_.data, scratch.data(), static_cast<int>(heap_.stored),
                              static_cast<int>(heap_.size));
  if (n != static_cast<int>(heap_.size)) scratch.clear();  // never happens: we wrote it
  return scratch;
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
